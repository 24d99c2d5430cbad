//! The runner against the in-process sandbox: each branch of the reconcile table is
//! reached the way a crash reaches it (a run journals a call's intent and dies before
//! its outcome), and must read the effect back rather than send the call again.

use std::sync::Mutex;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};

use super::reconcile::ReadBack;
use super::*;
use crate::api::graph::DEFAULT_GRAPH_VERSION;
use crate::api::{HubAuth, RetryPolicy, Transport};
use crate::domain::journal::{Backend, CallOutcome, ConfirmedBy, parse_journal};
use crate::ops::journal_store::journals_dir;
use crate::sim::{self, SANDBOX_PARTNER_ID, SimConfig, SimHandle};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const NUMBER: &str = "+16315550101";
const ON_PREMISE: &str = "106540352240008";
const PIN: &str = "246810";

/// An operator that agrees (or not) to everything and reads codes from the sandbox;
/// `by_flag` when it stands for `--yes`.
struct Scripted {
    agree: bool,
    by_flag: bool,
    http: reqwest::Client,
    base_url: String,
    lines: Mutex<Vec<Line>>,
    questions: Mutex<Vec<Question>>,
}

impl Scripted {
    fn new(bench: &Bench, agree: bool) -> Scripted {
        Scripted {
            agree,
            by_flag: false,
            http: bench.graph.transport().http().clone(),
            base_url: bench.sim.base_url.clone(),
            lines: Mutex::new(Vec::new()),
            questions: Mutex::new(Vec::new()),
        }
    }

    fn said(&self, kind: LineKind) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.text.clone())
            .collect()
    }

    fn asked(&self) -> Vec<Question> {
        self.questions.lock().unwrap().clone()
    }
}

impl Operator for Scripted {
    fn interactive(&self) -> bool {
        true
    }

    fn say(&self, line: Line) {
        self.lines.lock().unwrap().push(line);
    }

    fn confirms_by_flag(&self) -> bool {
        self.by_flag
    }

    /// Agrees to every question when `agree`; else refuses the writes only (the
    /// preflight's confirmations of unknown rules are answered yes).
    async fn confirm(&self, question: Question) -> bool {
        let write = question.write.is_some();
        self.questions.lock().unwrap().push(question);
        self.agree || !write
    }

    async fn code(&self, prompt: &str) -> CodeAnswer {
        let id = prompt
            .split("phone number id ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_default();
        let answer = self
            .http
            .get(format!("{}/_sandbox/otp/{id}", self.base_url))
            .send()
            .await
            .unwrap();
        if !answer.status().is_success() {
            return CodeAnswer::Resend;
        }
        let body: Value = answer.json().await.unwrap();
        CodeAnswer::Code(SecretString::from(
            body["code"].as_str().unwrap().to_string(),
        ))
    }

    async fn pin(&self) -> Option<SecretString> {
        Some(SecretString::from(PIN))
    }

    async fn backup(&self) -> Option<(String, SecretString)> {
        Some((
            "b64-backup-data".to_string(),
            SecretString::from("backup-password"),
        ))
    }
}

/// The backend of an in-process sandbox, as a connection would record it.
fn backend(sim: &SimHandle) -> Backend {
    Backend {
        profile: "sandbox".to_string(),
        graph_url: sim.base_url.clone(),
        graph_version: DEFAULT_GRAPH_VERSION.to_string(),
        hub_url: Some(sim.base_url.clone()),
        sandbox_instance: Some(sim.instance_id.clone()),
    }
}

/// A sandbox, clients for it and a private data directory.
struct Bench {
    sim: SimHandle,
    graph: GraphClient,
    hub: HubClient,
    dir: tempfile::TempDir,
    settings: RunSettings,
}

impl Bench {
    async fn new() -> Bench {
        Bench::with(SimConfig::default(), Duration::from_secs(2)).await
    }

    /// A bench over a sandbox configured so, with clients that give up after `timeout`.
    async fn with(config: SimConfig, timeout: Duration) -> Bench {
        let sim = sim::start(config).await.unwrap();
        let transport = Transport::new(timeout, RetryPolicy::default()).unwrap();
        let graph = GraphClient::new(
            transport.clone(),
            &sim.base_url,
            DEFAULT_GRAPH_VERSION,
            SecretString::from("sandbox-token"),
        )
        .unwrap();
        let hub = HubClient::new(
            transport,
            &sim.base_url,
            SANDBOX_PARTNER_ID,
            HubAuth::ApiKey(SecretString::from("sandbox-hub-key")),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let settings = RunSettings {
            code_method: CodeMethod::Sms,
            language: "en_US".to_string(),
            candidates: Vec::new(),
            data_dir: dir.path().to_path_buf(),
            watch_interval: Duration::from_millis(200),
            watch_limit: Duration::from_secs(20),
            backend: backend(&sim),
            in_flight: timeout,
        };
        Bench {
            sim,
            graph,
            hub,
            dir,
            settings,
        }
    }

    /// Runs a new migration to its end with an operator who agrees to everything.
    async fn run(&self, request: &MigrationRequest) -> (String, RunEnd) {
        let operator = Scripted::new(self, true);
        let mut migration = Migration::start(
            &self.graph,
            Some(&self.hub),
            &operator,
            &self.settings,
            request,
        )
        .unwrap();
        let end = migration.run().await.unwrap();
        (migration.id().to_string(), end)
    }

    /// Replaces the journal with `records`, as a crash (or an older run) left it.
    fn rewrite(&self, id: &str, records: &[Record]) {
        let path = journals_dir(self.dir.path()).join(format!("{id}.jsonl"));
        let text: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        std::fs::write(path, text).unwrap();
    }

    /// The journal's records.
    fn records(&self, id: &str) -> Vec<Record> {
        let path = journals_dir(self.dir.path()).join(format!("{id}.jsonl"));
        parse_journal(&std::fs::read(path).unwrap())
            .unwrap()
            .records
    }

    /// Arrivals at the sandbox by route (`POST /{id}/register` → n).
    async fn arrivals(&self, route: &str) -> u64 {
        self.stat("by_route", route).await
    }

    /// One count of `/_sandbox/stats`: `by_route` (arrivals) or `applied` (effects).
    async fn stat(&self, table: &str, route: &str) -> u64 {
        let stats: Value = self
            .graph
            .transport()
            .http()
            .get(format!("{}/_sandbox/stats", self.sim.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats[table][route].as_u64().unwrap_or(0)
    }

    /// Opens journal `id` again, as `--resume` does.
    fn resume<'a>(&'a self, operator: &'a Scripted, id: &str) -> Migration<'a, Scripted> {
        Migration::resume(&self.graph, Some(&self.hub), operator, &self.settings, id).unwrap()
    }

    /// Makes the next POST whose path contains `path` refused (a rate limit) before
    /// the sandbox acts on it: a known outcome without effect.
    async fn refuse_next(&self, path: &str) {
        self.fault_next(path, "rate_limit").await;
    }

    /// Queues a sandbox fault of `kind` for the next POST whose path contains `path`.
    async fn fault_next(&self, path: &str, kind: &str) {
        let answer = self
            .graph
            .transport()
            .http()
            .post(format!("{}/_sandbox/faults", self.sim.base_url))
            .json(&json!({"path_contains": path, "method": "POST", "kind": kind}))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }

    /// Rewrites the journal as a crash right after `step`'s last intent leaves it.
    fn cut_after_intent(&self, id: &str, step: StepId) {
        let records = self.records(id);
        let last = records
            .iter()
            .rposition(|r| matches!(r, Record::Intent { step: s, .. } if s == &step))
            .unwrap_or_else(|| panic!("no intent of {step:?} in {records:?}"));
        self.rewrite(id, &records[..=last]);
    }

    /// Runs `request` (with the call of `step` refused first when `refused` names its
    /// path), cuts the journal after that step's intent and reads the step back.
    async fn read_back_after_crash(
        &self,
        request: &MigrationRequest,
        step: StepId,
        refused: Option<&str>,
    ) -> ReadBack {
        if let Some(path) = refused {
            self.refuse_next(path).await;
        }
        let (id, _) = self.run(request).await;
        self.cut_after_intent(&id, step);
        let operator = Scripted::new(self, true);
        let migration = self.resume(&operator, &id);
        assert_eq!(migration.state().pending_intent(), Some(step));
        migration.read_back(step).await.unwrap()
    }
}

fn graph_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::ToNewWaba,
        variant: PlanVariant::Standard,
        number: NUMBER.to_string(),
        source_waba_id: Some(SOURCE.to_string()),
        destination_waba_id: Some(DEST.to_string()),
    }
}

fn hosting_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::HostingTypeChange,
        variant: PlanVariant::OwnerBackup,
        number: ON_PREMISE.to_string(),
        source_waba_id: Some(SOURCE.to_string()),
        destination_waba_id: None,
    }
}

fn partner_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::ClientPartnerChange,
        variant: PlanVariant::Standard,
        number: "pcr01Kst".to_string(),
        source_waba_id: None,
        destination_waba_id: None,
    }
}

fn assert_took(read: &ReadBack, wanted: &str) {
    match read {
        ReadBack::TookEffect { detail, .. } => assert!(detail.contains(wanted), "{detail}"),
        other => panic!("expected the effect to be read back: {other:?}"),
    }
}

fn assert_no_effect(read: &ReadBack, wanted: &str) {
    match read {
        ReadBack::NoEffect { detail } => assert!(detail.contains(wanted), "{detail}"),
        other => panic!("expected no effect: {other:?}"),
    }
}

/// Reads `step` back after a crash in two fresh worlds: one where its call took
/// effect, one where the sandbox refused it (the POST to `path`) before acting.
async fn both_ways(request: &MigrationRequest, step: StepId, path: &str) -> (ReadBack, ReadBack) {
    let took = Bench::new()
        .await
        .read_back_after_crash(request, step, None)
        .await;
    let refused = Bench::new()
        .await
        .read_back_after_crash(request, step, Some(path))
        .await;
    (took, refused)
}

#[tokio::test]
async fn an_added_number_is_found_in_the_destination_with_its_new_id() {
    let (took, refused) = both_ways(&graph_request(), StepId::AddNumber, "/phone_numbers").await;
    let ReadBack::TookEffect {
        phone_number_id, ..
    } = &took
    else {
        panic!("{took:?}");
    };
    assert!(phone_number_id.is_some(), "the new id comes from the read");
    assert_no_effect(&refused, "not in the destination");
}

#[tokio::test]
async fn a_code_request_cannot_be_read_and_is_taken_as_sent() {
    let bench = Bench::new().await;
    let read = bench
        .read_back_after_crash(&graph_request(), StepId::RequestCode, None)
        .await;
    assert_took(&read, "may already be on its way");
}

#[tokio::test]
async fn a_verified_code_is_read_back_and_a_lost_one_is_not() {
    let (took, refused) = both_ways(&graph_request(), StepId::VerifyCode, "/verify_code").await;
    assert_took(&took, "VERIFIED");
    assert_no_effect(&refused, "code_verification_status");
}

#[tokio::test]
async fn a_register_is_read_back_from_the_number_status() {
    let (took, refused) = both_ways(&graph_request(), StepId::Register, "/register").await;
    assert_took(&took, "CONNECTED");
    assert_no_effect(&refused, "not registered");
}

#[tokio::test]
async fn templates_still_missing_are_counted_from_the_destination() {
    let (copied, refused) = both_ways(
        &graph_request(),
        StepId::Templates,
        "/migrate_message_templates",
    )
    .await;
    let missing = |read: &ReadBack| -> usize {
        match read {
            ReadBack::NoEffect { detail } => {
                detail.split_whitespace().next().unwrap().parse().unwrap()
            }
            ReadBack::TookEffect { .. } => 0,
            ReadBack::Gone { .. } => panic!("{read:?}"),
        }
    };
    assert!(
        missing(&copied) < missing(&refused),
        "the copy's effect shows in the destination: {copied:?} / {refused:?}"
    );
}

#[tokio::test]
async fn an_approved_change_request_is_read_back_from_its_status() {
    let (took, refused) =
        both_ways(&partner_request(), StepId::ApproveChangeRequest, "/approve").await;
    assert_took(&took, "request pcr01Kst is");
    assert_no_effect(&refused, "not approved");
}

#[tokio::test]
async fn a_register_with_backup_is_read_back_from_the_platform_type() {
    let (took, refused) =
        both_ways(&hosting_request(), StepId::RegisterWithBackup, "/register").await;
    assert_took(&took, "CLOUD_API");
    assert_no_effect(&refused, "not on the Cloud API");
}

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
