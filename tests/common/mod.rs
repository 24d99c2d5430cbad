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
}

/// Runs `wamigrate <args>` with the sandbox's private config and data directory, no
/// inherited credentials, and the extra environment `env`.
pub fn wamigrate(sim: &SimProcess, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(sim, args, env).output().expect("run wamigrate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
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
