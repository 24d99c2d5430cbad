//! The journals screen (`H`, or the palette): every migration journal of the backend
//! in use, newest first, with its number, scenario, state and start; Enter shows its
//! audit report (`ops::report`), `R` resumes an unfinished one in the wizard's run
//! page, `A` abandons one after a yes (the same ops call as `wamigrate journal
//! abandon`: under the journal's lock, with a reason on record and the report saved).
//! The disk work runs in the worker (`jobs`); this module is the screen's state and its
//! handlers.

use crate::app::action::Effect;
use crate::app::board::batch::BatchRun;
use crate::app::keymap::KeyAction;
use crate::app::state::{ListCursor, State};
use crate::app::strings::journals as text;
use crate::app::wizard::{RunOrder, RunStart, Wizard, WizardEvent};
use crate::domain::scenario::Scenario;
use crate::ops::file_error::FileError;

pub mod jobs;

/// What the journals screen asks the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalsCommand {
    /// Read the journals of the backend in use.
    List,
    /// Build the audit report of one journal.
    Report(String),
    /// Abandon one unfinished journal.
    Abandon(String),
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum JournalsEvent {
    Listed(Result<Vec<JournalRow>, FileError>),
    /// The report of `id` in Markdown, or why it could not be built.
    Report {
        id: String,
        result: Result<String, String>,
    },
    /// `id` is abandoned (with the saved report's path, if it was saved), or why not.
    Abandoned {
        id: String,
        result: Result<Option<String>, String>,
    },
}

/// One journal as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRow {
    pub id: String,
    pub number: String,
    pub scenario: Option<Scenario>,
    /// "in progress at Register", "completed", ...
    pub state: String,
    /// Unfinished: it can be resumed or abandoned.
    pub open: bool,
    pub started_at: String,
}

/// An audit report shown over the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    pub id: String,
    /// The Markdown, or why the report could not be built.
    pub text: Result<String, String>,
    pub scroll: u16,
}

/// The journals screen's state; `State::journals` is `Some` while it is open.
#[derive(Debug, Clone, Default)]
pub struct JournalsView {
    /// The journals once read (or why they could not be).
    pub rows: Option<Result<Vec<JournalRow>, FileError>>,
    pub cursor: ListCursor,
    pub report: Option<ReportView>,
    /// The journal whose abandonment waits for a yes.
    pub confirming_abandon: Option<JournalRow>,
    /// The sentence of the last action (abandoned, refused).
    pub notice: Option<(String, bool)>,
}

impl JournalsView {
    /// The journal under the cursor.
    pub fn selected(&self) -> Option<&JournalRow> {
        self.rows.as_ref()?.as_ref().ok()?.get(self.cursor.selected)
    }

    fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }
}

/// `H` (or the palette): opens the screen and reads the journals.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.journals = Some(JournalsView::default());
    vec![Effect::Journals(JournalsCommand::List)]
}

/// Rows of the list in view (the screen's height less its frame, header and footer).
fn list_rows(state: &State) -> usize {
    usize::from(state.screen.height.saturating_sub(6)).max(1)
}

/// A key while the journals screen is in front (and no popup is).
pub fn on_key(state: &mut State, action: Option<KeyAction>) -> Vec<Effect> {
    let height = list_rows(state);
    let Some(view) = state.journals.as_mut() else {
        return Vec::new();
    };
    view.notice = None;
    if let Some(row) = view.confirming_abandon.take() {
        return match action {
            Some(KeyAction::Yes) => {
                view.notice = Some((text::abandoning(&row.id), false));
                vec![Effect::Journals(JournalsCommand::Abandon(row.id))]
            }
            Some(KeyAction::No | KeyAction::Back | KeyAction::Quit) => Vec::new(),
            _ => {
                view.confirming_abandon = Some(row);
                Vec::new()
            }
        };
    }
    if let Some(report) = view.report.as_mut() {
        match action {
            Some(KeyAction::Back | KeyAction::Quit | KeyAction::Select) => view.report = None,
            Some(KeyAction::Down) => report.scroll = report.scroll.saturating_add(1),
            Some(KeyAction::Up) => report.scroll = report.scroll.saturating_sub(1),
            Some(KeyAction::PageDown) => report.scroll = report.scroll.saturating_add(10),
            Some(KeyAction::PageUp) => report.scroll = report.scroll.saturating_sub(10),
            Some(KeyAction::Top) => report.scroll = 0,
            _ => {}
        }
        return Vec::new();
    }
    let len = view.len();
    let page = height as isize;
    match action {
        Some(KeyAction::Back | KeyAction::Quit) => state.journals = None,
        Some(KeyAction::Up) => view.cursor.move_by(-1, len, height),
        Some(KeyAction::Down) => view.cursor.move_by(1, len, height),
        Some(KeyAction::PageUp) => view.cursor.move_by(-page, len, height),
        Some(KeyAction::PageDown) => view.cursor.move_by(page, len, height),
        Some(KeyAction::Top) => view.cursor.move_by(isize::MIN / 2, len, height),
        Some(KeyAction::Bottom) => view.cursor.move_by(isize::MAX / 2, len, height),
        Some(KeyAction::Refresh) => return vec![Effect::Journals(JournalsCommand::List)],
        Some(KeyAction::Select) => {
            if let Some(row) = view.selected() {
                let id = row.id.clone();
                view.report = Some(ReportView {
                    id: id.clone(),
                    text: Ok(text::READING_REPORT.to_string()),
                    scroll: 0,
                });
                return vec![Effect::Journals(JournalsCommand::Report(id))];
            }
        }
        Some(KeyAction::Resume) => return resume(state),
        Some(KeyAction::Abandon) => match view.selected().cloned() {
            Some(row) if row.open => view.confirming_abandon = Some(row),
            Some(row) => view.notice = Some((text::already_ended(&row.id, &row.state), true)),
            None => {}
        },
        _ => state.dirty = false,
    }
    Vec::new()
}

/// `R`: the unfinished journal under the cursor resumes in the wizard's run page.
fn resume(state: &mut State) -> Vec<Effect> {
    let Some(view) = state.journals.as_mut() else {
        return Vec::new();
    };
    let Some(row) = view.selected().cloned() else {
        return Vec::new();
    };
    if !row.open {
        view.notice = Some((text::already_ended(&row.id, &row.state), true));
        return Vec::new();
    }
    // One run at a time: a batch between two numbers still owns the runner.
    if state
        .board
        .batch
        .run
        .as_ref()
        .is_some_and(BatchRun::is_running)
    {
        view.notice = Some((crate::app::strings::batch::BATCH_RUNNING.to_string(), true));
        return Vec::new();
    }
    state.wizard = Some(Wizard::running(row.scenario, row.number, state.scenario));
    vec![Effect::StartMigration(RunOrder::with_defaults(
        RunStart::Resume(row.id),
    ))]
}

/// An answer of the worker.
pub fn on_event(state: &mut State, event: JournalsEvent) -> Vec<Effect> {
    let height = list_rows(state);
    let Some(view) = state.journals.as_mut() else {
        state.dirty = false;
        return Vec::new();
    };
    match event {
        JournalsEvent::Listed(rows) => {
            let len = rows.as_ref().map_or(0, Vec::len);
            view.rows = Some(rows);
            view.cursor.move_by(0, len, height);
        }
        JournalsEvent::Report { id, result } => match view.report.as_mut() {
            Some(report) if report.id == id => report.text = result,
            _ => state.dirty = false,
        },
        JournalsEvent::Abandoned { id, result } => {
            view.notice = Some(match result {
                Ok(report) => (text::abandoned(&id, report.as_deref()), false),
                Err(sentence) => (sentence, true),
            });
            return vec![Effect::Journals(JournalsCommand::List)];
        }
    }
    Vec::new()
}

/// A run ended while the screen is open underneath the wizard: its list is read again
/// (the run's journal changed).
pub fn on_wizard_event(state: &State, event: &WizardEvent) -> Vec<Effect> {
    match event {
        WizardEvent::Ended(_) if state.journals.is_some() => {
            vec![Effect::Journals(JournalsCommand::List)]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
