//! Server text on every remaining output path reaches the terminal without a control
//! character (issue 14, "safe text"): `status --watch` change lines and `--fail-on`
//! lines, the header of `check`, `templates migrate` names and reasons, `journal show`,
//! the migrate operator's lines, CSV printed on a terminal, and C1 controls in JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::server::{Hostile, Recorded, Reply};
use crate::{Run, command, ordinary, run};

/// ESC sequences (retitle, clear), CSI as a C1 character, BEL, CR, DEL.
const ESC: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r\u{7f}";

fn profile(url: &str) -> String {
    format!(
        "graph_url = \"{url}\"\nrequest_timeout_secs = 4\nstall_timeout_secs = 2\nrate_limit_backoff_secs = 0.05\n"
    )
}

async fn wamigrate(server: &Hostile, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    run(command(&dir, args, Some(&profile(&server.url)))).await
}

fn assert_clean(what: &str, out: &Run) {
    assert_eq!(
        out.control_bytes(),
        Vec::<u8>::new(),
        "{what}: {:?} {:?}",
        out.stdout(),
        out.stderr()
    );
}

/// WABA 111 with one number whose every text field carries escapes; `round` changes
/// them between reads, so `--watch` has change lines to print.
fn number_page(round: usize) -> String {
    serde_json::json!({"data": [{"id": "5", "display_phone_number": format!("+1 555 0100{ESC}"),
        "verified_name": format!("Name {round}{ESC}"), "name_status": format!("APPROVED{ESC}"),
        "quality_rating": format!("GREEN{round}{ESC}"), "status": format!("CONNECTED{ESC}")}]})
    .to_string()
}

fn owned_waba(id: &str) -> String {
    serde_json::json!({"id": id, "name": format!("Shop{ESC}"),
        "owner_business_info": {"id": "77", "name": format!("Biz{ESC}")}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_change_lines_and_fail_on_lines_are_terminal_safe() {
    let reads = Arc::new(AtomicUsize::new(0));
    let counter = reads.clone();
    let server = Hostile::start(move |request: &Recorded| {
        if request.path() == "/v25.0/111/phone_numbers" {
            let round = counter.fetch_add(1, Ordering::SeqCst);
            Reply::Json(200, Vec::new(), number_page(round))
        } else {
            ordinary(request)
        }
    })
    .await;
    let fail_on = wamigrate(
        &server,
        &[
            "status",
            "--waba",
            "111",
            "--fail-on",
            "waba:111",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(fail_on.code, 3, "{}", fail_on.stderr());
    assert!(
        fail_on.stderr().contains("--fail-on matched"),
        "{}",
        fail_on.stderr()
    );
    assert_clean("--fail-on", &fail_on);

    let dir = tempfile::tempdir().unwrap();
    let mut watch = command(
        &dir,
        &[
            "status", "--waba", "111", "--format", "json", "--watch", "1",
        ],
        Some(&profile(&server.url)),
    );
    watch
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = watch.spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    child.kill().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let watched = Run {
        code: 0,
        stdout: out.stdout,
        stderr: out.stderr,
    };
    assert!(
        watched.stdout().contains(" name Name "),
        "a change line was printed: {}",
        watched.stdout()
    );
    assert_clean("--watch", &watched);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_header_and_the_migrate_operator_lines_are_terminal_safe() {
    let number = serde_json::json!({"id": "5", "display_phone_number": format!("+1 555 0100{ESC}"),
        "verified_name": format!("Name{ESC}"), "name_status": format!("DECLINED{ESC}"),
        "status": format!("CONNECTED{ESC}"), "is_pin_enabled": true});
    let server = Hostile::start(move |request: &Recorded| match request.path() {
        "/v25.0/5" => Reply::Json(200, Vec::new(), number.to_string()),
        "/v25.0/111/phone_numbers" => Reply::Json(
            200,
            Vec::new(),
            serde_json::json!({ "data": [number] }).to_string(),
        ),
        "/v25.0/111" | "/v25.0/222" => Reply::Json(200, Vec::new(), owned_waba("111")),
        path if path.ends_with("/subscribed_apps") => {
            Reply::Json(200, Vec::new(), crate::empty_page())
        }
        _ => ordinary(request),
    })
    .await;
    let check = wamigrate(
        &server,
        &[
            "check", "5", "--to", "222", "--from", "111", "--format", "table",
        ],
    )
    .await;
    assert!(check.stdout().contains("+1 555 0100"), "{}", check.stdout());
    assert_clean("check", &check);

    let migrate = wamigrate(
        &server,
        &[
            "migrate",
            "5",
            "--scenario",
            "to-new-waba",
            "--to",
            "222",
            "--from",
            "111",
            "--yes",
        ],
    )
    .await;
    assert_eq!(migrate.code, 3, "blocked: {}", migrate.stderr());
    assert!(
        migrate.stderr().contains("display_name_approved") && migrate.stderr().contains("DECLINED"),
        "the operator's lines quote the server: {}",
        migrate.stderr()
    );
    assert_clean("migrate", &migrate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_migrate_names_and_reasons_are_terminal_safe() {
    let server = Hostile::start(|request: &Recorded| match request.path() {
        "/v25.0/111" => Reply::Json(200, Vec::new(), owned_waba("111")),
        "/v25.0/222" => Reply::Json(200, Vec::new(), owned_waba("222")),
        "/v25.0/111/message_templates" => Reply::Json(
            200,
            Vec::new(),
            serde_json::json!({"data": [{"id": "9", "name": format!("order{ESC}"),
                "language": format!("en_US{ESC}"), "status": "APPROVED", "category": "UTILITY",
                "quality_score": {"score": "GREEN"}}]})
            .to_string(),
        ),
        "/v25.0/222/migrate_message_templates" => Reply::Json(
            200,
            Vec::new(),
            serde_json::json!({"migrated_templates": [],
                "failed_templates": {"9": format!("Bad{ESC} category")}})
            .to_string(),
        ),
        _ => ordinary(request),
    })
    .await;
    let out = wamigrate(
        &server,
        &[
            "templates",
            "migrate",
            "--from",
            "111",
            "--to",
            "222",
            "--yes",
            "--format",
            "table",
        ],
    )
    .await;
    assert_eq!(out.code, 3, "{} / {}", out.stdout(), out.stderr());
    assert!(out.stdout().contains("failed  order"), "{}", out.stdout());
    assert!(out.stdout().contains("Bad"), "{}", out.stdout());
    assert_clean("templates migrate", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_show_prints_a_report_of_server_text_terminal_safe() {
    let dir = tempfile::tempdir().unwrap();
    let id = "m-20261125T100000-0042";
    let journals = dir.path().join("journals");
    std::fs::create_dir_all(&journals).unwrap();
    let records = [
        serde_json::json!({"record": "started", "migration_id": id, "scenario": "to-new-waba",
            "number": "5", "source_waba_id": "111", "destination_waba_id": "222",
            "plan": ["preflight"], "operator": "ops", "at": "2026-11-25T10:00:00Z"}),
        serde_json::json!({"record": "snapshot", "number": {"id": "5",
            "verified_name": format!("Name{ESC}"), "display_phone_number": format!("+1{ESC}")},
            "source_waba_id": "111", "checks": [], "at": "2026-11-25T10:00:01Z"}),
        serde_json::json!({"record": "finished", "completed": false,
            "detail": format!("stopped{ESC}"), "at": "2026-11-25T10:00:02Z"}),
    ];
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(journals.join(format!("{id}.jsonl")), text).unwrap();
    let out = run(command(&dir, &["journal", "show", id], None)).await;
    assert_eq!(out.code, 0, "{}", out.stderr());
    assert!(
        out.stdout().contains("| display name | Name"),
        "{}",
        out.stdout()
    );
    assert_clean("journal show", &out);
    let json = run(command(
        &dir,
        &["journal", "show", id, "--format", "json"],
        None,
    ))
    .await;
    assert!(
        json.stdout().contains(r"Name\u001b]0;pwned\u0007"),
        "{}",
        json.stdout()
    );
    assert_clean("journal show --format json", &json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_escapes_c1_and_del_and_csv_on_a_terminal_carries_no_control_character() {
    let server = Hostile::start(|request: &Recorded| {
        if request.path() == "/v25.0/111/phone_numbers" {
            Reply::Json(200, Vec::new(), number_page(0))
        } else {
            ordinary(request)
        }
    })
    .await;
    let json = wamigrate(&server, &["status", "--waba", "111", "--format", "json"]).await;
    assert_eq!(json.code, 0, "{}", json.stderr());
    assert!(
        json.stdout().contains(r"\u009b31m\r\u007f"),
        "{}",
        json.stdout()
    );
    assert_clean("status --format json", &json);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(
        rows[0]["verified_name"],
        format!("Name 0{ESC}"),
        "the data is exact"
    );

    // In a pipe CSV keeps the data exact; on a terminal its control characters go.
    let piped = wamigrate(&server, &["status", "--waba", "111", "--format", "csv"]).await;
    assert!(piped.stdout().contains(ESC), "{:?}", piped.stdout());
    let url = server.url.clone();
    let on_terminal = tokio::task::spawn_blocking(move || {
        in_a_terminal(&url, &["status", "--waba", "111", "--format", "csv"])
    })
    .await
    .unwrap();
    assert!(on_terminal.contains("Name 0"), "{on_terminal:?}");
    let bytes = on_terminal.replace("\r\n", "\n").into_bytes();
    let stray: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f)
        .collect();
    assert_eq!(stray, Vec::<u8>::new(), "{on_terminal:?}");
    assert!(!on_terminal.contains('\u{9b}'), "{on_terminal:?}");
}

/// Runs wamigrate with stdout and stderr on a pseudo-terminal, and returns all it wrote
/// (the terminal turns `\n` into `\r\n`).
fn in_a_terminal(url: &str, args: &[&str]) -> String {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"hostile\"\n[profiles.hostile]\n{}",
            profile(url)
        ),
    )
    .unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_wamigrate"));
    command.args(args);
    for inherited in [
        "WAMIGRATE_GRAPH_URL",
        "WAMIGRATE_PROFILE",
        "WAMIGRATE_HUB_API_KEY",
    ] {
        command.env_remove(inherited);
    }
    command.env("WAMIGRATE_GRAPH_TOKEN", crate::SECRET);
    command.env("WAMIGRATE_CONFIG", &config);
    command.env("WAMIGRATE_DATA_DIR", dir.path());
    let mut child = pair.slave.spawn_command(command).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let reading = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    child.wait().unwrap();
    drop(pair.master);
    String::from_utf8_lossy(&reading.join().unwrap()).into_owned()
}
