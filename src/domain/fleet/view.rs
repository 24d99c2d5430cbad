//! What the board keeps and shows: the snapshot of one refresh, its summary and its
//! groups.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{Column, FilterExpr, FleetRow, search_text, sort_indices};

/// The rows of one refresh with their search text precomputed, so a filter keystroke
/// re-filters 10,000 rows in a few milliseconds. The board keeps one and views it
/// through index lists.
#[derive(Debug, Clone, Default)]
pub struct FleetSnapshot {
    rows: Vec<FleetRow>,
    search_texts: Vec<String>,
}

impl FleetSnapshot {
    /// Takes the rows of a refresh.
    pub fn new(rows: Vec<FleetRow>) -> Self {
        let search_texts = rows.iter().map(search_text).collect();
        FleetSnapshot { rows, search_texts }
    }

    /// Every row, in the order given.
    pub fn rows(&self) -> &[FleetRow] {
        &self.rows
    }

    /// Gives the rows back (e.g. to keep them as the previous refresh).
    pub fn into_rows(self) -> Vec<FleetRow> {
        self.rows
    }

    /// Indices of the rows `filter` matches, in row order.
    pub fn matching(&self, filter: &FilterExpr) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&i| filter.matches_with(&self.rows[i], &self.search_texts[i]))
            .collect()
    }

    /// What the board shows: the matching rows sorted by `column`.
    pub fn view(&self, filter: &FilterExpr, column: Column, descending: bool) -> Vec<usize> {
        let mut indices = self.matching(filter);
        sort_indices(&self.rows, &mut indices, column, descending);
        indices
    }
}

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
        let mut summary = Summary::default();
        for row in rows {
            summary.total += 1;
            for (counts, value) in [
                (&mut summary.by_status, &row.status),
                (&mut summary.by_quality, &row.quality_rating),
            ] {
                *counts
                    .entry(value.clone().unwrap_or_else(|| "-".to_string()))
                    .or_default() += 1;
            }
        }
        summary
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
