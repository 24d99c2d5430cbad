//! The hostile suite: wamigrate against a server that misbehaves on purpose (issue 14).
//! Each test asserts what the user sees (sentence, exit code, bytes on the terminal) and
//! what the server received (no secret, no second host). Every address is loopback; the
//! test of a non-loopback http URL runs its child in an empty network namespace.

#[path = "hostile/answers.rs"]
mod answers;
#[path = "hostile/exit_codes.rs"]
mod exit_codes;
#[path = "hostile/redirects.rs"]
mod redirects;
#[path = "hostile/safe_text.rs"]
mod safe_text;
#[path = "hostile/server.rs"]
mod server;
#[path = "hostile/transport.rs"]
mod transport;

use std::process::{Command, Stdio};

use server::{Hostile, Recorded, Reply};

/// The token the children use; it must never reach a listener other than `main`.
pub const SECRET: &str = "EAAGhostile-secret-token-31337";

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// Bytes below 0x20 other than newline and tab, and C1 controls, on either stream.
    pub fn control_bytes(&self) -> Vec<u8> {
        let text = [self.stdout.clone(), self.stderr.clone()].concat();
        let c1 = String::from_utf8_lossy(&text)
            .chars()
            .filter(|c| ('\u{80}'..='\u{9f}').contains(c))
            .count();
        let mut found: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f)
            .collect();
        found.extend(std::iter::repeat_n(0x9b, c1));
        found
    }
}

/// The command for `wamigrate <args>` with a private config and data directory, the
/// secret token, and `extra_config` as the `[profiles.hostile]` body when given.
pub fn command(dir: &tempfile::TempDir, args: &[&str], profile: Option<&str>) -> Command {
    let config = dir.path().join("config.toml");
    let text = match profile {
        Some(body) => format!("default_profile = \"hostile\"\n[profiles.hostile]\n{body}\n"),
        None => String::new(),
    };
    std::fs::write(&config, text).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wamigrate"));
    command
        .args(args)
        .env_remove("WAMIGRATE_GRAPH_URL")
        .env_remove("WAMIGRATE_HUB_API_KEY")
        .env_remove("WAMIGRATE_PROFILE")
        .env_remove("RUST_BACKTRACE")
        .env("WAMIGRATE_GRAPH_TOKEN", SECRET)
        .env("WAMIGRATE_CONFIG", &config)
        .env("WAMIGRATE_DATA_DIR", dir.path())
        .stdin(Stdio::null());
    command
}

/// Runs a command off the async runtime (the hostile server runs on it).
pub async fn run(mut command: Command) -> Run {
    let out = tokio::task::spawn_blocking(move || command.output().expect("run wamigrate"))
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// Asserts that no listener but `main` got a request (so no token, key, PIN or body
/// went anywhere else) and that no request carried a `Referer`.
pub fn assert_nothing_elsewhere(server: &Hostile) {
    let elsewhere = server.elsewhere();
    assert!(elsewhere.is_empty(), "other hosts received: {elsewhere:#?}");
    for request in server.received() {
        assert!(
            request.headers.get("referer").is_none(),
            "Referer sent: {request:?}"
        );
    }
}

/// A WABA object for reads.
pub fn waba_json(id: &str, name: &str) -> String {
    serde_json::json!({ "id": id, "name": name }).to_string()
}

/// An empty Graph page.
pub fn empty_page() -> String {
    r#"{"data":[]}"#.to_string()
}

/// Fields every Graph read answer needs when `path` is a plain object read.
pub fn ordinary(request: &Recorded) -> Reply {
    let path = request.path();
    if path.ends_with("/phone_numbers") || path.ends_with("/message_templates") {
        Reply::Json(200, Vec::new(), empty_page())
    } else {
        let id = path.rsplit('/').next().unwrap_or_default();
        Reply::Json(200, Vec::new(), waba_json(id, "Lucky Shrub"))
    }
}
