//! The error bodies the sandbox answers with: Graph's
//! `{"error":{"message","type","code",…,"fbtrace_id"}}` and 360dialog's
//! `{"meta":{"success":false,"http_code",…}}`.

use axum::http::{HeaderName, Method, StatusCode};
use serde_json::{Map, json};

use crate::sim::wire::Reply;

/// A Graph API error, rendered as Meta does:
/// `{"error":{"message","type","code","error_subcode"?,"error_user_title"?,"error_user_msg"?,"error_data"?,"fbtrace_id"}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphError {
    pub status: StatusCode,
    /// `type` in the body: `OAuthException` for most, `GraphMethodException` for 100/33.
    pub error_type: &'static str,
    pub code: u64,
    pub subcode: Option<u64>,
    pub message: String,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
    pub details: Option<String>,
    pub transient: bool,
    /// The subcode is one of the migration table's, which Graph v16.0+ no longer sends
    /// (see [`GraphError::for_version`]).
    pub subcode_deprecated: bool,
    pub headers: Vec<(HeaderName, String)>,
}

impl GraphError {
    /// HTTP 400 with a code and message.
    pub fn new(code: u64, message: impl Into<String>) -> GraphError {
        GraphError {
            status: StatusCode::BAD_REQUEST,
            error_type: "OAuthException",
            code,
            subcode: None,
            message: message.into(),
            user_title: None,
            user_msg: None,
            details: None,
            transient: false,
            subcode_deprecated: false,
            headers: Vec::new(),
        }
    }

    /// Code 100: a parameter is missing or wrong.
    pub fn invalid_param(message: impl Into<String>) -> GraphError {
        GraphError::new(100, format!("(#100) {}", message.into()))
    }

    /// Code 100 subcode 33, type `GraphMethodException`: Graph's answer for an id that
    /// names no object *or* one the token may not reach (the same answer for both, so a
    /// token learns nothing about assets not shared with it). Meta's pages document code
    /// 100 ("Invalid parameter") but not this exact body; the text is the one Graph sends
    /// (seen in Meta's own SDK logs, e.g. facebook-android-sdk "HttpStatus: 400, errorCode:
    /// 100, subErrorCode: 33, errorType: GraphMethodException"). Docs are silent on it.
    pub fn unknown_object(id: &str, method: &Method) -> GraphError {
        let mut error = GraphError::new(
            100,
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
                method.as_str().to_ascii_lowercase()
            ),
        )
        .with_subcode(33);
        error.error_type = "GraphMethodException";
        error
    }

    /// A write on an object the token may not reach: code 200, HTTP 403. The phone_numbers
    /// edge reference names code 200 "Permissions error"
    /// (https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/phone_numbers/);
    /// the WhatsApp error codes page gives 200-299 "API Permission", HTTP 403, details
    /// "Permission is either not granted or has been removed."
    /// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
    /// Neither prints a whole body: the title goes into `message` as `(#200) <title>`, as
    /// the error codes page says titles do, and the details into `error_data.details`.
    pub fn permission(id: &str) -> GraphError {
        GraphError::new(200, "(#200) Permissions error")
            .with_status(StatusCode::FORBIDDEN)
            .with_details(format!(
                "Permission is either not granted or has been removed: this token's system user has no access to object {id}."
            ))
    }

    /// A migration-table error (code 100 with a 2388xxx subcode): the cause goes into
    /// `message`, `error_user_msg` and `error_data.details`, where Meta says to read it
    /// ("build your app's error handling logic around code values and details payload
    /// properties"; `error_subcode` is "Deprecated. Will not be returned in v16.0+
    /// responses": https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
    /// The docs do not say which `code` these answers carry once the subcode is gone;
    /// the sandbox keeps 100.
    pub fn migration(subcode: u64, text: &str) -> GraphError {
        let mut error = GraphError::new(100, text)
            .with_subcode(subcode)
            .with_user("Phone number migration failed", text)
            .with_details(text);
        error.subcode_deprecated = true;
        error
    }

    /// Drops a deprecated subcode when the call named Graph v16.0 or later.
    pub fn for_version(mut self, version: Option<&str>) -> GraphError {
        let major = version
            .and_then(|v| v.trim_start_matches('v').split('.').next())
            .and_then(|m| m.parse::<u32>().ok());
        if self.subcode_deprecated && major.is_none_or(|m| m >= 16) {
            self.subcode = None;
        }
        self
    }

    pub fn with_subcode(mut self, subcode: u64) -> GraphError {
        self.subcode = Some(subcode);
        self
    }

    pub fn with_user(mut self, title: &str, msg: &str) -> GraphError {
        self.user_title = Some(title.to_string());
        self.user_msg = Some(msg.to_string());
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> GraphError {
        self.status = status;
        self
    }

    pub fn with_details(mut self, details: impl Into<String>) -> GraphError {
        self.details = Some(details.into());
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: String) -> GraphError {
        self.headers.push((name, value));
        self
    }

    /// Marks a server-side hiccup (`is_transient: true` in Meta's body).
    pub fn transient(mut self) -> GraphError {
        self.transient = true;
        self
    }

    /// The reply, with the trace id support would ask for.
    pub fn into_reply(self, fbtrace_id: String) -> Reply {
        let mut error = Map::new();
        error.insert("message".into(), json!(self.message));
        error.insert("type".into(), json!(self.error_type));
        error.insert("code".into(), json!(self.code));
        if let Some(subcode) = self.subcode {
            error.insert("error_subcode".into(), json!(subcode));
        }
        if self.transient {
            error.insert("is_transient".into(), json!(true));
        }
        if let Some(title) = self.user_title {
            error.insert("error_user_title".into(), json!(title));
        }
        if let Some(msg) = self.user_msg {
            error.insert("error_user_msg".into(), json!(msg));
        }
        if let Some(details) = self.details {
            // WhatsApp's error syntax: `error_data` carries `messaging_product` and
            // `details` (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
            error.insert(
                "error_data".into(),
                json!({ "messaging_product": "whatsapp", "details": details }),
            );
        }
        error.insert("fbtrace_id".into(), json!(fbtrace_id));
        let mut reply = Reply::json(self.status, json!({ "error": error }));
        reply.headers = self.headers;
        reply
    }
}

/// A 360dialog Partner API error: `{"meta":{"success":false,"http_code":..,"developer_message":..}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HubError {
    pub status: StatusCode,
    pub message: String,
}

impl HubError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> HubError {
        HubError {
            status,
            message: message.into(),
        }
    }

    pub fn into_reply(self) -> Reply {
        Reply::json(
            self.status,
            json!({ "meta": {
                "success": false,
                "http_code": self.status.as_u16(),
                "developer_message": self.message,
                "details": [],
            }}),
        )
    }
}
