//! Fetching a media sample from a URL the operator gave (`templates recreate --media
//! NAME=URL`) with the safety of an API call, though the server is not the API: https
//! only (plain http only to this machine), redirects followed only within the URL's
//! scheme, host and port (the read policy; one to another host stops the fetch), nothing
//! of ours sent but the user agent (no token), and the body read as bytes up to
//! `max_response_bytes` and the memory budget. Sentences name the URL without its query,
//! which may hold a signature.

use std::time::Instant;

use reqwest::{StatusCode, Url};

use super::Transport;
use crate::api::body::{self, BodyError, human_bytes};
use crate::api::error::{ApiError, ErrorClass};
use crate::api::graph::is_loopback_url;
use crate::api::redirect::origin_label;

/// How a sample fetch shows in errors and logs.
const ENDPOINT: &str = "GET media sample";

impl Transport {
    /// The bytes at `url`, or a sentence saying why not and what to do.
    pub async fn fetch_sample(&self, url: &str) -> Result<Vec<u8>, ApiError> {
        let parsed = sample_url(url)?;
        let shown = without_query(&parsed);
        // Held for the request only, like an API call; the semaphore is never closed.
        let _permit = self.permits.acquire().await.ok();
        let started = Instant::now();
        let response = self
            .reads
            .get(parsed.clone())
            .send()
            .await
            .map_err(|e| self.network_error(ENDPOINT, &e, started.elapsed()))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirected(&shown, status, &response));
        }
        if !status.is_success() {
            let class = if status.is_server_error() {
                ErrorClass::Transient
            } else {
                ErrorClass::Validation
            };
            let mut error = ApiError::new(
                class,
                ENDPOINT,
                format!(
                    "{shown} answered HTTP {}: check the URL, or download the file and give its path.",
                    status.as_u16()
                ),
            );
            error.http_status = Some(status.as_u16());
            return Err(error);
        }
        let cap = self.config.max_response_bytes;
        let budget = self.config.memory_budget_bytes;
        match body::read_bytes_capped(response, cap, budget, &self.gate).await {
            Ok(body) => Ok(body.bytes),
            Err(BodyError::TooLarge { .. } | BodyError::OverBudget { .. }) => Err(ApiError::new(
                ErrorClass::UnexpectedBody,
                ENDPOINT,
                format!(
                    "{shown} is larger than the {} limit (max_response_mb): give a smaller sample (Meta's own media limits are lower), or raise the limit in the profile.",
                    human_bytes(cap)
                ),
            )),
            Err(BodyError::Transport(e)) => {
                Err(self.network_error(ENDPOINT, &e, started.elapsed()))
            }
        }
    }
}

/// The URL, if wamigrate may fetch it: https, or plain http to this machine.
fn sample_url(raw: &str) -> Result<Url, ApiError> {
    let refused = |sentence: String| Err(ApiError::new(ErrorClass::Validation, ENDPOINT, sentence));
    let Some(url) = Url::parse(raw.trim())
        .ok()
        .filter(|u| u.host_str().is_some() && u.username().is_empty() && u.password().is_none())
    else {
        return refused(
            "the media sample is not a URL wamigrate can fetch: give https://host/path/file.jpg, or a file path."
                .to_string(),
        );
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_url(&url) => Ok(url),
        _ => refused(format!(
            "{} is not https: wamigrate fetches media samples only over https (plain http only from this machine); download the file and give its path instead.",
            without_query(&url)
        )),
    }
}

/// `scheme://host:port/path`: what a sentence may show of a URL.
fn without_query(url: &Url) -> String {
    format!("{}{}", origin_label(url), url.path())
}

/// A redirect the read policy did not follow: to another host, or too many hops.
fn redirected(shown: &str, status: StatusCode, response: &reqwest::Response) -> ApiError {
    let target = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| response.url().join(location).ok());
    let sentence = match &target {
        Some(to) if to.origin() != response.url().origin() => format!(
            "{shown} redirected (HTTP {}) to {}; wamigrate follows redirects only within the host it was given, so nothing was fetched there: give the final https URL, or download the file and give its path.",
            status.as_u16(),
            origin_label(to)
        ),
        _ => format!(
            "{shown} redirected (HTTP {}) too many times or to no usable address: give the final https URL, or download the file and give its path.",
            status.as_u16()
        ),
    };
    let mut error = ApiError::new(ErrorClass::UnexpectedBody, ENDPOINT, sentence);
    error.http_status = Some(status.as_u16());
    error
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::routing::get;

    use super::*;
    use crate::api::TransportConfig;

    /// A server on 127.0.0.1 and the URL it answers at.
    async fn serve(router: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    fn transport(max_response_bytes: usize) -> Transport {
        Transport::configured(TransportConfig {
            max_response_bytes,
            request_timeout: Duration::from_secs(10),
            ..TransportConfig::default()
        })
        .unwrap()
    }

    /// Bytes that are not JSON: a quote, then more than a long JSON string may hold.
    fn sample() -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\"".to_vec();
        bytes.extend((0..200_000u32).map(|n| (n % 251) as u8));
        bytes
    }

    #[tokio::test]
    async fn a_sample_arrives_whole_and_no_token_goes_with_it() {
        let headers_seen = Arc::new(std::sync::Mutex::new(HeaderMap::new()));
        let seen = headers_seen.clone();
        let base = serve(Router::new().route(
            "/banner.png",
            get(move |headers: HeaderMap| async move {
                *seen.lock().unwrap() = headers;
                sample()
            }),
        ))
        .await;
        let fetched = transport(1 << 20)
            .fetch_sample(&format!("{base}/banner.png?sig=secret"))
            .await
            .unwrap();
        assert_eq!(fetched, sample(), "bytes as sent, not cut like JSON");
        assert!(
            headers_seen
                .lock()
                .unwrap()
                .get(header::AUTHORIZATION)
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_sample_over_the_cap_is_refused_naming_the_url_without_its_query() {
        let base = serve(Router::new().route("/big.mp4", get(|| async { sample() }))).await;
        let refused = transport(64 << 10)
            .fetch_sample(&format!("{base}/big.mp4?sig=secret"))
            .await
            .unwrap_err();
        assert!(
            refused
                .sentence
                .contains("/big.mp4 is larger than the 64 KB limit"),
            "{}",
            refused.sentence
        );
        assert!(!refused.sentence.contains("secret"));
    }

    #[tokio::test]
    async fn redirects_are_followed_within_the_host_and_never_to_another() {
        let other_hits = Arc::new(AtomicUsize::new(0));
        let hits = other_hits.clone();
        let other = serve(Router::new().route(
            "/x.png",
            get(move || async move {
                hits.fetch_add(1, Ordering::Relaxed);
                sample()
            }),
        ))
        .await;
        let elsewhere = format!("{other}/x.png");
        let base = serve(
            Router::new()
                .route("/x.png", get(|| async { sample() }))
                .route(
                    "/moved.png",
                    get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/x.png")]) }),
                )
                .route(
                    "/away.png",
                    get(move || async move {
                        (StatusCode::FOUND, [(header::LOCATION, elsewhere.clone())])
                    }),
                ),
        )
        .await;
        let transport = transport(1 << 20);
        assert_eq!(
            transport
                .fetch_sample(&format!("{base}/moved.png"))
                .await
                .unwrap(),
            sample()
        );
        let refused = transport
            .fetch_sample(&format!("{base}/away.png"))
            .await
            .unwrap_err();
        assert!(
            refused
                .sentence
                .contains("only within the host it was given")
                && refused.sentence.contains(other.as_str()),
            "{}",
            refused.sentence
        );
        assert_eq!(
            other_hits.load(Ordering::Relaxed),
            0,
            "nothing fetched there"
        );
    }

    #[tokio::test]
    async fn only_https_or_this_machine_and_an_error_page_is_no_sample() {
        let base = serve(Router::new()).await;
        let missing = transport(1 << 20)
            .fetch_sample(&format!("{base}/gone.png"))
            .await
            .unwrap_err();
        assert_eq!(missing.http_status, Some(404));
        for raw in ["ftp://127.0.0.1/x.png", "file:///tmp/x.png", "not a url"] {
            let refused = sample_url(raw).unwrap_err();
            assert_eq!(refused.class, ErrorClass::Validation, "{raw}");
        }
        assert!(sample_url("http://localhost:9/x.png").is_ok());
        assert!(sample_url("https://127.0.0.1:9/x.png").is_ok());
    }
}
