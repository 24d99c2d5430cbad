//! Turns resolved [`Settings`] into API clients: the embedded sandbox when no
//! credentials are configured, else the configured live endpoints.

use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;

use crate::api::{ApiError, CallRecord, GraphClient, HubAuth, HubClient, Transport};
use crate::config::{Backend, LiveBackend, SANDBOX_HUB_KEY, SANDBOX_TOKEN, Settings, is_loopback};
use crate::domain::journal;
use crate::sim::{self, SimConfig, SimHandle};

/// Which backend the clients talk to, for the top bar and command output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendLabel {
    /// The embedded sandbox on a loopback port.
    Sandbox { base_url: String },
    /// Real endpoints (or an external sandbox).
    Live {
        graph_url: String,
        hub_url: Option<String>,
        /// Plain http to a host that is not this machine (`--allow-insecure-http`).
        insecure_http: bool,
    },
}

impl BackendLabel {
    /// The label of a live backend, marked when a plain-http URL to another host was let
    /// through by `--allow-insecure-http`. A loopback Graph URL is a sandbox (only a
    /// sandbox lives there), never shown under the LIVE badge.
    pub fn live(settings: &Settings, live: &LiveBackend) -> Self {
        if is_loopback(&live.graph_url) {
            return BackendLabel::Sandbox {
                base_url: live.graph_url.clone(),
            };
        }
        let hub_url = live.hub.as_ref().map(|h| h.url.clone());
        let insecure_http = [Some(&live.graph_url), hub_url.as_ref()]
            .into_iter()
            .flatten()
            .any(|url| url.starts_with("http:") && !crate::config::is_loopback(url));
        BackendLabel::Live {
            graph_url: live.graph_url.clone(),
            hub_url,
            insecure_http: insecure_http && settings.transport.allow_insecure_http,
        }
    }

    /// `SANDBOX`, `LIVE`, or `LIVE · UNENCRYPTED HTTP` when `--allow-insecure-http` let a
    /// plain-http URL through.
    pub fn badge(&self) -> &'static str {
        match self {
            BackendLabel::Sandbox { .. } => "SANDBOX",
            BackendLabel::Live {
                insecure_http: true,
                ..
            } => "LIVE · UNENCRYPTED HTTP",
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
    /// The longest a call may take (the transport's request timeout): after that long
    /// since its intent a call can no longer be in flight.
    pub call_timeout: std::time::Duration,
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
            ConnectError::Sandbox(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                write!(
                    f,
                    "The embedded sandbox could not load its saved world: {e}."
                )
            }
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

/// The embedded sandbox's world file in the data dir (`wamigrate sim --state` this file
/// with `--reset` starts it afresh).
pub const SANDBOX_STATE_FILE: &str = "sandbox-world.json";

/// Starts the embedded sandbox on the world kept in the data dir, so a run paused in the
/// demo resumes after a restart. Only an existing data dir keeps it (the tool creates its
/// data dir when it starts logging; tests and demos that name none keep nothing). A world
/// that cannot be read back is refused with its sentence; a data dir that cannot be
/// written only costs the persistence (logged).
async fn start_embedded_sandbox(data_dir: &std::path::Path) -> Result<SimHandle, ConnectError> {
    if !data_dir.is_dir() {
        return sim::start(SimConfig::default())
            .await
            .map_err(ConnectError::Sandbox);
    }
    let kept = SimConfig {
        state_file: Some(data_dir.join(SANDBOX_STATE_FILE)),
        ..SimConfig::default()
    };
    match sim::start(kept).await {
        Ok(handle) => Ok(handle),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(ConnectError::Sandbox(e)),
        Err(e) => {
            tracing::warn!(error = %e, "the embedded sandbox runs without keeping its world");
            sim::start(SimConfig::default())
                .await
                .map_err(ConnectError::Sandbox)
        }
    }
}

/// Builds the clients; starts the embedded sandbox when the backend is `Sandbox`.
/// `observer` receives a record of every HTTP call (the TUI's log pane).
pub async fn connect(
    settings: &Settings,
    observer: Option<UnboundedSender<CallRecord>>,
) -> Result<Connection, ConnectError> {
    // Template migration pages may take up to 30 s at Meta: the default total timeout
    // (60 s) leaves room for them.
    let mut transport = Transport::configured(settings.transport.clone())?;
    if let Some(observer) = observer {
        transport = transport.with_observer(observer);
    }
    match &settings.backend {
        Backend::Sandbox => {
            let handle = start_embedded_sandbox(&settings.data_dir).await?;
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
                call_timeout: settings.transport.request_timeout,
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
                label: BackendLabel::live(settings, live),
                hub,
                sandbox: None,
                backend,
                call_timeout: settings.transport.request_timeout,
            })
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_embedded_sandbox_keeps_its_world_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().join("data"),
            ..crate::testkit::demo::settings()
        };
        // No data dir yet: nothing is kept (and nothing created).
        drop(connect(&settings, None).await.unwrap());
        assert!(!settings.data_dir.exists());
        std::fs::create_dir(&settings.data_dir).unwrap();
        let first = connect(&settings, None).await.unwrap();
        let world = first.sandbox.as_ref().unwrap().instance_id.clone();
        drop(first);
        assert!(settings.data_dir.join(SANDBOX_STATE_FILE).is_file());
        let again = connect(&settings, None).await.unwrap();
        assert_eq!(again.sandbox.as_ref().unwrap().instance_id, world);
        // A data dir that cannot be written costs only the persistence.
        let unwritable = Settings {
            data_dir: dir.path().join("file-not-dir"),
            ..crate::testkit::demo::settings()
        };
        std::fs::write(&unwritable.data_dir, b"x").unwrap();
        assert!(connect(&unwritable, None).await.is_ok());
        // A world that cannot be read back is refused with its sentence.
        std::fs::write(settings.data_dir.join(SANDBOX_STATE_FILE), b"{").unwrap();
        let refused = connect(&settings, None).await.err().unwrap().to_string();
        assert!(
            refused.contains("could not load its saved world") && refused.contains("--reset"),
            "{refused}"
        );
    }
}
