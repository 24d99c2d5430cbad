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

fn ids(steps: Vec<Step>) -> Vec<StepId> {
    steps.iter().map(|s| s.id).collect()
}

#[test]
fn each_scenario_ends_where_its_documentation_does() {
    use StepId::*;
    let between = ids(plan(Scenario::BetweenBusinessManagers));
    assert_eq!(&between[..3], [Preflight, MessagingForAccepted, TwoStepOff]);
    assert_eq!(
        ids(plan(Scenario::ToOtherBsp)),
        [
            Preflight,
            InvoicesCleared,
            TwoStepOff,
            Handover,
            WatchMigratedAway,
            CancelSubscription,
            RefundUnusedFunds
        ]
    );
    for partner in [Scenario::ClientPartnerChange, Scenario::WabaPartnerChange] {
        assert!(
            ids(plan(partner)).ends_with(&[
                WatchChangeRequest,
                RefreshFleet,
                PartnerPermission,
                NewApiKey,
                ResetWebhook
            ]),
            "{partner}"
        );
    }
    assert_eq!(
        ids(plan(Scenario::HostingTypeChange)),
        [
            Preflight,
            ExplainDowntime,
            HubHostingChange,
            VerifyPlatform,
            NewApiKey,
            ResetWebhook
        ]
    );
    assert_eq!(
        ids(plan_for(
            Scenario::HostingTypeChange,
            PlanVariant::OwnerBackup
        )),
        [
            Preflight,
            ExplainDowntime,
            RegisterWithBackup,
            VerifyPlatform
        ]
    );
    // Steps another party takes (the client's cancellation, the Hub's hosting
    // change, a new API key) send nothing from here.
    for id in [
        CancelSubscription,
        HubHostingChange,
        NewApiKey,
        PartnerPermission,
    ] {
        let s = step_of(id).unwrap();
        assert!(s.call.is_none() && !s.non_idempotent, "{id:?}");
    }
}

#[test]
fn configuration_changes_have_no_code_step_and_every_scenario_has_a_plan() {
    for (scenario, steps) in Scenario::ALL.iter().flat_map(|&scenario| {
        [PlanVariant::Standard, PlanVariant::OwnerBackup].map(|v| (scenario, plan_for(scenario, v)))
    }) {
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
