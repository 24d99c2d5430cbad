//! Hostile answers: traversal in ids, escapes in every printed field, oversized and
//! trickling bodies, endless cursors, throttling without headers, items without ids.
//! Limits are set small in the profile so the whole file takes a few seconds.

use std::time::Duration;

use crate::server::{Hostile, Recorded, Reply};
use crate::{Run, assert_nothing_elsewhere, command, ordinary, run};

/// The profile body with small limits for `url`.
fn profile(url: &str, extra: &str) -> String {
    format!(
        "graph_url = \"{url}\"\nrequest_timeout_secs = 4\nstall_timeout_secs = 2\nmax_pages = 5\nrate_limit_backoff_secs = 0.05\n{extra}"
    )
}

async fn wamigrate(server: &Hostile, args: &[&str], extra: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    run(command(&dir, args, Some(&profile(&server.url, extra)))).await
}

const ESC: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r";

fn graph_error(code: u64, message: &str, trace: &str) -> String {
    serde_json::json!({"error": {"message": message, "code": code, "fbtrace_id": trace}})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_in_every_id_argument_is_refused_before_a_request() {
    let server = Hostile::start(ordinary).await;
    let traversal = "104996122399161/../104996122399163";
    for args in [
        &[
            "templates",
            "diff",
            "--from",
            "104996122399161",
            "--to",
            traversal,
        ][..],
        &[
            "templates",
            "migrate",
            "--from",
            traversal,
            "--to",
            "1",
            "--yes",
        ][..],
        &["status", "--waba", traversal][..],
        &["status", "--business", "../1"][..],
        &["check", "1", "--to", traversal][..],
        &["check", "1", "--to", "1", "--from", ""][..],
        &[
            "migrate",
            "1",
            "--scenario",
            "to-new-waba",
            "--to",
            traversal,
            "--yes",
        ][..],
    ] {
        let out = wamigrate(&server, args, "").await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr());
        assert!(
            out.stderr().contains("Graph id"),
            "{args:?}: {}",
            out.stderr()
        );
    }
    let out = wamigrate(
        &server,
        &["status", "--partner-id", "../xPA"],
        "hub_api_key = \"k\"\n",
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr());
    assert!(out.stderr().contains("partner id"), "{}", out.stderr());
    assert!(server.received().is_empty(), "{:#?}", server.received());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_in_every_printed_field_never_reach_the_terminal() {
    let server = Hostile::start(|request: &Recorded| match request.path() {
        "/v25.0/111" => Reply::Json(200, Vec::new(), crate::waba_json("111", &format!("Shop{ESC}"))),
        "/v25.0/111/phone_numbers" => {
            let number = serde_json::json!({"data": [{"id": "5", "display_phone_number": format!("+1 555{ESC}"),
                "verified_name": format!("Name{ESC}"), "name_status": format!("APPROVED{ESC}"),
                "quality_rating": format!("GREEN{ESC}"), "status": format!("CONNECTED{ESC}"),
                "platform_type": ESC, "messaging_limit_tier": ESC}]});
            Reply::Json(200, Vec::new(), number.to_string())
        }
        _ => Reply::Json(400, Vec::new(), graph_error(100, &format!("Bad{ESC}\nthing"), &format!("Tr{ESC}"))),
    })
    .await;
    let out = wamigrate(
        &server,
        &[
            "status", "--waba", "111", "--waba", "222", "--format", "table",
        ],
        "",
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(out.stdout().contains("Name"), "{}", out.stdout());
    assert!(out.stderr().contains("Bad"), "{}", out.stderr());
    assert_eq!(
        out.control_bytes(),
        Vec::<u8>::new(),
        "{:?}{:?}",
        out.stdout(),
        out.stderr()
    );
    let json = wamigrate(
        &server,
        &["status", "--waba", "111", "--format", "json"],
        "",
    )
    .await;
    assert_eq!(json.code, 0, "{}", json.stderr());
    assert!(
        json.stdout().contains(r"Name\u001b]0;pwned\u0007"),
        "JSON keeps the data, escaped"
    );
    assert_nothing_elsewhere(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_answer_is_dropped_with_a_sentence() {
    let server = Hostile::start(|_: &Recorded| Reply::Huge {
        size: 3 << 20,
        fill: b' ',
    })
    .await;
    let out = wamigrate(
        &server,
        &["templates", "diff", "--from", "1", "--to", "2"],
        "max_response_mb = 1\n",
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(
        out.stderr().contains("larger than the 1 MB limit"),
        "{}",
        out.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_megabyte_error_message_is_cut_to_a_readable_sentence() {
    let server = Hostile::start(|_: &Recorded| {
        Reply::Json(
            400,
            Vec::new(),
            graph_error(100, &"A".repeat(5 << 20), "AbC"),
        )
    })
    .await;
    let out = wamigrate(&server, &["status", "--waba", "1", "--format", "json"], "").await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr().len() < 4000,
        "{} bytes on stderr",
        out.stderr().len()
    );
    assert!(out.stderr().contains("bytes more)"), "{}", out.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_answer_is_waited_on_visibly_and_then_given_up() {
    let server = Hostile::start(|_: &Recorded| Reply::Trickle {
        body: crate::waba_json("1", "slow slow slow slow slow"),
        every: Duration::from_millis(300),
    })
    .await;
    let out = wamigrate(&server, &["status", "--waba", "1", "--format", "json"], "").await;
    let stderr = out.stderr();
    assert_eq!(out.code, 1, "{stderr}");
    assert!(stderr.contains("waiting for GET /v25.0/1"), "{stderr}");
    assert!(
        stderr.contains("did not finish answering within 4 s"),
        "{stderr}"
    );
    let stalled = Hostile::start(|_: &Recorded| Reply::Trickle {
        body: "{}".into(),
        every: Duration::from_secs(3),
    })
    .await;
    let out = wamigrate(&stalled, &["status", "--waba", "1", "--format", "json"], "").await;
    assert!(
        out.stderr().contains("sent nothing for 2 s"),
        "{}",
        out.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_and_repeated_cursors_stop_with_a_sentence() {
    let endless = Hostile::start(|request: &Recorded| {
        if request.path().ends_with("/phone_numbers") {
            let n = request.target.len();
            let page = serde_json::json!({"data": [], "paging": {"cursors": {"after": format!("c{n}x{}", fastrand::u64(..))}, "next": "x"}});
            Reply::Json(200, Vec::new(), page.to_string())
        } else {
            ordinary(request)
        }
    })
    .await;
    let out = wamigrate(&endless, &["status", "--waba", "1", "--format", "json"], "").await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(
        out.stderr().contains("past 5 (max_pages)"),
        "{}",
        out.stderr()
    );
    let pages = endless
        .received()
        .iter()
        .filter(|r| r.path().ends_with("/phone_numbers"))
        .count();
    assert_eq!(pages, 5);
    let looping = Hostile::start(|request: &Recorded| {
        if request.path().ends_with("/phone_numbers") {
            Reply::Json(
                200,
                Vec::new(),
                r#"{"data":[],"paging":{"cursors":{"after":"same"},"next":"x"}}"#.into(),
            )
        } else {
            ordinary(request)
        }
    })
    .await;
    let out = wamigrate(&looping, &["status", "--waba", "1", "--format", "json"], "").await;
    assert_eq!(out.code, 1);
    assert!(out.stderr().contains("already sent"), "{}", out.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_without_headers_backs_off_and_stops_with_a_sentence() {
    let server = Hostile::start(|_: &Recorded| {
        Reply::Json(
            400,
            Vec::new(),
            graph_error(80008, "(#80008) There have been too many calls", "T"),
        )
    })
    .await;
    let out = wamigrate(
        &server,
        &["templates", "diff", "--from", "1", "--to", "2"],
        "",
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(
        out.stderr().contains("throttling") && out.stderr().contains("tried 4 times"),
        "{}",
        out.stderr()
    );
    let tries = server
        .received()
        .iter()
        .filter(|r| r.path() == "/v25.0/1/message_templates")
        .count();
    assert_eq!(tries, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_without_ids_are_counted_and_the_command_exits_1() {
    let server = Hostile::start(|request: &Recorded| {
        if request.path() == "/v25.0/1/message_templates" {
            let mut data = vec![serde_json::json!({"id": "9", "name": "kept", "language": "en_US", "status": "APPROVED"})];
            data.extend((0..139).map(|i| serde_json::json!({"name": format!("t{i}"), "language": "en_US"})));
            Reply::Json(200, Vec::new(), serde_json::json!({ "data": data }).to_string())
        } else {
            ordinary(request)
        }
    })
    .await;
    let out = wamigrate(
        &server,
        &[
            "templates",
            "diff",
            "--from",
            "1",
            "--to",
            "2",
            "--format",
            "json",
        ],
        "",
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(out.stdout().contains("\"kept\""));
    assert!(out.stderr().contains("139 item(s)"), "{}", out.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_does_not_read_a_waba_at_full_usage_before_it_recovers() {
    let full = r#"{"506914":[{"type":"whatsapp_business_management","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":5}]}"#;
    let server = Hostile::start(move |request: &Recorded| match ordinary(request) {
        Reply::Json(status, _, body) => Reply::Json(
            status,
            vec![("x-business-use-case-usage", full.to_string())],
            body,
        ),
        other => other,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut watch = command(
        &dir,
        &["status", "--waba", "1", "--format", "json", "--watch", "1"],
        Some(&profile(&server.url, "")),
    );
    watch
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = watch.spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    child.kill().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("API usage at 100%") || stderr.contains("API usage of this WABA at 100 %"),
        "{stderr}"
    );
    let reads = server
        .received()
        .iter()
        .filter(|r| r.path() == "/v25.0/1")
        .count();
    assert_eq!(reads, 1, "read once, then rested");
}

/// One number of a WABA, as its `phone_numbers` edge answers it.
fn one_number(id: &str, name: &str) -> String {
    serde_json::json!({"data": [{"id": id, "display_phone_number": "+1 555 0100",
        "verified_name": name, "status": "CONNECTED"}]})
    .to_string()
}

/// `status --watch` prints a change the moment the WABA that shows it answers: WABA
/// 111's number is renamed in the second read, while WABA 222's second answer trickles
/// for 200 s; the change line comes out long before 222 could have answered (a watch
/// that printed at the end of each read would print it only after that answer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_a_change_while_another_waba_is_still_answering() {
    use std::io::BufRead;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let reads_of_222 = Arc::new(AtomicUsize::new(0));
    let counter = reads_of_222.clone();
    let reads_of_111 = AtomicUsize::new(0);
    let server = Hostile::start(move |request: &Recorded| match request.path() {
        "/v25.0/111/phone_numbers" => {
            let round = reads_of_111.fetch_add(1, Ordering::SeqCst);
            Reply::Json(200, Vec::new(), one_number("5", &format!("Name {round}")))
        }
        "/v25.0/222/phone_numbers" if counter.fetch_add(1, Ordering::SeqCst) > 0 => {
            Reply::Trickle {
                body: format!("{:<200}", one_number("6", "Other")),
                every: Duration::from_secs(1),
            }
        }
        "/v25.0/222/phone_numbers" => Reply::Json(200, Vec::new(), one_number("6", "Other")),
        _ => ordinary(request),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = format!(
        "graph_url = \"{}\"\nrequest_timeout_secs = 600\nstall_timeout_secs = 20\n",
        server.url
    );
    let mut child = command(
        &dir,
        &[
            "status", "--waba", "111", "--waba", "222", "--format", "json", "--watch", "1",
        ],
        Some(&profile),
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, inbox) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // Well under the 200 s that 222's second answer takes: the bound only keeps a
    // broken watch from hanging the test.
    let change = tokio::task::spawn_blocking(move || {
        let waited = std::time::Instant::now();
        loop {
            let left = Duration::from_secs(60).saturating_sub(waited.elapsed());
            match inbox.recv_timeout(left) {
                Ok(line) if line.contains(" name Name 0") => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    })
    .await
    .unwrap();
    // 222's second request is sent with 111's; on a loaded machine it may reach the
    // server a moment after 111's change is printed (its answer takes 200 s either way).
    let started = std::time::Instant::now();
    while reads_of_222.load(Ordering::SeqCst) < 2 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
    let change = change.expect("the change line of WABA 111 while 222 still answers");
    assert!(change.contains("Name 1"), "{change}");
    assert!(
        reads_of_222.load(Ordering::SeqCst) >= 2,
        "222's second read had started"
    );
}

/// A page of `count` numbers as Graph writes them with every field wamigrate reads, each with the
/// four health entities Meta's health-status page says a number's answer carries
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/health-status:
/// the number's own, and "WABA, business, and app always included"): some 900 bytes a
/// number, as on the wire.
fn numbers_page(waba: &str, count: usize) -> serde_json::Value {
    let numbers: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let id = format!("{waba}{i:04}");
            serde_json::json!({
                "id": id,
                "display_phone_number": format!("+1 555-01{i:02}-{i:04}"),
                "verified_name": format!("Lucky Shrub Support {i}"),
                "name_status": "APPROVED",
                "code_verification_status": "VERIFIED",
                "quality_rating": "GREEN",
                "status": "CONNECTED",
                "platform_type": "CLOUD_API",
                "account_mode": "LIVE",
                "throughput": {"level": "STANDARD"},
                "is_official_business_account": false,
                "is_pin_enabled": true,
                "is_on_biz_app": false,
                "whatsapp_business_manager_messaging_limit": "TIER_2K",
                "last_onboarded_time": "2025-02-02T10:00:00+0000",
                "health_status": {
                    "can_send_message": "AVAILABLE",
                    "entities": [
                        {"entity_type": "PHONE_NUMBER", "id": id, "can_send_message": "AVAILABLE", "can_receive_call_sip": "UNAVAILABLE"},
                        {"entity_type": "WABA", "id": waba, "can_send_message": "AVAILABLE"},
                        {"entity_type": "BUSINESS", "id": "506914307656634", "can_send_message": "AVAILABLE"},
                        {"entity_type": "APP", "id": "1290112233445566", "can_send_message": "AVAILABLE"}
                    ]
                }
            })
        })
        .collect();
    serde_json::json!({ "data": numbers })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_wabas_with_a_hundred_numbers_each_is_read_whole() {
    // Each item's body is one WABA with a first page of 100 numbers: a JSON string of
    // some 100 KB inside the batch answer, longer than any field's bound (64 KB). Cut
    // with the envelope, it would no longer be JSON, and every such WABA would fail.
    let server = Hostile::start(|request: &Recorded| {
        if request.method == "POST" {
            let items: Vec<serde_json::Value> = ["111", "222"]
                .iter()
                .map(|waba| {
                    let body = serde_json::json!({
                        "id": waba,
                        "name": format!("WABA {waba}"),
                        "phone_numbers": numbers_page(waba, 100),
                    });
                    serde_json::json!({ "code": 200, "body": body.to_string() })
                })
                .collect();
            let answer = serde_json::Value::Array(items).to_string();
            assert!(answer.len() > 2 * 70_000, "the items are long strings");
            Reply::Json(200, Vec::new(), answer)
        } else {
            ordinary(request)
        }
    })
    .await;
    // One call in flight: both WABAs go in one batch.
    let out = wamigrate(
        &server,
        &[
            "status",
            "--waba",
            "111",
            "--waba",
            "222",
            "--concurrency",
            "1",
            "--format",
            "csv",
        ],
        "",
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr());
    assert_eq!(out.stdout().lines().count(), 1 + 200, "{}", out.stderr());
    let graph_calls: Vec<String> = server
        .received()
        .iter()
        .filter(|r| r.path().starts_with("/v25.0"))
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        graph_calls,
        ["POST /v25.0"],
        "read in the one batch, nothing again on its own"
    );
}
