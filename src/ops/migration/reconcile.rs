//! The one read-back per step with a non-idempotent call. When a run stopped between
//! a call's intent and its outcome, the call may or may not have reached the API:
//! before anything is sent again, the state is read back and the step either ends on
//! what was read (the call took effect) or goes on (it did not), saying so.

use crate::domain::eligibility::{self, Mode};
use crate::domain::number::{CodeVerificationStatus, NumberStatus, PlatformType};
use crate::domain::partner::PartnerChangeStatus;
use crate::domain::plan::StepId;

use super::{Line, Migration, Operator, Question, RunEnd, paused, shown};

/// What a read-back found about an interrupted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReadBack {
    /// The call took effect: what was read, the id it created (if any), and the
    /// step's done line.
    TookEffect {
        detail: String,
        phone_number_id: Option<String>,
        done: String,
    },
    /// The call did not take effect; `then` says how the step goes on.
    NoEffect { detail: String, then: Redo },
}

/// How a step goes on when its interrupted call did not take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Redo {
    /// Ask before sending again; a no pauses the run with the detail as reason.
    Ask(Question),
    /// Tell the operator (journaled) and run the step, which asks on its own.
    Say,
    /// Journal the detail as the read-back outcome and run the step.
    Record,
}

impl<O: Operator> Migration<'_, O> {
    /// Settles a step whose call has an intent and no outcome; true when the read-back
    /// showed the call took effect and the step is done.
    pub(super) async fn reconcile(&mut self, step: StepId) -> Result<bool, RunEnd> {
        match self.read_back(step).await? {
            ReadBack::TookEffect {
                detail,
                phone_number_id,
                done,
            } => {
                self.reconciled(step, detail, phone_number_id)?;
                self.done(step, done, None)?;
                Ok(true)
            }
            ReadBack::NoEffect { detail, then } => {
                match then {
                    Redo::Ask(question) => {
                        if !self.operator.confirm(question).await {
                            return Err(paused(step, detail));
                        }
                    }
                    Redo::Say => self.note(step, Line::info(detail))?,
                    Redo::Record => self.reconciled(step, detail, None)?,
                }
                Ok(false)
            }
        }
    }

    /// The reconcile table: for each step with a non-idempotent call, the read that
    /// tells whether that call took effect.
    pub(super) async fn read_back(&self, step: StepId) -> Result<ReadBack, RunEnd> {
        match step {
            StepId::AddNumber => {
                let (dest, e164) = self.add_target(step)?;
                Ok(match self.find_in_destination(step, &dest, &e164).await? {
                    Some(id) => ReadBack::TookEffect {
                        detail: format!("the number is in the destination as {id}"),
                        done: format!("phone number id {id} (read back)"),
                        phone_number_id: Some(id),
                    },
                    None => {
                        let why = "the add call of the last run may not have reached Meta, and the number is not in the destination, so it did not take effect";
                        ReadBack::NoEffect {
                            detail: why.to_string(),
                            then: Redo::Ask(Question::yes_no(format!("{why}. Send it again?"))),
                        }
                    }
                })
            }
            // Meta has no read for "a code was sent": assume it was, and let the code
            // prompt offer a new one.
            StepId::RequestCode => Ok(ReadBack::TookEffect {
                detail: "a code may already be on its way; not requesting another (ask for a new one at the next step if none arrives)".to_string(),
                phone_number_id: None,
                done: "not re-sent after the interruption".to_string(),
            }),
            StepId::VerifyCode => {
                let id = self.new_number_id(step)?;
                let now = self.read_number(step, &id).await?;
                Ok(match now.code_verification_status {
                    Some(CodeVerificationStatus::Verified) => took(
                        "code_verification_status = VERIFIED",
                        "verified (read back)",
                    ),
                    other => ReadBack::NoEffect {
                        detail: format!(
                            "The last verify call did not take effect (code_verification_status = {}); asking for the code again.",
                            other.map_or("not reported".to_string(), |s| s.to_string())
                        ),
                        then: Redo::Say,
                    },
                })
            }
            StepId::Register => {
                let id = self.new_number_id(step)?;
                let now = self.read_number(step, &id).await?;
                Ok(match now.status {
                    Some(NumberStatus::Connected) => took(
                        "status = CONNECTED in the destination",
                        "registered (read back)",
                    ),
                    other => {
                        let why = format!(
                            "the register call of the last run did not take effect (status = {})",
                            other.map_or("not reported".to_string(), |s| s.to_string())
                        );
                        ReadBack::NoEffect {
                            then: Redo::Ask(Question::yes_no(format!(
                                "{why}. Register again? It uses one more of the 10 attempts per 72 hours."
                            ))),
                            detail: why,
                        }
                    }
                })
            }
            StepId::Templates => {
                let Some((source, destination)) = self.template_inventories(step).await? else {
                    return Ok(took(
                        "no source WABA is known",
                        "no source WABA known; skipped",
                    ));
                };
                let forecast = eligibility::predict(&source, &destination, Mode::Api);
                let summary = forecast.summary();
                Ok(if summary.migrate == 0 {
                    took(
                        "no eligible template is missing in the destination",
                        &format!(
                            "{} already in the destination, none missing",
                            summary.already_in_destination
                        ),
                    )
                } else {
                    ReadBack::NoEffect {
                        detail: format!(
                            "{} eligible templates are still missing after the interrupted run",
                            summary.migrate
                        ),
                        then: Redo::Record,
                    }
                })
            }
            StepId::ApproveChangeRequest => {
                let request_id = self.change_request_id(step)?;
                Ok(match self.change_request_status(step, &request_id).await? {
                    Some(status) if status != Some(PartnerChangeStatus::Created) => took(
                        &format!("request {request_id} is {}", shown(&status)),
                        "approved (read back)",
                    ),
                    _ => ReadBack::NoEffect {
                        detail: format!(
                            "request {request_id} is not approved yet: the approval of the last run did not take effect"
                        ),
                        then: Redo::Say,
                    },
                })
            }
            StepId::RegisterWithBackup => {
                let id = self.snapshot()?.id;
                let now = self.read_number(step, &id).await?;
                Ok(match now.platform_type {
                    Some(PlatformType::CloudApi) => took(
                        "platform_type = CLOUD_API",
                        "registered on the Cloud API (read back)",
                    ),
                    other => ReadBack::NoEffect {
                        detail: format!(
                            "the register call of the last run did not take effect (platform_type = {})",
                            shown(&other)
                        ),
                        then: Redo::Say,
                    },
                })
            }
            // Steps without a call of their own: nothing was in flight.
            _ => Ok(ReadBack::NoEffect {
                detail: "nothing to read back".to_string(),
                then: Redo::Record,
            }),
        }
    }
}

fn took(detail: &str, done: &str) -> ReadBack {
    ReadBack::TookEffect {
        detail: detail.to_string(),
        phone_number_id: None,
        done: done.to_string(),
    }
}
