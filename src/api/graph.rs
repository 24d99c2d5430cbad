//! Meta Graph API client: the reads and writes a migration needs.
//!
//! Endpoints and shapes: Meta's WhatsApp Business Platform reference (phone numbers,
//! WABA, message templates, template migration) and "Migrating phone numbers among
//! solution partners programmatically"; digest in api-notes.md §1.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::api::error::{ApiError, ErrorClass, classify_graph, parse_graph_error, unexpected_body};
use crate::api::fields::{DroppedFields, FieldSet};
use crate::api::ids::{IdKind, checked, url_with_segments};
use crate::api::paging::{Summary, graph_page};
use crate::api::transport::{Call, Idempotency, LongStrings, Transport};
use crate::domain::number::PhoneNumber;
use crate::domain::phone::E164;
use crate::domain::template::{Template, TemplateInventory, TemplateMigrationResult};
use crate::domain::waba::{SubscribedApp, Waba};

mod base_url;
mod batch;
mod fleet;
mod recreate;
mod writes;
pub use base_url::{insecure_http_sentence, is_loopback_url, parse_base_url};
pub use batch::MAX_BATCH;
pub use fleet::WabaNumbers;
pub use recreate::{CreatedTemplate, UploadFile};

/// Default Graph API base URL.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com";
/// Default Graph API version (the 2026 docs use v25.0).
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";

/// `code_method` of `request_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CodeMethod {
    Sms,
    Voice,
}

impl CodeMethod {
    /// The value as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeMethod::Sms => "SMS",
            CodeMethod::Voice => "VOICE",
        }
    }
}

/// One page request of `migrate_message_templates`: a page set or explicit ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateMigrationPage {
    /// Zero-based set of `count` (≤ 500) templates.
    Page { page_number: u32, count: u32 },
    /// Retry of specific template ids (≤ 500).
    Ids(Vec<String>),
}

/// A Graph API client bound to one base URL, version and token.
#[derive(Clone)]
pub struct GraphClient {
    transport: Transport,
    base: Url,
    version: String,
    token: SecretString,
    page_size: u32,
    /// Fields this Graph version refused, remembered for the session (every clone).
    dropped: DroppedFields,
    /// Field expansion or batches this Graph version refused (every clone).
    refusals: std::sync::Arc<fleet::Refusals>,
}

impl GraphClient {
    /// Checks the base URL and version; does not call the network.
    pub fn new(
        transport: Transport,
        base_url: &str,
        version: &str,
        token: SecretString,
    ) -> Result<Self, ApiError> {
        let base = parse_base_url(base_url, transport.config().allow_insecure_http)?;
        let version = version.trim().trim_matches('/');
        let looks_like_version = version
            .strip_prefix('v')
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
        if !looks_like_version {
            return Err(ApiError::new(
                ErrorClass::Validation,
                "-",
                format!("'{version}' is not a Graph API version: use the form v25.0."),
            ));
        }
        if token.expose_secret().trim().is_empty() {
            return Err(ApiError::new(
                ErrorClass::Auth,
                "-",
                "No Graph API token is set: set WAMIGRATE_GRAPH_TOKEN, pass --token-file, or put graph_token in the profile.",
            ));
        }
        Ok(GraphClient {
            transport,
            base,
            version: version.to_string(),
            token,
            page_size: 100,
            dropped: DroppedFields::default(),
            refusals: std::sync::Arc::default(),
        })
    }

    /// Page size asked of list endpoints (`limit`).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The same client with its own bound on requests in flight.
    pub fn with_concurrency(mut self, limit: usize) -> Self {
        self.transport = self.transport.with_concurrency(limit);
        self
    }

    /// The base URL this client talks to (shown on the top bar).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The transport, for usage figures.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The fields this Graph version refused so far (`doctor`, the log).
    pub fn dropped_fields(&self) -> &DroppedFields {
        &self.dropped
    }

    /// `GET /{waba_id}?fields=...`
    pub async fn waba(&self, waba_id: &str) -> Result<Waba, ApiError> {
        let waba_id = checked(IdKind::Graph, waba_id)?;
        let (mut waba, without) = self
            .dropped
            .read(FieldSet::Waba, |fields| async move {
                self.get_json::<Waba>(&[waba_id], &[("fields", fields)])
                    .await
            })
            .await?;
        waba.fields_not_read = without;
        Ok(waba)
    }

    /// `GET /{business_id}/owned_whatsapp_business_accounts`, all pages.
    pub async fn owned_wabas(&self, business_id: &str) -> Result<Vec<Waba>, ApiError> {
        self.business_edge(business_id, "owned_whatsapp_business_accounts")
            .await
    }

    /// `GET /{business_id}/client_whatsapp_business_accounts`, all pages.
    pub async fn client_wabas(&self, business_id: &str) -> Result<Vec<Waba>, ApiError> {
        self.business_edge(business_id, "client_whatsapp_business_accounts")
            .await
    }

    async fn business_edge(&self, business_id: &str, edge: &str) -> Result<Vec<Waba>, ApiError> {
        let business_id = checked(IdKind::Graph, business_id)?;
        let (mut wabas, without) = self
            .dropped
            .read(FieldSet::Waba, |fields| async move {
                self.get_all::<Waba>(&[business_id, edge], &[("fields", fields)])
                    .await
            })
            .await?;
        for waba in &mut wabas.0 {
            waba.fields_not_read.clone_from(&without);
        }
        Ok(wabas.0)
    }

    /// The owned and client WABAs of a business, owned first, without duplicates.
    pub async fn business_wabas(&self, business_id: &str) -> Result<Vec<Waba>, ApiError> {
        let (owned, client) = tokio::join!(
            self.owned_wabas(business_id),
            self.client_wabas(business_id)
        );
        let mut wabas = owned?;
        for waba in client? {
            if !wabas.iter().any(|w| w.id == waba.id) {
                wabas.push(waba);
            }
        }
        Ok(wabas)
    }

    /// What `GET /debug_token?input_token=<token>` says of this client's own token:
    /// validity, expiry, scopes and the assets each scope reaches
    /// (https://developers.facebook.com/docs/graph-api/reference/debug_token; the
    /// `granular_scopes` shape: "Get shared WABA ID with access token",
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-accounts).
    pub async fn debug_token(&self) -> Result<TokenInfo, ApiError> {
        #[derive(Deserialize)]
        struct DebugToken {
            data: TokenInfo,
        }
        let answer: DebugToken = self
            .get_json(
                &["debug_token"],
                &[("input_token", self.token.expose_secret().to_string())],
            )
            .await?;
        Ok(answer.data)
    }

    /// The WABA ids this token may manage, as Meta documents under "Get shared WABA ID
    /// with access token": `GET /debug_token?input_token=<token>` →
    /// `data.granular_scopes[scope=whatsapp_business_management].target_ids`.
    pub async fn token_waba_ids(&self) -> Result<Vec<String>, ApiError> {
        Ok(self.debug_token().await?.managed_waba_ids())
    }

    /// `GET /{waba_id}/phone_numbers?fields=...`, all pages.
    pub async fn phone_numbers(&self, waba_id: &str) -> Result<Vec<PhoneNumber>, ApiError> {
        let waba_id = checked(IdKind::Graph, waba_id)?;
        let ((mut numbers, _), without) = self
            .dropped
            .read(FieldSet::PhoneNumber, |fields| async move {
                self.get_all::<PhoneNumber>(&[waba_id, "phone_numbers"], &[("fields", fields)])
                    .await
            })
            .await?;
        for number in &mut numbers {
            number.fields_not_read.clone_from(&without);
        }
        Ok(numbers)
    }

    /// `GET /{phone_number_id}?fields=...`
    pub async fn phone_number(&self, phone_number_id: &str) -> Result<PhoneNumber, ApiError> {
        let phone_number_id = checked(IdKind::Graph, phone_number_id)?;
        let (mut number, without) = self
            .dropped
            .read(FieldSet::PhoneNumber, |fields| async move {
                self.get_json::<PhoneNumber>(&[phone_number_id], &[("fields", fields)])
                    .await
            })
            .await?;
        number.fields_not_read = without;
        Ok(number)
    }

    /// `GET /{waba_id}/subscribed_apps`: the apps receiving the WABA's webhooks.
    pub async fn subscribed_apps(&self, waba_id: &str) -> Result<Vec<SubscribedApp>, ApiError> {
        let waba_id = checked(IdKind::Graph, waba_id)?;
        Ok(self.get_all(&[waba_id, "subscribed_apps"], &[]).await?.0)
    }

    /// `GET /{waba_id}/message_templates` with the count and limit from `summary`.
    pub async fn templates(&self, waba_id: &str) -> Result<TemplateInventory, ApiError> {
        let waba_id = checked(IdKind::Graph, waba_id)?;
        let ((templates, summary), _) = self
            .dropped
            .read(FieldSet::Template, |fields| {
                let query = [
                    ("fields", fields),
                    (
                        "summary",
                        "message_template_count,message_template_limit".to_string(),
                    ),
                ];
                async move {
                    self.get_all::<Template>(&[waba_id, "message_templates"], &query)
                        .await
                }
            })
            .await?;
        let summary = summary.unwrap_or_default();
        Ok(TemplateInventory {
            templates,
            count: summary.message_template_count,
            limit: summary.message_template_limit,
        })
    }

    /// The endpoint as records show it: `GET /v25.0/104996/phone_numbers` (ids in it
    /// were checked, so joining them for display is safe).
    fn endpoint(&self, method: &Method, segments: &[&str]) -> String {
        format!("{method} /{}/{}", self.version, segments.join("/"))
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.transport
            .http()
            .request(method, url)
            .bearer_auth(self.token.expose_secret())
    }

    /// Sends one call to `/{version}/{segments...}` and returns the answer's body.
    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<(String, crate::api::transport::Answer), ApiError> {
        let endpoint = self.endpoint(&method, segments);
        let mut path = vec![self.version.as_str()];
        path.extend_from_slice(segments);
        let url = url_with_segments(&self.base, &path)?;
        let call = Call {
            endpoint: &endpoint,
            subject: segments
                .first()
                .copied()
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit())),
            idempotency: if method == Method::GET {
                Idempotency::Read
            } else {
                Idempotency::Write
            },
            classify: classify_graph_answer,
            long_strings: LongStrings::Cut,
        };
        let answer = self
            .transport
            .send(call, || {
                let request = self.request(method.clone(), url.clone()).query(query);
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        Ok((endpoint, answer))
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let (endpoint, answer) = self.send(Method::GET, segments, query, None).await?;
        decode(&endpoint, &answer.headers, &answer.body.bytes)
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: serde_json::Value,
    ) -> Result<T, ApiError> {
        let (endpoint, answer) = self.send(Method::POST, segments, &[], Some(&body)).await?;
        decode(&endpoint, &answer.headers, &answer.body.bytes)
    }

    /// A write answered with `{"success": true}`.
    async fn post_success(
        &self,
        segments: &[&str],
        body: serde_json::Value,
    ) -> Result<(), ApiError> {
        #[derive(Deserialize)]
        struct Success {
            #[serde(default)]
            success: Option<bool>,
        }
        let answer: Success = self.post_json(segments, body).await?;
        if answer.success == Some(false) {
            return Err(ApiError::new(
                ErrorClass::Validation,
                self.endpoint(&Method::POST, segments),
                "The API answered success=false without an error: check the number's state in WhatsApp Manager before trying again.",
            ));
        }
        Ok(())
    }

    /// Follows `paging.cursors.after` while `paging.next` is present. The `next` URL
    /// itself is not followed: it may name another host or carry a token in its query.
    /// Stops with an error at a cursor seen before or past the page limit; items that
    /// do not decode are counted on the transport ([`Transport::unreadable_items`]).
    async fn get_all<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<(Vec<T>, Option<Summary>), ApiError> {
        self.get_pages(segments, query, None).await
    }

    /// As [`GraphClient::get_all`], from the page after the cursor `first_after` (the
    /// rest of a list whose first page came another way, e.g. field expansion).
    async fn get_pages<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        first_after: Option<String>,
    ) -> Result<(Vec<T>, Option<Summary>), ApiError> {
        let endpoint = self.endpoint(&Method::GET, segments);
        let max_pages = self.transport.config().max_pages;
        let mut items = Vec::new();
        let mut unreadable = 0;
        let mut summary = None;
        let mut seen_cursors: std::collections::HashSet<String> =
            first_after.iter().cloned().collect();
        let mut after: Option<String> = first_after;
        for _ in 0..max_pages {
            let mut page_query: Vec<(&str, String)> = query.to_vec();
            page_query.push(("limit", self.page_size.to_string()));
            if let Some(cursor) = &after {
                page_query.push(("after", cursor.clone()));
            }
            let (_, answer) = self.send(Method::GET, segments, &page_query, None).await?;
            let page = graph_page::<T>(&answer.body.bytes, self.page_size as usize)
                .map_err(|_| unexpected_page(&endpoint, &answer.headers))?;
            drop(answer);
            summary = summary.or(page.summary);
            items.extend(page.items.kept);
            unreadable += page.items.unreadable;
            let next_cursor = page
                .paging
                .filter(|p| p.next.is_some())
                .and_then(|p| p.cursors)
                .and_then(|c| c.after);
            let Some(cursor) = next_cursor else {
                self.transport.note_unreadable(&endpoint, unreadable);
                return Ok((items, summary));
            };
            if !seen_cursors.insert(cursor.clone()) {
                return Err(paging_stopped(
                    &endpoint,
                    "sent a paging cursor it had already sent (the list loops)",
                ));
            }
            after = Some(cursor);
        }
        Err(paging_stopped(
            &endpoint,
            &format!("kept sending pages past {max_pages} (max_pages)"),
        ))
    }
}

/// The `data` of a `debug_token` answer (unknown keys ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenInfo {
    #[serde(default)]
    pub is_valid: Option<bool>,
    /// Unix seconds; `0` means the token does not expire (system-user tokens).
    #[serde(default, deserialize_with = "crate::domain::lenient::count")]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub granular_scopes: Vec<GranularScope>,
}

/// One permission and the assets it was granted on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GranularScope {
    pub scope: String,
    #[serde(default)]
    pub target_ids: Vec<String>,
}

impl TokenInfo {
    /// The WABA ids of `whatsapp_business_management`, sorted, without duplicates: the
    /// WABAs this token may manage (read and write: templates, numbers, migrations).
    pub fn managed_waba_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .granular_scopes
            .iter()
            .filter(|s| s.scope == "whatsapp_business_management")
            .flat_map(|s| s.target_ids.iter().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Whether Graph refused a read as not readable with this token: code 100 with subcode
/// 33, "Unsupported get request. Object with ID '…' does not exist, cannot be loaded due
/// to missing permissions, or does not support this operation" (the subcode is deprecated
/// since v16, so the text counts too), or a permission error (10, 200–299). A WABA that
/// does not exist and one not shared answer alike (api-notes.md §1, "Access").
pub fn is_not_readable(e: &ApiError) -> bool {
    let unsupported_get = e.code == Some(100)
        && (e.subcode == Some(33)
            || e.server_message.as_deref().is_some_and(|m| {
                m.contains("does not exist, cannot be loaded due to missing permissions")
            }));
    unsupported_get || e.class == ErrorClass::Permission
}

/// A list read that stopped before its end; the list would be incomplete.
pub(crate) fn paging_stopped(endpoint: &str, what: &str) -> ApiError {
    ApiError::new(
        ErrorClass::UnexpectedBody,
        endpoint,
        format!(
            "The API {what}: wamigrate stopped reading and shows no part of this list, which would be incomplete; retry later, or report it with the endpoint."
        ),
    )
}

/// A list page that is not the JSON the API speaks.
pub(crate) fn unexpected_page(endpoint: &str, headers: &HeaderMap) -> ApiError {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    unexpected_body(endpoint, 200, content_type)
}

/// Decodes a 2xx body; a body that is not the expected JSON is an `UnexpectedBody`.
pub(crate) fn decode<T: DeserializeOwned>(
    endpoint: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| {
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let mut err = unexpected_body(endpoint, 200, content_type);
        if content_type.is_some_and(|ct| ct.contains("json")) {
            err.sentence = "The API answered with JSON of an unexpected shape: wamigrate may be older than the API version in use; set --graph-version to one it knows, or report the endpoint.".to_string();
        }
        err
    })
}

fn classify_graph_answer(
    endpoint: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    match parse_graph_error(body) {
        Some(parsed) => classify_graph(endpoint, status.as_u16(), &parsed, retry_after),
        None => {
            let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            let mut err = unexpected_body(endpoint, status.as_u16(), content_type);
            err.retry_after = retry_after;
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                // A gateway error page during an outage: the read may well succeed later.
                err.class = if status.is_server_error() {
                    ErrorClass::Transient
                } else {
                    ErrorClass::RateLimited
                };
            }
            err
        }
    }
}
