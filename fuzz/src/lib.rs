//! What the fuzz targets run, in a library so that `replay` (stable, no libFuzzer) runs
//! the same code over a corpus. Each function takes any bytes, must never panic on
//! them, and panics itself when a property the product relies on breaks.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wamigrate::api::body::cut_long_strings;
use wamigrate::api::error::{classify_graph, parse_graph_error};
use wamigrate::api::hub::classify_hub_answer;
use wamigrate::api::paging::{graph_page, hub_page};
use wamigrate::domain::journal::{parse_journal, replay};
use wamigrate::domain::number::PhoneNumber;
use wamigrate::domain::partner::{Channel, PartnerChangeRequest, PartnerClient};
use wamigrate::domain::template::{Template, TemplateMigrationResult};
use wamigrate::domain::waba::{SubscribedApp, Waba};

/// A migration journal as read from disk: records, a torn tail or damage, and the
/// replay of what was read.
pub fn journal(data: &[u8]) {
    let Ok(parsed) = parse_journal(data) else {
        return;
    };
    assert!(parsed.complete_len <= data.len());
    assert!(parsed.torn || parsed.complete_len == data.len());
    if let Ok(state) = replay(&parsed.records) {
        let _ = (state.status(), state.next_step(), state.pending_intent());
    }
}

/// An API answer: as an error body of either API (the sentence is one line with no
/// control character), as a page of each list, as each payload type (what parses
/// round-trips), and through the cut of long strings (valid JSON stays valid).
pub fn payloads(data: &[u8]) {
    if let Some(body) = parse_graph_error(data) {
        let error = classify_graph("GET /v25.0/1", 400, &body, None);
        assert!(!error.to_string().chars().any(char::is_control), "{error}");
    }
    let status = StatusCode::from_u16(400 + u16::from(data.first().copied().unwrap_or(0)) % 200)
        .unwrap_or(StatusCode::BAD_REQUEST);
    let hub_error = classify_hub_answer("GET /api/v2/x", status, &HeaderMap::new(), data, None);
    assert!(!hub_error.to_string().chars().any(char::is_control), "{hub_error}");

    let _ = graph_page::<PhoneNumber>(data, 100);
    let _ = graph_page::<Template>(data, 100);
    let _ = graph_page::<Waba>(data, 100);
    let _ = hub_page::<Channel>(data, &["partner_channels", "channels"], 100);
    let _ = hub_page::<PartnerClient>(data, &["partner_clients", "clients"], 100);

    round_trips::<PhoneNumber>(data);
    round_trips::<Waba>(data);
    round_trips::<SubscribedApp>(data);
    round_trips::<Template>(data);
    round_trips::<TemplateMigrationResult>(data);
    round_trips::<Channel>(data);
    round_trips::<PartnerClient>(data);
    round_trips::<PartnerChangeRequest>(data);

    if serde_json::from_slice::<serde_json::Value>(data).is_ok()
        && let Some(cut) = cut_long_strings(data, 8)
    {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&cut).is_ok(),
            "the cut made {:?} invalid: {:?}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&cut)
        );
    }
}

/// What parses as `T` is written and parsed back to the same `T`.
fn round_trips<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(parsed) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let written = serde_json::to_vec(&parsed).expect("a parsed payload serialises");
    let back: T = serde_json::from_slice(&written).expect("a written payload parses");
    assert_eq!(back, parsed);
}
