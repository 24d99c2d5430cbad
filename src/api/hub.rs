//! 360dialog Partner API client: clients, channels and partner change requests.
//!
//! Reference: https://docs.360dialog.com/partner/partner-api (base URL, `X-API-Key`,
//! legacy `/token` bearer flow) and "Partner Change Request Management"; digest in
//! api-notes.md §2.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::api::error::{ApiError, ErrorClass, unexpected_body};
use crate::api::graph::{decode, paging_stopped, parse_base_url, unexpected_page};
use crate::api::ids::{IdKind, checked, url_with_segments};
use crate::api::paging::hub_page;
use crate::api::text::{READABLE_CHARS, readable};
use crate::api::transport::{Answer, Call, Idempotency, LongStrings, Transport};
use crate::domain::partner::{Channel, PartnerChangeRequest, PartnerClient};

/// Default 360dialog Hub base URL.
pub const DEFAULT_HUB_URL: &str = "https://hub.360dialog.io";
/// Items asked per list page.
const PAGE_LIMIT: u64 = 100;

/// How the client authenticates to the Hub.
#[derive(Clone)]
pub enum HubAuth {
    /// `X-API-Key: <partner api key>` (recommended by 360dialog).
    ApiKey(SecretString),
    /// Legacy: `POST /token` with username and password, then `Authorization: Bearer`.
    Login {
        username: String,
        password: SecretString,
    },
}

/// A Partner API client for one partner.
#[derive(Clone)]
pub struct HubClient {
    transport: Transport,
    base: Url,
    partner_id: String,
    auth: HubAuth,
    bearer: Arc<Mutex<Option<SecretString>>>,
}

impl HubClient {
    /// Checks the base URL and partner id; does not call the network.
    pub fn new(
        transport: Transport,
        base_url: &str,
        partner_id: &str,
        auth: HubAuth,
    ) -> Result<Self, ApiError> {
        let base = parse_base_url(base_url, transport.config().allow_insecure_http)?;
        let partner_id = partner_id.trim();
        crate::api::ids::checked(IdKind::Partner, partner_id)?;
        Ok(HubClient {
            transport,
            base,
            partner_id: partner_id.to_string(),
            auth,
            bearer: Arc::default(),
        })
    }

    /// The partner this client acts for.
    pub fn partner_id(&self) -> &str {
        &self.partner_id
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `GET /partners/{pid}/clients`, every page.
    pub async fn clients(
        &self,
        filters: Option<&serde_json::Value>,
    ) -> Result<Vec<PartnerClient>, ApiError> {
        self.list(
            &["partners", &self.partner_id, "clients"],
            &["clients"],
            filters,
        )
        .await
    }

    /// `GET /partners/{pid}/channels`, every page. The items key is `partner_channels`
    /// in the docs' examples (api-notes marks it unsure), so `channels` is read too.
    pub async fn channels(
        &self,
        filters: Option<&serde_json::Value>,
    ) -> Result<Vec<Channel>, ApiError> {
        self.list(
            &["partners", &self.partner_id, "channels"],
            &["partner_channels", "channels"],
            filters,
        )
        .await
    }

    /// `GET /partners/{pid}/selective_partner_change_requests`, every page.
    pub async fn partner_change_requests(&self) -> Result<Vec<PartnerChangeRequest>, ApiError> {
        self.list(
            &[
                "partners",
                &self.partner_id,
                "selective_partner_change_requests",
            ],
            &[
                "selective_partner_change_requests",
                "partner_change_requests",
                "data",
            ],
            None,
        )
        .await
    }

    /// Approves a partner change request; the Hub then moves the client in the
    /// background. Path per "Partner Change Request Management" (exact suffix *unsure*).
    /// Never retried automatically.
    pub async fn approve_partner_change_request(
        &self,
        request_id: &str,
    ) -> Result<PartnerChangeRequest, ApiError> {
        let request_id = checked(IdKind::ChangeRequest, request_id)?;
        let segments = [
            "partners",
            &self.partner_id,
            "selective_partner_change_requests",
            request_id,
            "approve",
        ];
        let endpoint = self.endpoint(&Method::POST, &segments);
        let answer = self
            .send(&segments, Method::POST, Idempotency::Write, &[])
            .await?;
        decode(&endpoint, &answer.headers, &answer.body.bytes)
    }

    /// Reads `limit`/`offset` pages until `offset` reaches `total`, at most
    /// `max_pages`; items that do not decode are counted on the transport.
    async fn list<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        item_keys: &[&str],
        filters: Option<&serde_json::Value>,
    ) -> Result<Vec<T>, ApiError> {
        let endpoint = self.endpoint(&Method::GET, segments);
        let max_pages = self.transport.config().max_pages;
        let mut items = Vec::new();
        let mut unreadable = 0;
        let mut offset = 0u64;
        for _ in 0..max_pages {
            let mut query = vec![
                ("limit", PAGE_LIMIT.to_string()),
                ("offset", offset.to_string()),
            ];
            if let Some(filters) = filters {
                query.push(("filters", filters.to_string()));
            }
            let answer = self
                .send(segments, Method::GET, Idempotency::Read, &query)
                .await?;
            let page = hub_page::<T>(&answer.body.bytes, item_keys, PAGE_LIMIT as usize)
                .map_err(|_| unexpected_page(&endpoint, &answer.headers))?;
            drop(answer);
            items.extend(page.items.kept);
            unreadable += page.items.unreadable;
            let received = page.received as u64;
            offset += received;
            let more = match page.total {
                Some(total) => offset < total,
                None => received == PAGE_LIMIT,
            };
            if !more || received == 0 {
                self.transport.note_unreadable(&endpoint, unreadable);
                return Ok(items);
            }
        }
        Err(paging_stopped(
            &endpoint,
            &format!("kept sending pages past {max_pages} (max_pages)"),
        ))
    }

    /// `GET /api/v2/partners/nB7x2LPA/channels`: method and path, ids checked.
    fn endpoint(&self, method: &Method, segments: &[&str]) -> String {
        format!("{method} /api/v2/{}", segments.join("/"))
    }

    fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        let mut path = vec!["api", "v2"];
        path.extend_from_slice(segments);
        url_with_segments(&self.base, &path)
    }

    /// Sends with the configured auth; with the login flow a 401 refreshes the bearer
    /// token once and repeats the call (the call was refused, so nothing happened).
    async fn send(
        &self,
        segments: &[&str],
        method: Method,
        idempotency: Idempotency,
        query: &[(&str, String)],
    ) -> Result<Answer, ApiError> {
        let endpoint = self.endpoint(&method, segments);
        let url = self.url(segments)?;
        let call = Call {
            endpoint: &endpoint,
            subject: None,
            idempotency,
            classify: classify_hub_answer,
            long_strings: LongStrings::Cut,
        };
        for refreshed in [false, true] {
            let auth_header = self.auth_header(refreshed).await?;
            let result = self
                .transport
                .send(call, || {
                    self.transport
                        .http()
                        .request(method.clone(), url.clone())
                        .query(query)
                        .header(auth_header.0, auth_header.1.expose_secret())
                })
                .await;
            match result {
                Err(e)
                    if e.http_status == Some(401)
                        && matches!(self.auth, HubAuth::Login { .. })
                        && !refreshed =>
                {
                    *self.bearer.lock().await = None;
                }
                other => return other,
            }
        }
        unreachable!("the loop returns on its second pass")
    }

    async fn auth_header(
        &self,
        force_refresh: bool,
    ) -> Result<(&'static str, SecretString), ApiError> {
        match &self.auth {
            HubAuth::ApiKey(key) => Ok(("X-API-Key", key.clone())),
            HubAuth::Login { username, password } => {
                let mut cached = self.bearer.lock().await;
                if force_refresh || cached.is_none() {
                    *cached = Some(self.login(username, password).await?);
                }
                let token = cached
                    .as_ref()
                    .map(|t| t.expose_secret().to_string())
                    .unwrap_or_default();
                Ok((
                    "Authorization",
                    SecretString::from(format!("Bearer {token}")),
                ))
            }
        }
    }

    /// `POST /token` with `{"username","password"}` → `access_token`.
    async fn login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<SecretString, ApiError> {
        #[derive(Deserialize)]
        struct Token {
            access_token: SecretString,
        }
        let endpoint = self.endpoint(&Method::POST, &["token"]);
        let url = self.url(&["token"])?;
        let body =
            serde_json::json!({ "username": username, "password": password.expose_secret() });
        let call = Call {
            endpoint: &endpoint,
            subject: None,
            idempotency: Idempotency::Read,
            classify: classify_hub_answer,
            long_strings: LongStrings::Cut,
        };
        let answer = self
            .transport
            .send(call, || self.transport.http().post(url.clone()).json(&body))
            .await?;
        let token: Token = decode(&endpoint, &answer.headers, &answer.body.bytes)?;
        Ok(token.access_token)
    }
}

/// Classifies a Hub error: `{"meta":{"success":false,"http_code":400,"developer_message":"..."}}`.
pub fn classify_hub_answer(
    endpoint: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    #[derive(Deserialize)]
    struct Envelope {
        meta: Meta,
    }
    #[derive(Deserialize)]
    struct Meta {
        // 360dialog's error-messages page writes `developerMessage`; its SDKs and the
        // Partner API answer `developer_message`.
        #[serde(default, alias = "developerMessage")]
        developer_message: Option<String>,
        #[serde(default)]
        details: Option<Box<serde_json::value::RawValue>>,
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let mut err = unexpected_body(endpoint, status.as_u16(), content_type);
        if status.is_server_error() {
            err.class = ErrorClass::Transient;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            err.class = ErrorClass::RateLimited;
        }
        if status == StatusCode::UNAUTHORIZED {
            err.class = ErrorClass::Auth;
            err.sentence = "The Hub rejected the partner credentials: retrying will not help; check WAMIGRATE_HUB_API_KEY (or the login) of this profile.".to_string();
        }
        err.retry_after = retry_after;
        return err;
    };
    let said = envelope
        .meta
        .developer_message
        .or_else(|| envelope.meta.details.map(|d| d.get().to_string()))
        .unwrap_or_else(|| "no reason given".to_string());
    let said = readable(said.trim_end_matches('.'), READABLE_CHARS);
    let (class, sentence) = match status.as_u16() {
        401 => (
            ErrorClass::Auth,
            format!(
                "The Hub rejected the partner credentials ({said}): retrying will not help; check WAMIGRATE_HUB_API_KEY (or the login) of this profile."
            ),
        ),
        403 => (
            ErrorClass::Permission,
            format!(
                "The Hub refused access ({said}): retrying will not help; check that this key belongs to the partner id in your profile."
            ),
        ),
        404 => (
            ErrorClass::Validation,
            format!(
                "The Hub does not know this object ({said}): check the partner, client or request id."
            ),
        ),
        429 => (
            ErrorClass::RateLimited,
            format!(
                "The Hub is throttling calls ({said}): wait {} seconds and retry; wamigrate retries reads by itself.",
                retry_after.map_or(30, |d| d.as_secs().max(1))
            ),
        ),
        500..=599 => (
            ErrorClass::Transient,
            format!("The Hub had a server error ({said}): retrying later usually helps."),
        ),
        _ => (
            ErrorClass::Validation,
            format!(
                "The Hub refused the request ({said}): retrying will not help; correct the input and try again."
            ),
        ),
    };
    let mut err = ApiError::new(class, endpoint, sentence);
    err.http_status = Some(status.as_u16());
    err.server_message = Some(said);
    err.retry_after = retry_after;
    err
}
