//! Template review against the sandbox: the migration run's paging and retry over real
//! HTTP, and the headless `templates diff` JSON contract.

mod common;

use std::time::Duration;

use secrecy::SecretString;
use wamigrate::api::{GraphClient, RetryPolicy, Transport};
use wamigrate::domain::eligibility::{Mode, Outcome, predict};
use wamigrate::ops::template_migration::{TemplateRun, retry_ids, run_pages};
use wamigrate::sim::{self, SimConfig};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";

#[tokio::test]
async fn twelve_hundred_templates_take_three_pages_then_one_retry_of_the_failed_ids_only() {
    let sandbox = sim::start(SimConfig {
        templates: Some(1200),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let transport = Transport::new(Duration::from_secs(10), RetryPolicy::default()).unwrap();
    let graph = GraphClient::new(
        transport,
        &sandbox.base_url,
        "v25.0",
        SecretString::from("sandbox-token"),
    )
    .unwrap();
    let source = graph.templates(SOURCE).await.unwrap();
    assert_eq!(source.templates.len(), 1200);
    let dest = graph.templates(DEST).await.unwrap();
    let expected = predict(&source, &dest, Mode::Api).ids_with(&source, Outcome::Migrate);

    let mut run = TemplateRun::new(SOURCE, DEST);
    run.expected = expected.clone();
    run_pages(&graph, &mut run, source.templates.len(), &|_| {}).await;
    let pages: Vec<&str> = run.calls.iter().map(|c| c.request.as_str()).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    for page in 0..3 {
        assert!(
            pages.contains(&format!("page {page} (count 500)").as_str()),
            "{pages:?}"
        );
    }
    let failed = run.failed_ids();
    assert_eq!(failed.len(), run.tally().failed.len());
    assert!(
        !failed.is_empty(),
        "the sandbox fails a share of copies on purpose"
    );
    assert!(
        failed.iter().all(|id| expected.contains(id)),
        "only expected templates are retried"
    );

    retry_ids(&graph, &mut run, &failed, &|_| {}).await;
    assert_eq!(run.calls.len(), 4);
    assert_eq!(
        run.calls[3].request,
        format!("retry of {} ids", failed.len())
    );

    let stats: serde_json::Value = reqwest::get(format!("{}/_sandbox/stats", sandbox.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["by_route"]["POST /{id}/migrate_message_templates"], 4,
        "{stats}"
    );
}

#[test]
fn diff_json_follows_the_contract_on_the_sandbox_portfolio() {
    let sim = common::SimProcess::start(&[]);
    let run = common::wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "templates",
            "diff",
            "--from",
            SOURCE,
            "--to",
            DEST,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["source_waba_id"], SOURCE);
    assert_eq!(doc["destination_waba_id"], DEST);
    assert_eq!(doc["mode"], "number");
    assert_eq!(doc["destination"]["count"], 40);
    assert_eq!(doc["destination"]["limit"], 250);
    let templates = doc["templates"].as_array().unwrap();
    assert_eq!(templates.len(), 140);
    for t in templates {
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 8, "{keys:?}");
        assert_eq!(
            t["outcome"] == "migrate",
            t["reason"].is_null(),
            "reason is null exactly when migrating: {t}"
        );
        if t["outcome"] == "migrate" {
            assert_eq!(t["status"], "APPROVED");
            assert_eq!(t["quality"], "GREEN", "number mode carries GREEN only");
        }
    }
    let summary = &doc["summary"];
    let sum: u64 = [
        "migrate",
        "ineligible",
        "already_in_destination",
        "over_limit",
    ]
    .iter()
    .map(|k| summary[k].as_u64().unwrap())
    .sum();
    assert_eq!(sum, summary["total"].as_u64().unwrap());
    assert!(
        summary["already_in_destination"].as_u64().unwrap() > 0,
        "the portfolio collides on purpose"
    );

    let api = common::wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "templates",
            "diff",
            "--from",
            SOURCE,
            "--to",
            DEST,
            "--mode",
            "api",
            "--format",
            "json",
        ],
        &[],
    );
    let api: serde_json::Value = serde_json::from_str(&api.stdout).unwrap();
    assert!(
        api["summary"]["migrate"].as_u64() > summary["migrate"].as_u64(),
        "api mode also takes UNKNOWN quality"
    );
}
