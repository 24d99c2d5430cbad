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
            .map(std::borrow::Cow::into_owned)
    }
    Ok(match Option::<Any>::deserialize(d)? {
        Some(Any::Text(s)) => Some(s),
        _ => None,
    })
}

/// A map id → reason that may arrive as a JSON object or, empty or not, as an array:
/// Meta's template-migration page documents `failed_templates` as a map but writes it in
/// brackets in its syntax block. Ids listed in an array keep an empty reason; anything
/// else is ignored.
pub fn id_reasons<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    use serde_json::Value;
    let text = |v: Value| match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(map)) => map.into_iter().map(|(id, why)| (id, text(why))).collect(),
        Some(Value::Array(ids)) => ids
            .into_iter()
            .filter(|id| id.is_string() || id.is_number())
            .map(|id| (text(id), String::new()))
            .collect(),
        _ => Default::default(),
    })
}

/// An optional count that may arrive as a number or a numeric string. Anything else
/// (an array, an object) is skipped without being built in memory.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a count")
        }
        fn visit_u64<E>(self, v: u64) -> Result<Option<u64>, E> {
            Ok(Some(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Option<u64>, E> {
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Option<u64>, E> {
            Ok(None)
        }
        fn visit_str<E>(self, v: &str) -> Result<Option<u64>, E> {
            Ok(v.trim().parse().ok())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Option<u64>, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Option<u64>, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Option<u64>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
            d.deserialize_any(Count)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Option<u64>, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Option<u64>, A::Error> {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    d.deserialize_any(Count)
}
