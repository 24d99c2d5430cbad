//! Rate-limit usage: what Meta reports in `X-App-Usage` and `X-Business-Use-Case-Usage`,
//! how a refresh paces itself by it, and which objects rest until Meta says they
//! recovered.
//!
//! Headers and fields (`call_count`, `total_cputime`, `total_time` as percentages,
//! `estimated_time_to_regain_access` in minutes): Meta's "Rate Limits" page,
//! https://developers.facebook.com/docs/graph-api/overview/rate-limiting/ ("once a rate
//! limit is reached, any subsequent requests made by your app will fail ... until enough
//! time has passed").

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde::Serialize;

/// How long an object at 100 % rests when Meta gave no regain estimate; the first read
/// after it is a probe whose headers say whether it recovered.
pub const REST_WITHOUT_ESTIMATE: Duration = Duration::from_secs(60);

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

/// The latest usage seen, and the objects (WABAs, or every object for the app limit)
/// that must not be read before a time.
#[derive(Debug, Default)]
pub(crate) struct UsageBook {
    pub(crate) last: Option<RateUsage>,
    resting: HashMap<String, Instant>,
}

/// The key under which an app-wide limit rests every object.
const EVERY_OBJECT: &str = "";

impl UsageBook {
    /// Records the usage an answer about `subject` reported: at 100 % the subject (or,
    /// for the app limit, every object) rests until the regain estimate, or
    /// [`REST_WITHOUT_ESTIMATE`] without one; below 100 % it no longer rests.
    pub(crate) fn record(&mut self, subject: Option<&str>, headers: &HeaderMap, now: Instant) {
        let app = header_usage(headers, "x-app-usage");
        let business = header_usage(headers, "x-business-use-case-usage");
        if let Some(usage) = RateUsage::from_headers(headers) {
            self.last = Some(usage);
        }
        if let Some(app) = app {
            self.note(EVERY_OBJECT, app, now);
        }
        if let (Some(subject), Some(business)) = (subject, business) {
            self.note(subject, business, now);
        }
    }

    /// A rate-limit error without usage headers: `subject` rests for `wait`.
    pub(crate) fn throttled(&mut self, subject: Option<&str>, wait: Duration, now: Instant) {
        let key = subject.unwrap_or(EVERY_OBJECT);
        self.resting.insert(key.to_string(), now + wait);
    }

    fn note(&mut self, key: &str, usage: RateUsage, now: Instant) {
        if usage.percent >= 100 {
            let wait = usage.regain_after.unwrap_or(REST_WITHOUT_ESTIMATE);
            self.resting.insert(key.to_string(), now + wait);
        } else {
            self.resting.remove(key);
        }
    }

    /// How much longer `subject` rests, if it does.
    pub(crate) fn rest_left(&self, subject: &str, now: Instant) -> Option<Duration> {
        [subject, EVERY_OBJECT]
            .iter()
            .filter_map(|key| self.resting.get(*key))
            .map(|until| until.saturating_duration_since(now))
            .filter(|left| !left.is_zero())
            .max()
    }
}

/// The usage in one header only.
fn header_usage(headers: &HeaderMap, name: &'static str) -> Option<RateUsage> {
    let value = headers.get(name)?.clone();
    let mut only = HeaderMap::new();
    only.insert(name, value);
    RateUsage::from_headers(&only)
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
    }

    #[test]
    fn a_waba_at_100_percent_rests_until_the_regain_time_and_recovers_by_header() {
        let now = Instant::now();
        let mut book = UsageBook::default();
        let mut full = HeaderMap::new();
        full.insert(
            "x-business-use-case-usage",
            r#"{"506914":[{"call_count":100,"estimated_time_to_regain_access":2}]}"#
                .parse()
                .unwrap(),
        );
        book.record(Some("104996"), &full, now);
        assert_eq!(
            book.rest_left("104996", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(book.rest_left("105112", now), None);
        assert_eq!(
            book.rest_left("104996", now + Duration::from_secs(121)),
            None
        );
        let mut recovered = HeaderMap::new();
        recovered.insert(
            "x-business-use-case-usage",
            r#"{"506914":[{"call_count":40}]}"#.parse().unwrap(),
        );
        book.record(Some("104996"), &recovered, now);
        assert_eq!(book.rest_left("104996", now), None);
        let mut app = HeaderMap::new();
        app.insert("x-app-usage", r#"{"call_count":100}"#.parse().unwrap());
        book.record(Some("104996"), &app, now);
        assert_eq!(book.rest_left("105112", now), Some(REST_WITHOUT_ESTIMATE));
    }
}
