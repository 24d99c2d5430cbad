//! `wamigrate check` against the strict sandbox with the token a real operator holds:
//! what the token cannot read is unknown on the source side and fails on the
//! destination side, and the exit code says which (0 clear, 3 a fail, 4 unknown, 1 a
//! read failed for another reason).

mod common;

use common::{SimProcess, wamigrate};
use serde_json::Value;

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const KESTREL_WABA: &str = "210448776512093";

fn check(sim: &SimProcess, token: &str, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--graph-url", sim.url.as_str(), "check"];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let run = wamigrate(sim, &all, &[("WAMIGRATE_GRAPH_TOKEN", token)]);
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}): {} / {}",
            run.stdout, run.stderr
        )
    });
    (run.code, json, run.stderr)
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {report}"))
}

#[test]
fn a_destination_that_cannot_be_read_fails_instead_of_saying_no_blocker() {
    let sim = SimProcess::start(&[]);
    let (code, report, _) = check(&sim, "sandbox-token", &["+16315550101", "--to", "999"]);
    assert_eq!(code, 3, "{report}");
    assert_eq!(report["blocked"], true);
    for id in [
        "destination_waba_approved",
        "destination_webhooks",
        "not_in_destination",
    ] {
        let r = rule(&report, id);
        assert_eq!(r["status"], "fail", "{id}");
        assert_eq!(
            r["evidence"],
            "not readable with this token: it does not exist or was not shared with you"
        );
    }
    // The source side was read: judged as usual.
    assert_eq!(rule(&report, "two_step_disabled")["status"], "pass");

    // The partner may not read Kestrel's WABA either: the same answer as a missing one.
    let (code, report, _) = check(
        &sim,
        "partner-token",
        &[
            "+16315550101",
            "--to",
            KESTREL_WABA,
            "--scenario",
            "from-other-bsp",
        ],
    );
    assert_eq!(code, 3);
    assert_eq!(
        rule(&report, "destination_payment_method")["status"],
        "fail"
    );
}

#[test]
fn the_partner_token_cannot_read_the_source_so_its_rules_are_unknown_and_exit_4() {
    let sim = SimProcess::start(&[]);
    for from in [None, Some(SOURCE)] {
        let mut args = vec!["+16315550101", "--to", DEST, "--scenario", "from-other-bsp"];
        if let Some(from) = from {
            args.extend(["--from", from]);
        }
        let (code, report, stderr) = check(&sim, "partner-token", &args);
        assert_eq!(code, 4, "--from {from:?}: {report} {stderr}");
        assert_eq!(report["blocked"], false);
        let checks = report["checks"].as_array().unwrap();
        assert!(checks.iter().all(|c| c["status"] != "fail"), "{report}");
        for id in [
            "registered_on_api",
            "two_step_disabled",
            "display_name_approved",
            "source_business_verified",
            "same_business",
            "template_capacity",
        ] {
            let r = rule(&report, id);
            assert_eq!(r["status"], "unknown", "{id}");
            let evidence = r["evidence"].as_str().unwrap();
            assert!(
                evidence.starts_with("not readable with this token: ")
                    && evidence.ends_with(
                        "; ask the number's current BSP (the source WABA's owner) to confirm"
                    ),
                "{id}: {evidence}"
            );
        }
        // What the partner can read is judged: its own destination, and the digits given.
        assert_eq!(rule(&report, "destination_webhooks")["status"], "pass");
        assert_eq!(rule(&report, "not_in_destination")["status"], "pass");
        assert!(
            !stderr.contains("could not read"),
            "not readable is a fact, not a read failure: {stderr}"
        );
    }
}

#[test]
fn the_business_token_reads_both_sides_and_only_the_register_budget_stays_unknown() {
    let sim = SimProcess::start(&[]);
    let (code, report, _) = check(
        &sim,
        "lucky-shrub-business-token",
        &["+16315550101", "--to", DEST],
    );
    assert_eq!(code, 4, "{report}");
    for c in report["checks"].as_array().unwrap() {
        let expected = if c["id"] == "register_budget" {
            "unknown"
        } else {
            "pass"
        };
        assert_eq!(c["status"], expected, "{c}");
    }
    // Kestrel's own token reads its number, not the Lucky Shrub destination.
    let (code, report, _) = check(
        &sim,
        "kestrel-business-token",
        &[
            "+494098765435",
            "--to",
            DEST,
            "--scenario",
            "between-business-managers",
        ],
    );
    assert_eq!(code, 3);
    assert_eq!(rule(&report, "two_step_disabled")["status"], "pass");
    assert_eq!(rule(&report, "destination_waba_approved")["status"], "fail");
}

#[test]
fn the_table_says_how_many_rules_are_unknown_and_a_failed_read_exits_1() {
    let sim = SimProcess::start(&[]);
    let run = wamigrate(
        &sim,
        &[
            "--graph-url",
            &sim.url,
            "check",
            "+16315550101",
            "--to",
            DEST,
            "--scenario",
            "from-other-bsp",
            "--format",
            "table",
        ],
        &[("WAMIGRATE_GRAPH_TOKEN", "partner-token")],
    );
    assert_eq!(run.code, 4);
    assert!(
        run.stdout
            .contains("rule(s) unknown: confirm them before migrating"),
        "{}",
        run.stdout
    );
    // The header names the destination the token reads, with its id.
    let header = run.stdout.lines().next().unwrap_or_default();
    assert!(
        header.contains(&format!("→ Lucky Shrub Retail EU ({DEST})")),
        "{header}"
    );
    // Nothing listens on this loopback port: a network failure, never 0 nor 4.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{closed}");
    let run = wamigrate(
        &sim,
        &[
            "--graph-url",
            &url,
            "check",
            "+16315550101",
            "--to",
            DEST,
            "--format",
            "json",
        ],
        &[("WAMIGRATE_GRAPH_TOKEN", "sandbox-token")],
    );
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
}
