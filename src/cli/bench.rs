//! `wamigrate bench`: measured figures for the performance targets of the issues.
//! Benchmarks print numbers; they never fail on timing.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::domain::eligibility::{self, Mode};
use crate::domain::fleet::{
    Column, FilterExpr, FleetRow, FleetSnapshot, ReadCells, Summary, changes, join_channels,
};
use crate::domain::number::{
    ManagerMessagingLimit, NameStatus, NumberStatus, PhoneNumber, PlatformType, QualityRating,
};
use crate::domain::partner::{Channel, ChannelSetupInfo, ChannelStatus};
use crate::domain::template::{
    QualityScore, Template, TemplateInventory, TemplateQuality, TemplateStatus,
};
use crate::domain::waba::{BusinessRef, Waba};
use crate::ops::fleet_read::rejoin;

/// `wamigrate bench ...`
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// `status` against an in-process sandbox with injected latency: wall time beside
    /// the bound, and the `xargs -P 16 curl` one-liner against the same sandbox.
    Status {
        /// Numbers in the generated portfolio (50 per WABA); repeatable.
        #[arg(long, default_values_t = [1000, 10_000])]
        fleet: Vec<usize>,
        /// Latency injected into every answer, in milliseconds.
        #[arg(long, default_value_t = 100)]
        latency_ms: u64,
    },
    /// The template forecast of 10,000 × 10,000 templates.
    Templates {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
    /// A re-creation run of COUNT submissions against an in-process sandbox whose rate
    /// window is WINDOW seconds (Meta's is an hour): wall time, pacing, 80008 answers.
    Recreate {
        #[arg(long, default_value_t = 200)]
        count: usize,
        #[arg(long, default_value_t = 60)]
        window_secs: u64,
    },
    /// The fleet board's work on a generated fleet: channel join, sort, a filter
    /// keystroke, change detection, and resident memory with the fleet loaded.
    Fleet {
        /// Numbers in the generated fleet (200 WABAs).
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
}

/// Runs a benchmark and prints its figures.
pub async fn run(args: BenchArgs) -> ExitCode {
    match args.command {
        BenchCommand::Status { fleet, latency_ms } => {
            crate::cli::bench_status::run(&fleet, latency_ms).await
        }
        BenchCommand::Templates { count } => {
            bench_templates(count);
            ExitCode::SUCCESS
        }
        BenchCommand::Recreate { count, window_secs } => {
            crate::cli::bench_recreate::run(count, window_secs).await
        }
        BenchCommand::Fleet { count } => {
            bench_fleet(count);
            ExitCode::SUCCESS
        }
    }
}

/// Runs `work` `runs` times; the median and the slowest run.
fn time_runs(runs: usize, mut work: impl FnMut()) -> (Duration, Duration) {
    let mut timings: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    timings.sort();
    (timings[timings.len() / 2], timings[timings.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
    let (median, max) = time_runs(20, || {
        let forecast = eligibility::predict(&source, &dest, Mode::Number);
        std::hint::black_box(forecast.summary());
    });
    println!(
        "template forecast {count} x {count}: median {:.2} ms, max {:.2} ms over 20 runs (target ≤ 50 ms)",
        ms(median),
        ms(max)
    );
    crate::cli::bench_recreate::plan_figures(count);
}

/// When the generated fleet was read (its rows' check time and the channels' join).
const CHECKED_AT: &str = "2026-11-25T16:00:00Z";

fn bench_fleet(count: usize) {
    // Fewer runs for the largest fleets: each run of a whole-fleet step takes long.
    let runs = if count > 20_000 { 5 } else { 20 };
    let rss_before = resident_memory_mb();
    let (wabas, numbers, channels) = generated_fleet(count);
    let build = || {
        // As a read makes them: the cells of a WABA's rows are shared.
        let mut cells: Vec<ReadCells> = wabas
            .iter()
            .map(|w| ReadCells::new(w, CHECKED_AT))
            .collect();
        let mut rows: Vec<FleetRow> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| {
                FleetRow::read(
                    &wabas[i % wabas.len()],
                    n,
                    None,
                    &mut cells[i % wabas.len()],
                )
            })
            .collect();
        join_channels(&mut rows, &channels, CHECKED_AT);
        rows
    };
    let (median, max) = time_runs(runs, || {
        std::hint::black_box(build());
    });
    let rows = build();
    println!(
        "fleet of {} rows ({} WABAs, {} 360dialog channels); median and max over {runs} runs",
        rows.len(),
        wabas.len(),
        channels.len()
    );
    let line = |case: &str, (median, max): (Duration, Duration), target: &str| {
        println!(
            "{case:<50} {:>8.2} ms {:>8.2} ms   {target}",
            ms(median),
            ms(max)
        );
    };
    println!("{:<50} {:>11} {:>11}", "case", "median", "max");
    line("build rows + join channels", (median, max), "");
    line(
        "snapshot (search text of every row)",
        time_runs(runs, || {
            std::hint::black_box(FleetSnapshot::new(rows.clone()));
        }),
        "once per refresh",
    );
    let everything = FilterExpr::default();
    for column in [
        Column::Number,
        Column::VerifiedName,
        Column::Status,
        Column::Quality,
        Column::Migration,
    ] {
        // The first sort by a column after the rows changed orders its cells once; the
        // next ones (re-sorts, filter keystrokes) reuse that order.
        let mut cold = Vec::new();
        for _ in 0..runs.min(5) {
            let fresh = FleetSnapshot::new(rows.clone());
            let mut view = fresh.matching(&everything);
            let started = Instant::now();
            fresh.sort(&mut view, column, true);
            cold.push(started.elapsed());
        }
        cold.sort();
        line(
            &format!("sort by {} (all rows, first sort)", column.key()),
            (cold[cold.len() / 2], cold[cold.len() - 1]),
            "target ≤ 50 ms",
        );
    }
    let snapshot = FleetSnapshot::new(rows.clone());
    let mut view = snapshot.matching(&everything);
    snapshot.sort(&mut view, Column::Status, false);
    line(
        "sort by status again (all rows, order kept)",
        time_runs(runs, || snapshot.sort(&mut view, Column::Status, true)),
        "target ≤ 50 ms",
    );
    // The filter is parsed and the whole fleet re-filtered and re-sorted on each key.
    for (case, next) in [
        ("keystroke: text 'shop 4' → 'shop 42'", "shop 42"),
        (
            "keystroke: terms '… quality:RE' → '… quality:RED'",
            "status:FLAGGED,RESTRICTED quality:RED",
        ),
    ] {
        let mut shown = 0;
        line(
            case,
            time_runs(runs, || {
                let filter = FilterExpr::parse(next).unwrap_or_default();
                shown = snapshot.view(&filter, Column::Status, false).len();
            }),
            "target ≤ 20 ms",
        );
        println!(
            "{:<50} ({shown} rows match; filter, then sort by status)",
            ""
        );
    }
    let mut changed = rows.clone();
    for row in changed.iter_mut().step_by(100) {
        row.status = Some("FLAGGED".into());
    }
    changed.truncate(changed.len() - 10);
    let mut found = 0;
    line(
        "change detection (1% changed, 10 removed)",
        time_runs(runs, || found = changes(&rows, &changed).len()),
        "",
    );
    println!("{:<50} ({found} changes)", "");
    let summary_runs = time_runs(runs, || {
        std::hint::black_box(Summary::of(snapshot.rows()));
    });
    line("summary (counts per status and quality)", summary_runs, "");
    let snapshot = rejoin_figures(snapshot, &channels);
    // What the board holds: the fleet (rows, search texts, the order of the sort
    // column) and its view; the generator's data and the copies above are gone.
    drop((wabas, numbers, channels, rows, changed));
    let view = snapshot.view(&everything, Column::Waba, false);
    let kept = resident_memory_mb();
    // As the board does at the end of a refresh: what was freed goes back to the system.
    crate::api::memory::give_back_freed();
    match (rss_before, kept, resident_memory_mb()) {
        (Some(before), Some(kept), Some(loaded)) => println!(
            "resident memory: {loaded:.1} MB with the fleet and its view loaded, as the board holds them after a refresh ({kept:.1} MB before the freed memory was given back, {before:.1} MB before the fleet; target ≤ 150 MB at 100,000 numbers)"
        ),
        _ => println!("resident memory: unknown (no /proc/self/status)"),
    }
    // Resident memory keeps what the allocator freed and did not give back (the copies
    // above); the heap count is what the board holds now.
    println!(
        "heap held: {:.1} MB (the fleet, its search texts, the sort order and the view)",
        crate::api::memory::live_heap_bytes() as f64 / f64::from(1 << 20)
    );
    std::hint::black_box((&snapshot, &view));
}

/// The end of a refresh on the board: the channels joined again over the whole fleet
/// while change detection keeps the cells it compares (a refresh's memory peak).
fn rejoin_figures(mut snapshot: FleetSnapshot, channels: &[Channel]) -> FleetSnapshot {
    let mb = |bytes: usize| bytes as f64 / f64::from(1 << 20);
    let heap_before = crate::api::memory::live_heap_bytes();
    let mut held = 0;
    let started = Instant::now();
    let changes = snapshot.edit(&[Column::Channel, Column::Migration], |rows| {
        held = crate::api::memory::live_heap_bytes().saturating_sub(heap_before);
        rejoin(rows, Some((CHECKED_AT, channels)), None);
    });
    println!(
        "{:<50} {:>8.1} ms  (change detection holds {:.1} MB while the join runs; {} changes)",
        "refresh end: channels joined again, cells compared",
        started.elapsed().as_secs_f64() * 1000.0,
        mb(held),
        changes.len()
    );
    snapshot
}

/// Resident memory of this process (`VmRSS` of /proc/self/status), in MB.
pub fn resident_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Time this thread has spent on a CPU (Linux: `/proc/thread-self/schedstat`, in
/// nanoseconds): on a shared machine the wall clock also counts the waits for a core.
/// `None` elsewhere.
pub fn thread_cpu_time() -> Option<Duration> {
    schedstat_cpu(std::path::Path::new("/proc/thread-self/schedstat"))
}

/// CPU time of every thread of this process so far (the sum of each
/// `/proc/self/task/*/schedstat`): steadier from run to run than the wall clock, which
/// also counts the waits for a core. `None` elsewhere.
pub fn process_cpu_time() -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(task) = task else { continue };
        // A thread that ended meanwhile has no file any more: it is left out.
        total += schedstat_cpu(&task.path().join("schedstat")).unwrap_or_default();
    }
    Some(total)
}

/// The first field of a `schedstat` file: time spent on a CPU, in nanoseconds.
fn schedstat_cpu(path: &std::path::Path) -> Option<Duration> {
    let text = std::fs::read_to_string(path).ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// A fleet in the shape of a large BSP's: 200 WABAs of 20 businesses, numbers in every
/// state (mostly healthy), 90% with a 360dialog channel plus 1% channels of their own.
/// Shared with the fleet board's demo data, so its benchmark measures the same fleet.
pub fn generated_fleet(count: usize) -> (Vec<Waba>, Vec<PhoneNumber>, Vec<Channel>) {
    let wabas: Vec<Waba> = (0..200)
        .map(|w| Waba {
            id: format!("{}", 100_000 + w),
            name: Some(format!("Waba {w}")),
            owner_business_info: Some(BusinessRef {
                id: Some(format!("{}", 500_000 + w % 20)),
                name: Some(format!("Business {}", w % 20)),
            }),
            ..Waba::default()
        })
        .collect();
    let pick = |values: &[&'static str], i: usize| values[i % values.len()];
    let display = |i: usize| format!("+1 555-{:03}-{:04}", i / 10_000, i % 10_000);
    let numbers: Vec<PhoneNumber> = (0..count)
        .map(|i| PhoneNumber {
            id: format!("{}", 1_000_000_000_000_000 + i),
            display_phone_number: Some(display(i)),
            verified_name: Some(format!(
                "{} Shop {i}",
                pick(&["Jasper's", "Lucky", "Kestrel", "Mira"], i)
            )),
            name_status: Some(NameStatus::parse(pick(
                &[
                    "APPROVED",
                    "APPROVED",
                    "APPROVED",
                    "PENDING_REVIEW",
                    "DECLINED",
                ],
                i / 3,
            ))),
            quality_rating: Some(QualityRating::parse(pick(
                &["GREEN", "GREEN", "GREEN", "YELLOW", "RED", "UNKNOWN"],
                i / 5,
            ))),
            status: Some(NumberStatus::parse(pick(
                &[
                    "CONNECTED",
                    "CONNECTED",
                    "CONNECTED",
                    "FLAGGED",
                    "RESTRICTED",
                    "PENDING",
                    "OFFLINE",
                ],
                i / 7,
            ))),
            platform_type: Some(PlatformType::parse(pick(
                &["CLOUD_API", "CLOUD_API", "ON_PREMISE"],
                i,
            ))),
            whatsapp_business_manager_messaging_limit: Some(ManagerMessagingLimit::parse(pick(
                &[
                    "TIER_250",
                    "TIER_2K",
                    "TIER_10K",
                    "TIER_100K",
                    "TIER_UNLIMITED",
                ],
                i / 11,
            ))),
            is_pin_enabled: Some(i % 5 == 0),
            ..PhoneNumber::default()
        })
        .collect();
    let channel = |i: usize, number: String| Channel {
        id: format!("ch{i}CH"),
        status: Some(ChannelStatus::parse(pick(
            &["ready", "running", "pending", "blocked"],
            i,
        ))),
        setup_info: Some(ChannelSetupInfo {
            phone_number: Some(number),
            phone_name: None,
        }),
        ..Channel::default()
    };
    let channels = (0..count)
        .filter(|i| i % 10 != 0)
        .map(|i| channel(i, display(i)))
        .chain((0..count / 100).map(|i| channel(count + i, format!("+44 20 7946 {i:04}"))))
        .collect();
    (wabas, numbers, channels)
}
