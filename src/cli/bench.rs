//! `wamigrate bench`: measured figures for the performance targets of the issues.
//! Benchmarks print numbers; they never fail on timing.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use crate::api::{GraphClient, RetryPolicy, Transport};
use crate::cli::EXIT_ERROR;
use crate::cli::status::{collect, select_wabas};
use crate::domain::eligibility::{self, Mode};
use crate::domain::template::{
    QualityScore, Template, TemplateInventory, TemplateQuality, TemplateStatus,
};
use crate::sim::{self, SimConfig};

/// `wamigrate bench ...`
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// `status` against an in-process sandbox with injected latency.
    Status {
        /// Numbers in the generated portfolio (50 per WABA).
        #[arg(long, default_value_t = 1000)]
        fleet: usize,
        /// Latency injected into every answer, in milliseconds.
        #[arg(long, default_value_t = 100)]
        latency_ms: u64,
    },
    /// The template forecast of 10,000 × 10,000 templates.
    Templates {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
}

/// Runs a benchmark and prints its figures.
pub async fn run(args: BenchArgs) -> ExitCode {
    match args.command {
        BenchCommand::Status { fleet, latency_ms } => bench_status(fleet, latency_ms).await,
        BenchCommand::Templates { count } => {
            bench_templates(count);
            ExitCode::SUCCESS
        }
    }
}

async fn bench_status(fleet: usize, latency_ms: u64) -> ExitCode {
    let latency = Duration::from_millis(latency_ms);
    let config = SimConfig {
        latency,
        fleet: Some(fleet),
        ..SimConfig::default()
    };
    let handle = match sim::start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("wamigrate: could not start the sandbox: {e}.");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    println!("status against the sandbox: {fleet} numbers, {latency_ms} ms latency per call");
    println!(
        "{:<34} {:>6} {:>9} {:>9} {:>7}",
        "case", "calls", "wall ms", "ideal ms", "ratio"
    );
    for concurrency in [16, 1] {
        for discover in [true, false] {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let transport = match Transport::new(Duration::from_secs(30), RetryPolicy::default()) {
                Ok(t) => t.with_observer(tx).with_concurrency(concurrency),
                Err(e) => {
                    eprintln!("wamigrate: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let graph = match GraphClient::new(
                transport,
                &handle.base_url,
                "v25.0",
                SecretString::from(crate::config::SANDBOX_TOKEN),
            ) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("wamigrate: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            // The WABA list for the no-discovery case is read outside the timing.
            let known = if discover {
                Vec::new()
            } else {
                graph.token_waba_ids().await.unwrap_or_default()
            };
            while rx.try_recv().is_ok() {}
            let started = Instant::now();
            let ids = match select_wabas(&graph, &known, &[]).await {
                Ok(ids) => ids,
                Err(e) => {
                    eprintln!("wamigrate: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let report = collect(&graph, &ids).await;
            let wall = started.elapsed();
            let mut calls = 0u32;
            while rx.try_recv().is_ok() {
                calls += 1;
            }
            let ideal = latency.mul_f64(f64::from(calls) / concurrency as f64);
            let case = format!(
                "concurrency {concurrency:>2}, {}",
                if discover {
                    "discover (debug_token)"
                } else {
                    "--waba list given"
                }
            );
            println!(
                "{case:<34} {calls:>6} {:>9.0} {:>9.0} {:>6.2}x   ({} rows, {} failures)",
                wall.as_secs_f64() * 1000.0,
                ideal.as_secs_f64() * 1000.0,
                wall.as_secs_f64() / ideal.as_secs_f64().max(f64::EPSILON),
                report.rows.len(),
                report.failures.len()
            );
        }
    }
    println!("target: within 1.3x of ideal at concurrency 16");
    ExitCode::SUCCESS
}

fn bench_templates(count: usize) {
    let make = |prefix: &str, i: usize| Template {
        id: format!("{prefix}{i}"),
        name: format!("template_{i}"),
        language: ["en_US", "de", "pt_BR", "es"][i % 4].to_string(),
        status: Some(if i % 7 == 0 {
            TemplateStatus::Paused
        } else {
            TemplateStatus::Approved
        }),
        quality_score: Some(TemplateQuality {
            score: Some(
                [
                    QualityScore::Green,
                    QualityScore::Unrated,
                    QualityScore::Yellow,
                ][i % 3]
                    .clone(),
            ),
            date: None,
        }),
        ..Template::default()
    };
    let source = TemplateInventory {
        templates: (0..count).map(|i| make("s", i)).collect(),
        count: None,
        limit: None,
    };
    let dest = TemplateInventory {
        templates: (0..count).map(|i| make("d", i * 2)).collect(),
        count: Some(count as u64),
        limit: Some(count as u64 + 100),
    };
    let mut timings: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let forecast = eligibility::predict(&source, &dest, Mode::Number);
            std::hint::black_box(forecast.summary());
            started.elapsed()
        })
        .collect();
    timings.sort();
    println!(
        "template forecast {count} x {count}: median {:.2} ms, max {:.2} ms over 20 runs (target ≤ 50 ms)",
        timings[timings.len() / 2].as_secs_f64() * 1000.0,
        timings[timings.len() - 1].as_secs_f64() * 1000.0
    );
}
