//! The client's fleet reads over HTTP against the sandbox: the nested paging of field
//! expansion, batches with a failing and an uncompleted operation, usage from the
//! operations, and the fallbacks when a Graph version refuses either.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};

use crate::api::{ErrorClass, GraphClient, RetryPolicy, Transport};
use crate::sim::{self, SimConfig, SimHandle};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const KESTREL: &str = "210448776512093";
const MISSING: &str = "999000000000001";

fn client(sandbox: &SimHandle, page_size: u32) -> GraphClient {
    let transport = Transport::new(Duration::from_secs(10), RetryPolicy::default()).unwrap();
    GraphClient::new(
        transport,
        &sandbox.base_url,
        "v25.0",
        SecretString::from("sandbox-token"),
    )
    .unwrap()
    .with_page_size(page_size)
}

/// Calls the sandbox counted, by route.
async fn routes(sandbox: &SimHandle) -> Value {
    reqwest::get(format!("{}/_sandbox/stats", sandbox.base_url))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["by_route"]
        .clone()
}

#[tokio::test]
async fn one_waba_and_its_numbers_come_in_one_call_and_the_nested_pages_follow() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let graph = client(&sandbox, 10);
    let read = graph.waba_with_numbers(SOURCE).await.unwrap();
    assert_eq!(read.waba.name.as_deref(), Some("Lucky Shrub Retail"));
    assert_eq!(
        read.numbers.len(),
        25,
        "the seeded source's numbers, over three pages"
    );
    let mut ids: Vec<&str> = read.numbers.iter().map(|n| n.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 25, "no page read twice");
    let by_route = routes(&sandbox).await;
    assert_eq!(by_route["GET /{id}"], 1, "the WABA with its first page");
    assert_eq!(
        by_route["GET /{id}/phone_numbers"], 2,
        "the rest from the edge, after the expansion's cursor"
    );
}

#[tokio::test]
async fn a_batch_reads_several_wabas_in_one_round_trip_and_a_failure_stays_its_own() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let graph = client(&sandbox, 100);
    let asked: Vec<String> = [SOURCE, MISSING, DEST, KESTREL].map(String::from).to_vec();
    let read = graph.wabas_with_numbers(&asked).await;
    let ids: Vec<&str> = read.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [SOURCE, MISSING, DEST, KESTREL], "in the order asked");
    let counts: Vec<Option<usize>> = read
        .iter()
        .map(|(_, r)| r.as_ref().ok().map(|w| w.numbers.len()))
        .collect();
    assert_eq!(counts, [Some(25), None, Some(3), Some(6)]);
    let failure = read[1].1.as_ref().unwrap_err();
    assert_eq!(failure.class, ErrorClass::Validation);
    assert_eq!(
        (failure.code, failure.subcode),
        (Some(100), Some(33)),
        "the operation's own error, as its own call would have had it"
    );
    assert!(failure.endpoint.contains(MISSING), "{}", failure.endpoint);
    let by_route = routes(&sandbox).await;
    assert_eq!(by_route["POST /"], 1, "one HTTP call for the four WABAs");
    assert_eq!(by_route["GET /{id}"], 4);
}

#[tokio::test]
async fn an_operation_the_batch_did_not_complete_is_read_again_on_its_own() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    // A bare reqwest client needs the crypto provider the transport installs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url))
        .json(&json!({"path_contains": format!("/{DEST}"), "kind": "drop"}))
        .send()
        .await
        .unwrap();
    let graph = client(&sandbox, 100);
    let read = graph
        .wabas_with_numbers(&[SOURCE.to_string(), DEST.to_string()])
        .await;
    assert!(read.iter().all(|(_, r)| r.is_ok()), "{read:?}");
    assert_eq!(
        routes(&sandbox).await["GET /{id}"],
        3,
        "two in the batch, one again"
    );
}

#[tokio::test]
async fn usage_reported_by_each_operation_paces_and_rests_its_waba() {
    let sandbox = sim::start(SimConfig {
        rate_limit_per_hour: Some(2),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let graph = client(&sandbox, 100);
    let read = graph
        .wabas_with_numbers(&[DEST.to_string(), DEST.to_string(), SOURCE.to_string()])
        .await;
    assert!(read[0].1.is_ok() && read[2].1.is_ok());
    let usage = graph
        .transport()
        .last_usage()
        .expect("usage from the operations");
    assert!(usage.percent >= 50, "{usage:?}");
    assert!(
        graph.transport().rest_left(DEST).is_some(),
        "the destination's second read filled its window: it rests"
    );
    assert!(graph.transport().rest_left(SOURCE).is_none());
}

#[tokio::test]
async fn a_version_without_batches_or_expansion_is_read_call_by_call() {
    let sandbox = sim::start(SimConfig {
        batch_requests: false,
        drop_fields: vec!["WhatsAppBusinessAccount.phone_numbers".into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let graph = client(&sandbox, 100);
    let asked = [SOURCE.to_string(), DEST.to_string()];
    let read = graph.wabas_with_numbers(&asked).await;
    let counts: Vec<usize> = read
        .iter()
        .map(|(_, r)| r.as_ref().unwrap().numbers.len())
        .collect();
    assert_eq!(counts, [25, 3]);
    // Remembered: the next read goes straight to the plain calls.
    let before = routes(&sandbox).await;
    graph.wabas_with_numbers(&asked).await;
    let after = routes(&sandbox).await;
    let delta =
        |route: &str| after[route].as_u64().unwrap_or(0) - before[route].as_u64().unwrap_or(0);
    assert_eq!(delta("POST /"), 0);
    assert_eq!(delta("GET /{id}"), 2, "the WABAs");
    assert_eq!(delta("GET /{id}/phone_numbers"), 2, "their edges");
}

#[tokio::test]
async fn a_field_this_version_lacks_is_dropped_from_the_nested_list() {
    let sandbox = sim::start(SimConfig {
        drop_fields: vec!["messaging_limit_tier".into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let graph = client(&sandbox, 100);
    let read = graph
        .wabas_with_numbers(&[SOURCE.to_string(), DEST.to_string()])
        .await;
    for (_, result) in &read {
        let waba = result.as_ref().unwrap();
        assert!(
            waba.waba.fields_not_read.is_empty(),
            "a number field, not a WABA's"
        );
        assert!(waba.numbers.iter().all(|n| {
            !n.was_read("messaging_limit_tier")
                && !n.was_read("health_status")
                && n.was_read("whatsapp_business_manager_messaging_limit")
        }));
    }
    assert_eq!(
        graph
            .dropped_fields()
            .of(crate::api::fields::FieldSet::PhoneNumber),
        ["messaging_limit_tier"]
    );
}

#[tokio::test]
async fn a_fleet_read_asks_only_for_the_fields_a_row_shows_and_marks_the_rest_not_read() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let graph = client(&sandbox, 10);
    let read = graph.waba_with_numbers(SOURCE).await.unwrap();
    assert_eq!(read.numbers.len(), 25, "every page, first and further");
    for number in &read.numbers {
        assert!(number.status.is_some(), "a fleet field is read");
        assert_eq!(
            number.health_status, None,
            "not asked: the sandbox sent none"
        );
        assert_eq!(number.last_onboarded_time, None);
        assert!(!number.was_read("health_status"), "unknown, not absent");
        assert!(!number.was_read("last_onboarded_time"));
        assert!(number.was_read("status"));
    }
}
