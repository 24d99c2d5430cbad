//! Replay: the records of a journal folded into what is known of the migration, and
//! of each step, so that resuming is a lookup rather than a guess.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Backend, CallOutcome, Record, Stamp};
use crate::domain::checklist::CheckResult;
use crate::domain::number::PhoneNumber;
use crate::domain::plan::StepId;
use crate::domain::scenario::Scenario;

/// Where a step stands, from its records. Each state has one resume action:
///
/// | state            | resume action                                                   |
/// |------------------|-----------------------------------------------------------------|
/// | `Open`           | run the step (it asks before any call)                          |
/// | `Intended`       | nothing was sent: run the step, which asks again                |
/// | `Sent`           | the call may have left: read back, wait out the call's timeout  |
/// | `OutcomeUnknown` | no answer came: read back, wait out the call's timeout          |
/// | `OutcomeKnown`   | use it: an effect ends the step, a refusal runs it again (asks) |
/// | `Done`           | nothing                                                         |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Open,
    Intended,
    Sent,
    OutcomeKnown,
    OutcomeUnknown,
    Done,
}

/// The last call of a step that is not done, and what is known of it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallState {
    /// Agreed to; not sent.
    Intended { step: StepId, call: String },
    /// The intent is on disk; the call may have reached the API.
    Sent {
        step: StepId,
        call: String,
        at: Stamp,
        in_flight: Option<Duration>,
    },
    /// The API answered (or a read-back settled it).
    Known { step: StepId, outcome: CallOutcome },
    /// No answer came; `at` is the intent's time.
    Unknown {
        step: StepId,
        call: String,
        at: Stamp,
        in_flight: Option<Duration>,
    },
}

impl CallState {
    /// The step the call belongs to.
    pub fn step(&self) -> StepId {
        match self {
            CallState::Intended { step, .. }
            | CallState::Sent { step, .. }
            | CallState::Known { step, .. }
            | CallState::Unknown { step, .. } => *step,
        }
    }
}

/// How a migration ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub completed: bool,
    pub abandoned: bool,
    pub detail: String,
    pub at: Stamp,
}

/// A migration's state in one word, for lists, the board and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    InProgress,
    /// Stopped by the preflight before any write; resumable once fixed.
    Blocked,
    Completed,
    Failed,
    Abandoned,
}

impl RunStatus {
    /// The word used in lists and reports.
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::InProgress => "in progress",
            RunStatus::Blocked => "blocked",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Abandoned => "abandoned",
        }
    }
}

/// What the records say, folded.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalState {
    pub migration_id: String,
    pub scenario: Option<Scenario>,
    pub number: String,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
    pub plan: Vec<StepId>,
    pub operator: String,
    pub backend: Option<Backend>,
    pub started_at: Stamp,
    pub snapshot: Option<(PhoneNumber, Vec<CheckResult>)>,
    /// Steps finished, in order.
    pub done: Vec<StepId>,
    /// The last call of a step not done yet.
    pub call: Option<CallState>,
    /// The destination phone number id, once the add call answered.
    pub phone_number_id: Option<String>,
    /// Times of register intents (every one may have counted at Meta).
    pub register_attempts: Vec<Stamp>,
    /// When registration in the destination succeeded: the billing cut-over.
    pub registered_at: Option<Stamp>,
    /// Verification codes Meta refused, over every run of this journal.
    pub wrong_codes: u32,
    /// Ids kept by finished steps (e.g. the partner change request).
    pub references: Vec<(StepId, String)>,
    /// Each step's history, for the report: (step, what, at).
    pub history: Vec<(Option<StepId>, String, Stamp)>,
    /// The blockers of the last preflight, while it has not passed since.
    pub blocked: Option<Vec<String>>,
    pub finished: Option<Ending>,
}

/// An empty state (no `started` record yet), for tests and folds.
impl Default for JournalState {
    fn default() -> Self {
        JournalState::new(Stamp::Unreadable(String::new()))
    }
}

impl JournalState {
    fn new(started_at: Stamp) -> JournalState {
        JournalState {
            migration_id: String::new(),
            scenario: None,
            number: String::new(),
            source_waba_id: None,
            destination_waba_id: None,
            plan: Vec::new(),
            operator: String::new(),
            backend: None,
            started_at,
            snapshot: None,
            done: Vec::new(),
            call: None,
            phone_number_id: None,
            register_attempts: Vec::new(),
            registered_at: None,
            wrong_codes: 0,
            references: Vec::new(),
            history: Vec::new(),
            blocked: None,
            finished: None,
        }
    }

    /// The first step of the plan that is not done.
    pub fn next_step(&self) -> Option<StepId> {
        self.plan.iter().copied().find(|s| !self.done.contains(s))
    }

    /// Whether the migration ended (completed, failed or abandoned).
    pub fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The migration's state in one word.
    pub fn status(&self) -> RunStatus {
        match &self.finished {
            Some(end) if end.abandoned => RunStatus::Abandoned,
            Some(end) if end.completed => RunStatus::Completed,
            Some(_) => RunStatus::Failed,
            None if self.blocked.is_some() => RunStatus::Blocked,
            None => RunStatus::InProgress,
        }
    }

    /// The id a finished step kept, if any.
    pub fn reference(&self, step: StepId) -> Option<&str> {
        self.references
            .iter()
            .rev()
            .find(|(s, _)| *s == step)
            .map(|(_, r)| r.as_str())
    }

    /// Where `step` stands.
    pub fn step_state(&self, step: StepId) -> StepState {
        if self.done.contains(&step) {
            return StepState::Done;
        }
        match &self.call {
            Some(call) if call.step() == step => match call {
                CallState::Intended { .. } => StepState::Intended,
                CallState::Sent { .. } => StepState::Sent,
                CallState::Known { .. } => StepState::OutcomeKnown,
                CallState::Unknown { .. } => StepState::OutcomeUnknown,
            },
            _ => StepState::Open,
        }
    }

    /// The step whose call may have reached the API with no outcome known.
    pub fn pending_intent(&self) -> Option<StepId> {
        match &self.call {
            Some(CallState::Sent { step, .. } | CallState::Unknown { step, .. }) => Some(*step),
            _ => None,
        }
    }

    /// Until when the pending call may still be in flight (its intent plus its
    /// timeout). An intent without a readable time or timeout waits `fallback` from
    /// `now`: the wait fails long, never short.
    pub fn in_flight_until(
        &self,
        now: OffsetDateTime,
        fallback: Duration,
    ) -> Option<OffsetDateTime> {
        let (at, in_flight) = match &self.call {
            Some(
                CallState::Sent { at, in_flight, .. } | CallState::Unknown { at, in_flight, .. },
            ) => (at, in_flight),
            _ => return None,
        };
        Some(match (at.time(), in_flight) {
            (Some(at), Some(in_flight)) => at + *in_flight,
            _ => now + fallback,
        })
    }
}

/// Why records could not be folded into a state: the only way replay fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the journal does not start with a 'started' record")]
pub struct NoStartRecord;

/// Folds records into the state. Fails only when the first record is not `Started`.
pub fn replay(records: &[Record]) -> Result<JournalState, NoStartRecord> {
    let mut records = records.iter();
    let mut state = match records.next() {
        Some(Record::Started {
            migration_id,
            scenario,
            number,
            source_waba_id,
            destination_waba_id,
            plan,
            operator,
            backend,
            at,
        }) => JournalState {
            migration_id: migration_id.clone(),
            scenario: Some(*scenario),
            number: number.clone(),
            source_waba_id: source_waba_id.clone(),
            destination_waba_id: destination_waba_id.clone(),
            plan: plan.clone(),
            operator: operator.clone(),
            backend: backend.clone(),
            ..JournalState::new(at.clone())
        },
        _ => return Err(NoStartRecord),
    };
    for record in records {
        fold(&mut state, record);
    }
    Ok(state)
}

fn fold(state: &mut JournalState, record: &Record) {
    match record {
        Record::Started { .. } => {}
        Record::Snapshot {
            number,
            source_waba_id,
            checks,
            at,
        } => {
            state.snapshot = Some(((**number).clone(), checks.clone()));
            if state.source_waba_id.is_none() {
                state.source_waba_id = source_waba_id.clone();
            }
            state.history.push((
                Some(crate::domain::plan::StepId::Preflight),
                "snapshot taken".to_string(),
                at.clone(),
            ));
        }
        Record::Confirmed { step, call, by, at } => {
            state.call = Some(CallState::Intended {
                step: *step,
                call: call.clone(),
            });
            let by = match by {
                super::ConfirmedBy::Operator => "the operator",
                super::ConfirmedBy::YesFlag => "--yes",
            };
            state
                .history
                .push((Some(*step), format!("{call} confirmed by {by}"), at.clone()));
        }
        Record::Intent {
            step,
            call,
            in_flight_secs,
            at,
        } => {
            state.call = Some(CallState::Sent {
                step: *step,
                call: call.clone(),
                at: at.clone(),
                in_flight: in_flight_secs.map(Duration::from_secs),
            });
            if is_register(*step) {
                state.register_attempts.push(at.clone());
            }
            state
                .history
                .push((Some(*step), format!("sending {call}"), at.clone()));
        }
        Record::Outcome { step, outcome, at } => fold_outcome(state, *step, outcome, at),
        Record::StepDone {
            step,
            detail,
            reference,
            at,
        } => {
            if !state.done.contains(step) {
                state.done.push(*step);
            }
            if state.call.as_ref().is_some_and(|c| c.step() == *step) {
                state.call = None;
            }
            if *step == StepId::Preflight {
                state.blocked = None;
            }
            if let Some(reference) = reference {
                state.references.push((*step, reference.clone()));
            }
            state
                .history
                .push((Some(*step), format!("done: {detail}"), at.clone()));
        }
        Record::Note { step, text, at } => state.history.push((*step, text.clone(), at.clone())),
        Record::Blocked { blockers, at } => {
            state.blocked = Some(blockers.clone());
            state.history.push((
                Some(StepId::Preflight),
                format!("blocked: {}", blockers.join("; ")),
                at.clone(),
            ));
        }
        Record::Finished {
            completed,
            detail,
            abandoned,
            at,
        } => {
            state.finished = Some(super::replay::Ending {
                completed: *completed,
                abandoned: *abandoned,
                detail: detail.clone(),
                at: at.clone(),
            });
            state.history.push((None, detail.clone(), at.clone()));
        }
    }
}

fn fold_outcome(state: &mut JournalState, step: StepId, outcome: &CallOutcome, at: &Stamp) {
    let text = match outcome {
        CallOutcome::Ok {
            detail,
            phone_number_id,
        }
        | CallOutcome::Reconciled {
            detail,
            phone_number_id,
        } => {
            if let Some(id) = phone_number_id {
                state.phone_number_id = Some(id.clone());
            }
            if is_register(step) {
                state.registered_at = Some(at.clone());
            }
            detail.clone()
        }
        CallOutcome::Failed {
            class,
            sentence,
            reference,
        } => {
            if step == StepId::VerifyCode && class == "registration" {
                state.wrong_codes += 1;
            }
            format!("failed: {sentence} [{reference}]")
        }
        CallOutcome::Unknown {
            sentence,
            reference,
            ..
        } => format!("no answer: {sentence} [{reference}]"),
        CallOutcome::NoEffect { detail } => format!("read back, no effect: {detail}"),
    };
    state.call = Some(match (outcome, state.call.take()) {
        (
            CallOutcome::Unknown { .. },
            Some(CallState::Sent {
                call,
                at,
                in_flight,
                ..
            }),
        ) => CallState::Unknown {
            step,
            call,
            at,
            in_flight,
        },
        (CallOutcome::Unknown { .. }, _) => CallState::Unknown {
            step,
            call: String::new(),
            at: at.clone(),
            in_flight: None,
        },
        (outcome, _) => CallState::Known {
            step,
            outcome: outcome.clone(),
        },
    });
    state.history.push((Some(step), text, at.clone()));
}

fn is_register(step: StepId) -> bool {
    matches!(step, StepId::Register | StepId::RegisterWithBackup)
}
