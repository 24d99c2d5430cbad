//! Resume, confirmation, locks and lost answers: a run that dies or is refused at any
//! point is picked up from what its journal knows, and sends nothing on a guess.

use super::*;

/// A graph migration whose register call (refused first, or not) was cut after its
/// intent, opened again with an operator who agrees or not.
async fn resumed_at_register(refused: bool, agree: bool) -> (Bench, String, Scripted) {
    let bench = Bench::new().await;
    if refused {
        bench.refuse_next("/register").await;
    }
    let (id, _) = bench.run(&graph_request()).await;
    bench.cut_after_intent(&id, StepId::Register);
    let operator = Scripted::new(&bench, agree);
    (bench, id, operator)
}

#[tokio::test]
async fn a_read_back_effect_ends_the_step_on_the_record() {
    let (bench, id, operator) = resumed_at_register(false, true).await;
    let mut migration = bench.resume(&operator, &id);
    assert!(migration.reconcile(StepId::Register).await.unwrap());
    let state = migration.state();
    assert!(state.done.contains(&StepId::Register));
    assert_eq!(state.pending_intent(), None);
    assert!(matches!(
        migration.records.iter().rev().nth(1),
        Some(Record::Outcome {
            outcome: CallOutcome::Reconciled { .. },
            ..
        })
    ));
    assert_eq!(operator.said(LineKind::ReadBack).len(), 1);
}

#[tokio::test]
async fn no_effect_is_trusted_only_after_the_call_could_be_in_flight_and_then_asked_about() {
    let (bench, id, operator) = resumed_at_register(true, false).await;
    // The intent is fresh: its call may still be in flight for its timeout.
    let mut records = bench.records(&id);
    if let Some(Record::Intent { at, .. }) = records.last_mut() {
        *at = crate::domain::journal::Stamp::now();
    }
    bench.rewrite(&id, &records);
    let arrivals = bench.arrivals("POST /{id}/register").await;
    let mut migration = bench.resume(&operator, &id);
    let end = migration.run().await.unwrap();
    assert!(
        matches!(&end, RunEnd::Paused { step: StepId::Register, reason } if reason.contains("did not confirm")),
        "{end:?}"
    );
    assert!(
        operator
            .said(LineKind::Info)
            .iter()
            .any(|l| l.contains("may still be in flight")),
        "{:?}",
        operator.said(LineKind::Info)
    );
    let asked = operator.asked();
    assert_eq!(asked.len(), 1, "asked once: {asked:?}");
    assert_eq!(asked[0].weight, Weight::TypedYes, "a register is typed out");
    assert!(asked[0].text.contains("had no effect"), "{}", asked[0].text);
    assert!(
        asked[0]
            .write
            .as_ref()
            .unwrap()
            .cost
            .contains("register attempts left")
    );
    assert_eq!(
        bench.arrivals("POST /{id}/register").await,
        arrivals,
        "nothing sent"
    );
    assert!(!migration.state().done.contains(&StepId::Register));
    assert!(matches!(
        migration.state().call,
        Some(crate::domain::journal::CallState::Known {
            outcome: CallOutcome::NoEffect { .. },
            ..
        })
    ));
}

#[tokio::test]
async fn an_outcome_on_record_is_used_and_never_earned_again() {
    let bench = Bench::new().await;
    let (id, _) = bench.run(&graph_request()).await;
    // Crash between the register call's outcome and its step-done record.
    let records = bench.records(&id);
    let outcome = records
        .iter()
        .position(|r| {
            matches!(
                r,
                Record::Outcome {
                    step: StepId::Register,
                    ..
                }
            )
        })
        .unwrap();
    bench.rewrite(&id, &records[..=outcome]);
    let registers = bench.arrivals("POST /{id}/register").await;
    let operator = Scripted::new(&bench, true);
    let mut migration = bench.resume(&operator, &id);
    assert!(matches!(migration.run().await.unwrap(), RunEnd::Completed));
    assert_eq!(bench.arrivals("POST /{id}/register").await, registers);
    assert!(
        operator
            .asked()
            .iter()
            .all(|q| !q.text.contains("/register")),
        "not even asked"
    );
}

#[tokio::test]
async fn every_write_is_confirmed_and_journaled_with_who_confirmed_it() {
    let bench = Bench::new().await;
    let mut operator = Scripted::new(&bench, true);
    operator.by_flag = true;
    let mut migration = Migration::start(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &graph_request(),
    )
    .unwrap();
    assert!(matches!(migration.run().await.unwrap(), RunEnd::Completed));
    let writes: Vec<String> = operator
        .asked()
        .into_iter()
        .filter_map(|q| q.write.map(|w| w.call))
        .collect();
    assert_eq!(
        writes.len(),
        4,
        "add, request code, register, templates: {writes:?}"
    );
    let confirmed: Vec<ConfirmedBy> = migration
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Confirmed { by, .. } => Some(*by),
            _ => None,
        })
        .collect();
    assert_eq!(confirmed, vec![ConfirmedBy::YesFlag; 4]);
}

#[tokio::test]
async fn a_no_leaves_the_step_open_and_sends_nothing() {
    let bench = Bench::new().await;
    let operator = Scripted::new(&bench, false);
    let mut migration = Migration::start(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &graph_request(),
    )
    .unwrap();
    let end = migration.run().await.unwrap();
    assert!(
        matches!(
            end,
            RunEnd::Paused {
                step: StepId::AddNumber,
                ..
            }
        ),
        "{end:?}"
    );
    assert!(!migration.state().done.contains(&StepId::AddNumber));
    assert_eq!(bench.arrivals("POST /{id}/phone_numbers").await, 0);
}

#[tokio::test]
async fn one_number_one_run_and_a_journal_belongs_to_its_backend() {
    let bench = Bench::new().await;
    let operator = Scripted::new(&bench, true);
    let first = Migration::start(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &graph_request(),
    )
    .unwrap();
    let second = Migration::start(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &graph_request(),
    );
    assert!(
        matches!(second, Err(JournalError::Locked(_))),
        "the same number"
    );
    let id = first.id().to_string();
    let again = Migration::resume(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &id,
    );
    let Err(JournalError::Locked(refused)) = again else {
        panic!("the same journal");
    };
    assert!(refused.holder.contains("pid "), "{refused}");
    drop(first);

    let elsewhere = RunSettings {
        backend: Backend {
            sandbox_instance: Some("another-world".into()),
            ..bench.settings.backend.clone()
        },
        ..bench.settings.clone()
    };
    let refused = Migration::resume(&bench.graph, Some(&bench.hub), &operator, &elsewhere, &id);
    assert!(
        matches!(&refused, Err(JournalError::OtherBackend { recorded, .. }) if recorded.contains(&bench.sim.instance_id)),
        "{:?}",
        refused.err()
    );
    let bad = Migration::resume(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        "../x",
    );
    assert!(matches!(bad, Err(JournalError::BadId(_))));
}

#[tokio::test]
async fn a_completed_migration_resumed_says_so_and_wrong_codes_count_across_resumes() {
    let bench = Bench::new().await;
    let (id, _) = bench.run(&graph_request()).await;
    let operator = Scripted::new(&bench, true);
    let done = Migration::resume(
        &bench.graph,
        Some(&bench.hub),
        &operator,
        &bench.settings,
        &id,
    );
    assert!(matches!(done, Err(JournalError::AlreadyCompleted { .. })));

    let bench = Bench::new().await;
    let (id, _) = bench.run(&graph_request()).await;
    bench.cut_after_intent(&id, StepId::VerifyCode);
    let mut records = bench.records(&id);
    records.pop();
    for _ in 0..3 {
        records.push(Record::Intent {
            step: StepId::VerifyCode,
            call: "POST /verify_code".into(),
            in_flight_secs: Some(1),
            at: crate::domain::journal::Stamp::now(),
        });
        records.push(Record::Outcome {
            step: StepId::VerifyCode,
            outcome: CallOutcome::Failed {
                class: "registration".into(),
                sentence: "wrong".into(),
                reference: String::new(),
            },
            at: crate::domain::journal::Stamp::now(),
        });
    }
    bench.rewrite(&id, &records);
    let verifies = bench.arrivals("POST /{id}/verify_code").await;
    let mut migration = bench.resume(&operator, &id);
    let end = migration.run().await.unwrap();
    assert!(
        matches!(&end, RunEnd::Paused { step: StepId::VerifyCode, reason } if reason.contains("3 wrong")),
        "{end:?}"
    );
    assert_eq!(bench.arrivals("POST /{id}/verify_code").await, verifies);
}

#[tokio::test]
async fn a_number_gone_from_the_destination_ends_the_run_with_the_reason() {
    let bench = Bench::new().await;
    let (id, _) = bench.run(&graph_request()).await;
    bench.cut_after_intent(&id, StepId::Register);
    let path = journals_dir(bench.dir.path()).join(format!("{id}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap().replace(
        &bench
            .records(&id)
            .iter()
            .find_map(|r| match r {
                Record::Outcome {
                    outcome:
                        CallOutcome::Ok {
                            phone_number_id: Some(id),
                            ..
                        },
                    ..
                } => Some(id.clone()),
                _ => None,
            })
            .unwrap(),
        "999000999000999",
    );
    std::fs::write(path, text).unwrap();
    let operator = Scripted::new(&bench, true);
    let mut migration = bench.resume(&operator, &id);
    let end = migration.run().await.unwrap();
    assert!(
        matches!(&end, RunEnd::CannotContinue { step: StepId::Register, reason } if reason.contains("no longer exists")),
        "{end:?}"
    );
    assert!(migration.state().is_finished());
}

/// Every write of a graph migration, each carried out by the sandbox with its answer
/// lost (dropped, or stalled past the client's timeout): the run reads each back and
/// completes with every write sent once.
async fn every_answer_lost(kind: &str, client_timeout: Duration) {
    let bench = Bench::with(SimConfig::default(), client_timeout).await;
    for path in [
        "/phone_numbers",
        "/request_code",
        "/verify_code",
        "/register",
    ] {
        bench.fault_next(path, kind).await;
    }
    let (_, end) = bench.run(&graph_request()).await;
    assert!(matches!(end, RunEnd::Completed), "{kind}: {end:?}");
    for route in [
        "POST /{id}/phone_numbers",
        "POST /{id}/request_code",
        "POST /{id}/verify_code",
        "POST /{id}/register",
    ] {
        assert_eq!(bench.arrivals(route).await, 1, "{kind}: {route} sent once");
        assert_eq!(bench.stat("applied", route).await, 1, "{kind}: {route}");
    }
}

#[tokio::test]
async fn a_write_carried_out_whose_answer_dropped_is_read_back_not_sent_again() {
    every_answer_lost("apply_then_drop", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_write_carried_out_whose_answer_stalled_past_the_timeout_is_read_back() {
    every_answer_lost("apply_then_stall", Duration::from_millis(400)).await;
}

#[tokio::test]
async fn a_request_that_arrived_takes_effect_though_its_client_went_away() {
    let config = SimConfig {
        latency: Duration::from_millis(400),
        ..SimConfig::default()
    };
    let bench = Bench::with(config, Duration::from_millis(50)).await;
    let approve = bench.hub.approve_partner_change_request("pcr01Kst").await;
    assert!(approve.is_err(), "the client gave up first");
    let route = "POST /api/v2/partners/{pid}/selective_partner_change_requests/{id}/approve";
    for _ in 0..40 {
        if bench.stat("applied", route).await == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the approval never took effect");
}

#[tokio::test]
async fn a_whole_graph_migration_runs_to_its_end_on_the_runner() {
    let bench = Bench::new().await;
    let (id, end) = bench.run(&graph_request()).await;
    assert!(matches!(end, RunEnd::Completed), "{end:?}");
    let state = crate::domain::journal::replay(&bench.records(&id)).unwrap();
    assert_eq!(state.next_step(), None);
    assert!(state.registered_at.is_some());
}

#[test]
fn requests_are_checked_before_anything_is_journaled() {
    let mut request = graph_request();
    assert_eq!(validate_request(&request), Ok(()));
    request.destination_waba_id = Some("  ".to_string());
    assert_eq!(
        validate_request(&request),
        Err(RequestProblem::NoDestination(Scenario::ToNewWaba))
    );
    request.destination_waba_id = Some(SOURCE.to_string());
    assert_eq!(validate_request(&request), Err(RequestProblem::SameWaba));
    request.number = "+49 30".to_string();
    assert!(matches!(
        validate_request(&request),
        Err(RequestProblem::Number(_))
    ));
    assert_eq!(validate_request(&partner_request()), Ok(()));
}
