//! The limitation checklist: every known reason a migration would be refused or would
//! damage a number, judged from data already read. Pure functions, so each rule is
//! tested without a terminal or a network.
//!
//! Rule ids are a contract (the `check` command's JSON uses them). Sources: Meta's
//! "Migrating phone numbers among solution partners" (prerequisites) and the error-code
//! page's "Phone migration errors" table (api-notes.md §1).

use serde::{Deserialize, Serialize};

use crate::domain::number::{AccountMode, NameStatus, NumberStatus, PhoneNumber, PlatformType};
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
    /// The data could not be read (yet); blocks nothing by itself.
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
        .map(|rule| {
            let mut result = evaluate_rule(rule, input);
            // Between Business Managers a different owner is the point, not a blocker.
            if scenario == Scenario::BetweenBusinessManagers && rule == RuleId::SameBusiness && result.status == CheckStatus::Fail {
                result.status = CheckStatus::Warn;
                result.fix = "Expected in this scenario: make sure the destination may message on behalf of the number's business, else Meta refuses (2388103).".to_string();
            }
            result
        })
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
    let (status, evidence, fix) = match rule {
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
            Some(NameStatus::Approved | NameStatus::AvailableWithoutReview) => {
                pass(field("name_status", &n.name_status))
            }
            Some(_) => fail(
                field("name_status", &n.name_status),
                "Wait for the display name review to finish (or resubmit a compliant name in WhatsApp Manager); Meta refuses the migration until the name is approved.",
            ),
            None => unknown(
                "name_status not reported",
                "Re-check; see the display name status in WhatsApp Manager.",
            ),
        }),
        RuleId::NoPendingNameChange => with_number(input, |n| match &n.new_name_status {
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
    };
    CheckResult {
        rule,
        status,
        evidence,
        fix,
    }
}

type Verdict = (CheckStatus, String, String);

fn pass(evidence: impl Into<String>) -> Verdict {
    (CheckStatus::Pass, evidence.into(), String::new())
}
fn fail(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
    (CheckStatus::Fail, evidence.into(), fix.into())
}
fn warn(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
    (CheckStatus::Warn, evidence.into(), fix.into())
}
fn unknown(evidence: impl Into<String>, fix: impl Into<String>) -> Verdict {
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
            "number not found in any WABA",
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
        Some(NumberStatus::Banned | NumberStatus::Deleted | NumberStatus::Migrated) => fail(
            evidence,
            "This number cannot be migrated in its current state: resolve the ban or deletion with Meta first.",
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
    match &waba.business_verification_status {
        Some(BusinessVerificationStatus::Verified) => {
            pass("business_verification_status = verified")
        }
        Some(_) => warn(
            field(
                "business_verification_status",
                &waba.business_verification_status,
            ),
            "Unverified businesses have lower limits and may be refused: complete business verification in Security Center.",
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
    match (source.owner_business_id(), dest.owner_business_id()) {
        (Some(s), Some(d)) if s == d => pass(format!("owner business {s} on both sides")),
        (Some(s), Some(d)) => fail(
            format!("source owner {s} ≠ destination owner {d}"),
            "Meta refuses a migration to a WABA of another Business Manager in this scenario: use the between-business-managers scenario or a destination of the same business.",
        ),
        _ => unknown(
            "owner_business_info not reported",
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
    let Some(digits) = input.number.and_then(PhoneNumber::e164_digits) else {
        return unknown("number not read yet", "Select a number.");
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

fn register_budget(used: Option<u32>) -> Verdict {
    let Some(used) = used else {
        return pass(format!(
            "{REGISTER_BUDGET} of {REGISTER_BUDGET} left (no journal for this number)"
        ));
    };
    let left = REGISTER_BUDGET.saturating_sub(used);
    let evidence = format!("{left} of {REGISTER_BUDGET} left in the 72 h window");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{QualityScore, Template, TemplateQuality, TemplateStatus};
    use crate::domain::waba::{AppData, BusinessRef};

    fn good_number() -> PhoneNumber {
        serde_json::from_value(serde_json::json!({
            "id": "111", "display_phone_number": "+1 631-555-0101", "status": "CONNECTED",
            "name_status": "APPROVED", "account_mode": "LIVE", "is_on_biz_app": false,
            "is_pin_enabled": false, "platform_type": "CLOUD_API", "code_verification_status": "VERIFIED"
        }))
        .unwrap()
    }

    fn good_waba(id: &str, owner: &str) -> Waba {
        Waba {
            id: id.into(),
            account_review_status: Some(AccountReviewStatus::Approved),
            business_verification_status: Some(BusinessVerificationStatus::Verified),
            owner_business_info: Some(BusinessRef {
                id: Some(owner.into()),
                name: None,
            }),
            primary_funding_id: Some("77".into()),
            ..Waba::default()
        }
    }

    fn app() -> SubscribedApp {
        SubscribedApp {
            whatsapp_business_api_data: Some(AppData {
                name: Some("CRM".into()),
                ..AppData::default()
            }),
            override_callback_uri: None,
        }
    }

    fn template(id: &str, name: &str, status: TemplateStatus, quality: QualityScore) -> Template {
        Template {
            id: id.into(),
            name: name.into(),
            language: "en_US".into(),
            status: Some(status),
            quality_score: Some(TemplateQuality {
                score: Some(quality),
                date: None,
            }),
            ..Template::default()
        }
    }

    struct Fixture {
        number: PhoneNumber,
        source: Waba,
        dest: Waba,
        apps: Vec<SubscribedApp>,
        dest_numbers: Vec<PhoneNumber>,
        source_templates: TemplateInventory,
        dest_templates: TemplateInventory,
    }

    impl Fixture {
        fn good() -> Self {
            Fixture {
                number: good_number(),
                source: good_waba("1", "B1"),
                dest: good_waba("2", "B1"),
                apps: vec![app()],
                dest_numbers: vec![],
                source_templates: TemplateInventory {
                    templates: vec![template(
                        "t1",
                        "hello",
                        TemplateStatus::Approved,
                        QualityScore::Green,
                    )],
                    count: Some(1),
                    limit: Some(250),
                },
                dest_templates: TemplateInventory {
                    templates: vec![],
                    count: Some(0),
                    limit: Some(250),
                },
            }
        }

        fn check(&self, rule: RuleId) -> CheckResult {
            evaluate_rule(
                rule,
                &CheckInput {
                    number: Some(&self.number),
                    number_found: true,
                    source: Some(&self.source),
                    destination: Some(&self.dest),
                    destination_apps: Some(&self.apps),
                    destination_numbers: Some(&self.dest_numbers),
                    source_templates: Some(&self.source_templates),
                    destination_templates: Some(&self.dest_templates),
                    register_attempts_used: None,
                },
            )
        }
    }

    fn status_after(rule: RuleId, spoil: impl FnOnce(&mut Fixture)) -> CheckStatus {
        let mut f = Fixture::good();
        spoil(&mut f);
        f.check(rule).status
    }

    #[test]
    fn scenarios_pick_their_rules_and_soften_same_business_between_managers() {
        let mut f = Fixture::good();
        f.dest = good_waba("2", "B2");
        let input = CheckInput {
            number: Some(&f.number),
            number_found: true,
            source: Some(&f.source),
            destination: Some(&f.dest),
            ..CheckInput::default()
        };
        let between = evaluate_for(Scenario::BetweenBusinessManagers, &input);
        let same = between
            .iter()
            .find(|r| r.rule == RuleId::SameBusiness)
            .unwrap();
        assert_eq!(same.status, CheckStatus::Warn);
        let to_new = evaluate_for(Scenario::ToNewWaba, &input);
        assert_eq!(
            to_new
                .iter()
                .find(|r| r.rule == RuleId::SameBusiness)
                .unwrap()
                .status,
            CheckStatus::Fail
        );
        let hosting = evaluate_for(Scenario::HostingTypeChange, &input);
        assert!(
            hosting
                .iter()
                .all(|r| r.rule != RuleId::DestinationWebhooks)
        );
        assert_eq!(
            hosting
                .iter()
                .find(|r| r.rule == RuleId::OnPremiseNumber)
                .unwrap()
                .status,
            CheckStatus::Fail
        );
    }

    #[test]
    fn every_rule_passes_on_a_healthy_pair() {
        let f = Fixture::good();
        for rule in RuleId::ALL
            .iter()
            .filter(|r| **r != RuleId::OnPremiseNumber)
        {
            let result = f.check(*rule);
            assert_eq!(
                result.status,
                CheckStatus::Pass,
                "{}: {}",
                rule.id(),
                result.evidence
            );
        }
    }

    #[test]
    fn each_rule_fails_or_warns_on_its_own_cause() {
        use CheckStatus::*;
        type Spoil = Box<dyn FnOnce(&mut Fixture)>;
        let cases: Vec<(RuleId, CheckStatus, Spoil)> = vec![
            (
                RuleId::RegisteredOnApi,
                Fail,
                Box::new(|f| f.number.status = Some(NumberStatus::Pending)),
            ),
            (
                RuleId::NotTestNumber,
                Fail,
                Box::new(|f| f.number.account_mode = Some(AccountMode::Sandbox)),
            ),
            (
                RuleId::NotCoexistence,
                Fail,
                Box::new(|f| f.number.is_on_biz_app = Some(true)),
            ),
            (
                RuleId::DisplayNameApproved,
                Fail,
                Box::new(|f| f.number.name_status = Some(NameStatus::PendingReview)),
            ),
            (
                RuleId::NoPendingNameChange,
                Fail,
                Box::new(|f| f.number.new_name_status = Some(NameStatus::PendingReview)),
            ),
            (
                RuleId::TwoStepDisabled,
                Fail,
                Box::new(|f| f.number.is_pin_enabled = Some(true)),
            ),
            (
                RuleId::NumberConnected,
                Warn,
                Box::new(|f| f.number.status = Some(NumberStatus::Flagged)),
            ),
            (
                RuleId::NumberConnected,
                Fail,
                Box::new(|f| f.number.status = Some(NumberStatus::Banned)),
            ),
            (
                RuleId::SourceWabaApproved,
                Fail,
                Box::new(|f| f.source.account_review_status = Some(AccountReviewStatus::Pending)),
            ),
            (
                RuleId::SourceBusinessVerified,
                Warn,
                Box::new(|f| {
                    f.source.business_verification_status =
                        Some(BusinessVerificationStatus::NotVerified)
                }),
            ),
            (
                RuleId::DestinationWabaApproved,
                Fail,
                Box::new(|f| f.dest.account_review_status = Some(AccountReviewStatus::Rejected)),
            ),
            (
                RuleId::DestinationBusinessVerified,
                Warn,
                Box::new(|f| {
                    f.dest.business_verification_status = Some(BusinessVerificationStatus::Pending)
                }),
            ),
            (
                RuleId::DestinationPaymentMethod,
                Fail,
                Box::new(|f| f.dest.primary_funding_id = None),
            ),
            (
                RuleId::DestinationWebhooks,
                Fail,
                Box::new(|f| f.apps.clear()),
            ),
            (
                RuleId::SameBusiness,
                Fail,
                Box::new(|f| f.dest = good_waba("2", "B2")),
            ),
            (
                RuleId::NotInDestination,
                Fail,
                Box::new(|f| {
                    f.dest_numbers = vec![PhoneNumber {
                        id: "999".into(),
                        ..good_number()
                    }]
                }),
            ),
            (
                RuleId::TemplateCapacity,
                Warn,
                Box::new(|f| f.dest_templates.count = Some(250)),
            ),
        ];
        for (rule, expected, spoil) in cases {
            assert_eq!(status_after(rule, spoil), expected, "{}", rule.id());
        }
    }

    #[test]
    fn webhooks_are_not_needed_for_on_premise_numbers() {
        let status = status_after(RuleId::DestinationWebhooks, |f| {
            f.apps.clear();
            f.number.platform_type = Some(PlatformType::OnPremise);
        });
        assert_eq!(status, CheckStatus::Pass);
    }

    #[test]
    fn register_budget_counts_down_from_the_journal() {
        assert_eq!(register_budget(None).0, CheckStatus::Pass);
        assert_eq!(register_budget(Some(8)).0, CheckStatus::Warn);
        let (status, evidence, _) = register_budget(Some(10));
        assert_eq!(status, CheckStatus::Fail);
        assert_eq!(evidence, "0 of 10 left in the 72 h window");
    }

    #[test]
    fn missing_data_is_unknown_and_a_missing_number_fails() {
        let loading = evaluate(&CheckInput {
            number_found: true,
            ..CheckInput::default()
        });
        assert!(
            loading
                .iter()
                .filter(|r| r.rule != RuleId::RegisterBudget)
                .all(|r| r.status == CheckStatus::Unknown)
        );
        assert!(!is_blocked(&loading));
        let absent = evaluate_rule(RuleId::RegisteredOnApi, &CheckInput::default());
        assert_eq!(absent.status, CheckStatus::Fail);
        assert!(absent.fix.contains("onboard"));
    }

    #[test]
    fn evidence_names_the_field_and_value() {
        let mut f = Fixture::good();
        f.number.name_status = Some(NameStatus::PendingReview);
        assert_eq!(
            f.check(RuleId::DisplayNameApproved).evidence,
            "name_status = PENDING_REVIEW"
        );
        let json = serde_json::to_value(f.check(RuleId::DisplayNameApproved)).unwrap();
        assert_eq!(json["id"], "display_name_approved");
        assert_eq!(json["status"], "fail");
    }
}
