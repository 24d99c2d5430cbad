//! What the board shows beside the rows: their summary and their groups.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::{Column, FleetRow};

/// Counts per status and per quality, for the board's summary bar. Absent values are
/// counted under `-`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub total: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_quality: BTreeMap<String, usize>,
}

impl Summary {
    /// Counts `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a FleetRow>) -> Summary {
        // Counted by borrowed value (a handful of distinct ones), owned once at the end:
        // the board counts again on every sort and keystroke, 100,000 rows at a time.
        let mut total = 0;
        let mut by_status: HashMap<&str, usize> = HashMap::new();
        let mut by_quality: HashMap<&str, usize> = HashMap::new();
        for row in rows {
            total += 1;
            *by_status
                .entry(row.status.as_deref().unwrap_or("-"))
                .or_default() += 1;
            *by_quality
                .entry(row.quality_rating.as_deref().unwrap_or("-"))
                .or_default() += 1;
        }
        let owned = |counts: HashMap<&str, usize>| {
            counts
                .into_iter()
                .map(|(value, count)| (value.to_string(), count))
                .collect()
        };
        Summary {
            total,
            by_status: owned(by_status),
            by_quality: owned(by_quality),
        }
    }
}

/// What the board groups rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Waba,
    Business,
}

/// One group of rows: its label and the row indices, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub label: String,
    pub rows: Vec<usize>,
}

/// Splits a view (indices into `rows`) into groups by WABA or business, groups ordered by
/// label, rows keeping the view's order inside each group. Rows without a business go
/// to `(no business)`.
pub fn group(rows: &[FleetRow], view: &[usize], by: Grouping) -> Vec<Group> {
    let mut groups: BTreeMap<Cow<'_, str>, Vec<usize>> = BTreeMap::new();
    for &index in view {
        let label = match by {
            Grouping::Waba => Column::Waba.value(&rows[index]),
            Grouping::Business => match Column::Business.value(&rows[index]) {
                b if b.is_empty() => Cow::Borrowed("(no business)"),
                b => b,
            },
        };
        groups.entry(label).or_default().push(index);
    }
    groups
        .into_iter()
        .map(|(label, rows)| Group {
            label: label.into_owned(),
            rows,
        })
        .collect()
}
