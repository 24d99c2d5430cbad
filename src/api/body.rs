//! Reading an answer's body within bounds: a cap on its size, at most one large body in
//! memory at a time, so concurrent reads against a server that sends huge answers cannot
//! add up to gigabytes, and a bound on how much the heap may grow while one answer is
//! read (`max_memory_mb`). The stall and total timeouts are the HTTP client's.
//!
//! The memory bound is on growth, not on the process total: what wamigrate keeps on
//! purpose (100,000 numbers of a large partner's fleet, their search texts, the previous
//! refresh) is the product and grows with the fleet, while what a hostile or broken
//! server can make it hold is what arrives while its answers are read. So an answer
//! stops being read once the heap has grown by the budget since its first byte (the
//! growth of concurrent reads counts too, which makes the bound conservative).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::memory::live_heap_bytes;
use crate::api::transport::LongStrings;

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
    /// The heap grew by the memory budget while this answer was read (`grown` bytes).
    OverBudget { grown: usize },
    /// The connection failed or timed out while the body was arriving.
    Transport(reqwest::Error),
}

/// Reads `response`'s body, refusing it once it passes `cap` bytes; JSON strings longer
/// than [`MAX_STRING_BYTES`] are cut unless `long_strings` says keep.
pub(crate) async fn read_capped(
    response: reqwest::Response,
    cap: usize,
    budget: usize,
    gate: &LargeBodyGate,
    long_strings: LongStrings,
) -> Result<Body, BodyError> {
    let mut body = read_bytes_capped(response, cap, budget, gate).await?;
    if long_strings == LongStrings::Keep {
        return Ok(body);
    }
    if let Some(shorter) = cut_long_strings(&body.bytes, MAX_STRING_BYTES) {
        body.bytes = shorter;
    }
    Ok(body)
}

/// Reads `response`'s body as it is (a file, not JSON), refusing it once it passes
/// `cap` bytes or the heap grows by `budget` while it arrives.
pub(crate) async fn read_bytes_capped(
    mut response: reqwest::Response,
    cap: usize,
    budget: usize,
    gate: &LargeBodyGate,
) -> Result<Body, BodyError> {
    if let Some(announced) = response.content_length()
        && announced > cap as u64
    {
        return Err(BodyError::TooLarge { received: 0 });
    }
    let mut permit = None;
    let heap_at_start = live_heap_bytes();
    // A small body is read into room made once for the size it announces (not grown,
    // and copied, as its chunks arrive); a large one grows as it arrives, past the gate.
    let announced = response.content_length().unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0).min(SMALL_BODY));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        let total = bytes.len() + chunk.len();
        if total > cap {
            return Err(BodyError::TooLarge { received: total });
        }
        if total > SMALL_BODY && permit.is_none() {
            // The semaphore is never closed; `ok()` only satisfies the type.
            permit = gate.0.clone().acquire_owned().await.ok();
        }
        let grown = live_heap_bytes().saturating_sub(heap_at_start);
        if grown + chunk.len() > budget {
            return Err(BodyError::OverBudget { grown });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        _gate: permit,
    })
}

/// Longest JSON string kept whole, in bytes as sent (no field of either API comes near:
/// a template body is at most 1,024 characters).
pub const MAX_STRING_BYTES: usize = 64 << 10;

/// `body` with every JSON string longer than `limit` bytes cut to about `limit` and
/// ended with `…`, or `None` when no string is that long (the common case: no copy). A
/// server that sends 20 MB names costs 64 KB per name, not 20 MB. Cuts fall between
/// characters and never inside an escape (`\n`, `\u001b`, nor between the two halves
/// of a `\ud83d\ude00` surrogate pair), so the JSON stays valid.
pub fn cut_long_strings(body: &[u8], limit: usize) -> Option<Vec<u8>> {
    // A body no longer than the limit holds no string longer than it: not scanned (most
    // answers, and each item of a batch).
    if body.len() <= limit || !has_string_longer_than(body, limit) {
        return None;
    }
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escape = Escape::default();
    let mut string_len = 0usize;
    let mut skipping = false;
    for (i, &byte) in body.iter().enumerate() {
        if !in_string {
            if byte == b'"' {
                in_string = true;
                string_len = 0;
                escape = Escape::default();
            }
            if let Some(out) = &mut out {
                out.push(byte);
            }
            continue;
        }
        let at_boundary = escape.between_characters() && (byte & 0xC0) != 0x80;
        let closes = !escape.inside() && byte == b'"';
        if !closes && !skipping && at_boundary && string_len >= limit {
            skipping = true;
            let out = out.get_or_insert_with(|| {
                let mut copy = Vec::with_capacity(body.len() / 2);
                copy.extend_from_slice(&body[..i]);
                copy
            });
            out.extend_from_slice("…".as_bytes());
        }
        escape.read(byte);
        if closes {
            in_string = false;
            skipping = false;
        }
        string_len += 1;
        if let Some(out) = &mut out
            && (!skipping || closes)
        {
            out.push(byte);
        }
    }
    out
}

/// Whether `body` holds a JSON string of more than `limit` bytes (as sent), the only
/// kind [`cut_long_strings`] cuts. It jumps from quote to quote and skips escapes as
/// [`Escape`] reads them (a backslash and the byte after it, four more after `\u`), so
/// the usual answer, megabytes of short strings, costs a scan for two bytes instead of
/// the cut's byte-by-byte walk.
fn has_string_longer_than(body: &[u8], limit: usize) -> bool {
    let mut at = 0;
    while let Some(open) = body.get(at..).and_then(|rest| memchr::memchr(b'"', rest)) {
        let start = at + open + 1;
        let mut i = start;
        let end = loop {
            let Some(found) = body
                .get(i..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
            else {
                break body.len();
            };
            if body[i + found] == b'"' {
                break i + found;
            }
            let escaped = i + found + 1;
            i = escaped
                + if body.get(escaped) == Some(&b'u') {
                    5
                } else {
                    1
                };
        };
        if end.saturating_sub(start) > limit {
            return true;
        }
        at = end + 1;
    }
    false
}

/// Where a string's bytes stand in JSON's escapes, so a cut never splits one.
#[derive(Default)]
struct Escape {
    /// The byte before was a backslash.
    after_backslash: bool,
    /// Hex digits of a `\u` escape read so far, and their value.
    unicode: Option<(u8, u16)>,
    /// The last escape was the high half of a surrogate pair: its low half follows.
    high_surrogate: bool,
}

impl Escape {
    /// Inside an escape sequence (a `"` here is escaped, not the end of the string).
    fn inside(&self) -> bool {
        self.after_backslash || self.unicode.is_some()
    }

    /// Whether a cut before the next byte leaves whole characters behind it.
    fn between_characters(&self) -> bool {
        !self.inside() && !self.high_surrogate
    }

    fn read(&mut self, byte: u8) {
        if let Some((digits, value)) = self.unicode {
            let value = value << 4 | char::from(byte).to_digit(16).unwrap_or(0) as u16;
            if digits == 3 {
                self.unicode = None;
                self.high_surrogate = (0xD800..=0xDBFF).contains(&value);
            } else {
                self.unicode = Some((digits + 1, value));
            }
        } else if self.after_backslash {
            self.after_backslash = false;
            if byte == b'u' {
                self.unicode = Some((0, 0));
            }
        } else {
            self.after_backslash = byte == b'\\';
            if !self.after_backslash {
                self.high_surrogate = false;
            }
        }
    }
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
    fn long_strings_are_cut_between_characters_and_the_json_stays_valid() {
        let long = format!("{}\\\"é", "a".repeat(10));
        let body =
            serde_json::json!({"name": long, "short": "ok", "list": [long.clone()]}).to_string();
        assert_eq!(cut_long_strings(body.as_bytes(), 100), None);
        let cut = cut_long_strings(body.as_bytes(), 11).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&cut).unwrap();
        assert_eq!(value["name"], "aaaaaaaaaa\\…");
        assert_eq!(value["short"], "ok");
        assert_eq!(value["list"][0], "aaaaaaaaaa\\…");
        let accents = serde_json::json!({"n": "é".repeat(20)}).to_string();
        let cut = cut_long_strings(accents.as_bytes(), 5).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&cut).unwrap();
        assert_eq!(value["n"], "ééé…");
    }

    #[test]
    fn only_a_string_longer_than_the_limit_counts_as_long_escapes_included() {
        // Escaped quotes and `\u` escapes do not end a string: this one is 13 bytes.
        let body = br#"{"a":"x\"y\u0022z\\","b":"ok"}"#;
        assert!(has_string_longer_than(body, 12));
        assert!(!has_string_longer_than(body, 13));
        // A batch answer: short strings inside a long one.
        let inner = serde_json::json!({"data": vec!["short"; 50]}).to_string();
        let batch = serde_json::json!([{"code": 200, "body": inner}]).to_string();
        assert!(has_string_longer_than(batch.as_bytes(), inner.len()));
        assert_eq!(cut_long_strings(batch.as_bytes(), 2 * inner.len()), None);
        assert!(cut_long_strings(batch.as_bytes(), 100).is_some());
        // A string the answer never closes runs to its end.
        assert!(has_string_longer_than(br#"{"a":"abcdef"#, 5));
        assert!(!has_string_longer_than(br#"{"a":"abcde"#, 5));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_bytes(32 << 20), "32 MB");
        assert_eq!(human_bytes(3 << 19), "1.5 MB");
        assert_eq!(human_bytes(2048), "2 KB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
