//! Media header samples of a run: read from a file or fetched from a URL (the
//! transport's safe fetch), uploaded with the Resumable Upload API, and their handles
//! put in the body.

use std::collections::BTreeMap;

use crate::api::graph::UploadFile;
use crate::api::{ApiError, GraphClient};
use crate::domain::recreate::CreateBody;
use crate::domain::recreate::body::{MediaSlot, fill_media};

use super::journal::MediaSlotRecord;
use super::run::RunSettings;

/// Why a row's media samples could not be attached, so the row is skipped; `Display`
/// is the skip reason shown and journaled, with what to give instead.
#[derive(Debug, thiserror::Error)]
pub(super) enum MediaSkip {
    #[error("skipped: its {format} header needs a sample; give one with --media {key}=FILE")]
    NoSample { format: String, key: String },
    #[error(
        "skipped: uploading a media sample needs the Meta app id (--app-id or WAMIGRATE_APP_ID)"
    )]
    NoAppId,
    #[error("skipped: the media sample could not be fetched ({0})")]
    Fetch(String),
    #[error("skipped: could not read {path} ({error})")]
    Read { path: String, error: std::io::Error },
    #[error("skipped: {0} is not a jpeg, png, mp4 or pdf file (what the upload takes)")]
    UnknownType(String),
    #[error("skipped: {file_name} does not fit a {format} header")]
    WrongType { file_name: String, format: String },
    #[error("skipped: the upload of {sample} failed ({error})")]
    Upload { sample: String, error: ApiError },
}

/// Uploads the row's media samples and puts their handles in the body.
pub(super) async fn attach_media(
    graph: &GraphClient,
    settings: &RunSettings,
    sources: &BTreeMap<String, String>,
    slots: &[MediaSlotRecord],
    body: &mut CreateBody,
) -> Result<(), MediaSkip> {
    for slot in slots {
        let Some(source) = sources.get(&slot.key) else {
            return Err(MediaSkip::NoSample {
                format: slot.format.clone(),
                key: slot.key.clone(),
            });
        };
        let app_id = settings.app_id.as_deref().ok_or(MediaSkip::NoAppId)?;
        let bytes = load_media(graph, source).await?;
        let file_name = sample_name(source);
        let mime = mime_of(file_name, &slot.format)?;
        let handle = graph
            .upload_sample(
                app_id,
                &UploadFile {
                    name: file_name,
                    mime,
                    bytes: &bytes,
                },
            )
            .await
            .map_err(|error| MediaSkip::Upload {
                sample: source.clone(),
                error,
            })?;
        fill_media(body, &MediaSlot::from(slot), &handle);
    }
    Ok(())
}

/// A sample's bytes: a local file, or a URL fetched with the transport's safety (https
/// only but to this machine, redirects within the host, the body capped).
async fn load_media(graph: &GraphClient, source: &str) -> Result<Vec<u8>, MediaSkip> {
    if is_url(source) {
        return graph
            .transport()
            .fetch_sample(source)
            .await
            .map_err(|e| MediaSkip::Fetch(e.sentence));
    }
    std::fs::read(source).map_err(|error| MediaSkip::Read {
        path: source.to_string(),
        error,
    })
}

/// Whether a `--media` source is a URL rather than a file path.
fn is_url(source: &str) -> bool {
    source.contains("://")
}

/// The sample's file name: the last segment of a path, or of a URL's path (its query
/// left out).
fn sample_name(source: &str) -> &str {
    let path = if is_url(source) {
        source.split(['?', '#']).next().unwrap_or(source)
    } else {
        source
    };
    path.rsplit(['/', '\\'])
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or("sample")
}

/// The MIME type the Resumable Upload API takes, from the file's extension.
fn mime_of(file_name: &str, format: &str) -> Result<&'static str, MediaSkip> {
    let extension = file_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mime = match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        _ => return Err(MediaSkip::UnknownType(file_name.to_string())),
    };
    let fits = match format {
        "IMAGE" => mime.starts_with("image/"),
        "VIDEO" => mime == "video/mp4",
        "DOCUMENT" => mime == "application/pdf",
        _ => true,
    };
    fits.then_some(mime).ok_or_else(|| MediaSkip::WrongType {
        file_name: file_name.to_string(),
        format: format.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_named_by_its_path_without_a_query() {
        assert_eq!(sample_name("./media/banner.jpg"), "banner.jpg");
        assert_eq!(sample_name("http://127.0.0.1:9/a/b.png?sig=1#x"), "b.png");
        assert_eq!(sample_name("http://127.0.0.1:9/"), "sample");
    }
}
