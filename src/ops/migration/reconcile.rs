//! The one read-back per step with a non-idempotent call. When a call's outcome is
//! unknown (the process died after its intent, or no answer came), the state is read
//! back before anything is sent again: an effect ends the step on what was read; no
//! effect is trusted only once the call can no longer be in flight (its timeout has
//! passed since its intent; until then the read is repeated); an object that is gone
//! ends the run with the reason.

use std::time::Duration;

use time::OffsetDateTime;

use crate::api::ApiError;
use crate::domain::eligibility::{self, Mode};
use crate::domain::journal::{CallOutcome, CallState};
use crate::domain::number::{CodeVerificationStatus, NumberStatus, PhoneNumber, PlatformType};
use crate::domain::partner::PartnerChangeStatus;
use crate::domain::plan::StepId;

use super::{Line, LineKind, Migration, Operator, RunEnd, Stop, shown};

/// How often a read-back is repeated while the earlier call may still be in flight.
const READ_AGAIN_EVERY: Duration = Duration::from_millis(500);

/// What a read-back found about a call whose outcome was unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReadBack {
    /// The call took effect: what was read, the id it created (if any), and the
    /// step's done line.
    TookEffect {
        detail: String,
        phone_number_id: Option<String>,
        done: String,
    },
    /// No effect shows (yet).
    NoEffect { detail: String },
    /// What the call acted on no longer exists (or the token no longer sees it): the
    /// run cannot go on.
    Gone { detail: String },
}

impl<O: Operator> Migration<'_, O> {
    /// Settles a step whose call's outcome is unknown; true when the read-back showed
    /// the call took effect and the step is done. No effect is journaled (and the step
    /// runs again, asking before it sends) only once the call is no longer in flight.
    pub(super) async fn reconcile(&mut self, step: StepId) -> Result<bool, Stop> {
        let mut told_to_wait = false;
        loop {
            match self.read_back(step).await? {
                ReadBack::TookEffect {
                    detail,
                    phone_number_id,
                    done,
                } => {
                    self.reconciled(step, detail, phone_number_id)?;
                    self.done(step, done, None)?;
                    return Ok(true);
                }
                ReadBack::Gone { detail } => {
                    return Err(RunEnd::CannotContinue {
                        step,
                        reason: detail,
                    }
                    .into());
                }
                ReadBack::NoEffect { detail } => {
                    let now = OffsetDateTime::now_utc();
                    if let Some(until) = self.state.in_flight_until(now, self.settings.in_flight)
                        && until > now
                    {
                        let left = (until - now).unsigned_abs();
                        if !told_to_wait {
                            self.say(Line::info(format!(
                                "Read back: {detail} so far; the earlier call may still be in flight for {} s, reading again before trusting that.",
                                left.as_secs_f64().ceil()
                            )));
                            told_to_wait = true;
                        }
                        tokio::time::sleep(left.min(READ_AGAIN_EVERY)).await;
                        continue;
                    }
                    self.say(Line::new(
                        LineKind::ReadBack,
                        format!("{detail}: the earlier call had no effect"),
                    ));
                    self.outcome(step, CallOutcome::NoEffect { detail })?;
                    return Ok(false);
                }
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
                    None => no_effect("the number is not in the destination"),
                })
            }
            // Meta has no read for "a code was sent": it is taken as sent, and the code
            // prompt offers a new one.
            StepId::RequestCode => Ok(took(
                "a code may already be on its way; not requesting another (ask for a new one at the next step if none arrives)",
                "not re-sent after the interruption",
            )),
            StepId::VerifyCode => {
                let Some(now) = self.read_new_number(step).await? else {
                    return Ok(self.gone_number(step));
                };
                Ok(match (now.code_verification_status, now.status.as_ref()) {
                    (Some(CodeVerificationStatus::Verified), _)
                    | (_, Some(NumberStatus::Connected)) => took(
                        "code_verification_status = VERIFIED",
                        "verified (read back)",
                    ),
                    (other, _) => no_effect(&format!(
                        "code_verification_status = {}",
                        other.map_or("not reported".to_string(), |s| s.to_string())
                    )),
                })
            }
            StepId::Register => {
                let Some(now) = self.read_new_number(step).await? else {
                    return Ok(self.gone_number(step));
                };
                Ok(match now.status {
                    Some(NumberStatus::Connected) => took(
                        "status = CONNECTED in the destination",
                        "registered (read back)",
                    ),
                    other => no_effect(&format!(
                        "the number is not registered (status = {})",
                        other.map_or("not reported".to_string(), |s| s.to_string())
                    )),
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
                // A copy call answers for every template it names: fewer missing than
                // when it was sent means it was carried out (Meta may refuse some).
                let sent_for = self.pending_call().and_then(templates_named);
                Ok(if summary.migrate == 0 {
                    took(
                        "no eligible template is missing in the destination",
                        &format!(
                            "{} already in the destination, none missing",
                            summary.already_in_destination
                        ),
                    )
                } else if sent_for.is_some_and(|named| summary.migrate < named) {
                    took(
                        &format!(
                            "the copy was carried out: {} of the eligible templates are still missing (refused or not yet listed)",
                            summary.migrate
                        ),
                        &format!(
                            "copied; {} eligible templates still missing",
                            summary.migrate
                        ),
                    )
                } else {
                    no_effect(&format!(
                        "{} eligible templates are missing in the destination",
                        summary.migrate
                    ))
                })
            }
            StepId::ApproveChangeRequest => {
                let request_id = self.change_request_id(step)?;
                Ok(match self.change_request_status(step, &request_id).await? {
                    None => ReadBack::Gone {
                        detail: format!(
                            "partner change request {request_id} is no longer listed in the Hub"
                        ),
                    },
                    Some(Some(PartnerChangeStatus::Created)) => {
                        no_effect(&format!("request {request_id} is not approved"))
                    }
                    Some(status) => took(
                        &format!("request {request_id} is {}", shown(&status)),
                        "approved (read back)",
                    ),
                })
            }
            StepId::RegisterWithBackup => {
                let id = self.snapshot()?.id;
                let Some(now) = self.read_existing(step, &id).await? else {
                    return Ok(self.gone_number(step));
                };
                Ok(match now.platform_type {
                    Some(PlatformType::CloudApi) => took(
                        "platform_type = CLOUD_API",
                        "registered on the Cloud API (read back)",
                    ),
                    other => no_effect(&format!(
                        "the number is not on the Cloud API (platform_type = {})",
                        shown(&other)
                    )),
                })
            }
            // Steps without a call of their own: nothing was in flight.
            _ => Ok(no_effect("nothing to read back")),
        }
    }

    /// The label of the call whose outcome is unknown.
    fn pending_call(&self) -> Option<&str> {
        match &self.state.call {
            Some(CallState::Sent { call, .. } | CallState::Unknown { call, .. }) => Some(call),
            _ => None,
        }
    }

    /// The destination's number, `None` when it is gone.
    async fn read_new_number(&self, step: StepId) -> Result<Option<PhoneNumber>, RunEnd> {
        let id = self.new_number_id(step)?;
        self.read_existing(step, &id).await
    }

    /// A number by id; `None` when Graph says it does not exist (or is not visible).
    async fn read_existing(&self, step: StepId, id: &str) -> Result<Option<PhoneNumber>, RunEnd> {
        match self.graph.phone_number(id).await {
            Ok(number) => Ok(Some(number)),
            Err(error) if is_gone(&error) => Ok(None),
            Err(error) => Err(RunEnd::Failed { step, error }),
        }
    }

    fn gone_number(&self, step: StepId) -> ReadBack {
        let id = match step {
            StepId::RegisterWithBackup => self.snapshot().map(|n| n.id).unwrap_or_default(),
            _ => self.state.phone_number_id.clone().unwrap_or_default(),
        };
        ReadBack::Gone {
            detail: format!(
                "phone number id {id} no longer exists (or this token no longer sees it), so the interrupted call cannot be checked or finished; start a new migration"
            ),
        }
    }
}

/// How many templates a copy call named, from its journaled label ("… for the 16
/// missing eligible templates").
fn templates_named(call: &str) -> Option<usize> {
    call.split(" for the ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Graph's "object does not exist" (code 100, subcode 33) or a plain 404.
fn is_gone(error: &ApiError) -> bool {
    error.http_status == Some(404) || (error.code == Some(100) && error.subcode == Some(33))
}

fn took(detail: &str, done: &str) -> ReadBack {
    ReadBack::TookEffect {
        detail: detail.to_string(),
        phone_number_id: None,
        done: done.to_string(),
    }
}

fn no_effect(detail: &str) -> ReadBack {
    ReadBack::NoEffect {
        detail: detail.to_string(),
    }
}
