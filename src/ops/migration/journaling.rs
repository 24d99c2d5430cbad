//! The records a run writes around its calls and steps. Every record is on disk
//! (fsynced) before the runner goes on; a record that cannot be written ends the run
//! before any further call. A write goes: confirmation (journaled, with who gave it),
//! intent (with the call's timeout), the call, its outcome: answered, refused, or
//! unknown when no answer came, which sends the step back to a read-back.

use std::future::Future;

use crate::api::{ApiError, ErrorClass};
use crate::domain::journal::{CallOutcome, CallState, ConfirmedBy, Record, Stamp, replay};
use crate::domain::plan::StepId;

use super::operator::WriteCall;
use super::{
    JournalError, Line, LineKind, Migration, Operator, Question, RunEnd, Step, Stop, Weight,
    paused, step_name,
};

/// Test hook (cargo feature `crash-hook` only, which release builds do not have): the
/// process exits with 137 at the named point, as a `kill -9` there would leave it.
/// `intent:<step>` right after that step's intent is on disk, `call:<step>` right
/// after its call returned, `fsync:<n>` after the n-th journal record this process
/// wrote, `readback:<n>` after its n-th read-back record.
pub const CRASH_HOOK_ENV: &str = "WAMIGRATE_TEST_CRASH_AFTER";

impl<O: Operator> Migration<'_, O> {
    /// Journals how the run ended and hands the end back.
    pub(super) fn write_end(&mut self, end: RunEnd) -> Result<RunEnd, JournalError> {
        let at = Stamp::now();
        let record = match &end {
            RunEnd::Completed => return Ok(end),
            RunEnd::Blocked(blockers) => Record::Blocked {
                blockers: blockers.clone(),
                at,
            },
            RunEnd::Paused { step, reason } => Record::Note {
                step: Some(*step),
                text: format!("paused at {}: {reason}", step_name(*step)),
                at,
            },
            RunEnd::Failed { step, error } => Record::Note {
                step: Some(*step),
                text: format!("{} failed: {error}", step_name(*step)),
                at,
            },
            RunEnd::CannotContinue { step, reason } => Record::Finished {
                completed: false,
                detail: format!("{} failed, the run has ended: {reason}", step_name(*step)),
                abandoned: false,
                at,
            },
        };
        self.append(record)?;
        Ok(end)
    }

    /// Appends a record (fsynced) and folds it into the state.
    pub(super) fn append(&mut self, record: Record) -> Result<(), JournalError> {
        self.journal.append(&record).map_err(|e| {
            JournalError::Journal(format!(
                "Could not write the journal ({e}): stopping before any further call."
            ))
        })?;
        let read_back = matches!(
            &record,
            Record::Outcome {
                outcome: CallOutcome::Reconciled { .. } | CallOutcome::NoEffect { .. },
                ..
            }
        );
        // A journal holds a few dozen records: replaying them all keeps one code path.
        self.records.push(record);
        self.state = replay(&self.records)?;
        crash_hook::count("fsync");
        if read_back {
            crash_hook::count("readback");
        }
        Ok(())
    }

    /// [`Self::append`] inside a step: a journal failure ends the run.
    pub(super) fn append_in(&mut self, step: StepId, record: Record) -> Step {
        self.append(record)
            .map_err(|e| paused(step, e.to_string()).into())
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
                at: Stamp::now(),
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
                at: Stamp::now(),
            },
        )
    }

    /// Asks before a write: which call, on which number, into which WABA, at what
    /// cost. A yes is journaled with who gave it (a person or `--yes`); a no leaves
    /// the step open and pauses the run, nothing sent.
    pub(super) async fn confirm_write(
        &mut self,
        step: StepId,
        weight: Weight,
        call: &str,
        waba: Option<String>,
        cost: String,
    ) -> Step {
        let again = matches!(
            &self.state.call,
            Some(CallState::Known { step: s, outcome: CallOutcome::NoEffect { .. } | CallOutcome::Failed { .. } })
                if *s == step
        );
        let write = WriteCall {
            call: call.to_string(),
            number: self.number_label(),
            waba,
            cost,
        };
        if !self
            .operator
            .confirm(Question::write(weight, write, again))
            .await
        {
            return Err(self
                .paused_until_resumed(
                    step,
                    &format!("the operator did not confirm {call}; nothing was sent"),
                    "to be asked again",
                )
                .into());
        }
        let by = if self.operator.confirms_by_flag() {
            ConfirmedBy::YesFlag
        } else {
            ConfirmedBy::Operator
        };
        self.append_in(
            step,
            Record::Confirmed {
                step,
                call: call.to_string(),
                by,
                at: Stamp::now(),
            },
        )
    }

    /// Journals the intent of a call, with its timeout, right before it is sent.
    pub(super) fn intent(&mut self, step: StepId, call: String) -> Step {
        let in_flight_secs = self.settings.in_flight.as_secs_f64().ceil() as u64;
        self.append_in(
            step,
            Record::Intent {
                step,
                call,
                in_flight_secs: Some(in_flight_secs.max(1)),
                at: Stamp::now(),
            },
        )?;
        crash_hook::at("intent", step);
        Ok(())
    }

    /// Journals a call's outcome.
    pub(super) fn outcome(&mut self, step: StepId, outcome: CallOutcome) -> Step {
        self.append_in(
            step,
            Record::Outcome {
                step,
                outcome,
                at: Stamp::now(),
            },
        )
    }

    /// Journals the intent, sends the call, journals its outcome. When no answer came
    /// the outcome is unknown and the step runs again from a read-back
    /// ([`Stop::Again`]); a refusal ends the run with the API's sentence.
    pub(super) async fn call<T>(
        &mut self,
        step: StepId,
        label: &str,
        request: impl Future<Output = Result<T, ApiError>>,
        describe: impl FnOnce(&T) -> (String, Option<String>),
    ) -> Result<T, Stop> {
        self.intent(step, label.to_string())?;
        let result = request.await;
        crash_hook::at("call", step);
        let outcome = match &result {
            Ok(value) => {
                let (detail, phone_number_id) = describe(value);
                CallOutcome::Ok {
                    detail,
                    phone_number_id,
                }
            }
            Err(e) if answer_lost(e) => CallOutcome::Unknown {
                class: e.class.label().to_string(),
                sentence: e.sentence.clone(),
                reference: e.reference(),
            },
            Err(e) => CallOutcome::Failed {
                class: e.class.label().to_string(),
                sentence: e.sentence.clone(),
                reference: e.reference(),
            },
        };
        self.outcome(step, outcome)?;
        match result {
            Ok(value) => Ok(value),
            Err(e) if answer_lost(&e) => {
                self.say(Line::problem(format!(
                    "No answer to {label} ({}): it may have taken effect; reading the state back before anything is sent again.",
                    e.sentence
                )));
                Err(Stop::Again)
            }
            Err(error) => Err(RunEnd::Failed { step, error }.into()),
        }
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

/// Whether a failed call may still have taken effect: no answer (timeout, dropped
/// connection), a gateway's page instead of the API's, or a transient server error.
/// Refusals the API explains (validation, permission, rate limit…) had no effect.
pub fn answer_lost(error: &ApiError) -> bool {
    matches!(
        error.class,
        ErrorClass::Network | ErrorClass::UnexpectedBody | ErrorClass::Transient
    )
}

#[cfg(feature = "crash-hook")]
mod crash_hook {
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::domain::plan::StepId;

    use super::super::step_key;
    use super::CRASH_HOOK_ENV;

    static FSYNCS: AtomicU32 = AtomicU32::new(0);
    static READ_BACKS: AtomicU32 = AtomicU32::new(0);

    /// Exits at `<point>:<step>` when the hook names it.
    pub fn at(point: &str, step: StepId) {
        exit_if(&format!("{point}:{}", step_key(step)));
    }

    /// Counts a journal record (`fsync`) or a read-back record (`readback`) and exits
    /// at the n-th one when the hook names it.
    pub fn count(kind: &str) {
        let counter = if kind == "fsync" {
            &FSYNCS
        } else {
            &READ_BACKS
        };
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        exit_if(&format!("{kind}:{n}"));
    }

    fn exit_if(point: &str) {
        if std::env::var(CRASH_HOOK_ENV).is_ok_and(|wanted| wanted == point) {
            tracing::warn!(point, "test crash hook: exiting");
            std::process::exit(137);
        }
    }
}

#[cfg(not(feature = "crash-hook"))]
mod crash_hook {
    use crate::domain::plan::StepId;

    pub fn at(_point: &str, _step: StepId) {}

    pub fn count(_kind: &str) {}
}
