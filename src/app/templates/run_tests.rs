//! The TUI's template run against the sandbox: a page whose answer was lost is read
//! back (never re-sent as a page), the decision lists what a fresh read lacks, and the
//! end carries the tally of a fresh read.

use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::mpsc;

use super::run::{RunInstruction, RunUpdate, execute};
use crate::api::{GraphClient, RetryPolicy, Transport};
use crate::app::action::Action;
use crate::app::jobs::Jobs;
use crate::ops::template_migration::TemplateRun;
use crate::sim::{self, SimConfig};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";

async fn next_update(results: &mut mpsc::Receiver<Action>) -> RunUpdate {
    loop {
        let action = tokio::time::timeout(Duration::from_secs(60), results.recv())
            .await
            .expect("the run reports")
            .expect("the run is alive");
        if let Action::TemplateRun(event) = action
            && !matches!(event.update, RunUpdate::Progress(_))
        {
            return event.update;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_page_is_read_back_and_the_decision_and_the_end_come_from_fresh_reads() {
    let sandbox = sim::start(SimConfig {
        templates: Some(1200),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let in_flight = Duration::from_secs(2);
    let graph = GraphClient::new(
        Transport::new(in_flight, RetryPolicy::default()).unwrap(),
        &sandbox.base_url,
        "v25.0",
        SecretString::from("sandbox-token"),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let queued = http
        .post(format!("{}/_sandbox/faults", sandbox.base_url))
        .json(&serde_json::json!({
            "path_contains": "/migrate_message_templates",
            "method": "POST",
            "kind": "drop",
            "times": 1
        }))
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success());
    let data_dir = tempfile::tempdir().unwrap();
    let (results, mut received) = mpsc::channel(64);
    let mut jobs: Jobs<(), RunInstruction, Action> = Jobs::new(results);
    let (graph_for_run, dir) = (graph.clone(), data_dir.path().to_path_buf());
    jobs.start((), 7, move |context| {
        execute(
            graph_for_run,
            dir,
            in_flight,
            TemplateRun::new(SOURCE, DEST),
            context,
        )
    });

    let RunUpdate::AwaitingDecision {
        record, missing, ..
    } = next_update(&mut received).await
    else {
        panic!("the sandbox refuses some copies on purpose: the run waits for a decision");
    };
    let pages: Vec<&str> = record
        .calls
        .iter()
        .map(|c| c.request.as_str())
        .filter(|r| r.starts_with("page "))
        .collect();
    assert_eq!(pages.len(), 3, "no page is sent twice or split: {pages:?}");
    assert!(
        record.calls[3..]
            .iter()
            .all(|c| c.request.starts_with("retry of ")),
        "the lost page's missing templates went by id"
    );
    assert_eq!(record.read_backs.len(), 1, "{:?}", record.read_backs);
    let dest = graph.templates(DEST).await.unwrap();
    let source = graph.templates(SOURCE).await.unwrap();
    let lacking = crate::ops::template_tally::missing(&record, &source, &dest);
    assert_eq!(
        missing
            .iter()
            .map(|m| m.source_id.clone())
            .collect::<Vec<_>>(),
        lacking,
        "the decision lists what the destination lacks"
    );

    assert!(jobs.tell(&(), 7, RunInstruction::Finish));
    assert!(matches!(
        next_update(&mut received).await,
        RunUpdate::Rechecking
    ));
    let RunUpdate::Finished {
        record, recheck, ..
    } = next_update(&mut received).await
    else {
        panic!("finished");
    };
    assert!(recheck.is_ok());
    let tally = record.tally.expect("the tally of a fresh read");
    assert_eq!(tally.failed.len(), missing.len());
    assert_eq!(tally.migrated + tally.failed.len(), tally.expected);
}
