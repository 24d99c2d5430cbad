//! The sandbox: a real HTTP server on 127.0.0.1 that speaks the subset of the Meta
//! Graph API and the 360dialog Partner API wamigrate uses, over a seeded, realistic
//! portfolio (`assets/sandbox/`). It is the app's default backend without credentials,
//! and what the API tests and benchmarks run against: latency, faults, rate limits and
//! dropped connections are knobs.
//!
//! All state sits behind one mutex, never held across an await. Randomness is seeded;
//! only latency and the documented delayed re-checks (template category re-check,
//! partner change approval, ~2 s each, and Hub token age) use real time. Sandbox time
//! for OTP expiry and the 72 h register window moves only through `POST /_sandbox/clock`.

mod access;
mod batch;
mod control;
mod edges;
mod errors;
mod faults;
mod fields;
mod fleet;
mod graph;
mod hub;
mod migration;
mod persist;
mod portfolio;
mod select;
mod state;
mod template_create;
mod template_seed;
mod templates;
mod uploads;
mod wire;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::sim::access::Grants;
use crate::sim::faults::{BUSINESS_USAGE, Traffic, usage_header};
use crate::sim::portfolio::Portfolio;
use crate::sim::state::World;
use crate::sim::wire::{Api, Call, GraphError, Reply};

/// The 360dialog partner id of the seeded portfolio (the Hub answers 403 for any other).
pub const SANDBOX_PARTNER_ID: &str = "nB7x2LPA";
/// The seed used when none is given, so every default sandbox shows the same world.
pub const DEFAULT_SEED: u64 = 7;

pub use fields::node_type_names;
pub use uploads::SANDBOX_APP_ID;
/// Largest request body the sandbox reads.
const MAX_BODY_BYTES: usize = 1 << 20;

/// How the sandbox behaves. `Default` gives a fast, faultless sandbox over the seeded
/// portfolio with the documented sandbox credentials.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Delay added to every API request, `latency ± jitter`.
    pub latency: Duration,
    /// When the answer is worked out: after the latency (off: the sandbox's own work adds
    /// to it, the conservative model), or during it (on: the answer is sent `latency`
    /// after the request came, or when ready if later, as a remote API builds its answers
    /// on its own machines while the bytes travel). `bench status` prints both; on a
    /// machine of few cores, an in-process sandbox's work otherwise competes with the
    /// client it measures.
    pub latency_covers_work: bool,
    pub jitter: Duration,
    /// Share (0..=1) of API requests that get an injected fault: a 5xx Graph error, an
    /// HTML 502 page, or a dropped connection.
    pub error_rate: f64,
    /// Graph calls per `rate_window` per WABA; past it, code 80008.
    pub rate_limit_per_hour: Option<u32>,
    /// The sliding window of `rate_limit_per_hour` (an hour; tests shorten it).
    pub rate_window: Duration,
    /// Replace the seeded portfolio by a generated one with this many numbers.
    pub fleet: Option<usize>,
    /// Templates on the first WABA (fleet or seeded main source).
    pub templates: Option<usize>,
    pub seed: u64,
    /// The Graph bearer token the sandbox accepts.
    pub graph_token: String,
    /// The 360dialog `X-API-Key` the sandbox accepts.
    pub hub_api_key: String,
    /// Username and password for the Hub's `POST /api/v2/token`.
    pub hub_login: (String, String),
    /// Lifetime of Hub bearer tokens; they age in real time and with each advance of the
    /// sandbox clock, so the client's refresh-on-401 is testable either way.
    pub hub_token_ttl: Duration,
    /// Print one line per request to stdout (method, path without query, status, time).
    pub log_requests: bool,
    /// Fields this Graph version no longer has: `NAME` on every node type, or
    /// `TYPE.NAME` (e.g. `WhatsAppBusinessPhoneNumber.messaging_limit_tier`) on one.
    /// Asking for one answers "(#100) Tried accessing nonexisting field".
    pub drop_fields: Vec<String>,
    /// How `migrate_message_templates` writes `failed_templates` when nothing failed.
    pub empty_failed_templates: EmptyFailedTemplates,
    /// Answer Graph batch requests (`sim::batch`); off, a batch `POST` gets the 404 of a
    /// path Graph does not have, as from a server that takes no batches.
    pub batch_requests: bool,
    /// Keep the world in this file between runs (`sim::persist`): loaded at start when it
    /// exists, rewritten atomically after every call that may change the world.
    pub state_file: Option<PathBuf>,
    /// Start from a fresh world (new instance id) even when `state_file` holds one.
    pub reset_state: bool,
}

/// `failed_templates` when no template failed: Meta's template-migration page writes the
/// field in brackets in its syntax block and as a map in its table and example, so a
/// client must take both; the sandbox can send either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmptyFailedTemplates {
    /// `"failed_templates": []` (the syntax block's brackets).
    #[default]
    Array,
    /// `"failed_templates": {}` (the documented map, empty).
    Object,
}

impl std::str::FromStr for EmptyFailedTemplates {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "array" => Ok(EmptyFailedTemplates::Array),
            "object" => Ok(EmptyFailedTemplates::Object),
            other => Err(format!("{other:?} is neither array nor object")),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            latency: Duration::ZERO,
            latency_covers_work: false,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            rate_limit_per_hour: None,
            rate_window: Duration::from_secs(3600),
            fleet: None,
            templates: None,
            seed: DEFAULT_SEED,
            graph_token: "sandbox-token".to_string(),
            hub_api_key: "sandbox-hub-key".to_string(),
            hub_login: (
                "sandbox@example.com".to_string(),
                "sandbox-password".to_string(),
            ),
            hub_token_ttl: Duration::from_secs(86_400),
            log_requests: false,
            drop_fields: Vec::new(),
            empty_failed_templates: EmptyFailedTemplates::default(),
            batch_requests: true,
            state_file: None,
            reset_state: false,
        }
    }
}

/// A running sandbox. Dropping it stops the server; [`SimHandle::shutdown`] also waits
/// for it to finish.
pub struct SimHandle {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`: the base URL for both the Graph and the Hub client.
    pub base_url: String,
    /// Which world this sandbox serves (random per fresh world, kept with its state file);
    /// `GET /_sandbox/instance` answers the same, and a new one after `/_sandbox/reset`.
    pub instance_id: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Stops accepting, lets requests in flight finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds 127.0.0.1, builds the portfolio (or loads the world of `state_file`), spawns the
/// server task and returns at once. Fails on an `error_rate` outside 0..=1
/// (`InvalidInput`), a port in use, a state file that cannot be read back or was made by
/// other knobs (`InvalidData`, with the sentence to show), or one that cannot be written.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    if !(0.0..=1.0).contains(&config.error_rate) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("error rate {} is outside 0..=1", config.error_rate),
        ));
    }
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let seeded = Portfolio::build(config.seed, config.fleet, config.templates);
    let knobs = persist::Knobs {
        seed: config.seed,
        fleet: config.fleet,
        templates: config.templates,
    };
    let kept = match &config.state_file {
        Some(path) if !config.reset_state => persist::load(path, &knobs)?,
        _ => None,
    };
    let world = kept.unwrap_or_else(|| World::new(seeded.clone(), config.seed));
    if let Some(path) = &config.state_file {
        persist::save(path, &persist::encode(&knobs, &world)?)?;
    }
    let instance_id = world.instance_id.clone();
    let state = SimState {
        world,
        traffic: Traffic::new(config.seed),
    };
    let sim = Arc::new(Sim {
        config,
        base_url: base_url.clone(),
        seeded,
        state: Mutex::new(state),
        knobs,
        changes: AtomicU64::new(0),
        saved_change: Mutex::new(0),
    });
    let app = Router::new().fallback(serve).with_state(sim);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(error = %e, "sandbox server stopped");
        }
    });
    Ok(SimHandle {
        addr,
        base_url,
        instance_id,
        stop: Some(stop),
        task: Some(task),
    })
}

/// The server's shared state.
pub(crate) struct Sim {
    config: SimConfig,
    base_url: String,
    /// The portfolio as built at start, for `/_sandbox/reset`.
    seeded: Portfolio,
    state: Mutex<SimState>,
    /// What built the world, written with it.
    knobs: persist::Knobs,
    /// Numbers the encoded worlds so an older one never overwrites a newer one.
    changes: AtomicU64,
    /// The number of the world last written to `state_file`.
    saved_change: Mutex<u64>,
}

/// Everything behind the one mutex.
pub(crate) struct SimState {
    world: World,
    traffic: Traffic,
}

impl Sim {
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The world, encoded and numbered, when it is kept in a file and this call may have
    /// changed it (any API or control call but a read).
    fn snapshot(&self, state: &SimState, call: &Call) -> Option<(u64, Vec<u8>)> {
        self.config.state_file.as_ref()?;
        if call.method == axum::http::Method::GET || call.api == Api::Unknown {
            return None;
        }
        let change = self.changes.fetch_add(1, Ordering::SeqCst) + 1;
        match persist::encode(&self.knobs, &state.world) {
            Ok(bytes) => Some((change, bytes)),
            Err(e) => {
                tracing::warn!(error = %e, "sandbox world could not be encoded");
                None
            }
        }
    }

    /// Writes a snapshot unless a newer one was written already.
    fn keep(&self, change: u64, bytes: &[u8]) {
        let Some(path) = &self.config.state_file else {
            return;
        };
        let mut saved = self
            .saved_change
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if change <= *saved {
            return;
        }
        match persist::save(path, bytes) {
            Ok(()) => *saved = change,
            Err(e) => tracing::warn!(error = %e, path = %path.display(), "sandbox world not saved"),
        }
    }

    /// The answer to a call that got no injected fault.
    fn answer(&self, state: &mut SimState, call: &Call, now: Instant) -> Reply {
        match call.api {
            Api::Control => control::handle(self, state, call),
            Api::Hub => match hub::handle(&self.config, &mut state.world, call, now) {
                Ok(body) => Reply::ok(body),
                Err(e) => e.into_reply(),
            },
            Api::Graph => self.graph(state, call, now),
            Api::Unknown => graph::no_such_path(call).into_reply(state.traffic.fbtrace_id()),
        }
    }

    /// Graph auth, then a batch (`sim::batch`) or one operation.
    fn graph(&self, state: &mut SimState, call: &Call, now: Instant) -> Reply {
        let grants = match self.grants(&state.world, call) {
            Ok(grants) => grants,
            Err(invalid) => return invalid.into_reply(state.traffic.fbtrace_id()),
        };
        if call.bad_body && !uploads::is_upload(call) {
            return GraphError::invalid_param("The request body is neither JSON nor form-encoded.")
                .into_reply(state.traffic.fbtrace_id());
        }
        if self.config.batch_requests && batch::is_batch(call) {
            return batch::run(self, state, &grants, call, now);
        }
        self.operation(state, &grants, call, now)
    }

    /// The grants of the call's token (`Authorization: Bearer`/`OAuth`, else the
    /// `access_token` parameter), or Graph's 190 for a missing or unknown one.
    fn grants(&self, world: &World, call: &Call) -> Result<Grants, GraphError> {
        let bearer = call
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("OAuth "))
            });
        let token = bearer
            .map(String::from)
            .or_else(|| call.param("access_token"));
        token
            .as_deref()
            .and_then(|t| Grants::resolve(t, &self.config.graph_token, &world.portfolio))
            .ok_or_else(|| {
                GraphError::new(
                    190,
                    "Invalid OAuth access token - Cannot parse access token",
                )
                .with_status(StatusCode::UNAUTHORIZED)
            })
    }

    /// One Graph operation with its grants: the per-WABA rate limit, then the handler;
    /// the usage header goes on every answer while rate limiting is on.
    fn operation(&self, state: &mut SimState, grants: &Grants, call: &Call, now: Instant) -> Reply {
        let SimState { world, traffic } = state;
        // The WABA the call is counted against, and its business (for the usage header).
        let limited = call
            .segments
            .first()
            .and_then(|id| world.portfolio.rate_limited_waba(id))
            .map(|waba| (waba.node.id.clone(), waba.owner().to_string()));
        let usage = match (self.config.rate_limit_per_hour, &limited) {
            (Some(limit), Some((waba, business))) => {
                match traffic.admit(waba, business, limit, self.config.rate_window, now) {
                    Ok(percent) => Some(percent),
                    Err(refused) => return refused.into_reply(traffic.fbtrace_id()),
                }
            }
            _ => None,
        };
        let reply = match graph::handle(&self.config, &self.base_url, world, grants, call, now) {
            Ok(graph::Answer::Value(body)) => Reply::ok(body),
            Ok(graph::Answer::Written(bytes)) => Reply::written(bytes),
            Err(e) => e
                .for_version(call.version.as_deref())
                .into_reply(traffic.fbtrace_id()),
        };
        // Template creations also report the share of Meta's hourly creation cap used.
        let creating = call.method == axum::http::Method::POST
            && call.segs().get(1) == Some(&"message_templates");
        let usage = match (&limited, creating) {
            (Some((waba, _)), true) => Some(usage.unwrap_or(0).max(world.creations.percent(
                waba,
                self.config.rate_window,
                now,
            ))),
            _ => usage,
        };
        match (usage, limited) {
            (Some(percent), Some((_, business))) => {
                reply.with_header(BUSINESS_USAGE, usage_header(&business, percent, 0))
            }
            _ => reply,
        }
    }
}

/// The one handler: count, delay, maybe fault, answer, log.
async fn serve(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let call = Call::parse(
        parts.method,
        parts.uri.path(),
        parts.uri.query(),
        parts.headers,
        &body,
    );
    // A request that arrived is carried out even if its client goes away meanwhile
    // (as a real server does): the work runs on its own task, which a closed connection
    // does not cancel; only the wait for its answer is dropped.
    let work = tokio::spawn(carry_out(sim.clone(), call));
    let Ok((call, reply, stall)) = work.await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if stall {
        tokio::time::sleep(faults::STALL).await;
    }
    if sim.config.log_requests {
        // Method, path (never the query: it may carry a token) and status only.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{} {} {} {}ms",
            call.method,
            call.path,
            reply.status_label(),
            started.elapsed().as_millis()
        );
        let _ = out.flush();
    }
    reply.into_response()
}

/// Counts, delays, maybe faults, answers and keeps the world: everything a request
/// does to the sandbox. Returns the reply and whether it is to stall before it is sent.
async fn carry_out(sim: Arc<Sim>, call: Call) -> (Call, Reply, bool) {
    let (delay, fault) = {
        let mut state = sim.lock();
        state.traffic.record(&call);
        match call.api {
            Api::Graph | Api::Hub => (
                state.traffic.latency(&sim.config),
                state.traffic.fault_for(&call, sim.config.error_rate),
            ),
            Api::Control | Api::Unknown => (Duration::ZERO, None),
        }
    };
    let came = Instant::now();
    if !delay.is_zero() && !sim.config.latency_covers_work {
        tokio::time::sleep(delay).await;
    }
    let applies = fault.is_none_or(faults::FaultKind::applies);
    // The answer is worked out on a blocking thread: a call waiting for the lock, or
    // building a large answer, never holds up the server's async workers, which go on
    // sending the answers already made (as Graph answers calls concurrently). The body
    // is written out after the lock is let go.
    let worker = sim.clone();
    let answered = tokio::task::spawn_blocking(move || {
        let sim = worker;
        let (reply, snapshot) = {
            let mut state = sim.lock();
            let answer = applies.then(|| sim.answer(&mut state, &call, Instant::now()));
            if let Some(answer) = &answer {
                state.traffic.record_applied(&call, answer.status);
            }
            let reply = match (fault, answer) {
                (Some(kind), _) => faults::fault_reply(kind, call.api, &mut state.traffic),
                (None, Some(answer)) => answer,
                (None, None) => {
                    Reply::json(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({}))
                }
            };
            let snapshot = applies.then(|| sim.snapshot(&state, &call)).flatten();
            (reply, snapshot)
        };
        (call, reply.encode(), snapshot)
    })
    .await;
    // A panic while answering fails this request's task, which `serve` answers 500.
    let (call, reply, snapshot) = match answered {
        Ok(answered) => answered,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => std::panic::resume_unwind(Box::new(e.to_string())),
        },
    };
    if let Some((change, bytes)) = snapshot {
        let keeper = sim.clone();
        let _ = tokio::task::spawn_blocking(move || keeper.keep(change, &bytes)).await;
    }
    if sim.config.latency_covers_work {
        tokio::time::sleep(delay.saturating_sub(came.elapsed())).await;
    }
    let stall = fault == Some(faults::FaultKind::ApplyThenStall);
    (call, reply, stall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partner_id_constant_matches_the_seed_file() {
        assert_eq!(
            Portfolio::build(DEFAULT_SEED, None, None).hub.partner_id,
            SANDBOX_PARTNER_ID
        );
    }

    #[tokio::test]
    async fn an_answer_worked_out_during_the_latency_still_waits_for_it() {
        // A lower bound only: the answer may come later on a loaded machine, never
        // before the latency has passed.
        let latency = Duration::from_millis(150);
        let sandbox = start(SimConfig {
            latency,
            latency_covers_work: true,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let transport =
            crate::api::Transport::new(Duration::from_secs(10), crate::api::RetryPolicy::default())
                .unwrap();
        let graph = crate::api::GraphClient::new(
            transport,
            &sandbox.base_url,
            "v25.0",
            secrecy::SecretString::from(SimConfig::default().graph_token),
        )
        .unwrap();
        let started = Instant::now();
        graph.waba("104996122399160").await.unwrap();
        assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn start_refuses_an_error_rate_outside_zero_to_one() {
        for rate in [-0.1, 1.5, f64::NAN] {
            let err = start(SimConfig {
                error_rate: rate,
                ..SimConfig::default()
            })
            .await
            .err()
            .unwrap();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        }
    }
}
