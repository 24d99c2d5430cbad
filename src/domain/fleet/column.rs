//! The board's columns: header, filter key and cell value of each.

use std::borrow::Cow;

use super::{FleetRow, RowOrigin};

/// A column of the fleet board: its filter key, its header and its value. The order of
/// [`Column::ALL`] is the board's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Number,
    VerifiedName,
    Waba,
    Business,
    NameStatus,
    Quality,
    Limit,
    Platform,
    Status,
    TwoFactor,
    Throughput,
    Channel,
    Migration,
    LastChecked,
}

impl Column {
    /// Every column, in board order.
    pub const ALL: [Column; 14] = [
        Column::Number,
        Column::VerifiedName,
        Column::Waba,
        Column::Business,
        Column::NameStatus,
        Column::Quality,
        Column::Limit,
        Column::Platform,
        Column::Status,
        Column::TwoFactor,
        Column::Throughput,
        Column::Channel,
        Column::Migration,
        Column::LastChecked,
    ];

    /// The name used in `field:value` filter terms and in change lines.
    pub fn key(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::VerifiedName => "name",
            Column::Waba => "waba",
            Column::Business => "business",
            Column::NameStatus => "name_status",
            Column::Quality => "quality",
            Column::Limit => "limit",
            Column::Platform => "platform",
            Column::Status => "status",
            Column::TwoFactor => "2fa",
            Column::Throughput => "throughput",
            Column::Channel => "channel",
            Column::Migration => "migration",
            Column::LastChecked => "checked",
        }
    }

    /// The header text of tables and the board.
    pub fn header(self) -> &'static str {
        match self {
            Column::Number => "NUMBER",
            Column::VerifiedName => "NAME",
            Column::Waba => "WABA",
            Column::Business => "BUSINESS",
            Column::NameStatus => "NAME STATUS",
            Column::Quality => "QUALITY",
            Column::Limit => "LIMIT",
            Column::Platform => "PLATFORM",
            Column::Status => "STATUS",
            Column::TwoFactor => "2FA",
            Column::Throughput => "THROUGHPUT",
            Column::Channel => "CHANNEL",
            Column::Migration => "MIGRATION",
            Column::LastChecked => "CHECKED",
        }
    }

    /// The column whose [`Column::key`] is `key` (case-insensitive).
    pub fn from_key(key: &str) -> Option<Column> {
        Column::ALL
            .into_iter()
            .find(|c| c.key().eq_ignore_ascii_case(key))
    }

    /// The next column, wrapping: what `o` on the board cycles through.
    pub fn next(self) -> Column {
        let position = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(position + 1) % Column::ALL.len()]
    }

    /// The cell text; empty when the API did not say. The WABA shows its name, else its
    /// id (marked `360dialog only:` for a channel no WABA read has); 2FA shows `on`/`off`.
    pub fn value(self, row: &FleetRow) -> Cow<'_, str> {
        match self {
            Column::Number => Cow::Borrowed(row.label()),
            Column::VerifiedName => opt(&row.verified_name),
            Column::Waba => match (&row.waba_name, row.origin) {
                (Some(name), _) => Cow::Borrowed(name),
                (None, RowOrigin::Graph) => Cow::Borrowed(&row.waba_id),
                // The marker first: a narrow column cuts the middle, so the row still
                // says it is 360dialog's and keeps the id's last digits.
                (None, RowOrigin::PartnerOnly) => Cow::Owned(
                    format!("360dialog only: {}", row.waba_id)
                        .trim_end()
                        .to_string(),
                ),
            },
            Column::Business => opt(&row.business),
            Column::NameStatus => opt(&row.name_status),
            Column::Quality => opt(&row.quality_rating),
            Column::Limit => opt(&row.messaging_limit),
            Column::Platform => opt(&row.platform_type),
            Column::Status => opt(&row.status),
            Column::TwoFactor => Cow::Borrowed(match row.is_pin_enabled {
                Some(true) => "on",
                Some(false) => "off",
                None => "",
            }),
            Column::Throughput => opt(&row.throughput_level),
            Column::Channel => opt(&row.channel_status),
            // Only a migration in progress names its step: the others are their kind.
            Column::Migration => match &row.migration {
                super::MigrationState::InProgress { .. } => Cow::Owned(row.migration.to_string()),
                other => Cow::Borrowed(other.kind()),
            },
            Column::LastChecked => Cow::Borrowed(&row.last_checked),
        }
    }

    /// Whether a `key:value` term value (lower case) names this cell: exact and
    /// case-insensitive, plus the WABA id for `waba`, the digits for `number` and the
    /// state without its step for `migration`.
    pub(super) fn term_matches(self, row: &FleetRow, wanted: &str) -> bool {
        let exact = caseless_eq(&self.value(row), wanted);
        exact
            || match self {
                Column::Waba => row.waba_id.eq_ignore_ascii_case(wanted),
                Column::Number => {
                    let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
                    !digits.is_empty() && row.phone_digits().as_deref() == Some(digits.as_str())
                }
                Column::Migration => row.migration.kind() == wanted,
                _ => false,
            }
    }

    /// The values a term on this column may take, when the set is closed.
    pub(super) fn allowed_values(self) -> Option<&'static [&'static str]> {
        match self {
            Column::TwoFactor => Some(&["on", "off"]),
            Column::Migration => Some(&["none", "in_progress", "done", "failed"]),
            _ => None,
        }
    }
}

fn opt<S: AsRef<str>>(value: &Option<S>) -> Cow<'_, str> {
    Cow::Borrowed(value.as_ref().map_or("", AsRef::as_ref))
}

/// A cell for people: `-` when the API did not say.
pub fn or_dash(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

/// `a` equals `lower` (already lower case) ignoring case, Unicode included.
pub(super) fn caseless_eq(a: &str, lower: &str) -> bool {
    a.eq_ignore_ascii_case(lower) || (!a.is_ascii() && a.to_lowercase() == lower)
}
