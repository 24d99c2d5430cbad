//! The template screen's rows: pairing both inventories by name and language, the
//! forecast per row, and the filters, search and sort that make the visible list. All
//! of it runs when an input changes (an inventory, the mode, a filter key), never while
//! drawing.

use std::collections::{BTreeSet, HashMap};

use crate::app::fuzzy::{MatchTier, search_match};
use crate::app::screen::Context;
use crate::domain::eligibility::{self, Forecast};
use crate::domain::template::{QualityScore, Template, TemplateInventory};

use super::{AlignedRow, RowFilters, RowOutcome, RowSides, SortKey, TemplateView, table_rows};

impl TemplateView {
    /// Cycles a category or status filter through the values present in the rows, then
    /// back to none.
    pub(super) fn cycle_text_filter(&mut self, filter: TextFilter, ctx: &Context) {
        let Some((source, destination)) = self.inventories(&ctx.store.wabas) else {
            return;
        };
        let present: BTreeSet<&str> = self
            .rows
            .iter()
            .filter_map(|row| filter.value_of(row.primary(source, destination)))
            .collect();
        let slot = filter.slot(&mut self.filters);
        *slot = match slot.as_deref() {
            None => present.first().map(|v| v.to_string()),
            Some(current) => present
                .iter()
                .find(|v| **v > current)
                .map(|v| v.to_string()),
        };
        self.refilter(ctx);
    }

    /// Recomputes forecast and rows from the inventories and the mode, then the
    /// visible rows.
    pub(super) fn rebuild(&mut self, ctx: &Context) {
        self.detail = None;
        let Some((source, destination)) = self.inventories(&ctx.store.wabas) else {
            self.forecast = None;
            self.rows.clear();
            self.visible.clear();
            return;
        };
        let forecast = eligibility::predict(source, destination, self.mode);
        self.rows = align(source, destination, &forecast);
        self.summary = forecast.summary();
        self.destination_only = self.rows.len() - source.templates.len();
        self.forecast = Some(forecast);
        self.refilter(ctx);
    }

    /// Applies filters, search and sort; the cursor stays on its row when it is still shown.
    pub(super) fn refilter(&mut self, ctx: &Context) {
        let rows_shown = table_rows(ctx);
        let view = self;
        let Some((source, destination)) = view.inventories(&ctx.store.wabas) else {
            return;
        };
        let previous = view.visible.get(view.cursor.selected).copied();
        let query = view.search.value().trim();
        let filters = &view.filters;
        // The search's tier per row: an exact name first, then names starting with it.
        let mut tiers: HashMap<usize, MatchTier> = HashMap::new();
        let mut visible: Vec<usize> = (0..view.rows.len())
            .filter(|&i| {
                let row = &view.rows[i];
                let t = row.primary(source, destination);
                let searched = query.is_empty()
                    || search_match(query, &t.name).is_some_and(|m| {
                        tiers.insert(i, m.tier);
                        true
                    });
                filters.outcome.is_none_or(|o| o == row.outcome)
                    && filters.category.as_ref().is_none_or(|c| {
                        t.category
                            .as_ref()
                            .is_some_and(|tc| tc.as_str() == c.as_str())
                    })
                    && filters.status.as_ref().is_none_or(|s| {
                        t.status
                            .as_ref()
                            .is_some_and(|ts| ts.as_str() == s.as_str())
                    })
                    && searched
            })
            .collect();
        let key = |i: &usize| {
            let row = &view.rows[*i];
            let t = row.primary(source, destination);
            (t.name.as_str(), t.language.as_str())
        };
        let rank = |i: &usize| match view.sort {
            SortKey::Name => 0,
            SortKey::Outcome => outcome_rank(view.rows[*i].outcome),
            SortKey::Quality => quality_rank(view.rows[*i].primary(source, destination).quality()),
        };
        visible.sort_by(|a, b| (rank(a), key(a)).cmp(&(rank(b), key(b))));
        if view.reverse {
            visible.reverse();
        }
        // Stable: within a tier the chosen order stays.
        visible.sort_by_key(|i| tiers.get(i).copied().unwrap_or(MatchTier::Exact));
        view.cursor.selected = previous
            .and_then(|p| visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        view.cursor.offset = view.cursor.offset.min(view.cursor.selected);
        view.cursor.keep_visible(rows_shown);
        view.visible = visible;
    }
}

/// The filters that cycle through the values present in the rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum TextFilter {
    Category,
    Status,
}

impl TextFilter {
    fn value_of(self, t: &Template) -> Option<&str> {
        match self {
            TextFilter::Category => t.category.as_ref().map(|c| c.as_str()),
            TextFilter::Status => t.status.as_ref().map(|s| s.as_str()),
        }
    }

    fn slot(self, filters: &mut RowFilters) -> &mut Option<String> {
        match self {
            TextFilter::Category => &mut filters.category,
            TextFilter::Status => &mut filters.status,
        }
    }
}

/// Pairs templates by (name, language): every source template in source order (with
/// its forecast), then the destination's templates that match none.
fn align(
    source: &TemplateInventory,
    destination: &TemplateInventory,
    forecast: &Forecast,
) -> Vec<AlignedRow> {
    let mut unmatched: HashMap<(&str, &str), usize> = destination
        .templates
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| ((t.name.as_str(), t.language.as_str()), i))
        .collect();
    // `predict` emits one prediction per source template, in source order.
    let mut rows: Vec<AlignedRow> = forecast
        .predictions
        .iter()
        .map(|p| {
            let t = &source.templates[p.source_index];
            let sides = match unmatched.remove(&(t.name.as_str(), t.language.as_str())) {
                Some(destination) => RowSides::Both {
                    source: p.source_index,
                    destination,
                },
                None => RowSides::Source(p.source_index),
            };
            AlignedRow {
                sides,
                outcome: RowOutcome::Forecast(p.outcome),
            }
        })
        .collect();
    let mut only: Vec<usize> = unmatched.into_values().collect();
    only.sort_unstable();
    rows.extend(only.into_iter().map(|d| AlignedRow {
        sides: RowSides::Destination(d),
        outcome: RowOutcome::DestinationOnly,
    }));
    rows
}

/// The order `o` sorts outcomes in: what a move carries first.
pub(super) fn outcome_rank(outcome: RowOutcome) -> u8 {
    RowOutcome::CYCLE
        .iter()
        .position(|o| *o == outcome)
        .unwrap_or(RowOutcome::CYCLE.len()) as u8
}

/// Best quality first: GREEN, UNKNOWN (not rated yet), YELLOW, RED, others, absent.
pub(super) fn quality_rank(quality: Option<&QualityScore>) -> u8 {
    match quality {
        Some(QualityScore::Green) => 0,
        Some(QualityScore::Unrated) => 1,
        Some(QualityScore::Yellow) => 2,
        Some(QualityScore::Red) => 3,
        Some(QualityScore::Unknown(_)) => 4,
        None => 5,
    }
}
