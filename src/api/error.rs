//! Errors from the Graph and Partner APIs, classified for the operator.
//!
//! Every error carries one sentence that says what happened, whether retrying can help
//! and what to do next. Codes and their meanings: Meta's "Error codes" page of the
//! WhatsApp Business Platform (sections "Phone migration errors", "Registration",
//! "Throttling") as digested in api-notes.md.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::api::text::{READABLE_CHARS, readable};

/// What kind of failure this is: decides retries and how the UI presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The token is missing, expired or invalid.
    Auth,
    /// The token is valid but lacks a permission or asset access.
    Permission,
    /// Too many calls; `retry_after` says how long to wait when the API told us.
    RateLimited,
    /// The request itself was refused (bad parameter, unknown object).
    Validation,
    /// Meta refused a migration step (the 2388xxx table).
    MigrationBlocker,
    /// Registration, PIN or verification-code problems (133xxx, 136024).
    Registration,
    /// Policy enforcement: account locked or restricted.
    Policy,
    /// A temporary failure on the server side; retrying later can help.
    Transient,
    /// No answer: connection refused, dropped, timed out, DNS.
    Network,
    /// The answer was not the JSON the API speaks (an HTML error page, a proxy).
    UnexpectedBody,
}

impl ErrorClass {
    /// Whether repeating the same call later can succeed without the operator acting.
    pub fn retry_can_help(self) -> bool {
        matches!(
            self,
            ErrorClass::RateLimited | ErrorClass::Transient | ErrorClass::Network
        )
    }

    /// Short label for tables and the log pane.
    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::Auth => "auth",
            ErrorClass::Permission => "permission",
            ErrorClass::RateLimited => "rate-limited",
            ErrorClass::Validation => "validation",
            ErrorClass::MigrationBlocker => "migration-blocker",
            ErrorClass::Registration => "registration",
            ErrorClass::Policy => "policy",
            ErrorClass::Transient => "transient",
            ErrorClass::Network => "network",
            ErrorClass::UnexpectedBody => "unexpected-body",
        }
    }
}

/// A failed API call, classified. Holds no secret: only the method and path of the call
/// (never its query string or body) and what the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub class: ErrorClass,
    /// The operator sentence: what happened, whether a retry can help, what to do.
    pub sentence: String,
    /// `GET /v25.0/123/phone_numbers`: method and path, no query.
    pub endpoint: String,
    pub http_status: Option<u16>,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    /// The server's own message: one line, control characters replaced, cut to a
    /// readable length.
    pub server_message: Option<String>,
    /// Meta's trace id: support needs it.
    pub fbtrace_id: Option<String>,
    /// How long the server asked us to wait, when it said.
    pub retry_after: Option<Duration>,
    /// No answer arrived within the call's timeout (the server may still have acted).
    pub timed_out: bool,
}

impl ApiError {
    /// A classified error with no server details (network failures, local problems).
    pub fn new(
        class: ErrorClass,
        endpoint: impl Into<String>,
        sentence: impl Into<String>,
    ) -> Self {
        ApiError {
            class,
            sentence: sentence.into(),
            endpoint: endpoint.into(),
            http_status: None,
            code: None,
            subcode: None,
            server_message: None,
            fbtrace_id: None,
            retry_after: None,
            timed_out: false,
        }
    }

    /// Whether repeating the call later can succeed without the operator acting.
    pub fn retry_can_help(&self) -> bool {
        self.class.retry_can_help()
    }

    /// The codes in one short bracket, e.g. `HTTP 400, code 100/2388012, fbtrace_id AbC`.
    pub fn reference(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.http_status {
            parts.push(format!("HTTP {status}"));
        }
        match (self.code, self.subcode) {
            (Some(c), Some(s)) => parts.push(format!("code {c}/{s}")),
            (Some(c), None) => parts.push(format!("code {c}")),
            (None, Some(s)) => parts.push(format!("subcode {s}")),
            (None, None) => {}
        }
        if let Some(trace) = &self.fbtrace_id {
            parts.push(format!("fbtrace_id {trace}"));
        }
        parts.join(", ")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)?;
        let reference = self.reference();
        if !reference.is_empty() {
            write!(f, " [{reference}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The Graph API error body: `{"error":{...}}`.
#[derive(Debug, Default, Deserialize)]
pub struct GraphErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::lenient::count")]
    pub code: Option<u64>,
    #[serde(default, deserialize_with = "crate::domain::lenient::count")]
    pub error_subcode: Option<u64>,
    #[serde(default)]
    pub error_user_title: Option<String>,
    #[serde(default)]
    pub error_user_msg: Option<String>,
    #[serde(default)]
    pub error_data: Option<GraphErrorData>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// `error.error_data` of a Graph error.
#[derive(Debug, Default, Deserialize)]
pub struct GraphErrorData {
    #[serde(default)]
    pub details: Option<String>,
}

#[derive(Deserialize)]
struct GraphErrorEnvelope {
    error: GraphErrorBody,
}

/// Parses a Graph error body; `None` when the body is not one.
pub fn parse_graph_error(body: &[u8]) -> Option<GraphErrorBody> {
    serde_json::from_slice::<GraphErrorEnvelope>(body)
        .ok()
        .map(|e| e.error)
}

/// Classifies a Graph API error answer into an [`ApiError`].
pub fn classify_graph(
    endpoint: &str,
    http_status: u16,
    body: &GraphErrorBody,
    retry_after: Option<Duration>,
) -> ApiError {
    let code = body
        .code
        .map(|c| c as i64)
        .or_else(|| code_from_message(body.message.as_deref()));
    // Server text reaches sentences, the terminal and the log pane: one line, control
    // characters out, cut to a readable length (a hostile 5 MB message stays short).
    let server_text = [
        body.message.as_deref(),
        body.error_user_title.as_deref(),
        body.error_user_msg.as_deref(),
        body.error_data.as_ref().and_then(|d| d.details.as_deref()),
    ]
    .into_iter()
    .flatten()
    .map(|part| readable(part, READABLE_CHARS))
    .collect::<Vec<_>>()
    .join(" ");
    let subcode = body
        .error_subcode
        .map(|c| c as i64)
        .or_else(|| migration_subcode_from_text(code, &server_text));
    let (class, sentence) = subcode
        .and_then(|s| known_code(s, &server_text, retry_after))
        .or_else(|| code.and_then(|c| known_code(c, &server_text, retry_after)))
        .unwrap_or_else(|| by_http_status(http_status, &server_text, retry_after));
    ApiError {
        class,
        sentence,
        endpoint: endpoint.to_string(),
        http_status: Some(http_status),
        code,
        subcode,
        server_message: body.message.as_deref().map(|m| readable(m, READABLE_CHARS)),
        fbtrace_id: body.fbtrace_id.as_deref().map(|t| readable(t, 64)),
        retry_after,
        timed_out: false,
    }
}

/// Classifies an HTTP answer whose body is not the JSON the API speaks.
pub fn unexpected_body(endpoint: &str, http_status: u16, content_type: Option<&str>) -> ApiError {
    let what = match content_type {
        Some(ct) if ct.contains("html") => "an HTML page",
        Some(ct) if !ct.is_empty() => "a non-JSON body",
        _ => "a body that is not JSON",
    };
    let mut err = ApiError::new(
        ErrorClass::UnexpectedBody,
        endpoint,
        format!(
            "The server answered HTTP {http_status} with {what} instead of the API's JSON: \
             something between you and the API (a proxy, captive portal or outage) answered; \
             check the base URL and retry later."
        ),
    );
    err.http_status = Some(http_status);
    err
}

/// Graph v16.0+ no longer sends `error_subcode` ("Deprecated. Will not be returned in
/// v16.0+ responses": https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes),
/// so a code-100 answer of the phone migration table is recognised by the descriptions
/// Meta's table gives its rows (and the causes api-notes.md lists for 2388103).
fn migration_subcode_from_text(code: Option<i64>, server_text: &str) -> Option<i64> {
    const CAUSES_OF_2388103: &[&str] = &[
        "eligible to be added directly",
        "webhooks have not been set up",
        "must have an approved display name",
        "different business manager",
        "test numbers issued by whatsapp",
        "(coexistence)",
        "destination waba is not approved",
        "has no payment method",
        "\"messaging for\"",
    ];
    if code != Some(100) {
        return None;
    }
    let text = server_text.to_ascii_lowercase();
    if text.contains("already present in your whatsapp account") {
        Some(2388012)
    } else if text.contains("phone ownership verification apis are not available") {
        Some(2388091)
    } else if CAUSES_OF_2388103.iter().any(|cause| text.contains(cause)) {
        Some(2388103)
    } else {
        None
    }
}

/// Meta writes the code into the message as `(#133005) ...`; used when `code` is absent.
fn code_from_message(message: Option<&str>) -> Option<i64> {
    let rest = message?.strip_prefix("(#")?;
    rest[..rest.find(')')?].parse().ok()
}

fn wait_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) if d.as_secs() >= 120 => format!("wait about {} minutes", d.as_secs().div_ceil(60)),
        Some(d) => format!("wait {} seconds", d.as_secs().max(1)),
        None => "wait a few minutes".to_string(),
    }
}

/// The operator sentence for a known Graph code or subcode.
fn known_code(
    code: i64,
    server_text: &str,
    retry_after: Option<Duration>,
) -> Option<(ErrorClass, String)> {
    use ErrorClass::*;
    let text = server_text.to_ascii_lowercase();
    let says = |needle: &str| text.contains(needle);
    let entry = match code {
        190 => (Auth, "The access token was rejected (expired, revoked or invalid): retrying will not help; create a new system-user token with whatsapp_business_management and set WAMIGRATE_GRAPH_TOKEN.".to_string()),
        0 | 102 => (Auth, "The API refused the session behind this token: retrying will not help; check the token in your profile and create a new one if it expired.".to_string()),
        3 | 10 | 200..=299 => (Permission, "The token lacks a permission or access to this asset: retrying will not help; give the system user whatsapp_business_management and access to this WABA in Business Settings.".to_string()),
        4 | 17 | 32 | 613 | 80007 | 80008 | 130429 => (RateLimited, format!("Meta is throttling calls ({}): {} and retry; wamigrate retries reads by itself.", match code { 4 => "app limit", 80007 | 80008 => "too many calls to this WABA", 130429 => "message throughput", _ => "rate limit" }, wait_hint(retry_after))),
        1 | 2 | 131000 | 131016 => (Transient, "Meta had a temporary error: retrying in a minute usually helps; wamigrate retries reads by itself.".to_string()),
        // 131057 "Business account is in maintenance mode" (general table) and 2494100
        // "Account in maintenance mode" (phone-migration errors), both on
        // https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
        131057 | 2494100 => (Transient, "The account is in maintenance mode at Meta: retry in a few minutes.".to_string()),
        368 => (Policy, "Meta has temporarily blocked this account for policy reasons: retrying will not help; review the account's quality and policy notices in WhatsApp Manager.".to_string()),
        131031 => (Policy, "Meta locked this account (this also follows a wrong two-step PIN): retrying will not help; check WhatsApp Manager for the lock reason and contact Meta support with the fbtrace_id.".to_string()),
        2388012 => (MigrationBlocker, "This number is already in the destination WABA: there is nothing to migrate; choose another destination or continue with verification.".to_string()),
        2388091 | 2388093 => (MigrationBlocker, "This number is not being migrated: add it to the destination with migrate_phone_number=true first, then request the code.".to_string()),
        2388103 => (MigrationBlocker, migration_blocker_sentence(&says)),
        133005 => (Registration, "The two-step verification PIN does not match: retrying with the same PIN will not help; ask the number's owner for the current PIN or have them turn two-step verification off in WhatsApp Manager (three wrong PINs lock registration).".to_string()),
        133006 => (Registration, "The number must be verified before it can be registered: request and verify a code first.".to_string()),
        133008 => (Registration, format!("Too many wrong PIN guesses: registration is locked; {} before trying again with the right PIN.", wait_hint(retry_after))),
        133009 => (Registration, "PIN attempts came too quickly: wait a minute and try once more.".to_string()),
        133010 => (Registration, "The number is not registered on the WhatsApp Business API: register it (or onboard it) before this step.".to_string()),
        133015 => (Registration, "The number was deleted recently: wait 5 minutes and try again.".to_string()),
        133016 => (Registration, "Too many register attempts for this number (10 in 72 hours): registration is blocked for 72 hours; do not retry, wait for the window to pass.".to_string()),
        136025 => (Registration, "The verification code is wrong or has expired: check the 6 digits, or request a new code (codes expire); repeated wrong codes can block verification for hours.".to_string()),
        136024 => (Registration, "Meta could not send the verification code: wait a few minutes, check the number can receive SMS or calls, then request the code again (try VOICE if SMS fails).".to_string()),
        2388001..=2388999 => (MigrationBlocker, format!("Meta refused the migration step: {}; fix the cause named here and retry.", trim_sentence(server_text))),
        _ => return None,
    };
    Some(entry)
}

/// 2388103 carries several causes told apart only by the message text.
fn migration_blocker_sentence(says: &dyn Fn(&str) -> bool) -> String {
    let cause = if says("webhook") || says("subscribed") {
        "no app is subscribed to the destination WABA's webhooks: subscribe one (POST /{waba_id}/subscribed_apps), then retry"
    } else if says("display name") || says("name change") {
        "the display name is not approved or a name change is pending: wait for the review to finish, then retry"
    } else if says("payment") {
        "the destination WABA has no payment method: add one in WhatsApp Manager, then retry"
    } else if says("different business") || says("business manager") {
        "the source and destination WABAs represent different businesses; between different Business Managers too, Meta migrates a number only into a WABA that messages on behalf of the number's business: choose such a destination"
    } else if says("messaging for") || says("on behalf") {
        "the \"Messaging For\" / on-behalf-of setup is not approved: have the business accept it, then retry"
    } else if says("not approved") || says("review") {
        "a WABA involved is not approved or still in review: wait for the review, then retry"
    } else if says("added directly") || says("no migration") {
        "this number can be added directly, no migration is needed: onboard it instead"
    } else {
        "a precondition of the migration is not met"
    };
    format!("Meta refused the migration: {cause}.")
}

fn trim_sentence(text: &str) -> &str {
    let t = text.trim().trim_end_matches('.');
    if t.is_empty() { "no reason given" } else { t }
}

fn by_http_status(
    http_status: u16,
    server_text: &str,
    retry_after: Option<Duration>,
) -> (ErrorClass, String) {
    use ErrorClass::*;
    let said = trim_sentence(server_text);
    match http_status {
        401 => (
            Auth,
            format!(
                "The API rejected the credentials ({said}): retrying will not help; check the token or API key of this profile."
            ),
        ),
        403 => (
            Permission,
            format!(
                "The API refused access ({said}): retrying will not help; check that this token or key may manage this account."
            ),
        ),
        404 => (
            Validation,
            format!(
                "The API does not know this object ({said}): check the id, and that your token can see it."
            ),
        ),
        429 => (
            RateLimited,
            format!(
                "Too many calls ({said}): {} and retry.",
                wait_hint(retry_after)
            ),
        ),
        500..=599 => (
            Transient,
            format!("The API had a server error ({said}): retrying later usually helps."),
        ),
        _ => (
            Validation,
            format!(
                "The API refused the request ({said}): retrying will not help; correct the input and try again."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(status: u16, body: &str) -> ApiError {
        classify_graph(
            "POST /v25.0/1/register",
            status,
            &parse_graph_error(body.as_bytes()).unwrap(),
            None,
        )
    }

    #[test]
    fn classifies_registration_pin_mismatch_from_the_documented_body() {
        let e = graph(
            400,
            r#"{"error":{"message":"(#133005) Two step verification PIN Mismatch","type":"OAuthException","code":133005,"error_data":{"messaging_product":"whatsapp","details":"Two step verification PIN incorrect"},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}"#,
        );
        assert_eq!(e.class, ErrorClass::Registration);
        assert!(e.sentence.contains("PIN does not match"));
        assert!(e.to_string().contains("fbtrace_id Az8or2yhqkZfEZ-_4Qn_Bam"));
        assert!(!e.retry_can_help());
    }

    #[test]
    fn migration_answers_without_a_subcode_are_recognised_by_their_description() {
        let e = graph(
            400,
            r#"{"error":{"message":"Webhooks have not been set up for the destination WhatsApp Business account.","code":100,"error_data":{"messaging_product":"whatsapp","details":"Webhooks have not been set up for the destination WhatsApp Business account."}}}"#,
        );
        assert_eq!(
            (e.class, e.subcode),
            (ErrorClass::MigrationBlocker, Some(2388103))
        );
        assert!(e.sentence.contains("webhooks"));
        let present = graph(
            400,
            r#"{"error":{"message":"The phone number you are trying to migrate is already present in your WhatsApp account.","code":100}}"#,
        );
        assert_eq!(present.subcode, Some(2388012));
        let plain = graph(
            400,
            r#"{"error":{"message":"(#100) Param pin must be 6 digits.","code":100}}"#,
        );
        assert_eq!(plain.subcode, None);
    }

    #[test]
    fn subcode_wins_and_2388103_causes_are_told_apart() {
        let webhooks = graph(
            400,
            r#"{"error":{"message":"Invalid parameter","code":100,"error_subcode":2388103,"error_user_msg":"Webhooks are not set up for the destination WABA"}}"#,
        );
        assert_eq!(webhooks.class, ErrorClass::MigrationBlocker);
        assert!(webhooks.sentence.contains("subscribed_apps"));
        let business = graph(
            400,
            r#"{"error":{"code":100,"error_subcode":2388103,"error_user_msg":"Number belongs to a different Business Manager account"}}"#,
        );
        assert!(business.sentence.contains("different Business Managers"));
    }

    #[test]
    fn code_is_read_from_the_message_when_missing() {
        let e = graph(
            400,
            r#"{"error":{"message":"(#133016) Account register deregister rate limit exceeded"}}"#,
        );
        assert_eq!(e.code, Some(133016));
        assert!(e.sentence.contains("72 hours"));
    }

    #[test]
    fn unknown_codes_fall_back_to_the_http_status() {
        assert_eq!(
            graph(503, r#"{"error":{"code":999999}}"#).class,
            ErrorClass::Transient
        );
        assert_eq!(graph(401, r#"{"error":{}}"#).class, ErrorClass::Auth);
        let throttled = classify_graph(
            "GET /x",
            400,
            &parse_graph_error(br#"{"error":{"code":80008}}"#).unwrap(),
            Some(Duration::from_secs(300)),
        );
        assert_eq!(throttled.class, ErrorClass::RateLimited);
        assert!(throttled.sentence.contains("about 5 minutes"));
    }

    #[test]
    fn html_bodies_are_named_as_such() {
        let e = unexpected_body("GET /x", 502, Some("text/html; charset=utf-8"));
        assert_eq!(e.class, ErrorClass::UnexpectedBody);
        assert!(e.sentence.contains("HTML page"));
    }

    /// Every row of the code table: its class and the sentence's telling words. A row
    /// that changes class or loses its advice fails here by name.
    #[test]
    fn every_known_code_has_its_class_and_sentence() {
        use ErrorClass::*;
        let table: &[(i64, ErrorClass, &str)] = &[
            (190, Auth, "access token was rejected"),
            (0, Auth, "refused the session"),
            (102, Auth, "refused the session"),
            (3, Permission, "lacks a permission"),
            (10, Permission, "lacks a permission"),
            (200, Permission, "lacks a permission"),
            (299, Permission, "lacks a permission"),
            (4, RateLimited, "(app limit)"),
            (17, RateLimited, "(rate limit)"),
            (32, RateLimited, "(rate limit)"),
            (613, RateLimited, "(rate limit)"),
            (80007, RateLimited, "too many calls to this WABA"),
            (80008, RateLimited, "too many calls to this WABA"),
            (130429, RateLimited, "message throughput"),
            (1, Transient, "temporary error"),
            (2, Transient, "temporary error"),
            (131000, Transient, "temporary error"),
            (131016, Transient, "temporary error"),
            (131057, Transient, "maintenance mode"),
            (2494100, Transient, "maintenance mode"),
            (368, Policy, "blocked this account for policy reasons"),
            (131031, Policy, "locked this account"),
            (2388012, MigrationBlocker, "already in the destination WABA"),
            (2388091, MigrationBlocker, "not being migrated"),
            (2388093, MigrationBlocker, "not being migrated"),
            (
                2388103,
                MigrationBlocker,
                "precondition of the migration is not met",
            ),
            (
                2388001,
                MigrationBlocker,
                "refused the migration step: no reason given",
            ),
            (2388999, MigrationBlocker, "refused the migration step"),
            (133005, Registration, "PIN does not match"),
            (133006, Registration, "must be verified before"),
            (133008, Registration, "Too many wrong PIN guesses"),
            (133009, Registration, "came too quickly"),
            (
                133010,
                Registration,
                "not registered on the WhatsApp Business API",
            ),
            (133015, Registration, "deleted recently"),
            (133016, Registration, "10 in 72 hours"),
            (136025, Registration, "code is wrong or has expired"),
            (136024, Registration, "could not send the verification code"),
        ];
        for &(code, class, words) in table {
            // As `code` and as `error_subcode` (of a code the table does not know).
            for body in [
                format!(r#"{{"error":{{"code":{code}}}}}"#),
                format!(r#"{{"error":{{"code":999,"error_subcode":{code}}}}}"#),
            ] {
                let e = graph(400, &body);
                assert_eq!(e.class, class, "{code}: {}", e.sentence);
                assert!(e.sentence.contains(words), "{code}: {}", e.sentence);
                assert_eq!(e.retry_can_help(), class.retry_can_help(), "{code}");
            }
        }
        let causes: &[(&str, &str)] = &[
            ("Webhooks are not set up", "subscribed_apps"),
            (
                "The display name is not approved",
                "display name is not approved",
            ),
            ("No payment method on the WABA", "no payment method"),
            ("Different Business Manager", "different Business Managers"),
            ("Messaging For is pending", "\"Messaging For\""),
            ("The WABA is still in review", "still in review"),
            (
                "This number can be added directly",
                "no migration is needed",
            ),
        ];
        for (said, words) in causes {
            let body = format!(
                r#"{{"error":{{"code":100,"error_subcode":2388103,"error_user_msg":"{said}"}}}}"#
            );
            let e = graph(400, &body);
            assert_eq!(e.class, MigrationBlocker, "{said}");
            assert!(e.sentence.contains(words), "{said}: {}", e.sentence);
        }
        let statuses: &[(u16, ErrorClass, &str)] = &[
            (401, Auth, "rejected the credentials"),
            (403, Permission, "refused access"),
            (404, Validation, "does not know this object"),
            (429, RateLimited, "Too many calls"),
            (500, Transient, "server error"),
            (599, Transient, "server error"),
            (400, Validation, "refused the request"),
            (418, Validation, "refused the request"),
        ];
        for &(status, class, words) in statuses {
            let e = graph(status, r#"{"error":{"code":999999,"message":"said so"}}"#);
            assert_eq!(e.class, class, "HTTP {status}");
            assert!(e.sentence.contains(words), "HTTP {status}: {}", e.sentence);
            assert!(
                e.sentence.contains("(said so)"),
                "HTTP {status}: {}",
                e.sentence
            );
        }
    }
}
