//! Figures of re-creating templates: the plan of 10,000 source templates against
//! 10,000 in the destination (target ≤ 50 ms), and a paced run of 200 submissions
//! against an in-process sandbox that must not draw a single 80008.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::json;
use tokio::sync::mpsc;

use crate::api::{ErrorClass, GraphClient, RetryPolicy, Transport};
use crate::cli::bench::thread_cpu_time;
use crate::domain::recreate::{Business, Only, PlanOptions, plan};
use crate::domain::template::{Template, TemplateInventory};
use crate::exit::EXIT_ERROR;
use crate::ops::recreate::{
    Line, Question, RecreateOperator, RecreateRequest, RunSettings, execute, read_and_plan,
};
use crate::sim::{self, SimConfig};

/// Why the rows past `--count` are not sent.
const BEYOND_COUNT: &str = "beyond the benchmark's count";

/// Times the plan of `count` × `count` templates with realistic components.
pub fn plan_figures(count: usize) {
    let make = |i: usize, language: &str| -> Template {
        let category = ["MARKETING", "UTILITY"][i % 2];
        let status = if i % 7 == 0 { "PAUSED" } else { "APPROVED" };
        let quality = ["GREEN", "UNKNOWN", "YELLOW", "RED"][i % 4];
        serde_json::from_value(json!({
            "id": i.to_string(), "name": format!("template_{i}"), "language": language,
            "category": category,
            "status": status,
            "quality_score": {"score": quality},
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["LS-1"]}},
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way. 20% off next time!",
                 "example": {"body_text": [["Maria", "LS-1042"]]}},
                {"type": "FOOTER", "text": "Lucky Shrub"},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x/{{1}}", "example": ["https://x/1"]}]}
            ]
        }))
        .unwrap_or_default()
    };
    let source = TemplateInventory {
        templates: (0..count).map(|i| make(i, "en_US")).collect(),
        count: None,
        limit: None,
    };
    let dest = TemplateInventory {
        templates: (0..count).map(|i| make(i * 2, "en_US")).collect(),
        count: Some(count as u64),
        limit: Some(count as u64 + 500),
    };
    let options = PlanOptions {
        only: Only::All,
        include_rejected: false,
        business: Business::Same,
    };
    // The clock stops when the plan is made; freeing it afterwards is not planning.
    let mut on_cpu = Duration::ZERO;
    let mut timings: Vec<Duration> = (0..20)
        .map(|_| {
            let cpu_before = thread_cpu_time();
            let started = Instant::now();
            let made = std::hint::black_box(plan(&source, &dest, options));
            let elapsed = started.elapsed();
            if let (Some(before), Some(after)) = (cpu_before, thread_cpu_time()) {
                on_cpu += after.saturating_sub(before);
            }
            drop(made);
            elapsed
        })
        .collect();
    timings.sort();
    let candidates = plan(&source, &dest, options).candidates.len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "re-creation plan {count} x {count} ({candidates} candidates, bodies built and checked): median {:.2} ms, max {:.2} ms over 20 runs; on the CPU (without the waits for a core on a shared machine): mean {:.1} ms (target ≤ 50 ms)",
        ms(timings[10]),
        ms(timings[19]),
        ms(on_cpu / 20),
    );
}

/// Submits `count` templates to an empty WABA of a generated sandbox fleet and prints
/// the wall time, the pauses the usage header caused, and the 80008 answers (target 0).
pub async fn run(count: usize, window_secs: u64) -> ExitCode {
    let window = Duration::from_secs(window_secs.max(1));
    let config = SimConfig {
        fleet: Some(150),
        templates: Some(4000),
        rate_limit_per_hour: Some(400),
        rate_window: window,
        ..SimConfig::default()
    };
    let Ok(handle) = sim::start(config).await else {
        eprintln!("wamigrate: could not start the sandbox on 127.0.0.1.");
        return ExitCode::from(EXIT_ERROR);
    };
    let (tx, mut calls) = mpsc::unbounded_channel();
    let graph = Transport::new(Duration::from_secs(30), RetryPolicy::default())
        .map(|t| t.with_observer(tx))
        .and_then(|t| {
            GraphClient::new(
                t,
                &handle.base_url,
                "v25.0",
                SecretString::from("sandbox-token"),
            )
        });
    let Ok(graph) = graph else {
        eprintln!("wamigrate: could not build the API client.");
        return ExitCode::from(EXIT_ERROR);
    };
    // The source is the WABA with the most templates, the destination the one with fewest.
    let mut sizes = Vec::new();
    for id in graph
        .token_waba_ids()
        .await
        .unwrap_or_default()
        .into_iter()
        .take(4)
    {
        let count = graph
            .templates(&id)
            .await
            .map_or(0, |inventory| inventory.templates.len());
        sizes.push((count, id));
    }
    sizes.sort();
    let (Some((_, source)), Some((_, dest))) = (sizes.last(), sizes.first()) else {
        eprintln!("wamigrate: the generated fleet has no WABA.");
        return ExitCode::from(EXIT_ERROR);
    };
    let request = RecreateRequest {
        source_waba_id: source.clone(),
        destination_waba_id: dest.clone(),
        only: Only::All,
        include_rejected: false,
        other_business: true,
        media: BTreeMap::new(),
    };
    let Ok(mut planned) = read_and_plan(&graph, request).await else {
        eprintln!("wamigrate: could not read the sandbox's templates.");
        return ExitCode::from(EXIT_ERROR);
    };
    let submit: Vec<usize> = (0..planned.plan.candidates.len())
        .filter(|at| planned.plan.candidates[*at].action == crate::domain::recreate::Action::Submit)
        .collect();
    for at in submit.iter().skip(count) {
        planned.plan.skip(*at, BEYOND_COUNT);
    }
    let intended: std::collections::BTreeSet<(String, String)> = planned
        .plan
        .to_submit()
        .map(|c| (c.name.clone(), c.language.clone()))
        .collect();
    let data_dir =
        std::env::temp_dir().join(format!("wamigrate-bench-recreate-{}", std::process::id()));
    let settings = RunSettings {
        data_dir: data_dir.clone(),
        operator_name: "bench".to_string(),
        yes: true,
        edit: false,
        app_id: None,
        backend: crate::domain::journal::Backend {
            profile: "bench".to_string(),
            graph_url: handle.base_url.clone(),
            graph_version: "v25.0".to_string(),
            hub_url: None,
            sandbox_instance: Some(handle.instance_id.clone()),
        },
    };
    let operator = Counting::default();
    let started = Instant::now();
    let ended = execute(&graph, planned, &settings, &operator).await;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut refused_by_rate = 0;
    let mut total = 0;
    while let Ok(record) = calls.try_recv() {
        total += 1;
        if record
            .error
            .as_ref()
            .is_some_and(|(class, _)| *class == ErrorClass::RateLimited)
        {
            refused_by_rate += 1;
        }
    }
    handle.shutdown().await;
    let end = match ended {
        Ok(end) => end,
        Err(failure) => {
            eprintln!("wamigrate: the run failed: {failure}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    println!(
        "re-creation run: {} of {} submitted in {:.1} s ({total} calls, sandbox window {window_secs} s, cap 100 creations and 400 calls per window); {} pacing pauses; 80008 answers: {refused_by_rate} (target 0)",
        end.report.submitted.len(),
        submit.len().min(count),
        elapsed.as_secs_f64(),
        operator.pauses.load(Ordering::Relaxed),
    );
    // Every row that was to be sent and was not, by reason: a refusal is never silent.
    let mut not_sent: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &end.report.skipped {
        if intended.contains(&(row.name.clone(), row.language.clone())) {
            *not_sent.entry(row.skip_reason.as_str()).or_default() += 1;
        }
    }
    for (reason, rows) in not_sent {
        println!("  not submitted ({rows}): {reason}");
    }
    ExitCode::SUCCESS
}

/// A silent operator that counts pacing pauses.
#[derive(Default)]
struct Counting {
    pauses: AtomicUsize,
}

impl RecreateOperator for Counting {
    fn say(&self, line: Line) {
        if line.text.starts_with("Pacing") {
            self.pauses.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn confirm(&self, _question: Question) -> bool {
        true
    }
}
