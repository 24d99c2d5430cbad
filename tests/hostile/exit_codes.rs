//! Exit codes CI can trust (issue 10, item 10): a failed read is exit 1 in every command
//! that reads, never 0 and never a verdict; a `--format` a command does not print is
//! refused with exit 2 before anything is read.

use crate::server::{Hostile, Recorded, Reply};
use crate::{command, run};

/// Every read fails as a server outage does (HTTP 503, Graph code 2).
fn outage(_: &Recorded) -> Reply {
    let body = serde_json::json!({"error": {"message": "Service temporarily unavailable",
        "code": 2, "fbtrace_id": "T"}});
    Reply::Json(503, Vec::new(), body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_is_exit_1_in_every_command() {
    let server = Hostile::start(outage).await;
    let profile = format!("graph_url = \"{}\"\nrequest_timeout_secs = 4\n", server.url);
    for args in [
        &["status", "--waba", "111", "--format", "json"][..],
        &["status", "--format", "json"][..],
        &[
            "check", "5", "--to", "222", "--from", "111", "--format", "json",
        ][..],
        &["check", "+16315550101", "--to", "222", "--format", "json"][..],
        &["templates", "diff", "--from", "111", "--to", "222"][..],
        &[
            "templates",
            "migrate",
            "--from",
            "111",
            "--to",
            "222",
            "--yes",
        ][..],
        &[
            "templates",
            "recreate",
            "--from",
            "111",
            "--to",
            "222",
            "--dry-run",
        ][..],
        // Without --from the number is looked for in the WABAs in reach: their
        // discovery failed, which is not "the number is nowhere" (a blocker, exit 3).
        &[
            "migrate",
            "5",
            "--scenario",
            "to-new-waba",
            "--to",
            "222",
            "--yes",
        ][..],
        &[
            "migrate",
            "+16315550101",
            "--scenario",
            "to-new-waba",
            "--to",
            "222",
            "--from",
            "111",
            "--yes",
        ][..],
        &["doctor", "--format", "json"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = run(command(&dir, args, Some(&profile))).await;
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr());
        if args[0] == "doctor" {
            assert!(
                out.stdout().contains("\"read_failed\": true"),
                "{}",
                out.stdout()
            );
        }
        // doctor says it in its report (a gap), the others on stderr.
        assert!(
            out.stderr().contains("temporary error") || out.stdout().contains("temporary error"),
            "{args:?} says why: {}",
            out.stderr()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journals_that_cannot_be_read_are_exit_1_and_unknown_ones_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // `journals` is a file: the folder cannot be listed.
    std::fs::write(dir.path().join("journals"), "not a folder").unwrap();
    let list = run(command(&dir, &["journal", "list"], None)).await;
    assert_eq!(list.code, 1, "{}", list.stderr());
    let show = run(command(
        &dir,
        &["journal", "show", "m-20261125T100000-0042"],
        None,
    ))
    .await;
    assert_eq!(show.code, 1, "{}", show.stderr());

    let fresh = tempfile::tempdir().unwrap();
    let missing = run(command(
        &fresh,
        &["journal", "show", "m-20261125T100000-0042"],
        None,
    ))
    .await;
    assert_eq!(missing.code, 2, "{}", missing.stderr());
    let damaged_dir = fresh.path().join("journals");
    std::fs::create_dir_all(&damaged_dir).unwrap();
    std::fs::write(
        damaged_dir.join("m-20261125T100000-0042.jsonl"),
        "not json\n{\"record\":\"note\"}\n",
    )
    .unwrap();
    let damaged = run(command(
        &fresh,
        &["journal", "show", "m-20261125T100000-0042"],
        None,
    ))
    .await;
    assert_eq!(damaged.code, 1, "{}", damaged.stderr());
    assert!(damaged.stderr().contains("damaged"), "{}", damaged.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_a_command_does_not_print_is_refused_with_exit_2_before_any_read() {
    let server = Hostile::start(outage).await;
    let profile = format!("graph_url = \"{}\"\n", server.url);
    for args in [
        &["check", "5", "--to", "222", "--format", "csv"][..],
        &["doctor", "--format", "csv"][..],
        &[
            "templates",
            "migrate",
            "--from",
            "111",
            "--to",
            "222",
            "--yes",
            "--format",
            "csv",
        ][..],
        &[
            "templates",
            "recreate",
            "--from",
            "111",
            "--to",
            "222",
            "--dry-run",
            "--format",
            "csv",
        ][..],
        &["templates", "track", "recreate-1", "--format", "csv"][..],
        &[
            "journal",
            "show",
            "m-20261125T100000-0042",
            "--format",
            "csv",
        ][..],
        &[
            "journal",
            "show",
            "m-20261125T100000-0042",
            "--format",
            "yaml",
        ][..],
        &["status", "--format", "yaml"][..],
        &[
            "templates",
            "diff",
            "--from",
            "1",
            "--to",
            "2",
            "--format",
            "xml",
        ][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = run(command(&dir, args, Some(&profile))).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr());
        assert!(
            out.stderr().contains("invalid value"),
            "{args:?}: {}",
            out.stderr()
        );
    }
    assert!(server.received().is_empty(), "{:#?}", server.received());
}
