//! Turns resolved [`Settings`] into API clients: the embedded sandbox when no
//! credentials are configured, else the configured live endpoints.

use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;

use crate::api::{ApiError, CallRecord, GraphClient, HubAuth, HubClient, RetryPolicy, Transport};
use crate::config::{Backend, SANDBOX_HUB_KEY, SANDBOX_TOKEN, Settings, is_loopback};
use crate::domain::journal;
use crate::sim::{self, SimConfig, SimHandle};

/// Per-call timeout: template migration pages may take up to 30 s at Meta.
const CALL_TIMEOUT: Duration = Duration::from_secs(40);
/// Overrides [`CALL_TIMEOUT`] (seconds, fractions allowed): the crash tests shorten it,
/// since a resume waits one timeout before it trusts a read-back without effect.
const CALL_TIMEOUT_ENV: &str = "WAMIGRATE_CALL_TIMEOUT_SECS";

/// The per-call timeout of the clients (also how long a call may stay in flight).
pub fn call_timeout() -> Duration {
    std::env::var(CALL_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs > 0.0)
        .map_or(CALL_TIMEOUT, Duration::from_secs_f64)
}

/// Which backend the clients talk to, for the top bar and command output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendLabel {
    /// The embedded sandbox on a loopback port.
    Sandbox { base_url: String },
    /// Real endpoints (or an external sandbox).
    Live {
        graph_url: String,
        hub_url: Option<String>,
    },
}

impl BackendLabel {
    /// The label of configured endpoints: a loopback Graph URL is a sandbox (only a
    /// sandbox lives there), never shown under the LIVE badge.
    pub fn live(graph_url: &str, hub_url: Option<String>) -> BackendLabel {
        if is_loopback(graph_url) {
            BackendLabel::Sandbox {
                base_url: graph_url.to_string(),
            }
        } else {
            BackendLabel::Live {
                graph_url: graph_url.to_string(),
                hub_url,
            }
        }
    }

    /// `SANDBOX` or `LIVE`.
    pub fn badge(&self) -> &'static str {
        match self {
            BackendLabel::Sandbox { .. } => "SANDBOX",
            BackendLabel::Live { .. } => "LIVE",
        }
    }
}

/// The clients for one session, and the sandbox they talk to when embedded.
pub struct Connection {
    pub graph: GraphClient,
    pub hub: Option<HubClient>,
    pub label: BackendLabel,
    /// Keeps the embedded sandbox running as long as the connection lives.
    pub sandbox: Option<SimHandle>,
    /// The backend journals are bound to.
    pub backend: journal::Backend,
}

/// The backend journals are bound to: profile, URLs and version, and for a sandbox
/// (embedded, or any loopback URL) the instance id of its world, read from
/// `GET /_sandbox/instance` when it is not embedded.
async fn identify(
    graph: &GraphClient,
    hub: Option<&HubClient>,
    embedded: Option<&SimHandle>,
    settings: &Settings,
) -> journal::Backend {
    let trimmed = |url: &reqwest::Url| url.as_str().trim_end_matches('/').to_string();
    let graph_url = trimmed(graph.base_url());
    let sandbox_instance = match embedded {
        Some(handle) => Some(handle.instance_id.clone()),
        None if is_loopback(&graph_url) => sandbox_instance(graph).await,
        None => None,
    };
    journal::Backend {
        profile: settings.profile.clone(),
        graph_url,
        graph_version: settings.graph_version.clone(),
        hub_url: hub.map(|h| trimmed(h.base_url())),
        sandbox_instance,
    }
}

/// The world id of a sandbox behind the Graph URL; `None` when it does not say.
async fn sandbox_instance(graph: &GraphClient) -> Option<String> {
    let mut url = graph.base_url().clone();
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(["_sandbox", "instance"]);
    let answer = graph.transport().http().get(url).send().await.ok()?;
    let body: serde_json::Value = answer.json().await.ok()?;
    body["instance_id"].as_str().map(str::to_string)
}

/// Why a connection could not be set up; the text is the operator sentence.
#[derive(Debug)]
pub enum ConnectError {
    Api(ApiError),
    Sandbox(std::io::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Api(e) => write!(f, "{e}"),
            ConnectError::Sandbox(e) => write!(
                f,
                "Could not start the embedded sandbox on 127.0.0.1 ({e}): check that loopback networking works."
            ),
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<ApiError> for ConnectError {
    fn from(e: ApiError) -> Self {
        ConnectError::Api(e)
    }
}

/// Builds the clients; starts the embedded sandbox when the backend is `Sandbox`.
/// `observer` receives a record of every HTTP call (the TUI's log pane).
pub async fn connect(
    settings: &Settings,
    observer: Option<UnboundedSender<CallRecord>>,
) -> Result<Connection, ConnectError> {
    let mut transport = Transport::new(call_timeout(), RetryPolicy::default())?;
    if let Some(observer) = observer {
        transport = transport.with_observer(observer);
    }
    match &settings.backend {
        Backend::Sandbox => {
            let handle = sim::start(SimConfig::default())
                .await
                .map_err(ConnectError::Sandbox)?;
            let graph = GraphClient::new(
                transport.clone(),
                &handle.base_url,
                &settings.graph_version,
                SecretString::from(SANDBOX_TOKEN),
            )?;
            let hub = HubClient::new(
                transport,
                &handle.base_url,
                sim::SANDBOX_PARTNER_ID,
                HubAuth::ApiKey(SecretString::from(SANDBOX_HUB_KEY)),
            )?;
            let backend = identify(&graph, Some(&hub), Some(&handle), settings).await;
            Ok(Connection {
                graph,
                hub: Some(hub),
                label: BackendLabel::Sandbox {
                    base_url: handle.base_url.clone(),
                },
                sandbox: Some(handle),
                backend,
            })
        }
        Backend::Live(live) => {
            let graph = GraphClient::new(
                transport.clone(),
                &live.graph_url,
                &live.graph_version,
                live.graph_token.clone(),
            )?;
            let hub = match &live.hub {
                Some(h) => Some(HubClient::new(
                    transport,
                    &h.url,
                    &h.partner_id,
                    HubAuth::ApiKey(h.api_key.clone()),
                )?),
                None => None,
            };
            let backend = identify(&graph, hub.as_ref(), None, settings).await;
            Ok(Connection {
                graph,
                label: BackendLabel::live(
                    &live.graph_url,
                    live.hub.as_ref().map(|h| h.url.clone()),
                ),
                hub,
                sandbox: None,
                backend,
            })
        }
    }
}
