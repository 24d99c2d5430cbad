//! The journal of a re-creation run: one JSON-lines file per run under
//! `<data dir>/template-recreate/`, every record fsynced before the next call; a torn
//! last line (a crash mid-write) is cut off on open. A lock file beside it keeps a
//! second process off the same run.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::recreate::CreateBody;
use crate::domain::recreate::body::MediaSlot;
use crate::ops::private_files::{private_dir, private_options};

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

/// An open journal, appended to and fsynced entry by entry, holding the run's lock.
pub struct RunJournal {
    file: File,
    path: PathBuf,
    lock: PathBuf,
}

impl RunJournal {
    /// Creates the journal of a new run (fails if the id exists) and takes its lock.
    pub fn create(data_dir: &Path, run_id: &str) -> std::io::Result<RunJournal> {
        let dir = runs_dir(data_dir);
        private_dir(&dir)?;
        let path = journal_path(data_dir, run_id)?;
        let lock = take_lock(&path)?;
        let file = match private_options().create_new(true).append(true).open(&path) {
            Ok(file) => file,
            Err(e) => {
                let _ = std::fs::remove_file(&lock);
                return Err(e);
            }
        };
        if let Ok(handle) = File::open(&dir) {
            let _ = handle.sync_all();
        }
        Ok(RunJournal { file, path, lock })
    }

    /// Opens a run's journal for appending, with its entries, after taking its lock.
    pub fn open(data_dir: &Path, run_id: &str) -> std::io::Result<(RunJournal, Vec<Entry>)> {
        let path = journal_path(data_dir, run_id)?;
        let lock = take_lock(&path)?;
        let opened = (|| {
            let bytes = std::fs::read(&path)?;
            let file = OpenOptions::new().append(true).open(&path)?;
            let complete = whole_lines(&bytes)?;
            if complete.len() < bytes.len() {
                // A torn last line from a crash: cut it off so the next entry starts clean.
                file.set_len(complete.len() as u64)?;
                file.sync_data()?;
            }
            Ok((file, parse(complete)?))
        })();
        match opened {
            Ok((file, entries)) => Ok((RunJournal { file, path, lock }, entries)),
            Err(e) => {
                let _ = std::fs::remove_file(&lock);
                Err(e)
            }
        }
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunJournal {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Reads a run's entries without opening it for writing (tracking, reports).
pub fn read(data_dir: &Path, run_id: &str) -> std::io::Result<Vec<Entry>> {
    let bytes = std::fs::read(journal_path(data_dir, run_id)?)?;
    parse(whole_lines(&bytes)?)
}

/// The lines a crash cannot have torn: up to the last newline. A write cut inside a
/// character leaves bytes that are not UTF-8, and they are all past it.
fn whole_lines(bytes: &[u8]) -> std::io::Result<&str> {
    let complete = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |at| at + 1);
    std::str::from_utf8(&bytes[..complete])
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Every run's id and entries, oldest first.
pub fn all_runs(data_dir: &Path) -> Vec<(String, Vec<Entry>)> {
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
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    runs
}

fn journal_path(data_dir: &Path, run_id: &str) -> std::io::Result<PathBuf> {
    if !valid_run_id(run_id) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{run_id:?} is not a run id (recreate-… as printed when the run started)"),
        ));
    }
    Ok(runs_dir(data_dir).join(format!("{run_id}.jsonl")))
}

fn parse(text: &str) -> std::io::Result<Vec<Entry>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(at, line)| {
            serde_json::from_str(line).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("journal line {}: {e}", at + 1),
                )
            })
        })
        .collect()
}

/// Takes `<journal>.lock` holding our pid; a lock whose process is gone is taken over.
fn take_lock(journal: &Path) -> std::io::Result<PathBuf> {
    let lock = journal.with_extension("lock");
    for _ in 0..2 {
        match private_options().write(true).create_new(true).open(&lock) {
            Ok(mut file) => {
                write!(file, "{}", std::process::id())?;
                file.sync_data()?;
                return Ok(lock);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&lock).unwrap_or_default();
                let alive = holder
                    .trim()
                    .parse::<u32>()
                    .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                if alive {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::WouldBlock,
                        format!(
                            "process {} holds this run: wait for it to end",
                            holder.trim()
                        ),
                    ));
                }
                std::fs::remove_file(&lock)?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not take the run's lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut journal = RunJournal::create(dir.path(), "recreate-1").unwrap();
        journal.append(&intent("a")).unwrap();
        assert!(
            RunJournal::open(dir.path(), "recreate-1").is_err(),
            "locked while open"
        );
        let path = journal.path().to_path_buf();
        drop(journal);
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"record\":\"outc")
            .unwrap();
        assert_eq!(read(dir.path(), "recreate-1").unwrap(), vec![intent("a")]);
        let (mut reopened, entries) = RunJournal::open(dir.path(), "recreate-1").unwrap();
        assert_eq!(entries, vec![intent("a")]);
        reopened.append(&intent("b")).unwrap();
        drop(reopened);
        assert_eq!(
            read(dir.path(), "recreate-1").unwrap(),
            vec![intent("a"), intent("b")]
        );
        assert!(
            RunJournal::create(dir.path(), "recreate-1").is_err(),
            "an id is never reused"
        );
        assert!(RunJournal::open(dir.path(), "../etc/passwd").is_err());
        assert_eq!(all_runs(dir.path()).len(), 1);
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
