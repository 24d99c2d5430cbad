//! The HTTP shapes every sandbox handler shares: a request parsed once (path split per
//! API, query and body merged into one parameter map whether the body was JSON or
//! form-encoded, as the Graph API accepts both), and replies (Graph- and Hub-shaped
//! errors: `sim::errors`, re-exported here).

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::sim::batch::BatchItem;
pub(crate) use crate::sim::errors::{GraphError, HubError};

/// Which surface a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `/vNN.N/...`: the Meta Graph API.
    Graph,
    /// `/api/v2/...`: the 360dialog Partner API.
    Hub,
    /// `/_sandbox/...`: test controls, no auth, no latency or faults.
    Control,
    /// Anything else: answered 404 with a Graph error body.
    Unknown,
}

/// One incoming request, parsed once and read by every layer (stats, faults, handlers).
pub(crate) struct Call {
    pub method: Method,
    /// The path as sent, without the query (what the request log prints).
    pub path: String,
    pub api: Api,
    /// The segments after the API prefix (`/v25.0`, `/api/v2`, `/_sandbox`).
    pub segments: Vec<String>,
    /// The Graph version of the path, e.g. `v25.0`.
    pub version: Option<String>,
    /// Query parameters only (paging reads these to build `next`).
    pub query: BTreeMap<String, String>,
    /// Query and body parameters merged; the body wins on a clash.
    pub params: Map<String, Value>,
    pub headers: HeaderMap,
    /// Set when the body was neither JSON nor a form.
    pub bad_body: bool,
    /// The body's size in bytes (uploads send raw bytes).
    pub body_len: usize,
}

impl Call {
    /// Parses method, path, query and body (JSON when it looks like JSON, else a form).
    pub fn parse(
        method: Method,
        path: &str,
        raw_query: Option<&str>,
        headers: HeaderMap,
        body: &[u8],
    ) -> Call {
        let (api, version, segments) = split_path(path);
        let query: BTreeMap<String, String> = raw_query
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut params: Map<String, Value> = query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut bad_body = false;
        let trimmed = body.trim_ascii();
        if !trimmed.is_empty() {
            let is_json = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.contains("json"))
                || trimmed.starts_with(b"{");
            let parsed = if is_json {
                serde_json::from_slice::<Map<String, Value>>(trimmed).ok()
            } else {
                serde_urlencoded::from_bytes::<Vec<(String, String)>>(trimmed)
                    .ok()
                    .map(|pairs| {
                        pairs
                            .into_iter()
                            .map(|(k, v)| (k, Value::String(v)))
                            .collect()
                    })
            };
            match parsed {
                Some(body) => params.extend(body),
                None => bad_body = true,
            }
        }
        Call {
            method,
            path: path.to_string(),
            api,
            segments,
            version,
            query,
            params,
            headers,
            bad_body,
            body_len: body.len(),
        }
    }

    /// The segments as `&str`, for slice patterns.
    pub fn segs(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// A parameter as text: strings as they are, numbers and booleans written out.
    pub fn param(&self, key: &str) -> Option<String> {
        match self.params.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean parameter: `true`, `"true"` or `"1"`.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.params.get(key), Some(Value::Bool(true)))
            || self.param(key).is_some_and(|v| v == "true" || v == "1")
    }

    /// A list parameter: a JSON array, a JSON array sent as a string (forms), or a
    /// comma-separated list.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        match self.params.get(key)? {
            Value::Array(items) => Some(items.iter().filter_map(scalar).collect()),
            Value::String(s) if s.trim_start().starts_with('[') => {
                serde_json::from_str::<Vec<Value>>(s)
                    .ok()
                    .map(|items| items.iter().filter_map(scalar).collect())
            }
            Value::String(s) => Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            other => scalar(other).map(|s| vec![s]),
        }
    }

    /// The version-stripped route pattern, ids replaced by placeholders:
    /// `POST /{id}/register`, `GET /api/v2/partners/{pid}/channels`.
    pub fn route(&self) -> String {
        let segs = self.segs();
        let pattern = match (self.api, segs.as_slice()) {
            (Api::Graph, []) => "/".to_string(),
            (Api::Graph, ["debug_token"]) => "/debug_token".to_string(),
            (Api::Graph, [_, rest @ ..]) => std::iter::once("/{id}")
                .chain(rest.iter().copied())
                .collect::<Vec<_>>()
                .join("/"),
            (Api::Hub, ["partners", _, "clients", _, "channels", _, rest @ ..]) => {
                format!(
                    "/api/v2/partners/{{pid}}/clients/{{cid}}/channels/{{chid}}/{}",
                    rest.join("/")
                )
            }
            (Api::Hub, ["partners", _, collection, _, action]) => {
                format!("/api/v2/partners/{{pid}}/{collection}/{{id}}/{action}")
            }
            (Api::Hub, ["partners", _, rest @ ..]) => {
                format!("/api/v2/partners/{{pid}}/{}", rest.join("/"))
            }
            (Api::Hub, rest) => format!("/api/v2/{}", rest.join("/")),
            (Api::Control, ["otp", _]) => "/_sandbox/otp/{id}".to_string(),
            (Api::Control, rest) => format!("/_sandbox/{}", rest.join("/")),
            (Api::Unknown, _) => "(no route)".to_string(),
        };
        format!("{} {pattern}", self.method)
    }

    /// The concrete path without the Graph version and without the query:
    /// `POST /123/register`.
    pub fn concrete(&self) -> String {
        let path = match self.api {
            Api::Graph => format!("/{}", self.segments.join("/")),
            _ => self.path.clone(),
        };
        format!("{} {path}", self.method)
    }
}

/// `/v25.0/a/b` → Graph `[a, b]`; `/api/v2/x` → Hub `[x]`; `/_sandbox/x` → Control.
fn split_path(path: &str) -> (Api, Option<String>, Vec<String>) {
    let mut parts = path.split('/').filter(|s| !s.is_empty()).map(String::from);
    let first = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    let is_version = first.strip_prefix('v').is_some_and(|v| {
        !v.is_empty()
            && v.chars().all(|c| c.is_ascii_digit() || c == '.')
            && v.chars().next().is_some_and(|c| c.is_ascii_digit())
    });
    if is_version {
        return (Api::Graph, Some(first), rest);
    }
    match (first.as_str(), rest.split_first()) {
        ("api", Some((v2, tail))) if v2 == "v2" => (Api::Hub, None, tail.to_vec()),
        ("_sandbox", _) => (Api::Control, None, rest),
        _ => (
            Api::Unknown,
            None,
            std::iter::once(first).chain(rest).collect(),
        ),
    }
}

/// What a handler answers.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: ReplyBody,
    pub headers: Vec<(HeaderName, String)>,
}

/// The body of a [`Reply`].
pub(crate) enum ReplyBody {
    Json(Value),
    Html(String),
    Text(String),
    /// The items of a Graph batch (`sim::batch`), each body still a value: they are
    /// written as JSON strings once, after the world's lock is let go.
    Batch(Vec<Option<BatchItem>>),
    /// JSON already written (reads, `sim::select`; [`Reply::encode`]).
    Encoded(Vec<u8>),
    /// Headers go out, then the body stream fails: the client sees a dropped connection.
    Drop,
}

impl Reply {
    /// A 200 JSON answer.
    pub fn ok(body: Value) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// A 200 answer of JSON already written.
    pub fn written(bytes: Vec<u8>) -> Reply {
        Reply {
            status: StatusCode::OK,
            body: ReplyBody::Encoded(bytes),
            headers: Vec::new(),
        }
    }

    /// A JSON answer with a status.
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(body),
            headers: Vec::new(),
        }
    }

    /// Adds a header (values the sandbox builds itself, always valid).
    pub fn with_header(mut self, name: HeaderName, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// Writes a JSON or batch body out, so the bytes are made where the caller wants the
    /// work done (off the world's lock, off the server's async workers).
    pub fn encode(mut self) -> Reply {
        self.body = match self.body {
            ReplyBody::Json(value) => ReplyBody::Encoded(value.to_string().into_bytes()),
            ReplyBody::Batch(items) => ReplyBody::Encoded(crate::sim::batch::encode(&items)),
            other => other,
        };
        self
    }

    /// What the request log prints for the status.
    pub fn status_label(&self) -> String {
        match self.body {
            ReplyBody::Drop => "dropped".to_string(),
            _ => self.status.as_u16().to_string(),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let (content_type, body) = match self.body {
            ReplyBody::Json(value) => (
                "application/json; charset=UTF-8",
                Body::from(value.to_string()),
            ),
            ReplyBody::Batch(items) => (
                "application/json; charset=UTF-8",
                Body::from(crate::sim::batch::encode(&items)),
            ),
            ReplyBody::Encoded(bytes) => ("application/json; charset=UTF-8", Body::from(bytes)),
            ReplyBody::Html(html) => ("text/html; charset=utf-8", Body::from(html)),
            ReplyBody::Text(text) => ("text/plain; charset=utf-8", Body::from(text)),
            ReplyBody::Drop => {
                let failing = futures_util::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "sandbox fault: connection dropped",
                    ))
                });
                (
                    "application/json; charset=UTF-8",
                    Body::from_stream(failing),
                )
            }
        };
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// Removes `null` members recursively: Meta omits absent fields rather than sending null.
pub(crate) fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// A stable 64-bit FNV-1a hash of the seed and some parts: the sandbox's deterministic
/// "random" decisions (which template fails, which OTP) come from it.
pub(crate) fn stable_hash(seed: u64, parts: &[&str]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash ^ (hash >> 29)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(
        method: Method,
        path: &str,
        query: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Call {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        Call::parse(method, path, query, headers, body.as_bytes())
    }

    #[test]
    fn json_and_form_bodies_give_the_same_parameters() {
        let json = call(
            Method::POST,
            "/v25.0/1/phone_numbers",
            None,
            "application/json",
            r#"{"cc":"1","phone_number":6315550101,"migrate_phone_number":true}"#,
        );
        let form = call(
            Method::POST,
            "/v25.0/1/phone_numbers",
            None,
            "application/x-www-form-urlencoded",
            "cc=1&phone_number=6315550101&migrate_phone_number=true",
        );
        for c in [&json, &form] {
            assert_eq!(c.api, Api::Graph);
            assert_eq!(c.param("cc").as_deref(), Some("1"));
            assert_eq!(c.param("phone_number").as_deref(), Some("6315550101"));
            assert!(c.flag("migrate_phone_number"));
            assert!(!c.bad_body);
        }
    }

    #[test]
    fn lists_arrive_as_arrays_json_strings_or_commas() {
        let a = call(
            Method::POST,
            "/v1.0/x/y",
            None,
            "application/json",
            r#"{"template_ids":["1",2]}"#,
        );
        let b = call(
            Method::POST,
            "/v1.0/x/y",
            None,
            "application/x-www-form-urlencoded",
            "template_ids=%5B%221%22%2C2%5D",
        );
        let c = call(
            Method::POST,
            "/v1.0/x/y",
            Some("template_ids=1,2"),
            "text/plain",
            "",
        );
        for x in [a, b, c] {
            assert_eq!(x.list("template_ids").unwrap(), vec!["1", "2"]);
        }
    }

    #[test]
    fn routes_strip_versions_ids_and_queries() {
        let g = call(
            Method::POST,
            "/v25.0/123/register",
            Some("access_token=secret"),
            "",
            "",
        );
        assert_eq!(g.route(), "POST /{id}/register");
        assert_eq!(g.concrete(), "POST /123/register");
        let h = call(
            Method::POST,
            "/api/v2/partners/abcPA/selective_partner_change_requests/r1/approve",
            None,
            "",
            "",
        );
        assert_eq!(
            h.route(),
            "POST /api/v2/partners/{pid}/selective_partner_change_requests/{id}/approve"
        );
        let d = call(
            Method::GET,
            "/v19.0/debug_token",
            Some("input_token=x"),
            "",
            "",
        );
        assert_eq!(d.route(), "GET /debug_token");
        assert_eq!(
            call(Method::GET, "/favicon.ico", None, "", "").api,
            Api::Unknown
        );
        assert_eq!(
            call(Method::GET, "/_sandbox/otp/77", None, "", "").route(),
            "GET /_sandbox/otp/{id}"
        );
    }

    #[test]
    fn nulls_are_stripped_and_hashes_are_stable() {
        assert_eq!(
            strip_nulls(json!({"a":null,"b":{"c":null,"d":1}})),
            json!({"b":{"d":1}})
        );
        assert_eq!(stable_hash(1, &["a", "b"]), stable_hash(1, &["a", "b"]));
        assert_ne!(stable_hash(1, &["ab"]), stable_hash(1, &["a", "b"]));
        assert_ne!(stable_hash(1, &["a"]), stable_hash(2, &["a"]));
    }
}
