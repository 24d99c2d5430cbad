//! Journal timestamps: RFC 3339 on disk, `OffsetDateTime` in memory. A timestamp that
//! does not parse is kept as written (a journal stays readable) and counts against
//! every time window, so a budget computed from it fails closed, never open.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// When a record was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    At(OffsetDateTime),
    /// The text on disk did not parse as RFC 3339.
    Unreadable(String),
}

impl Stamp {
    /// The current time (UTC).
    pub fn now() -> Stamp {
        Stamp::At(OffsetDateTime::now_utc())
    }

    /// The time, when it parsed.
    pub fn time(&self) -> Option<OffsetDateTime> {
        match self {
            Stamp::At(at) => Some(*at),
            Stamp::Unreadable(_) => None,
        }
    }

    /// Whether the record falls at or after `since`; an unreadable stamp always does
    /// (it may be recent: a budget must not forget it).
    pub fn counts_since(&self, since: OffsetDateTime) -> bool {
        self.time().is_none_or(|at| at >= since)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stamp::At(at) => match at.format(&Rfc3339) {
                Ok(text) => f.write_str(&text),
                Err(_) => write!(f, "{at}"),
            },
            Stamp::Unreadable(raw) => f.write_str(raw),
        }
    }
}

impl From<OffsetDateTime> for Stamp {
    fn from(at: OffsetDateTime) -> Self {
        Stamp::At(at)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(match OffsetDateTime::parse(&raw, &Rfc3339) {
            Ok(at) => Stamp::At(at),
            Err(_) => Stamp::Unreadable(raw),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_an_unreadable_one_counts_in_every_window() {
        let stamp: Stamp = serde_json::from_str(r#""2026-11-25T10:00:00Z""#).unwrap();
        assert_eq!(
            serde_json::to_string(&stamp).unwrap(),
            r#""2026-11-25T10:00:00Z""#
        );
        let later = OffsetDateTime::parse("2026-11-26T10:00:00Z", &Rfc3339).unwrap();
        assert!(!stamp.counts_since(later));
        let odd: Stamp = serde_json::from_str(r#""yesterday-ish""#).unwrap();
        assert_eq!(odd, Stamp::Unreadable("yesterday-ish".to_string()));
        assert!(odd.counts_since(later), "fails closed");
        assert_eq!(serde_json::to_string(&odd).unwrap(), r#""yesterday-ish""#);
    }
}
