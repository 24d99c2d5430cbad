//! Graph batch requests: many reads in one round trip, as Meta's "Batch Requests" page
//! documents them (https://developers.facebook.com/docs/graph-api/batch-requests): a
//! `POST` to the version root whose `batch` parameter is a JSON array of at most 50
//! operations `{"method","relative_url"}`; the answer is an array in the same order,
//! each item `{"code","headers","body"}` with `body` "a JSON encoded string" and
//! `headers` a list of `{"name","value"}`; a failing operation carries its error in its
//! own item while the others complete; an operation the batch did not complete (it
//! timed out) is `null` and may be retried. "Each call within the batch is counted
//! separately" toward the rate limits, so each item's usage headers go to the usage book
//! under the operation's WABA, as a call of its own would.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::api::body::{MAX_STRING_BYTES, cut_long_strings};
use crate::api::error::ApiError;
use crate::api::graph::{GraphClient, classify_graph_answer, unexpected_page};
use crate::api::ids::url_with_segments;
use crate::api::transport::{Call, Idempotency, LongStrings};

/// The most operations Meta takes in one batch ("Batch requests are limited to 50
/// requests per batch").
pub const MAX_BATCH: usize = 50;

/// One read of a batch: the object it is about (rate-limit bookkeeping) and its URL
/// relative to the version root (`104996?fields=...`).
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub subject: String,
    pub relative_url: String,
}

/// What became of one operation.
pub(crate) enum Outcome {
    /// It was answered: a 2xx body, or its classified error.
    Answered(Result<Vec<u8>, ApiError>),
    /// The batch did not complete it (`null`): it may be sent again.
    NotCompleted,
}

/// One item of a batch's answer.
#[derive(Deserialize)]
struct Item {
    code: u16,
    #[serde(default)]
    headers: Vec<ItemHeader>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
struct ItemHeader {
    name: String,
    value: String,
}

impl GraphClient {
    /// Sends `operations` (GETs, at most [`MAX_BATCH`]) as one batch. The batch only
    /// reads, so the transport may retry it like any read. `Err` when the batch as a
    /// whole failed or its answer is not the documented array, one item per operation.
    pub(crate) async fn batch(&self, operations: &[Operation]) -> Result<Vec<Outcome>, ApiError> {
        let endpoint = format!("POST /{} (batch of {})", self.version, operations.len());
        let url = url_with_segments(&self.base, &[self.version.as_str()])?;
        let batch = serde_json::Value::Array(
            operations
                .iter()
                .map(|o| json!({ "method": "GET", "relative_url": o.relative_url }))
                .collect(),
        )
        .to_string();
        let call = Call {
            endpoint: &endpoint,
            subject: None,
            idempotency: Idempotency::Read,
            classify: classify_graph_answer,
            long_strings: LongStrings::Keep,
        };
        let answer = self
            .transport
            .send(call, || {
                self.request(Method::POST, url.clone())
                    .form(&[("batch", batch.as_str()), ("include_headers", "true")])
            })
            .await?;
        let items: Vec<Option<Item>> = serde_json::from_slice(&answer.body.bytes)
            .map_err(|_| unexpected_page(&endpoint, &answer.headers))?;
        if items.len() != operations.len() {
            return Err(unexpected_page(&endpoint, &answer.headers));
        }
        Ok(items
            .into_iter()
            .zip(operations)
            .map(|(item, operation)| match item {
                None => Outcome::NotCompleted,
                Some(item) => Outcome::Answered(self.item_result(item, operation)),
            })
            .collect())
    }

    /// An item as the call it stands for would have ended: its usage noted, its body, or
    /// its error classified as that call's error.
    fn item_result(&self, item: Item, operation: &Operation) -> Result<Vec<u8>, ApiError> {
        let mut headers = HeaderMap::new();
        for header in item.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(header.name.as_bytes()),
                HeaderValue::from_str(&header.value),
            ) {
                headers.append(name, value);
            }
        }
        // The envelope was read with its long strings kept (each body is one); the
        // body's own strings are held to the bound every other answer has.
        let body = item.body.unwrap_or_default().into_bytes();
        let body = cut_long_strings(&body, MAX_STRING_BYTES).unwrap_or(body);
        let path = operation.relative_url.split('?').next().unwrap_or_default();
        let endpoint = format!("GET /{}/{path}", self.version);
        let status = StatusCode::from_u16(item.code).unwrap_or(StatusCode::BAD_GATEWAY);
        let result = if status.is_success() {
            Ok(body)
        } else {
            let retry_after = crate::api::transport::retry_after(
                &headers,
                crate::api::RateUsage::from_headers(&headers),
            );
            Err(classify_graph_answer(
                &endpoint,
                status,
                &headers,
                &body,
                retry_after,
            ))
        };
        self.transport
            .note_operation(&operation.subject, &headers, result.as_ref().err());
        result
    }
}
