//! The real API clients against the sandbox over real HTTP on 127.0.0.1: paging,
//! summaries, the whole number migration, register budget, blockers, faults and
//! retries, rate limits, and the 360dialog Partner API.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wamigrate::api::graph::{CodeMethod, TemplateMigrationPage};
use wamigrate::api::{
    CallRecord, ErrorClass, GraphClient, HubAuth, HubClient, RetryPolicy, Transport,
};
use wamigrate::domain::number::NumberStatus;
use wamigrate::domain::partner::PartnerChangeStatus;
use wamigrate::domain::phone::E164;
use wamigrate::sim::{self, SANDBOX_PARTNER_ID, SimConfig, SimHandle};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const FULL: &str = "104996122399162";
const NO_WEBHOOKS: &str = "104996122399163";
const NO_PAYMENT: &str = "104996122399164";
const NOT_APPROVED: &str = "104996122399165";
const MAIN_BUSINESS: &str = "506914307656634";
const READY_NUMBER: &str = "106540352240001";

struct Sandbox {
    handle: SimHandle,
    transport: Transport,
    calls: mpsc::UnboundedReceiver<CallRecord>,
}

impl Sandbox {
    async fn start(config: SimConfig) -> Sandbox {
        let handle = sim::start(config).await.expect("sandbox starts");
        let (tx, calls) = mpsc::unbounded_channel();
        let transport = Transport::new(Duration::from_secs(5), RetryPolicy::default())
            .unwrap()
            .with_observer(tx);
        Sandbox {
            handle,
            transport,
            calls,
        }
    }

    async fn default() -> Sandbox {
        Sandbox::start(SimConfig::default()).await
    }

    fn graph(&self) -> GraphClient {
        GraphClient::new(
            self.transport.clone(),
            &self.handle.base_url,
            "v25.0",
            SecretString::from("sandbox-token"),
        )
        .unwrap()
    }

    fn hub(&self, auth: HubAuth) -> HubClient {
        HubClient::new(
            self.transport.clone(),
            &self.handle.base_url,
            SANDBOX_PARTNER_ID,
            auth,
        )
        .unwrap()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .transport
            .http()
            .request(method, format!("{}/_sandbox/{path}", self.handle.base_url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn otp(&self, id: &str) -> SecretString {
        let answer = self
            .control(reqwest::Method::GET, &format!("otp/{id}"), None)
            .await;
        SecretString::from(
            answer["code"]
                .as_str()
                .expect("a code was requested")
                .to_string(),
        )
    }

    async fn fault(&self, path_contains: &str, method: &str, kind: &str) {
        let body =
            json!({"path_contains": path_contains, "method": method, "kind": kind, "times": 1});
        self.control(reqwest::Method::POST, "faults", Some(body))
            .await;
    }

    async fn advance_clock(&self, secs: u64) {
        self.control(
            reqwest::Method::POST,
            "clock",
            Some(json!({ "advance_secs": secs })),
        )
        .await;
    }

    /// How often a concrete path (`GET /123/phone_numbers`) was requested.
    async fn count(&self, concrete: &str) -> u64 {
        let stats = self.control(reqwest::Method::GET, "stats", None).await;
        stats["by_path"][concrete].as_u64().unwrap_or(0)
    }

    fn drain_calls(&mut self) -> Vec<CallRecord> {
        std::iter::from_fn(|| self.calls.try_recv().ok()).collect()
    }
}

fn e164(raw: &str) -> E164 {
    E164::parse(raw).unwrap()
}

fn pin(p: &str) -> SecretString {
    SecretString::from(p.to_string())
}

#[tokio::test]
async fn numbers_page_across_cursors_and_fields_are_honoured() {
    let sandbox = Sandbox::default().await;
    let numbers = sandbox
        .graph()
        .with_page_size(10)
        .phone_numbers(SOURCE)
        .await
        .unwrap();
    assert_eq!(numbers.len(), 25);
    let mut ids: Vec<&str> = numbers.iter().map(|n| n.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 25, "no item twice across pages");
    assert_eq!(
        sandbox.count(&format!("GET /{SOURCE}/phone_numbers")).await,
        3
    );
    let pending = numbers.iter().find(|n| n.id == "106540352240003").unwrap();
    assert_eq!(
        pending.name_status.as_ref().map(|s| s.as_str()),
        Some("PENDING_REVIEW")
    );
    assert!(
        numbers
            .iter()
            .any(|n| n.status.as_ref().is_some_and(NumberStatus::is_unknown))
    );

    // Raw: default page size 25, `next` only while more pages exist, fields selected.
    let url = format!(
        "{}/v25.0/{SOURCE}/phone_numbers?fields=verified_name&limit=20",
        sandbox.handle.base_url
    );
    let http = sandbox.transport.http();
    let first: Value = http
        .get(&url)
        .bearer_auth("sandbox-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert_eq!(
        first["data"][0].as_object().unwrap().len(),
        2,
        "id and verified_name only"
    );
    let next = first["paging"]["next"].as_str().unwrap();
    let second: Value = http
        .get(next)
        .bearer_auth("sandbox-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["data"].as_array().unwrap().len(), 5);
    assert!(second["paging"].get("next").is_none());
}

#[tokio::test]
async fn wabas_businesses_tokens_and_template_summaries() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let inventory = graph.templates(FULL).await.unwrap();
    assert_eq!(
        (inventory.count, inventory.limit, inventory.templates.len()),
        (Some(238), Some(250), 238)
    );
    assert_eq!(inventory.room(), Some(12));
    let wabas = graph.business_wabas(MAIN_BUSINESS).await.unwrap();
    assert_eq!(wabas.len(), 7, "six owned and one client WABA");
    assert!(!graph.waba(NO_PAYMENT).await.unwrap().has_payment_method());
    assert!(graph.subscribed_apps(NO_WEBHOOKS).await.unwrap().is_empty());
    assert_eq!(graph.subscribed_apps(DEST).await.unwrap().len(), 1);
    assert_eq!(graph.token_waba_ids().await.unwrap().len(), 8);
    let bad = GraphClient::new(
        sandbox.transport.clone(),
        &sandbox.handle.base_url,
        "v25.0",
        SecretString::from("nope"),
    )
    .unwrap();
    assert_eq!(bad.waba(SOURCE).await.unwrap_err().class, ErrorClass::Auth);
    let unknown = graph.phone_number("999").await.unwrap_err();
    assert_eq!(
        (unknown.class, unknown.subcode),
        (ErrorClass::Validation, Some(33))
    );
}

#[tokio::test]
async fn a_number_migrates_end_to_end() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let number = e164("+1 631-555-0101");
    let id = graph.add_number_for_migration(DEST, &number).await.unwrap();
    assert_eq!(
        graph.add_number_for_migration(DEST, &number).await.unwrap(),
        id,
        "a repeated add answers the same id"
    );
    graph
        .request_code(&id, CodeMethod::Sms, "en_US")
        .await
        .unwrap();
    let wrong = graph.verify_code(&id, &pin("000000")).await.unwrap_err();
    assert_eq!(
        (wrong.class, wrong.code),
        (ErrorClass::Registration, Some(136_025))
    );
    graph
        .verify_code(&id, &sandbox.otp(&id).await)
        .await
        .unwrap();
    graph.register(&id, &pin("654321")).await.unwrap();

    let moved = graph.phone_number(&id).await.unwrap();
    assert_eq!(moved.status, Some(NumberStatus::Connected));
    assert_eq!(moved.verified_name.as_deref(), Some("Lucky Shrub"));
    assert_eq!(moved.is_official_business_account, Some(true));
    assert!(
        graph
            .phone_numbers(DEST)
            .await
            .unwrap()
            .iter()
            .any(|n| n.id == id)
    );
    assert_eq!(
        graph.phone_number(READY_NUMBER).await.unwrap().status,
        Some(NumberStatus::Migrated)
    );
    // Meta duplicated the source's approved GREEN templates, quality UNKNOWN.
    let copies = graph.templates(DEST).await.unwrap();
    assert!(copies.count.unwrap() > 40);
    let again = graph
        .add_number_for_migration(DEST, &number)
        .await
        .unwrap_err();
    assert_eq!(
        (again.class, again.subcode),
        (ErrorClass::MigrationBlocker, Some(2_388_012))
    );
}

#[tokio::test]
async fn every_blocker_is_a_migration_blocker_with_its_cause() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let cases = [
        (DEST, "+1 631-555-0103", "display name"),
        (DEST, "+1 631-555-0105", "display name"),
        (DEST, "+1 555-192-0106", "precondition"),
        (DEST, "+1 631-555-0107", "precondition"),
        (DEST, "+49 40 98765435", "different Business Managers"),
        (NO_WEBHOOKS, "+1 631-555-0101", "webhooks"),
        (NO_PAYMENT, "+1 631-555-0101", "payment method"),
        (NOT_APPROVED, "+1 631-555-0101", "not approved"),
        (DEST, "+1 631-555-0199", "no migration is needed"),
        (DEST, "+49 30 12345626", "already in the destination"),
    ];
    for (dest, number, cause) in cases {
        let e = graph
            .add_number_for_migration(dest, &e164(number))
            .await
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::MigrationBlocker, "{number}: {e}");
        assert!(e.sentence.contains(cause), "{number}: {}", e.sentence);
    }
    let not_migrating = graph
        .request_code(READY_NUMBER, CodeMethod::Sms, "en_US")
        .await
        .unwrap_err();
    assert_eq!(
        (not_migrating.class, not_migrating.subcode),
        (ErrorClass::MigrationBlocker, Some(2_388_091))
    );
    // 2FA still on at the source: only its PIN registers.
    let id = graph
        .add_number_for_migration(DEST, &e164("+1 631-555-0102"))
        .await
        .unwrap();
    graph
        .request_code(&id, CodeMethod::Voice, "en_US")
        .await
        .unwrap();
    graph
        .verify_code(&id, &sandbox.otp(&id).await)
        .await
        .unwrap();
    let mismatch = graph.register(&id, &pin("111111")).await.unwrap_err();
    assert_eq!(
        (mismatch.class, mismatch.code),
        (ErrorClass::Registration, Some(133_005))
    );
    graph.register(&id, &pin("482913")).await.unwrap();
}

#[tokio::test]
async fn the_eleventh_register_call_in_72_hours_is_refused() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let id = graph
        .add_number_for_migration(DEST, &e164("+1 631-555-0101"))
        .await
        .unwrap();
    for _ in 0..10 {
        let early = graph.register(&id, &pin("123456")).await.unwrap_err();
        assert_eq!(
            (early.class, early.code),
            (ErrorClass::Registration, Some(133_006))
        );
    }
    let blocked = graph.register(&id, &pin("123456")).await.unwrap_err();
    assert_eq!(
        (blocked.class, blocked.code),
        (ErrorClass::Registration, Some(133_016))
    );
    assert!(blocked.sentence.contains("72 hours"));
    sandbox.advance_clock(72 * 3600).await;
    graph
        .request_code(&id, CodeMethod::Sms, "en_US")
        .await
        .unwrap();
    graph
        .verify_code(&id, &sandbox.otp(&id).await)
        .await
        .unwrap();
    graph.register(&id, &pin("123456")).await.unwrap();
}

#[tokio::test]
async fn reads_are_retried_through_faults_and_writes_are_not() {
    let mut sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let path = format!("GET /{SOURCE}/phone_numbers");
    sandbox.fault("/phone_numbers", "GET", "drop").await;
    assert_eq!(graph.phone_numbers(SOURCE).await.unwrap().len(), 25);
    assert_eq!(sandbox.count(&path).await, 2, "dropped once, then answered");
    sandbox.fault("/phone_numbers", "GET", "html").await;
    assert_eq!(graph.phone_numbers(SOURCE).await.unwrap().len(), 25);
    assert_eq!(sandbox.count(&path).await, 4);
    let classes: Vec<ErrorClass> = sandbox
        .drain_calls()
        .iter()
        .filter_map(|c| c.error.as_ref().map(|e| e.0))
        .collect();
    assert_eq!(classes, vec![ErrorClass::Network, ErrorClass::Transient]);

    let id = graph
        .add_number_for_migration(DEST, &e164("+1 631-555-0101"))
        .await
        .unwrap();
    sandbox.fault("/register", "POST", "drop").await;
    let dropped = graph.register(&id, &pin("123456")).await.unwrap_err();
    assert_eq!(dropped.class, ErrorClass::Network);
    assert_eq!(
        sandbox.count(&format!("POST /{id}/register")).await,
        1,
        "a register call is never repeated"
    );
    sandbox.fault("/register", "POST", "graph_transient").await;
    assert_eq!(
        graph.register(&id, &pin("123456")).await.unwrap_err().class,
        ErrorClass::Transient
    );
    assert_eq!(sandbox.count(&format!("POST /{id}/register")).await, 2);
}

#[tokio::test]
async fn the_waba_rate_limit_answers_80008_and_retry_after_is_honoured() {
    let config = SimConfig {
        rate_limit_per_hour: Some(3),
        rate_window: Duration::from_secs(2),
        ..SimConfig::default()
    };
    let mut sandbox = Sandbox::start(config).await;
    let graph = sandbox.graph();
    for _ in 0..4 {
        graph.waba(SOURCE).await.unwrap();
    }
    let calls = sandbox.drain_calls();
    let throttled = calls
        .iter()
        .find(|c| {
            c.error
                .as_ref()
                .is_some_and(|e| e.0 == ErrorClass::RateLimited)
        })
        .expect("one call was throttled");
    assert_eq!(throttled.http_status, Some(400));
    assert_eq!(throttled.usage.map(|u| u.percent), Some(100));
    assert!(
        calls.last().unwrap().error.is_none() && calls.last().unwrap().attempt == 2,
        "the retry after Retry-After succeeded"
    );
    assert!(
        calls[0].usage.is_some_and(|u| u.percent == 33),
        "usage is reported before the limit"
    );
    assert_eq!(sandbox.count(&format!("GET /{SOURCE}")).await, 5);
    // Another WABA has its own window.
    graph.waba(DEST).await.unwrap();
}

#[tokio::test]
async fn template_migration_between_wabas_of_one_business() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let page = TemplateMigrationPage::Page {
        page_number: 0,
        count: 500,
    };
    let result = graph
        .migrate_message_templates(FULL, SOURCE, &page)
        .await
        .unwrap();
    assert_eq!(
        result.migrated_templates.len(),
        12,
        "stops at the destination's limit"
    );
    assert!(
        result
            .failed_templates
            .values()
            .any(|r| r == "Template limit reached")
    );
    let retry =
        TemplateMigrationPage::Ids(result.failed_templates.keys().take(3).cloned().collect());
    let again = graph
        .migrate_message_templates(FULL, SOURCE, &retry)
        .await
        .unwrap();
    assert_eq!(again.failed_templates.len(), 3);
    let other = graph
        .migrate_message_templates(DEST, "210448776512093", &page)
        .await
        .unwrap_err();
    assert_eq!(other.class, ErrorClass::Validation);
}

#[tokio::test]
async fn hub_lists_filter_page_and_refresh_the_login() {
    let config = SimConfig {
        fleet: Some(230),
        hub_token_ttl: Duration::from_secs(600),
        ..SimConfig::default()
    };
    let fleet = Sandbox::start(config).await;
    let by_key = fleet.hub(HubAuth::ApiKey(SecretString::from("sandbox-hub-key")));
    assert_eq!(
        by_key.channels(None).await.unwrap().len(),
        230,
        "three pages of 100"
    );
    let path = format!("GET /api/v2/partners/{SANDBOX_PARTNER_ID}/channels");
    assert_eq!(fleet.count(&path).await, 3);

    let sandbox = Sandbox::default().await;
    let hub = sandbox.hub(HubAuth::ApiKey(SecretString::from("sandbox-hub-key")));
    assert_eq!(hub.clients(None).await.unwrap().len(), 5);
    let channels = hub
        .channels(Some(&json!({"setup_info.phone_number": "+16315550101"})))
        .await
        .unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(
        channels[0]
            .waba_account
            .as_ref()
            .unwrap()
            .external_id
            .as_deref(),
        Some(SOURCE)
    );
    assert!(
        hub.channels(None)
            .await
            .unwrap()
            .iter()
            .any(|c| c.status.as_ref().is_some_and(|s| s.is_unknown()))
    );
    let wrong = sandbox
        .hub(HubAuth::ApiKey(SecretString::from("wrong")))
        .clients(None)
        .await
        .unwrap_err();
    assert_eq!(wrong.class, ErrorClass::Auth);

    let login = sandbox.hub(HubAuth::Login {
        username: "sandbox@example.com".into(),
        password: SecretString::from("sandbox-password"),
    });
    login.clients(None).await.unwrap();
    sandbox.advance_clock(86_401).await;
    login.clients(None).await.unwrap();
    assert_eq!(
        sandbox.count("POST /api/v2/token").await,
        2,
        "the expired token was refreshed once"
    );

    let approved = hub
        .approve_partner_change_request("pcr01Kst")
        .await
        .unwrap();
    assert_eq!(approved.status, Some(PartnerChangeStatus::Pending));
    hub.approve_partner_change_request("pcr03Cas")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let requests = hub.partner_change_requests().await.unwrap();
    let status = |id: &str| {
        requests
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.status.clone())
    };
    assert_eq!(status("pcr01Kst"), Some(PartnerChangeStatus::Completed));
    assert_eq!(status("pcr03Cas"), Some(PartnerChangeStatus::Failed));
    assert_eq!(status("pcr02Nrd"), Some(PartnerChangeStatus::Pending));
}

#[tokio::test]
async fn reset_restores_the_seeded_world() {
    let sandbox = Sandbox::default().await;
    let graph = sandbox.graph();
    let id = graph
        .add_number_for_migration(DEST, &e164("+1 631-555-0101"))
        .await
        .unwrap();
    sandbox.control(reqwest::Method::POST, "reset", None).await;
    assert_eq!(graph.phone_number(&id).await.unwrap_err().subcode, Some(33));
    assert_eq!(graph.phone_numbers(DEST).await.unwrap().len(), 3);
    sandbox.handle.shutdown().await;
}
