//! The records a run writes around its calls and steps. Every record is on disk
//! (fsynced) before the runner goes on; a record that cannot be written ends the run
//! before any further call.

use std::future::Future;

use crate::api::ApiError;
use crate::domain::journal::{CallOutcome, Record, replay};
use crate::domain::plan::StepId;
use crate::ops::template_migration::now_rfc3339;

use super::{JournalError, Line, LineKind, Migration, Operator, RunEnd, Step, step_key, step_name};

/// Test hook: `intent:<step>` ends the process right after that step's intent is on
/// disk, `call:<step>` right after its call returned; used by the crash-safety tests.
pub const CRASH_HOOK_ENV: &str = "WAMIGRATE_TEST_CRASH_AFTER";

impl<O: Operator> Migration<'_, O> {
    /// Journals how the run ended (as a note) and hands the end back.
    pub(super) fn write_end(&mut self, end: RunEnd) -> Result<RunEnd, JournalError> {
        let text = match &end {
            RunEnd::Blocked(blockers) => format!("preflight blocked: {}", blockers.join("; ")),
            RunEnd::Paused { step, reason } => format!("paused at {}: {reason}", step_name(*step)),
            RunEnd::Failed { step, error } => format!("{} failed: {error}", step_name(*step)),
            RunEnd::Completed => String::new(),
        };
        self.append(Record::Note {
            step: None,
            text,
            at: now_rfc3339(),
        })?;
        Ok(end)
    }

    /// Appends a record (fsynced) and folds it into the state.
    pub(super) fn append(&mut self, record: Record) -> Result<(), JournalError> {
        self.journal.append(&record).map_err(|e| {
            JournalError(format!(
                "Could not write the journal ({e}): stopping before any further call."
            ))
        })?;
        // A journal holds a few dozen records: replaying them all keeps one code path.
        self.records.push(record);
        self.state = replay(&self.records).map_err(JournalError)?;
        Ok(())
    }

    /// [`Self::append`] inside a step: a journal failure ends the step.
    pub(super) fn append_in(&mut self, step: StepId, record: Record) -> Step {
        self.append(record).map_err(journal_end(step))
    }

    /// Journals a step as done and tells the operator.
    pub(super) fn done(
        &mut self,
        step: StepId,
        detail: impl Into<String>,
        reference: Option<String>,
    ) -> Step {
        let detail = detail.into();
        self.say(Line::new(
            LineKind::Done,
            format!("{}: {detail}", step_name(step)),
        ));
        self.append_in(
            step,
            Record::StepDone {
                step,
                detail,
                reference,
                at: now_rfc3339(),
            },
        )?;
        self.operator.step_done(step);
        Ok(())
    }

    /// Tells the operator something and keeps it on the record.
    pub(super) fn note(&mut self, step: StepId, line: Line) -> Step {
        let text = line.text.clone();
        self.say(line);
        self.append_in(
            step,
            Record::Note {
                step: Some(step),
                text,
                at: now_rfc3339(),
            },
        )
    }

    /// Journals the intent of a call, before anything is sent.
    pub(super) fn intent(&mut self, step: StepId, call: String) -> Step {
        self.append_in(
            step,
            Record::Intent {
                step,
                call,
                at: now_rfc3339(),
            },
        )?;
        crash_hook("intent", step);
        Ok(())
    }

    /// Journals a call's outcome.
    pub(super) fn outcome(&mut self, step: StepId, outcome: CallOutcome) -> Step {
        self.append_in(
            step,
            Record::Outcome {
                step,
                outcome,
                at: now_rfc3339(),
            },
        )
    }

    /// Journals the intent, sends the call, journals its outcome.
    pub(super) async fn call<T>(
        &mut self,
        step: StepId,
        label: &str,
        request: impl Future<Output = Result<T, ApiError>>,
        describe: impl FnOnce(&T) -> (String, Option<String>),
    ) -> Result<T, RunEnd> {
        self.intent(step, label.to_string())?;
        let result = request.await;
        crash_hook("call", step);
        let outcome = match &result {
            Ok(value) => {
                let (detail, phone_number_id) = describe(value);
                CallOutcome::Ok {
                    detail,
                    phone_number_id,
                }
            }
            Err(e) => CallOutcome::Failed {
                class: e.class.label().to_string(),
                sentence: e.sentence.clone(),
                reference: e.reference(),
            },
        };
        self.outcome(step, outcome)?;
        result.map_err(|error| RunEnd::Failed { step, error })
    }

    /// Journals what a read-back found in place of a lost outcome.
    pub(super) fn reconciled(
        &mut self,
        step: StepId,
        detail: String,
        phone_number_id: Option<String>,
    ) -> Step {
        self.say(Line::new(LineKind::ReadBack, detail.clone()));
        self.outcome(
            step,
            CallOutcome::Reconciled {
                detail,
                phone_number_id,
            },
        )
    }
}

/// A journal failure inside a step: the run pauses with the journal's sentence.
pub(super) fn journal_end(step: StepId) -> impl Fn(JournalError) -> RunEnd {
    move |e| RunEnd::Paused { step, reason: e.0 }
}

fn crash_hook(point: &str, step: StepId) {
    if let Ok(wanted) = std::env::var(CRASH_HOOK_ENV)
        && wanted == format!("{point}:{}", step_key(step))
    {
        tracing::warn!(point, step = step_key(step), "test crash hook: exiting");
        std::process::exit(137);
    }
}
