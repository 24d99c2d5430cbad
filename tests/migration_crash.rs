//! Crash safety of `wamigrate migrate` at deterministic points (the `crash-hook`
//! feature, which release builds do not have): the process dies right after each
//! journaled intent, right after each call, at each journal fsync in turn, and after
//! the read-back records of its resumes; it is resumed and must complete without any
//! non-idempotent call reaching the sandbox twice.

mod common;

use common::{SimProcess, holds_secret, stats_by_path, wamigrate_answering_codes};

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

/// Runs the to-new-waba migration of NUMBER, the first run dying at `hooks[0]`, each
/// resume at the next hook (a run that ends by itself first ends the chain), then
/// resumes without a hook until it completes; every write must have reached the sandbox
/// exactly once. Returns the journal's line count.
fn crash_then_resume(hooks: &[&str]) -> usize {
    let sim = SimProcess::start(&[]);
    let url = sim.url.clone();
    let pin = [("WAMIGRATE_PIN", "246810")];
    let label = hooks.join(" then ");
    let mut id: Option<String> = None;
    let mut runs = Vec::new();
    for step in 0..=hooks.len() + 2 {
        let hook = hooks.get(step).copied();
        let mut env = vec![pin[0]];
        env.extend(hook.map(|h| ("WAMIGRATE_TEST_CRASH_AFTER", h)));
        let run = match &id {
            None => wamigrate_answering_codes(
                &sim,
                &[
                    "--graph-url",
                    &url,
                    // A resume waits one call timeout before it trusts a read-back
                    // without effect: a short one keeps the test short.
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
                &env,
            ),
            Some(id) => wamigrate_answering_codes(
                &sim,
                &[
                    "--graph-url",
                    &url,
                    "--timeout",
                    "1",
                    "migrate",
                    "--resume",
                    id,
                    "--yes",
                ],
                &env,
            ),
        };
        if id.is_none() {
            id = journal_id(&sim);
        }
        let code = run.code;
        runs.push(format!("--- {hook:?}: exit {code}\n{}", run.stderr));
        match code {
            0 => break,
            137 if hook.is_some() => continue,
            _ if id.is_none() => continue,
            _ => panic!("{label}: a run ended with {code}:\n{}", runs.join("\n")),
        }
    }
    let id = id.unwrap_or_else(|| panic!("{label}: no journal:\n{}", runs.join("\n")));
    assert!(
        runs.last().is_some_and(|r| r.contains("exit 0")),
        "{label}: never completed:\n{}",
        runs.join("\n")
    );
    let stats = stats_by_path(&sim);
    for write in WRITES {
        let calls: u64 = stats
            .iter()
            .filter(|(path, _)| path.starts_with("POST ") && path.ends_with(write))
            .map(|(_, n)| n.as_u64().unwrap_or(0))
            .sum();
        // The number's writes are needed once each; a template copy whose answer was
        // lost is left to the operator rather than sent again, so it may be missing.
        let needed = u64::from(write != "/migrate_message_templates");
        assert!(
            (needed..=1).contains(&calls),
            "{label}: {write} was called {calls} times; stats: {stats:?}\n{}",
            runs.join("\n")
        );
    }
    let journal =
        std::fs::read_to_string(sim.data_dir.path().join(format!("journals/{id}.jsonl"))).unwrap();
    assert!(
        !holds_secret(&journal, "246810"),
        "the PIN must never be journaled"
    );
    journal.lines().count()
}

/// The migration id of the sandbox's data directory, once its journal exists.
fn journal_id(sim: &SimProcess) -> Option<String> {
    std::fs::read_dir(sim.data_dir.path().join("journals"))
        .ok()?
        .flatten()
        .find_map(|e| {
            // A journal written aside (a kill before it was linked in) is no journal.
            e.file_name()
                .to_str()
                .and_then(|name| name.strip_suffix(".jsonl"))
                .filter(|id| id.starts_with("m-"))
                .map(str::to_string)
        })
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
        crash_then_resume(&[&format!("intent:{step}")]);
    }
}

#[test]
fn dying_right_after_a_call_reads_its_effect_back_instead_of_resending() {
    for step in ["add_number", "request_code", "verify_code", "register"] {
        crash_then_resume(&[&format!("call:{step}")]);
    }
}

#[test]
fn dying_at_each_journal_fsync_in_turn_and_after_the_read_back_never_sends_a_write_twice() {
    let records = crash_then_resume(&[]);
    let mut kills = 0;
    let all: Vec<usize> = (1..=records).collect();
    for batch in all.chunks(6) {
        std::thread::scope(|scope| {
            for n in batch {
                scope.spawn(move || {
                    crash_then_resume(&[&format!("fsync:{n}"), "readback:1", "readback:1"])
                });
            }
        });
        kills += batch.len();
    }
    eprintln!(
        "fsync harness: killed at each of {records} journal records ({kills} runs), each resume killed after its first read-back record"
    );
}
