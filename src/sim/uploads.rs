//! The Resumable Upload API, enough for a template's media sample: `POST
//! /{app_id}/uploads?file_name&file_length&file_type` opens a session
//! (`{"id":"upload:<session>"}`), and `POST /upload:<session>` with `file_offset: 0` and
//! the bytes answers `{"h": "<handle>"}`
//! (https://developers.facebook.com/docs/graph-api/guides/upload; file types: pdf,
//! jpeg, jpg, png, mp4). The sandbox's app is the one its WABAs subscribe.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::sim::state::World;
use crate::sim::wire::{Call, GraphError};

/// The sandbox's Meta app id (the app the seeded WABAs subscribe).
pub const SANDBOX_APP_ID: &str = "889413217704321";
const FILE_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "video/mp4",
];

/// Open upload sessions: session id → declared length and type.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct UploadSessions {
    open: HashMap<String, (usize, String)>,
}

/// True when the call is one of the two upload calls.
pub(crate) fn is_upload(call: &Call) -> bool {
    matches!(call.segs().as_slice(), [session] if session.starts_with("upload:"))
        || matches!(call.segs().as_slice(), [app, "uploads"] if *app == SANDBOX_APP_ID)
}

/// Answers an upload call (the caller checked [`is_upload`] and the token).
pub(crate) fn handle(world: &mut World, call: &Call) -> Result<Value, GraphError> {
    match call.segs().as_slice() {
        [_, "uploads"] => start(world, call),
        [session] => finish(world, session, call),
        _ => Err(GraphError::invalid_param("Unknown upload call.")),
    }
}

fn start(world: &mut World, call: &Call) -> Result<Value, GraphError> {
    let length = call
        .param("file_length")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .ok_or_else(|| GraphError::invalid_param("(#100) The parameter file_length is required and must be a positive size in bytes."))?;
    let file_type = call.param("file_type").unwrap_or_default();
    if !FILE_TYPES.contains(&file_type.as_str()) {
        return Err(GraphError::invalid_param(format!(
            "(#100) file_type {file_type:?} is not one of {}.",
            FILE_TYPES.join(", ")
        )));
    }
    let session = format!("upload:sbx{}", world.next_serial());
    world
        .uploads
        .open
        .insert(session.clone(), (length, file_type));
    Ok(json!({ "id": session }))
}

fn finish(world: &mut World, session: &str, call: &Call) -> Result<Value, GraphError> {
    let Some((length, file_type)) = world.uploads.open.get(session).cloned() else {
        return Err(GraphError::invalid_param(format!(
            "(#100) No upload session {session}."
        )));
    };
    let offset = call
        .headers
        .get("file_offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if offset != Some(0) {
        return Err(GraphError::invalid_param(
            "(#100) Send the file_offset header: 0 for a new upload.",
        ));
    }
    if call.body_len != length {
        return Err(GraphError::invalid_param(format!(
            "(#100) The session expects {length} bytes; this upload sent {}.",
            call.body_len
        )));
    }
    world.uploads.open.remove(session);
    let handle = format!("4::{}:{}", kind_tag(&file_type), world.next_serial());
    Ok(json!({ "h": handle }))
}

fn kind_tag(file_type: &str) -> &'static str {
    match file_type {
        "video/mp4" => "dmlkZW8vbXA0",
        "application/pdf" => "YXBwbGljYXRpb24vcGRm",
        _ => "aW1hZ2UvanBlZw==",
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, Method};

    use super::*;
    use crate::sim::state::test_support::world;

    fn call(path: &str, query: Option<&str>, offset: Option<&str>, body: &[u8]) -> Call {
        let mut headers = HeaderMap::new();
        if let Some(offset) = offset {
            headers.insert("file_offset", offset.parse().unwrap());
        }
        headers.insert("content-type", "application/octet-stream".parse().unwrap());
        Call::parse(Method::POST, path, query, headers, body)
    }

    #[test]
    fn a_session_then_the_bytes_give_a_handle_once() {
        let mut w = world();
        let opened = handle(
            &mut w,
            &call(
                &format!("/v25.0/{SANDBOX_APP_ID}/uploads"),
                Some("file_name=a.jpg&file_length=4&file_type=image/jpeg"),
                None,
                b"",
            ),
        )
        .unwrap();
        let session = opened["id"].as_str().unwrap().to_string();
        let path = format!("/v25.0/{session}");
        assert!(
            handle(&mut w, &call(&path, None, None, b"\xff\xd8\xff\xe0")).is_err(),
            "file_offset is required"
        );
        assert!(
            handle(&mut w, &call(&path, None, Some("0"), b"\xff\xd8")).is_err(),
            "the declared length"
        );
        let done = handle(&mut w, &call(&path, None, Some("0"), b"\xff\xd8\xff\xe0")).unwrap();
        assert!(done["h"].as_str().unwrap().starts_with("4::"));
        assert!(
            handle(&mut w, &call(&path, None, Some("0"), b"\xff\xd8\xff\xe0")).is_err(),
            "a session is used once"
        );
        let gif = call(
            &format!("/v25.0/{SANDBOX_APP_ID}/uploads"),
            Some("file_length=4&file_type=image/gif"),
            None,
            b"",
        );
        assert!(handle(&mut w, &gif).is_err());
    }
}
