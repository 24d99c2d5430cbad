//! `wamigrate doctor` against the strict sandbox with each of its tokens
//! (assets/sandbox/README.md): read-only, exit 0 when ready, 1 with each gap's fix.

mod common;

use common::{SimProcess, stats_by_path, wamigrate};
use serde_json::Value;

fn doctor(sim: &SimProcess, token: &str, extra_env: &[(&str, &str)]) -> (i32, Value) {
    let mut env = vec![("WAMIGRATE_GRAPH_TOKEN", token)];
    env.extend_from_slice(extra_env);
    let run = wamigrate(
        sim,
        &["--graph-url", &sim.url, "doctor", "--format", "json"],
        &env,
    );
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{token}: no JSON ({e}): {} {}", run.stdout, run.stderr));
    (run.code, json)
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

#[test]
fn each_sandbox_token_shows_the_wabas_it_reaches_and_nothing_is_written() {
    let sim = SimProcess::start(&[]);
    for (token, wabas) in [
        ("sandbox-token", 8),
        ("lucky-shrub-business-token", 6),
        ("partner-token", 5),
        ("kestrel-business-token", 1),
        ("heron-partner-token", 1),
    ] {
        let (code, report) = doctor(&sim, token, &[]);
        assert_eq!(code, 0, "{token}: {report}");
        assert_eq!(report["ready"], true);
        let listed = report["wabas"].as_array().unwrap();
        assert_eq!(listed.len(), wabas, "{token}: {report}");
        assert!(
            listed
                .iter()
                .all(|w| w["readable"] == true && w["may_manage"] == true)
        );
        assert_eq!(finding(&report, "token")["status"], "ok");
        assert_eq!(finding(&report, "scopes")["status"], "ok");
    }
    let partner = doctor(&sim, "partner-token", &[]).1;
    assert!(
        partner["wabas"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["id"] != "104996122399160"),
        "the partner does not reach the source"
    );
    let writes: u64 = stats_by_path(&sim)
        .iter()
        .filter(|(path, _)| path.starts_with("POST"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum();
    assert_eq!(writes, 0, "doctor is read-only");
}

#[test]
fn an_invalid_token_is_a_gap_with_its_fix_and_dropped_fields_and_the_hub_are_named() {
    let sim = SimProcess::start(&["--drop-field", "messaging_limit_tier"]);
    let (code, report) = doctor(&sim, "not-a-token", &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["read_failed"], false);
    assert_eq!(report["ready"], false);
    let token = finding(&report, "token");
    assert_eq!(token["status"], "gap");
    assert!(!token["fix"].as_str().unwrap().is_empty());

    let hub = [
        ("WAMIGRATE_HUB_URL", sim.url.as_str()),
        ("WAMIGRATE_HUB_API_KEY", "sandbox-hub-key"),
        ("WAMIGRATE_PARTNER_ID", "nB7x2LPA"),
    ];
    let (code, report) = doctor(&sim, "partner-token", &hub);
    assert_eq!(code, 0, "{report}");
    let fields = finding(&report, "fields");
    assert_eq!(fields["status"], "info");
    assert!(
        fields["detail"]
            .as_str()
            .unwrap()
            .contains("messaging_limit_tier"),
        "{fields}"
    );
    let partner = finding(&report, "360dialog");
    assert_eq!(partner["status"], "ok", "{partner}");
    assert!(partner["detail"].as_str().unwrap().contains("nB7x2LPA"));

    let (code, report) = doctor(
        &sim,
        "partner-token",
        &[
            ("WAMIGRATE_HUB_URL", sim.url.as_str()),
            ("WAMIGRATE_HUB_API_KEY", "wrong-key"),
            ("WAMIGRATE_PARTNER_ID", "nB7x2LPA"),
        ],
    );
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["read_failed"], false,
        "a refused key is a gap: {report}"
    );
    assert_eq!(finding(&report, "360dialog")["status"], "gap");
}
