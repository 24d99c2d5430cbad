//! Journals on disk: one JSON-lines file per migration under `<data_dir>/journals/`,
//! each record fsynced before the next remote call is made.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::journal::{JournalState, Record, parse_lines, replay};

/// The moving window of Meta's register limit.
pub const REGISTER_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// An open journal, appended to and fsynced record by record.
pub struct JournalFile {
    path: PathBuf,
    file: File,
}

/// The folder that holds the journals.
pub fn journals_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("journals")
}

impl JournalFile {
    /// Creates the journal of a new migration; fails if it exists.
    pub fn create(data_dir: &Path, migration_id: &str) -> std::io::Result<JournalFile> {
        let dir = journals_dir(data_dir);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{migration_id}.jsonl"));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        // Make the new directory entry durable too, so a crash cannot lose the file.
        if let Ok(dir_handle) = File::open(&dir) {
            let _ = dir_handle.sync_all();
        }
        Ok(JournalFile { path, file })
    }

    /// Opens an existing journal for appending, with its records so far.
    pub fn open(
        data_dir: &Path,
        migration_id: &str,
    ) -> std::io::Result<(JournalFile, Vec<Record>)> {
        let path = journals_dir(data_dir).join(format!("{migration_id}.jsonl"));
        let text = std::fs::read_to_string(&path)?;
        let records = parse_lines(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let file = OpenOptions::new().append(true).open(&path)?;
        if !text.is_empty() && !text.ends_with('\n') {
            // A torn last line from a crash: cut it off so the next record starts clean.
            let complete = text.rfind('\n').map_or(0, |at| at + 1);
            file.set_len(complete as u64)?;
            file.sync_data()?;
        }
        Ok((JournalFile { path, file }, records))
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Every journal under the data directory with its replayed state (or why it could
/// not be read), newest first.
pub fn list(data_dir: &Path) -> std::io::Result<Vec<(String, Result<JournalState, String>)>> {
    let dir = journals_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut journals = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let state = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| parse_lines(&text))
            .and_then(|records| replay(&records));
        journals.push((id, state));
    }
    journals.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(journals)
}

/// Register calls journaled for a number (by its E.164 digits) in the last 72 hours,
/// across every journal. Every intent counts: Meta may have counted it.
pub fn register_attempts_within_window(
    data_dir: &Path,
    digits: &str,
    now: time::OffsetDateTime,
) -> u32 {
    register_attempts_by_number(data_dir, now)
        .get(digits)
        .copied()
        .unwrap_or(0)
}

/// Register calls in the last 72 hours of every journaled number, by E.164 digits
/// (numbers with none are absent).
pub fn register_attempts_by_number(
    data_dir: &Path,
    now: time::OffsetDateTime,
) -> std::collections::HashMap<String, u32> {
    let since = now - REGISTER_WINDOW;
    let mut attempts = std::collections::HashMap::new();
    for state in list(data_dir)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, s)| s.ok())
    {
        let Some(digits) = number_digits(&state) else {
            continue;
        };
        let recent = state
            .register_attempts
            .iter()
            .filter_map(|at| {
                time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()
            })
            .filter(|at| *at >= since)
            .count() as u32;
        if recent > 0 {
            *attempts.entry(digits).or_insert(0) += recent;
        }
    }
    attempts
}

/// The digits of the journaled number: from the snapshot, else from what was typed.
fn number_digits(state: &JournalState) -> Option<String> {
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
mod tests {
    use super::*;
    use crate::domain::plan::StepId;
    use crate::domain::scenario::Scenario;

    fn started(id: &str) -> Record {
        Record::Started {
            migration_id: id.into(),
            scenario: Scenario::ToNewWaba,
            number: "+16315550101".into(),
            source_waba_id: None,
            destination_waba_id: None,
            plan: vec![StepId::Register],
            operator: "ops".into(),
            at: "2026-11-25T10:00:00Z".into(),
        }
    }

    #[test]
    fn records_survive_reopen_and_a_torn_line_is_healed() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = JournalFile::create(dir.path(), "m-1").unwrap();
        journal.append(&started("m-1")).unwrap();
        journal
            .append(&Record::Intent {
                step: StepId::Register,
                call: "register".into(),
                at: "2026-11-25T10:01:00Z".into(),
            })
            .unwrap();
        let path = journal.path().to_path_buf();
        drop(journal);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"record\":\"outc")
            .unwrap();

        let (mut reopened, records) = JournalFile::open(dir.path(), "m-1").unwrap();
        assert_eq!(records.len(), 2);
        reopened
            .append(&Record::Note {
                step: None,
                text: "resumed".into(),
                at: "t".into(),
            })
            .unwrap();
        let (_, again) = JournalFile::open(dir.path(), "m-1").unwrap();
        assert_eq!(again.len(), 3, "the record after the torn line is readable");
        assert!(
            JournalFile::create(dir.path(), "m-1").is_err(),
            "an id is never reused"
        );
    }

    #[test]
    fn register_attempts_count_only_the_last_72_hours_of_that_number() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = JournalFile::create(dir.path(), "m-2").unwrap();
        journal.append(&started("m-2")).unwrap();
        for at in [
            "2026-11-20T10:00:00Z",
            "2026-11-24T10:00:00Z",
            "2026-11-25T09:00:00Z",
        ] {
            journal
                .append(&Record::Intent {
                    step: StepId::Register,
                    call: "register".into(),
                    at: at.into(),
                })
                .unwrap();
        }
        let now = time::OffsetDateTime::parse(
            "2026-11-25T10:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(
            register_attempts_within_window(dir.path(), "16315550101", now),
            2
        );
        assert_eq!(
            register_attempts_within_window(dir.path(), "4930000000", now),
            0
        );
    }
}
