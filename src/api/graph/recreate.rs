//! The writes and reads of re-creating templates: `POST /{waba_id}/message_templates`,
//! a template by id, and the Resumable Upload API for media header samples.

use reqwest::Method;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::{GraphClient, classify_graph_answer, decode};
use crate::api::ids::{IdKind, checked, url_with_segments};
use crate::api::transport::{Call, Idempotency, LongStrings};
use crate::api::{ApiError, ErrorClass};
use crate::domain::recreate::CreateBody;
use crate::domain::template::Template;

/// Meta's answer to a template creation: `{"id","status","category"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedTemplate {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// A file to upload as a media sample.
#[derive(Debug, Clone)]
pub struct UploadFile<'a> {
    pub name: &'a str,
    /// `application/pdf`, `image/jpeg`, `image/jpg`, `image/png` or `video/mp4`.
    pub mime: &'a str,
    pub bytes: &'a [u8],
}

impl GraphClient {
    /// `POST /{waba_id}/message_templates` with a creation body. A write: never retried.
    pub async fn create_template(
        &self,
        waba_id: &str,
        body: &CreateBody,
    ) -> Result<CreatedTemplate, ApiError> {
        let body = serde_json::to_value(body).unwrap_or_default();
        self.post_json(
            &[checked(IdKind::Graph, waba_id)?, "message_templates"],
            body,
        )
        .await
    }

    /// `GET /{template_id}?fields=...`: one template, for its verdict.
    pub async fn template(&self, template_id: &str) -> Result<Template, ApiError> {
        self.get_json(
            &[checked(IdKind::Graph, template_id)?],
            &[("fields", Template::FIELDS.to_string())],
        )
        .await
    }

    /// Uploads a media sample with the Resumable Upload API and returns its handle
    /// (`h`), as a template's `example.header_handle` takes it. Two calls: `POST
    /// /{app_id}/uploads` with `file_name`, `file_length`, `file_type` gives
    /// `upload:<session>`; `POST /upload:<session>` with `Authorization: OAuth`,
    /// `file_offset: 0` and the bytes gives `{"h": ...}`
    /// (https://developers.facebook.com/docs/graph-api/guides/upload). The session
    /// call is a write: not retried.
    pub async fn upload_sample(
        &self,
        app_id: &str,
        file: &UploadFile<'_>,
    ) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct Session {
            id: String,
        }
        #[derive(Deserialize)]
        struct Handle {
            h: String,
        }
        let app_id = checked(IdKind::Graph, app_id)?;
        let query = [
            ("file_name", file.name.to_string()),
            ("file_length", file.bytes.len().to_string()),
            ("file_type", file.mime.to_string()),
        ];
        let (endpoint, answer) = self
            .send(Method::POST, &[app_id, "uploads"], &query, None)
            .await?;
        let session: Session = decode(&endpoint, &answer.headers, &answer.body.bytes)?;
        // Meta's session ids may carry their own query (`upload:…?sig=…`).
        let (session_path, session_query) = match session.id.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (session.id.as_str(), None),
        };
        if !session_path.starts_with("upload:") || session_path.contains('/') {
            return Err(ApiError::new(
                ErrorClass::UnexpectedBody,
                endpoint,
                "The upload session id is not of the form upload:<session>: the upload was not sent.",
            ));
        }
        let mut session_url =
            url_with_segments(&self.base, &[self.version.as_str(), session_path])?;
        session_url.set_query(session_query);
        let endpoint = self.endpoint(&Method::POST, &["upload:<session>"]);
        let call = Call {
            endpoint: &endpoint,
            subject: None,
            idempotency: Idempotency::Write,
            classify: classify_graph_answer,
            long_strings: LongStrings::Cut,
        };
        let answer = self
            .transport
            .send(call, || {
                self.transport
                    .http()
                    .request(Method::POST, session_url.clone())
                    .header(
                        reqwest::header::AUTHORIZATION,
                        format!("OAuth {}", self.token.expose_secret()),
                    )
                    .header("file_offset", "0")
                    .body(file.bytes.to_vec())
            })
            .await?;
        let handle: Handle = decode(&endpoint, &answer.headers, &answer.body.bytes)?;
        Ok(handle.h)
    }
}
