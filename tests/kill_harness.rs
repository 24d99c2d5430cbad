//! Crash safety with a real kill: every executable scenario runs against the sandbox
//! (with latency) and is sent SIGKILL from outside at random moments, then resumed
//! until it completes. The sandbox carries out every request that reached it, so a
//! correct resume never needs to send a non-idempotent call twice: `/_sandbox/stats`
//! must show each write path at most once, and every migration completed.
//!
//! The seed is printed (and can be set with `WAMIGRATE_KILL_SEED`) so that a failure
//! can be replayed; the figures (kills, resumes, duplicates) are printed too.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{SimProcess, binary, code_answer, http_get};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
/// Another Business Manager's WABA messaging on behalf of Lucky Shrub.
const HERON_WABA: &str = "310552908871140";
/// Kills each scenario gets before it may run to its end.
const KILLS_PER_SCENARIO: u32 = 16;
/// Attempts per scenario before the harness calls it stuck.
const ATTEMPTS_LIMIT: u32 = 60;

/// One scenario: its `migrate` arguments (after the number) and extra environment.
struct Scenario {
    name: &'static str,
    number: &'static str,
    args: Vec<String>,
    /// What a resume needs again (files the journal never holds).
    resume_args: Vec<String>,
    hub: bool,
    /// The longest a kill is delayed after a (re)start.
    window: Duration,
}

fn scenarios(backup: &str) -> Vec<Scenario> {
    let graph = |name, number, to: &str| Scenario {
        name,
        number,
        args: vec!["--to".into(), to.into(), "--from".into(), SOURCE.into()],
        resume_args: Vec::new(),
        hub: false,
        window: Duration::from_millis(200),
    };
    vec![
        graph("to-new-waba", "+16315550101", DEST),
        graph("from-other-bsp", "+16315550121", DEST),
        graph("between-business-managers", "+16315550122", HERON_WABA),
        Scenario {
            name: "hosting-type-change",
            number: "106540352240008",
            args: vec![
                "--from".into(),
                SOURCE.into(),
                "--backup-file".into(),
                backup.into(),
            ],
            resume_args: vec!["--backup-file".into(), backup.into()],
            hub: false,
            window: Duration::from_millis(150),
        },
        Scenario {
            name: "client-partner-change",
            number: "pcr01Kst",
            args: Vec::new(),
            resume_args: Vec::new(),
            hub: true,
            window: Duration::from_millis(200),
        },
    ]
}

/// What one scenario's loop saw.
#[derive(Debug, Default)]
struct Figures {
    kills: u32,
    resumes: u32,
    completed: bool,
    log: String,
}

/// A `wamigrate migrate` run that answers code prompts from the sandbox and can be
/// killed; its stderr is collected.
struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

fn spawn(sim_url: &str, data_dir: &std::path::Path, args: &[String], hub: bool) -> Running {
    let mut command = Command::new(binary());
    command
        .args(["--graph-url", sim_url, "--timeout", "1", "migrate"])
        .args(args)
        .env_remove("WAMIGRATE_GRAPH_TOKEN")
        .env_remove("WAMIGRATE_PROFILE")
        .env("WAMIGRATE_CONFIG", data_dir.join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", data_dir)
        .env("WAMIGRATE_PIN", "246810")
        .env("WAMIGRATE_BACKUP_PASSWORD", "backup-pass")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if hub {
        command
            .env("WAMIGRATE_HUB_URL", sim_url)
            .env("WAMIGRATE_HUB_API_KEY", "sandbox-hub-key")
            .env("WAMIGRATE_PARTNER_ID", "nB7x2LPA");
    }
    let mut child = command.spawn().expect("run wamigrate");
    let mut stdin = child.stdin.take().unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap());
    let stderr = Arc::new(Mutex::new(String::new()));
    let sink = stderr.clone();
    let url = sim_url.to_string();
    let reader = std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            if line.contains("Enter the 6-digit code") {
                let answer = code_answer(&url, &line);
                let _ = writeln!(stdin, "{answer}");
            }
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    Running {
        child,
        stderr,
        reader,
    }
}

/// The one journal of a scenario's data directory, once it exists.
fn journal_id(data_dir: &std::path::Path) -> Option<String> {
    std::fs::read_dir(data_dir.join("journals"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            // A journal written aside (a kill before it was linked in) is no journal.
            e.file_name()
                .to_str()
                .and_then(|name| name.strip_suffix(".jsonl"))
                .filter(|id| id.starts_with("m-"))
                .map(str::to_string)
        })
        .next()
}

/// Runs one scenario: (re)starts, kills at a random moment while kills remain, and
/// resumes until a run ends on its own with exit 0.
fn run_scenario(sim_url: &str, scenario: &Scenario, seed: u64) -> Figures {
    let mut rng = fastrand::Rng::with_seed(seed);
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::write(data_dir.path().join("config.toml"), "").unwrap();
    let mut figures = Figures::default();
    for _ in 0..ATTEMPTS_LIMIT {
        let args: Vec<String> = match journal_id(data_dir.path()) {
            Some(id) => {
                figures.resumes += 1;
                let mut args = vec!["--resume".into(), id, "--yes".into()];
                args.extend(scenario.resume_args.iter().cloned());
                args
            }
            None => {
                let mut args = vec![
                    scenario.number.to_string(),
                    "--scenario".into(),
                    scenario.name.into(),
                    "--yes".into(),
                    "--watch-interval".into(),
                    "1".into(),
                ];
                args.extend(scenario.args.iter().cloned());
                args
            }
        };
        let mut running = spawn(sim_url, data_dir.path(), &args, scenario.hub);
        let kill_at = (figures.kills < KILLS_PER_SCENARIO)
            .then(|| Duration::from_millis(rng.u64(0..=scenario.window.as_millis() as u64)));
        // The kill's clock starts once the process speaks (it is up), so that a slow
        // start under load does not turn every kill into a kill before the first record.
        let mut started: Option<Instant> = None;
        let status = loop {
            if let Some(status) = running.child.try_wait().unwrap() {
                break Some(status);
            }
            if started.is_none() && !running.stderr.lock().unwrap().is_empty() {
                started = Some(Instant::now());
            }
            if kill_at.is_some_and(|at| started.is_some_and(|s| s.elapsed() >= at)) {
                running.child.kill().unwrap();
                running.child.wait().unwrap();
                figures.kills += 1;
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let _ = running.reader.join();
        let text = running.stderr.lock().unwrap().clone();
        figures.log.push_str(&format!(
            "--- {} ({}) ---\n{text}",
            args.join(" "),
            status.map_or("killed".to_string(), |s| s.to_string())
        ));
        if status.is_some_and(|s| s.success()) {
            figures.completed = true;
            let id = journal_id(data_dir.path()).unwrap();
            // The journal says so (a kill after its last record may have cut the report).
            let journal =
                std::fs::read_to_string(data_dir.path().join(format!("journals/{id}.jsonl")))
                    .unwrap_or_default();
            figures.completed = journal
                .lines()
                .any(|l| l.contains(r#""record":"finished""#) && l.contains(r#""completed":true"#));
            if !figures.completed {
                figures.log.push_str(&format!("journal {id}:\n{journal}"));
            }
            return figures;
        }
    }
    figures
}

#[test]
fn killed_at_random_moments_every_scenario_completes_with_each_write_sent_once() {
    let seed = std::env::var("WAMIGRATE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("kill harness seed {seed} (WAMIGRATE_KILL_SEED={seed} replays it)");
    let sim = SimProcess::start(&["--latency-ms", "40", "--jitter-ms", "30"]);
    let backup = sim.data_dir.path().join("backup.txt");
    std::fs::write(&backup, "b64-backup-data").unwrap();
    let scenarios = scenarios(backup.to_str().unwrap());
    let results: Vec<(&Scenario, Figures)> = std::thread::scope(|scope| {
        let runs: Vec<_> = scenarios
            .iter()
            .enumerate()
            .map(|(i, scenario)| {
                let url = sim.url.clone();
                scope.spawn(move || (scenario, run_scenario(&url, scenario, seed ^ i as u64)))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let (_, body) = http_get(&format!("{}/_sandbox/stats", sim.url));
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    let writes = [
        "/phone_numbers",
        "/request_code",
        "/verify_code",
        "/register",
        "/migrate_message_templates",
        "/approve",
    ];
    // Paths name the number (register, codes) or the destination WABA (add, templates),
    // which two of the scenarios share: each migration may send each write once.
    let migrations_into = |path: &str| if path.contains(DEST) { 2 } else { 1 };
    let duplicates: Vec<(String, u64)> = stats["by_path"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("POST ") && writes.iter().any(|w| path.ends_with(w)))
        .map(|(path, n)| (path.clone(), n.as_u64().unwrap_or(0)))
        .filter(|(path, n)| *n > migrations_into(path))
        .collect();
    let kills: u32 = results.iter().map(|(_, f)| f.kills).sum();
    let resumes: u32 = results.iter().map(|(_, f)| f.resumes).sum();
    eprintln!(
        "kill harness: {kills} kills, {resumes} resumes, {} duplicate writes {duplicates:?}, seed {seed}",
        duplicates.len()
    );
    for (scenario, figures) in &results {
        eprintln!(
            "  {}: {} kills, {} resumes, completed {}",
            scenario.name, figures.kills, figures.resumes, figures.completed
        );
    }
    for (scenario, figures) in &results {
        assert!(
            figures.completed,
            "{} did not complete (seed {seed}):\n{}",
            scenario.name, figures.log
        );
    }
    assert!(kills >= 50, "{kills} kills (seed {seed})");
    assert!(
        duplicates.is_empty(),
        "writes sent more than once (seed {seed}): {duplicates:?}\n{}",
        results
            .iter()
            .map(|(_, f)| f.log.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let applied = &stats["applied"];
    assert_eq!(applied["POST /{id}/phone_numbers"], 3, "{applied}");
    assert_eq!(
        applied["POST /{id}/register"], 4,
        "three graph moves and one backup"
    );
    assert_eq!(
        applied["POST /api/v2/partners/{pid}/selective_partner_change_requests/{id}/approve"],
        1
    );
}
