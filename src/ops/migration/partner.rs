//! Steps between partners: the outbound move to another BSP (invoices, hand-over,
//! watching the number leave, the client's cancellation and refund) and the 360dialog
//! partner change (find, approve and watch the change request, refresh the fleet; its
//! follow-ups are in `followups`).

use crate::domain::number::NumberStatus;
use crate::domain::partner::{PartnerChangeRequest, PartnerChangeStatus};
use crate::domain::plan::StepId;

use super::{Line, Migration, Operator, Question, RunEnd, Step, Weight, paused, shown};

impl<O: Operator> Migration<'_, O> {
    pub(super) async fn invoices_cleared(&mut self) -> Step {
        self.manual(
            StepId::InvoicesCleared,
            Question::yes_no(
                "Are all invoices with the old provider settled (the Hub shows no open balance)?",
            ),
        )
        .await
    }

    pub(super) async fn handover(&mut self) -> Step {
        let n = self.snapshot()?;
        let source = self.state.source_waba_id.clone().unwrap_or_default();
        let business = self
            .graph
            .waba(&source)
            .await
            .ok()
            .and_then(|w| w.owner_business_id().map(str::to_string))
            .unwrap_or_else(|| "-".to_string());
        self.say(Line::info(format!("Give the new BSP: number {}, WABA id {source}, business id {business}. They add it with migrate_phone_number=true on their side.", n.label())));
        self.manual(
            StepId::Handover,
            Question::yes_no("Has the new BSP received these details?"),
        )
        .await
    }

    pub(super) async fn watch_migrated_away(&mut self) -> Step {
        let step = StepId::WatchMigratedAway;
        let n = self.snapshot()?;
        let source = self.state.source_waba_id.clone().unwrap_or_default();
        let started = std::time::Instant::now();
        loop {
            let numbers = self
                .graph
                .phone_numbers(&source)
                .await
                .map_err(|error| RunEnd::Failed { step, error })?;
            match numbers.iter().find(|x| x.id == n.id) {
                None => return self.done(step, "the number left the source WABA", None),
                Some(x) if x.status == Some(NumberStatus::Migrated) => {
                    return self.done(step, "status = MIGRATED", None);
                }
                Some(x) => self.say(Line::info(format!(
                    "Still in the source (status {}); checking again in {} s.",
                    shown(&x.status),
                    self.settings.watch_interval.as_secs()
                ))),
            }
            self.next_watch_round(step, started, "the number has not left yet")
                .await?;
        }
    }

    /// The client's act, not ours: 360dialog lets only the client cancel a number
    /// (sources in `domain::plan`), so no cancellation request is sent from here.
    pub(super) async fn cancel_subscription(&mut self) -> Step {
        self.say(Line::info(format!(
            "Now that {} has left, the client cancels its subscription in the 360dialog Client Hub: the number → Danger Zone → Cancel subscription, typing CANCEL. Only the client may cancel a number (a partner may assist, never cancel for the client), so wamigrate sends no call; it records the confirmation.",
            self.number_label()
        )));
        self.manual(
            StepId::CancelSubscription,
            Question::typed_yes(
                "Has the client cancelled the subscription in the 360dialog Client Hub? Type yes only once it is done:",
            ),
        )
        .await
    }

    pub(super) async fn refund_unused_funds(&mut self) -> Step {
        self.say(Line::info("After the cancellation the client requests the refund of the number's unused prepaid funds in the 360dialog Hub: Funds → Manage Funds → the number → Refund account funds."));
        self.manual(
            StepId::RefundUnusedFunds,
            Question::yes_no("Has the client requested the refund of the unused funds?"),
        )
        .await
    }

    pub(super) async fn find_change_request(&mut self) -> Step {
        let step = StepId::FindChangeRequest;
        let hub = self.hub(step)?;
        let (requests, channels) = tokio::join!(hub.partner_change_requests(), hub.channels(None));
        let requests = requests.map_err(|error| RunEnd::Failed { step, error })?;
        let channels = channels.map_err(|error| RunEnd::Failed { step, error })?;
        let wanted = self.state.number.clone();
        let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
        let channel = channels
            .iter()
            .find(|c| c.phone_digits().as_deref() == Some(digits.as_str()) || c.id == wanted);
        let open = |r: &&PartnerChangeRequest| {
            matches!(
                r.status,
                Some(PartnerChangeStatus::Created | PartnerChangeStatus::Pending) | None
            )
        };
        let found = requests.iter().filter(open).find(|r| {
            r.id == wanted
                || channel.is_some_and(|c| {
                    r.channel_ids.contains(&c.id)
                        || (r.is_full_migration == Some(true) && r.client_id == c.client_id)
                })
        });
        if found.is_none()
            && let Some(failed) = requests
                .iter()
                .find(|r| r.id == wanted && r.status == Some(PartnerChangeStatus::Failed))
        {
            // A change the Hub failed has ended: the run ends failed, not paused.
            return Err(RunEnd::CannotContinue {
                step,
                reason: failed_in_hub(&failed.id),
            }
            .into());
        }
        let Some(request) = found else {
            let listed: Vec<String> = requests
                .iter()
                .filter(open)
                .map(|r| {
                    format!(
                        "{} (client {})",
                        r.id,
                        r.client_id.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            return Err(paused(
                step,
                format!(
                    "no open partner change request concerns {wanted}; open ones: {}. The client creates the request in the Hub; give its id as NUMBER to pick one.",
                    if listed.is_empty() {
                        "none".to_string()
                    } else {
                        listed.join(", ")
                    }
                ),
            )
            .into());
        };
        self.say(Line::info(format!(
            "Partner change request {}: client {}, {} channel(s) {}, full migration: {}, from partner {}.",
            request.id,
            request.client_id.as_deref().unwrap_or("-"),
            request.channel_ids.len(),
            request.channel_ids.join(", "),
            request.is_full_migration.map_or("-".to_string(), |b| b.to_string()),
            request.source_partner_id.as_deref().unwrap_or("-")
        )));
        let id = request.id.clone();
        self.done(step, format!("request {id}"), Some(id))
    }

    /// The change request the find step kept.
    pub(super) fn change_request_id(&self, step: StepId) -> Result<String, RunEnd> {
        self.state
            .reference(StepId::FindChangeRequest)
            .map(str::to_string)
            .ok_or_else(|| paused(step, "no change request was found".to_string()))
    }

    pub(super) async fn approve_change_request(&mut self) -> Step {
        let step = StepId::ApproveChangeRequest;
        let hub = self.hub(step)?;
        let request_id = self.change_request_id(step)?;
        let label = format!(
            "POST /partners/{}/selective_partner_change_requests/{request_id}/approve",
            hub.partner_id()
        );
        self.confirm_write(
            step,
            Weight::TypedYes,
            &label,
            None,
            "cannot be undone from here: the Hub then moves the client's channels to this partner"
                .to_string(),
        )
        .await?;
        self.call(
            step,
            &label,
            hub.approve_partner_change_request(&request_id),
            |r| (format!("request {} is {}", r.id, shown(&r.status)), None),
        )
        .await?;
        self.done(step, format!("request {request_id} approved"), None)
    }

    /// The Hub's status of a change request: `None` when it is not listed, `Some(None)`
    /// when it is listed without a status.
    pub(super) async fn change_request_status(
        &self,
        step: StepId,
        request_id: &str,
    ) -> Result<Option<Option<PartnerChangeStatus>>, RunEnd> {
        let requests = self
            .hub(step)?
            .partner_change_requests()
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        Ok(requests
            .into_iter()
            .find(|r| r.id == request_id)
            .map(|r| r.status))
    }

    pub(super) async fn watch_change_request(&mut self) -> Step {
        let step = StepId::WatchChangeRequest;
        let request_id = self
            .state
            .reference(StepId::FindChangeRequest)
            .map(str::to_string)
            .unwrap_or_default();
        let started = std::time::Instant::now();
        loop {
            match self
                .change_request_status(step, &request_id)
                .await?
                .flatten()
            {
                Some(PartnerChangeStatus::Completed) => return self.done(step, "completed", None),
                Some(PartnerChangeStatus::Failed) => {
                    return Err(RunEnd::CannotContinue {
                        step,
                        reason: failed_in_hub(&request_id),
                    }
                    .into());
                }
                other => self.say(Line::info(format!(
                    "Request {request_id} is {}; checking again in {} s.",
                    other.map_or("not listed".to_string(), |s| s.to_string()),
                    self.settings.watch_interval.as_secs()
                ))),
            }
            self.next_watch_round(step, started, "the request has not completed yet")
                .await?;
        }
    }

    pub(super) async fn refresh_fleet(&mut self) -> Step {
        let step = StepId::RefreshFleet;
        let channels = self
            .hub(step)?
            .channels(None)
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        self.done(step, format!("{} channels read", channels.len()), None)
    }
}

/// The end of a change request the Hub failed.
fn failed_in_hub(request_id: &str) -> String {
    format!(
        "partner change request {request_id} failed in the Hub; the change has ended: contact 360dialog support with its id, and the client may request a new change"
    )
}
