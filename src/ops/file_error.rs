//! Why a file wamigrate keeps for the operator (a fleet export, a template run's record,
//! the audit report, the journals) could not be written or read. Owned and clonable,
//! so it travels in actions; its `Display` is the sentence shown.

use std::fmt::Display;
use std::path::{Path, PathBuf};

/// A file operation that failed: which file (or folder), and the system's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "could not write under {}: {reason}; check that the data directory is writable (--data-dir)",
        path.display()
    )]
    Write { path: PathBuf, reason: String },
    #[error("could not read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
}

impl FileError {
    /// Writing under `path` failed for `reason`.
    pub fn write(path: &Path, reason: impl Display) -> FileError {
        FileError::Write {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// Reading `path` failed for `reason`.
    pub fn read(path: &Path, reason: impl Display) -> FileError {
        FileError::Read {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}
