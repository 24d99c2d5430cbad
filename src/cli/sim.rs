//! `wamigrate sim`: run the sandbox in the foreground, so other tools (or a second
//! wamigrate) can talk to it, with one log line per request.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::sim::{self, EmptyFailedTemplates, SimConfig};

/// Knobs of `wamigrate sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Delay added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Random spread around the latency (±), in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Share of API requests (0 to 1) answered with a fault: 5xx, HTML page or dropped connection.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Graph calls per hour per WABA before answering code 80008.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Serve a generated portfolio with this many numbers instead of the seeded one.
    #[arg(long)]
    pub fleet: Option<usize>,
    /// Templates on the first WABA.
    #[arg(long)]
    pub templates: Option<usize>,
    /// Seed of every random choice, so two runs serve the same world.
    #[arg(long, default_value_t = sim::DEFAULT_SEED)]
    pub seed: u64,
    /// Graph bearer token the sandbox accepts (default: sandbox-token).
    #[arg(long, env = "WAMIGRATE_SIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Remove a field, as a Graph version that dropped it would (repeatable): NAME on every
    /// node type, or NODE.NAME on one, e.g. WhatsAppBusinessPhoneNumber.messaging_limit_tier.
    #[arg(long = "drop-field", value_name = "FIELD")]
    pub drop_fields: Vec<String>,
    /// How template migration writes `failed_templates` when nothing failed: `array`
    /// (`[]`) or `object` (`{}`); Meta's page shows both shapes.
    #[arg(long, default_value = "array", value_parser = |s: &str| s.parse::<EmptyFailedTemplates>())]
    pub empty_failed_templates: EmptyFailedTemplates,
    /// Take no Graph batch requests (a batch `POST` answers 404), as a server that does
    /// not have them: rehearses wamigrate's fallback to one call per WABA.
    #[arg(long)]
    pub no_batch: bool,
    /// Keep the world in FILE between runs: loaded when it exists, rewritten atomically
    /// after every call that may change it (the embedded sandbox keeps
    /// sandbox-world.json in the data dir).
    #[arg(long, value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,
    /// With --state: start from a fresh world (new instance id), replacing the file's.
    #[arg(long, requires = "state")]
    pub reset: bool,
}

/// Largest generated fleet; beyond it the portfolio stops being quick to build.
const MAX_FLEET: usize = 1_000_000;

/// Serves until Ctrl-C or SIGTERM. The first stdout line is `listening on URL`, then one
/// line per request. Exit 0 on a signal, 2 for a bad knob, 1 when the server cannot start.
pub async fn run(args: SimArgs) -> ExitCode {
    if let Err(sentence) = check(&args) {
        eprintln!("{sentence}");
        return ExitCode::from(2);
    }
    let defaults = SimConfig::default();
    let config = SimConfig {
        port: args.port,
        latency: Duration::from_millis(args.latency_ms),
        jitter: Duration::from_millis(args.jitter_ms),
        error_rate: args.error_rate,
        rate_limit_per_hour: args.rate_limit,
        fleet: args.fleet,
        templates: args.templates,
        seed: args.seed,
        graph_token: args.token.unwrap_or(defaults.graph_token.clone()),
        log_requests: true,
        drop_fields: args.drop_fields.clone(),
        empty_failed_templates: args.empty_failed_templates,
        batch_requests: !args.no_batch,
        state_file: args.state.clone(),
        reset_state: args.reset,
        ..defaults
    };
    let stop = StopSignals::install();
    let handle = match sim::start(config).await {
        Ok(handle) => handle,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "Port {} is already in use: pick another with --port, or --port 0 for a free one.",
                args.port
            );
            return ExitCode::from(1);
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            eprintln!("The sandbox could not start: {e}.");
            return ExitCode::from(1);
        }
        Err(e) if args.state.is_some() => {
            eprintln!(
                "The sandbox could not start ({e}): check --port, and that the --state file's folder is writable."
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("The sandbox could not start ({e}): check --port and try again.");
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", handle.base_url);
        let _ = out.flush();
    }
    eprintln!(
        "Graph API at {0}/v25.0 (any version), 360dialog Partner API at {0}/api/v2 (partner {1}); Ctrl-C stops.",
        handle.base_url,
        sim::SANDBOX_PARTNER_ID
    );
    if let Some(path) = &args.state {
        eprintln!(
            "World {} kept in {} (--reset starts a fresh one).",
            handle.instance_id,
            path.display()
        );
    }
    stop.wait().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}

/// One sentence per bad knob.
fn check(args: &SimArgs) -> Result<(), String> {
    if !(0.0..=1.0).contains(&args.error_rate) {
        return Err(format!(
            "--error-rate {} is outside 0 to 1: give a share such as 0.05.",
            args.error_rate
        ));
    }
    if args.fleet.is_some_and(|n| n == 0 || n > MAX_FLEET) {
        return Err(format!(
            "--fleet must be between 1 and {MAX_FLEET} numbers."
        ));
    }
    for field in &args.drop_fields {
        let (node, name) = field
            .rsplit_once('.')
            .map_or((None, field.as_str()), |(n, f)| (Some(n), f));
        if name.trim().is_empty() {
            return Err(format!(
                "--drop-field {field:?} names no field: give NAME or NODE.NAME."
            ));
        }
        if let Some(node) = node.filter(|n| !sim::node_type_names().contains(n)) {
            return Err(format!(
                "--drop-field {field}: node type {node} is unknown; use one of {}.",
                sim::node_type_names().join(", ")
            ));
        }
    }
    if args.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err("--token is empty: give the token clients will send, or leave it out for sandbox-token.".to_string());
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one. Installed before the listening line is
/// printed, so a signal sent as soon as that line appears is never missed.
struct StopSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn install() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignals {
                unix: signal(SignalKind::interrupt())
                    .ok()
                    .zip(signal(SignalKind::terminate()).ok()),
            }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut interrupt, mut terminate)) = self.unix {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> SimArgs {
        SimArgs {
            port: 0,
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            rate_limit: None,
            fleet: None,
            templates: None,
            seed: 1,
            token: None,
            drop_fields: Vec::new(),
            empty_failed_templates: EmptyFailedTemplates::Array,
            no_batch: false,
            state: None,
            reset: false,
        }
    }

    #[test]
    fn bad_knobs_get_one_sentence() {
        assert!(check(&args()).is_ok());
        assert!(
            check(&SimArgs {
                error_rate: 1.2,
                ..args()
            })
            .unwrap_err()
            .contains("--error-rate")
        );
        assert!(
            check(&SimArgs {
                fleet: Some(0),
                ..args()
            })
            .unwrap_err()
            .contains("--fleet")
        );
        for (field, ok) in [
            ("messaging_limit_tier", true),
            ("WhatsAppBusinessPhoneNumber.messaging_limit_tier", true),
            ("PhoneNumber.status", false),
            ("WhatsAppBusinessAccount.", false),
        ] {
            let args = SimArgs {
                drop_fields: vec![field.to_string()],
                ..args()
            };
            assert_eq!(check(&args).is_ok(), ok, "{field}");
        }
        assert!(
            check(&SimArgs {
                token: Some(" ".into()),
                ..args()
            })
            .unwrap_err()
            .contains("--token")
        );
    }
}
