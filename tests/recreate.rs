//! Re-creating templates against the sandbox: the body built from a read round-trips,
//! a run that dies mid-way resumes without sending any template twice, rule breaks are
//! shown before anything is sent, and submissions are followed to APPROVED and REJECTED.

mod common;

use serde_json::Value;
use wamigrate::domain::recreate::body::build;
use wamigrate::domain::template::TemplateCategory;
use wamigrate::sim::{self, SimConfig};

use common::{SimProcess, http_post, stats_by_path, wamigrate};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";

fn creations(sim: &SimProcess) -> u64 {
    stats_by_path(sim)
        .iter()
        .filter(|(path, _)| *path == &format!("POST /{DEST}/message_templates"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}

fn run_id(stderr: &str) -> String {
    stderr
        .split("Run ")
        .find_map(|rest| {
            rest.split(':')
                .next()
                .filter(|id| id.starts_with("recreate-"))
        })
        .unwrap_or_else(|| panic!("no run id in: {stderr}"))
        .to_string()
}

fn recreate(sim: &SimProcess, extra: &[&str], env: &[(&str, &str)]) -> common::Run {
    let mut args = vec![
        "--graph-url",
        &sim.url,
        "templates",
        "recreate",
        "--yes",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    wamigrate(sim, &args, env)
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn the_body_built_from_a_read_comes_back_as_the_source_components() {
    let handle = sim::start(SimConfig::default()).await.unwrap();
    let graph = wamigrate::testkit::sandbox_graph(&handle.base_url);
    let source = graph.templates(SOURCE).await.unwrap();
    let dest = graph.templates(DEST).await.unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for template in &source.templates {
        if dest
            .templates
            .iter()
            .any(|d| d.name == template.name && d.language == template.language)
        {
            continue;
        }
        let Ok(built) = build(template) else { continue };
        if !built.media.is_empty()
            || !wamigrate::domain::recreate::rules::check(&built.body).is_empty()
        {
            continue;
        }
        let created = graph.create_template(DEST, &built.body).await.unwrap();
        let back = graph.template(&created.id).await.unwrap();
        let strip = |components: &[wamigrate::domain::template::TemplateComponent]| -> Vec<Value> {
            components
                .iter()
                .map(|c| {
                    let mut v = serde_json::to_value(c).unwrap();
                    // Authentication bodies are preset by Meta: the sample code is Meta's.
                    if template.category == Some(TemplateCategory::Authentication) {
                        v.as_object_mut().unwrap().remove("example");
                    }
                    v
                })
                .collect()
        };
        assert_eq!(
            strip(&back.components),
            strip(&template.components),
            "{} ({})",
            template.name,
            template.language
        );
        for c in &template.components {
            kinds.insert(format!(
                "{}:{}",
                c.kind,
                c.format.clone().unwrap_or_default()
            ));
        }
        kinds.insert(format!("category:{}", template.category.as_ref().unwrap()));
    }
    for expected in [
        "HEADER:TEXT",
        "BODY:",
        "FOOTER:",
        "BUTTONS:",
        "category:AUTHENTICATION",
        "category:MARKETING",
    ] {
        assert!(
            kinds.contains(expected),
            "no round trip covered {expected}: {kinds:?}"
        );
    }
    handle.shutdown().await;
}

fn crash_then_resume(hook: &str) {
    let sim = SimProcess::start(&[]);
    let first = recreate(
        &sim,
        &["--from", SOURCE, "--to", DEST],
        &[("WAMIGRATE_TEST_CRASH_AFTER", hook)],
    );
    assert_eq!(
        first.code, 137,
        "{hook}: the first run dies at the hook: {}",
        first.stderr
    );
    let id = run_id(&first.stderr);
    let resumed = recreate(&sim, &["--resume", &id], &[]);
    assert_eq!(resumed.code, 0, "{hook}: {}", resumed.stderr);
    assert!(
        resumed.stderr.contains("Read back"),
        "{hook}: the unsure template is read back: {}",
        resumed.stderr
    );
    let report = json(&resumed.stdout);
    let submitted = report["submitted"].as_array().unwrap();
    let to_submit = report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "submit")
        .count();
    let mut keys: Vec<String> = submitted
        .iter()
        .map(|s| format!("{}/{}", s["name"], s["language"]))
        .collect();
    keys.sort();
    keys.dedup();
    assert!(to_submit > 3);
    assert_eq!(
        keys.len(),
        to_submit,
        "{hook}: every row submitted once: {submitted:?}"
    );
    assert_eq!(
        creations(&sim),
        to_submit as u64,
        "{hook}: no template was sent twice"
    );
}

#[test]
fn a_crash_after_an_intent_resumes_by_reading_back_and_sending_once() {
    crash_then_resume("intent:recreate:3");
}

#[test]
fn a_crash_after_the_call_resumes_without_sending_it_again() {
    crash_then_resume("call:recreate:3");
}

#[test]
fn a_run_resumed_or_tracked_on_another_backend_is_refused_naming_both() {
    let sim = SimProcess::start(&[]);
    let first = recreate(
        &sim,
        &["--from", SOURCE, "--to", DEST],
        &[("WAMIGRATE_TEST_CRASH_AFTER", "call:recreate:2")],
    );
    assert_eq!(first.code, 137, "{}", first.stderr);
    let id = run_id(&first.stderr);
    // Another sandbox (another world) over the same data directory.
    let other = SimProcess::start(&[]);
    let elsewhere = |command: &[&str]| {
        let mut args = vec!["--graph-url", other.url.as_str(), "templates"];
        args.extend_from_slice(command);
        wamigrate(&sim, &args, &[])
    };
    for refused in [
        elsewhere(&["recreate", "--yes", "--resume", &id]),
        elsewhere(&["track", &id]),
    ] {
        assert_eq!(
            refused.code, 2,
            "a backend mix-up is usage: {}",
            refused.stderr
        );
        let sentence = refused.stderr.trim();
        assert_eq!(sentence.lines().count(), 1, "one sentence: {sentence}");
        for url in [&sim.url, &other.url] {
            assert!(
                sentence.contains(url.trim_end_matches('/')),
                "names both backends: {sentence}"
            );
        }
    }
    assert_eq!(
        stats_by_path(&other)
            .keys()
            .filter(|p| p.starts_with("POST"))
            .count(),
        0,
        "nothing was sent to the other backend"
    );
}

#[test]
fn rule_breaks_in_an_edit_are_shown_and_nothing_is_sent() {
    let sim = SimProcess::start(&[]);
    let editor = sim.data_dir.path().join("break-name.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/\"name\": \"[a-z_0-9]*\"/\"name\": \"Bad Name\"/' \"$1\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .unwrap();
    let run = recreate(
        &sim,
        &[
            "--from", SOURCE, "--to", DEST, "--only", "quality", "--edit",
        ],
        &[("EDITOR", editor.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("may hold only lowercase letters"),
        "{}",
        run.stderr
    );
    assert_eq!(creations(&sim), 0, "an invalid body is never sent");
    let report = json(&run.stdout);
    assert!(
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["skip_reason"] == "skipped by the operator while editing")
    );
}

#[test]
fn submissions_are_followed_to_approved_and_rejected_with_reason_and_category() {
    let sim = SimProcess::start(&[]);
    let sample = sim.data_dir.path().join("invite.mp4");
    std::fs::write(&sample, b"\0\0\0\x18ftypmp42 sandbox sample").unwrap();
    let media = format!("workshop_invite={}", sample.display());
    let run = recreate(
        &sim,
        &["--from", SOURCE, "--to", DEST, "--media", &media],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run.stdout);
    assert_eq!(report["source_waba_id"], SOURCE);
    for key in [
        "destination_waba_id",
        "room",
        "candidates",
        "submitted",
        "skipped",
    ] {
        assert!(report.get(key).is_some(), "{key} in the contract");
    }
    assert!(
        report["submitted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "workshop_invite"),
        "the media template went with its uploaded sample"
    );
    assert!(stats_by_path(&sim).keys().any(|p| p.ends_with("/uploads")));
    let id = run_id(&run.stderr);
    let track = |watch: bool| {
        let mut args = vec![
            "--graph-url",
            sim.url.as_str(),
            "templates",
            "track",
            id.as_str(),
            "--format",
            "json",
        ];
        if watch {
            args.push("--watch");
        }
        wamigrate(&sim, &args, &[])
    };
    let pending = track(false);
    assert_eq!(pending.code, 0, "{}", pending.stderr);
    assert!(
        json(&pending.stdout)["templates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "PENDING")
    );
    http_post(
        &format!("{}/_sandbox/clock", sim.url),
        r#"{"advance_secs": 7200}"#,
    );
    let decided = track(true);
    assert_eq!(decided.code, 3, "some were rejected: {}", decided.stderr);
    let rows = json(&decided.stdout)["templates"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        rows.iter()
            .all(|t| t["status"] == "APPROVED" || t["status"] == "REJECTED"),
        "{rows:?}"
    );
    let rejected: Vec<&Value> = rows.iter().filter(|t| t["status"] == "REJECTED").collect();
    assert!(
        !rejected.is_empty() && rejected.iter().all(|t| t["rejected_reason"].is_string()),
        "{rows:?}"
    );
    assert!(
        decided.stderr.contains("REJECTED: "),
        "the reason is shown: {}",
        decided.stderr
    );
}
