//! The runner against the in-process sandbox: each branch of the reconcile table is
//! reached the way a crash reaches it (a run journals a call's intent and dies before
//! its outcome), and must read the effect back rather than send the call again.

use std::sync::Mutex;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};

use super::reconcile::{ReadBack, Redo};
use super::*;
use crate::api::graph::DEFAULT_GRAPH_VERSION;
use crate::api::{HubAuth, RetryPolicy, Transport};
use crate::domain::journal::{CallOutcome, parse_lines};
use crate::ops::journal_store::journals_dir;
use crate::sim::{self, SANDBOX_PARTNER_ID, SimConfig, SimHandle};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const NUMBER: &str = "+16315550101";
const ON_PREMISE: &str = "106540352240008";
const PIN: &str = "246810";

/// An operator that agrees (or not) to everything and reads codes from the sandbox.
struct Scripted {
    agree: bool,
    http: reqwest::Client,
    base_url: String,
    lines: Mutex<Vec<Line>>,
    questions: Mutex<Vec<Question>>,
}

impl Scripted {
    fn new(bench: &Bench, agree: bool) -> Scripted {
        Scripted {
            agree,
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

    async fn confirm(&self, question: Question) -> bool {
        self.questions.lock().unwrap().push(question);
        self.agree
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
        let sim = sim::start(SimConfig::default()).await.unwrap();
        let transport = Transport::new(Duration::from_secs(10), RetryPolicy::default()).unwrap();
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

    /// Opens journal `id` again, as `--resume` does.
    fn resume<'a>(&'a self, operator: &'a Scripted, id: &str) -> Migration<'a, Scripted> {
        Migration::resume(&self.graph, Some(&self.hub), operator, &self.settings, id).unwrap()
    }

    /// Makes the next POST whose path contains `path` fail with an HTTP 500 before
    /// the sandbox acts on it.
    async fn refuse_next(&self, path: &str) {
        let answer = self
            .graph
            .transport()
            .http()
            .post(format!("{}/_sandbox/faults", self.sim.base_url))
            .json(&json!({"path_contains": path, "method": "POST", "kind": "http500"}))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }

    /// Rewrites the journal as a crash right after `step`'s last intent leaves it.
    fn cut_after_intent(&self, id: &str, step: StepId) {
        let path = journals_dir(self.dir.path()).join(format!("{id}.jsonl"));
        let records = parse_lines(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let last = records
            .iter()
            .rposition(|r| matches!(r, Record::Intent { step: s, .. } if *s == step))
            .unwrap_or_else(|| panic!("no intent of {step:?} in {records:?}"));
        let text: String = records[..=last]
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        std::fs::write(&path, text).unwrap();
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
        assert_eq!(migration.state().pending_intent, Some(step));
        migration.read_back(step).await.unwrap()
    }
}

fn graph_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::ToNewWaba,
        number: NUMBER.to_string(),
        source_waba_id: Some(SOURCE.to_string()),
        destination_waba_id: Some(DEST.to_string()),
    }
}

fn hosting_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::HostingTypeChange,
        number: ON_PREMISE.to_string(),
        source_waba_id: Some(SOURCE.to_string()),
        destination_waba_id: None,
    }
}

fn partner_request() -> MigrationRequest {
    MigrationRequest {
        scenario: Scenario::ClientPartnerChange,
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

fn assert_no_effect(read: &ReadBack, wanted: &str) -> Redo {
    match read {
        ReadBack::NoEffect { detail, then } => {
            assert!(detail.contains(wanted), "{detail}");
            then.clone()
        }
        other => panic!("expected no effect: {other:?}"),
    }
}

#[tokio::test]
async fn an_added_number_is_found_in_the_destination_with_its_new_id() {
    let bench = Bench::new().await;
    let read = bench
        .read_back_after_crash(&graph_request(), StepId::AddNumber, None)
        .await;
    let ReadBack::TookEffect {
        phone_number_id, ..
    } = &read
    else {
        panic!("{read:?}");
    };
    assert!(phone_number_id.is_some(), "the new id comes from the read");
}

#[tokio::test]
async fn an_add_that_never_arrived_is_asked_about_before_it_is_sent_again() {
    let bench = Bench::new().await;
    let read = bench
        .read_back_after_crash(&graph_request(), StepId::AddNumber, Some("/phone_numbers"))
        .await;
    let redo = assert_no_effect(&read, "not in the destination");
    assert!(matches!(redo, Redo::Ask(q) if q.text.contains("Send it again")));
}

#[tokio::test]
async fn a_code_request_cannot_be_read_and_is_taken_as_sent() {
    let bench = Bench::new().await;
    let read = bench
        .read_back_after_crash(&graph_request(), StepId::RequestCode, None)
        .await;
    assert_took(&read, "may already be on its way");
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
async fn a_verified_code_is_read_back_and_a_lost_one_asked_again() {
    let (took, refused) = both_ways(&graph_request(), StepId::VerifyCode, "/verify_code").await;
    assert_took(&took, "VERIFIED");
    assert_eq!(
        assert_no_effect(&refused, "did not take effect"),
        Redo::Say,
        "the code prompt is the question"
    );
}

#[tokio::test]
async fn a_register_that_took_effect_is_not_sent_again_and_one_that_did_not_is_asked() {
    let (took, refused) = both_ways(&graph_request(), StepId::Register, "/register").await;
    assert_took(&took, "CONNECTED");
    let redo = assert_no_effect(&refused, "did not take effect");
    assert!(matches!(redo, Redo::Ask(q) if q.text.contains("Register again")));
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
        assert_eq!(assert_no_effect(read, "still missing"), Redo::Record);
        let ReadBack::NoEffect { detail, .. } = read else {
            unreachable!()
        };
        detail.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert!(
        missing(&copied) < missing(&refused),
        "the copy's effect shows in the destination: {copied:?} / {refused:?}"
    );
}

#[tokio::test]
async fn an_approved_change_request_is_read_back_and_an_unapproved_one_said() {
    let (took, refused) =
        both_ways(&partner_request(), StepId::ApproveChangeRequest, "/approve").await;
    assert_took(&took, "request pcr01Kst is");
    assert_eq!(assert_no_effect(&refused, "not approved yet"), Redo::Say);
}

#[tokio::test]
async fn a_register_with_backup_is_read_back_from_the_platform_type() {
    let (took, refused) =
        both_ways(&hosting_request(), StepId::RegisterWithBackup, "/register").await;
    assert_took(&took, "CLOUD_API");
    assert_eq!(assert_no_effect(&refused, "did not take effect"), Redo::Say);
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
    assert_eq!(state.pending_intent, None);
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
async fn a_declined_redo_pauses_with_nothing_sent() {
    let (bench, id, operator) = resumed_at_register(true, false).await;
    let mut migration = bench.resume(&operator, &id);
    let end = migration.run().await.unwrap();
    assert!(
        matches!(&end, RunEnd::Paused { step: StepId::Register, reason } if reason.contains("did not take effect")),
        "{end:?}"
    );
    assert_eq!(operator.asked().len(), 1, "asked once, nothing sent");
    assert!(!migration.state().done.contains(&StepId::Register));
}

#[tokio::test]
async fn a_whole_graph_migration_runs_to_its_end_on_the_runner() {
    let bench = Bench::new().await;
    let (id, end) = bench.run(&graph_request()).await;
    assert!(matches!(end, RunEnd::Completed), "{end:?}");
    let records = parse_lines(
        &std::fs::read_to_string(journals_dir(bench.dir.path()).join(format!("{id}.jsonl")))
            .unwrap(),
    )
    .unwrap();
    let state = crate::domain::journal::replay(&records).unwrap();
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
