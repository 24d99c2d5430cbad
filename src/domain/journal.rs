//! The migration journal: append-only records of a migration, and their replay.
//!
//! Every remote call is preceded by an `Intent` and followed by an `Outcome`. An intent
//! without an outcome means the process died around the call: the state must be read
//! back from the API before anything is sent again. No record ever holds a secret (no
//! token, PIN, verification code or backup password): only that one was used.

use serde::{Deserialize, Serialize};

use crate::domain::checklist::CheckResult;
use crate::domain::number::PhoneNumber;
use crate::domain::plan::StepId;
use crate::domain::scenario::Scenario;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The migration was created with this plan.
    Started {
        migration_id: String,
        scenario: Scenario,
        /// What the operator typed (an E.164 number or a phone number id).
        number: String,
        source_waba_id: Option<String>,
        destination_waba_id: Option<String>,
        plan: Vec<StepId>,
        operator: String,
        at: String,
    },
    /// The preflight snapshot: the number as read before the move (and the WABA it was
    /// found in), and the checklist.
    Snapshot {
        number: Box<PhoneNumber>,
        source_waba_id: Option<String>,
        checks: Vec<CheckResult>,
        at: String,
    },
    /// About to send a call (written and fsynced before it is sent).
    Intent {
        step: StepId,
        call: String,
        at: String,
    },
    /// How the call ended (written and fsynced after it returned).
    Outcome {
        step: StepId,
        outcome: CallOutcome,
        at: String,
    },
    /// A step finished (manual confirmations, verifications, reconciliations).
    StepDone {
        step: StepId,
        detail: String,
        /// An id later steps need (e.g. the partner change request).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        at: String,
    },
    /// Something the operator or wamigrate wants on the record.
    Note {
        step: Option<StepId>,
        text: String,
        at: String,
    },
    /// The migration ended.
    Finished {
        completed: bool,
        detail: String,
        at: String,
    },
}

/// The result of a remote call, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The call succeeded; `phone_number_id` when it created one.
    Ok {
        detail: String,
        phone_number_id: Option<String>,
    },
    /// The call failed; the operator sentence and the reference (codes, fbtrace_id).
    Failed {
        class: String,
        sentence: String,
        reference: String,
    },
    /// The outcome was unknown (crash) and was read back from the API.
    Reconciled {
        detail: String,
        phone_number_id: Option<String>,
    },
}

/// What the records say, folded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JournalState {
    pub migration_id: String,
    pub scenario: Option<Scenario>,
    pub number: String,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
    pub plan: Vec<StepId>,
    pub operator: String,
    pub started_at: String,
    pub snapshot: Option<(PhoneNumber, Vec<CheckResult>)>,
    /// Steps finished, in order.
    pub done: Vec<StepId>,
    /// An intent with no outcome: the call may or may not have reached the API.
    pub pending_intent: Option<StepId>,
    /// The destination phone number id, once the add call answered.
    pub phone_number_id: Option<String>,
    /// Times of register intents (every one may have counted at Meta).
    pub register_attempts: Vec<String>,
    /// When registration in the destination succeeded: the billing cut-over.
    pub registered_at: Option<String>,
    /// Ids kept by finished steps (e.g. the partner change request).
    pub references: Vec<(StepId, String)>,
    /// Each step's history, for the report: (step, what, at).
    pub history: Vec<(Option<StepId>, String, String)>,
    pub finished: Option<(bool, String, String)>,
}

impl JournalState {
    /// The first step of the plan that is not done.
    pub fn next_step(&self) -> Option<StepId> {
        self.plan.iter().copied().find(|s| !self.done.contains(s))
    }

    /// Whether the migration ended (completed or abandoned).
    pub fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The id a finished step kept, if any.
    pub fn reference(&self, step: StepId) -> Option<&str> {
        self.references
            .iter()
            .rev()
            .find(|(s, _)| *s == step)
            .map(|(_, r)| r.as_str())
    }
}

/// Folds records into the state. Fails only when the first record is not `Started`.
pub fn replay(records: &[Record]) -> Result<JournalState, String> {
    let mut state = JournalState::default();
    let mut records = records.iter();
    match records.next() {
        Some(Record::Started {
            migration_id,
            scenario,
            number,
            source_waba_id,
            destination_waba_id,
            plan,
            operator,
            at,
        }) => {
            state.migration_id = migration_id.clone();
            state.scenario = Some(*scenario);
            state.number = number.clone();
            state.source_waba_id = source_waba_id.clone();
            state.destination_waba_id = destination_waba_id.clone();
            state.plan = plan.clone();
            state.operator = operator.clone();
            state.started_at = at.clone();
        }
        _ => return Err("the journal does not start with a 'started' record".to_string()),
    }
    for record in records {
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
                    Some(StepId::Preflight),
                    "snapshot taken".to_string(),
                    at.clone(),
                ));
            }
            Record::Intent { step, call, at } => {
                state.pending_intent = Some(*step);
                if matches!(step, StepId::Register | StepId::RegisterWithBackup) {
                    state.register_attempts.push(at.clone());
                }
                state
                    .history
                    .push((Some(*step), format!("sending {call}"), at.clone()));
            }
            Record::Outcome { step, outcome, at } => {
                state.pending_intent = None;
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
                        if matches!(step, StepId::Register | StepId::RegisterWithBackup) {
                            state.registered_at = Some(at.clone());
                        }
                        detail.clone()
                    }
                    CallOutcome::Failed {
                        sentence,
                        reference,
                        ..
                    } => format!("failed: {sentence} [{reference}]"),
                };
                state.history.push((Some(*step), text, at.clone()));
            }
            Record::StepDone {
                step,
                detail,
                reference,
                at,
            } => {
                if !state.done.contains(step) {
                    state.done.push(*step);
                }
                if let Some(reference) = reference {
                    state.references.push((*step, reference.clone()));
                }
                state
                    .history
                    .push((Some(*step), format!("done: {detail}"), at.clone()));
            }
            Record::Note { step, text, at } => {
                state.history.push((*step, text.clone(), at.clone()))
            }
            Record::Finished {
                completed,
                detail,
                at,
            } => {
                state.finished = Some((*completed, detail.clone(), at.clone()));
                state.history.push((None, detail.clone(), at.clone()));
            }
        }
    }
    Ok(state)
}

/// Parses journal lines; a torn last line (the process died mid-write) is skipped,
/// any other bad line is an error naming it.
pub fn parse_lines(text: &str) -> Result<Vec<Record>, String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut records = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        match serde_json::from_str::<Record>(line) {
            Ok(record) => records.push(record),
            Err(_) if index + 1 == lines.len() => {}
            Err(e) => return Err(format!("line {} is not a journal record ({e})", index + 1)),
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started() -> Record {
        Record::Started {
            migration_id: "m-1".into(),
            scenario: Scenario::ToNewWaba,
            number: "+16315550101".into(),
            source_waba_id: Some("1".into()),
            destination_waba_id: Some("2".into()),
            plan: crate::domain::plan::plan(Scenario::ToNewWaba)
                .iter()
                .map(|s| s.id)
                .collect(),
            operator: "ops".into(),
            at: "2026-11-25T10:00:00Z".into(),
        }
    }

    #[test]
    fn an_intent_without_outcome_is_pending_and_the_next_step_is_not_skipped() {
        let records = vec![
            started(),
            Record::StepDone {
                step: StepId::Preflight,
                detail: "ok".into(),
                reference: None,
                at: "t1".into(),
            },
            Record::StepDone {
                step: StepId::TwoStepOff,
                detail: "ok".into(),
                reference: None,
                at: "t2".into(),
            },
            Record::Intent {
                step: StepId::AddNumber,
                call: "POST /2/phone_numbers".into(),
                at: "t3".into(),
            },
        ];
        let state = replay(&records).unwrap();
        assert_eq!(state.pending_intent, Some(StepId::AddNumber));
        assert_eq!(state.next_step(), Some(StepId::AddNumber));
        assert_eq!(state.phone_number_id, None);
    }

    #[test]
    fn outcomes_carry_the_new_id_and_register_intents_are_counted() {
        let records = vec![
            started(),
            Record::Intent {
                step: StepId::AddNumber,
                call: "add".into(),
                at: "t1".into(),
            },
            Record::Outcome {
                step: StepId::AddNumber,
                outcome: CallOutcome::Ok {
                    detail: "added".into(),
                    phone_number_id: Some("999".into()),
                },
                at: "t2".into(),
            },
            Record::StepDone {
                step: StepId::AddNumber,
                detail: "added".into(),
                reference: None,
                at: "t2".into(),
            },
            Record::Intent {
                step: StepId::Register,
                call: "register".into(),
                at: "t3".into(),
            },
            Record::Outcome {
                step: StepId::Register,
                outcome: CallOutcome::Failed {
                    class: "registration".into(),
                    sentence: "PIN".into(),
                    reference: "code 133005".into(),
                },
                at: "t4".into(),
            },
            Record::Intent {
                step: StepId::Register,
                call: "register".into(),
                at: "t5".into(),
            },
        ];
        let state = replay(&records).unwrap();
        assert_eq!(state.phone_number_id.as_deref(), Some("999"));
        assert_eq!(state.register_attempts.len(), 2);
        assert_eq!(state.pending_intent, Some(StepId::Register));
    }

    #[test]
    fn a_torn_last_line_is_skipped_but_a_bad_middle_line_is_an_error() {
        let good = serde_json::to_string(&started()).unwrap();
        let torn = format!("{good}\n{{\"record\":\"intent\",\"st");
        assert_eq!(parse_lines(&torn).unwrap().len(), 1);
        let bad = format!("{good}\nnot json\n{good}\n");
        assert!(parse_lines(&bad).unwrap_err().contains("line 2"));
        assert!(replay(&[]).is_err());
    }

    #[test]
    fn records_round_trip_through_json_lines() {
        let record = Record::Outcome {
            step: StepId::VerifyCode,
            outcome: CallOutcome::Reconciled {
                detail: "VERIFIED".into(),
                phone_number_id: None,
            },
            at: "t".into(),
        };
        let line = serde_json::to_string(&record).unwrap();
        assert!(line.contains(r#""record":"outcome""#) && line.contains(r#""step":"verify_code""#));
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
    }
}
