//! Plain http to a host that is not this machine: refused before any connection (exit
//! 2, one sentence), and with --allow-insecure-http a warning on every command. These
//! children run in an empty network namespace (`unshare -n`), so even a regression could
//! not send a packet anywhere; without unshare the test says why it skipped.

use std::process::Command;

use crate::{Run, SECRET, command, run};

/// A host that does not resolve (RFC 6761 `.invalid`), only ever used inside the empty
/// namespace.
const FAR_URL: &str = "http://wamigrate-far-host.invalid";

/// `unshare` arguments that give an empty network namespace here, if any work.
fn empty_namespace() -> Option<&'static [&'static str]> {
    [&["-n"][..], &["-r", "-n"][..]].into_iter().find(|args| {
        Command::new("unshare")
            .args(*args)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success())
    })
}

async fn isolated(args: &[&str], env: &[(&str, &str)]) -> Option<Run> {
    let Some(unshare) = empty_namespace() else {
        eprintln!(
            "skipped: unshare -n is not available here, and this test never runs without an empty network namespace"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut inner = command(&dir, args, None);
    inner.envs(env.iter().copied());
    let mut outer = Command::new("unshare");
    outer
        .args(unshare)
        .arg(inner.get_program())
        .args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => outer.env(key, value),
            None => outer.env_remove(key),
        };
    }
    outer.stdin(std::process::Stdio::null());
    let out = run(outer).await;
    drop(dir);
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_is_refused_before_any_connection() {
    for args in [
        &["status", "--format", "json", "--graph-url", FAR_URL][..],
        &[
            "templates",
            "diff",
            "--from",
            "1",
            "--to",
            "2",
            "--graph-url",
            FAR_URL,
        ][..],
        &[
            "status",
            "--hub-url",
            FAR_URL,
            "--graph-url",
            "https://graph.invalid",
        ][..],
    ] {
        let Some(out) = isolated(
            args,
            &[
                ("WAMIGRATE_HUB_API_KEY", SECRET),
                ("WAMIGRATE_PARTNER_ID", "examplePA"),
            ],
        )
        .await
        else {
            return;
        };
        let stderr = out.stderr();
        assert_eq!(out.code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("plain http") && stderr.contains("--allow-insecure-http"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
        assert!(!stderr.contains(SECRET));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowing_insecure_http_warns_on_every_command() {
    for args in [
        &["status", "--format", "json"][..],
        &["check", "1", "--to", "2", "--format", "json"][..],
        &[
            "templates",
            "diff",
            "--from",
            "1",
            "--to",
            "2",
            "--format",
            "json",
        ][..],
    ] {
        let mut full = args.to_vec();
        full.extend([
            "--graph-url",
            FAR_URL,
            "--allow-insecure-http",
            "--timeout",
            "2",
        ]);
        let Some(out) = isolated(&full, &[]).await else {
            return;
        };
        let stderr = out.stderr();
        assert!(
            stderr.starts_with("wamigrate: warning: --allow-insecure-http"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("unencrypted"), "{stderr}");
        assert_ne!(out.code, 0, "nothing to reach in the namespace: {stderr}");
    }
}
