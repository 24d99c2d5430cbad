//! Media header samples of a run: read from a file or fetched from a URL (the
//! transport's safe fetch), uploaded with the Resumable Upload API, and their handles
//! put in the body.

use std::collections::BTreeMap;

use crate::api::GraphClient;
use crate::api::graph::UploadFile;
use crate::domain::recreate::CreateBody;
use crate::domain::recreate::body::{MediaSlot, fill_media};

use super::journal::MediaSlotRecord;
use super::run::RunSettings;

/// Uploads the row's media samples and puts their handles in the body.
pub(super) async fn attach_media(
    graph: &GraphClient,
    settings: &RunSettings,
    sources: &BTreeMap<String, String>,
    slots: &[MediaSlotRecord],
    body: &mut CreateBody,
) -> Result<(), String> {
    for slot in slots {
        let Some(source) = sources.get(&slot.key) else {
            return Err(format!(
                "skipped: its {} header needs a sample; give one with --media {}=FILE",
                slot.format, slot.key
            ));
        };
        let app_id = settings
            .app_id
            .as_deref()
            .ok_or("skipped: uploading a media sample needs the Meta app id (--app-id or WAMIGRATE_APP_ID)")?;
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
            .map_err(|e| format!("skipped: the upload of {source} failed ({e})"))?;
        fill_media(body, &MediaSlot::from(slot), &handle);
    }
    Ok(())
}

/// A sample's bytes: a local file, or a URL fetched with the transport's safety (https
/// only but to this machine, redirects within the host, the body capped).
async fn load_media(graph: &GraphClient, source: &str) -> Result<Vec<u8>, String> {
    if is_url(source) {
        return graph.transport().fetch_sample(source).await.map_err(|e| {
            format!(
                "skipped: the media sample could not be fetched ({})",
                e.sentence
            )
        });
    }
    std::fs::read(source).map_err(|e| format!("skipped: could not read {source} ({e})"))
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
fn mime_of(file_name: &str, format: &str) -> Result<&'static str, String> {
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
        _ => {
            return Err(format!(
                "skipped: {file_name} is not a jpeg, png, mp4 or pdf file (what the upload takes)"
            ));
        }
    };
    let fits = match format {
        "IMAGE" => mime.starts_with("image/"),
        "VIDEO" => mime == "video/mp4",
        "DOCUMENT" => mime == "application/pdf",
        _ => true,
    };
    fits.then_some(mime)
        .ok_or_else(|| format!("skipped: {file_name} does not fit a {format} header"))
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
