//! Property tests of what the clients parse from a server (issue 10, item 9): Graph and
//! Hub error bodies, list pages and the cutting of long strings. Whatever a server
//! sends, parsing never panics and the sentence an operator reads is one bounded line
//! without control characters.

use std::time::Duration;

use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::api::body::cut_long_strings;
use crate::api::error::{ApiError, classify_graph, parse_graph_error};
use crate::api::hub::classify_hub_answer;
use crate::api::paging::{GraphPage, graph_page, hub_page};
use crate::api::text::READABLE_CHARS;
use crate::domain::number::PhoneNumber;
use crate::domain::partner::Channel;
use crate::domain::properties::json_value;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text with what hostile servers put in messages: escapes, C1 controls, newlines.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z \u{1b}\u{9b}\u{7f}\r\n\t\\[\\];0-9]{0,40}",
        Just("\u{1b}]0;pwned\u{7}\u{1b}[2J".to_string()),
    ]
}

/// What an operator may be shown of an error: every sentence and the bracket.
fn assert_terminal_safe(error: &ApiError) -> Result<(), TestCaseError> {
    let shown = error.to_string();
    prop_assert!(
        !shown.chars().any(char::is_control),
        "control character in {shown:?}"
    );
    // Four server fields of at most READABLE_CHARS each, the codes and our own words.
    let bound = 4 * (READABLE_CHARS + 40) + 1000;
    prop_assert!(
        shown.chars().count() < bound,
        "{} characters",
        shown.chars().count()
    );
    Ok(())
}

/// A Graph error body with any values where Meta puts its fields.
fn graph_error_body() -> impl Strategy<Value = String> {
    let code = prop_oneof![
        any::<i64>().prop_map(Value::from),
        (0u64..3_000_000).prop_map(Value::from),
        hostile_text().prop_map(Value::from),
        json_value(),
    ];
    (
        code.clone(),
        code,
        hostile_text(),
        hostile_text(),
        hostile_text(),
        json_value(),
    )
        .prop_map(|(code, subcode, message, user_msg, trace, data)| {
            serde_json::json!({"error": {
                "message": message, "code": code, "error_subcode": subcode,
                "error_user_msg": user_msg, "fbtrace_id": trace,
                "error_data": {"details": data}, "type": "OAuthException"
            }})
            .to_string()
        })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_graph_error_body_gives_one_safe_bounded_sentence(
        body in prop_oneof![graph_error_body(), any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned())],
        status in 100u16..600,
        wait in prop::option::of(0u64..100_000),
    ) {
        if let Some(parsed) = parse_graph_error(body.as_bytes()) {
            let error = classify_graph("GET /v25.0/1", status, &parsed, wait.map(Duration::from_secs));
            assert_terminal_safe(&error)?;
        }
    }

    #[test]
    fn any_hub_answer_gives_one_safe_bounded_sentence(
        body in prop_oneof![
            (hostile_text(), json_value()).prop_map(|(message, details)| serde_json::json!(
                {"meta": {"success": false, "developer_message": message, "details": details}}
            ).to_string().into_bytes()),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            any::<Vec<u8>>(),
        ],
        status in 100u16..600,
    ) {
        let status = StatusCode::from_u16(status).unwrap();
        let error = classify_hub_answer("GET /api/v2/x", status, &HeaderMap::new(), &body, None);
        assert_terminal_safe(&error)?;
    }

    #[test]
    fn a_page_of_anything_counts_every_item_it_cannot_read(
        items in prop::collection::vec(json_value(), 0..12),
        extra in json_value(),
        limit in 1usize..16,
    ) {
        let body = serde_json::json!({"data": items, "paging": extra, "summary": extra}).to_string();
        let page: Result<GraphPage<PhoneNumber>, _> = graph_page(body.as_bytes(), limit);
        if let Ok(page) = page {
            prop_assert_eq!(page.items.kept.len() + page.items.unreadable, items.len());
            prop_assert!(page.items.kept.len() <= limit);
        }
        let hub = serde_json::json!({"total": extra, "partner_channels": items}).to_string();
        let page = hub_page::<Channel>(hub.as_bytes(), &["partner_channels"], limit);
        prop_assert!(page.is_ok(), "{:?}", page.err());
        prop_assert_eq!(page.unwrap().received, items.len());
    }

    #[test]
    fn any_bytes_as_a_page_never_panic(body in any::<Vec<u8>>(), limit in 0usize..8) {
        let _ = graph_page::<PhoneNumber>(&body, limit);
        let _ = hub_page::<Channel>(&body, &["channels"], limit);
    }

    /// A cut falls between characters and never inside an escape: the JSON stays
    /// valid, with the same shape, and no string is left much longer than the limit.
    #[test]
    fn cutting_long_strings_keeps_the_json_valid(
        value in prop_oneof![
            json_value(),
            // Strings JSON writes with escapes: \u0001, \", \\ and multi-byte text.
            prop::collection::vec("[a\u{1}\u{1f}\"\\\\é😀]{0,30}", 1..4).prop_map(|v| serde_json::json!(v)),
        ],
        pretty in any::<bool>(),
        ascii in any::<bool>(),
        limit in 1usize..24,
    ) {
        let mut text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            value.to_string()
        };
        if ascii {
            text = ascii_only(&text);
        }
        let Some(cut) = cut_long_strings(text.as_bytes(), limit) else {
            return Ok(());
        };
        let reparsed = serde_json::from_slice::<Value>(&cut);
        prop_assert!(
            reparsed.is_ok(),
            "{:?} became {:?}",
            text,
            String::from_utf8_lossy(&cut)
        );
        prop_assert!(same_shape(&value, &reparsed.unwrap()));
    }
}

/// JSON text with every non-ASCII character written as `\uXXXX` (surrogate pairs
/// beyond the basic plane), as some servers send it.
fn ascii_only(json: &str) -> String {
    json.chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            c => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|unit| format!("\\u{unit:04x}"))
                .collect(),
        })
        .collect()
}

/// Same kinds of values in the same places (strings may differ, keys may be cut).
fn same_shape(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_shape(x, y))
        }
        (Value::Object(_), Value::Object(_)) => true,
        (Value::String(_), Value::String(_)) => true,
        _ => a == b,
    }
}
