//! Helpers for tests that run the real binary: a `wamigrate sim` child process on a
//! random port, and one-shot command runs with a private config and data directory.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_wamigrate")
}

/// A `wamigrate sim` child process; killed on drop.
pub struct SimProcess {
    child: Child,
    pub url: String,
    /// A private data directory (logs) and an empty config file for commands run
    /// against this sandbox.
    pub data_dir: tempfile::TempDir,
    output: Arc<Mutex<String>>,
}

impl SimProcess {
    /// Starts `wamigrate sim --port 0 <args>` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> SimProcess {
        let mut child = Command::new(binary())
            .args(["sim", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wamigrate sim");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("read the first line of wamigrate sim");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_string();
        let output = Arc::new(Mutex::new(String::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let data_dir = tempfile::tempdir().unwrap();
        std::fs::write(data_dir.path().join("config.toml"), "").unwrap();
        SimProcess {
            child,
            url,
            data_dir,
            output,
        }
    }

    /// What the sandbox printed after its first line so far.
    pub fn output(&self) -> String {
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.output.lock().unwrap().clone()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished command run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// What was typed at the prompts (verification codes), for secret checks.
    pub answers: Vec<String>,
}

/// Runs `wamigrate <args>` with the sandbox's private config and data directory, no
/// inherited credentials, and the extra environment `env`.
pub fn wamigrate(sim: &SimProcess, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(sim, args, env).output().expect("run wamigrate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        answers: Vec::new(),
    }
}

/// The command [`wamigrate`] runs, for tests that spawn it and talk to it while it runs
/// (`status --watch`).
pub fn command(sim: &SimProcess, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("WAMIGRATE_GRAPH_TOKEN")
        .env_remove("WAMIGRATE_GRAPH_URL")
        .env_remove("WAMIGRATE_HUB_API_KEY")
        .env_remove("WAMIGRATE_PROFILE")
        .env_remove("RUST_BACKTRACE")
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// A plain HTTP GET on loopback (for the sandbox's `/_sandbox/*` helpers); returns the
/// status code and body.
pub fn http_get(url: &str) -> (u16, String) {
    http_request("GET", url, "")
}

/// A plain HTTP POST of a JSON body on loopback.
pub fn http_post(url: &str, json: &str) -> (u16, String) {
    http_request("POST", url, json)
}

fn http_request(method: &str, url: &str, body: &str) -> (u16, String) {
    use std::io::Write;
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the sandbox");
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

/// The sandbox's call counts by concrete path (`POST /123/register` → n).
pub fn stats_by_path(sim: &SimProcess) -> serde_json::Map<String, serde_json::Value> {
    let (_, body) = http_get(&format!("{}/_sandbox/stats", sim.url));
    let stats: serde_json::Value = serde_json::from_str(&body).expect("stats JSON");
    stats["by_path"].as_object().cloned().unwrap_or_default()
}

/// Runs `wamigrate <args>` like [`wamigrate`], answering every verification-code prompt
/// with the sandbox's current code for that number (or `resend` when it has none).
pub fn wamigrate_answering_codes(sim: &SimProcess, args: &[&str], env: &[(&str, &str)]) -> Run {
    use std::io::Write;
    let mut command = Command::new(binary());
    command
        .args(args)
        .env_remove("WAMIGRATE_GRAPH_TOKEN")
        .env_remove("WAMIGRATE_GRAPH_URL")
        .env_remove("WAMIGRATE_PROFILE")
        .env("WAMIGRATE_CONFIG", sim.data_dir.path().join("config.toml"))
        .env("WAMIGRATE_DATA_DIR", sim.data_dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run wamigrate");
    let mut stdin = child.stdin.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut stdout = child.stdout.take().unwrap();
    let mut err_text = String::new();
    let mut answers = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap_or_default();
        err_text.push_str(&line);
        err_text.push('\n');
        if line.contains("Enter the 6-digit code") {
            let answer = code_answer(&sim.url, &line);
            let _ = writeln!(stdin, "{answer}");
            answers.push(answer);
        }
    }
    drop(stdin);
    let mut out_text = String::new();
    let _ = stdout.read_to_string(&mut out_text);
    let status = child.wait().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_text,
        stderr: err_text,
        answers,
    }
}

/// The answer to a code prompt line (`… (phone number id N) …`): the sandbox's current
/// code for that number, or `resend` when it has none.
pub fn code_answer(sim_url: &str, prompt: &str) -> String {
    let id = prompt
        .split("phone number id ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_default();
    let (status, body) = http_get(&format!("{sim_url}/_sandbox/otp/{id}"));
    if status == 200 {
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        "resend".to_string()
    }
}

/// Whether `text` holds `secret`. A secret of digits (a PIN, a verification code) counts
/// only where it stands alone, not inside a longer run of digits: a timestamp's
/// nanoseconds or a generated id may hold any six digits by chance, a leak does not hide
/// inside digits (`"pin":"246810"`, `pin=246810`).
pub fn holds_secret(text: &str, secret: &str) -> bool {
    if !secret.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(secret);
    }
    let bytes = text.as_bytes();
    text.match_indices(secret).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + secret.len()).copied();
        !before.is_some_and(|b| b.is_ascii_digit()) && !after.is_some_and(|b| b.is_ascii_digit())
    })
}
