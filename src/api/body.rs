//! Reading an answer's body within bounds: a cap on its size, and at most one large body
//! in memory at a time, so concurrent reads against a server that sends huge answers
//! cannot add up to gigabytes. The stall and total timeouts are the HTTP client's.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bodies up to this size are read freely; past it a body waits for the large-body gate.
const SMALL_BODY: usize = 1 << 20;

/// The one-at-a-time gate for large bodies, shared by every clone of a transport.
#[derive(Clone)]
pub(crate) struct LargeBodyGate(Arc<Semaphore>);

impl LargeBodyGate {
    pub(crate) fn new() -> Self {
        LargeBodyGate(Arc::new(Semaphore::new(1)))
    }
}

/// A body read in full; holding it keeps the large-body gate when it took it, so the
/// next large body waits until this one has been decoded and dropped.
pub struct Body {
    pub bytes: Vec<u8>,
    _gate: Option<OwnedSemaphorePermit>,
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// The body was larger than the cap (`received` bytes when we stopped).
    TooLarge { received: usize },
    /// The connection failed or timed out while the body was arriving.
    Transport(reqwest::Error),
}

/// Reads `response`'s body, refusing it once it passes `cap` bytes.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
    gate: &LargeBodyGate,
) -> Result<Body, BodyError> {
    if let Some(announced) = response.content_length()
        && announced > cap as u64
    {
        return Err(BodyError::TooLarge { received: 0 });
    }
    let mut bytes = Vec::new();
    let mut permit = None;
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        let total = bytes.len() + chunk.len();
        if total > cap {
            return Err(BodyError::TooLarge { received: total });
        }
        if total > SMALL_BODY && permit.is_none() {
            // The semaphore is never closed; `ok()` only satisfies the type.
            permit = gate.0.clone().acquire_owned().await.ok();
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        _gate: permit,
    })
}

/// `n` bytes in the largest whole unit, for sentences (`32 MB`, `512 KB`).
pub fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MB", n >> 20),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{} KB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_bytes(32 << 20), "32 MB");
        assert_eq!(human_bytes(3 << 19), "1.5 MB");
        assert_eq!(human_bytes(2048), "2 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
