//! Every scenario to its documented end with the token a real operator holds
//! (assets/sandbox/README.md): the partner's token for moves into us (the source is not
//! readable: its rules are unknown and confirmed before the first write, each
//! confirmation journaled), the business's token inside one business, for its move out
//! and for its hosting change, Heron's token for a destination in another Business
//! Manager that messages on behalf of the number's business, the Hub key for partner
//! changes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{SimProcess, binary, http_post, stats_by_path, wamigrate, wamigrate_answering_codes};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const KESTREL_WABA: &str = "210448776512093";
/// Owned by Heron (a solution partner, another Business Manager), messaging on behalf
/// of Lucky Shrub.
const HERON_WABA: &str = "310552908871140";
const BUSINESS_TOKEN: &str = "lucky-shrub-business-token";

fn migrate(
    sim: &SimProcess,
    token: &str,
    number: &str,
    to: &str,
    scenario: &str,
    yes: bool,
) -> common::Run {
    let mut args = vec![
        "--graph-url",
        sim.url.as_str(),
        "migrate",
        number,
        "--to",
        to,
        "--scenario",
        scenario,
        "--watch-interval",
        "1",
    ];
    if yes {
        args.push("--yes");
    }
    wamigrate_answering_codes(
        sim,
        &args,
        &[
            ("WAMIGRATE_PIN", "246810"),
            ("WAMIGRATE_GRAPH_TOKEN", token),
        ],
    )
}

/// Runs `wamigrate <args>` with `token`, calling `on_line` with every line it writes to
/// stderr while it runs (to act as another party at the right moment).
fn migrate_watching(
    sim: &SimProcess,
    token: &str,
    args: &[&str],
    env: &[(&str, &str)],
    mut on_line: impl FnMut(&str),
) -> common::Run {
    let mut command = Command::new(binary());
    command
        .args(["--graph-url", &sim.url, "migrate"])
        .args(args)
        .env_remove("WAMIGRATE_PROFILE")
        .env("WAMIGRATE_GRAPH_TOKEN", token)
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run wamigrate");
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        on_line(&line);
        stderr.push_str(&line);
        stderr.push('\n');
    }
    common::Run {
        code: child.wait().unwrap().code().unwrap_or(-1),
        stdout: String::new(),
        stderr,
        answers: Vec::new(),
    }
}

/// The steps a journal records as done.
fn done_steps(journal: &str) -> Vec<String> {
    journal
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["record"] == "step_done")
        .filter_map(|r| r["step"].as_str().map(str::to_string))
        .collect()
}

/// POSTs that reached the sandbox on a path ending with `suffix`.
fn posts_to(sim: &SimProcess, suffix: &str) -> u64 {
    stats_by_path(sim)
        .iter()
        .filter(|(path, _)| path.starts_with("POST ") && path.ends_with(suffix))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}

fn journal(sim: &SimProcess, stderr: &str) -> String {
    let id = stderr
        .split("Migration ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no migration id in: {stderr}"));
    std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl")))
        .expect("the journal")
}

/// The number's status in a WABA, read with the broad sandbox token.
fn status_in(sim: &SimProcess, waba: &str, display: &str) -> Option<String> {
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
        .and_then(|r| r["status"].as_str().map(str::to_string))
}

fn writes(sim: &SimProcess) -> u64 {
    stats_by_path(sim)
        .iter()
        .filter(|(path, _)| path.starts_with("POST /"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn the_partner_moves_a_number_in_without_reading_the_source_after_typed_confirmations() {
    let sim = SimProcess::start(&[]);
    // Without a person or --yes to confirm the unreadable rules, nothing is written.
    let refused = migrate(
        &sim,
        "partner-token",
        "+16315550121",
        DEST,
        "from-other-bsp",
        false,
    );
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("not readable with this token"),
        "{}",
        refused.stderr
    );
    assert_eq!(writes(&sim), 0, "no write before the confirmations");

    let sim = SimProcess::start(&[]);
    let run = migrate(
        &sim,
        "partner-token",
        "+16315550121",
        DEST,
        "from-other-bsp",
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        status_in(&sim, DEST, "+1 631-555-0121").as_deref(),
        Some("CONNECTED")
    );
    let journal = journal(&sim, &run.stderr);
    for rule in [
        "two_step_disabled",
        "display_name_approved",
        "source_business_verified",
        "register_budget",
    ] {
        assert!(
            journal.contains(&format!("{rule} confirmed by --yes")),
            "{rule} confirmation journaled: {journal}"
        );
    }
    // The confirmations precede the first write in the journal.
    let confirmed_at = journal
        .find("two_step_disabled confirmed by --yes")
        .unwrap();
    let first_intent = journal.find("\"record\":\"intent\"").unwrap();
    assert!(confirmed_at < first_intent);
    assert!(
        run.stderr.contains("not readable with this token")
            && run.stderr.contains("template migration API"),
        "templates: what the destination holds, the API not used: {}",
        run.stderr
    );
}

#[test]
fn the_business_moves_inside_one_business_and_heron_between_business_managers() {
    let sim = SimProcess::start(&[]);
    let run = migrate(
        &sim,
        BUSINESS_TOKEN,
        "+16315550101",
        DEST,
        "to-new-waba",
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        status_in(&sim, DEST, "+1 631-555-0101").as_deref(),
        Some("CONNECTED")
    );
    assert!(
        !run.stderr.contains("template migration API is not used"),
        "one owner: the template migration API may copy what is missing: {}",
        run.stderr
    );

    // Heron's WABA belongs to another Business Manager and messages on behalf of Lucky
    // Shrub: the documented move between Business Managers. Heron cannot read the
    // source; the "Messaging For" acceptance comes before any write.
    let run = migrate(
        &sim,
        "heron-partner-token",
        "+16315550122",
        HERON_WABA,
        "between-business-managers",
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        status_in(&sim, HERON_WABA, "+1 631-555-0122").as_deref(),
        Some("CONNECTED")
    );
    assert!(
        run.stderr
            .contains("messages on behalf of Lucky Shrub Holdings Ltd (506914307656634)"),
        "{}",
        run.stderr
    );
    let journal = journal(&sim, &run.stderr);
    let accepted = journal.find("\"step\":\"messaging_for_accepted\"").unwrap();
    assert!(accepted < journal.find("\"record\":\"intent\"").unwrap());
    assert!(
        run.stderr.contains("template migration API is not used"),
        "two owners: Meta's duplication is reported: {}",
        run.stderr
    );

    // Kestrel's own WABA represents another business: Meta refuses the move (2388103),
    // whatever the operator confirmed about the source it cannot read.
    let refused = migrate(
        &sim,
        "kestrel-business-token",
        "+16315550125",
        KESTREL_WABA,
        "between-business-managers",
        true,
    );
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("represent different businesses"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        status_in(&sim, SOURCE, "+1 631-555-0125").as_deref(),
        Some("CONNECTED")
    );
}

#[test]
fn the_business_moves_a_number_out_to_its_end_and_only_the_client_cancels() {
    let sim = SimProcess::start(&[]);
    let other_bsp = tempfile::tempdir().unwrap();
    let mut moved = None;
    let outbound = migrate_watching(
        &sim,
        BUSINESS_TOKEN,
        &[
            "+16315550125",
            "--from",
            SOURCE,
            "--scenario",
            "to-other-bsp",
            "--yes",
            "--watch-interval",
            "1",
        ],
        &[],
        |line| {
            if line.contains("Watch until migrated away") && moved.is_none() {
                // The new BSP, from its own machine with its own token, moves it in.
                moved = Some(migrate_as_other_bsp(&sim, other_bsp.path()));
            }
        },
    );
    let moved = moved.expect("the watch started");
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    assert_eq!(outbound.code, 0, "{}", outbound.stderr);
    assert!(
        outbound
            .stderr
            .contains("Only the client may cancel a number"),
        "{}",
        outbound.stderr
    );
    let journal = journal(&sim, &outbound.stderr);
    assert!(
        done_steps(&journal).ends_with(&[
            "watch_migrated_away".to_string(),
            "cancel_subscription".to_string(),
            "refund_unused_funds".to_string()
        ]),
        "{journal}"
    );
    assert!(
        journal.contains(
            "confirmed by --yes: Has the client cancelled the subscription in the 360dialog Client Hub?"
        ),
        "the typed confirmation is journaled with who gave it: {journal}"
    );
    assert_eq!(
        posts_to(&sim, "/control/cancellation_request"),
        0,
        "a partner may not cancel for the client: no call"
    );
}

/// The new BSP's move in: the partner token, its own data directory.
fn migrate_as_other_bsp(sim: &SimProcess, data_dir: &std::path::Path) -> common::Run {
    wamigrate_answering_codes(
        sim,
        &[
            "--graph-url",
            &sim.url,
            "migrate",
            "+16315550125",
            "--to",
            DEST,
            "--scenario",
            "from-other-bsp",
            "--yes",
        ],
        &[
            ("WAMIGRATE_PIN", "246810"),
            ("WAMIGRATE_GRAPH_TOKEN", "partner-token"),
            ("WAMIGRATE_DATA_DIR", data_dir.to_str().unwrap()),
        ],
    )
}

#[test]
fn partner_changes_end_with_the_follow_ups_and_a_failed_change_ends_failed() {
    let sim = SimProcess::start(&[]);
    let hub = [
        ("WAMIGRATE_HUB_URL", sim.url.as_str()),
        ("WAMIGRATE_HUB_API_KEY", "sandbox-hub-key"),
        ("WAMIGRATE_PARTNER_ID", "nB7x2LPA"),
    ];
    let change = |request: &str, scenario: &str| {
        migrate_watching(
            &sim,
            "partner-token",
            &[
                request,
                "--scenario",
                scenario,
                "--yes",
                "--watch-interval",
                "1",
            ],
            &hub,
            |_| {},
        )
    };
    let ok = change("pcr01Kst", "client-partner-change");
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let journal = journal(&sim, &ok.stderr);
    assert!(
        done_steps(&journal).ends_with(&[
            "watch_change_request".to_string(),
            "refresh_fleet".to_string(),
            "partner_permission".to_string(),
            "new_api_key".to_string(),
            "reset_webhook".to_string()
        ]),
        "{journal}"
    );
    assert!(
        ok.stderr.contains("wamigrate never creates one"),
        "{}",
        ok.stderr
    );
    assert_eq!(
        posts_to(&sim, "/api_keys"),
        0,
        "no API key is created implicitly"
    );

    let failed = change("pcr03Cas", "waba-partner-change");
    assert_eq!(failed.code, 3, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("failed at Watch the request")
            && failed.stderr.contains("not resumable"),
        "{}",
        failed.stderr
    );
    let id = failed
        .stderr
        .split("Migration ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sim.data_dir.path().join(format!("reports/{id}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["status"], "failed");
    assert!(
        !done_steps(&journal_of(&sim, &id)).contains(&"partner_permission".to_string()),
        "no follow-up after a failed change"
    );
    // Naming the failed request again ends at once as failed, never as a pause.
    let again = change("pcr03Cas", "waba-partner-change");
    assert_eq!(again.code, 3, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("failed at Find the partner change request"),
        "{}",
        again.stderr
    );
}

fn journal_of(sim: &SimProcess, id: &str) -> String {
    std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap()
}

#[test]
fn a_hosting_change_is_the_hubs_step_and_its_follow_ups_or_the_owners_backup() {
    // A 360dialog number: the switch happens in the Hub (here the sandbox plays the
    // person in the Hub once wamigrate watches for it); no register call is made.
    let sim = SimProcess::start(&[]);
    let hub_url = sim.url.clone();
    let mut switched = false;
    let run = migrate_watching(
        &sim,
        BUSINESS_TOKEN,
        &[
            "106540352240008",
            "--scenario",
            "hosting-type-change",
            "--yes",
            "--watch-interval",
            "1",
        ],
        &[],
        |line| {
            if line.contains("Verify the platform") && !switched {
                let (status, body) = http_post(
                    &format!("{hub_url}/_sandbox/hub/hosting_change"),
                    r#"{"channel_id": "c008Ls08CH"}"#,
                );
                assert_eq!(status, 200, "{body}");
                switched = true;
            }
        },
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hub_journal = journal(&sim, &run.stderr);
    assert_eq!(
        done_steps(&hub_journal),
        [
            "preflight",
            "explain_downtime",
            "hub_hosting_change",
            "verify_platform",
            "new_api_key",
            "reset_webhook"
        ]
    );
    assert!(
        !hub_journal.contains("register_budget confirmed"),
        "no register call, no budget to confirm"
    );
    assert_eq!(posts_to(&sim, "/register"), 0);
    assert_eq!(posts_to(&sim, "/api_keys"), 0);

    // An owner who holds the On-Premise backup registers through Graph instead.
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
        &[
            ("WAMIGRATE_PIN", "246810"),
            ("WAMIGRATE_BACKUP_PASSWORD", "s3cret-backup-pass"),
            ("WAMIGRATE_GRAPH_TOKEN", BUSINESS_TOKEN),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        done_steps(&journal(&sim, &run.stderr)),
        [
            "preflight",
            "explain_downtime",
            "register_with_backup",
            "verify_platform"
        ]
    );
    assert_eq!(posts_to(&sim, "/register"), 1);
}
