//! The journal of a re-creation run: one JSON-lines file per run under
//! `<data dir>/template-recreate/`, in the same file format as the migration journals
//! ([`crate::ops::journal_store::LinesFile`]: created whole with its plan, every record
//! fsynced before the next call, a torn last line cut off on open). A run belongs to
//! the backend it started on, and one process holds it at a time (the shared run lock,
//! [`crate::ops::run_lock`]; a lock left by a dead process is taken over and journaled).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::domain::journal::Backend;
use crate::domain::recreate::CreateBody;
use crate::domain::recreate::body::MediaSlot;
use crate::ops::journal_store::{LinesError, LinesFile, read_lines};
use crate::ops::run_lock::{HeldLock, LockError, LockKey, LockRefused, lock};
use crate::ops::template_migration::now_rfc3339;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Entry {
    /// The confirmed plan: every row, with the body to send for those to submit.
    Started {
        run_id: String,
        source_waba_id: String,
        destination_waba_id: String,
        room: Option<u64>,
        operator: String,
        /// `--yes` or `prompt`: how the operator confirmed.
        confirmed: String,
        rows: Vec<PlannedRow>,
        /// Media sample sources by key (`NAME` or `NAME/cardN`): file paths or URLs.
        media: BTreeMap<String, String>,
        /// The backend the run belongs to; absent in journals written before runs were
        /// bound to one (they belong to none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backend: Option<Backend>,
        at: String,
    },
    /// About to send the creation of `name`/`language` with this body.
    Intent {
        name: String,
        language: String,
        body: CreateBody,
        at: String,
    },
    /// What the creation call answered.
    Outcome {
        name: String,
        language: String,
        result: CallResult,
        at: String,
    },
    /// A verdict (or state) read back while tracking.
    Verdict {
        name: String,
        language: String,
        id: String,
        status: String,
        category: Option<String>,
        rejected_reason: Option<String>,
        at: String,
    },
    /// A row given up during the run (media missing, no room, invalid after edit).
    Skipped {
        name: String,
        language: String,
        reason: String,
        at: String,
    },
    /// Something the run noted (a lock taken over from a process that died).
    Note { text: String, at: String },
    /// Every row to submit has a final outcome.
    Finished { at: String },
}

/// A row of the confirmed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRow {
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    pub reason: String,
    pub risks: Vec<String>,
    pub submit: bool,
    pub skip_reason: Option<String>,
    pub body: Option<CreateBody>,
    #[serde(default)]
    pub media: Vec<MediaSlotRecord>,
}

/// A media slot as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSlotRecord {
    pub key: String,
    pub format: String,
    pub component: usize,
    pub card: Option<usize>,
}

impl From<&MediaSlot> for MediaSlotRecord {
    fn from(slot: &MediaSlot) -> Self {
        MediaSlotRecord {
            key: slot.key.clone(),
            format: slot.format.clone(),
            component: slot.component,
            card: slot.card,
        }
    }
}

impl From<&MediaSlotRecord> for MediaSlot {
    fn from(slot: &MediaSlotRecord) -> Self {
        MediaSlot {
            key: slot.key.clone(),
            format: slot.format.clone(),
            component: slot.component,
            card: slot.card,
        }
    }
}

/// How a creation call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CallResult {
    /// Accepted for review.
    Created {
        id: String,
        status: Option<String>,
        category: Option<String>,
    },
    /// Already there (Meta's "already exists", or found by a read-back).
    Present { id: Option<String> },
    /// Meta refused it; sending it again would be refused again.
    Refused { reason: String },
    /// Refused by a rate limit: nothing was created; it may be sent again after the wait.
    RateLimited { wait_secs: u64 },
    /// No answer (network, timeout, 5xx): it may or may not exist; read back first.
    Unknown { error: String },
}

/// Where the runs live.
pub fn runs_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("template-recreate")
}

/// Checks a run id before it becomes a file name: `recreate-` then letters, digits, `-`.
pub fn valid_run_id(run_id: &str) -> bool {
    run_id.starts_with("recreate-")
        && run_id.len() <= 64
        && run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Why a run's journal could not be created, opened or read.
#[derive(Debug, thiserror::Error)]
pub enum RunJournalError {
    #[error(
        "{0:?} is not a run id: give the recreate-… id `templates recreate` printed when the run started."
    )]
    BadId(String),
    #[error(
        "There is no re-creation run {0} in this data directory: give the id `templates recreate` printed when the run started."
    )]
    Missing(String),
    #[error("{0}")]
    Locked(#[from] LockRefused),
    #[error("{0}")]
    Lock(String),
    #[error("Could not use the journal of run {run_id}: {reason}.")]
    File { run_id: String, reason: String },
    #[error(
        "Run {run_id} ran against {recorded}, not against the current backend ({current}): use it with the profile (or sandbox) it started on."
    )]
    OtherBackend {
        run_id: String,
        recorded: String,
        current: String,
    },
}

/// Why a run stopped before its end, once it had a journal or was about to make one;
/// `Display` says what happened to the calls and what to do next.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    #[error("Could not create the run's journal ({0}): nothing was sent.")]
    CreateJournal(RunJournalError),
    #[error("Run {0} has no plan in its journal: it cannot be resumed.")]
    NoPlan(String),
    #[error("Could not write the journal ({0}): stopping before any further call.")]
    JournalWrite(std::io::Error),
    #[error("Could not read the destination back ({0}): nothing was sent again; resume later.")]
    ReadBack(ApiError),
    #[error("Could not read template {id} ({error}).")]
    ReadTemplate { id: String, error: ApiError },
    #[error("Could not read the destination's templates ({0}).")]
    ReadDestination(ApiError),
}

/// Why a resume or a tracking did not go on; the sentence says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum RunStopped {
    /// The operator's mix-up: not a run id, or a run of another backend (exit 2, as a
    /// migration resumed elsewhere).
    #[error("{0}")]
    Usage(RunJournalError),
    /// A journal that could not be read or held (exit 1).
    #[error("{0}")]
    Journal(RunJournalError),
    /// A failed read or write during the run (exit 1).
    #[error("{0}")]
    Failed(#[from] RunFailure),
}

impl From<RunJournalError> for RunStopped {
    fn from(error: RunJournalError) -> Self {
        match error {
            RunJournalError::BadId(_) | RunJournalError::OtherBackend { .. } => {
                RunStopped::Usage(error)
            }
            other => RunStopped::Journal(other),
        }
    }
}

/// An open journal, appended to and fsynced entry by entry, holding the run's lock.
pub struct RunJournal {
    lines: LinesFile,
    lock: HeldLock,
}

impl RunJournal {
    /// Takes the run's lock and creates its journal holding the plan (`started`);
    /// fails if the id exists.
    pub fn create(
        data_dir: &Path,
        run_id: &str,
        started: &Entry,
    ) -> Result<RunJournal, RunJournalError> {
        let path = journal_path(data_dir, run_id)?;
        let held = take_lock(data_dir, run_id)?;
        let lines = LinesFile::create(&path, started).map_err(|e| RunJournalError::File {
            run_id: run_id.to_string(),
            reason: e.to_string(),
        })?;
        let mut journal = RunJournal { lines, lock: held };
        journal.note_takeover(run_id, &mut Vec::new())?;
        Ok(journal)
    }

    /// Takes the run's lock and opens its journal for appending, with its entries;
    /// a lock taken over from a process that died is noted in the journal.
    pub fn open(
        data_dir: &Path,
        run_id: &str,
    ) -> Result<(RunJournal, Vec<Entry>), RunJournalError> {
        let path = journal_path(data_dir, run_id)?;
        let held = take_lock(data_dir, run_id)?;
        let (lines, mut entries) =
            LinesFile::open_for_append(&path).map_err(|e| lines_error(e, run_id))?;
        let mut journal = RunJournal { lines, lock: held };
        journal.note_takeover(run_id, &mut entries)?;
        Ok((journal, entries))
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        self.lines.append(entry)
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        self.lines.path()
    }

    fn note_takeover(
        &mut self,
        run_id: &str,
        entries: &mut Vec<Entry>,
    ) -> Result<(), RunJournalError> {
        let Some(holder) = self.lock.took_over_from.clone() else {
            return Ok(());
        };
        let note = Entry::Note {
            text: format!(
                "took over a lock left by a wamigrate process that is no longer running ({holder})"
            ),
            at: now_rfc3339(),
        };
        self.append(&note).map_err(|e| RunJournalError::File {
            run_id: run_id.to_string(),
            reason: e.to_string(),
        })?;
        entries.push(note);
        Ok(())
    }
}

/// Reads a run's entries without opening it for writing (tracking, reports).
pub fn read(data_dir: &Path, run_id: &str) -> Result<Vec<Entry>, RunJournalError> {
    read_lines(&journal_path(data_dir, run_id)?).map_err(|e| lines_error(e, run_id))
}

/// The backend a run's journal records.
pub fn backend_of(entries: &[Entry]) -> Option<&Backend> {
    match entries.first() {
        Some(Entry::Started { backend, .. }) => backend.as_ref(),
        _ => None,
    }
}

/// Refuses a run that belongs to another backend than `current` (or to none: a journal
/// written before runs were bound).
pub fn check_backend(
    run_id: &str,
    entries: &[Entry],
    current: &Backend,
) -> Result<(), RunJournalError> {
    match backend_of(entries) {
        Some(recorded) if recorded.same_as(current) => Ok(()),
        recorded => Err(RunJournalError::OtherBackend {
            run_id: run_id.to_string(),
            recorded: Backend::describe_recorded(recorded),
            current: current.describe(),
        }),
    }
}

/// Every run of `backend` with its entries, oldest first; runs of other backends, and
/// files that are not readable journals, are left out.
pub fn runs_of(data_dir: &Path, backend: &Backend) -> Vec<(String, Vec<Entry>)> {
    let mut runs: Vec<(String, Vec<Entry>)> = std::fs::read_dir(runs_dir(data_dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let id = entry.path().file_stem()?.to_str()?.to_string();
            let is_journal = entry.path().extension().is_some_and(|e| e == "jsonl");
            (is_journal && valid_run_id(&id))
                .then(|| read(data_dir, &id).ok().map(|entries| (id, entries)))?
        })
        .filter(|(_, entries)| backend_of(entries).is_some_and(|b| b.same_as(backend)))
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    runs
}

fn journal_path(data_dir: &Path, run_id: &str) -> Result<PathBuf, RunJournalError> {
    if !valid_run_id(run_id) {
        return Err(RunJournalError::BadId(run_id.to_string()));
    }
    Ok(runs_dir(data_dir).join(format!("{run_id}.jsonl")))
}

fn take_lock(data_dir: &Path, run_id: &str) -> Result<HeldLock, RunJournalError> {
    lock(data_dir, &LockKey::Recreation(run_id.to_string())).map_err(|e| match e {
        LockError::Held(refused) => RunJournalError::Locked(refused),
        other => RunJournalError::Lock(other.to_string()),
    })
}

fn lines_error(error: LinesError, run_id: &str) -> RunJournalError {
    match error {
        LinesError::Missing { .. } => RunJournalError::Missing(run_id.to_string()),
        other => RunJournalError::File {
            run_id: run_id.to_string(),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::ops::private_files::private_dir;

    fn backend(instance: &str) -> Backend {
        Backend::test_sandbox(instance)
    }

    fn started(run_id: &str, on: Option<Backend>) -> Entry {
        Entry::Started {
            run_id: run_id.into(),
            source_waba_id: "1".into(),
            destination_waba_id: "2".into(),
            room: None,
            operator: "ops".into(),
            confirmed: "--yes".into(),
            rows: Vec::new(),
            media: BTreeMap::new(),
            backend: on,
            at: "t".into(),
        }
    }

    fn intent(name: &str) -> Entry {
        Entry::Intent {
            name: name.into(),
            language: "en_US".into(),
            body: serde_json::from_value(serde_json::json!({"name": name, "language": "en_US", "category": "UTILITY", "components": []})).unwrap(),
            at: "t".into(),
        }
    }

    #[test]
    fn entries_survive_a_torn_line_and_one_process_holds_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let first = started("recreate-1", Some(backend("a")));
        let mut journal = RunJournal::create(dir.path(), "recreate-1", &first).unwrap();
        journal.append(&intent("a")).unwrap();
        let Err(RunJournalError::Locked(refused)) = RunJournal::open(dir.path(), "recreate-1")
        else {
            panic!("a second holder is refused while the run is open");
        };
        assert!(
            refused
                .holder
                .contains(&format!("pid {}", std::process::id()))
        );
        let path = journal.path().to_path_buf();
        drop(journal);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"record\":\"outc")
            .unwrap();
        let whole = vec![first.clone(), intent("a")];
        assert_eq!(read(dir.path(), "recreate-1").unwrap(), whole);
        let (mut reopened, entries) = RunJournal::open(dir.path(), "recreate-1").unwrap();
        assert_eq!(entries, whole);
        reopened.append(&intent("b")).unwrap();
        drop(reopened);
        assert_eq!(
            read(dir.path(), "recreate-1").unwrap(),
            vec![first.clone(), intent("a"), intent("b")]
        );
        assert!(
            RunJournal::create(dir.path(), "recreate-1", &first).is_err(),
            "an id is never reused"
        );
        assert!(matches!(
            RunJournal::open(dir.path(), "../etc/passwd"),
            Err(RunJournalError::BadId(_))
        ));
    }

    #[test]
    fn a_lock_left_by_a_dead_process_is_taken_over_and_noted() {
        let dir = tempfile::tempdir().unwrap();
        let first = started("recreate-2", Some(backend("a")));
        drop(RunJournal::create(dir.path(), "recreate-2", &first).unwrap());
        let lock_file = crate::ops::run_lock::locks_dir(dir.path()).join("recreate-recreate2.lock");
        std::fs::write(&lock_file, "pid 999999, started 2026-11-25T10:00:00Z").unwrap();
        let (_journal, entries) = RunJournal::open(dir.path(), "recreate-2").unwrap();
        let Some(Entry::Note { text, .. }) = entries.last() else {
            panic!("the takeover is journaled: {entries:?}");
        };
        assert!(text.contains("pid 999999"), "{text}");
        assert_eq!(read(dir.path(), "recreate-2").unwrap(), entries);
    }

    #[test]
    fn runs_belong_to_the_backend_they_started_on() {
        let dir = tempfile::tempdir().unwrap();
        for (id, on) in [
            ("recreate-1", Some(backend("a"))),
            ("recreate-2", Some(backend("b"))),
            ("recreate-3", None),
        ] {
            drop(RunJournal::create(dir.path(), id, &started(id, on)).unwrap());
        }
        let ids = |on: &str| -> Vec<String> {
            runs_of(dir.path(), &backend(on))
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        assert_eq!(ids("a"), vec!["recreate-1"]);
        assert_eq!(ids("b"), vec!["recreate-2"]);
        let entries = read(dir.path(), "recreate-1").unwrap();
        assert!(check_backend("recreate-1", &entries, &backend("a")).is_ok());
        let refused = check_backend("recreate-1", &entries, &backend("b"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("sandbox a at") && refused.contains("sandbox b at"),
            "one sentence naming both: {refused}"
        );
        let older = read(dir.path(), "recreate-3").unwrap();
        assert!(check_backend("recreate-3", &older, &backend("a")).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 32, failure_persistence: None, ..Default::default() })]

        /// A crash can stop a write at any byte, inside a character too: the run
        /// reopens, appends and reads back every whole entry.
        #[test]
        fn a_run_reopens_after_a_crash_at_any_byte(
            names in proptest::collection::vec("\\PC{1,8}", 1..4),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let entries: Vec<Entry> = names.iter().map(|n| intent(n)).collect();
            let bytes: Vec<u8> = entries
                .iter()
                .flat_map(|e| serde_json::to_vec(e).unwrap().into_iter().chain([b'\n']))
                .collect();
            private_dir(&runs_dir(dir.path())).unwrap();
            let path = journal_path(dir.path(), "recreate-2").unwrap();
            std::fs::write(&path, &bytes[..cut.index(bytes.len() + 1)]).unwrap();
            let (mut journal, kept) = RunJournal::open(dir.path(), "recreate-2").unwrap();
            proptest::prop_assert_eq!(&kept[..], &entries[..kept.len()]);
            journal.append(&intent("after")).unwrap();
            drop(journal);
            let mut expected = kept;
            expected.push(intent("after"));
            proptest::prop_assert_eq!(read(dir.path(), "recreate-2").unwrap(), expected);
        }
    }
}
