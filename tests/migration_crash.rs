//! Crash safety of `wamigrate migrate`: the process dies right after each journaled
//! intent (and, for the calls whose effect can be read back, right after the call), is
//! resumed, and must complete without any non-idempotent call reaching the sandbox twice.

mod common;

use common::{SimProcess, stats_by_path, wamigrate_answering_codes};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const NUMBER: &str = "+16315550101";

/// Non-idempotent endpoints of a to-new-waba migration of NUMBER, by path suffix.
const WRITES: [&str; 5] = [
    "/phone_numbers",
    "/request_code",
    "/verify_code",
    "/register",
    "/migrate_message_templates",
];

fn migration_id(stderr: &str) -> String {
    stderr
        .split("Migration ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no migration id in: {stderr}"))
        .to_string()
}

fn crash_then_resume(hook: &str) {
    let sim = SimProcess::start(&[]);
    let url = sim.url.clone();
    let pin = [("WAMIGRATE_PIN", "246810")];
    let first = wamigrate_answering_codes(
        &sim,
        &[
            "--graph-url",
            &url,
            // A resume waits one call timeout before it trusts a read-back without
            // effect: a short one keeps the test short.
            "--timeout",
            "1",
            "migrate",
            NUMBER,
            "--from",
            SOURCE,
            "--to",
            DEST,
            "--scenario",
            "to-new-waba",
            "--yes",
        ],
        &[pin[0], ("WAMIGRATE_TEST_CRASH_AFTER", hook)],
    );
    assert_eq!(
        first.code, 137,
        "{hook}: the first run should die at the hook: {}",
        first.stderr
    );
    let id = migration_id(&first.stderr);

    let resumed = wamigrate_answering_codes(
        &sim,
        &[
            "--graph-url",
            &url,
            "--timeout",
            "1",
            "migrate",
            "--resume",
            &id,
            "--yes",
        ],
        &pin,
    );
    assert_eq!(
        resumed.code, 0,
        "{hook}: resume should complete: {}",
        resumed.stderr
    );
    assert!(resumed.stderr.contains("completed"), "{}", resumed.stderr);

    let stats = stats_by_path(&sim);
    for write in WRITES {
        let calls: u64 = stats
            .iter()
            .filter(|(path, _)| path.starts_with("POST ") && path.ends_with(write))
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum();
        assert_eq!(
            calls, 1,
            "{hook}: {write} was called {calls} times; stats: {stats:?}"
        );
    }
    let journal =
        std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap();
    assert!(
        !journal.contains("246810"),
        "the PIN must never be journaled"
    );
}

#[test]
fn dying_right_after_each_intent_never_sends_a_write_twice() {
    for step in [
        "add_number",
        "request_code",
        "verify_code",
        "register",
        "templates",
    ] {
        crash_then_resume(&format!("intent:{step}"));
    }
}

#[test]
fn dying_right_after_a_call_reads_its_effect_back_instead_of_resending() {
    for step in ["add_number", "request_code", "verify_code", "register"] {
        crash_then_resume(&format!("call:{step}"));
    }
}
