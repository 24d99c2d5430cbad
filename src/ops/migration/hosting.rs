//! The hosting type change, On-Premise API to Cloud API: the downtime window, the
//! register call with the On-Premise backup, and the platform read that proves it.

use crate::domain::checklist::REGISTER_BUDGET;
use crate::domain::number::{NumberStatus, PlatformType};
use crate::domain::plan::StepId;

use super::{Line, Migration, Operator, Question, Step, paused, shown};

impl<O: Operator> Migration<'_, O> {
    pub(super) async fn explain_downtime(&mut self) -> Step {
        self.say(Line::info("Messages are not delivered while the number switches from the On-Premise client to the Cloud API (usually minutes). Stop the On-Premise client's sending and pick a quiet window."));
        self.manual(
            StepId::ExplainDowntime,
            Question::yes_no("Is the downtime window agreed and the On-Premise client stopped?"),
        )
        .await
    }

    pub(super) async fn register_with_backup(&mut self) -> Step {
        let step = StepId::RegisterWithBackup;
        let id = self.snapshot()?.id;
        let left = self.register_attempts_left()?;
        self.say(Line::info(format!("Register attempts left for this number: {left} of {REGISTER_BUDGET} in the 72-hour window.")));
        if left == 0 {
            return Err(paused(
                step,
                "no register attempt is left in the 72-hour window (133016)".to_string(),
            ));
        }
        let Some((data, password)) = self.operator.backup().await else {
            return Err(paused(
                step,
                "waiting for the On-Premise backup and its password".to_string(),
            ));
        };
        let Some(pin) = self.operator.pin().await else {
            return Err(paused(step, "waiting for the two-step PIN".to_string()));
        };
        self.confirm_or_pause(
            step,
            Question::yes_no("Register the number on the Cloud API with this backup now?"),
            "the operator did not confirm the register call",
        )
        .await?;
        let graph = self.graph;
        self.call(
            step,
            &format!("POST /{id}/register (with backup)"),
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
        let now = self.read_number(step, &id).await?;
        match (&now.platform_type, &now.status) {
            (Some(PlatformType::CloudApi), Some(NumberStatus::Connected)) => {
                self.done(step, "platform_type = CLOUD_API, status = CONNECTED", None)
            }
            (platform, status) => Err(paused(
                step,
                format!(
                    "platform_type = {}, status = {}: the switch has not shown yet; resume to check again",
                    shown(platform),
                    shown(status)
                ),
            )),
        }
    }
}
