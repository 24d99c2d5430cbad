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
    MessagingForAccepted,
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
    RefundUnusedFunds,
    FindChangeRequest,
    ApproveChangeRequest,
    WatchChangeRequest,
    RefreshFleet,
    PartnerPermission,
    NewApiKey,
    ResetWebhook,
    ExplainDowntime,
    HubHostingChange,
    RegisterWithBackup,
    VerifyPlatform,
}

/// How a scenario is carried out where the docs describe more than one way. The
/// variant is chosen when a migration starts and its plan is journaled, so a resume
/// follows the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanVariant {
    /// The documented way for a 360dialog partner (for a hosting type change: the
    /// 360dialog Hub step and its follow-ups).
    #[default]
    Standard,
    /// A hosting type change by an owner who holds the On-Premise backup: registered on
    /// the Cloud API through Graph with the backup.
    OwnerBackup,
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

// The programmatic migration, as Meta describes it: "Phone migration is always
// initiated by the Solution Partner or business that owns the destination WABA"; all
// calls go to the destination; "If you do not own the source WABA, the phone number
// owner must ask the source WABA owner to disable two-step verification"
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/support/migrating-phone-numbers-among-solution-partners-programmatically).

const MESSAGING_FOR_ACCEPTED: Step = Step {
    verification: Some(
        "the preflight reads the destination's on_behalf_of_business_info (same_business); the operator confirms the request was accepted",
    ),
    ..step(
        StepId::MessagingForAccepted,
        StepKind::ManualVerified,
        "\"Messaging For\" request accepted",
        "the number's business (an admin, in Meta Business Suite)",
        "The destination WABA belongs to another Business Manager and messages on behalf of the number's business. Its owner sent a \"Messaging For\" request; an admin of the number's business accepts it in Meta Business Suite. Until then Meta refuses the migration (2388103 \"Messaging For\" request must be approved).",
    )
};

const TWO_STEP_OFF: Step = Step {
    verification: Some("reads is_pin_enabled on the number until it is false"),
    ..step(
        StepId::TwoStepOff,
        StepKind::ManualVerified,
        "Two-step verification off at the source",
        "the source WABA's owner, asked by the number's owner",
        "There is no API to turn two-step verification off: the owner of the source WABA does it in WhatsApp Manager (Phone numbers → Settings → Two-step verification → Turn off), or follows the link Meta emails; when that owner is another BSP or business, the number's owner asks them. A wrong PIN three times locks registration.",
    )
};

const ADD_NUMBER: Step = Step {
    call: Some("POST /{dest_waba_id}/phone_numbers (migrate_phone_number=true)"),
    non_idempotent: true,
    ..step(
        StepId::AddNumber,
        StepKind::Automatic,
        "Add the number to the destination",
        "wamigrate, for the destination WABA's owner",
        "Starts the migration on the destination side (Meta: always initiated by whoever owns the destination WABA); Meta answers with the new phone number id and refuses (2388xxx) when a precondition is not met.",
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
        "Reads what Meta duplicated during the move (APPROVED and GREEN, up to the limit). Only where both WABAs are owned by the same business does it offer to copy what is missing with the template migration endpoint (Meta allows it only there); otherwise it reports what the destination holds. Lists copies the re-check rejected.",
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

// The move out of 360dialog, as its page lists it: clear invoices, disable 2FA, have
// the new BSP trigger the migration, cancel the subscription once the migration is
// complete, then request the refund of unused funds
// (https://docs.360dialog.com/docs/hub/migrations/migrate-to-alternate-bsp).

const INVOICES_CLEARED: Step = Step {
    verification: Some("the operator confirms; the 360dialog Hub shows the balance"),
    ..step(
        StepId::InvoicesCleared,
        StepKind::ManualVerified,
        "Invoices cleared",
        "the client, with us (billing)",
        "360dialog processes no migration request until every open invoice is settled; the old partner pays for messages delivered before completion.",
    )
};

const HANDOVER: Step = Step {
    verification: Some("the operator confirms the hand-over"),
    ..step(
        StepId::Handover,
        StepKind::ManualVerified,
        "Hand over to the new BSP",
        "the client and the new BSP",
        "The new BSP (or Meta) starts the migration from its side: give it the number, the WABA id and the business id; it adds the number with migrate_phone_number=true to its destination.",
    )
};

const WATCH_MIGRATED_AWAY: Step = Step {
    verification: Some(
        "reads the number's status until it is MIGRATED or the number leaves the WABA",
    ),
    ..step(
        StepId::WatchMigratedAway,
        StepKind::Watch,
        "Watch until migrated away",
        "the new BSP",
        "The new BSP verifies and registers the number; wamigrate watches the source until the number shows as migrated away.",
    )
};

// Only the client may cancel: "Only Clients may request cancellation of a number.
// Integration Partners may not cancel numbers on behalf of a client"
// (https://docs.360dialog.com/docs/360-client-hub/the-360-client-hub/cancellation), and
// "only the client (WABA account owner) can request account cancellation. Partners can
// assist clients through this process but should never go through it for them"
// (360dialog "Managing your clients",
// https://docs.360dialog.com/partner/~/changes/tKKxKoPU2ghkZCHDgiXZ/account-management).
// So the Partner API's channel cancellation request is not ours to send.
const CANCEL_SUBSCRIPTION: Step = Step {
    verification: Some(
        "the operator confirms, typed, that the client cancelled (wamigrate sends no call)",
    ),
    ..step(
        StepId::CancelSubscription,
        StepKind::ManualVerified,
        "The client cancels the subscription",
        "the client, in the 360dialog Client Hub",
        "Only once the number has left, the client cancels the number's subscription in the 360dialog Client Hub (the number → Danger Zone → Cancel subscription, typing CANCEL); until then it is billed. A partner may assist but may not cancel for the client, so wamigrate sends no cancellation request.",
    )
};

const REFUND_UNUSED_FUNDS: Step = Step {
    verification: Some("the operator confirms the refund was requested"),
    ..step(
        StepId::RefundUnusedFunds,
        StepKind::ManualVerified,
        "Refund of unused funds",
        "the client, in the 360dialog Hub",
        "After the cancellation the client requests the refund of the number's unused prepaid funds in the 360dialog Hub (Funds → Manage Funds → the number → Refund account funds).",
    )
};

// After a partner change the client grants the new partner permission, and API keys and
// webhooks are redone: "After the Partner Change is completed, you must grant
// permission to the new Partner to manage your account"
// (https://docs.360dialog.com/docs/insights/partner-change); a partner generates API keys
// only with that permission, and a new key revokes the others
// (https://docs.360dialog.com/partner/partner-hub/api-keys,
// https://docs.360dialog.com/docs/hub/api-key.md).

const PARTNER_PERMISSION: Step = Step {
    verification: Some(
        "the operator confirms: Partner Hub → the channel → Partner API Key Permission shows Shared",
    ),
    ..step(
        StepId::PartnerPermission,
        StepKind::ManualVerified,
        "Permission for the new partner",
        "the client, in the 360dialog Client Hub",
        "For channels the client pays directly, the client grants the new partner permission to manage them (Client Hub → profile → Partner, or the Integrated Onboarding permission screen); channels the partner pays are shared by default. Without it the partner cannot generate API keys.",
    )
};

const NEW_API_KEY: Step = Step {
    verification: Some("the operator confirms the new keys are issued and in use"),
    ..step(
        StepId::NewApiKey,
        StepKind::ManualVerified,
        "New API key",
        "us, when the systems are ready to switch",
        "Each channel needs a new API key (Partner Hub → the channel → Generate API key, or the Partner API's api_keys call). Generating one revokes every other key of the channel (at most one per 30 s): wamigrate never does it implicitly.",
    )
};

const RESET_WEBHOOK: Step = Step {
    verification: Some("the operator confirms the webhook is set with the new key"),
    ..step(
        StepId::ResetWebhook,
        StepKind::ManualVerified,
        "Set the webhook again",
        "us",
        "Set the webhook again with the new key: per channel (Hub → the number → WhatsApp Channel → Channel Webhook) or for every Cloud API number of the WABA (WABA Webhook); until then events go where the old setup sent them.",
    )
};

// The hosting type change at 360dialog: "The process is handled in the 360dialog Hub.
// No public endpoint is available"; it needs no OTP but a connected number
// (https://docs.360dialog.com/partner/waba-management/hosting-type-change-on-premise-api-to-cloud-api);
// afterwards old API keys do not work on the Cloud API and the webhook is set again
// (https://docs.360dialog.com/docs/waba-basics/waba-integration/onprem-to-cloudapi-migration).

const EXPLAIN_DOWNTIME: Step = Step {
    verification: Some("the operator confirms the downtime window"),
    ..step(
        StepId::ExplainDowntime,
        StepKind::ManualVerified,
        "Plan the downtime",
        "us and the business",
        "Messages are not delivered while the number switches from the On-Premise client to the Cloud API (usually minutes); pick a quiet window and stop the On-Premise client's sending.",
    )
};

const HUB_HOSTING_CHANGE: Step = Step {
    verification: Some("the operator confirms; the next step reads platform_type"),
    ..step(
        StepId::HubHostingChange,
        StepKind::ManualVerified,
        "Change the hosting type in the 360dialog Hub",
        "us, in the 360dialog Hub",
        "In the 360dialog Hub, switch the number's hosting type to Cloud API (the partner account must be enabled for Cloud API). No public endpoint exists, so wamigrate cannot do it; no verification code is needed, but the number must be connected or the change fails.",
    )
};

const REGISTER_WITH_BACKUP: Step = Step {
    call: Some("POST /{phone_number_id}/register (with backup)"),
    non_idempotent: true,
    ..step(
        StepId::RegisterWithBackup,
        StepKind::Automatic,
        "Register on the Cloud API with the backup",
        "wamigrate, for the owner who holds the backup",
        "Only for an owner who holds the On-Premise backup: registers the number on the Cloud API with the backup data and its password; counts toward the 10 register calls per 72 hours.",
    )
};

const VERIFY_PLATFORM: Step = Step {
    verification: Some("reads the number until platform_type is CLOUD_API and status CONNECTED"),
    ..step(
        StepId::VerifyPlatform,
        StepKind::Watch,
        "Verify the platform",
        "wamigrate",
        "Reads the number until platform_type is CLOUD_API and status CONNECTED.",
    )
};

/// The plan of a scenario, in order, the documented way for a 360dialog partner.
pub fn plan(scenario: Scenario) -> Vec<Step> {
    plan_for(scenario, PlanVariant::Standard)
}

/// The plan of a scenario carried out in `variant` (only a hosting type change has
/// another one), in order.
pub fn plan_for(scenario: Scenario, variant: PlanVariant) -> Vec<Step> {
    let migration = |before: &[Step]| {
        [PREFLIGHT]
            .iter()
            .chain(before)
            .chain(&[
                TWO_STEP_OFF,
                ADD_NUMBER,
                REQUEST_CODE,
                VERIFY_CODE,
                REGISTER,
                TEMPLATES,
                POST_CHECKS,
                SWITCH_APPS,
            ])
            .cloned()
            .collect()
    };
    match (scenario, variant) {
        (Scenario::FromOtherBsp | Scenario::ToNewWaba, _) => migration(&[]),
        (Scenario::BetweenBusinessManagers, _) => migration(&[MESSAGING_FOR_ACCEPTED]),
        (Scenario::ToOtherBsp, _) => vec![
            PREFLIGHT,
            INVOICES_CLEARED,
            TWO_STEP_OFF,
            HANDOVER,
            WATCH_MIGRATED_AWAY,
            CANCEL_SUBSCRIPTION,
            REFUND_UNUSED_FUNDS,
        ],
        (Scenario::ClientPartnerChange | Scenario::WabaPartnerChange, _) => vec![
            step(
                StepId::FindChangeRequest,
                StepKind::Automatic,
                "Find the partner change request",
                "wamigrate",
                "Lists incoming selective partner change requests in the 360dialog Hub and shows the client, WABA and channels concerned. The client creates the request in its Client Hub.",
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
                    "wamigrate, for us (the new partner)",
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
                    "The Hub moves the channels in the background; wamigrate reads the request until it completes, or ends the run as failed when the Hub fails it.",
                )
            },
            step(
                StepId::RefreshFleet,
                StepKind::Automatic,
                "Refresh the fleet",
                "wamigrate",
                "Re-reads the channels so the fleet board shows where every number now stands.",
            ),
            PARTNER_PERMISSION,
            NEW_API_KEY,
            RESET_WEBHOOK,
        ],
        (Scenario::HostingTypeChange, PlanVariant::Standard) => vec![
            PREFLIGHT,
            EXPLAIN_DOWNTIME,
            HUB_HOSTING_CHANGE,
            VERIFY_PLATFORM,
            NEW_API_KEY,
            RESET_WEBHOOK,
        ],
        (Scenario::HostingTypeChange, PlanVariant::OwnerBackup) => vec![
            PREFLIGHT,
            EXPLAIN_DOWNTIME,
            REGISTER_WITH_BACKUP,
            VERIFY_PLATFORM,
        ],
    }
}

/// The step with this id, as any plan has it (a step reads the same in every plan).
pub fn step_of(id: StepId) -> Option<Step> {
    Scenario::ALL
        .iter()
        .flat_map(|&s| {
            [PlanVariant::Standard, PlanVariant::OwnerBackup]
                .into_iter()
                .flat_map(move |v| plan_for(s, v))
        })
        .find(|s| s.id == id)
}

#[cfg(test)]
mod tests;
