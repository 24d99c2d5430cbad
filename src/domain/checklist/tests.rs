use super::judges::register_budget;
use super::*;
use crate::domain::readability::NotReadable;
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
                register_attempts_used: Some(0),
                ..CheckInput::default()
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
fn scenarios_pick_their_rules_and_a_destination_of_another_business_fails_in_every_migration() {
    let mut f = Fixture::good();
    f.dest = good_waba("2", "B2");
    let input = CheckInput {
        number: Some(&f.number),
        number_found: true,
        source: Some(&f.source),
        destination: Some(&f.dest),
        ..CheckInput::default()
    };
    // Meta: "The source and destination WABAs must represent the same business", also
    // between Business Managers (the destination must message for the number's business).
    for scenario in [
        Scenario::BetweenBusinessManagers,
        Scenario::ToNewWaba,
        Scenario::FromOtherBsp,
    ] {
        let same = evaluate_for(scenario, &input)
            .into_iter()
            .find(|r| r.rule == RuleId::SameBusiness)
            .unwrap();
        assert_eq!(same.status, CheckStatus::Fail, "{scenario}");
        assert!(same.fix.contains("2388103"), "{}", same.fix);
    }
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
            Fail,
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
            Fail,
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
fn register_budget_counts_down_from_the_journal_and_is_unknown_without_history() {
    let (status, evidence, fix) = register_budget(None);
    assert_eq!(status, CheckStatus::Unknown);
    assert!(
        evidence.contains("attempts made elsewhere are invisible"),
        "{evidence}"
    );
    assert!(fix.contains("fewer than 10 register calls"), "{fix}");
    assert_eq!(register_budget(Some(8)).0, CheckStatus::Warn);
    let (status, evidence, _) = register_budget(Some(10));
    assert_eq!(status, CheckStatus::Fail);
    assert!(
        evidence.starts_with("0 of 10 left in the 72 h window"),
        "{evidence}"
    );
}

#[test]
fn a_name_available_without_review_is_not_approved() {
    let status = status_after(RuleId::DisplayNameApproved, |f| {
        f.number.name_status = Some(NameStatus::AvailableWithoutReview)
    });
    assert_eq!(status, CheckStatus::Fail);
}

#[test]
fn same_business_compares_the_client_business_of_on_behalf_of_wabas() {
    let on_behalf_of = |f: &mut Fixture| {
        f.dest.ownership_type = Some("ON_BEHALF_OF".into());
        f.dest.owner_business_info = Some(BusinessRef {
            id: Some("PARTNER".into()),
            name: None,
        });
        f.dest.on_behalf_of_business_info = Some(BusinessRef {
            id: Some("B1".into()),
            name: None,
        });
    };
    assert_eq!(
        status_after(RuleId::SameBusiness, on_behalf_of),
        CheckStatus::Pass
    );
    let other_client = |f: &mut Fixture| {
        on_behalf_of(f);
        f.dest.on_behalf_of_business_info = Some(BusinessRef {
            id: Some("B2".into()),
            name: None,
        });
    };
    assert_eq!(
        status_after(RuleId::SameBusiness, other_client),
        CheckStatus::Fail
    );
}

#[test]
fn an_unreadable_source_makes_its_rules_unknown_never_pass_or_fail() {
    let f = Fixture::good();
    let why = NotReadable::source(
        Scenario::FromOtherBsp,
        "the source WABA 1 was not shared with this token",
    );
    let input = CheckInput {
        number: None,
        number_found: false,
        source: None,
        destination: Some(&f.dest),
        destination_apps: Some(&[]),
        destination_numbers: Some(&f.dest_numbers),
        source_templates: None,
        destination_templates: Some(&f.dest_templates),
        register_attempts_used: None,
        source_not_readable: Some(&why),
        destination_not_readable: false,
        requested_digits: Some("16315550101"),
    };
    let results = evaluate_for(Scenario::FromOtherBsp, &input);
    let by_rule = |rule: RuleId| results.iter().find(|r| r.rule == rule).unwrap();
    for rule in [
        RuleId::RegisteredOnApi,
        RuleId::NotTestNumber,
        RuleId::TwoStepDisabled,
        RuleId::DisplayNameApproved,
        RuleId::SourceWabaApproved,
        RuleId::SourceBusinessVerified,
        RuleId::SameBusiness,
        RuleId::TemplateCapacity,
        RuleId::DestinationWebhooks,
    ] {
        let r = by_rule(rule);
        assert_eq!(r.status, CheckStatus::Unknown, "{}", rule.id());
        assert!(
            r.evidence.starts_with("not readable with this token: the source WABA 1 was not shared with this token; ask the number's current BSP"),
            "{}: {}",
            rule.id(),
            r.evidence
        );
        assert!(r.fix.contains(rule.claim()), "{}", r.fix);
    }
    // What was read is still judged: the destination side and the operator's digits.
    assert_eq!(by_rule(RuleId::NotInDestination).status, CheckStatus::Pass);
    assert_eq!(
        by_rule(RuleId::DestinationPaymentMethod).status,
        CheckStatus::Pass
    );
    assert!(!is_blocked(&results));
}

#[test]
fn an_unreadable_destination_fails_its_rules() {
    let f = Fixture::good();
    let input = CheckInput {
        number: Some(&f.number),
        number_found: true,
        source: Some(&f.source),
        source_templates: Some(&f.source_templates),
        destination_not_readable: true,
        register_attempts_used: Some(0),
        ..CheckInput::default()
    };
    let results = evaluate_for(Scenario::ToNewWaba, &input);
    for rule in [
        RuleId::DestinationWabaApproved,
        RuleId::DestinationBusinessVerified,
        RuleId::DestinationPaymentMethod,
        RuleId::DestinationWebhooks,
        RuleId::SameBusiness,
        RuleId::NotInDestination,
        RuleId::TemplateCapacity,
    ] {
        let r = results.iter().find(|r| r.rule == rule).unwrap();
        assert_eq!(r.status, CheckStatus::Fail, "{}", rule.id());
        assert_eq!(
            r.evidence,
            "not readable with this token: it does not exist or was not shared with you"
        );
    }
    let source_side = results
        .iter()
        .find(|r| r.rule == RuleId::TwoStepDisabled)
        .unwrap();
    assert_eq!(source_side.status, CheckStatus::Pass);
}

#[test]
fn missing_data_is_unknown_and_a_missing_number_fails() {
    let loading = evaluate(&CheckInput {
        number_found: true,
        ..CheckInput::default()
    });
    assert!(loading.iter().all(|r| r.status == CheckStatus::Unknown));
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

#[test]
fn a_gone_number_s_fix_fits_why_it_is_gone() {
    let fix_for = |status| {
        let mut f = Fixture::good();
        f.number.status = Some(status);
        let check = f.check(RuleId::NumberConnected);
        assert_eq!(check.status, CheckStatus::Fail);
        check.fix
    };
    let migrated = fix_for(NumberStatus::Migrated);
    assert!(
        !migrated.contains("ban") && migrated.contains("already moved"),
        "{migrated}"
    );
    assert!(fix_for(NumberStatus::Banned).contains("ban"));
    assert!(fix_for(NumberStatus::Deleted).contains("register it again"));
}
