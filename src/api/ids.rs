//! Ids before paths: every id is checked against its documented shape before it becomes
//! a URL path segment, and URLs are built from segments, never by joining strings, so
//! `104996122399161/../104996122399163` or an empty id can never name another object.
//!
//! Shapes: Graph ids are numeric strings (Meta's WhatsApp Business Account reference:
//! "id numeric string"). 360dialog ids are letters and digits with a kind suffix: a
//! partner id ends in `PA` ("easily identified by its PA suffix", Partner API intro,
//! https://docs.360dialog.com/partner/partner-api/intro; the API reference's examples are
//! `examplePA`, `exampleCL`), a client id in `CL`. A channel id's shape is not documented
//! on any page we could read (a `CH` suffix is folklore), so a channel id is letters and
//! digits only: enough to keep it one path segment without refusing a real id. Partner
//! change request ids have no documented shape either: letters, digits, `-` and `_` only.

use reqwest::Url;

use crate::api::error::{ApiError, ErrorClass};

/// Longest id accepted (Graph ids are about 15 to 17 digits; 360dialog ids are shorter).
const MAX_ID_LEN: usize = 64;

/// The kinds of id that go into a path, each with its documented shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A Graph object: WABA, phone number, business (digits).
    Graph,
    /// A 360dialog partner (letters and digits, ending in `PA`).
    Partner,
    /// A 360dialog client (ending in `CL`).
    Client,
    /// A 360dialog channel (letters and digits; no documented suffix).
    Channel,
    /// A 360dialog partner change request (letters, digits, `-`, `_`).
    ChangeRequest,
}

impl IdKind {
    /// What the id is, for sentences.
    fn noun(self) -> &'static str {
        match self {
            IdKind::Graph => "Graph id (WABA, phone number or business)",
            IdKind::Partner => "360dialog partner id",
            IdKind::Client => "360dialog client id",
            IdKind::Channel => "360dialog channel id",
            IdKind::ChangeRequest => "360dialog partner change request id",
        }
    }

    /// The shape, for sentences.
    fn shape(self) -> &'static str {
        match self {
            IdKind::Graph => "digits only, e.g. 104996122399161",
            IdKind::Partner => "letters and digits ending in PA, as in the Partner Hub URL",
            IdKind::Client => "letters and digits ending in CL",
            IdKind::Channel => "letters and digits only",
            IdKind::ChangeRequest => "letters, digits, - and _ only",
        }
    }

    fn accepts(self, id: &str) -> bool {
        let alnum_with_suffix = |suffix: &str| {
            id.len() > suffix.len()
                && id.ends_with(suffix)
                && id.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return false;
        }
        match self {
            IdKind::Graph => id.bytes().all(|b| b.is_ascii_digit()),
            IdKind::Partner => alnum_with_suffix("PA"),
            IdKind::Client => alnum_with_suffix("CL"),
            IdKind::Channel => id.bytes().all(|b| b.is_ascii_alphanumeric()),
            IdKind::ChangeRequest => id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        }
    }
}

/// An id without its kind's shape; `Display` is one sentence naming the id (made
/// readable: no control character reaches the terminal) and the shape expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadId {
    #[error("A {} is missing: give one ({}).", kind.noun(), kind.shape())]
    Missing { kind: IdKind },
    #[error("'{shown}' is not a {}: it must be {}; nothing was sent.", kind.noun(), kind.shape())]
    Malformed { kind: IdKind, shown: String },
}

/// Checks `id` against the shape of `kind`.
pub fn check_id(kind: IdKind, id: &str) -> Result<(), BadId> {
    if kind.accepts(id) {
        Ok(())
    } else if id.is_empty() {
        Err(BadId::Missing { kind })
    } else {
        Err(BadId::Malformed {
            kind,
            shown: crate::api::text::readable(id, 80),
        })
    }
}

/// [`check_id`] as an [`ApiError`] for the client methods (class `Validation`).
pub(crate) fn checked(kind: IdKind, id: &str) -> Result<&str, ApiError> {
    check_id(kind, id)
        .map_err(|bad| ApiError::new(ErrorClass::Validation, "-", bad.to_string()))?;
    Ok(id)
}

/// `base` with `segments` appended as path segments (each percent-encoded on its own, so
/// no segment can add a `/` or a `..`).
pub(crate) fn url_with_segments(base: &Url, segments: &[&str]) -> Result<Url, ApiError> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| {
            ApiError::new(
                ErrorClass::Validation,
                "-",
                "The base URL cannot carry a path: write it as https://host.",
            )
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_empty_ids_are_refused_with_one_sentence() {
        assert!(check_id(IdKind::Graph, "104996122399161").is_ok());
        let traversal = check_id(IdKind::Graph, "104996122399161/../104996122399163")
            .unwrap_err()
            .to_string();
        assert!(traversal.contains("is not a Graph id"), "{traversal}");
        let missing = check_id(IdKind::Graph, "").unwrap_err();
        assert_eq!(
            missing,
            BadId::Missing {
                kind: IdKind::Graph
            }
        );
        assert!(missing.to_string().contains("missing"));
        assert!(check_id(IdKind::Graph, "12%2F3").is_err());
        assert!(check_id(IdKind::Graph, &"1".repeat(65)).is_err());
        assert!(check_id(IdKind::Partner, "examplePA").is_ok());
        assert!(check_id(IdKind::Partner, "PA").is_err());
        assert!(check_id(IdKind::Partner, "../xPA").is_err());
        assert!(check_id(IdKind::Client, "exampleCL").is_ok());
        assert!(check_id(IdKind::Channel, "c001Ls01CH").is_ok());
        assert!(check_id(IdKind::Channel, "c001Ls01").is_ok());
        assert!(check_id(IdKind::Channel, "c001/../c002").is_err());
        assert!(check_id(IdKind::Channel, "c001-x").is_err());
        assert!(check_id(IdKind::ChangeRequest, "pcr-1_a").is_ok());
        assert!(check_id(IdKind::ChangeRequest, "pcr/1").is_err());
        let escape = check_id(IdKind::Graph, "1\x1b[2J").unwrap_err().to_string();
        assert!(!escape.contains('\x1b'), "{escape:?}");
    }

    #[test]
    fn urls_are_built_from_segments_under_the_base_path() {
        let base = Url::parse("https://example.test/prefix/").unwrap();
        let url = url_with_segments(&base, &["v25.0", "104996", "phone_numbers"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://example.test/prefix/v25.0/104996/phone_numbers"
        );
        let hostile = url_with_segments(&base, &["v25.0", "1/../2"]).unwrap();
        assert_eq!(hostile.path(), "/prefix/v25.0/1%2F..%2F2");
        let bare = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            url_with_segments(&bare, &["api", "v2", "token"])
                .unwrap()
                .path(),
            "/api/v2/token"
        );
    }
}
