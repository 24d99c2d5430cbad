//! STAND-IN for the lead's checklist rules module (same API); deleted when main's
//! version is merged. Rule logic here is deliberately minimal.

use crate::domain::number::{AccountMode, NameStatus, PhoneNumber};
use crate::domain::template::TemplateInventory;
use crate::domain::waba::{AccountReviewStatus, SubscribedApp, Waba};

/// Outcome of one rule; `Unknown` while the data it needs is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Pass,
    Fail,
    Warn,
    Unknown,
}

/// One checklist rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleId {
    NumberFound,
    NotTestNumber,
    DisplayNameApproved,
    TwoStepVerificationOff,
    DestinationApproved,
    DestinationPayment,
    DestinationWebhooks,
    TemplateCapacity,
}

impl RuleId {
    /// Stable id.
    pub fn id(&self) -> &'static str {
        match self {
            RuleId::NumberFound => "number_found",
            RuleId::NotTestNumber => "not_test_number",
            RuleId::DisplayNameApproved => "display_name_approved",
            RuleId::TwoStepVerificationOff => "two_step_verification_off",
            RuleId::DestinationApproved => "destination_approved",
            RuleId::DestinationPayment => "destination_payment_method",
            RuleId::DestinationWebhooks => "destination_webhooks",
            RuleId::TemplateCapacity => "template_capacity",
        }
    }

    /// Title for people.
    pub fn title(&self) -> &'static str {
        match self {
            RuleId::NumberFound => "Number exists",
            RuleId::NotTestNumber => "Not a test number",
            RuleId::DisplayNameApproved => "Display name approved",
            RuleId::TwoStepVerificationOff => "Two-step verification off",
            RuleId::DestinationApproved => "Destination WABA approved",
            RuleId::DestinationPayment => "Destination has a payment method",
            RuleId::DestinationWebhooks => "Destination webhooks subscribed",
            RuleId::TemplateCapacity => "Template capacity at destination",
        }
    }
}

/// One evaluated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub rule: RuleId,
    pub status: CheckStatus,
    pub evidence: String,
    pub fix: String,
}

/// Everything the rules look at; `None` = not loaded (yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckInput<'a> {
    pub number: Option<&'a PhoneNumber>,
    pub number_found: bool,
    pub source: Option<&'a Waba>,
    pub destination: Option<&'a Waba>,
    pub destination_apps: Option<&'a [SubscribedApp]>,
    pub destination_numbers: Option<&'a [PhoneNumber]>,
    pub source_templates: Option<&'a TemplateInventory>,
    pub destination_templates: Option<&'a TemplateInventory>,
    pub register_attempts_used: Option<u32>,
}

fn result(rule: RuleId, status: Option<bool>, evidence: String, fix: &str) -> CheckResult {
    let status = match status {
        Some(true) => CheckStatus::Pass,
        Some(false) => CheckStatus::Fail,
        None => CheckStatus::Unknown,
    };
    CheckResult {
        rule,
        status,
        evidence,
        fix: fix.to_string(),
    }
}

/// One result per rule, in display order.
pub fn evaluate(input: &CheckInput) -> Vec<CheckResult> {
    let n = input.number;
    let d = input.destination;
    vec![
        result(
            RuleId::NumberFound,
            n.map(|_| input.number_found),
            "number read".into(),
            "choose a number that exists",
        ),
        result(
            RuleId::NotTestNumber,
            n.and_then(|n| n.account_mode.as_ref())
                .map(|m| m != &AccountMode::Sandbox),
            format!(
                "account_mode {}",
                n.and_then(|n| n.account_mode.as_ref())
                    .map_or("-", |m| m.as_str())
            ),
            "test numbers cannot be migrated",
        ),
        result(
            RuleId::DisplayNameApproved,
            n.and_then(|n| n.name_status.as_ref())
                .map(|s| s == &NameStatus::Approved),
            format!(
                "name_status {}",
                n.and_then(|n| n.name_status.as_ref())
                    .map_or("-", |s| s.as_str())
            ),
            "wait for the display name review",
        ),
        result(
            RuleId::TwoStepVerificationOff,
            n.and_then(|n| n.is_pin_enabled).map(|on| !on),
            format!(
                "is_pin_enabled {}",
                n.and_then(|n| n.is_pin_enabled)
                    .map_or("-".into(), |b| b.to_string())
            ),
            "turn 2FA off in WhatsApp Manager",
        ),
        result(
            RuleId::DestinationApproved,
            d.and_then(|d| d.account_review_status.as_ref())
                .map(|s| s == &AccountReviewStatus::Approved),
            "account_review_status".into(),
            "wait for the WABA review",
        ),
        result(
            RuleId::DestinationPayment,
            d.map(Waba::has_payment_method),
            "primary_funding_id".into(),
            "add a payment method",
        ),
        result(
            RuleId::DestinationWebhooks,
            input.destination_apps.map(|a| !a.is_empty()),
            format!(
                "{} subscribed apps",
                input.destination_apps.map_or(0, <[SubscribedApp]>::len)
            ),
            "subscribe an app",
        ),
        result(
            RuleId::TemplateCapacity,
            input
                .destination_templates
                .and_then(TemplateInventory::room)
                .map(|room| room > 0),
            "template room".into(),
            "delete unused templates",
        ),
    ]
}
