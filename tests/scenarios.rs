//! Every scenario run headless to its end against the sandbox (`wamigrate sim` as a
//! process), checking the final state and the audit report, plus the failure paths an
//! operator meets most.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{
    SimProcess, binary, holds_secret, http_post, stats_by_path, wamigrate,
    wamigrate_answering_codes,
};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
/// Owned by another Business Manager (Heron, a solution partner), messaging on behalf
/// of Lucky Shrub: where a number may move between Business Managers.
const HERON_WABA: &str = "310552908871140";
const PIN: (&str, &str) = ("WAMIGRATE_PIN", "246810");

fn hub_env(sim: &SimProcess) -> [(&'static str, String); 3] {
    [
        ("WAMIGRATE_HUB_URL", sim.url.clone()),
        ("WAMIGRATE_HUB_API_KEY", "sandbox-hub-key".to_string()),
        ("WAMIGRATE_PARTNER_ID", "nB7x2LPA".to_string()),
    ]
}

fn migration_id(stderr: &str) -> String {
    stderr
        .split("Migration ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no migration id in: {stderr}"))
        .to_string()
}

fn report(sim: &SimProcess, id: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(sim.data_dir.path().join(format!("reports/{id}.json")))
        .expect("the JSON report");
    serde_json::from_str(&text).unwrap()
}

/// The number's row in `status --waba` of a WABA, if it is there.
fn status_row(sim: &SimProcess, waba: &str, display: &str) -> Option<serde_json::Value> {
    let run = wamigrate(
        sim,
        &[
            "--graph-url",
            &sim.url,
            "status",
            "--waba",
            waba,
            "--format",
            "json",
        ],
        &[],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap_or_default();
    rows.into_iter()
        .find(|r| r["display_phone_number"] == display)
}

fn migrate(
    sim: &SimProcess,
    number: &str,
    to: Option<&str>,
    scenario: &str,
    extra_env: &[(&str, &str)],
) -> common::Run {
    let mut args = vec![
        "--graph-url",
        sim.url.as_str(),
        "migrate",
        number,
        "--scenario",
        scenario,
        "--yes",
        "--watch-interval",
        "1",
    ];
    if let Some(to) = to {
        args.extend(["--to", to]);
    }
    let mut env = vec![PIN];
    env.extend_from_slice(extra_env);
    wamigrate_answering_codes(sim, &args, &env)
}

#[test]
fn graph_migrations_run_to_the_end_and_report_the_cutover() {
    let sim = SimProcess::start(&[]);
    for (number, display, to, scenario) in [
        ("+16315550101", "+1 631-555-0101", DEST, "to-new-waba"),
        ("+16315550121", "+1 631-555-0121", DEST, "from-other-bsp"),
        (
            "+16315550122",
            "+1 631-555-0122",
            HERON_WABA,
            "between-business-managers",
        ),
    ] {
        let run = migrate(&sim, number, Some(to), scenario, &[]);
        assert_eq!(run.code, 0, "{scenario}: {}", run.stderr);
        // Two owners: no template migration call, Meta's duplication is reported.
        assert_eq!(
            run.stderr
                .contains("only between WABAs owned by the same business")
                && run.stderr.contains("arrived with Meta's duplication"),
            scenario == "between-business-managers",
            "{scenario}: {}",
            run.stderr
        );
        let id = migration_id(&run.stderr);
        let row = status_row(&sim, to, display)
            .unwrap_or_else(|| panic!("{scenario}: {display} is not in {to}"));
        assert_eq!(row["status"], "CONNECTED", "{scenario}");
        assert_eq!(
            status_row(&sim, SOURCE, display).unwrap()["status"],
            "MIGRATED",
            "{scenario}: the source copy"
        );
        let report = report(&sim, &id);
        assert_eq!(report["status"], "completed");
        assert_eq!(report["scenario"], scenario);
        assert!(
            report["billing_cutover"].is_string(),
            "{scenario}: the cut-over is recorded"
        );
        assert_eq!(report["phone_number_id_after"], row["id"]);
        assert!(report["checklist"].as_array().unwrap().len() >= 17);
        let markdown =
            std::fs::read_to_string(sim.data_dir.path().join(format!("reports/{id}.md"))).unwrap();
        assert!(
            markdown.contains("billing cut-over") && !holds_secret(&markdown, PIN.1),
            "{scenario}"
        );
    }
}

#[test]
fn hosting_type_change_registers_with_the_backup_and_ends_on_the_cloud_api() {
    let sim = SimProcess::start(&[]);
    let backup = sim.data_dir.path().join("backup.txt");
    std::fs::write(&backup, "b64-backup-data").unwrap();
    let run = wamigrate_answering_codes(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "migrate",
            "106540352240008",
            "--scenario",
            "hosting-type-change",
            "--yes",
            "--backup-file",
            backup.to_str().unwrap(),
        ],
        &[PIN, ("WAMIGRATE_BACKUP_PASSWORD", "s3cret-backup-pass")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row = status_row(&sim, SOURCE, "+1 631-555-0108").unwrap();
    assert_eq!(row["platform_type"], "CLOUD_API");
    let id = migration_id(&run.stderr);
    let journal =
        std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap();
    assert!(!holds_secret(&journal, "s3cret-backup-pass") && !holds_secret(&journal, PIN.1));
}

#[test]
fn partner_changes_are_approved_and_watched_to_their_end() {
    let sim = SimProcess::start(&[]);
    let env = hub_env(&sim);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let ok = migrate(&sim, "pcr01Kst", None, "client-partner-change", &env);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains("completed"), "{}", ok.stderr);

    let failing = migrate(&sim, "pcr03Cas", None, "waba-partner-change", &env);
    assert_eq!(failing.code, 3, "{}", failing.stderr);
    assert!(
        failing.stderr.contains("failed in the Hub"),
        "{}",
        failing.stderr
    );
    let id = migration_id(&failing.stderr);
    assert_eq!(report(&sim, &id)["status"], "failed");

    let no_hub = migrate(&sim, "pcr02Nrd", None, "client-partner-change", &[]);
    assert_eq!(no_hub.code, 3);
    assert!(
        no_hub.stderr.contains("WAMIGRATE_HUB_API_KEY"),
        "{}",
        no_hub.stderr
    );
}

#[test]
fn outbound_move_watches_until_the_other_bsp_took_the_number() {
    let sim = SimProcess::start(&[]);
    let mut outbound = Command::new(binary())
        .args([
            "--graph-url",
            &sim.url,
            "migrate",
            "+16315550125",
            "--from",
            SOURCE,
            "--scenario",
            "to-other-bsp",
            "--yes",
            "--watch-interval",
            "1",
        ])
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .env_remove("WAMIGRATE_GRAPH_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(outbound.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("Watch until migrated away") {
            break;
        }
    }
    assert!(seen.contains("Hand over"), "{seen}");
    // The other BSP moves the number (here: into another WABA through the same sandbox),
    // from its own machine: its own data directory, so its own locks and journals.
    let elsewhere = tempfile::tempdir().unwrap();
    let other_bsp = migrate(
        &sim,
        "+16315550125",
        Some(DEST),
        "to-new-waba",
        &[("WAMIGRATE_DATA_DIR", elsewhere.path().to_str().unwrap())],
    );
    assert_eq!(other_bsp.code, 0, "{}", other_bsp.stderr);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = outbound.wait().unwrap();
    let all = format!("{seen}{}", rest.join("\n"));
    assert_eq!(status.code(), Some(0), "{all}");
    assert!(
        all.contains("status = MIGRATED")
            && all.contains("The client cancels the subscription")
            && all.contains("Refund of unused funds"),
        "{all}"
    );
}

#[test]
fn blockers_stop_before_anything_is_sent_and_say_why() {
    let sim = SimProcess::start(&[]);
    for (number, to, rule) in [
        ("+16315550102", DEST, "two_step_disabled"),
        ("+16315550101", "104996122399163", "destination_webhooks"),
        ("+494098765435", DEST, "same_business"),
        ("+16315550103", DEST, "display_name_approved"),
    ] {
        let run = migrate(&sim, number, Some(to), "to-new-waba", &[]);
        assert_eq!(run.code, 3, "{number}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("✘ {rule}")),
            "{number} should be blocked by {rule}: {}",
            run.stderr
        );
    }
    let writes: u64 = stats_by_path(&sim)
        .iter()
        .filter(|(path, _)| path.starts_with("POST /1") || path.starts_with("POST /2"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum();
    assert_eq!(writes, 0, "a blocked preflight sends no write");

    let malformed = wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "migrate",
            "+49 30",
            "--to",
            DEST,
            "--scenario",
            "to-new-waba",
        ],
        &[],
    );
    assert_eq!(malformed.code, 2);
    assert!(
        malformed.stderr.contains("8 to 15 digits"),
        "{}",
        malformed.stderr
    );
}

#[test]
fn a_wrong_code_leaves_the_journal_resumable_and_an_expired_one_is_refused() {
    let sim = SimProcess::start(&[]);
    let url = sim.url.clone();
    let base = [
        "--graph-url",
        url.as_str(),
        "migrate",
        "+16315550101",
        "--to",
        DEST,
        "--scenario",
        "to-new-waba",
        "--yes",
    ];
    // Answer the code prompt with a wrong code (a script gives one line of stdin).
    let wrong = Command::new(binary())
        .args(base)
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .env(PIN.0, PIN.1)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = wrong.stdin.as_ref().unwrap();
        writeln!(stdin, "000000").unwrap();
    }
    let out = wrong.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("wrong or has expired") && stderr.contains("--resume"),
        "{stderr}"
    );
    let id = migration_id(&stderr);

    // Let the code expire (sandbox clock), then resume: the stale code is refused too.
    let (status, _) = http_post(&format!("{url}/_sandbox/clock"), r#"{"advance_secs": 900}"#);
    assert_eq!(status, 200);
    let resumed = wamigrate_answering_codes(
        &sim,
        &["--graph-url", &url, "migrate", "--resume", &id, "--yes"],
        &[PIN],
    );
    assert_eq!(
        resumed.code, 1,
        "an expired code is refused: {}",
        resumed.stderr
    );

    // Resume again, asking for a new code first: the migration completes.
    let fresh = Command::new(binary())
        .args(["--graph-url", &url, "migrate", "--resume", &id, "--yes"])
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .env(PIN.0, PIN.1)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = fresh.stdin.as_ref().unwrap();
        writeln!(stdin, "resend").unwrap();
    }
    let mut fresh = fresh;
    let stderr_pipe = fresh.stderr.take().unwrap();
    let mut stdin = fresh.stdin.take().unwrap();
    let mut text = String::new();
    for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
        if line.contains("Enter the 6-digit code") && text.contains("Enter the 6-digit code") {
            let id = line
                .split("phone number id ")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .unwrap();
            let (_, body) = common::http_get(&format!("{url}/_sandbox/otp/{id}"));
            let code: serde_json::Value = serde_json::from_str(&body).unwrap();
            use std::io::Write;
            writeln!(stdin, "{}", code["code"].as_str().unwrap()).unwrap();
        }
        text.push_str(&line);
        text.push('\n');
    }
    drop(stdin);
    assert_eq!(fresh.wait().unwrap().code(), Some(0), "{text}");
}

#[test]
fn a_trace_log_of_a_whole_migration_holds_no_token_pin_or_code() {
    let token = "s3cr3t-T0KEN-migrate";
    let sim = SimProcess::start(&["--token", token]);
    let run = wamigrate_answering_codes(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "--log-level",
            "trace",
            "migrate",
            "+16315550101",
            "--to",
            DEST,
            "--scenario",
            "to-new-waba",
            "--yes",
        ],
        &[PIN, ("WAMIGRATE_GRAPH_TOKEN", token)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = migration_id(&run.stderr);
    let code = run
        .answers
        .iter()
        .find(|a| a.len() == 6)
        .expect("a code was typed")
        .clone();
    let log = std::fs::read_to_string(sim.data_dir.path().join("logs/wamigrate.log")).unwrap();
    assert!(log.contains("api call"), "the trace log was written");
    let journal =
        std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap();
    let report_md =
        std::fs::read_to_string(sim.data_dir.path().join(format!("reports/{id}.md"))).unwrap();
    let mut texts = vec![
        ("log".to_string(), log),
        ("journal".to_string(), journal),
        ("report".to_string(), report_md),
        ("stderr".to_string(), run.stderr.clone()),
        ("sandbox output".to_string(), sim.output()),
    ];
    // Everything else the run left in its data dir (reports as JSON, template runs,
    // locks, the log's rotations): grepped byte for byte, as an auditor would.
    texts.extend(files_under(sim.data_dir.path()).into_iter().map(|path| {
        let bytes = std::fs::read(&path).unwrap();
        (
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }));
    assert!(texts.len() > 6, "the data dir holds the run's files");
    for (what, text) in &texts {
        for secret in [token, PIN.1, code.as_str()] {
            assert!(
                !holds_secret(text, secret),
                "the {what} holds a secret ({secret})"
            );
        }
    }
}

/// Every file under a directory, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_secret_of_digits_counts_where_it_stands_alone_not_inside_a_timestamp() {
    assert!(holds_secret(r#"{"pin":"246810"}"#, "246810"));
    assert!(holds_secret("pin=246810&x=1", "246810"));
    assert!(holds_secret("246810", "246810"));
    assert!(!holds_secret("at 2026-12-01T09:20:44.824681012Z", "246810"));
    assert!(!holds_secret("id 12468101", "246810"));
    assert!(holds_secret("Bearer sandbox-token", "sandbox-token"));
}
