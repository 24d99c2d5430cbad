//! The sandbox: a real HTTP server on loopback speaking the Graph API and the 360dialog
//! Partner API subset wamigrate uses. (Placeholder until the sandbox lands.)

use std::net::SocketAddr;
use std::time::Duration;

/// The partner id of the sandbox's 360dialog side.
pub const SANDBOX_PARTNER_ID: &str = "SandboxPA";

/// Knobs of the sandbox.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub port: u16,
    pub latency: Duration,
    pub jitter: Duration,
    pub error_rate: f64,
    pub rate_limit_per_hour: Option<u32>,
    pub rate_window: Duration,
    pub fleet: Option<usize>,
    pub templates: Option<usize>,
    pub seed: u64,
    pub graph_token: String,
    pub hub_api_key: String,
    pub hub_login: (String, String),
    pub log_requests: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            rate_limit_per_hour: None,
            rate_window: Duration::from_secs(3600),
            fleet: None,
            templates: None,
            seed: 1,
            graph_token: "sandbox-token".into(),
            hub_api_key: "sandbox-hub-key".into(),
            hub_login: ("sandbox@example.com".into(), "sandbox-password".into()),
            log_requests: false,
        }
    }
}

/// A running sandbox.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub base_url: String,
}

/// Starts the sandbox.
pub async fn start(_config: SimConfig) -> std::io::Result<SimHandle> {
    Err(std::io::Error::other("the sandbox is not built yet"))
}
