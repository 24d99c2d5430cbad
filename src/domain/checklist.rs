//! The limitation checklist: every known reason a migration would be refused or would
//! damage a number, judged from data already read. Pure functions, so each rule is
//! tested without a terminal or a network.
//!
//! Rule ids are a contract (the `check` command's JSON uses them). Sources: Meta's
//! "Migrating phone numbers among solution partners" (prerequisites) and the error-code
//! page's "Phone migration errors" table (api-notes.md §1).
//!
//! A rule never passes on evidence that was not read: evidence the token could not read
//! on the source side makes the rule `unknown` with the sentence "not readable with this
//! token: <why>; ask <whom> to confirm" ([`NotReadable`]); on the destination side, which
//! we write to, it makes the rule fail.

use serde::{Deserialize, Serialize};

use crate::domain::number::{AccountMode, NameStatus, NumberStatus, PhoneNumber, PlatformType};
use crate::domain::readability::{
    DESTINATION_NOT_READABLE, DESTINATION_NOT_READABLE_FIX, NotReadable,
};
use crate::domain::scenario::Scenario;
use crate::domain::template::TemplateInventory;
use crate::domain::waba::{AccountReviewStatus, BusinessVerificationStatus, SubscribedApp, Waba};

/// Register calls Meta allows per number in a moving 72-hour window.
pub const REGISTER_BUDGET: u32 = 10;

/// The verdict of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Nothing to do.
    Pass,
    /// A hard blocker: the migration would be refused or would damage the number.
    Fail,
    /// A risk the operator must see but may accept.
    Warn,
    /// The evidence could not be read (yet, or with this token): never a pass, never a
    /// fail; someone who can see it must confirm it.
    Unknown,
}

impl CheckStatus {
    /// `pass`, `fail`, `warn`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Warn => "warn",
            CheckStatus::Unknown => "unknown",
        }
    }
}

macro_rules! rules {
    ($($variant:ident = $id:literal, $title:literal;)+) => {
        /// The checklist rules, in display order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId { $($variant),+ }

        impl RuleId {
            /// Every rule, in display order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),+];

            /// The stable id used in JSON output.
            pub fn id(&self) -> &'static str {
                match self { $(RuleId::$variant => $id),+ }
            }

            /// A short human title.
            pub fn title(&self) -> &'static str {
                match self { $(RuleId::$variant => $title),+ }
            }
        }
    };
}

rules! {
    RegisteredOnApi = "registered_on_api", "Registered on the API";
    NotTestNumber = "not_test_number", "Not a WhatsApp test number";
    NotCoexistence = "not_coexistence", "Not on the Business App (coexistence)";
    DisplayNameApproved = "display_name_approved", "Display name approved";
    NoPendingNameChange = "no_pending_name_change", "No pending name change";
    TwoStepDisabled = "two_step_disabled", "Two-step verification off";
    NumberConnected = "number_connected", "Number connected";
    SourceWabaApproved = "source_waba_approved", "Source WABA approved";
    SourceBusinessVerified = "source_business_verified", "Source business verified";
    DestinationWabaApproved = "destination_waba_approved", "Destination WABA approved";
    DestinationBusinessVerified = "destination_business_verified", "Destination business verified";
    DestinationPaymentMethod = "destination_payment_method", "Destination payment method";
    DestinationWebhooks = "destination_webhooks", "Destination webhooks";
    SameBusiness = "same_business", "Same business";
    NotInDestination = "not_in_destination", "Not already in destination";
    TemplateCapacity = "template_capacity", "Template capacity";
    RegisterBudget = "register_budget", "Register attempts left";
    OnPremiseNumber = "on_premise_number", "Number is on the On-Premise API";
}

/// The rules that apply to a scenario, in display order.
pub fn rules_for(scenario: Scenario) -> Vec<RuleId> {
    use RuleId::*;
    match scenario {
        Scenario::FromOtherBsp | Scenario::ToNewWaba | Scenario::BetweenBusinessManagers => {
            RuleId::ALL
                .iter()
                .copied()
                .filter(|r| *r != OnPremiseNumber)
                .collect()
        }
        Scenario::ToOtherBsp => vec![
            RegisteredOnApi,
            NotTestNumber,
            NotCoexistence,
            DisplayNameApproved,
            NoPendingNameChange,
            TwoStepDisabled,
            NumberConnected,
            SourceWabaApproved,
        ],
        Scenario::ClientPartnerChange | Scenario::WabaPartnerChange => vec![
            RegisteredOnApi,
            DisplayNameApproved,
            NoPendingNameChange,
            NumberConnected,
        ],
        Scenario::HostingTypeChange => vec![
            RegisteredOnApi,
            NotTestNumber,
            OnPremiseNumber,
            NumberConnected,
            DisplayNameApproved,
            RegisterBudget,
        ],
    }
}

/// Judges the rules of a scenario, in display order.
pub fn evaluate_for(scenario: Scenario, input: &CheckInput) -> Vec<CheckResult> {
    rules_for(scenario)
        .into_iter()
        .map(|rule| evaluate_rule(rule, input))
        .collect()
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        RuleId::ALL
            .iter()
            .copied()
            .find(|r| r.id() == id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule '{id}'")))
    }
}

/// One judged rule: verdict, the evidence it judged, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    #[serde(rename = "id")]
    pub rule: RuleId,
    pub status: CheckStatus,
    /// The field and value judged, e.g. `name_status = PENDING_REVIEW`.
    pub evidence: String,
    /// What to do; empty when the rule passes.
    pub fix: String,
}

/// What the rules judge; `None` means not read (yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckInput<'a> {
    pub number: Option<&'a PhoneNumber>,
    /// False when a lookup finished without finding the number in any WABA.
    pub number_found: bool,
    pub source: Option<&'a Waba>,
    pub destination: Option<&'a Waba>,
    pub destination_apps: Option<&'a [SubscribedApp]>,
    pub destination_numbers: Option<&'a [PhoneNumber]>,
    pub source_templates: Option<&'a TemplateInventory>,
    pub destination_templates: Option<&'a TemplateInventory>,
    /// Register calls already made in the last 72 hours (from the journal); `None` when
    /// no journal exists for the number.
    pub register_attempts_used: Option<u32>,
    /// Set when the token could not read the source side (the number, its WABA or its
    /// templates): the rules judging what is missing are unknown, with this reason.
    pub source_not_readable: Option<&'a NotReadable>,
    /// The destination WABA could not be read with this token: its rules fail.
    pub destination_not_readable: bool,
    /// The E.164 digits the operator gave, so "not already in destination" is judged
    /// even when the number itself cannot be read.
    pub requested_digits: Option<&'a str>,
}

/// Judges every rule, in display order.
pub fn evaluate(input: &CheckInput) -> Vec<CheckResult> {
    RuleId::ALL
        .iter()
        .map(|rule| evaluate_rule(*rule, input))
        .collect()
}

/// True when any rule is a hard blocker.
pub fn is_blocked(results: &[CheckResult]) -> bool {
    results.iter().any(|r| r.status == CheckStatus::Fail)
}

/// Judges one rule.
pub fn evaluate_rule(rule: RuleId, input: &CheckInput) -> CheckResult {
    let (status, evidence, fix) = not_readable(rule, input).unwrap_or_else(|| judge(rule, input));
    CheckResult {
        rule,
        status,
        evidence,
        fix,
    }
}

impl RuleId {
    /// What someone who can see the evidence confirms when the token could not read it
    /// (the operator's typed confirmation repeats it).
    pub fn claim(&self) -> &'static str {
        match self {
            RuleId::RegisteredOnApi => {
                "the number is registered on the WhatsApp Business API, not only on a WhatsApp app"
            }
            RuleId::NotTestNumber => {
                "the number is a real number, not a test number issued by WhatsApp"
            }
            RuleId::NotCoexistence => {
                "the number is not also on the WhatsApp Business App (coexistence)"
            }
            RuleId::DisplayNameApproved => "the display name is APPROVED",
            RuleId::NoPendingNameChange => "no display name change is under review",
            RuleId::TwoStepDisabled => "two-step verification is turned off in WhatsApp Manager",
            RuleId::NumberConnected => {
                "the number is CONNECTED (not banned, restricted or flagged)"
            }
            RuleId::SourceWabaApproved => "the source WABA is approved (account review APPROVED)",
            RuleId::SourceBusinessVerified => {
                "the source business has completed Business Verification"
            }
            RuleId::DestinationWabaApproved => "the destination WABA is approved",
            RuleId::DestinationBusinessVerified => {
                "the destination business has completed Business Verification"
            }
            RuleId::DestinationPaymentMethod => "the destination WABA has a payment method",
            RuleId::DestinationWebhooks => {
                "an app is subscribed to the destination WABA's webhooks, or the number is on the On-Premise API"
            }
            RuleId::SameBusiness => {
                "the source and destination WABAs serve the same client business (or the destination may message on its behalf)"
            }
            RuleId::NotInDestination => "the number is not already in the destination WABA",
            RuleId::TemplateCapacity => {
                "the destination has room for the templates that should move"
            }
            RuleId::RegisterBudget => {
                "the number had fewer than 10 register calls in the last 72 hours, wherever they were made"
            }
            RuleId::OnPremiseNumber => "the number is on the On-Premise API",
        }
    }
}

/// Which sides' evidence a rule judges.
#[derive(Clone, Copy)]
struct Needs {
    number: bool,
    source: bool,
    source_templates: bool,
    destination: bool,
}

fn needs(rule: RuleId) -> Needs {
    use RuleId::*;
    let none = Needs {
        number: false,
        source: false,
        source_templates: false,
        destination: false,
    };
    match rule {
        RegisteredOnApi | NotTestNumber | NotCoexistence | DisplayNameApproved
        | NoPendingNameChange | TwoStepDisabled | NumberConnected | OnPremiseNumber => Needs {
            number: true,
            ..none
        },
        SourceWabaApproved | SourceBusinessVerified => Needs {
            source: true,
            ..none
        },
        // Webhooks and "not in destination" read the number only in part; they judge
        // that themselves.
        DestinationWabaApproved
        | DestinationBusinessVerified
        | DestinationPaymentMethod
        | DestinationWebhooks
        | NotInDestination => Needs {
            destination: true,
            ..none
        },
        SameBusiness => Needs {
            source: true,
            destination: true,
            ..none
        },
        TemplateCapacity => Needs {
            source_templates: true,
            destination: true,
            ..none
        },
        RegisterBudget => none,
    }
}

/// The verdict of a rule whose evidence the token could not read: fail on the
/// destination side, unknown on the source side; `None` when the evidence was read.
fn not_readable(rule: RuleId, input: &CheckInput) -> Option<Verdict> {
    let needs = needs(rule);
    if needs.destination && input.destination_not_readable {
        return Some(fail(DESTINATION_NOT_READABLE, DESTINATION_NOT_READABLE_FIX));
    }
    let source = input.source_not_readable?;
    let missing = (needs.number && input.number.is_none())
        || (needs.source && input.source.is_none())
        || (needs.source_templates && input.source_templates.is_none());
    missing.then(|| unknown_unreadable(rule, source))
}

fn unknown_unreadable(rule: RuleId, source: &NotReadable) -> Verdict {
    unknown(
        source.sentence(),
        format!("Ask {} to confirm that {}.", source.whom, rule.claim()),
    )
}

mod judges;

use judges::{Verdict, fail, judge, unknown};

#[cfg(test)]
mod tests;
