//! Redirects: a write follows none, a read only to the same scheme, host and port. A
//! refused redirect comes back to the transport as the 3xx answer itself and becomes one
//! sentence naming both hosts; nothing (no token, no body, no `Referer`) is sent to the
//! other host.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{StatusCode, Url, redirect};

use crate::api::error::{ApiError, ErrorClass};

/// Most same-origin redirects one read follows.
const MAX_READ_HOPS: usize = 5;

/// The policy of the client that sends reads (GET): same origin only, a few hops.
pub(crate) fn read_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_READ_HOPS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// The policy of the client that sends writes (and logins): never follow.
pub(crate) fn write_policy() -> redirect::Policy {
    redirect::Policy::none()
}

/// `scheme://host:port` of a URL, as the sentence names it.
pub(crate) fn origin_label(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => "an address that is not a web server".to_string(),
    }
}

/// The error for a 3xx answer that reached the transport: the policy refused it (a write,
/// another host, or too many hops). `answered_at` is the URL that answered.
pub(crate) fn refused(
    endpoint: &str,
    status: StatusCode,
    answered_at: &Url,
    headers: &HeaderMap,
    is_write: bool,
) -> ApiError {
    let from = origin_label(answered_at);
    let target = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| answered_at.join(location).ok());
    let to = target
        .as_ref()
        .map_or_else(|| "an unreadable address".to_string(), origin_label);
    let why = match &target {
        _ if is_write => "wamigrate follows no redirect for a write",
        Some(t) if t.origin() != answered_at.origin() => {
            "wamigrate follows redirects only within the host it was given"
        }
        Some(_) => "wamigrate stops after a few redirects",
        None => "the redirect has no usable Location",
    };
    let mut error = ApiError::new(
        ErrorClass::UnexpectedBody,
        endpoint,
        format!(
            "The API at {from} answered with a redirect (HTTP {}) to {to}; {why}, so nothing was sent there: check the base URL (--graph-url, --hub-url) and any proxy in between.",
            status.as_u16()
        ),
    );
    error.http_status = Some(status.as_u16());
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_names_both_hosts() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            "http://127.0.0.2:9/v25.0/1/register".parse().unwrap(),
        );
        let at = Url::parse("http://127.0.0.1:8080/v25.0/1/register").unwrap();
        let e = refused(
            "POST /v25.0/1/register",
            StatusCode::TEMPORARY_REDIRECT,
            &at,
            &headers,
            true,
        );
        assert!(
            e.sentence.contains("http://127.0.0.1:8080"),
            "{}",
            e.sentence
        );
        assert!(e.sentence.contains("http://127.0.0.2:9"), "{}", e.sentence);
        assert!(e.sentence.contains("no redirect for a write"));
        assert!(!e.retry_can_help());
    }
}
