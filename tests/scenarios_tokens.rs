//! The scenarios with the token a real operator holds (assets/sandbox/README.md): the
//! partner's token for moves into us (the source is not readable: its rules are
//! unknown and confirmed before the first write, each confirmation journaled), the
//! business's token inside one business, Kestrel's own token between Business Managers.

mod common;

use common::{SimProcess, stats_by_path, wamigrate, wamigrate_answering_codes};

const DEST: &str = "104996122399161";
const KESTREL_WABA: &str = "210448776512093";

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
fn the_business_moves_inside_one_business_and_kestrel_between_business_managers() {
    let sim = SimProcess::start(&[]);
    let run = migrate(
        &sim,
        "lucky-shrub-business-token",
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
    // Kestrel receives a Lucky Shrub number into its own WABA: it cannot read the source.
    let run = migrate(
        &sim,
        "kestrel-business-token",
        "+16315550122",
        KESTREL_WABA,
        "between-business-managers",
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        status_in(&sim, KESTREL_WABA, "+1 631-555-0122").as_deref(),
        Some("CONNECTED")
    );
}
