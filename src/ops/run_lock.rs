//! One run, one process: an advisory lock (fs4, `flock`) per migration journal, per
//! phone number and per template re-creation run, held for as long as a run is open. A second run on the same journal
//! or number is refused at once with the holder's pid and start time. The operating
//! system drops a lock when its process dies; a lock file that still names a holder
//! but is free was left by a process that died, and is taken over (the caller
//! journals the takeover).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fs4::{FileExt, TryLockError};
use time::OffsetDateTime;

use crate::domain::journal::{MigrationId, Stamp};
use crate::ops::private_files::{private_dir, private_options};

/// What a lock protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockKey {
    Journal(MigrationId),
    /// A phone number by its E.164 digits, a phone number id, or (partner changes)
    /// the request or channel id the operator gave; only letters and digits are kept.
    Number(String),
    /// A template re-creation run by its id (checked before it gets here).
    Recreation(String),
}

impl LockKey {
    fn file_name(&self) -> String {
        match self {
            LockKey::Journal(id) => format!("journal-{id}.lock"),
            LockKey::Number(key) => format!("number-{}.lock", letters_and_digits(key)),
            LockKey::Recreation(run_id) => format!("recreate-{}.lock", letters_and_digits(run_id)),
        }
    }

    fn describe(&self) -> String {
        match self {
            LockKey::Journal(id) => format!("migration {id}"),
            LockKey::Number(key) => format!("number {key}"),
            LockKey::Recreation(run_id) => format!("template re-creation run {run_id}"),
        }
    }
}

/// Only the letters and digits of a key: what may go into a lock file's name.
fn letters_and_digits(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Another process holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} is being worked on by another wamigrate process ({holder}); wait until it ends, or stop that process, then try again."
)]
pub struct LockRefused {
    pub what: String,
    /// `pid 4242, started 2026-11-25T10:00:00Z`, as that process wrote it.
    pub holder: String,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    Held(#[from] LockRefused),
    #[error("could not use the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A held lock; released (and its file emptied) on drop.
#[derive(Debug)]
pub struct HeldLock {
    file: File,
    /// What it protects.
    pub key: LockKey,
    /// The holder a dead process left in the file, when this lock took it over.
    pub took_over_from: Option<String>,
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        // Empty first: a lock file with a holder and no lock means a crash.
        let _ = self.file.set_len(0);
        let _ = self.file.sync_data();
        let _ = FileExt::unlock(&self.file);
    }
}

/// The folder that holds the lock files.
pub fn locks_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("locks")
}

/// Takes the lock for `key` or says who holds it.
pub fn lock(data_dir: &Path, key: &LockKey) -> Result<HeldLock, LockError> {
    let dir = locks_dir(data_dir);
    let path = dir.join(key.file_name());
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    private_dir(&dir).map_err(io)?;
    let mut file = private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let mut previous = String::new();
    match FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let _ = file.read_to_string(&mut previous);
            return Err(LockRefused {
                what: key.describe(),
                holder: holder_or_unknown(&previous),
            }
            .into());
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.read_to_string(&mut previous).map_err(io)?;
    let took_over_from = (!previous.trim().is_empty()).then(|| holder_or_unknown(&previous));
    file.set_len(0).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(this_process().as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(HeldLock {
        file,
        key: key.clone(),
        took_over_from,
    })
}

/// `pid 4242, started 2026-11-25T10:00:00Z`: this process, as lock files name it.
fn this_process() -> String {
    static STARTED: OnceLock<OffsetDateTime> = OnceLock::new();
    let started = STARTED.get_or_init(OffsetDateTime::now_utc);
    format!(
        "pid {}, started {}",
        std::process::id(),
        Stamp::At(*started)
    )
}

fn holder_or_unknown(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    if text.is_empty() {
        "pid unknown".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid_and_a_dead_ones_lock_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let key = LockKey::Number("+1 631-555-0101".into());
        let held = lock(dir.path(), &key).unwrap();
        assert_eq!(held.took_over_from, None);
        // flock locks belong to the open file: a second open, as another process
        // would, is refused.
        let Err(LockError::Held(refused)) = lock(dir.path(), &key) else {
            panic!("the second lock must be refused");
        };
        assert!(
            refused
                .holder
                .contains(&format!("pid {}", std::process::id()))
        );
        assert!(refused.to_string().contains("number +1 631-555-0101"));
        drop(held);
        assert_eq!(
            lock(dir.path(), &key).unwrap().took_over_from,
            None,
            "a released lock is not a crash"
        );

        let path = locks_dir(dir.path()).join(key.file_name());
        std::fs::write(&path, "pid 999999, started 2026-11-25T10:00:00Z").unwrap();
        let taken = lock(dir.path(), &key).unwrap();
        assert_eq!(
            taken.took_over_from.as_deref(),
            Some("pid 999999, started 2026-11-25T10:00:00Z")
        );
    }
}
