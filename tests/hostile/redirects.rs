//! Redirects of every kind: a write follows none, a read only within its host; the other
//! host gets nothing (no token, no body, no Referer) and the user gets one sentence that
//! names both hosts.

use std::time::Duration;

use secrecy::SecretString;
use wamigrate::api::graph::{CodeMethod, TemplateMigrationPage};
use wamigrate::api::{ApiError, GraphClient, HubAuth, HubClient, RetryPolicy, Transport};
use wamigrate::domain::phone::E164;

use crate::server::{Hostile, Reply};
use crate::{SECRET, assert_nothing_elsewhere, command, ordinary, run};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_redirected_to_another_host_or_port_are_refused_naming_both_hosts() {
    for target in ["other_host", "other_port"] {
        for status in STATUSES {
            let server = Hostile::start(|_| Reply::Json(500, Vec::new(), String::new())).await;
            let to = if target == "other_host" {
                &server.other_host
            } else {
                &server.other_port
            };
            let location = format!("{to}/v25.0/104996?input_token={SECRET}");
            let server = Hostile::start(move |_| Reply::Redirect(status, location.clone())).await;
            let dir = tempfile::tempdir().unwrap();
            let out = run(command(
                &dir,
                &[
                    "status",
                    "--waba",
                    "104996",
                    "--format",
                    "json",
                    "--graph-url",
                    &server.url,
                ],
                None,
            ))
            .await;
            let stderr = out.stderr();
            assert_eq!(out.code, 1, "{target} {status}: {stderr}");
            assert!(stderr.contains(&server.url), "{target} {status}: {stderr}");
            assert!(stderr.contains("redirect"), "{stderr}");
            assert!(!stderr.contains(SECRET));
            assert_nothing_elsewhere(&server);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_token_redirected_elsewhere_leaks_neither_token_nor_referer() {
    let holder = Hostile::start(|_| Reply::Json(200, Vec::new(), "{}".into())).await;
    let elsewhere = format!("{}/collect", holder.other_host);
    let server = Hostile::start(move |_| Reply::Redirect(302, elsewhere.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(command(
        &dir,
        &["status", "--format", "json", "--graph-url", &server.url],
        None,
    ))
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr());
    assert!(out.stderr().contains("127.0.0.2"), "{}", out.stderr());
    assert_nothing_elsewhere(&server);
    assert!(holder.received().is_empty());
    // A loopback URL may be a sandbox: its instance id is asked first (no token).
    let received = server.received();
    assert!(
        received.iter().any(|r| r.target.contains("debug_token")),
        "{received:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_redirected_within_its_host_is_followed_with_its_token() {
    let server = Hostile::start(|request| {
        if request.path() == "/v25.0/104996" && !request.target.contains("moved=1") {
            Reply::Redirect(302, "/v25.0/104996?moved=1&fields=id,name".into())
        } else {
            ordinary(request)
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(command(
        &dir,
        &[
            "status",
            "--waba",
            "104996",
            "--format",
            "json",
            "--graph-url",
            &server.url,
        ],
        None,
    ))
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr());
    let moved = server
        .received()
        .into_iter()
        .find(|r| r.target.contains("moved=1"))
        .expect("the redirect was followed");
    assert_eq!(
        moved
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {SECRET}")
    );
    assert_nothing_elsewhere(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_migration_redirected_elsewhere_sends_nothing_there() {
    let holder = Hostile::start(|_| Reply::Json(200, Vec::new(), "{}".into())).await;
    let elsewhere = format!("{}/v25.0/222/migrate_message_templates", holder.other_host);
    let server = Hostile::start(move |request| {
        if request.method == "POST" {
            return Reply::Redirect(307, elsewhere.clone());
        }
        if request.path() == "/v25.0/111/message_templates" {
            let template = serde_json::json!({"data": [{"id": "9", "name": "hello", "language": "en_US",
                "status": "APPROVED", "category": "UTILITY", "quality_score": {"score": "GREEN"}}]});
            return Reply::Json(200, Vec::new(), template.to_string());
        }
        ordinary(request)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(command(
        &dir,
        &[
            "templates",
            "migrate",
            "--from",
            "111",
            "--to",
            "222",
            "--yes",
            "--graph-url",
            &server.url,
        ],
        None,
    ))
    .await;
    let said = format!("{}{}", out.stdout(), out.stderr());
    assert_eq!(out.code, 1, "{said}");
    assert!(
        said.contains(&server.url) && said.contains("127.0.0.2"),
        "{said}"
    );
    assert!(said.contains("no redirect for a write"), "{said}");
    let posts = server
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "the write was sent once and not repeated");
    assert_nothing_elsewhere(&server);
    assert!(holder.received().is_empty());
}

/// A Graph client of the library against `url`, small timeouts.
fn graph(url: &str) -> GraphClient {
    let transport = Transport::new(Duration::from_secs(5), RetryPolicy::default()).unwrap();
    GraphClient::new(transport, url, "v25.0", SecretString::from(SECRET)).unwrap()
}

/// Every write of both clients, redirected to another host, to another port and within
/// its own host, with 307 and 308 (which keep the body): refused, sent once, nothing
/// elsewhere, and a sentence naming both hosts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_refuses_every_redirect() {
    let pin = SecretString::from("123456");
    let code = SecretString::from("654321");
    for status in [302, 307, 308] {
        for target in ["other_host", "other_port", "same"] {
            let holder = Hostile::start(|_| Reply::Json(200, Vec::new(), "{}".into())).await;
            let origin = match target {
                "other_host" => holder.other_host.clone(),
                "other_port" => holder.other_port.clone(),
                _ => String::new(),
            };
            let server =
                Hostile::start(move |r| Reply::Redirect(status, format!("{origin}{}", r.target)))
                    .await;
            let g = graph(&server.url);
            let e164 = E164::parse("+4930123456").unwrap();
            let results: Vec<(&str, Result<(), ApiError>)> = vec![
                ("register", g.register("1", &pin).await),
                ("verify_code", g.verify_code("1", &code).await),
                (
                    "request_code",
                    g.request_code("1", CodeMethod::Sms, "en_US").await,
                ),
                (
                    "add_number",
                    g.add_number_for_migration("2", &e164).await.map(|_| ()),
                ),
                (
                    "backup",
                    g.register_with_backup("1", &pin, "data", &SecretString::from("backup-pw"))
                        .await,
                ),
                (
                    "templates",
                    g.migrate_message_templates(
                        "2",
                        "3",
                        &TemplateMigrationPage::Ids(vec!["9".into()]),
                    )
                    .await
                    .map(|_| ()),
                ),
            ];
            for (what, result) in results {
                let error = result.expect_err(what);
                assert!(
                    error.sentence.contains(&server.url)
                        && error.sentence.contains("no redirect for a write"),
                    "{what} {status} {target}: {}",
                    error.sentence
                );
            }
            let transport = Transport::new(Duration::from_secs(5), RetryPolicy::default()).unwrap();
            let hub = HubClient::new(
                transport.clone(),
                &server.url,
                "examplePA",
                HubAuth::ApiKey(SecretString::from(SECRET)),
            )
            .unwrap();
            assert!(hub.approve_partner_change_request("pcr1").await.is_err());
            let login = HubClient::new(
                transport,
                &server.url,
                "examplePA",
                HubAuth::Login {
                    username: "ops@example.test".into(),
                    password: SecretString::from(SECRET),
                },
            )
            .unwrap();
            assert!(
                login.clients(None).await.is_err(),
                "the login POST is not followed either"
            );
            assert_eq!(
                server.received().len(),
                8,
                "each write sent exactly once, nothing followed"
            );
            for request in server.received() {
                assert!(!request.target.contains("backup-pw"));
            }
            assert!(
                holder.received().is_empty(),
                "{status} {target}: {:#?}",
                holder.received()
            );
            assert_nothing_elsewhere(&server);
        }
    }
}
