//! The Graph base URL the operator gives: https everywhere, plain http only to this
//! machine (the sandbox) or with `--allow-insecure-http`.

use reqwest::Url;

use crate::api::error::{ApiError, ErrorClass};

/// Checks a base URL the operator typed: `https://host[:port][/prefix]`, or `http://` to
/// a loopback address (the sandbox). Plain `http` to any other host is refused unless
/// `allow_insecure_http`: the token, PIN and backup password would travel in clear.
pub fn parse_base_url(raw: &str, allow_insecure_http: bool) -> Result<Url, ApiError> {
    let shown = crate::api::text::readable(raw.trim(), 200);
    let bad = || {
        ApiError::new(
            ErrorClass::Validation,
            "-",
            format!(
                "'{shown}' is not a usable base URL: write it as https://host (or http://127.0.0.1:PORT for the sandbox)."
            ),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(bad());
    }
    if url.scheme() == "http" && !is_loopback_url(&url) && !allow_insecure_http {
        return Err(ApiError::new(
            ErrorClass::Validation,
            "-",
            insecure_http_sentence(&url),
        ));
    }
    Ok(url)
}

/// The refusal of a plain-http URL to a host that is not this machine.
pub fn insecure_http_sentence(url: &Url) -> String {
    format!(
        "{}://{} is plain http to a host that is not this machine: the token, PIN and backup password would travel unencrypted; use https://, or pass --allow-insecure-http if you accept that risk.",
        url.scheme(),
        url.host_str().unwrap_or("?")
    )
}

/// Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback_url(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
