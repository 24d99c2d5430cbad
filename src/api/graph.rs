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
use crate::api::transport::{Idempotency, Transport};
use crate::domain::number::PhoneNumber;
use crate::domain::phone::E164;
use crate::domain::template::{Template, TemplateInventory, TemplateMigrationResult};
use crate::domain::waba::{SubscribedApp, Waba};

mod recreate;
pub use recreate::{CreatedTemplate, UploadFile};

/// Default Graph API base URL.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com";
/// Default Graph API version (the 2026 docs use v25.0).
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";
/// Most pages we follow for one list, so a server that loops its cursors cannot hang us.
const MAX_PAGES: usize = 10_000;

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
}

impl GraphClient {
    /// Checks the base URL and version; does not call the network.
    pub fn new(
        transport: Transport,
        base_url: &str,
        version: &str,
        token: SecretString,
    ) -> Result<Self, ApiError> {
        let base = parse_base_url(base_url)?;
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

    /// `GET /{waba_id}?fields=...`
    pub async fn waba(&self, waba_id: &str) -> Result<Waba, ApiError> {
        self.get_json(waba_id, &[("fields", Waba::FIELDS.to_string())])
            .await
    }

    /// `GET /{business_id}/owned_whatsapp_business_accounts`, all pages.
    pub async fn owned_wabas(&self, business_id: &str) -> Result<Vec<Waba>, ApiError> {
        let path = format!("{business_id}/owned_whatsapp_business_accounts");
        Ok(self
            .get_all(&path, &[("fields", Waba::FIELDS.to_string())])
            .await?
            .0)
    }

    /// `GET /{business_id}/client_whatsapp_business_accounts`, all pages.
    pub async fn client_wabas(&self, business_id: &str) -> Result<Vec<Waba>, ApiError> {
        let path = format!("{business_id}/client_whatsapp_business_accounts");
        Ok(self
            .get_all(&path, &[("fields", Waba::FIELDS.to_string())])
            .await?
            .0)
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

    /// The WABA ids this token may manage, as Meta documents under "Get shared WABA ID
    /// with access token": `GET /debug_token?input_token=<token>` →
    /// `data.granular_scopes[scope=whatsapp_business_management].target_ids`.
    pub async fn token_waba_ids(&self) -> Result<Vec<String>, ApiError> {
        #[derive(Deserialize)]
        struct DebugToken {
            data: DebugTokenData,
        }
        #[derive(Deserialize)]
        struct DebugTokenData {
            #[serde(default)]
            granular_scopes: Vec<GranularScope>,
        }
        #[derive(Deserialize)]
        struct GranularScope {
            scope: String,
            #[serde(default)]
            target_ids: Vec<String>,
        }
        let answer: DebugToken = self
            .get_json(
                "debug_token",
                &[("input_token", self.token.expose_secret().to_string())],
            )
            .await?;
        let mut ids: Vec<String> = answer
            .data
            .granular_scopes
            .into_iter()
            .filter(|s| s.scope == "whatsapp_business_management")
            .flat_map(|s| s.target_ids)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// `GET /{waba_id}/phone_numbers?fields=...`, all pages.
    pub async fn phone_numbers(&self, waba_id: &str) -> Result<Vec<PhoneNumber>, ApiError> {
        let path = format!("{waba_id}/phone_numbers");
        Ok(self
            .get_all(&path, &[("fields", PhoneNumber::FIELDS.to_string())])
            .await?
            .0)
    }

    /// `GET /{phone_number_id}?fields=...`
    pub async fn phone_number(&self, phone_number_id: &str) -> Result<PhoneNumber, ApiError> {
        self.get_json(
            phone_number_id,
            &[("fields", PhoneNumber::FIELDS.to_string())],
        )
        .await
    }

    /// `GET /{waba_id}/subscribed_apps`: the apps receiving the WABA's webhooks.
    pub async fn subscribed_apps(&self, waba_id: &str) -> Result<Vec<SubscribedApp>, ApiError> {
        Ok(self
            .get_all(&format!("{waba_id}/subscribed_apps"), &[])
            .await?
            .0)
    }

    /// `GET /{waba_id}/message_templates` with the count and limit from `summary`.
    pub async fn templates(&self, waba_id: &str) -> Result<TemplateInventory, ApiError> {
        let path = format!("{waba_id}/message_templates");
        let query = [
            ("fields", Template::FIELDS.to_string()),
            (
                "summary",
                "message_template_count,message_template_limit".to_string(),
            ),
        ];
        let (templates, summary) = self.get_all::<Template>(&path, &query).await?;
        let figure = |key: &str| {
            summary
                .as_ref()
                .and_then(|s| s.get(key))
                .and_then(json_count)
        };
        Ok(TemplateInventory {
            templates,
            count: figure("message_template_count"),
            limit: figure("message_template_limit"),
        })
    }

    /// `POST /{dest_waba_id}/phone_numbers` with `migrate_phone_number=true`: starts a
    /// migration into the destination. Never retried automatically.
    pub async fn add_number_for_migration(
        &self,
        dest_waba_id: &str,
        number: &E164,
    ) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct Created {
            id: String,
        }
        let body = serde_json::json!({
            "cc": number.country_code,
            "phone_number": number.national,
            "migrate_phone_number": true,
        });
        let created: Created = self
            .post_json(&format!("{dest_waba_id}/phone_numbers"), body)
            .await?;
        Ok(created.id)
    }

    /// `POST /{phone_number_id}/request_code`. Never retried automatically.
    pub async fn request_code(
        &self,
        phone_number_id: &str,
        method: CodeMethod,
        language: &str,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "code_method": method.as_str(), "language": language });
        self.post_success(&format!("{phone_number_id}/request_code"), body)
            .await
    }

    /// `POST /{phone_number_id}/verify_code`. Never retried automatically.
    pub async fn verify_code(
        &self,
        phone_number_id: &str,
        code: &SecretString,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "code": code.expose_secret() });
        self.post_success(&format!("{phone_number_id}/verify_code"), body)
            .await
    }

    /// `POST /{phone_number_id}/register` with a new 6-digit PIN. A register call is
    /// precious (10 per 72 h): never retried automatically.
    pub async fn register(
        &self,
        phone_number_id: &str,
        pin: &SecretString,
    ) -> Result<(), ApiError> {
        let body =
            serde_json::json!({ "messaging_product": "whatsapp", "pin": pin.expose_secret() });
        self.post_success(&format!("{phone_number_id}/register"), body)
            .await
    }

    /// `POST /{phone_number_id}/register` with the On-Premise backup, moving the number
    /// to the Cloud API with its history (Meta's "Migrate from On-Premise to Cloud API").
    /// Never retried automatically.
    pub async fn register_with_backup(
        &self,
        phone_number_id: &str,
        pin: &SecretString,
        backup_data: &str,
        backup_password: &SecretString,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "pin": pin.expose_secret(),
            "backup": { "data": backup_data, "password": backup_password.expose_secret() },
        });
        self.post_success(&format!("{phone_number_id}/register"), body)
            .await
    }

    /// `POST /{dest_waba_id}/migrate_message_templates` for one page set or id list.
    pub async fn migrate_message_templates(
        &self,
        dest_waba_id: &str,
        source_waba_id: &str,
        page: &TemplateMigrationPage,
    ) -> Result<TemplateMigrationResult, ApiError> {
        let body = match page {
            TemplateMigrationPage::Page { page_number, count } => serde_json::json!({
                "source_waba_id": source_waba_id, "page_number": page_number, "count": count,
            }),
            TemplateMigrationPage::Ids(ids) => serde_json::json!({
                "source_waba_id": source_waba_id, "template_ids": ids,
            }),
        };
        self.post_json(&format!("{dest_waba_id}/migrate_message_templates"), body)
            .await
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}/{}/{}",
            self.base.path().trim_end_matches('/'),
            self.version,
            path
        ));
        url
    }

    fn endpoint(&self, method: &Method, path: &str) -> String {
        format!("{method} /{}/{path}", self.version)
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.transport
            .http()
            .request(method, self.url(path))
            .bearer_auth(self.token.expose_secret())
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let endpoint = self.endpoint(&Method::GET, path);
        let answer = self
            .transport
            .send(&endpoint, Idempotency::Read, classify_graph_answer, || {
                self.request(Method::GET, path).query(query)
            })
            .await?;
        decode(&endpoint, &answer.headers, &answer.body)
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<T, ApiError> {
        let endpoint = self.endpoint(&Method::POST, path);
        let answer = self
            .transport
            .send(&endpoint, Idempotency::Write, classify_graph_answer, || {
                self.request(Method::POST, path).json(&body)
            })
            .await?;
        decode(&endpoint, &answer.headers, &answer.body)
    }

    /// A write answered with `{"success": true}`.
    async fn post_success(&self, path: &str, body: serde_json::Value) -> Result<(), ApiError> {
        #[derive(Deserialize)]
        struct Success {
            #[serde(default)]
            success: Option<bool>,
        }
        let answer: Success = self.post_json(path, body).await?;
        if answer.success == Some(false) {
            return Err(ApiError::new(
                ErrorClass::Validation,
                self.endpoint(&Method::POST, path),
                "The API answered success=false without an error: check the number's state in WhatsApp Manager before trying again.",
            ));
        }
        Ok(())
    }

    /// Follows `paging.cursors.after` while `paging.next` is present. The `next` URL
    /// itself is not followed: it may name another host or carry a token in its query.
    async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Vec<T>, Option<serde_json::Map<String, serde_json::Value>>), ApiError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            data: Vec<serde_json::Value>,
            #[serde(default)]
            paging: Option<Paging>,
            #[serde(default)]
            summary: Option<serde_json::Map<String, serde_json::Value>>,
        }
        #[derive(Deserialize)]
        struct Paging {
            #[serde(default)]
            cursors: Option<Cursors>,
            #[serde(default)]
            next: Option<String>,
        }
        #[derive(Deserialize)]
        struct Cursors {
            #[serde(default)]
            after: Option<String>,
        }
        let endpoint = self.endpoint(&Method::GET, path);
        let mut items = Vec::new();
        let mut summary = None;
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page_query: Vec<(&str, String)> = query.to_vec();
            page_query.push(("limit", self.page_size.to_string()));
            if let Some(cursor) = &after {
                page_query.push(("after", cursor.clone()));
            }
            let page: Page = self.get_json(path, &page_query).await?;
            summary = summary.or(page.summary);
            for raw in page.data {
                match serde_json::from_value::<T>(raw) {
                    Ok(item) => items.push(item),
                    Err(e) => {
                        tracing::warn!(endpoint, error = %e, "skipped an item the API sent without its id")
                    }
                }
            }
            let next_cursor = page
                .paging
                .filter(|p| p.next.is_some())
                .and_then(|p| p.cursors)
                .and_then(|c| c.after);
            match next_cursor {
                Some(cursor) if after.as_ref() != Some(&cursor) => after = Some(cursor),
                _ => return Ok((items, summary)),
            }
        }
        Err(ApiError::new(
            ErrorClass::UnexpectedBody,
            endpoint,
            format!(
                "The API kept sending pages past {MAX_PAGES}: stopped reading; report this with the endpoint."
            ),
        ))
    }
}

/// Checks a base URL the operator typed: `http(s)://host[:port][/prefix]`.
pub fn parse_base_url(raw: &str) -> Result<Url, ApiError> {
    let bad = || {
        ApiError::new(
            ErrorClass::Validation,
            "-",
            format!(
                "'{raw}' is not a usable base URL: write it as https://host (or http://127.0.0.1:PORT for the sandbox)."
            ),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || url.query().is_some()
    {
        return Err(bad());
    }
    Ok(url)
}

fn json_count(value: &serde_json::Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.parse().ok())
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
