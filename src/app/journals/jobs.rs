//! The journals screen's disk work, run by the worker off the async threads: the
//! listing, a report, an abandonment. Each answers with one [`JournalsEvent`].

use std::path::{Path, PathBuf};

use crate::app::action::Action;
use crate::app::jobs::JobContext;
use crate::domain::journal::{Backend, MigrationId};
use crate::ops::file_error::FileError;
use crate::ops::journal_store;
use crate::ops::report::{Report, abandon_with_report};

use super::{JournalRow, JournalsCommand, JournalsEvent};

/// What the journal records when the operator abandons a run from this screen.
const ABANDON_REASON: &str = "abandoned by the operator in the journals screen";

/// Runs one command and reports its answer.
pub async fn execute(
    command: JournalsCommand,
    data_dir: PathBuf,
    backend: Backend,
    context: JobContext<(), Action>,
) {
    let answer = tokio::task::spawn_blocking(move || answer(command, &data_dir, &backend)).await;
    if let Ok(event) = answer {
        context.reporter.report(Action::Journals(event)).await;
    }
}

/// The answer of one command (blocking: it reads and writes files).
pub fn answer(command: JournalsCommand, data_dir: &Path, backend: &Backend) -> JournalsEvent {
    match command {
        JournalsCommand::List => JournalsEvent::Listed(list(data_dir, backend)),
        JournalsCommand::Report(id) => JournalsEvent::Report {
            result: parse(&id).and_then(|parsed| {
                journal_store::read_state(data_dir, &parsed)
                    .map(|state| Report::new(&state, None).markdown())
                    .map_err(|e| e.to_string())
            }),
            id,
        },
        JournalsCommand::Abandon(id) => JournalsEvent::Abandoned {
            result: parse(&id).and_then(|parsed| {
                abandon_with_report(data_dir, &parsed, ABANDON_REASON)
                    .map(|saved| saved.ok().map(|md| md.display().to_string()))
                    .map_err(|e| e.to_string())
            }),
            id,
        },
    }
}

fn parse(id: &str) -> Result<MigrationId, String> {
    MigrationId::parse(id).map_err(|e| e.to_string())
}

/// The readable journals of `backend`, newest first.
fn list(data_dir: &Path, backend: &Backend) -> Result<Vec<JournalRow>, FileError> {
    let journals = journal_store::list_of(data_dir, backend)?;
    Ok(journals
        .into_iter()
        .map(|state| {
            let (open, label) = journal_store::state_label(&state);
            JournalRow {
                id: state.migration_id.clone(),
                number: state.number.clone(),
                scenario: state.scenario,
                state: label,
                open,
                started_at: state.started_at.to_string(),
            }
        })
        .collect())
}
