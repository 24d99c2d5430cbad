//! What happens to a request before a handler sees it: the stats every request counts
//! toward, latency with jitter, injected faults (queued by tests or drawn at the
//! configured error rate), and Meta-style per-WABA rate limiting.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::{HeaderName, StatusCode, header};
use fastrand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::sim::SimConfig;
use crate::sim::wire::{Api, Call, GraphError, HubError, Reply, ReplyBody};

/// Meta's rate-limit usage header (Graph API "Rate limiting", business use case).
pub(crate) const BUSINESS_USAGE: HeaderName = HeaderName::from_static("x-business-use-case-usage");

/// A fault a test can queue with `POST /_sandbox/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FaultKind {
    /// Headers, then the body stream fails: the client sees a dropped connection.
    Drop,
    /// HTTP 502 with a gateway's HTML page.
    Html,
    /// HTTP 500 with a plain-text body.
    Http500,
    /// HTTP 503 with an API error body marked transient (Graph code 2).
    GraphTransient,
    /// Graph 80008 with `Retry-After: 1`.
    RateLimit,
    /// The call is carried out, then the connection drops before the answer: the
    /// client cannot know that it took effect (a write must be read back).
    ApplyThenDrop,
    /// The call is carried out, then the answer stalls past any client's timeout.
    ApplyThenStall,
}

impl FaultKind {
    /// Whether the call is carried out before the fault strikes.
    pub(crate) fn applies(self) -> bool {
        matches!(self, FaultKind::ApplyThenDrop | FaultKind::ApplyThenStall)
    }
}

/// How long an `apply_then_stall` answer is held back: past any client timeout the
/// tests set, short enough that the sandbox's connections do not pile up.
pub(crate) const STALL: Duration = Duration::from_secs(30);

/// A queued fault: the next `times` requests whose path contains `path_contains` (and
/// whose method matches, when given) get `kind`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct QueuedFault {
    path_contains: String,
    #[serde(default)]
    method: Option<String>,
    kind: FaultKind,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

/// Request counts, as `GET /_sandbox/stats` shows them: `by_route` and `by_path`
/// count arrivals, `applied` the writes that took effect (by route), whether or not
/// their answer reached the client.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Stats {
    total: u64,
    by_route: BTreeMap<String, u64>,
    by_path: BTreeMap<String, u64>,
    applied: BTreeMap<String, u64>,
}

/// Per-request bookkeeping that is not part of the API's world.
pub(crate) struct Traffic {
    pub stats: Stats,
    faults: Vec<QueuedFault>,
    windows: HashMap<String, VecDeque<Instant>>,
    rng: Rng,
}

impl Traffic {
    pub fn new(seed: u64) -> Traffic {
        Traffic {
            stats: Stats::default(),
            faults: Vec::new(),
            windows: HashMap::new(),
            rng: Rng::with_seed(seed),
        }
    }

    /// Forgets counts, queued faults and rate windows (`POST /_sandbox/reset`).
    pub fn reset(&mut self) {
        self.stats = Stats::default();
        self.faults.clear();
        self.windows.clear();
    }

    /// Counts a request, whatever becomes of it.
    pub fn record(&mut self, call: &Call) {
        self.stats.total += 1;
        *self.stats.by_route.entry(call.route()).or_default() += 1;
        *self.stats.by_path.entry(call.concrete()).or_default() += 1;
    }

    /// Counts a write that took effect (a 2xx answer to a call that is not a read).
    pub fn record_applied(&mut self, call: &Call, status: StatusCode) {
        let write = !matches!(
            call.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        );
        if write && status.is_success() && matches!(call.api, Api::Graph | Api::Hub) {
            *self.stats.applied.entry(call.route()).or_default() += 1;
        }
    }

    pub fn queue(&mut self, fault: QueuedFault) -> usize {
        self.faults.push(fault);
        self.faults.len()
    }

    /// `latency ± jitter`, never negative.
    pub fn latency(&mut self, config: &SimConfig) -> Duration {
        let jitter = config.jitter.as_secs_f64();
        let offset = if jitter > 0.0 {
            (self.rng.f64() * 2.0 - 1.0) * jitter
        } else {
            0.0
        };
        Duration::from_secs_f64((config.latency.as_secs_f64() + offset).max(0.0))
    }

    /// The fault this request gets: a queued one first, else one drawn at `error_rate`.
    pub fn fault_for(&mut self, call: &Call, error_rate: f64) -> Option<FaultKind> {
        let queued = self.faults.iter().position(|f| {
            call.path.contains(&f.path_contains)
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(call.method.as_str()))
        });
        if let Some(index) = queued {
            let fault = &mut self.faults[index];
            fault.times = fault.times.saturating_sub(1);
            let kind = fault.kind;
            if fault.times == 0 {
                self.faults.remove(index);
            }
            return Some(kind);
        }
        (error_rate > 0.0 && self.rng.f64() < error_rate).then(|| {
            [FaultKind::GraphTransient, FaultKind::Html, FaultKind::Drop][self.rng.usize(..3)]
        })
    }

    /// A random-looking `fbtrace_id`, like Meta's 27-character ones.
    pub fn fbtrace_id(&mut self) -> String {
        (0..27).map(|_| self.rng.alphanumeric()).collect()
    }

    /// Counts a call against `waba`'s sliding window. Past `limit` calls in `window`,
    /// answers Graph code 80008 with `Retry-After` (seconds until a slot frees) and the
    /// usage header; else returns the share of the limit used (percent) for the usage
    /// header of the normal answer.
    pub fn admit(
        &mut self,
        waba: &str,
        business: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Result<u64, GraphError> {
        let calls = self.windows.entry(waba.to_string()).or_default();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            calls.pop_front();
        }
        if calls.len() >= limit as usize {
            let wait = calls.front().map_or(window, |oldest| {
                window.saturating_sub(now.duration_since(*oldest))
            });
            let secs = (wait.as_secs_f64().ceil() as u64).max(1);
            return Err(GraphError::new(
                80_008,
                "(#80008) There have been too many calls to this WhatsApp Business account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            )
            .with_header(header::RETRY_AFTER, secs.to_string())
            .with_header(BUSINESS_USAGE, usage_header(business, 100, secs.div_ceil(60))));
        }
        calls.push_back(now);
        Ok((calls.len() * 100 / (limit.max(1) as usize)).min(100) as u64)
    }
}

/// `X-Business-Use-Case-Usage` for one business.
pub(crate) fn usage_header(business: &str, percent: u64, regain_minutes: u64) -> String {
    json!({ business: [{
        "type": "whatsapp_business_management",
        "call_count": percent,
        "total_cputime": percent / 4,
        "total_time": percent / 3,
        "estimated_time_to_regain_access": regain_minutes,
    }]})
    .to_string()
}

/// The reply for an injected fault, shaped for the API the request was for.
pub(crate) fn fault_reply(kind: FaultKind, api: Api, traffic: &mut Traffic) -> Reply {
    match kind {
        FaultKind::Drop | FaultKind::ApplyThenDrop => Reply { status: StatusCode::OK, body: ReplyBody::Drop, headers: Vec::new() },
        // Served after the stall; by then the client has given up.
        FaultKind::ApplyThenStall => Reply { status: StatusCode::OK, body: ReplyBody::Drop, headers: Vec::new() },
        FaultKind::Html => Reply {
            status: StatusCode::BAD_GATEWAY,
            body: ReplyBody::Html(
                "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The upstream server is temporarily unavailable.</p></body></html>".to_string(),
            ),
            headers: Vec::new(),
        },
        FaultKind::Http500 => Reply {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: ReplyBody::Text("Internal Server Error".to_string()),
            headers: Vec::new(),
        },
        FaultKind::GraphTransient if api == Api::Hub => {
            HubError::new(StatusCode::SERVICE_UNAVAILABLE, "Service temporarily unavailable, please retry.").into_reply()
        }
        FaultKind::GraphTransient => GraphError::new(2, "(#2) Service temporarily unavailable")
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .transient()
            .into_reply(traffic.fbtrace_id()),
        FaultKind::RateLimit if api == Api::Hub => HubError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.")
            .into_reply()
            .with_header(header::RETRY_AFTER, "1".to_string()),
        FaultKind::RateLimit => GraphError::new(80_008, "(#80008) There have been too many calls to this WhatsApp Business account. Wait a bit and try again.")
            .with_header(header::RETRY_AFTER, "1".to_string())
            .into_reply(traffic.fbtrace_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, path: &str) -> Call {
        Call::parse(method.parse().unwrap(), path, None, Default::default(), b"")
    }

    #[test]
    fn queued_faults_match_path_and_method_and_run_out() {
        let mut t = Traffic::new(1);
        t.queue(
            serde_json::from_value(
                json!({"path_contains": "/register", "method": "POST", "kind": "drop", "times": 2}),
            )
            .unwrap(),
        );
        assert_eq!(t.fault_for(&call("GET", "/v25.0/1/register"), 0.0), None);
        assert_eq!(
            t.fault_for(&call("POST", "/v25.0/1/register"), 0.0),
            Some(FaultKind::Drop)
        );
        assert_eq!(
            t.fault_for(&call("POST", "/v25.0/1/register"), 0.0),
            Some(FaultKind::Drop)
        );
        assert_eq!(t.fault_for(&call("POST", "/v25.0/1/register"), 0.0), None);
        assert!(t.fault_for(&call("GET", "/x"), 1.0).is_some());
    }

    #[test]
    fn the_window_refuses_past_the_limit_and_says_when_to_come_back() {
        let mut t = Traffic::new(1);
        let start = Instant::now();
        let window = Duration::from_secs(10);
        assert!(t.admit("w", "b", 2, window, start).unwrap() == 50);
        t.admit("w", "b", 2, window, start + Duration::from_secs(3))
            .unwrap();
        let refused = t
            .admit("w", "b", 2, window, start + Duration::from_secs(4))
            .unwrap_err();
        assert_eq!(refused.code, 80_008);
        let retry = refused
            .headers
            .iter()
            .find(|(n, _)| *n == header::RETRY_AFTER)
            .unwrap();
        assert_eq!(retry.1, "6");
        assert!(
            t.admit("w", "b", 2, window, start + Duration::from_secs(10))
                .is_ok(),
            "the oldest call left the window"
        );
        assert!(
            t.admit("other", "b", 2, window, start + Duration::from_secs(4))
                .is_ok(),
            "windows are per WABA"
        );
    }

    #[test]
    fn latency_stays_within_jitter() {
        let mut t = Traffic::new(3);
        let config = SimConfig {
            latency: Duration::from_millis(50),
            jitter: Duration::from_millis(20),
            ..SimConfig::default()
        };
        for _ in 0..100 {
            let d = t.latency(&config);
            assert!(d >= Duration::from_millis(30) && d <= Duration::from_millis(70));
        }
    }
}
