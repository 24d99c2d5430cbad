//! Sorting rows by a column, by meaning where the values have one.

use std::cmp::Ordering;

use super::{Column, FleetRow};

/// Sorts rows by `column`, stably: equal cells keep their order, so sorting by status
/// after sorting by quality groups qualities within each status. Empty cells go last in
/// both directions; quality and messaging limit sort by meaning (GREEN before RED,
/// TIER_2K before TIER_10K), the rest by case-insensitive text.
pub fn sort(rows: &mut [FleetRow], column: Column, descending: bool) {
    rows.sort_by_cached_key(|row| SortKey::new(row, column, descending));
}

/// As [`sort`], for a view of row indices into `rows` (what the board keeps).
pub fn sort_indices(rows: &[FleetRow], indices: &mut [usize], column: Column, descending: bool) {
    indices.sort_by_cached_key(|&i| SortKey::new(&rows[i], column, descending));
}

/// The precomputed sort key of one cell; its order honours the direction, so the
/// (stable) standard sort keeps ties in their original order either way.
#[derive(PartialEq, Eq)]
pub(crate) struct SortKey {
    pub(crate) missing: bool,
    rank: u64,
    text: String,
    descending: bool,
}

impl SortKey {
    /// Appends the text `column`'s order compares for `row` to `out` (as [`SortKey`]
    /// holds it); returns whether the cell is empty.
    pub(crate) fn write_text(row: &FleetRow, column: Column, out: &mut String) -> bool {
        let value = column.value(row);
        match column {
            Column::Number
                if row
                    .display_phone_number
                    .as_deref()
                    .is_some_and(|d| d.bytes().any(|b| b.is_ascii_digit())) =>
            {
                out.extend(value.chars().filter(char::is_ascii_digit));
            }
            _ if value.is_ascii() => out.extend(value.chars().map(|c| c.to_ascii_lowercase())),
            _ => out.push_str(&value.to_lowercase()),
        }
        value.is_empty()
    }

    pub(crate) fn new(row: &FleetRow, column: Column, descending: bool) -> SortKey {
        let value = column.value(row);
        let text = match column {
            Column::Number => row.phone_digits().unwrap_or_else(|| value.to_lowercase()),
            _ => value.to_lowercase(),
        };
        SortKey {
            missing: value.is_empty(),
            rank: match column {
                Column::Quality => quality_rank(&value),
                Column::Limit => limit_rank(&value),
                _ => 0,
            },
            text,
            descending,
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.missing.cmp(&other.missing).then_with(|| {
            let order = (self.rank, &self.text).cmp(&(other.rank, &other.text));
            if self.descending {
                order.reverse()
            } else {
                order
            }
        })
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn quality_rank(value: &str) -> u64 {
    match value.to_ascii_uppercase().as_str() {
        "GREEN" => 0,
        "YELLOW" => 1,
        "RED" => 2,
        _ => 3,
    }
}

/// Messages per day of a limit tier (360dialog sends plain numbers); unknown last.
fn limit_rank(value: &str) -> u64 {
    match value.to_ascii_uppercase().as_str() {
        "TIER_50" => 50,
        "TIER_250" => 250,
        "TIER_1K" => 1_000,
        "TIER_2K" => 2_000,
        "TIER_10K" => 10_000,
        "TIER_100K" => 100_000,
        "TIER_UNLIMITED" | "UNTIERED" => u64::MAX - 1,
        other => other.parse().unwrap_or(u64::MAX),
    }
}
