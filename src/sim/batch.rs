//! Graph batch requests, as Meta's "Batch Requests" page documents them
//! (https://developers.facebook.com/docs/graph-api/batch-requests):
//! - a `POST` to an endpoint (the version root, `/v25.0/`, or a node) whose `batch`
//!   parameter is a JSON array of operations `{"method","relative_url","body"?}`, at most
//!   50 ("Batch requests are limited to 50 requests per batch");
//! - the answer is an array in the order of the operations, each `{"code","headers"?,
//!   "body"}` with `body` "a JSON encoded string" and `headers` a list of `{"name",
//!   "value"}`, left out with `include_headers=false`;
//! - an operation that fails carries its error in its own item ("the response is similar
//!   to the standard Graph API, but encapsulated in the batch response syntax"), and
//!   "other requests within the batch should still complete successfully";
//! - an operation that did not complete (the batch timed out) is `null`, to be retried;
//! - "each call within the batch is counted separately for the purposes of calculating
//!   API call limits": every operation goes through the per-WABA rate limit and gets its
//!   usage header;
//! - an operation may carry its own `access_token` (in its URL or body); the batch's
//!   token is the fallback and is required.
//!
//! Operations are answered one after another behind the world's lock, after the batch's
//! one latency (Meta runs independent operations in parallel); their bodies are written
//! out after the lock is let go, so other calls are answered meanwhile. Dependencies between
//! operations (`name` and `{result=name:$.path}`) are not supported: such an operation
//! fails in its item. A fault queued for an operation's path makes it `null`, as a
//! timeout would. The docs do not say where a batch's usage headers go; the sandbox puts
//! them on each operation and, the highest of them, on the batch's answer.

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, Method, header};
use serde::Deserialize;
use serde_json::Value;

use crate::sim::access::Grants;
use crate::sim::faults::BUSINESS_USAGE;
use crate::sim::wire::{Call, GraphError, Reply, ReplyBody};
use crate::sim::{Sim, SimState};

/// The most operations one batch may carry.
pub(crate) const MAX_OPERATIONS: usize = 50;

/// The `Content-Type` Meta's examples show on batch items.
const ITEM_CONTENT_TYPE: &str = "text/javascript; charset=UTF-8";

/// One operation as the caller wrote it.
#[derive(Debug, Deserialize)]
struct Operation {
    #[serde(default)]
    method: Option<String>,
    relative_url: String,
    #[serde(default)]
    body: Option<String>,
}

/// Whether a call is a batch: a `POST` with a `batch` parameter.
pub(crate) fn is_batch(call: &Call) -> bool {
    call.method == Method::POST && call.params.contains_key("batch")
}

/// Answers a batch: each operation with its own grants, rate limit and usage header.
pub(crate) fn run(
    sim: &Sim,
    state: &mut SimState,
    grants: &Grants,
    call: &Call,
    now: Instant,
) -> Reply {
    let operations = match operations(call) {
        Ok(operations) => operations,
        Err(e) => return e.into_reply(state.traffic.fbtrace_id()),
    };
    let include_headers = call.param("include_headers").is_none_or(|v| v != "false");
    let version = call.version.as_deref().unwrap_or("v25.0");
    let mut items = Vec::with_capacity(operations.len());
    let mut highest_usage: Option<(u64, String)> = None;
    for operation in operations {
        let inner = operation.call(version);
        state.traffic.record(&inner);
        if state.traffic.fault_for(&inner, 0.0).is_some() {
            items.push(None);
            continue;
        }
        let reply = match unsupported(&operation) {
            Some(refused) => refused.into_reply(state.traffic.fbtrace_id()),
            None if inner.param("access_token").is_some() => match sim.grants(&state.world, &inner)
            {
                Ok(own) => sim.operation(state, &own, &inner, now),
                Err(invalid) => invalid.into_reply(state.traffic.fbtrace_id()),
            },
            None => sim.operation(state, grants, &inner, now),
        };
        state.traffic.record_applied(&inner, reply.status);
        if let Some(usage) = usage_of(&reply) {
            highest_usage = Some(highest_usage.map_or(usage.clone(), |h| h.max(usage)));
        }
        items.push(BatchItem::of(reply, include_headers));
    }
    // The items' bodies are written as JSON strings when the answer is encoded, after
    // the world's lock is let go (`Reply::encode`).
    let answer = Reply {
        status: axum::http::StatusCode::OK,
        body: ReplyBody::Batch(items),
        headers: Vec::new(),
    };
    match highest_usage {
        Some((_, header)) => answer.with_header(BUSINESS_USAGE, header),
        None => answer,
    }
}

/// The operations of the `batch` parameter: a JSON array, or (form posts) a string
/// holding one.
fn operations(call: &Call) -> Result<Vec<Operation>, GraphError> {
    let raw = match call.params.get("batch") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok(),
        Some(other) => Some(other.clone()),
        None => None,
    };
    let operations: Vec<Operation> = raw
        .and_then(|value| serde_json::from_value(value).ok())
        .ok_or_else(|| {
            GraphError::invalid_param(
                "The parameter batch must be a JSON array of operations, each with a method and a relative_url.",
            )
        })?;
    if operations.is_empty() || operations.len() > MAX_OPERATIONS {
        // The page states the limit; the error Graph gives past it is not documented.
        return Err(GraphError::invalid_param(format!(
            "Batch requests are limited to {MAX_OPERATIONS} requests per batch; this one has {}.",
            operations.len()
        )));
    }
    Ok(operations)
}

impl Operation {
    /// The operation as a call of its own: its path under the batch's version (unless it
    /// names one), its query, and its body as a form post.
    fn call(&self, version: &str) -> Call {
        let method = self
            .method
            .as_deref()
            .unwrap_or("GET")
            .to_ascii_uppercase()
            .parse()
            .unwrap_or(Method::GET);
        let (path, query) = match self.relative_url.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (self.relative_url.as_str(), None),
        };
        let path = path.trim_start_matches('/');
        let names_version = path
            .split('/')
            .next()
            .and_then(|first| first.strip_prefix('v'))
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()));
        let path = if names_version {
            format!("/{path}")
        } else {
            format!("/{version}/{path}")
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let body = self.body.as_deref().unwrap_or_default();
        Call::parse(method, &path, query, headers, body.as_bytes())
    }
}

/// Why an operation cannot be answered by the sandbox, if it cannot.
fn unsupported(operation: &Operation) -> Option<GraphError> {
    let text = format!(
        "{}{}",
        operation.relative_url,
        operation.body.as_deref().unwrap_or("")
    );
    let nested_batch = text.contains("batch=");
    (text.contains("{result=") || nested_batch).then(|| {
        GraphError::invalid_param(
            "The sandbox does not answer dependent operations ({result=…}) or batches inside a batch.",
        )
    })
}

/// The usage header an operation's answer carries, with its highest percentage.
fn usage_of(reply: &Reply) -> Option<(u64, String)> {
    let (_, value) = reply
        .headers
        .iter()
        .find(|(name, _)| *name == BUSINESS_USAGE)?;
    let percent = serde_json::from_str::<Value>(value)
        .ok()?
        .as_object()?
        .values()
        .flat_map(|entries| entries.as_array().cloned().unwrap_or_default())
        .filter_map(|entry| entry["call_count"].as_u64())
        .max()?;
    Some((percent, value.clone()))
}

/// One operation's item: its status code, its headers (unless left out) and its body,
/// written as a JSON string by [`encode`]. Error items carry `WWW-Authenticate`, as the
/// page's example does (it abbreviates the value as `OAuth…`; the rest of the value is
/// the sandbox's).
pub(crate) struct BatchItem {
    code: u16,
    headers: Option<Vec<(String, String)>>,
    body: ItemBody,
}

enum ItemBody {
    Json(Value),
    Text(String),
}

impl BatchItem {
    /// The item of an operation's reply; `None` for one that did not complete.
    fn of(reply: Reply, include_headers: bool) -> Option<BatchItem> {
        let body = match reply.body {
            ReplyBody::Json(value) => ItemBody::Json(value),
            ReplyBody::Html(text) | ReplyBody::Text(text) => ItemBody::Text(text),
            ReplyBody::Encoded(bytes) => ItemBody::Text(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
            // Faults never reach an operation's reply; a dropped answer did not complete.
            ReplyBody::Drop | ReplyBody::Batch(_) => return None,
        };
        let headers = include_headers.then(|| {
            let mut headers = Vec::new();
            if !reply.status.is_success() {
                headers.push((
                    "WWW-Authenticate".to_string(),
                    "OAuth \"Facebook Platform\"".to_string(),
                ));
            }
            headers.push(("Content-Type".to_string(), ITEM_CONTENT_TYPE.to_string()));
            for (name, value) in reply.headers {
                headers.push((name.as_str().to_string(), value));
            }
            headers
        });
        Some(BatchItem {
            code: reply.status.as_u16(),
            headers,
            body,
        })
    }

    /// About the bytes [`BatchItem::write`] writes: a JSON body's quotes are escaped,
    /// about one byte in eight.
    fn room(&self) -> usize {
        let body = match &self.body {
            ItemBody::Json(_) => 1024,
            ItemBody::Text(text) => text.len() + text.len() / 8,
        };
        body + 512
    }

    /// `{"body":"<the answer as a JSON string>","code":200,"headers":[{"name","value"}]}`.
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"body\":");
        let _ = match &self.body {
            ItemBody::Json(value) => serde_json::to_writer(&mut *out, &value.to_string()),
            ItemBody::Text(text) => serde_json::to_writer(&mut *out, text),
        };
        out.extend_from_slice(b",\"code\":");
        out.extend_from_slice(self.code.to_string().as_bytes());
        if let Some(headers) = &self.headers {
            out.extend_from_slice(b",\"headers\":[");
            for (i, (name, value)) in headers.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"name\":");
                let _ = serde_json::to_writer(&mut *out, name);
                out.extend_from_slice(b",\"value\":");
                let _ = serde_json::to_writer(&mut *out, value);
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
    }
}

/// The batch's answer: its items in order, `null` for those that did not complete.
pub(crate) fn encode(items: &[Option<BatchItem>]) -> Vec<u8> {
    // Room for the bodies as written, escapes and headers included, made once.
    let room: usize = items.iter().flatten().map(BatchItem::room).sum();
    let mut out = Vec::with_capacity(room + items.len() * 8);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match item {
            Some(item) => item.write(&mut out),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b']');
    out
}

#[cfg(test)]
mod tests;
