//! A Graph version without a field we ask for (`wamigrate sim --drop-field`): the client
//! drops the field, retries once, remembers it for the session and shows its values as
//! unknown; `status` and `check` keep working (the TUI: tests/e2e_tui.rs).

mod common;

use common::{SimProcess, wamigrate};
use serde_json::Value;

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {} / {}", run.stdout, run.stderr))
}

#[test]
fn status_reads_on_and_shows_a_dropped_field_as_unknown() {
    let sim = SimProcess::start(&["--drop-field", "messaging_limit_tier"]);
    let run = wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "status",
            "--waba",
            SOURCE,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = json(&run);
    let limit = |display: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["display_phone_number"] == display)
            .unwrap_or_else(|| panic!("{display} missing"))["messaging_limit"]
            .clone()
    };
    // Only the deprecated field held this number's limit: now unknown, not absent.
    assert_eq!(limit("+49 30 12345614"), "unknown");
    // The current field is still read.
    assert_eq!(limit("+44 20 7946 0115"), "TIER_100K");
    assert_eq!(rows.as_array().unwrap().len(), 25);
    // One refusal, then remembered: the WABA with its numbers (one call: field
    // expansion) was asked twice, not once per page or per WABA.
    let stats = common::stats_by_path(&sim);
    let asked = |path: &str| stats.get(path).and_then(Value::as_u64).unwrap_or(0);
    assert_eq!(asked(&format!("GET /{SOURCE}")), 2, "{stats:?}");
    assert_eq!(
        asked(&format!("GET /{SOURCE}/phone_numbers")),
        0,
        "{stats:?}"
    );
}

#[test]
fn check_judges_without_the_field_and_never_fails_on_a_field_not_read() {
    let sim = SimProcess::start(&["--drop-field", "messaging_limit_tier"]);
    let run = wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "check",
            "+16315550101",
            "--to",
            DEST,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(
        run.code, 4,
        "only register_budget is unknown: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("could not read"), "{}", run.stderr);

    // A WABA field gone: the payment method is unknown, never a blocker.
    let sim = SimProcess::start(&["--drop-field", "WhatsAppBusinessAccount.primary_funding_id"]);
    let run = wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "check",
            "+16315550101",
            "--to",
            DEST,
            "--format",
            "json",
        ],
        &[],
    );
    let report = json(&run);
    let payment = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "destination_payment_method")
        .unwrap();
    assert_eq!(payment["status"], "unknown", "{payment}");
    assert_eq!(run.code, 4);
}
