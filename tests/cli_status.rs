//! `wamigrate status` end to end: the real binary against `wamigrate sim` on a random
//! loopback port, as separate processes.

mod common;

use common::{SimProcess, wamigrate};

const COLUMNS: [&str; 16] = [
    "waba_id",
    "id",
    "display_phone_number",
    "verified_name",
    "name_status",
    "new_name_status",
    "code_verification_status",
    "quality_rating",
    "messaging_limit",
    "platform_type",
    "status",
    "account_mode",
    "is_pin_enabled",
    "is_on_biz_app",
    "is_official_business_account",
    "throughput_level",
];

#[test]
fn json_lists_the_whole_sandbox_sorted_with_every_key() {
    let sim = SimProcess::start(&[]);
    let run = wamigrate(
        &sim,
        &["status", "--graph-url", &sim.url, "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&run.stdout).unwrap();
    assert!(
        rows.len() >= 40,
        "the sandbox portfolio has at least 40 numbers, got {}",
        rows.len()
    );
    for row in &rows {
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        let mut expected = COLUMNS.to_vec();
        expected.sort();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort();
        assert_eq!(keys_sorted, expected);
    }
    let order: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["waba_id"].as_str().unwrap().to_string(),
                r["display_phone_number"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(
        order, sorted,
        "rows are sorted by waba_id then display_phone_number"
    );
    let values = |key: &str| -> Vec<String> {
        rows.iter()
            .filter_map(|r| r[key].as_str().map(str::to_string))
            .collect()
    };
    assert!(values("name_status").iter().any(|v| v == "PENDING_REVIEW"));
    assert!(values("status").iter().any(|v| v == "FLAGGED"));
    assert!(values("platform_type").iter().any(|v| v == "ON_PREMISE"));
    assert!(
        rows.iter()
            .any(|r| r["is_pin_enabled"] == serde_json::Value::Bool(true))
    );
    let known = [
        "PENDING",
        "DELETED",
        "MIGRATED",
        "BANNED",
        "RESTRICTED",
        "RATE_LIMITED",
        "FLAGGED",
        "CONNECTED",
        "DISCONNECTED",
        "UNKNOWN",
        "UNVERIFIED",
        "OFFLINE",
    ];
    assert!(
        values("status")
            .iter()
            .any(|v| !known.contains(&v.as_str())),
        "an unknown status value is printed verbatim"
    );
}

#[test]
fn csv_has_the_same_columns_and_a_failing_waba_gives_exit_1_with_the_others_printed() {
    let sim = SimProcess::start(&[]);
    let all = wamigrate(
        &sim,
        &["status", "--graph-url", &sim.url, "--format", "json"],
        &[],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&all.stdout).unwrap();
    let first_waba = rows[0]["waba_id"].as_str().unwrap().to_string();

    let run = wamigrate(
        &sim,
        &[
            "status",
            "--graph-url",
            &sim.url,
            "--format",
            "csv",
            "--waba",
            &first_waba,
            "--waba",
            "4040404040",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next().unwrap(), COLUMNS.join(","));
    assert!(lines.count() >= 1, "the readable WABA is still printed");
    let complaint: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("4040404040"))
        .collect();
    assert_eq!(
        complaint.len(),
        1,
        "one line per failed WABA: {}",
        run.stderr
    );
    assert!(complaint[0].contains("fbtrace_id"), "{}", complaint[0]);
}

#[test]
fn bad_input_gives_one_sentence_and_the_right_exit_code() {
    let sim = SimProcess::start(&[]);
    let rejected = wamigrate(
        &sim,
        &["status", "--graph-url", &sim.url],
        &[("WAMIGRATE_GRAPH_TOKEN", "not-the-token")],
    );
    assert_eq!(rejected.code, 1);
    assert!(
        rejected.stderr.contains("access token was rejected"),
        "{}",
        rejected.stderr
    );
    assert!(!rejected.stderr.contains("not-the-token"));

    let malformed = wamigrate(
        &sim,
        &["status", "--graph-url", "htp:/nowhere"],
        &[("WAMIGRATE_GRAPH_TOKEN", "t")],
    );
    assert_eq!(malformed.code, 2);
    assert!(
        malformed.stderr.contains("not a usable base URL"),
        "{}",
        malformed.stderr
    );

    let unreachable = wamigrate(
        &sim,
        &["status", "--graph-url", "http://127.0.0.1:9", "--waba", "1"],
        &[],
    );
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable.stderr.contains("Could not connect"),
        "{}",
        unreachable.stderr
    );

    let no_token = wamigrate(
        &sim,
        &["status", "--graph-url", "https://graph.example.com"],
        &[],
    );
    assert_eq!(no_token.code, 2);
    assert!(
        no_token.stderr.contains("No Graph API token"),
        "{}",
        no_token.stderr
    );

    let bad_format = wamigrate(&sim, &["status", "--format", "xml"], &[]);
    assert_eq!(bad_format.code, 2);

    for run in [&rejected, &malformed, &unreachable, &no_token] {
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("stack backtrace"),
            "{}",
            run.stderr
        );
        assert_eq!(
            run.stderr.trim().lines().count(),
            1,
            "one sentence: {}",
            run.stderr
        );
    }
}

#[test]
fn a_trace_log_holds_no_token() {
    let secret = "s3cr3t-T0KEN-do-not-log";
    let sim = SimProcess::start(&["--token", secret]);
    let run = wamigrate(
        &sim,
        &[
            "status",
            "--graph-url",
            &sim.url,
            "--format",
            "json",
            "--log-level",
            "trace",
        ],
        &[("WAMIGRATE_GRAPH_TOKEN", secret)],
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let log = std::fs::read_to_string(sim.data_dir.path().join("logs/wamigrate.log")).unwrap();
    assert!(log.contains("api call"), "the trace log was captured");
    assert!(!log.contains(secret), "the token leaked into the log");
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    assert!(
        !sim.output().contains(secret),
        "the sandbox's request log printed the token"
    );
}

/// A machine without CA certificates (a minimal container) still runs the embedded
/// sandbox, which is plain HTTP on loopback: the TLS set-up does not stop the program.
#[cfg(target_os = "linux")]
#[test]
fn the_embedded_sandbox_runs_where_no_root_certificate_can_be_loaded() {
    let sim = SimProcess::start(&[]);
    let missing = sim.data_dir.path().join("no-such-bundle.pem");
    let missing = missing.to_str().unwrap();
    let run = wamigrate(
        &sim,
        &["status", "--format", "csv"],
        &[("SSL_CERT_FILE", missing), ("SSL_CERT_DIR", missing)],
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("embedded sandbox"), "{}", run.stderr);
    assert!(run.stdout.lines().count() > 40, "{}", run.stdout);
}
