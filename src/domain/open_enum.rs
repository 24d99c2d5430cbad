//! Enums that keep values they do not know.
//!
//! Meta and 360dialog add enum values without notice (`OFFLINE`, `NA`, new template
//! statuses). An unseen value must be shown verbatim, never break a parse, so every API
//! enum is declared through [`open_enum!`]: the documented variants plus
//! `Unknown(String)` holding the raw text.

use std::borrow::Cow;

/// Declares an API enum with its wire spellings and an `Unknown(String)` catch-all.
///
/// Parsing is exact first, then case-insensitive (360dialog spells some values in lower
/// case where Meta uses upper case); serialisation gives back the documented spelling or
/// the raw unknown text.
#[macro_export]
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value the documentation did not list, kept as the API spelled it.
            Unknown(String),
        }

        impl $name {
            /// Every documented value, in documentation order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(raw) => raw,
                }
            }

            /// Parses a wire value; never fails.
            pub fn parse(raw: &str) -> Self {
                match raw {
                    $($wire => return $name::$variant,)+
                    _ => {}
                }
                $(if raw.eq_ignore_ascii_case($wire) { return $name::$variant; })+
                $name::Unknown(raw.to_string())
            }

            /// True when the value is not one the documentation lists.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any($crate::domain::open_enum::ScalarText)
                    .map(|raw| $name::parse(&raw))
            }
        }
    };
}

/// Accepts any scalar as text, so a number or a boolean where a string was expected
/// becomes an `Unknown` value instead of a parse failure. A string read in place is
/// borrowed, not copied (a page of numbers has several of these per number).
pub struct ScalarText;

impl<'de> serde::de::Visitor<'de> for ScalarText {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    open_enum!(Colour { Red = "RED", Green = "GREEN" });

    #[test]
    fn known_values_round_trip_and_unknown_ones_are_kept_verbatim() {
        let parsed: Vec<Colour> = serde_json::from_str(r#"["RED","green","MAUVE",7]"#).unwrap();
        assert_eq!(
            parsed,
            vec![
                Colour::Red,
                Colour::Green,
                Colour::Unknown("MAUVE".into()),
                Colour::Unknown("7".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["RED","GREEN","MAUVE","7"]"#
        );
        assert!(parsed[2].is_unknown());
        assert_eq!(Colour::KNOWN, &[Colour::Red, Colour::Green]);
    }
}
