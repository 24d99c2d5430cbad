//! Journals on disk: one JSON-lines file per migration under `<data_dir>/journals/`
//! (0700; files 0600), each record fsynced before the next remote call is made.
//! Reading (list, show, the budget) never writes; only a run, holding the journal's
//! lock, cuts a torn last line before it appends.

mod lines;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use lines::{LinesError, LinesFile, read_lines};

use crate::ops::file_error::FileError;

use crate::domain::journal::{
    Backend, JournalDamage, JournalState, MigrationId, NoStartRecord, Record, replay,
};

/// The moving window of Meta's register limit.
pub const REGISTER_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JournalReadError {
    #[error("there is no journal {0}")]
    Missing(MigrationId),
    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged: {damage}; it is left as it is")]
    Damaged {
        path: PathBuf,
        damage: JournalDamage,
    },
    #[error("{path} is damaged: {reason}; it is left as it is")]
    NoStart {
        path: PathBuf,
        reason: NoStartRecord,
    },
}

/// An open journal, appended to and fsynced record by record.
pub struct JournalFile {
    lines: LinesFile,
}

/// The folder that holds the journals.
pub fn journals_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("journals")
}

/// Where the journal of `id` lives.
pub fn journal_path(data_dir: &Path, id: &MigrationId) -> PathBuf {
    journals_dir(data_dir).join(format!("{id}.jsonl"))
}

impl JournalFile {
    /// Creates the journal of a new migration holding its first record; fails if it
    /// exists. The file appears whole or not at all, so a crash can never leave a
    /// journal without its `started` record.
    pub fn create(
        data_dir: &Path,
        id: &MigrationId,
        first: &Record,
    ) -> std::io::Result<JournalFile> {
        let lines = LinesFile::create(&journal_path(data_dir, id), first)?;
        Ok(JournalFile { lines })
    }

    /// Opens an existing journal for appending, with its records so far. A torn last
    /// line is cut off here, so the next record starts clean; call it only while
    /// holding the journal's lock.
    pub fn open_for_append(
        data_dir: &Path,
        id: &MigrationId,
    ) -> Result<(JournalFile, Vec<Record>), JournalReadError> {
        let (lines, records) = LinesFile::open_for_append(&journal_path(data_dir, id))
            .map_err(|e| read_error(e, id))?;
        Ok((JournalFile { lines }, records))
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        self.lines.append(record)
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        self.lines.path()
    }
}

/// The records of a journal, read only (a torn last line is left out, not cut).
pub fn read(data_dir: &Path, id: &MigrationId) -> Result<Vec<Record>, JournalReadError> {
    read_lines(&journal_path(data_dir, id)).map_err(|e| read_error(e, id))
}

fn read_error(error: LinesError, id: &MigrationId) -> JournalReadError {
    match error {
        LinesError::Missing { .. } => JournalReadError::Missing(id.clone()),
        LinesError::Io { path, source } => JournalReadError::Io { path, source },
        LinesError::Damaged { path, damage } => JournalReadError::Damaged { path, damage },
    }
}

/// Why a migration could not be abandoned.
#[derive(Debug, thiserror::Error)]
pub enum AbandonError {
    #[error(transparent)]
    Read(#[from] JournalReadError),
    #[error("{0}")]
    Locked(#[from] crate::ops::run_lock::LockRefused),
    #[error("could not take the lock of {0}")]
    Lock(String),
    #[error("migration {id} has already ended ({status})")]
    Ended {
        id: MigrationId,
        status: &'static str,
    },
    #[error("the journal of {id} is damaged: {reason}")]
    Damaged {
        id: MigrationId,
        reason: NoStartRecord,
    },
    #[error("could not write the journal of {id}: {source}")]
    Write {
        id: MigrationId,
        source: std::io::Error,
    },
}

/// Ends an unfinished migration with a reason (`wamigrate journal abandon`, the TUI's
/// resume list), under its lock: refused while a run holds it. Returns the journal as
/// it now stands.
pub fn abandon(
    data_dir: &Path,
    id: &MigrationId,
    reason: &str,
) -> Result<JournalState, AbandonError> {
    use crate::ops::run_lock::{LockError, LockKey, lock};
    let _held = lock(data_dir, &LockKey::Journal(id.clone())).map_err(|e| match e {
        LockError::Held(refused) => AbandonError::Locked(refused),
        other => AbandonError::Lock(other.to_string()),
    })?;
    let (mut journal, mut records) = JournalFile::open_for_append(data_dir, id)?;
    let damaged = |reason: NoStartRecord| AbandonError::Damaged {
        id: id.clone(),
        reason,
    };
    let state = replay(&records).map_err(damaged)?;
    if state.is_finished() {
        return Err(AbandonError::Ended {
            id: id.clone(),
            status: state.status().label(),
        });
    }
    let record = Record::Finished {
        completed: false,
        detail: format!("abandoned: {}", reason.trim()),
        abandoned: true,
        at: crate::domain::journal::Stamp::now(),
    };
    journal
        .append(&record)
        .map_err(|source| AbandonError::Write {
            id: id.clone(),
            source,
        })?;
    records.push(record);
    replay(&records).map_err(damaged)
}

/// The replayed state of one journal, or why it could not be read.
pub fn read_state(data_dir: &Path, id: &MigrationId) -> Result<JournalState, JournalReadError> {
    replay(&read(data_dir, id)?).map_err(|reason| JournalReadError::NoStart {
        path: journal_path(data_dir, id),
        reason,
    })
}

/// Whether a run of this journal can go on (resume or abandon it), and its state in
/// words: "in progress at Register", "completed".
pub fn state_label(state: &JournalState) -> (bool, String) {
    use crate::domain::journal::RunStatus;
    let status = state.status();
    match status {
        RunStatus::InProgress | RunStatus::Blocked => (
            true,
            format!(
                "{} at {}",
                status.label(),
                state
                    .next_step()
                    .map_or("-", crate::ops::migration::step_name)
            ),
        ),
        _ => (false, status.label().to_string()),
    }
}

/// One journal in a listing: its id and its replayed state (or why it could not be
/// read).
pub type Listed = (MigrationId, Result<JournalState, JournalReadError>);

/// Every journal under the data directory with its replayed state (or why it could
/// not be read), newest first. Files whose name is not a migration id are not
/// journals and are left out. Reads only.
pub fn list(data_dir: &Path) -> Result<Vec<Listed>, FileError> {
    let dir = journals_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FileError::read(&dir, e)),
    };
    let mut journals = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let Some(id) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| MigrationId::parse(s).ok())
        else {
            continue;
        };
        let state = read_state(data_dir, &id);
        journals.push((id, state));
    }
    journals.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(journals)
}

/// Whether a journal belongs to `backend`. A journal that records no backend (an
/// older one) belongs to none.
pub fn belongs_to(state: &JournalState, backend: &Backend) -> bool {
    state
        .backend
        .as_ref()
        .is_some_and(|recorded| recorded.same_as(backend))
}

/// The readable journals of `backend`, newest first.
pub fn list_of(data_dir: &Path, backend: &Backend) -> Result<Vec<JournalState>, FileError> {
    Ok(list(data_dir)?
        .into_iter()
        .filter_map(|(_, state)| state.ok())
        .filter(|state| belongs_to(state, backend))
        .collect())
}

/// Register calls journaled for a number (by its E.164 digits) in the last 72 hours,
/// across the journals of `backend` and those that record no backend (they may be
/// anyone's: the budget fails closed). Every intent counts: Meta may have counted it.
/// A journals folder that cannot be listed is an error, never zero attempts.
pub fn register_attempts_within_window(
    data_dir: &Path,
    backend: &Backend,
    digits: &str,
    now: time::OffsetDateTime,
) -> Result<u32, FileError> {
    Ok(register_attempts_by_number(data_dir, backend, now)?
        .get(digits)
        .copied()
        .unwrap_or(0))
}

/// Register calls in the last 72 hours of every journaled number of `backend` (and
/// of journals without a backend), by E.164 digits (numbers with none are absent).
pub fn register_attempts_by_number(
    data_dir: &Path,
    backend: &Backend,
    now: time::OffsetDateTime,
) -> Result<std::collections::HashMap<String, u32>, FileError> {
    let since = now - REGISTER_WINDOW;
    let mut attempts = std::collections::HashMap::new();
    for state in list(data_dir)?
        .into_iter()
        .filter_map(|(_, s)| s.ok())
        .filter(|s| s.backend.is_none() || belongs_to(s, backend))
    {
        let Some(digits) = number_digits(&state) else {
            continue;
        };
        let recent = state
            .register_attempts
            .iter()
            .filter(|at| at.counts_since(since))
            .count() as u32;
        if recent > 0 {
            *attempts.entry(digits).or_insert(0) += recent;
        }
    }
    Ok(attempts)
}

/// The digits of the journaled number: from the snapshot, else from what was typed.
pub fn number_digits(state: &JournalState) -> Option<String> {
    state
        .snapshot
        .as_ref()
        .and_then(|(n, _)| n.e164_digits())
        .or_else(|| {
            state
                .number
                .starts_with('+')
                .then(|| state.number.chars().filter(char::is_ascii_digit).collect())
        })
}

#[cfg(test)]
mod tests;
