//! What differs between two refreshes of the fleet.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Column, FleetRow, or_dash};

/// One difference between two refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    /// [`FleetRow::id`] of the row.
    pub id: String,
    /// [`FleetRow::label`] of the row, for the change line.
    pub number: String,
    pub change: Change,
}

/// What changed about a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The number appeared.
    Added,
    /// The number is gone.
    Removed,
    /// A cell changed; the board shows `old` in its detail view.
    Value {
        column: Column,
        old: String,
        new: String,
    },
}

impl RowChange {
    /// A change of `row`.
    pub fn of(row: &FleetRow, change: Change) -> RowChange {
        RowChange {
            id: row.id.clone(),
            number: row.label().to_string(),
            change,
        }
    }
}

impl fmt::Display for RowChange {
    /// `+1 631-555-0101 status CONNECTED → FLAGGED`, `... added`, `... removed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Added => write!(f, "{} added", self.number),
            Change::Removed => write!(f, "{} removed", self.number),
            Change::Value { column, old, new } => write!(
                f,
                "{} {} {} → {}",
                self.number,
                column.key(),
                or_dash(old),
                or_dash(new)
            ),
        }
    }
}

/// What differs between two refreshes, rows matched by id: changed cells (every column
/// but the check time) in `current`'s order, then added rows, then removed ones.
pub fn changes(previous: &[FleetRow], current: &[FleetRow]) -> Vec<RowChange> {
    let before: HashMap<&str, &FleetRow> = previous.iter().map(|r| (r.id.as_str(), r)).collect();
    let now: HashSet<&str> = current.iter().map(|r| r.id.as_str()).collect();
    let mut values = Vec::new();
    let mut added = Vec::new();
    for row in current {
        match before.get(row.id.as_str()) {
            Some(old) => values.extend(super::snapshot::cell_changes(old, row, &Column::ALL)),
            None => added.push(RowChange::of(row, Change::Added)),
        }
    }
    let removed = previous
        .iter()
        .filter(|r| !now.contains(r.id.as_str()))
        .map(|r| RowChange::of(r, Change::Removed));
    values.into_iter().chain(added).chain(removed).collect()
}
