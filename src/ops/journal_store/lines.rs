//! A JSON-lines journal file, whatever its records: created whole with its first
//! record, appended to and fsynced record by record, read back with a torn last line
//! left out (and cut off only by the process that holds the journal's lock). The
//! migration journals and the template re-creation journals both live in such files.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::journal::{JournalDamage, parse_lines};
use crate::ops::private_files::{private_dir, private_options, restrict_file};

/// Why a journal file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LinesError {
    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is damaged: {damage}; it is left as it is", path.display())]
    Damaged {
        path: PathBuf,
        damage: JournalDamage,
    },
}

/// An open journal file, appended to and fsynced record by record.
pub struct LinesFile {
    path: PathBuf,
    file: File,
}

impl LinesFile {
    /// Creates `path` (its folder 0700, the file 0600) holding its first record; fails
    /// if it exists. The file appears whole or not at all (written aside, fsynced, then
    /// linked into place), so a crash never leaves a journal without its first record.
    pub fn create(path: &Path, first: &impl Serialize) -> std::io::Result<LinesFile> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a file path", path.display()),
            ));
        };
        private_dir(dir)?;
        let aside = dir.join(format!(".{}.new", name.to_string_lossy()));
        {
            let mut file = private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&aside)?;
            file.write_all(&line_of(first)?)?;
            file.sync_all()?;
        }
        // A hard link fails when the journal exists: an id is never reused.
        let linked = std::fs::hard_link(&aside, path);
        let _ = std::fs::remove_file(&aside);
        linked?;
        // Make the new directory entry durable too, so a crash cannot lose the file.
        if let Ok(dir_handle) = File::open(dir) {
            let _ = dir_handle.sync_all();
        }
        let file = std::fs::OpenOptions::new().append(true).open(path)?;
        Ok(LinesFile {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Opens an existing journal for appending, with its records so far. A torn last
    /// line is cut off here, so the next record starts clean; call it only while
    /// holding the journal's lock.
    pub fn open_for_append<T: DeserializeOwned>(
        path: &Path,
    ) -> Result<(LinesFile, Vec<T>), LinesError> {
        let io = |source| LinesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = read_bytes(path)?;
        let parsed = parse_lines(&bytes).map_err(|damage| LinesError::Damaged {
            path: path.to_path_buf(),
            damage,
        })?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io)?;
        restrict_file(&file).map_err(io)?;
        if parsed.torn || parsed.complete_len < bytes.len() {
            file.set_len(parsed.complete_len as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        // A whole last record whose newline the crash cut off: end its line, or the
        // next record would be glued to it and both lost (found by a property test).
        if bytes[..parsed.complete_len]
            .last()
            .is_some_and(|b| *b != b'\n')
        {
            (&file).write_all(b"\n").map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        let opened = LinesFile {
            path: path.to_path_buf(),
            file,
        };
        Ok((opened, parsed.records))
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&mut self, record: &impl Serialize) -> std::io::Result<()> {
        self.file.write_all(&line_of(record)?)?;
        self.file.sync_data()
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The records of a journal file, read only (a torn last line is left out, not cut).
pub fn read_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, LinesError> {
    let bytes = read_bytes(path)?;
    parse_lines(&bytes)
        .map(|parsed| parsed.records)
        .map_err(|damage| LinesError::Damaged {
            path: path.to_path_buf(),
            damage,
        })
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, LinesError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LinesError::Missing {
            path: path.to_path_buf(),
        },
        _ => LinesError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// A record as one line: its JSON and a newline.
fn line_of(record: &impl Serialize) -> std::io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    Ok(line)
}
