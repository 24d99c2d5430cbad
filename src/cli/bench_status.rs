//! Figures of the fleet sweep (`wamigrate bench status`): `status`'s reader against an
//! in-process sandbox with injected latency, wall time printed beside the bound (the
//! dependent round trips the plan needs × latency; target wall ≤ 1.3 × bound), and, in
//! the same run against the same sandbox, the parallel curl one-liner an operator would
//! write (`xargs -P 16 curl` over the WABAs' `phone_numbers`), when curl is installed.
//! Each case runs twice: with the sandbox working out its answers after the latency
//! (conservative: on a machine of few cores its work competes with the client's), and
//! during it (`SimConfig::latency_covers_work`), which leaves the client's own overhead.
//! Loopback only: the sandbox listens on 127.0.0.1.

use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::mpsc::unbounded_channel;

use crate::api::transport::DEFAULT_CONCURRENCY;
use crate::api::{GraphClient, RetryPolicy, Transport};
use crate::cli::bench::process_cpu_time;
use crate::config::SANDBOX_TOKEN;
use crate::domain::number::PhoneNumber;
use crate::exit::EXIT_ERROR;
use crate::ops::fleet_read::{FleetQuery, read_all, select_wabas, wabas_per_call};
use crate::sim::{self, SimConfig};

/// A data dir that does not exist: the benchmark reads no journals.
const NO_DATA_DIR: &str = "/nonexistent/wamigrate-bench";

/// Runs the sweep for each fleet size and prints one line per case.
pub async fn run(fleets: &[usize], latency_ms: u64) -> ExitCode {
    let latency = Duration::from_millis(latency_ms);
    println!(
        "status against the sandbox, {latency_ms} ms latency per call, {DEFAULT_CONCURRENCY} calls in flight"
    );
    println!(
        "{:<44} {:>6} {:>7} {:>9} {:>9} {:>7}",
        "case", "calls", "rounds", "wall ms", "bound ms", "ratio"
    );
    for (covers, model) in [
        (
            false,
            "the sandbox works out each answer after the latency (its CPU adds to the wall)",
        ),
        (
            true,
            "the sandbox works out each answer during the latency (as Meta does on its own machines)",
        ),
    ] {
        println!("-- {model}");
        for &fleet in fleets {
            let config = SimConfig {
                latency,
                latency_covers_work: covers,
                fleet: Some(fleet),
                ..SimConfig::default()
            };
            let sandbox = match sim::start(config).await {
                Ok(handle) => handle,
                Err(e) => {
                    eprintln!("wamigrate: could not start the sandbox: {e}.");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            for discover in [true, false] {
                if let Err(e) = sweep(&sandbox.base_url, fleet, latency, discover).await {
                    eprintln!("wamigrate: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            }
            curl_one_liner(&sandbox.base_url, fleet, latency).await;
        }
    }
    println!(
        "bound: dependent round trips × latency (find the WABAs, then read them with field expansion, {DEFAULT_CONCURRENCY} calls in flight, several WABAs per Graph batch once they outnumber the calls); target wall ≤ 1.3 × bound"
    );
    ExitCode::SUCCESS
}

/// A client of the sandbox whose calls are counted.
fn client(
    base_url: &str,
) -> Result<
    (
        GraphClient,
        tokio::sync::mpsc::UnboundedReceiver<crate::api::CallRecord>,
    ),
    String,
> {
    let (tx, rx) = unbounded_channel();
    let transport = Transport::new(Duration::from_secs(30), RetryPolicy::default())
        .map_err(|e| e.to_string())?
        .with_observer(tx)
        .with_concurrency(DEFAULT_CONCURRENCY);
    let graph = GraphClient::new(
        transport,
        base_url,
        "v25.0",
        SecretString::from(SANDBOX_TOKEN),
    )
    .map_err(|e| e.to_string())?;
    Ok((graph, rx))
}

/// One sweep, timed from the first call to the last row.
async fn sweep(
    base_url: &str,
    fleet: usize,
    latency: Duration,
    discover: bool,
) -> Result<(), String> {
    let (graph, mut calls) = client(base_url)?;
    // The WABA list for the case without discovery is read outside the timing.
    let known = if discover {
        Vec::new()
    } else {
        graph.token_waba_ids().await.map_err(|e| e.to_string())?
    };
    while calls.try_recv().is_ok() {}
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let ids = select_wabas(&graph, &known, &[])
        .await
        .map_err(|e| e.to_string())?;
    let wabas = ids.len();
    let query = FleetQuery {
        waba_ids: Some(ids),
        ..FleetQuery::default()
    };
    let report = read_all(&graph, None, std::path::Path::new(NO_DATA_DIR), query).await;
    let wall = started.elapsed();
    let cpu = process_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| format!("{:.0}", (after - before).as_secs_f64() * 1000.0))
        .unwrap_or_else(|| "-".to_string());
    let mut count = 0u32;
    while calls.try_recv().is_ok() {
        count += 1;
    }
    let per_call = wabas_per_call(wabas, DEFAULT_CONCURRENCY);
    let read_calls = wabas.div_ceil(per_call);
    let rounds = u32::from(discover) + read_calls.div_ceil(DEFAULT_CONCURRENCY) as u32;
    let bound = latency * rounds;
    let case = format!(
        "{fleet} numbers / {wabas} WABAs, {}",
        if discover {
            "discover (debug_token)"
        } else {
            "--waba list given"
        }
    );
    println!(
        "{case:<44} {count:>6} {rounds:>7} {:>9.0} {:>9.0} {:>7}   ({} rows, {} failures, CPU {cpu} ms)",
        wall.as_secs_f64() * 1000.0,
        bound.as_secs_f64() * 1000.0,
        ratio(wall, bound),
        report.rows.len(),
        report.failures.len()
    );
    Ok(())
}

/// Wall time over the bound, "1.25x"; "-" without latency (no bound to compare with).
fn ratio(wall: Duration, bound: Duration) -> String {
    if bound.is_zero() {
        "-".to_string()
    } else {
        format!("{:.2}x", wall.as_secs_f64() / bound.as_secs_f64())
    }
}

/// `xargs -P 16 curl` over every WABA's `phone_numbers` (the WABA list given, one page
/// of 100 each, the fields the sweep asks for), against the same sandbox: what an
/// operator's shell one-liner achieves.
async fn curl_one_liner(base_url: &str, fleet: usize, latency: Duration) {
    let Ok((graph, _)) = client(base_url) else {
        return;
    };
    let Ok(ids) = graph.token_waba_ids().await else {
        return;
    };
    let url = format!(
        "{base_url}/v25.0/{{}}/phone_numbers?limit=100&fields={}",
        PhoneNumber::FLEET_FIELDS.replace(',', "%2C")
    );
    let script = format!(
        "xargs -P {DEFAULT_CONCURRENCY} -I{{}} curl -s -o /dev/null -H 'Authorization: Bearer {SANDBOX_TOKEN}' '{url}'"
    );
    let input = format!("{}\n", ids.join("\n"));
    let started = Instant::now();
    let ran = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes())?;
        }
        child.wait()
    })
    .await;
    match ran {
        Ok(Ok(status)) if status.success() => {
            let wall = started.elapsed();
            let rounds = ids.len().div_ceil(DEFAULT_CONCURRENCY) as u32;
            println!(
                "{:<44} {:>6} {rounds:>7} {:>9.0} {:>9.0} {:>7}   (list given; curl + xargs)",
                format!(
                    "{fleet} numbers / {} WABAs, xargs -P {DEFAULT_CONCURRENCY} curl",
                    ids.len()
                ),
                ids.len(),
                wall.as_secs_f64() * 1000.0,
                (latency * rounds).as_secs_f64() * 1000.0,
                ratio(wall, latency * rounds),
            );
        }
        _ => println!("curl one-liner: not run (curl or xargs missing, or it failed)"),
    }
}
