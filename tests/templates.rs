//! Template review against the sandbox: the migration run's paging and retry over real
//! HTTP, and the headless `templates diff` JSON contract.

mod common;

use std::time::Duration;

use secrecy::SecretString;
use wamigrate::api::{GraphClient, RetryPolicy, Transport};
use wamigrate::domain::eligibility::{Mode, Outcome, predict};
use wamigrate::ops::template_migration::{
    TemplateRun, missing_after_pages, recheck, retry_ids, run_pages, settle_lost_pages,
};
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
    let forecast = predict(&source, &dest, Mode::Api);
    let expected = forecast.ids_with(&source, Outcome::Migrate);

    let mut run = TemplateRun::new(SOURCE, DEST);
    run.expect(&forecast, &source);
    assert_eq!(run.expected, expected);
    run_pages(&graph, &mut run, source.templates.len(), &|_| {}).await;
    let pages: Vec<&str> = run.calls.iter().map(|c| c.request.as_str()).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    for page in 0..3 {
        assert!(
            pages.contains(&format!("page {page} (count 500)").as_str()),
            "{pages:?}"
        );
    }
    // The retry names what a fresh read of the destination lacks, by name and language.
    let failed = missing_after_pages(&graph, &run, &source).await.unwrap();
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
    recheck(&graph, &mut run, &source).await.unwrap();
    let tally = run.tally.clone().unwrap();
    assert_eq!(tally.expected, expected.len());
    assert_eq!(tally.migrated + tally.failed.len(), tally.expected);
    assert_eq!(
        tally.expected + tally.already_present + tally.not_eligible + tally.over_limit,
        1200
    );
    assert_eq!(tally.calls, 4);

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

#[tokio::test]
async fn a_page_whose_answer_was_lost_is_read_back_and_only_its_missing_templates_are_sent() {
    let sandbox = sim::start(SimConfig {
        templates: Some(1200),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let in_flight = Duration::from_secs(2);
    let transport = Transport::new(in_flight, RetryPolicy::default()).unwrap();
    let graph = GraphClient::new(
        transport,
        &sandbox.base_url,
        "v25.0",
        SecretString::from("sandbox-token"),
    )
    .unwrap();
    let source = graph.templates(SOURCE).await.unwrap();
    let dest = graph.templates(DEST).await.unwrap();
    let forecast = predict(&source, &dest, Mode::Api);
    let http = reqwest::Client::new();
    // The first page call gets no answer (the connection drops; it is not carried out).
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

    let mut run = TemplateRun::new(SOURCE, DEST);
    run.expect(&forecast, &source);
    run_pages(&graph, &mut run, source.templates.len(), &|_| {}).await;
    assert_eq!(
        run.calls.len(),
        3,
        "three pages, none split or re-sent at once"
    );
    assert_eq!(run.lost_answers, 1);
    let missing = missing_after_pages(&graph, &run, &source).await.unwrap();
    assert!(!missing.is_empty(), "the lost page's templates are missing");

    let resent = settle_lost_pages(&graph, &mut run, &source, in_flight, |_| {})
        .await
        .unwrap();
    assert_eq!(
        resent,
        missing.len(),
        "exactly what the read-back found missing"
    );
    assert_eq!((run.lost_answers, run.failed_calls), (0, 0));
    let retries: Vec<&str> = run.calls[3..].iter().map(|c| c.request.as_str()).collect();
    assert!(
        !retries.is_empty() && retries.iter().all(|r| r.starts_with("retry of ")),
        "by id, never a page again: {retries:?}"
    );
    assert!(
        run.calls[3..].iter().all(|c| c
            .request
            .trim_start_matches("retry of ")
            .trim_end_matches(" ids")
            .parse::<usize>()
            .unwrap()
            <= 250),
        "the timed-out size is halved"
    );
    assert_eq!(run.read_backs.len(), 1, "{:?}", run.read_backs);
    // Nothing more is lost: a second settle does nothing.
    let calls = run.calls.len();
    assert_eq!(
        settle_lost_pages(&graph, &mut run, &source, in_flight, |_| {})
            .await
            .unwrap(),
        0
    );
    assert_eq!(run.calls.len(), calls);

    recheck(&graph, &mut run, &source).await.unwrap();
    let tally = run.tally.clone().unwrap();
    assert_eq!(tally.migrated + tally.failed.len(), tally.expected);
    let stats: serde_json::Value = http
        .get(format!("{}/_sandbox/stats", sandbox.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["by_route"]["POST /{id}/migrate_message_templates"], calls,
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

/// `templates migrate --format json` against the sandbox answering `failed_templates`
/// as `[]` or as `{}` when nothing failed: the tally adds up, and matches a fresh diff.
#[test]
fn the_migrate_tally_adds_up_against_a_fresh_read_whatever_shape_failed_templates_has() {
    for shape in ["array", "object"] {
        let sim = common::SimProcess::start(&["--empty-failed-templates", shape]);
        let run = common::wamigrate(
            &sim,
            &[
                "--graph-url",
                &sim.url,
                "templates",
                "migrate",
                "--from",
                SOURCE,
                "--to",
                DEST,
                "--yes",
                "--format",
                "json",
            ],
            &[("WAMIGRATE_GRAPH_TOKEN", "lucky-shrub-business-token")],
        );
        let tally: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{shape}: no JSON ({e}): {} / {}", run.stdout, run.stderr));
        let n = |key: &str| {
            tally[key]
                .as_u64()
                .unwrap_or_else(|| panic!("{key} in {tally}"))
        };
        let failed = tally["failed"].as_array().unwrap();
        assert!(n("expected") > 0, "{shape}: {tally}");
        assert_eq!(
            n("migrated") + failed.len() as u64,
            n("expected"),
            "{shape}"
        );
        assert_eq!(
            n("expected") + n("already_present") + n("not_eligible") + n("over_limit"),
            140,
            "{shape}: every source template is counted once"
        );
        assert!(n("calls") >= 1);
        for f in failed {
            for key in ["name", "language", "source_id", "reason"] {
                assert!(f[key].is_string(), "{shape}: {f}");
            }
        }
        assert_eq!(
            run.code,
            if failed.is_empty() { 0 } else { 3 },
            "{shape}: {}",
            run.stderr
        );
        // A fresh diff: what the run counted as migrated is now already in the destination,
        // and what it counted as failed is still missing.
        let diff = common::wamigrate(
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
        let diff: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap();
        assert_eq!(
            diff["summary"]["already_in_destination"].as_u64().unwrap(),
            n("already_present") + n("migrated"),
            "{shape}: {}",
            diff["summary"]
        );
        assert_eq!(
            diff["summary"]["migrate"].as_u64().unwrap()
                + diff["summary"]["over_limit"].as_u64().unwrap(),
            failed.len() as u64 + n("over_limit"),
            "{shape}"
        );
    }
}

#[test]
fn templates_are_never_sent_between_wabas_of_two_businesses() {
    let sim = common::SimProcess::start(&[]);
    let run = common::wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "templates",
            "migrate",
            "--from",
            "210448776512093",
            "--to",
            DEST,
            "--yes",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("same business"), "{}", run.stderr);
    let sent: u64 = common::stats_by_path(&sim)
        .iter()
        .filter(|(path, _)| path.contains("migrate_message_templates"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum();
    assert_eq!(sent, 0, "refused before any call");
}
