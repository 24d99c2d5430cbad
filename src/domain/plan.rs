//! The plan of a migration: the steps of a scenario as data, shown in full before
//! anything runs, journaled as they run.

use serde::Serialize;

use crate::domain::scenario::Scenario;

/// How a step is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// wamigrate does it through an API.
    Automatic,
    /// Someone else does it; wamigrate verifies it where an API can tell.
    ManualVerified,
    /// wamigrate watches the state until it changes.
    Watch,
}

/// The steps wamigrate knows. The id is what the journal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Preflight,
    TwoStepOff,
    AddNumber,
    RequestCode,
    VerifyCode,
    Register,
    Templates,
    PostChecks,
    SwitchApps,
    InvoicesCleared,
    Handover,
    WatchMigratedAway,
    CancelSubscription,
    FindChangeRequest,
    ApproveChangeRequest,
    WatchChangeRequest,
    RefreshFleet,
    ExplainDowntime,
    RegisterWithBackup,
    VerifyPlatform,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: StepId,
    pub kind: StepKind,
    pub title: &'static str,
    /// Who acts: `wamigrate`, `source owner`, `other BSP`, `client (Hub)`, ...
    pub actor: &'static str,
    /// What happens and why, before it runs.
    pub explanation: &'static str,
    /// The remote call, for automatic steps (`POST /{dest_waba_id}/phone_numbers`).
    pub call: Option<&'static str>,
    /// How wamigrate verifies a manual step.
    pub verification: Option<&'static str>,
    /// Whether sending the call twice would do harm or waste a scarce attempt: such a
    /// call is journaled before and after, and never repeated without the operator
    /// seeing why.
    pub non_idempotent: bool,
}

const fn step(
    id: StepId,
    kind: StepKind,
    title: &'static str,
    actor: &'static str,
    explanation: &'static str,
) -> Step {
    Step {
        id,
        kind,
        title,
        actor,
        explanation,
        call: None,
        verification: None,
        non_idempotent: false,
    }
}

const PREFLIGHT: Step = step(
    StepId::Preflight,
    StepKind::Automatic,
    "Preflight checklist",
    "wamigrate",
    "Reads the number and both WABAs and judges every limitation. Hard blockers stop the plan; warnings need a typed confirmation. A snapshot of the number is kept to compare after the move.",
);

const TWO_STEP_OFF: Step = Step {
    verification: Some("reads is_pin_enabled on the number until it is false"),
    ..step(
        StepId::TwoStepOff,
        StepKind::ManualVerified,
        "Two-step verification off at the source",
        "source owner",
        "There is no API to turn two-step verification off: the owner of the source WABA does it in WhatsApp Manager (Phone numbers → Settings → Two-step verification → Turn off), or follows the link Meta emails. A wrong PIN three times locks registration.",
    )
};

const ADD_NUMBER: Step = Step {
    call: Some("POST /{dest_waba_id}/phone_numbers (migrate_phone_number=true)"),
    non_idempotent: true,
    ..step(
        StepId::AddNumber,
        StepKind::Automatic,
        "Add the number to the destination",
        "wamigrate",
        "Starts the migration on the destination side; Meta answers with the new phone number id and refuses (2388xxx) when a precondition is not met.",
    )
};

const REQUEST_CODE: Step = Step {
    call: Some("POST /{phone_number_id}/request_code"),
    non_idempotent: true,
    ..step(
        StepId::RequestCode,
        StepKind::Automatic,
        "Request the verification code",
        "wamigrate",
        "Meta sends a 6-digit code by SMS or voice call to the number; it may take minutes. Resending has a cooldown.",
    )
};

const VERIFY_CODE: Step = Step {
    call: Some("POST /{phone_number_id}/verify_code"),
    non_idempotent: true,
    ..step(
        StepId::VerifyCode,
        StepKind::Automatic,
        "Verify the code",
        "number owner, then wamigrate",
        "The person holding the phone reads the code; wamigrate sends it. A verified number stays verified for 14 days.",
    )
};

const REGISTER: Step = Step {
    call: Some("POST /{phone_number_id}/register"),
    non_idempotent: true,
    ..step(
        StepId::Register,
        StepKind::Automatic,
        "Register with a new PIN",
        "wamigrate",
        "Registers the number in the destination and sets its new two-step PIN (6 digits, entered twice, never stored). Meta allows 10 register calls per number in 72 hours; the 11th blocks registration for 72 hours.",
    )
};

const TEMPLATES: Step = Step {
    call: Some("POST /{dest_waba_id}/migrate_message_templates"),
    non_idempotent: true,
    ..step(
        StepId::Templates,
        StepKind::Automatic,
        "Templates",
        "wamigrate",
        "Shows what Meta duplicated during the move (APPROVED and GREEN, up to the limit), offers to copy what is missing with the template migration endpoint, and lists copies the re-check rejected.",
    )
};

const POST_CHECKS: Step = step(
    StepId::PostChecks,
    StepKind::Automatic,
    "Post-checks",
    "wamigrate",
    "Reads the number in the destination: status CONNECTED, and display name, quality rating and messaging limit unchanged against the preflight snapshot; webhooks subscribed.",
);

const SWITCH_APPS: Step = Step {
    verification: Some("the operator confirms"),
    ..step(
        StepId::SwitchApps,
        StepKind::ManualVerified,
        "Switch apps to the new ids",
        "business / integrator",
        "Every app, webhook handler and CRM that used the old phone number id or WABA id must switch to the new ones; messages sent with the old id fail.",
    )
};

/// The plan of a scenario, in order.
pub fn plan(scenario: Scenario) -> Vec<Step> {
    match scenario {
        Scenario::FromOtherBsp | Scenario::ToNewWaba | Scenario::BetweenBusinessManagers => vec![
            PREFLIGHT,
            TWO_STEP_OFF,
            ADD_NUMBER,
            REQUEST_CODE,
            VERIFY_CODE,
            REGISTER,
            TEMPLATES,
            POST_CHECKS,
            SWITCH_APPS,
        ],
        Scenario::ToOtherBsp => vec![
            PREFLIGHT,
            Step {
                verification: Some("the operator confirms; the 360dialog Hub shows the balance"),
                ..step(
                    StepId::InvoicesCleared,
                    StepKind::ManualVerified,
                    "Invoices cleared",
                    "us (billing)",
                    "The old partner pays for messages delivered before completion; open invoices must be settled before the other BSP can start.",
                )
            },
            TWO_STEP_OFF,
            Step {
                verification: Some("the operator confirms the hand-over"),
                ..step(
                    StepId::Handover,
                    StepKind::ManualVerified,
                    "Hand over to the new BSP",
                    "us",
                    "Give the new BSP the number, the WABA id and the business id; they add the number with migrate_phone_number=true on their side.",
                )
            },
            Step {
                verification: Some(
                    "reads the number's status until it is MIGRATED or the number leaves the WABA",
                ),
                ..step(
                    StepId::WatchMigratedAway,
                    StepKind::Watch,
                    "Watch until migrated away",
                    "other BSP",
                    "The other BSP verifies and registers the number; wamigrate watches the source until the number shows as migrated away.",
                )
            },
            Step {
                verification: Some("explicit confirmation of the operator"),
                non_idempotent: true,
                ..step(
                    StepId::CancelSubscription,
                    StepKind::ManualVerified,
                    "Cancel the subscription",
                    "us",
                    "Only after the number has left: cancel the number's subscription with the old provider (Hub → channel → cancel). Doing it earlier takes the number offline.",
                )
            },
        ],
        Scenario::ClientPartnerChange | Scenario::WabaPartnerChange => vec![
            step(
                StepId::FindChangeRequest,
                StepKind::Automatic,
                "Find the partner change request",
                "wamigrate",
                "Lists incoming selective partner change requests in the 360dialog Hub and shows the client, WABA and channels concerned. The client creates the request in the Hub.",
            ),
            Step {
                call: Some(
                    "POST /partners/{partner_id}/selective_partner_change_requests/{id}/approve",
                ),
                non_idempotent: true,
                ..step(
                    StepId::ApproveChangeRequest,
                    StepKind::Automatic,
                    "Approve the request",
                    "wamigrate",
                    "Approval starts the Hub's background move of the client's channels to this partner; it cannot be undone from here.",
                )
            },
            Step {
                verification: Some("reads the request until its status is completed or failed"),
                ..step(
                    StepId::WatchChangeRequest,
                    StepKind::Watch,
                    "Watch the request",
                    "360dialog Hub",
                    "The Hub moves the channels in the background; wamigrate reads the request until it completes or fails.",
                )
            },
            step(
                StepId::RefreshFleet,
                StepKind::Automatic,
                "Refresh the fleet",
                "wamigrate",
                "Re-reads the channels so the fleet board shows where every number now stands.",
            ),
        ],
        Scenario::HostingTypeChange => vec![
            PREFLIGHT,
            Step {
                verification: Some("the operator confirms the downtime window"),
                ..step(
                    StepId::ExplainDowntime,
                    StepKind::ManualVerified,
                    "Plan the downtime",
                    "us and the business",
                    "Messages are not delivered while the number switches from the On-Premise client to the Cloud API; pick a quiet window and stop the On-Premise client's sending.",
                )
            },
            Step {
                call: Some("POST /{phone_number_id}/register (with backup)"),
                non_idempotent: true,
                ..step(
                    StepId::RegisterWithBackup,
                    StepKind::Automatic,
                    "Register on the Cloud API with the backup",
                    "wamigrate",
                    "Registers the number on the Cloud API with the On-Premise backup data and its password, which the operator supplies; counts toward the 10 register calls per 72 hours.",
                )
            },
            step(
                StepId::VerifyPlatform,
                StepKind::Automatic,
                "Verify the platform",
                "wamigrate",
                "Reads the number until platform_type is CLOUD_API and status CONNECTED.",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_migrations_journal_every_non_idempotent_call_in_order() {
        let steps = plan(Scenario::ToNewWaba);
        let ids: Vec<StepId> = steps.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            vec![
                StepId::Preflight,
                StepId::TwoStepOff,
                StepId::AddNumber,
                StepId::RequestCode,
                StepId::VerifyCode,
                StepId::Register,
                StepId::Templates,
                StepId::PostChecks,
                StepId::SwitchApps
            ]
        );
        let non_idempotent: Vec<StepId> = steps
            .iter()
            .filter(|s| s.non_idempotent)
            .map(|s| s.id)
            .collect();
        assert_eq!(
            non_idempotent,
            vec![
                StepId::AddNumber,
                StepId::RequestCode,
                StepId::VerifyCode,
                StepId::Register,
                StepId::Templates
            ]
        );
    }

    #[test]
    fn configuration_changes_have_no_code_step_and_every_scenario_has_a_plan() {
        for &scenario in Scenario::ALL {
            let steps = plan(scenario);
            assert!(!steps.is_empty());
            let has_code = steps.iter().any(|s| s.id == StepId::VerifyCode);
            assert_eq!(has_code, scenario.uses_graph_migration(), "{scenario}");
            for s in &steps {
                assert!(
                    s.kind != StepKind::Automatic || s.call.is_some() || !s.non_idempotent,
                    "{scenario}: {:?}",
                    s.id
                );
                assert!(
                    s.kind == StepKind::Automatic || s.verification.is_some(),
                    "{scenario}: {:?} says how it is verified",
                    s.id
                );
            }
        }
    }
}
