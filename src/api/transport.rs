//! The HTTP plumbing both clients share: two reqwest clients (reads follow same-origin
//! redirects, writes none; neither sends `Referer`), bounded answers (size, total time,
//! stall), retries with backoff for idempotent reads only, rate-limit headers, the calls
//! in flight (for "still waiting" notices), and a record of every call for the log pane.
//! Nothing here sees a secret in clear: auth headers are added by the clients and never
//! logged, and only method + path (no query) are ever recorded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

use crate::api::body::{self, Body, BodyError, LargeBodyGate, human_bytes};
use crate::api::error::{ApiError, ErrorClass};
use crate::api::redirect;
use crate::api::usage::{RateUsage, UsageBook};

mod in_flight;
mod sample;
mod tls;
use in_flight::InFlight;

/// How hard to try before giving up on an idempotent read.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// First backoff of a transient failure; doubled each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest backoff between two attempts after a transient failure.
    pub max_delay: Duration,
    /// First backoff of a rate-limit error that names no wait (Graph 4 or 80008 without
    /// `Retry-After` or usage headers); doubled each attempt. Meta throttles for minutes,
    /// so this is seconds, not milliseconds.
    pub rate_limit_floor: Duration,
    /// Longest server-requested wait (Retry-After, regain time) we sit out by ourselves;
    /// past it the error goes to the operator with the wait in its sentence.
    pub max_honoured_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(8),
            rate_limit_floor: Duration::from_secs(5),
            max_honoured_wait: Duration::from_secs(60),
        }
    }
}

/// The bounds of every call: time, size, pages. Documented in README ("Limits").
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Longest one attempt may take, from connecting to the last byte of the body.
    pub request_timeout: Duration,
    /// Longest the server may send nothing (no header, no body byte) before we give up.
    pub stall_timeout: Duration,
    /// Longest a connection may take to open.
    pub connect_timeout: Duration,
    /// Largest answer body accepted; larger ones are dropped with a sentence.
    pub max_response_bytes: usize,
    /// Most pages one list read follows.
    pub max_pages: usize,
    /// How much the heap may grow while one answer is read before no more of it is
    /// read: answers of many reads together cannot exhaust memory, while the data
    /// wamigrate keeps (a fleet of 100,000 numbers) does not count against it.
    pub memory_budget_bytes: usize,
    /// Retries of reads.
    pub retry: RetryPolicy,
    /// Accept a plain `http` base URL to a host that is not loopback (the operator said
    /// `--allow-insecure-http`; every command warns).
    pub allow_insecure_http: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            request_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_response_bytes: 32 << 20,
            max_pages: 200,
            memory_budget_bytes: 120 << 20,
            retry: RetryPolicy::default(),
            allow_insecure_http: false,
        }
    }
}

/// One finished HTTP call, as the log pane and the top bar show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// `GET /v25.0/123/phone_numbers`: method and path only.
    pub endpoint: String,
    pub http_status: Option<u16>,
    pub latency: Duration,
    /// 1 for the first try.
    pub attempt: u32,
    /// The error class and sentence when the call failed.
    pub error: Option<(ErrorClass, String)>,
    pub usage: Option<RateUsage>,
    /// When the answer (or the failure) came.
    pub finished_at: std::time::SystemTime,
    /// Meta's support id of a failed call, from its error body (`fbtrace_id`: "include
    /// the fbtrace_id when reporting a bug",
    /// <https://developers.facebook.com/docs/graph-api/guides/error-handling>).
    pub fbtrace_id: Option<String>,
}

/// A successful answer: headers and body bytes.
pub struct Answer {
    pub headers: HeaderMap,
    pub body: Body,
}

/// Whether a call may be sent again by the transport on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read: retried on transient and rate-limit errors.
    Read,
    /// A write (add number, request/verify code, register, migrate templates, approve):
    /// sent exactly once; the caller decides what to do with a failure.
    Write,
}

/// Turns a non-success answer into a classified error (each API has its own body shape).
pub type Classifier = fn(&str, StatusCode, &HeaderMap, &[u8], Option<Duration>) -> ApiError;

/// What one call is: its endpoint for records, the object it is about (for rate-limit
/// rests), whether it may be retried, and how its errors read.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// `GET /v25.0/123/phone_numbers`: method and path only.
    pub endpoint: &'a str,
    /// The WABA or number the call reads or writes, when there is one.
    pub subject: Option<&'a str>,
    pub idempotency: Idempotency,
    pub classify: Classifier,
    pub long_strings: LongStrings,
}

/// What the transport does with an answer's JSON strings longer than
/// [`body::MAX_STRING_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongStrings {
    /// Cut them (`body::cut_long_strings`): no field of either API comes near.
    Cut,
    /// Keep them: a Graph batch answer, whose items' bodies are whole answers written as
    /// JSON strings (a page of 100 numbers is some 100 KB). The batch reader cuts each
    /// item's body once it is unescaped.
    Keep,
}

/// Items of a list the API sent that could not be read (no id, wrong type): the list
/// shown is incomplete by that many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableItems {
    /// `GET /v25.0/104996/message_templates`.
    pub endpoint: String,
    pub count: usize,
}

/// How long a call waits before the commands and the TUI say so: shorter waits are
/// ordinary, longer ones deserve the endpoint and the seconds.
pub const WAIT_WORTH_SHOWING: Duration = Duration::from_secs(3);

/// A call still waiting for its answer, for "still waiting" notices and spinners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub endpoint: String,
    pub elapsed: Duration,
}

/// The shared HTTP clients with limits, retry policy and call observer.
#[derive(Clone)]
pub struct Transport {
    reads: reqwest::Client,
    writes: reqwest::Client,
    config: Arc<TransportConfig>,
    observer: Option<UnboundedSender<CallRecord>>,
    usage: Arc<Mutex<UsageBook>>,
    /// Bounds requests in flight across every caller sharing this transport.
    permits: Arc<Semaphore>,
    /// The bound of `permits`, for callers that plan their rounds by it.
    concurrency: usize,
    gate: LargeBodyGate,
    in_flight: Arc<InFlight>,
    unreadable: Arc<Mutex<Vec<UnreadableItems>>>,
    /// Why no root certificate could be loaded, when none could (every https call is
    /// then refused, with this reason in its sentence).
    roots_missing: Option<Arc<str>>,
}

/// Requests in flight at once unless the caller says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

impl Transport {
    /// A transport with the default limits and the given total timeout and retries.
    pub fn new(timeout: Duration, retry: RetryPolicy) -> Result<Self, ApiError> {
        Self::configured(TransportConfig {
            request_timeout: timeout,
            retry,
            ..TransportConfig::default()
        })
    }

    /// A transport with explicit limits, trusting the platform's root certificates.
    pub fn configured(config: TransportConfig) -> Result<Self, ApiError> {
        install_crypto_provider();
        Self::with_tls(config, tls::platform_config())
    }

    /// A transport whose clients share one TLS configuration. Without one (no root
    /// certificate could be loaded) the clients trust no certificate: the sandbox on
    /// loopback still works, and an https call says why it cannot.
    fn with_tls(
        config: TransportConfig,
        tls: Result<rustls::ClientConfig, String>,
    ) -> Result<Self, ApiError> {
        let set_up_failed = || {
            ApiError::new(
                ErrorClass::Network,
                "-",
                "Could not set up the HTTP client (TLS): this is a bug; please report it.",
            )
        };
        let (tls, roots_missing) = match tls {
            Ok(tls) => (tls, None),
            Err(why) => (
                tls::trusting_nothing().ok_or_else(set_up_failed)?,
                Some(Arc::from(why)),
            ),
        };
        let build = |policy| {
            reqwest::Client::builder()
                .timeout(config.request_timeout)
                .read_timeout(config.stall_timeout)
                .connect_timeout(config.connect_timeout)
                .redirect(policy)
                .referer(false)
                .user_agent(concat!("wamigrate/", env!("CARGO_PKG_VERSION")))
                .tls_backend_preconfigured(tls.clone())
                .build()
                .map_err(|_| set_up_failed())
        };
        Ok(Transport {
            reads: build(redirect::read_policy())?,
            writes: build(redirect::write_policy())?,
            config: Arc::new(config),
            observer: None,
            usage: Arc::default(),
            permits: Arc::new(Semaphore::new(DEFAULT_CONCURRENCY)),
            concurrency: DEFAULT_CONCURRENCY,
            gate: LargeBodyGate::new(),
            in_flight: Arc::default(),
            unreadable: Arc::default(),
            roots_missing,
        })
    }

    /// Bounds the requests in flight at once (at least 1).
    pub fn with_concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self.permits = Arc::new(Semaphore::new(self.concurrency));
        self
    }

    /// Requests in flight at once: a caller sends about this many independent calls
    /// per round trip.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Sends every finished call to `observer` (the log pane, tests).
    pub fn with_observer(mut self, observer: UnboundedSender<CallRecord>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// A client to build requests with; [`Transport::send`] picks the one that sends
    /// them (reads and writes differ in their redirect policy).
    pub fn http(&self) -> &reqwest::Client {
        &self.writes
    }

    /// The limits this transport enforces.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// The most recent rate-limit usage any answer reported.
    pub fn last_usage(&self) -> Option<RateUsage> {
        self.usage_book().last
    }

    /// How much longer `subject` (a WABA id) must not be read: Meta reported its usage
    /// (or the app's) at 100 % and the regain time has not passed.
    pub fn rest_left(&self, subject: &str) -> Option<Duration> {
        self.usage_book().rest_left(subject, Instant::now())
    }

    /// Takes in the usage headers (and a rate-limit refusal) of one operation of a batch
    /// about `subject`: each operation counts toward Meta's limits on its own, so it
    /// paces and rests its WABA as a call of its own would.
    pub fn note_operation(&self, subject: &str, headers: &HeaderMap, error: Option<&ApiError>) {
        let now = Instant::now();
        let mut book = self.usage_book();
        book.record(Some(subject), headers, now);
        if let Some(error) = error.filter(|e| e.class == ErrorClass::RateLimited) {
            let wait = error
                .retry_after
                .unwrap_or(self.config.retry.max_honoured_wait);
            book.throttled(Some(subject), wait, now);
        }
    }

    /// The call that has waited longest for its answer, if any is in flight.
    pub fn longest_wait(&self) -> Option<Waiting> {
        self.in_flight.longest()
    }

    /// Counts `count` items of a list read from `endpoint` that could not be read.
    pub fn note_unreadable(&self, endpoint: &str, count: usize) {
        if count == 0 {
            return;
        }
        tracing::warn!(endpoint, count, "items the API sent could not be read");
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(UnreadableItems {
                endpoint: endpoint.to_string(),
                count,
            });
    }

    /// Every list read so far that had items it could not read; a command whose output
    /// rests on them says so and exits 1.
    pub fn unreadable_items(&self) -> Vec<UnreadableItems> {
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn usage_book(&self) -> std::sync::MutexGuard<'_, UsageBook> {
        self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request built by `build` (called again for each attempt), returning the
    /// body of a 2xx answer or a classified error.
    pub async fn send(
        &self,
        call: Call<'_>,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Answer, ApiError> {
        let first_try = Instant::now();
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.attempt(call, build()).await;
            let latency = started.elapsed();
            let (status, usage) = match &result {
                Ok((status, answer)) => (Some(*status), RateUsage::from_headers(&answer.headers)),
                Err((err, usage)) => (err.http_status, *usage),
            };
            self.record(call, attempt, status, latency, usage, result.as_ref().err());
            match result {
                Ok((_, answer)) => return Ok(answer),
                Err((mut err, _)) => {
                    let Some(wait) = self.retry_wait(call.idempotency, &err, attempt) else {
                        if err.class == ErrorClass::RateLimited {
                            self.usage_book().throttled(
                                call.subject,
                                err.retry_after
                                    .unwrap_or(self.config.retry.max_honoured_wait),
                                Instant::now(),
                            );
                            if attempt > 1 {
                                err.sentence.push_str(&format!(
                                    " wamigrate tried {attempt} times over {} s and stopped.",
                                    first_try.elapsed().as_secs()
                                ));
                            }
                        }
                        return Err(err);
                    };
                    tracing::info!(
                        endpoint = call.endpoint,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        class = err.class.label(),
                        "retrying read"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    fn record(
        &self,
        call: Call<'_>,
        attempt: u32,
        status: Option<u16>,
        latency: Duration,
        usage: Option<RateUsage>,
        error: Option<&(ApiError, Option<RateUsage>)>,
    ) {
        let record = CallRecord {
            endpoint: call.endpoint.to_string(),
            http_status: status,
            latency,
            attempt,
            error: error.map(|(e, _)| (e.class, e.sentence.clone())),
            usage,
            finished_at: std::time::SystemTime::now(),
            fbtrace_id: error.and_then(|(e, _)| e.fbtrace_id.clone()),
        };
        tracing::debug!(
            endpoint = call.endpoint,
            status = status.unwrap_or(0),
            latency_ms = latency.as_millis() as u64,
            attempt,
            error = record.error.as_ref().map(|(c, _)| c.label()),
            "api call"
        );
        if let Some(observer) = &self.observer {
            let _ = observer.send(record);
        }
    }

    /// `None` when the call must not be repeated; else how long to wait first.
    fn retry_wait(
        &self,
        idempotency: Idempotency,
        err: &ApiError,
        attempt: u32,
    ) -> Option<Duration> {
        let retry = &self.config.retry;
        // A read that used its whole time budget is not tried again: a server that
        // trickles would otherwise hold the operator for several budgets in silence.
        if idempotency == Idempotency::Write
            || !err.retry_can_help()
            || err.timed_out
            || attempt >= retry.max_attempts
        {
            return None;
        }
        if let Some(wait) = err.retry_after {
            return (wait <= retry.max_honoured_wait).then_some(wait);
        }
        let doubling = 1u32 << (attempt - 1).min(16);
        if err.class == ErrorClass::RateLimited {
            // No wait named: exponential from a floor of seconds, a little jitter on top
            // so many readers do not return at the same instant.
            let wait = retry.rate_limit_floor.saturating_mul(doubling);
            return Some(
                wait.mul_f64(1.0 + fastrand::f64() / 4.0)
                    .min(retry.max_honoured_wait),
            );
        }
        let ceiling = retry
            .base_delay
            .saturating_mul(doubling)
            .min(retry.max_delay);
        // Full jitter: spread retries of many concurrent reads over the whole window.
        Some(
            ceiling
                .mul_f64(fastrand::f64())
                .max(Duration::from_millis(10)),
        )
    }

    async fn attempt(
        &self,
        call: Call<'_>,
        request: RequestBuilder,
    ) -> Result<(u16, Answer), (ApiError, Option<RateUsage>)> {
        let endpoint = call.endpoint;
        let request = request
            .build()
            .map_err(|e| (self.network_error(endpoint, &e, Duration::ZERO), None))?;
        let is_read = request.method() == Method::GET;
        let client = if is_read { &self.reads } else { &self.writes };
        // Held for the request only, not for backoff sleeps, so waiting retries do not
        // starve other calls. The semaphore is never closed.
        let _permit = self.permits.acquire().await.ok();
        let _waiting = self.in_flight.start(endpoint);
        let started = Instant::now();
        let response = client
            .execute(request)
            .await
            .map_err(|e| (self.network_error(endpoint, &e, started.elapsed()), None))?;
        let status = response.status();
        let headers = response.headers().clone();
        let usage = RateUsage::from_headers(&headers);
        self.usage_book()
            .record(call.subject, &headers, Instant::now());
        if status.is_redirection() {
            let refused = redirect::refused(endpoint, status, response.url(), &headers, !is_read);
            return Err((refused, usage));
        }
        let cap = self.config.max_response_bytes;
        let budget = self.config.memory_budget_bytes;
        let body = match body::read_capped(response, cap, budget, &self.gate, call.long_strings)
            .await
        {
            Ok(body) => body,
            Err(BodyError::TooLarge { received }) => {
                return Err((too_large(endpoint, cap, received), usage));
            }
            Err(BodyError::OverBudget { grown }) => {
                let sentence = format!(
                    "wamigrate stopped reading this answer: memory grew by {} while it arrived (max_memory_mb {}); the server sends far more than the API does, so check the base URL, or read fewer WABAs at once.",
                    human_bytes(grown),
                    budget >> 20
                );
                let error = ApiError::new(ErrorClass::UnexpectedBody, endpoint, sentence);
                return Err((error, usage));
            }
            Err(BodyError::Transport(e)) => {
                return Err((self.network_error(endpoint, &e, started.elapsed()), usage));
            }
        };
        if status.is_success() {
            return Ok((status.as_u16(), Answer { headers, body }));
        }
        let retry_after = retry_after(&headers, usage);
        Err((
            (call.classify)(endpoint, status, &headers, &body.bytes, retry_after),
            usage,
        ))
    }

    /// A sentence for a call that got no (whole) answer. Never uses reqwest's Display,
    /// which includes the URL and so, for some calls, a query with a secret.
    fn network_error(&self, endpoint: &str, err: &reqwest::Error, elapsed: Duration) -> ApiError {
        let config = &self.config;
        let total = config.request_timeout.as_secs_f64();
        let sentence = if err.is_timeout() && elapsed.as_secs_f64() + 0.05 >= total {
            format!(
                "The API did not finish answering within {} (request_timeout_secs): it is slow or sends its answer a trickle at a time; for a write, check the state before sending it again.",
                seconds(config.request_timeout)
            )
        } else if err.is_timeout() {
            format!(
                "The API sent nothing for {} (stall_timeout_secs): it may be overloaded or the connection hung; for a write, check the state before sending it again.",
                seconds(config.stall_timeout)
            )
        } else if let Some(refused) = tls::refusal(err, self.roots_missing.as_deref()) {
            refused
        } else if err.is_connect() {
            "Could not connect to the API: check the base URL, your network and any proxy, then retry.".to_string()
        } else if err.is_builder() {
            "The request could not be built: check the base URL in your profile (it must look like https://host).".to_string()
        } else if err.is_decode() || err.is_body() {
            "The connection dropped while the answer was arriving: reads are retried; for a write, check the state before sending it again.".to_string()
        } else {
            "The connection dropped before an answer arrived: reads are retried; for a write, check the state before sending it again.".to_string()
        };
        let mut error = ApiError::new(ErrorClass::Network, endpoint, sentence);
        error.timed_out = err.is_timeout();
        error
    }
}

/// `2 s`, `0.5 s`, `60 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

fn too_large(endpoint: &str, cap: usize, received: usize) -> ApiError {
    let got = if received > cap {
        format!("{} arrived", human_bytes(received))
    } else {
        "its announced length".to_string()
    };
    ApiError::new(
        ErrorClass::UnexpectedBody,
        endpoint,
        format!(
            "The answer was larger than the {} limit ({got}) and was dropped: the API never sends that much, so check the base URL; raise max_response_mb in the profile only if you trust the server.",
            human_bytes(cap)
        ),
    )
}

/// The wait the server asked for: `Retry-After` seconds, else Meta's regain estimate.
pub(crate) fn retry_after(headers: &HeaderMap, usage: Option<RateUsage>) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .or(usage.and_then(|u| u.regain_after))
}

/// rustls needs a process-wide crypto provider; we use ring (no C toolchain surprises).
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_never_retried_and_reads_only_for_transient_classes() {
        let t = Transport::new(Duration::from_secs(1), RetryPolicy::default()).unwrap();
        let transient = ApiError::new(ErrorClass::Transient, "x", "s");
        let auth = ApiError::new(ErrorClass::Auth, "x", "s");
        assert!(t.retry_wait(Idempotency::Write, &transient, 1).is_none());
        assert!(t.retry_wait(Idempotency::Read, &auth, 1).is_none());
        assert!(t.retry_wait(Idempotency::Read, &transient, 1).is_some());
        assert!(t.retry_wait(Idempotency::Read, &transient, 4).is_none());
        let mut long = ApiError::new(ErrorClass::RateLimited, "x", "s");
        long.retry_after = Some(Duration::from_secs(3600));
        assert!(t.retry_wait(Idempotency::Read, &long, 1).is_none());
        let mut slow = ApiError::new(ErrorClass::Network, "x", "s");
        slow.timed_out = true;
        assert!(t.retry_wait(Idempotency::Read, &slow, 1).is_none());
    }

    #[test]
    fn a_rate_limit_without_a_wait_backs_off_from_seconds_and_doubles() {
        let t = Transport::new(Duration::from_secs(1), RetryPolicy::default()).unwrap();
        let throttled = ApiError::new(ErrorClass::RateLimited, "x", "s");
        let waits: Vec<Duration> = (1..4)
            .map(|attempt| {
                t.retry_wait(Idempotency::Read, &throttled, attempt)
                    .unwrap()
            })
            .collect();
        let floor = RetryPolicy::default().rate_limit_floor;
        for (i, wait) in waits.iter().enumerate() {
            let base = floor * (1 << i);
            assert!(*wait >= base && *wait <= base.mul_f64(1.25), "{waits:?}");
        }
        assert!(t.retry_wait(Idempotency::Read, &throttled, 4).is_none());
    }
}
