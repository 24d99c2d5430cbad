//! Tests of the fleet read against the sandbox: each WABA's rows are sent as they
//! arrive, and a WABA that fails does not stop the others.

use secrecy::SecretString;

use super::*;
use crate::api::{HubAuth, RetryPolicy, Transport};
use crate::config::{SANDBOX_HUB_KEY, SANDBOX_TOKEN};
use crate::sim::{self, SANDBOX_PARTNER_ID, SimConfig};

/// Rows stream: while one WABA's answer is held back by the sandbox, every other
/// WABA's rows have already been sent (a read that gathered before sending would send
/// nothing until the held answer came, and by then it would no longer be in flight).
#[tokio::test]
async fn each_wabas_rows_are_sent_while_another_waba_is_still_unanswered() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let transport = Transport::new(std::time::Duration::from_secs(60), retry).unwrap();
    let graph = GraphClient::new(
        transport,
        &sandbox.base_url,
        "v25.0",
        SecretString::from(SANDBOX_TOKEN),
    )
    .unwrap();
    let wabas = select_wabas(&graph, &[], &[]).await.unwrap();
    assert!(wabas.len() >= 3, "the seeded portfolio has several WABAs");
    let held = wabas[1].clone();
    // Answered, then held back past the test: the read of `held` stays in flight.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(format!("{}/_sandbox/faults", sandbox.base_url))
        .json(&serde_json::json!({"path_contains": format!("/{held}"), "kind": "apply_then_stall"}))
        .send()
        .await
        .unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let query = FleetQuery {
        waba_ids: Some(wabas.clone()),
        ..FleetQuery::default()
    };
    let (sender, mut inbox) = mpsc::channel(1);
    let others_arrived = async {
        let mut arrived = std::collections::HashSet::new();
        while arrived.len() < wabas.len() - 1 {
            match inbox.recv().await {
                Some(FleetEvent::Waba { waba_id, result }) => {
                    assert_ne!(waba_id, held, "the held WABA answered: {result:?}");
                    assert!(result.is_ok(), "{waba_id}: {result:?}");
                    arrived.insert(waba_id);
                }
                Some(_) => {}
                None => panic!("the read ended before the other WABAs were sent"),
            }
        }
        // Checked while the read runs: leaving the select below cancels it.
        let waiting = graph.transport().longest_wait();
        assert!(
            waiting.as_ref().is_some_and(|w| w.endpoint.contains(&held)),
            "the held WABA is still in flight: {:?}",
            waiting.map(|w| w.endpoint)
        );
    };
    tokio::select! {
        () = read_fleet(&graph, None, data_dir.path(), query, sender) => {
            panic!("the read cannot end while an answer is held back")
        }
        () = others_arrived => {}
    }
}

/// Against the sandbox: every WABA streams back on its own, a WABA that does not
/// exist fails alone, channels and journals arrive, and `Finished` comes last.
#[tokio::test]
async fn a_read_streams_each_waba_and_a_failure_does_not_stop_the_others() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let transport =
        Transport::new(std::time::Duration::from_secs(10), RetryPolicy::default()).unwrap();
    let graph = GraphClient::new(
        transport.clone(),
        &sandbox.base_url,
        "v25.0",
        SecretString::from(SANDBOX_TOKEN),
    )
    .unwrap();
    let hub = HubClient::new(
        transport,
        &sandbox.base_url,
        SANDBOX_PARTNER_ID,
        HubAuth::ApiKey(SecretString::from(SANDBOX_HUB_KEY)),
    )
    .unwrap();
    let wabas = select_wabas(&graph, &[], &[]).await.unwrap();
    let mut asked = wabas.clone();
    asked.push("999000000000000".into());
    let data_dir = tempfile::tempdir().unwrap();
    let query = FleetQuery {
        waba_ids: Some(asked.clone()),
        ..FleetQuery::default()
    };
    let (sender, mut inbox) = mpsc::channel(1);
    let collect = async {
        let mut events = Vec::new();
        while let Some(event) = inbox.recv().await {
            events.push(event);
        }
        events
    };
    let ((), events) = tokio::join!(
        read_fleet(&graph, Some(&hub), data_dir.path(), query.clone(), sender),
        collect
    );
    assert!(matches!(events[0], FleetEvent::Planned { wabas } if wabas == asked.len()));
    assert!(matches!(events.last(), Some(FleetEvent::Finished)));
    let (mut read_ok, mut failed, mut numbers) = (0, Vec::new(), 0);
    for event in &events {
        if let FleetEvent::Waba { waba_id, result } = event {
            match result {
                Ok(rows) => {
                    read_ok += 1;
                    numbers += rows.len();
                }
                Err(_) => failed.push(waba_id.as_str()),
            }
        }
    }
    assert_eq!(read_ok, wabas.len());
    assert_eq!(failed, ["999000000000000"]);
    assert_eq!(numbers, 40, "the seeded portfolio's numbers");
    assert!(events.iter().any(|e| matches!(
        e,
        FleetEvent::Channels { result: Ok(channels), .. } if !channels.is_empty()
    )));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, FleetEvent::Journals(Ok(j)) if j.is_empty()))
    );

    // Gathered for a command: the same rows, the one failure.
    let report = read_all(&graph, Some(&hub), data_dir.path(), query).await;
    assert_eq!(
        report
            .rows
            .iter()
            .filter(|r| r.origin == RowOrigin::Graph)
            .count(),
        40
    );
    assert_eq!(report.failures.len(), 1);
    assert!(matches!(&report.failures[0], ReadFailure::Waba(id, _) if id == "999000000000000"));
}
