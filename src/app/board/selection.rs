//! The rows the operator selected on the board for a batch (`Space` one row, `*` every
//! row shown), kept by row id so a new sort, filter or refresh keeps them. A channel
//! with no Graph number cannot be migrated with Graph: it is not selectable.

use std::collections::HashSet;

use crate::domain::fleet::{FleetRow, RowOrigin};

use super::{Board, Notice};
use crate::app::strings::batch as text;

/// The selected rows' ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    ids: HashSet<String>,
}

impl Selection {
    /// Whether the row with this id is selected.
    pub fn contains(&self, row_id: &str) -> bool {
        self.ids.contains(row_id)
    }

    /// How many rows are selected (rows gone since a refresh included).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Forgets every selected row (after a batch has started).
    pub fn clear(&mut self) {
        self.ids.clear();
    }
}

/// Whether a batch can migrate the row (it has a Graph number).
pub fn selectable(row: &FleetRow) -> bool {
    row.origin != RowOrigin::PartnerOnly
}

impl Board {
    /// `Space`: selects the row under the cursor, or unselects it.
    pub(super) fn toggle_selected(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        if !selectable(row) {
            self.notice = Some(Notice {
                text: text::not_selectable(row.label()),
                is_error: true,
            });
            return;
        }
        let id = row.id.clone();
        if !self.selection.ids.remove(&id) {
            self.selection.ids.insert(id);
        }
    }

    /// `*`: selects every selectable row shown; when all are already, unselects them.
    pub(super) fn select_all_shown(&mut self) {
        let shown: Vec<String> = self
            .view_rows()
            .filter(|row| selectable(row))
            .map(|row| row.id.clone())
            .collect();
        if shown.iter().all(|id| self.selection.contains(id)) {
            for id in &shown {
                self.selection.ids.remove(id);
            }
        } else {
            self.selection.ids.extend(shown);
        }
    }

    /// The selected rows still in the fleet: those shown first in view order, then the
    /// ones the filter hides, in fleet order.
    pub fn selected_rows(&self) -> Vec<&FleetRow> {
        let shown: Vec<&FleetRow> = self
            .view_rows()
            .filter(|row| self.selection.contains(&row.id))
            .collect();
        let shown_ids: HashSet<&str> = shown.iter().map(|row| row.id.as_str()).collect();
        let hidden =
            self.fleet.rows().iter().filter(|row| {
                self.selection.contains(&row.id) && !shown_ids.contains(row.id.as_str())
            });
        shown.iter().copied().chain(hidden).collect()
    }
}
