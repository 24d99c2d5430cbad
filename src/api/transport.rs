//! The HTTP plumbing both clients share: one reqwest client, timing, retries with
//! backoff for idempotent reads only, rate-limit headers, and a record of every call for
//! the log pane. Nothing here sees a secret in clear: auth headers are added by the
//! clients and never logged, and only method + path (no query) are ever recorded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

use crate::api::error::{ApiError, ErrorClass};

/// How hard to try before giving up on an idempotent read.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// First backoff; doubled each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
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
            max_honoured_wait: Duration::from_secs(60),
        }
    }
}

/// Rate-limit usage reported by Meta in `X-App-Usage` / `X-Business-Use-Case-Usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RateUsage {
    /// The highest of the reported percentages (call count, CPU time, total time).
    pub percent: u8,
    /// `estimated_time_to_regain_access`, when throttled.
    pub regain_after: Option<Duration>,
}

impl RateUsage {
    /// Reads both usage headers; `None` when neither is present or parseable.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateUsage> {
        let mut usage: Option<RateUsage> = None;
        for name in ["x-app-usage", "x-business-use-case-usage"] {
            let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(value) else {
                continue;
            };
            let mut entries = Vec::new();
            collect_usage_objects(&json, &mut entries);
            for entry in entries {
                let current = usage.get_or_insert_with(RateUsage::default);
                for key in ["call_count", "total_cputime", "total_time"] {
                    if let Some(p) = entry.get(key).and_then(serde_json::Value::as_u64) {
                        current.percent = current.percent.max(p.min(100) as u8);
                    }
                }
                if let Some(minutes) = entry
                    .get("estimated_time_to_regain_access")
                    .and_then(serde_json::Value::as_u64)
                    .filter(|m| *m > 0)
                {
                    let wait = Duration::from_secs(minutes * 60);
                    current.regain_after = Some(current.regain_after.map_or(wait, |w| w.max(wait)));
                }
            }
        }
        usage
    }
}

/// How long a refresh (the fleet board, `status --watch`) waits between request batches
/// at a given usage: nothing below 60 %, then longer as the limit nears, and at least the
/// server's regain time when it gave one. Meta throttles a whole WABA for minutes once
/// the limit is hit, so slowing down before it costs less than waiting after it.
pub fn pacing(usage: Option<RateUsage>) -> Duration {
    let Some(usage) = usage else {
        return Duration::ZERO;
    };
    let by_percent = match usage.percent {
        0..60 => Duration::ZERO,
        60..80 => Duration::from_secs(2),
        80..95 => Duration::from_secs(10),
        _ => Duration::from_secs(60),
    };
    by_percent.max(usage.regain_after.unwrap_or_default())
}

/// Usage objects sit at the top (`X-App-Usage`) or in arrays keyed by business id.
fn collect_usage_objects<'a>(
    json: &'a serde_json::Value,
    out: &mut Vec<&'a serde_json::Map<String, serde_json::Value>>,
) {
    match json {
        serde_json::Value::Object(map) if map.contains_key("call_count") => out.push(map),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_usage_objects(v, out)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_usage_objects(v, out)),
        _ => {}
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
}

/// A successful answer: status, headers and body bytes.
pub struct Answer {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
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

/// The shared HTTP client with retry policy and call observer.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    observer: Option<UnboundedSender<CallRecord>>,
    last_usage: Arc<Mutex<Option<RateUsage>>>,
    /// Bounds requests in flight across every caller sharing this transport.
    permits: Arc<Semaphore>,
}

/// Requests in flight at once unless the caller says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

impl Transport {
    /// A transport with timeouts suited to the Graph API (template migration may take 30 s).
    pub fn new(timeout: Duration, retry: RetryPolicy) -> Result<Self, ApiError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("wamigrate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| {
                ApiError::new(
                    ErrorClass::Network,
                    "-",
                    "Could not set up the HTTP client (TLS): this is a bug; please report it.",
                )
            })?;
        Ok(Transport {
            http,
            retry,
            observer: None,
            last_usage: Arc::default(),
            permits: Arc::new(Semaphore::new(DEFAULT_CONCURRENCY)),
        })
    }

    /// Bounds the requests in flight at once (at least 1).
    pub fn with_concurrency(mut self, limit: usize) -> Self {
        self.permits = Arc::new(Semaphore::new(limit.max(1)));
        self
    }

    /// Sends every finished call to `observer` (the log pane, tests).
    pub fn with_observer(mut self, observer: UnboundedSender<CallRecord>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The reqwest client, for building requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The most recent rate-limit usage any answer reported.
    pub fn last_usage(&self) -> Option<RateUsage> {
        *self.last_usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request built by `build` (called again for each attempt), returning the
    /// body of a 2xx answer or a classified error.
    pub async fn send(
        &self,
        endpoint: &str,
        idempotency: Idempotency,
        classify: Classifier,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Answer, ApiError> {
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.attempt(endpoint, classify, build()).await;
            let latency = started.elapsed();
            let (status, usage) = match &result {
                Ok((status, answer)) => (Some(*status), RateUsage::from_headers(&answer.headers)),
                Err((err, usage)) => (err.http_status, *usage),
            };
            if usage.is_some() {
                *self.last_usage.lock().unwrap_or_else(|p| p.into_inner()) = usage;
            }
            let record = CallRecord {
                endpoint: endpoint.to_string(),
                http_status: status,
                latency,
                attempt,
                error: result
                    .as_ref()
                    .err()
                    .map(|(e, _)| (e.class, e.sentence.clone())),
                usage,
            };
            tracing::debug!(
                endpoint,
                status = status.unwrap_or(0),
                latency_ms = latency.as_millis() as u64,
                attempt,
                error = record.error.as_ref().map(|(c, _)| c.label()),
                "api call"
            );
            if let Some(observer) = &self.observer {
                let _ = observer.send(record);
            }
            match result {
                Ok((_, answer)) => return Ok(answer),
                Err((err, _)) => {
                    let Some(wait) = self.retry_wait(idempotency, &err, attempt) else {
                        return Err(err);
                    };
                    tracing::info!(
                        endpoint,
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

    /// `None` when the call must not be repeated; else how long to wait first.
    fn retry_wait(
        &self,
        idempotency: Idempotency,
        err: &ApiError,
        attempt: u32,
    ) -> Option<Duration> {
        if idempotency == Idempotency::Write
            || !err.retry_can_help()
            || attempt >= self.retry.max_attempts
        {
            return None;
        }
        if let Some(wait) = err.retry_after {
            return (wait <= self.retry.max_honoured_wait).then_some(wait);
        }
        let ceiling = self
            .retry
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.retry.max_delay);
        // Full jitter: spread retries of many concurrent reads over the whole window.
        Some(
            ceiling
                .mul_f64(fastrand::f64())
                .max(Duration::from_millis(10)),
        )
    }

    async fn attempt(
        &self,
        endpoint: &str,
        classify: Classifier,
        request: RequestBuilder,
    ) -> Result<(u16, Answer), (ApiError, Option<RateUsage>)> {
        // Held for the request only, not for backoff sleeps, so waiting retries do not
        // starve other calls. The semaphore is never closed.
        let _permit = self.permits.acquire().await.ok();
        let response = request
            .send()
            .await
            .map_err(|e| (network_error(endpoint, &e), None))?;
        let status = response.status();
        let headers = response.headers().clone();
        let usage = RateUsage::from_headers(&headers);
        let body = response
            .bytes()
            .await
            .map_err(|e| (network_error(endpoint, &e), usage))?
            .to_vec();
        if status.is_success() {
            return Ok((status.as_u16(), Answer { headers, body }));
        }
        let retry_after = retry_after(&headers, usage);
        Err((
            classify(endpoint, status, &headers, &body, retry_after),
            usage,
        ))
    }
}

/// The wait the server asked for: `Retry-After` seconds, else Meta's regain estimate.
fn retry_after(headers: &HeaderMap, usage: Option<RateUsage>) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .or(usage.and_then(|u| u.regain_after))
}

/// A sentence for a call that got no answer. Never uses reqwest's Display, which
/// includes the URL and so, for some calls, a query with a secret.
fn network_error(endpoint: &str, err: &reqwest::Error) -> ApiError {
    let sentence = if err.is_timeout() {
        "The API did not answer in time: it may be slow or unreachable; reads are retried, for a write check the state before sending it again."
    } else if err.is_connect() {
        "Could not connect to the API: check the base URL, your network and any proxy, then retry."
    } else if err.is_builder() {
        "The request could not be built: check the base URL in your profile (it must look like https://host)."
    } else if err.is_decode() || err.is_body() {
        "The connection dropped while the answer was arriving: reads are retried; for a write, check the state before sending it again."
    } else {
        "The connection dropped before an answer arrived: reads are retried; for a write, check the state before sending it again."
    };
    let mut error = ApiError::new(ErrorClass::Network, endpoint, sentence);
    error.timed_out = err.is_timeout();
    error
}

/// rustls needs a process-wide crypto provider; we use ring (no C toolchain surprises).
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing_grows_with_usage_and_honours_the_regain_time() {
        let at = |percent, regain_after| {
            pacing(Some(RateUsage {
                percent,
                regain_after,
            }))
        };
        assert_eq!(pacing(None), Duration::ZERO);
        assert_eq!(at(59, None), Duration::ZERO);
        assert_eq!(at(60, None), Duration::from_secs(2));
        assert_eq!(at(80, None), Duration::from_secs(10));
        assert_eq!(at(95, None), Duration::from_secs(60));
        assert_eq!(
            at(100, Some(Duration::from_secs(300))),
            Duration::from_secs(300)
        );
        assert_eq!(at(10, Some(Duration::from_secs(5))), Duration::from_secs(5));
    }

    #[test]
    fn usage_headers_give_the_highest_percentage_and_the_regain_time() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-app-usage",
            r#"{"call_count":28,"total_time":25,"total_cputime":25}"#
                .parse()
                .unwrap(),
        );
        headers.insert(
            "x-business-use-case-usage",
            r#"{"506914":[{"type":"whatsapp_business_management","call_count":96,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":3}]}"#
                .parse()
                .unwrap(),
        );
        let usage = RateUsage::from_headers(&headers).unwrap();
        assert_eq!(usage.percent, 96);
        assert_eq!(usage.regain_after, Some(Duration::from_secs(180)));
        assert_eq!(
            retry_after(&headers, Some(usage)),
            Some(Duration::from_secs(180))
        );
    }

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
    }
}
