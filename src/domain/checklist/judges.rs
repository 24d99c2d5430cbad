//! The verdict of each rule, judged from the evidence read (split from the checklist so
//! that the rule list and its contract read in one file and the judging in another).
//! Every sentence here is evidence plus a fix, as the operator reads it.

use super::*;

pub(super) fn judge(rule: RuleId, input: &CheckInput) -> Verdict {
    match rule {
        RuleId::RegisteredOnApi => registered_on_api(input),
        RuleId::NotTestNumber => with_number(input, |n| match &n.account_mode {
            Some(AccountMode::Sandbox) => fail(
                "account_mode = SANDBOX",
                "Test numbers issued by WhatsApp cannot be migrated: use a real number.",
            ),
            Some(mode) => pass(format!("account_mode = {mode}")),
            None => unknown(
                "account_mode not reported",
                "Re-check; if Meta never reports it, confirm in WhatsApp Manager that this is not a test number.",
            ),
        }),
        RuleId::NotCoexistence => with_number(input, |n| match n.is_on_biz_app {
            Some(true) => fail(
                "is_on_biz_app = true",
                "Coexistence numbers (Business App + API) cannot be migrated: offboard the Business App first, or keep the number where it is.",
            ),
            Some(false) => pass("is_on_biz_app = false"),
            None => unknown(
                "is_on_biz_app not reported",
                "Re-check; confirm in WhatsApp Manager that the number is not also on the WhatsApp Business App.",
            ),
        }),
        RuleId::DisplayNameApproved => with_number(input, |n| match &n.name_status {
            // Meta's error table: "The business phone number must have an approved
            // display name" (https://developers.facebook.com/docs/whatsapp/business-management-api/error-codes);
            // AVAILABLE_WITHOUT_REVIEW is not an approval.
            Some(NameStatus::Approved) => pass(field("name_status", &n.name_status)),
            Some(_) => fail(
                field("name_status", &n.name_status),
                "Wait for the display name review to finish (or resubmit a compliant name in WhatsApp Manager); Meta refuses the migration until the name is APPROVED.",
            ),
            None => unknown(
                "name_status not reported",
                "Re-check; see the display name status in WhatsApp Manager.",
            ),
        }),
        RuleId::NoPendingNameChange => with_number(input, |n| match &n.new_name_status {
            None if !n.was_read("new_name_status") => unknown(
                "new_name_status not read (this Graph version lacks the field)",
                "See in WhatsApp Manager whether a display name change is under review.",
            ),
            Some(NameStatus::PendingReview) => fail(
                "new_name_status = PENDING_REVIEW",
                "A display name change is under review: wait for it to be decided (or withdraw it) before migrating.",
            ),
            Some(other) => pass(format!("new_name_status = {other}")),
            None => pass("no name change requested"),
        }),
        RuleId::TwoStepDisabled => with_number(input, |n| match n.is_pin_enabled {
            Some(false) => pass("is_pin_enabled = false"),
            Some(true) => fail(
                "is_pin_enabled = true",
                "Ask the source WABA owner to turn two-step verification off in WhatsApp Manager (there is no API for it), then re-check.",
            ),
            None => unknown(
                "is_pin_enabled not reported",
                "Re-check; ask the source owner to confirm two-step verification is off.",
            ),
        }),
        RuleId::NumberConnected => with_number(input, number_connected),
        RuleId::SourceWabaApproved => waba_approved(
            input.source,
            "source",
            "Have the source WABA reviewed and approved (Business Settings → WhatsApp accounts) before migrating.",
        ),
        RuleId::SourceBusinessVerified => business_verified(input.source, "source"),
        RuleId::DestinationWabaApproved => waba_approved(
            input.destination,
            "destination",
            "Choose an approved destination WABA, or wait for its review.",
        ),
        RuleId::DestinationBusinessVerified => business_verified(input.destination, "destination"),
        RuleId::DestinationPaymentMethod => match input.destination {
            None => unknown("destination not read", "Choose a destination WABA."),
            Some(d) if d.has_payment_method() => pass("primary_funding_id present"),
            Some(d) if !d.was_read("primary_funding_id") => unknown(
                "primary_funding_id not read (this Graph version lacks the field)",
                "Check the destination WABA's payment method in WhatsApp Manager.",
            ),
            Some(_) => fail(
                "primary_funding_id absent",
                "Add a payment method to the destination WABA in WhatsApp Manager; Meta refuses migrations into a WABA without one.",
            ),
        },
        RuleId::DestinationWebhooks => destination_webhooks(input),
        RuleId::SameBusiness => same_business(input),
        RuleId::NotInDestination => not_in_destination(input),
        RuleId::TemplateCapacity => template_capacity(input),
        RuleId::RegisterBudget => register_budget(input.register_attempts_used),
        RuleId::OnPremiseNumber => with_number(input, |n| match &n.platform_type {
            Some(PlatformType::OnPremise) => pass("platform_type = ON_PREMISE"),
            Some(_) => fail(
                field("platform_type", &n.platform_type),
                "Only On-Premise numbers change hosting type; this number is already elsewhere.",
            ),
            None => unknown(
                "platform_type not reported",
                "Re-check the number's platform.",
            ),
        }),
    }
}

pub(super) type Verdict = (CheckStatus, String, String);

fn pass(evidence: impl Into<String>) -> Verdict {
    (CheckStatus::Pass, evidence.into(), String::new())
}
pub(super) fn fail(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
    (CheckStatus::Fail, evidence.into(), fix.into())
}
fn warn(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
    (CheckStatus::Warn, evidence.into(), fix.into())
}
pub(super) fn unknown(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
    (CheckStatus::Unknown, evidence.into(), fix.into())
}

fn field<T: std::fmt::Display>(name: &str, value: &Option<T>) -> String {
    match value {
        Some(v) => format!("{name} = {v}"),
        None => format!("{name} not reported"),
    }
}

fn with_number(input: &CheckInput, rule: impl Fn(&PhoneNumber) -> Verdict) -> Verdict {
    match input.number {
        Some(n) => rule(n),
        None if !input.number_found => fail(
            "number not found in the source WABA searched",
            "This number is not registered on the API (only on a WhatsApp app): onboard it with Embedded Signup instead of migrating.",
        ),
        None => unknown("number not read yet", "Select a number, or re-check."),
    }
}

fn registered_on_api(input: &CheckInput) -> Verdict {
    with_number(input, |n| match &n.status {
        Some(NumberStatus::Pending | NumberStatus::Unverified | NumberStatus::Deleted) => fail(
            field("status", &n.status),
            "The number is not registered on the API: finish its registration (or onboard it) before migrating.",
        ),
        Some(_) => pass(field("status", &n.status)),
        None => match &n.code_verification_status {
            Some(v) => pass(format!(
                "status not reported; code_verification_status = {v}"
            )),
            None => unknown("status not reported", "Re-check the number's status."),
        },
    })
}

fn number_connected(n: &PhoneNumber) -> Verdict {
    let evidence = field("status", &n.status);
    match &n.status {
        Some(NumberStatus::Connected) => pass(evidence),
        Some(NumberStatus::Banned) => fail(
            evidence,
            "A banned number cannot be migrated: resolve the ban with Meta (WhatsApp Manager, request a review) first.",
        ),
        Some(NumberStatus::Deleted) => fail(
            evidence,
            "A deleted number cannot be migrated: register it again before moving it.",
        ),
        // A MIGRATED number already left this WABA: there is nothing to resolve here.
        Some(NumberStatus::Migrated) => fail(
            evidence,
            "This number already moved to another WABA: choose the WABA it is in now as the source (the fleet board, f, shows where it is).",
        ),
        Some(NumberStatus::Flagged | NumberStatus::Restricted | NumberStatus::RateLimited) => warn(
            evidence,
            "The number keeps its quality state when it moves: consider fixing its quality first, or accept the risk.",
        ),
        Some(NumberStatus::Unknown(_)) => warn(
            format!("{evidence} (a value wamigrate does not know)"),
            "Check the number in WhatsApp Manager before migrating.",
        ),
        Some(_) => warn(
            evidence,
            "The number is not connected: check it in WhatsApp Manager; it may need re-registration after the move.",
        ),
        None => unknown("status not reported", "Re-check the number's status."),
    }
}

fn waba_approved(waba: Option<&Waba>, side: &str, fix: &str) -> Verdict {
    let Some(waba) = waba else {
        return unknown(
            format!("{side} WABA not read"),
            format!("Choose the {side} WABA, or re-check."),
        );
    };
    match &waba.account_review_status {
        Some(AccountReviewStatus::Approved) => pass("account_review_status = APPROVED"),
        Some(_) => fail(
            field("account_review_status", &waba.account_review_status),
            fix,
        ),
        None => unknown(
            "account_review_status not reported",
            "Check the WABA's review status in Business Settings.",
        ),
    }
}

fn business_verified(waba: Option<&Waba>, side: &str) -> Verdict {
    let Some(waba) = waba else {
        return unknown(
            format!("{side} WABA not read"),
            format!("Choose the {side} WABA, or re-check."),
        );
    };
    // Both businesses must have completed Business Verification (api-notes.md §1, Meta's
    // programmatic migration page; 360dialog: "Your Meta Business Manager must be fully
    // verified", https://docs.360dialog.com/docs/360-client-hub/number-porting/on-premise-migrate-to-360dialog):
    // a requirement, not a risk.
    match &waba.business_verification_status {
        Some(BusinessVerificationStatus::Verified) => {
            pass("business_verification_status = verified")
        }
        Some(_) => fail(
            field(
                "business_verification_status",
                &waba.business_verification_status,
            ),
            format!(
                "Meta requires Business Verification on both sides of a migration: have the {side} business complete it in Security Center (Business Settings), then re-check."
            ),
        ),
        None => unknown(
            "business_verification_status not reported",
            "Check business verification in Security Center.",
        ),
    }
}

fn destination_webhooks(input: &CheckInput) -> Verdict {
    if let Some(PlatformType::OnPremise) = input.number.and_then(|n| n.platform_type.as_ref()) {
        return pass("platform_type = ON_PREMISE (no webhook subscription needed)");
    }
    // Only a Cloud API number needs the subscription: when the number could not be read,
    // an empty list is not evidence of a blocker.
    if let (Some([]), None, Some(source)) = (
        input.destination_apps,
        input.number,
        input.source_not_readable,
    ) {
        return unknown_unreadable(RuleId::DestinationWebhooks, source);
    }
    match input.destination_apps {
        None => unknown(
            "subscribed_apps not read",
            "Choose a destination WABA, or re-check.",
        ),
        Some([]) => fail(
            "subscribed_apps = [] on the destination",
            "Subscribe an app to the destination WABA's webhooks (POST /{waba_id}/subscribed_apps); Cloud API migrations fail without one (2388103).",
        ),
        Some(apps) => pass(format!(
            "subscribed_apps = {}",
            apps.iter()
                .map(SubscribedApp::label)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn same_business(input: &CheckInput) -> Verdict {
    let (Some(source), Some(dest)) = (input.source, input.destination) else {
        return unknown(
            "source or destination WABA not read",
            "Choose both WABAs, or re-check.",
        );
    };
    match (source.client_business_id(), dest.client_business_id()) {
        (Some(s), Some(d)) if s == d => pass(format!("client business {s} on both sides")),
        // "The source and destination WABAs must represent the same business" (2388103,
        // https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
        // a WABA owned by another Business Manager qualifies only when it messages on
        // behalf of the number's business.
        (Some(s), Some(d)) => fail(
            format!("source client business {s} ≠ destination client business {d}"),
            "Meta migrates a number only between WABAs that represent the same business (2388103 \"This phone number belongs to a different Business Manager account\"): choose a destination that messages on behalf of the number's business.",
        ),
        _ => unknown(
            "owner_business_info / on_behalf_of_business_info not reported",
            "Check both WABAs' owner in Business Settings.",
        ),
    }
}

fn not_in_destination(input: &CheckInput) -> Verdict {
    let Some(numbers) = input.destination_numbers else {
        return unknown(
            "destination numbers not read",
            "Choose a destination WABA, or re-check.",
        );
    };
    let digits = input
        .number
        .and_then(PhoneNumber::e164_digits)
        .or_else(|| input.requested_digits.map(str::to_string));
    let Some(digits) = digits else {
        return match input.source_not_readable {
            Some(source) => unknown_unreadable(RuleId::NotInDestination, source),
            None => unknown("number not read yet", "Select a number."),
        };
    };
    match numbers
        .iter()
        .find(|n| n.e164_digits().as_deref() == Some(digits.as_str()))
    {
        Some(found) => fail(
            format!(
                "{} is already in the destination as {}",
                found.label(),
                found.id
            ),
            "The number is already in the destination WABA (2388012): nothing to migrate; pick another destination.",
        ),
        None => pass(format!("not among {} destination numbers", numbers.len())),
    }
}

fn template_capacity(input: &CheckInput) -> Verdict {
    let (Some(source), Some(dest)) = (input.source_templates, input.destination_templates) else {
        return unknown(
            "templates not read",
            "Re-check once both WABAs' templates are read.",
        );
    };
    let carried =
        crate::domain::eligibility::predict(source, dest, crate::domain::eligibility::Mode::Number);
    let summary = carried.summary();
    let limit = match dest.limit {
        Some(limit) => limit,
        None => {
            return unknown(
                "destination message_template_limit not reported",
                "The destination's template limit is unknown: check it in WhatsApp Manager.",
            );
        }
    };
    let count = dest.count.unwrap_or(dest.templates.len() as u64);
    let evidence = format!(
        "dest {count}/{limit}, room {}, eligible {}",
        limit.saturating_sub(count),
        summary.migrate + summary.over_limit
    );
    if summary.over_limit > 0 {
        warn(
            format!("{evidence} → {} over limit", summary.over_limit),
            "Templates past the destination's limit are not copied: delete unused templates in the destination, or accept and recreate them later.",
        )
    } else {
        pass(evidence)
    }
}

/// Meta counts register calls per number, 10 in a moving 72-hour window (the 11th
/// answers 133016: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/registration),
/// but reports the count nowhere: attempts made elsewhere (another BSP, a script) are
/// invisible, so without our own history the budget is unknown.
pub(super) fn register_budget(used: Option<u32>) -> Verdict {
    let Some(used) = used else {
        return unknown(
            "no register call journaled here in the last 72 h; attempts made elsewhere are invisible (Meta does not report them)",
            format!(
                "Ask whoever registered the number recently (its current BSP or owner) to confirm that {}.",
                RuleId::RegisterBudget.claim()
            ),
        );
    };
    let left = REGISTER_BUDGET.saturating_sub(used);
    let evidence = format!(
        "{left} of {REGISTER_BUDGET} left in the 72 h window (calls journaled here; others are invisible)"
    );
    match left {
        0 => fail(
            evidence,
            "Registration is blocked for this number until the 72-hour window frees a slot (133016): wait, do not retry.",
        ),
        1..=2 => warn(
            evidence,
            "Few register attempts are left: make sure the PIN and verification are right before registering.",
        ),
        _ => pass(evidence),
    }
}
