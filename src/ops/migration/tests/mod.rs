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

mod resume;
