//! Field deserialisers that accept the shapes real payloads use, not only the documented one.

use serde::{Deserialize, Deserializer};

use crate::domain::open_enum::ScalarText;

/// An optional text field that may arrive as a string, a number or a boolean
/// (`timezone_id` is documented as a string and seen as a number).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Any {
        Text(#[serde(deserialize_with = "scalar")] String),
        Other(serde::de::IgnoredAny),
    }
    fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(ScalarText)
    }
    Ok(match Option::<Any>::deserialize(d)? {
        Some(Any::Text(s)) => Some(s),
        _ => None,
    })
}

/// An optional count that may arrive as a number or a numeric string.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}
