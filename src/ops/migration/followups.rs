//! What follows a change of partner or of hosting at 360dialog: the client's permission
//! for the new partner, a new API key per channel, and the webhook set again. All are
//! done by people in the Hub; wamigrate says exactly what and records their
//! confirmation. It never creates an API key itself: a new key revokes every other key
//! of the channel (sources in `domain::plan`).

use crate::domain::plan::StepId;
use crate::domain::scenario::Scenario;

use super::{Line, Migration, Operator, Question, Step};

impl<O: Operator> Migration<'_, O> {
    pub(super) async fn partner_permission(&mut self) -> Step {
        self.say(Line::info(format!(
            "The client grants this partner permission to manage {}: for channels it pays directly, in the 360dialog Client Hub (profile → Partner → permissions) or on the Integrated Onboarding permission screen; channels this partner pays are shared by default. Check it in the Partner Hub: the channel → Partner API Key Permission shows Shared.",
            self.followup_target()
        )));
        self.manual(
            StepId::PartnerPermission,
            Question::yes_no("Does the Partner Hub show the permission as Shared?"),
        )
        .await
    }

    pub(super) async fn new_api_key(&mut self) -> Step {
        let why = if self.state.scenario == Some(Scenario::HostingTypeChange) {
            "old API keys do not work on the Cloud API"
        } else {
            "the keys issued under the old partner are not this partner's"
        };
        self.say(Line::info(format!(
            "Issue a new API key for {} ({why}): Partner Hub → the channel → Generate API key. A new key revokes every other key of the channel, so wamigrate never creates one: do it when the systems that send with the old key are ready to switch, and send to https://waba-v2.360dialog.io with it.",
            self.followup_target()
        )));
        self.manual(
            StepId::NewApiKey,
            Question::yes_no("Is the new API key issued and in use?"),
        )
        .await
    }

    pub(super) async fn reset_webhook(&mut self) -> Step {
        self.say(Line::info(format!(
            "Set the webhook of {} again with the new key: Hub → the number → WhatsApp Channel → Channel Webhook, or WABA Webhook for every Cloud API number of the WABA. Until then events go where the old setup sent them.",
            self.followup_target()
        )));
        self.manual(
            StepId::ResetWebhook,
            Question::yes_no("Is the webhook set again with the new key?"),
        )
        .await
    }

    /// What the follow-ups concern: the channels of the change request, or the number.
    fn followup_target(&self) -> String {
        match self.state.reference(StepId::FindChangeRequest) {
            Some(request) => format!("the channels of partner change request {request}"),
            None => format!("the number {}", self.number_label()),
        }
    }
}
