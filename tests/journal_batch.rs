//! `wamigrate journal abandon` ends an unfinished run for good, and `migrate --batch`
//! checks every row before anything is sent and runs a number named twice once; the
//! sandbox's `/_sandbox/stats` shows what reached it.

mod common;

use common::{SimProcess, http_get, wamigrate, wamigrate_answering_codes};

const DEST: &str = "104996122399161";

fn stats(sim: &SimProcess) -> serde_json::Value {
    let (_, body) = http_get(&format!("{}/_sandbox/stats", sim.url));
    serde_json::from_str(&body).expect("stats JSON")
}

/// Calls of one method that reached the sandbox, by route.
fn arrived(sim: &SimProcess, method: &str) -> u64 {
    stats(sim)["by_route"]
        .as_object()
        .map(|routes| {
            routes
                .iter()
                .filter(|(route, _)| route.starts_with(method))
                .map(|(_, n)| n.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

fn migration_id(stderr: &str) -> String {
    stderr
        .split("Migration ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no migration id in: {stderr}"))
        .to_string()
}

#[test]
fn an_abandoned_run_ends_with_its_reason_and_can_be_neither_resumed_nor_abandoned_again() {
    let sim = SimProcess::start(&[]);
    let url = sim.url.as_str();
    // No person and no --yes: the unknown register budget is not confirmed, the run
    // pauses before any write and stays resumable.
    let paused = wamigrate(
        &sim,
        &[
            "--graph-url",
            url,
            "migrate",
            "+16315550101",
            "--to",
            DEST,
            "--scenario",
            "to-new-waba",
        ],
        &[],
    );
    assert_eq!(paused.code, 3, "{}", paused.stderr);
    let id = migration_id(&paused.stderr);

    let reason = "the business keeps the number at the old BSP";
    let abandoned = wamigrate(&sim, &["journal", "abandon", &id, "--reason", reason], &[]);
    assert_eq!(abandoned.code, 0, "{}", abandoned.stderr);
    assert!(
        abandoned
            .stderr
            .contains(&format!("Migration {id} is abandoned: {reason}")),
        "{}",
        abandoned.stderr
    );
    let journal =
        std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap();
    let last: serde_json::Value = serde_json::from_str(journal.lines().last().unwrap()).unwrap();
    assert_eq!(last["record"], "finished");
    assert_eq!(last["abandoned"], true);
    assert_eq!(last["completed"], false);
    assert!(last["detail"].as_str().unwrap().contains(reason));
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sim.data_dir.path().join(format!("reports/{id}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["status"], "abandoned", "{report}");

    let again = wamigrate(&sim, &["journal", "abandon", &id], &[]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("already ended"), "{}", again.stderr);
    let resumed = wamigrate(
        &sim,
        &["--graph-url", url, "migrate", "--resume", &id, "--yes"],
        &[],
    );
    assert_eq!(resumed.code, 2, "{}", resumed.stderr);
    assert!(
        resumed.stderr.contains("has already ended (abandoned)"),
        "{}",
        resumed.stderr
    );
    let listed = wamigrate(&sim, &["journal", "list"], &[]);
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.contains(&id) && l.contains("abandoned")),
        "{}",
        listed.stdout
    );
    for unknown in ["m-20261125T100000-0001", "../journals/x"] {
        let refused = wamigrate(&sim, &["journal", "abandon", unknown], &[]);
        assert_eq!(refused.code, 2, "{unknown}: {}", refused.stderr);
    }
    assert_eq!(arrived(&sim, "POST"), 0, "nothing was ever written");
}

fn batch(sim: &SimProcess, rows: &str) -> common::Run {
    let file = sim.data_dir.path().join("batch.csv");
    std::fs::write(&file, format!("number,destination,scenario\n{rows}")).unwrap();
    wamigrate_answering_codes(
        sim,
        &[
            "--graph-url",
            &sim.url,
            "migrate",
            "--batch",
            file.to_str().unwrap(),
            "--yes",
        ],
        &[("WAMIGRATE_PIN", "246810")],
    )
}

#[test]
fn a_batch_runs_a_number_named_by_id_and_by_e164_once() {
    let sim = SimProcess::start(&[]);
    let run = batch(
        &sim,
        &format!("106540352240001,{DEST},to-new-waba\n+1 631-555-0101,{DEST},to-new-waba\n"),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    assert!(
        run.stderr
            .contains("row 3 names the same number as row 2; it runs once, in row 2"),
        "{}",
        run.stderr
    );
    let stats = stats(&sim);
    for route in [
        "POST /{id}/phone_numbers",
        "POST /{id}/request_code",
        "POST /{id}/verify_code",
        "POST /{id}/register",
    ] {
        assert_eq!(stats["by_route"][route], 1, "{route}: {stats}");
    }
    assert_eq!(
        run.stdout.matches("completed").count(),
        1,
        "one row ran: {}",
        run.stdout
    );
}

#[test]
fn a_batch_row_without_a_destination_is_refused_before_anything_is_sent() {
    let sim = SimProcess::start(&[]);
    let run = batch(
        &sim,
        &format!("+16315550121,{DEST},from-other-bsp\n+16315550122,,to-new-waba\n"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("row 3: the to-new-waba scenario needs the destination WABA"),
        "{}",
        run.stderr
    );
    assert_eq!(arrived(&sim, "POST"), 0, "no row was started");
    assert!(
        !run.stderr.contains("Migration m-"),
        "no journal was opened: {}",
        run.stderr
    );
}
