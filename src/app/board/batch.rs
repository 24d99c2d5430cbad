//! "Migrate selected" (`m` on the board): the selected rows become one batch, planned
//! by the same ops code as `migrate --batch` (every request validated before anything
//! is sent, a number named twice run once), to the destination WABA the operator picks
//! with the usual picker (`d`). The batch page shows the plan; Enter starts it. The
//! numbers then run one after the other in the wizard's run page, each an ordinary
//! migration with its journal, lock and confirmations (the worker runs them in one
//! job, so the wizard is opened again for each number as it starts).

use std::collections::HashMap;

use crate::app::action::Effect;
use crate::app::keymap::KeyAction;
use crate::app::main_screen::open_picker;
use crate::app::state::{LogEntry, PickerKind, State};
use crate::app::strings::batch as text;
use crate::app::wizard::{RunOrder, RunOutcome, RunStart, Wizard, WizardEvent};
use crate::domain::plan::PlanVariant;
use crate::ops::migration::MigrationRequest;
use crate::ops::migration::batch::{BatchItem, BatchPlan, once_per_number, validate_all};

use super::Notice;

/// The batch page over the board, and the batch under way.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The page with the plan is open (until Enter starts it or Esc closes it).
    pub page: Option<BatchPage>,
    /// The batch running (or the last one, once ended).
    pub run: Option<BatchRun>,
}

/// The batch page's scroll position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchPage {
    pub scroll: u16,
}

/// A batch started: its numbers in run order and how each ended so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRun {
    pub labels: Vec<String>,
    /// One per number that ended, in run order.
    pub outcomes: Vec<String>,
}

impl BatchRun {
    /// Whether numbers are still to run or running.
    pub fn is_running(&self) -> bool {
        self.outcomes.len() < self.labels.len()
    }
}

/// What the batch page shows: the plan, or why the batch cannot start.
pub fn plan(state: &State) -> Result<BatchPlan, String> {
    let Some(destination) = state.destination.clone() else {
        return Err(text::NO_DESTINATION.to_string());
    };
    let rows = state.board.selected_rows();
    let items: Vec<BatchItem> = rows
        .iter()
        .map(|row| BatchItem {
            origin: row.label().to_string(),
            request: MigrationRequest {
                scenario: state.scenario,
                variant: PlanVariant::Standard,
                number: row.id.clone(),
                source_waba_id: Some(row.waba_id.clone()),
                destination_waba_id: Some(destination.clone()),
            },
        })
        .collect();
    validate_all(&items).map_err(|refused| refused.to_string())?;
    // The board has read every number: its digits are known without another call.
    let known: HashMap<String, String> = rows
        .iter()
        .filter_map(|row| Some((row.id.clone(), row.phone_digits()?)))
        .collect();
    Ok(once_per_number(items, &known))
}

/// Whether the batch handles this key on the board: its page's keys, `m` and `d`.
pub fn takes(state: &State, action: Option<KeyAction>) -> bool {
    let board = &state.board;
    board.open
        && !board.filter_editing
        && !board.detail_open
        && (board.batch.page.is_some()
            || matches!(
                action,
                Some(KeyAction::MigrateSelected | KeyAction::PickDestination)
            ))
}

/// A key for the batch (see [`takes`]).
pub fn on_key(state: &mut State, action: Option<KeyAction>) -> Vec<Effect> {
    match action {
        Some(KeyAction::PickDestination) => open_picker(state, PickerKind::Destination),
        Some(KeyAction::MigrateSelected) if state.board.batch.page.is_none() => open(state),
        Some(KeyAction::Select | KeyAction::MigrateSelected) => return start(state),
        Some(KeyAction::Back | KeyAction::Quit) => state.board.batch.page = None,
        Some(KeyAction::Down) => {
            if let Some(page) = &mut state.board.batch.page {
                page.scroll = page.scroll.saturating_add(1);
            }
        }
        Some(KeyAction::Up) => {
            if let Some(page) = &mut state.board.batch.page {
                page.scroll = page.scroll.saturating_sub(1);
            }
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

/// `m`: the batch page for the selection (or why there is none).
fn open(state: &mut State) {
    let board = &mut state.board;
    let refusal = if board.batch.run.as_ref().is_some_and(BatchRun::is_running) {
        Some(text::BATCH_RUNNING)
    } else if board.selected_rows().is_empty() {
        Some(text::NOTHING_SELECTED)
    } else {
        None
    };
    match refusal {
        Some(sentence) => {
            board.notice = Some(Notice {
                text: sentence.to_string(),
                is_error: true,
            })
        }
        None => board.batch.page = Some(BatchPage::default()),
    }
}

/// Enter on the batch page: the batch starts with its first number in the wizard.
fn start(state: &mut State) -> Vec<Effect> {
    let plan = match plan(state) {
        Ok(plan) if !plan.runs.is_empty() => plan,
        // The page shows why; nothing starts.
        _ => return Vec::new(),
    };
    for left_out in &plan.left_out {
        state.push_log(LogEntry::Notice {
            text: text::left_out(&left_out.origin, &left_out.first),
            is_error: false,
        });
    }
    let labels: Vec<String> = plan.runs.iter().map(|item| item.origin.clone()).collect();
    let orders = plan
        .runs
        .into_iter()
        .map(|item| RunOrder::with_defaults(RunStart::New(item.request)))
        .collect();
    state.wizard = Some(running_wizard(state, &labels, 0));
    let board = &mut state.board;
    board.batch = Batch {
        page: None,
        run: Some(BatchRun {
            labels,
            outcomes: Vec::new(),
        }),
    };
    board.selection.clear();
    board.notice = None;
    vec![Effect::StartBatch(orders)]
}

/// The wizard's run page for the batch's number `index`, saying where the batch stands.
fn running_wizard(state: &State, labels: &[String], index: usize) -> Wizard {
    let label = labels.get(index).cloned().unwrap_or_default();
    let mut wizard = Wizard::running(Some(state.scenario), label.clone(), state.scenario);
    if let Some(run) = wizard.run.as_mut() {
        run.log
            .push_back(text::position(index + 1, labels.len(), &label));
    }
    wizard
}

/// News of a run, seen before the wizard applies it: while a batch runs, each number's
/// start opens the wizard's run page afresh, and each end is counted and logged.
pub fn on_wizard_event(state: &mut State, event: &WizardEvent) {
    let Some(batch) = state.board.batch.run.clone().filter(BatchRun::is_running) else {
        return;
    };
    match event {
        WizardEvent::Started { .. } => {
            let index = batch.outcomes.len();
            let ended = state
                .wizard
                .as_ref()
                .and_then(|w| w.run.as_ref())
                .is_none_or(|run| run.end.is_some());
            if ended {
                state.wizard = Some(running_wizard(state, &batch.labels, index));
            }
        }
        WizardEvent::Ended(summary) => {
            let label = batch
                .labels
                .get(batch.outcomes.len())
                .cloned()
                .unwrap_or_default();
            let outcome = outcome_word(&summary.outcome);
            state.push_log(LogEntry::Notice {
                text: text::number_ended(&label, &outcome),
                is_error: !matches!(summary.outcome, RunOutcome::Completed),
            });
            let Some(run) = state.board.batch.run.as_mut() else {
                return;
            };
            run.outcomes.push(outcome);
            if !run.is_running() {
                let completed = run.outcomes.iter().filter(|o| *o == COMPLETED).count();
                state.board.notice = Some(Notice {
                    text: text::finished(completed, run.labels.len()),
                    is_error: completed < run.labels.len(),
                });
            }
        }
        _ => {}
    }
}

/// After the wizard took a batch number's start: the run's title says where the batch
/// stands ("… · 2 of 3 in the batch"), as the log's first line scrolls away.
pub fn name_run(state: &mut State) {
    let Some(batch) = state.board.batch.run.as_ref().filter(|b| b.is_running()) else {
        return;
    };
    let (index, total) = (batch.outcomes.len() + 1, batch.labels.len());
    if let Some(run) = state.wizard.as_mut().and_then(|w| w.run.as_mut()) {
        run.number = text::run_label(&run.number, index, total);
    }
}

/// How a completed number reads in the batch's outcomes.
const COMPLETED: &str = "completed";

/// One word or phrase for how a number's run ended.
fn outcome_word(outcome: &RunOutcome) -> String {
    match outcome {
        RunOutcome::Completed => COMPLETED.to_string(),
        RunOutcome::Blocked(blockers) => {
            format!("blocked: {}", blockers.first().map_or("", String::as_str))
        }
        RunOutcome::Paused { reason, .. } => format!("paused: {reason}"),
        RunOutcome::Failed { sentence, .. } => format!("failed: {sentence}"),
        RunOutcome::JournalError(sentence) => format!("not started: {sentence}"),
    }
}

#[cfg(test)]
mod tests;
