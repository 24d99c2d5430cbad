//! The fleet side of `wamigrate status` end to end: `--filter`, `--fail-on`, `--watch`
//! and `--export` of the real binary against `wamigrate sim` as a separate process.

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use common::{Run, SimProcess, command, wamigrate};

type Row = serde_json::Map<String, serde_json::Value>;

fn status(sim: &SimProcess, extra: &[&str]) -> Run {
    let mut args = vec!["status", "--graph-url", &sim.url, "--format", "json"];
    args.extend_from_slice(extra);
    wamigrate(sim, &args, &[])
}

fn rows(run: &Run) -> Vec<Row> {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON array ({e}): {}", run.stdout))
}

fn text<'a>(row: &'a Row, key: &str) -> &'a str {
    row[key].as_str().unwrap_or("")
}

#[test]
fn filter_prints_only_the_matching_rows_in_the_same_json_shape() {
    let sim = SimProcess::start(&[]);
    let all = rows(&status(&sim, &[]));
    let run = status(&sim, &["--filter", "status:flagged,RESTRICTED"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let filtered = rows(&run);
    let expected: Vec<&Row> = all
        .iter()
        .filter(|r| ["FLAGGED", "RESTRICTED"].contains(&text(r, "status")))
        .collect();
    assert!(!expected.is_empty(), "the sandbox has flagged numbers");
    assert_eq!(filtered.iter().collect::<Vec<_>>(), expected);

    let and_terms = rows(&status(&sim, &["--filter", "status:FLAGGED 2fa:on"]));
    assert!(
        and_terms.iter().all(|r| text(r, "status") == "FLAGGED"
            && r["is_pin_enabled"] == serde_json::Value::Bool(true))
    );

    let first = &all[0];
    let by_text = rows(&status(
        &sim,
        &["--filter", text(first, "display_phone_number")],
    ));
    assert!(
        by_text.iter().any(|r| r["id"] == first["id"]),
        "free text finds a number"
    );
}

#[test]
fn fail_on_exits_3_and_names_each_matching_number_on_stderr() {
    let sim = SimProcess::start(&[]);
    let run = status(
        &sim,
        &["--fail-on", "status:FLAGGED,RESTRICTED quality:RED"],
    );
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let printed = rows(&run);
    let matching: Vec<&Row> = printed
        .iter()
        .filter(|r| {
            ["FLAGGED", "RESTRICTED"].contains(&text(r, "status"))
                && text(r, "quality_rating") == "RED"
        })
        .collect();
    assert!(!matching.is_empty(), "the sandbox has a flagged RED number");
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("--fail-on matched"))
        .collect();
    assert_eq!(
        lines.len(),
        matching.len(),
        "one line per match: {}",
        run.stderr
    );
    for row in matching {
        let number = text(row, "display_phone_number");
        assert!(
            lines
                .iter()
                .any(|l| l.contains(number) && l.contains("quality RED")),
            "{number} is listed: {}",
            run.stderr
        );
    }

    let clean = status(&sim, &["--fail-on", "status:NOT_A_STATUS"]);
    assert_eq!(clean.code, 0, "stderr: {}", clean.stderr);
    assert!(!clean.stderr.contains("--fail-on matched"));

    let scoped = status(
        &sim,
        &[
            "--filter",
            "status:CONNECTED",
            "--fail-on",
            "status:FLAGGED",
        ],
    );
    assert_eq!(
        scoped.code, 0,
        "--fail-on looks only at the rows --filter selects"
    );
}

#[test]
fn invalid_expressions_exit_2_with_the_parser_sentence() {
    let sim = SimProcess::start(&[]);
    let cases = [
        (
            vec!["--filter", "stat:FLAGGED"],
            "--filter: 'stat' is not a filter field: use one of number, name, waba",
        ),
        (
            vec!["--fail-on", "status:"],
            "--fail-on: 'status:' needs a value",
        ),
        (vec!["--fail-on", "  "], "--fail-on needs at least one term"),
        (
            vec!["--filter", "name:\"Lucky"],
            "quote (\") that is not closed",
        ),
        (
            vec!["--watch", "0"],
            "--watch needs an interval of at least 1 second",
        ),
    ];
    for (args, sentence) in cases {
        let run = status(&sim, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(sentence), "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim().lines().count(),
            1,
            "one sentence: {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "nothing is read or printed: {}",
            run.stdout
        );
    }
}

#[test]
fn watch_with_fail_on_stops_at_the_first_match() {
    let sim = SimProcess::start(&[]);
    let run = status(&sim, &["--watch", "--fail-on", "status:FLAGGED"]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert!(
        !rows(&run).is_empty(),
        "the full output is printed once first"
    );
}

#[test]
fn watch_prints_once_then_nothing_while_nothing_changes_and_ctrl_c_exits_0() {
    let sim = SimProcess::start(&[]);
    let mut child = command(
        &sim,
        &[
            "status",
            "--graph-url",
            &sim.url,
            "--format",
            "json",
            "--watch",
            "1",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start status --watch");
    // Two re-reads at one-second intervals; the check time changes, nothing else does.
    std::thread::sleep(Duration::from_millis(2_600));
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "Ctrl-C ends a watch cleanly: {stderr}"
    );
    let printed: Vec<Row> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("only the first output, no change lines ({e}): {stdout}"));
    assert!(!printed.is_empty());
    let log = sim.output();
    let reads: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|path| path.ends_with("/phone_numbers"))
        .collect();
    let wabas = reads.iter().collect::<std::collections::HashSet<_>>().len();
    let reads = reads.len();
    assert!(reads >= 2 * wabas, "the WABAs were read again: {log}");
}

#[test]
fn export_writes_the_filtered_rows_under_the_data_dir() {
    let sim = SimProcess::start(&[]);
    let run = status(&sim, &["--filter", "status:FLAGGED", "--export", "csv"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let printed = rows(&run);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("exported"))
        .unwrap_or_else(|| panic!("the export path is shown: {}", run.stderr));
    assert!(
        line.contains(&format!("exported {} numbers to ", printed.len())),
        "{line}"
    );
    let path = line
        .split(" to ")
        .nth(1)
        .unwrap()
        .trim_end_matches('.')
        .to_string();
    assert!(path.starts_with(&sim.data_dir.path().join("exports").display().to_string()));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let exported: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(exported.len(), printed.len());
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for (record, row) in exported.iter().zip(&printed) {
        assert_eq!(&record[column("id")], text(row, "id"));
        assert_eq!(&record[column("status")], "FLAGGED");
        assert!(!record[column("last_checked")].is_empty());
    }
}

#[test]
fn with_a_partner_key_the_table_shows_channels_and_channel_terms_filter() {
    let sim = SimProcess::start(&[]);
    let hub = [
        ("WAMIGRATE_HUB_API_KEY", "sandbox-hub-key"),
        ("WAMIGRATE_HUB_URL", sim.url.as_str()),
        ("WAMIGRATE_PARTNER_ID", "nB7x2LPA"),
    ];
    let table = wamigrate(
        &sim,
        &["status", "--graph-url", &sim.url, "--format", "table"],
        &hub,
    );
    assert_eq!(table.code, 0, "stderr: {}", table.stderr);
    let header = table.stdout.lines().next().unwrap();
    assert!(header.contains("CHANNEL"), "{header}");

    let all = wamigrate(
        &sim,
        &["status", "--graph-url", &sim.url, "--format", "json"],
        &hub,
    );
    let ready = wamigrate(
        &sim,
        &[
            "status",
            "--graph-url",
            &sim.url,
            "--format",
            "json",
            "--filter",
            "channel:ready,running",
        ],
        &hub,
    );
    assert_eq!(ready.code, 0, "stderr: {}", ready.stderr);
    let (all, ready) = (rows(&all), rows(&ready));
    assert!(
        !ready.is_empty() && ready.len() < all.len(),
        "{} of {}",
        ready.len(),
        all.len()
    );
    assert_eq!(
        ready[0].keys().collect::<Vec<_>>(),
        all[0].keys().collect::<Vec<_>>(),
        "the JSON contract is unchanged"
    );
}
