//! The hosting type change, On-Premise API to Cloud API: the downtime window, then
//! either the 360dialog Hub's switch (no public endpoint; its follow-ups are in
//! `followups`) or, for an owner who holds the On-Premise backup, the register call
//! with it; and the platform read that proves the switch.

use crate::domain::number::{NumberStatus, PlatformType};
use crate::domain::plan::StepId;

use super::number::register_cost;
use super::{Line, Migration, Operator, Question, Step, Weight, paused, shown};

impl<O: Operator> Migration<'_, O> {
    pub(super) async fn explain_downtime(&mut self) -> Step {
        self.say(Line::info("Messages are not delivered while the number switches from the On-Premise client to the Cloud API (usually minutes). Stop the On-Premise client's sending and pick a quiet window."));
        self.manual(
            StepId::ExplainDowntime,
            Question::yes_no("Is the downtime window agreed and the On-Premise client stopped?"),
        )
        .await
    }

    /// The switch is made in the 360dialog Hub: "The process is handled in the
    /// 360dialog Hub. No public endpoint is available" (hosting type change page, cited
    /// in `domain::plan`). wamigrate says what to do and watches for it next.
    pub(super) async fn hub_hosting_change(&mut self) -> Step {
        self.say(Line::info(format!(
            "In the 360dialog Hub, switch the hosting type of {} to Cloud API (the partner account must be enabled for Cloud API). There is no public endpoint, so wamigrate cannot do it for you. No verification code is needed, but the number must stay connected, or the change fails; it may be offline for a few minutes.",
            self.number_label()
        )));
        self.manual(
            StepId::HubHostingChange,
            Question::yes_no("Has the hosting type change been started in the 360dialog Hub?"),
        )
        .await
    }

    pub(super) async fn register_with_backup(&mut self) -> Step {
        let step = StepId::RegisterWithBackup;
        let id = self.snapshot()?.id;
        let left = self.register_attempts_left()?;
        let Some((data, password)) = self.operator.backup().await else {
            return Err(paused(
                step,
                "waiting for the On-Premise backup and its password".to_string(),
            )
            .into());
        };
        let Some(pin) = self.operator.pin().await else {
            return Err(paused(step, "waiting for the two-step PIN".to_string()).into());
        };
        let label = format!("POST /{id}/register (with backup)");
        let waba = self.state.source_waba_id.clone();
        self.confirm_write(step, Weight::TypedYes, &label, waba, register_cost(left))
            .await?;
        let graph = self.graph;
        self.call(
            step,
            &label,
            graph.register_with_backup(&id, &pin, &data, &password),
            |_| ("registered on the Cloud API".to_string(), None),
        )
        .await?;
        self.done(
            step,
            "registered with the backup; this is the cut-over",
            None,
        )
    }

    pub(super) async fn verify_platform(&mut self) -> Step {
        let step = StepId::VerifyPlatform;
        let id = self.snapshot()?.id;
        let started = std::time::Instant::now();
        loop {
            let now = self.read_number(step, &id).await?;
            match (&now.platform_type, &now.status) {
                (Some(PlatformType::CloudApi), Some(NumberStatus::Connected)) => {
                    return self.done(step, "platform_type = CLOUD_API, status = CONNECTED", None);
                }
                (platform, status) => self.say(Line::info(format!(
                    "platform_type = {}, status = {}: the switch has not shown yet; checking again in {} s.",
                    shown(platform),
                    shown(status),
                    self.settings.watch_interval.as_secs()
                ))),
            }
            self.next_watch_round(
                step,
                started,
                "the switch to the Cloud API has not shown yet",
            )
            .await?;
        }
    }
}
