//! The fleet as a screen keeps it: rows with their search texts precomputed (a filter
//! keystroke re-filters 100,000 rows without lower-casing them again), indexed by WABA so
//! a refresh replaces one WABA's rows the moment they arrive, in place, reporting what
//! changed, instead of rebuilding the fleet at the end.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::sort::SortKey;
use super::{Change, Column, FastHash, FilterExpr, FleetRow, RowChange, RowOrigin, search_text};

/// The rows of the fleet with their search texts, viewed through index lists.
#[derive(Debug, Clone, Default)]
pub struct FleetSnapshot {
    rows: Vec<FleetRow>,
    /// Each row's [`search_text`], unless the snapshot was made [`FleetSnapshot::unsearched`].
    search_texts: Vec<String>,
    /// No search texts are kept: a filter computes them row by row (a command that
    /// prints once, or prints changes, never filters the whole fleet per keystroke).
    unsearched: bool,
    /// The indices of each WABA's Graph rows.
    by_waba: HashMap<String, Vec<usize>>,
    /// Per column, each row's place in that column's order: computed on the first sort
    /// by the column, kept until the rows change, so a re-sort or a filter keystroke
    /// sorts numbers instead of lower-casing 100,000 cells again.
    ranks: Ranks,
}

/// Each row's rank in each column's order ([`MISSING`] for an empty cell), per column.
#[derive(Debug, Clone, Default)]
struct Ranks([OnceLock<Vec<u32>>; Column::ALL.len()]);

/// The rank of an empty cell: last in both directions.
const MISSING: u32 = u32::MAX;

impl FleetSnapshot {
    /// Takes the rows of a read.
    pub fn new(rows: Vec<FleetRow>) -> Self {
        let search_texts = rows.iter().map(search_text).collect();
        let mut snapshot = FleetSnapshot {
            rows,
            search_texts,
            unsearched: false,
            by_waba: HashMap::new(),
            ranks: Ranks::default(),
        };
        snapshot.index();
        snapshot
    }

    /// As [`FleetSnapshot::new`] without search texts: for a command, whose reads need
    /// neither their time nor their memory (10,000 rows: some 40 ms and 2 MB).
    pub fn unsearched(rows: Vec<FleetRow>) -> Self {
        let mut snapshot = FleetSnapshot {
            // Empty texts (no allocation) keep the rows' indices valid in both lists.
            search_texts: vec![String::new(); rows.len()],
            rows,
            unsearched: true,
            ..FleetSnapshot::default()
        };
        snapshot.index();
        snapshot
    }

    /// The search text of a row about to be kept, unless none are kept.
    fn text_of(&self, row: &FleetRow) -> String {
        if self.unsearched {
            String::new()
        } else {
            search_text(row)
        }
    }

    /// Every row; a row keeps its index until a row is removed.
    pub fn rows(&self) -> &[FleetRow] {
        &self.rows
    }

    /// Gives the rows back.
    pub fn into_rows(self) -> Vec<FleetRow> {
        self.rows
    }

    /// The Graph rows of one WABA.
    pub fn waba_rows(&self, waba_id: &str) -> impl Iterator<Item = &FleetRow> {
        self.by_waba
            .get(waba_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i])
    }

    /// The WABAs that have Graph rows.
    pub fn wabas(&self) -> impl Iterator<Item = &str> {
        self.by_waba.keys().map(String::as_str)
    }

    /// Indices of the rows `filter` matches, in row order.
    pub fn matching(&self, filter: &FilterExpr) -> Vec<usize> {
        if self.unsearched {
            return (0..self.rows.len())
                .filter(|&i| filter.matches(&self.rows[i]))
                .collect();
        }
        (0..self.rows.len())
            .filter(|&i| filter.matches_with(&self.rows[i], &self.search_texts[i]))
            .collect()
    }

    /// What a screen shows: the matching rows sorted by `column`.
    pub fn view(&self, filter: &FilterExpr, column: Column, descending: bool) -> Vec<usize> {
        let mut indices = self.matching(filter);
        self.sort(&mut indices, column, descending);
        indices
    }

    /// Sorts row indices by `column` as [`super::sort_indices`] does (stable, empty cells
    /// last in both directions), by the column's cached ranks.
    pub fn sort(&self, indices: &mut [usize], column: Column, descending: bool) {
        let ranks = self.ranks(column);
        if descending {
            indices.sort_by_key(|&i| (ranks[i] == MISSING, Reverse(ranks[i])));
        } else {
            indices.sort_by_key(|&i| ranks[i]);
        }
    }

    /// Each row's rank in `column`'s order, computed once per column and kept until the
    /// rows change; equal cells share a rank.
    fn ranks(&self, column: Column) -> &[u32] {
        let slot = Column::ALL.iter().position(|c| *c == column).unwrap_or(0);
        self.ranks.0[slot].get_or_init(|| {
            if matches!(column, Column::Number | Column::VerifiedName) {
                distinct_ranks(&self.rows, column)
            } else {
                shared_ranks(&self.rows, column)
            }
        })
    }

    /// Replaces the Graph rows of `waba_id` with `rows`, as a refresh reads them: a row
    /// that was there takes its place (and its channel and migration, which the end of
    /// the refresh sets for the whole fleet), a new one goes at the end, one no longer
    /// read is removed. Returns what changed: cells, added rows, removed rows. Indices
    /// of other rows stay valid unless a row was removed.
    pub fn replace_waba(&mut self, waba_id: &str, rows: Vec<FleetRow>) -> Vec<RowChange> {
        self.ranks = Ranks::default();
        let old: HashMap<String, usize> = self
            .by_waba
            .get(waba_id)
            .into_iter()
            .flatten()
            .map(|&i| (self.rows[i].id.clone(), i))
            .collect();
        let mut kept = HashSet::new();
        let mut found = Vec::new();
        let mut added = Vec::new();
        for mut row in rows {
            match old.get(&row.id) {
                Some(&i) if kept.insert(i) => {
                    let previous = &self.rows[i];
                    row.channel_id.clone_from(&previous.channel_id);
                    row.channel_status.clone_from(&previous.channel_status);
                    row.migration = previous.migration.clone();
                    found.extend(cell_changes(previous, &row, &Column::ALL));
                    self.search_texts[i] = self.text_of(&row);
                    self.rows[i] = row;
                }
                // A second row with the same id in one WABA: the first one stands.
                Some(_) => {}
                None => {
                    added.push(RowChange::of(&row, Change::Added));
                    index_row(&mut self.by_waba, waba_id, self.rows.len());
                    self.search_texts.push(self.text_of(&row));
                    self.rows.push(row);
                }
            }
        }
        let gone: HashSet<usize> = old
            .values()
            .copied()
            .filter(|i| !kept.contains(i))
            .collect();
        found.extend(added);
        if !gone.is_empty() {
            found.extend(self.remove(&gone));
        }
        found
    }

    /// Removes the rows `keep` refuses; returns them as removed.
    pub fn retain(&mut self, keep: impl Fn(&FleetRow) -> bool) -> Vec<RowChange> {
        let gone: HashSet<usize> = (0..self.rows.len())
            .filter(|&i| !keep(&self.rows[i]))
            .collect();
        if gone.is_empty() {
            return Vec::new();
        }
        self.remove(&gone)
    }

    /// Applies `edit` to the whole fleet (a join with the channels, the journals), then
    /// returns how the cells of `columns` changed, and the rows it added or removed.
    /// Search texts are computed again only for the rows that changed.
    pub fn edit(
        &mut self,
        columns: &[Column],
        edit: impl FnOnce(&mut Vec<FleetRow>),
    ) -> Vec<RowChange> {
        // Only what change detection reads is kept while the edit runs, in one buffer
        // (not a copy of every row, nor strings per row: at 100,000 rows those were the
        // peak of a refresh).
        let before = Before::take(&self.rows, columns);
        let old_index: HashMap<&str, usize, FastHash> =
            (0..before.len()).map(|i| (before.id(i), i)).collect();
        edit(&mut self.rows);
        let unsearched = self.unsearched;
        let text_of = |row: &FleetRow| {
            if unsearched {
                String::new()
            } else {
                search_text(row)
            }
        };
        let mut texts = std::mem::take(&mut self.search_texts);
        let mut found = Vec::new();
        let mut added = Vec::new();
        let mut kept = vec![false; before.len()];
        self.search_texts = self
            .rows
            .iter()
            .map(|row| match old_index.get(row.id.as_str()) {
                Some(&old) => {
                    // The first row of an id takes the old search text; a second one
                    // (an edit that doubled a row) gets its own.
                    let first = !std::mem::replace(&mut kept[old], true);
                    let changed = before.changes(old, row, columns);
                    let text = if changed.is_empty() && first {
                        std::mem::take(&mut texts[old])
                    } else {
                        text_of(row)
                    };
                    found.extend(changed);
                    text
                }
                None => {
                    added.push(RowChange::of(row, Change::Added));
                    text_of(row)
                }
            })
            .collect();
        // A row whose id was there twice was kept once: its other place is no removal.
        let removed = (0..before.len())
            .filter(|&old| !kept[old] && old_index.get(before.id(old)) == Some(&old))
            .map(|old| RowChange {
                id: before.id(old).to_string(),
                number: before.display(old).unwrap_or(before.id(old)).to_string(),
                change: Change::Removed,
            });
        found.extend(added);
        found.extend(removed);
        self.index();
        found
    }

    /// Drops the rows at `gone`; returns them as removed.
    fn remove(&mut self, gone: &HashSet<usize>) -> Vec<RowChange> {
        let rows = std::mem::take(&mut self.rows);
        let texts = std::mem::take(&mut self.search_texts);
        let mut removed = Vec::new();
        for (i, (row, text)) in rows.into_iter().zip(texts).enumerate() {
            if gone.contains(&i) {
                removed.push(RowChange::of(&row, Change::Removed));
            } else {
                self.rows.push(row);
                self.search_texts.push(text);
            }
        }
        self.index();
        removed
    }

    fn index(&mut self) {
        self.ranks = Ranks::default();
        self.by_waba.clear();
        for (i, row) in self.rows.iter().enumerate() {
            if row.origin == RowOrigin::Graph {
                index_row(&mut self.by_waba, &row.waba_id, i);
            }
        }
    }
}

/// Files row `i` under its WABA in `by_waba`, copying the WABA's id once, not once per
/// row.
fn index_row(by_waba: &mut HashMap<String, Vec<usize>>, waba_id: &str, i: usize) {
    match by_waba.get_mut(waba_id) {
        Some(indices) => indices.push(i),
        None => {
            by_waba.insert(waba_id.to_string(), vec![i]);
        }
    }
}

/// Ranks of a column whose cells are mostly shared (statuses, qualities, WABAs): the
/// distinct cells are ordered once, each row takes its cell's rank.
fn shared_ranks(rows: &[FleetRow], column: Column) -> Vec<u32> {
    let mut distinct: HashMap<Cow<'_, str>, (u32, usize)> = HashMap::new();
    let of_row: Vec<u32> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let next = distinct.len() as u32;
            distinct.entry(column.value(row)).or_insert((next, i)).0
        })
        .collect();
    let mut keyed: Vec<(SortKey, u32)> = distinct
        .into_values()
        .map(|(id, first)| (SortKey::new(&rows[first], column, false), id))
        .collect();
    // Equal keys get one rank, so their order here does not matter.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rank_of = vec![MISSING; keyed.len()];
    let mut rank = 0u32;
    for (position, (key, id)) in keyed.iter().enumerate() {
        if position > 0 && keyed[position - 1].0 != *key {
            rank += 1;
        }
        rank_of[*id as usize] = if key.missing { MISSING } else { rank };
    }
    of_row.into_iter().map(|id| rank_of[id as usize]).collect()
}

/// Ranks of a column whose cells are mostly distinct (numbers, names): the same order
/// as [`SortKey`] (no rank of meaning in these columns), with the texts in one buffer and
/// their first 16 bytes as an integer, so 100,000 rows sort without an allocation per
/// row and most comparisons never read the texts.
fn distinct_ranks(rows: &[FleetRow], column: Column) -> Vec<u32> {
    let mut texts = String::new();
    let mut keys: Vec<(bool, u128, u32, u32, u32)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let start = texts.len();
        let missing = SortKey::write_text(row, column, &mut texts);
        let text = &texts.as_bytes()[start..];
        let mut prefix = [0u8; 16];
        let head = text.len().min(16);
        prefix[..head].copy_from_slice(&text[..head]);
        keys.push((
            missing,
            u128::from_be_bytes(prefix),
            start as u32,
            (texts.len() - start) as u32,
            i as u32,
        ));
    }
    let text = |key: &(bool, u128, u32, u32, u32)| {
        &texts.as_bytes()[key.2 as usize..(key.2 + key.3) as usize]
    };
    let order = |a: &(bool, u128, u32, u32, u32), b: &(bool, u128, u32, u32, u32)| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| text(a).cmp(text(b)))
    };
    keys.sort_unstable_by(order);
    let mut ranks = vec![MISSING; rows.len()];
    let mut rank = 0u32;
    for (position, key) in keys.iter().enumerate() {
        if position > 0 && order(&keys[position - 1], key) != std::cmp::Ordering::Equal {
            rank += 1;
        }
        ranks[key.4 as usize] = if key.0 { MISSING } else { rank };
    }
    ranks
}

/// What [`FleetSnapshot::edit`] keeps of the rows while the edit runs: per row its id,
/// its display number (the label of a removal) and its cells in the edited columns, all
/// in one text buffer.
struct Before {
    text: String,
    /// Where each field ends in `text`: `stride` fields per row (id, display, cells).
    ends: Vec<u32>,
    stride: usize,
}

impl Before {
    fn take(rows: &[FleetRow], columns: &[Column]) -> Before {
        let stride = 2 + columns.len();
        let mut before = Before {
            text: String::with_capacity(rows.len() * 48),
            ends: Vec::with_capacity(rows.len() * stride),
            stride,
        };
        for row in rows {
            before.push(&row.id);
            before.push(row.display_phone_number.as_deref().unwrap_or_default());
            for column in columns {
                before.push(&column.value(row));
            }
        }
        before
    }

    fn push(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends.push(self.text.len() as u32);
    }

    fn len(&self) -> usize {
        self.ends.len() / self.stride
    }

    fn field(&self, row: usize, field: usize) -> &str {
        let at = row * self.stride + field;
        let start = at.checked_sub(1).map_or(0, |i| self.ends[i] as usize);
        &self.text[start..self.ends[at] as usize]
    }

    fn id(&self, row: usize) -> &str {
        self.field(row, 0)
    }

    fn display(&self, row: usize) -> Option<&str> {
        Some(self.field(row, 1)).filter(|d| !d.is_empty())
    }

    /// The cells of `columns` (never the check time) that `row`, once `old`, no longer has.
    fn changes(&self, old: usize, row: &FleetRow, columns: &[Column]) -> Vec<RowChange> {
        columns
            .iter()
            .enumerate()
            .filter(|(_, column)| **column != Column::LastChecked)
            .filter_map(|(k, &column)| {
                let (was, is) = (self.field(old, 2 + k), column.value(row));
                (was != is).then(|| {
                    RowChange::of(
                        row,
                        Change::Value {
                            column,
                            old: was.to_string(),
                            new: is.into_owned(),
                        },
                    )
                })
            })
            .collect()
    }
}

/// The cells of `columns` (never the check time) that differ between two versions of a
/// row.
pub(super) fn cell_changes(old: &FleetRow, new: &FleetRow, columns: &[Column]) -> Vec<RowChange> {
    columns
        .iter()
        .filter(|&&column| column != Column::LastChecked)
        .filter_map(|&column| {
            let (was, is) = (column.value(old), column.value(new));
            (was != is).then(|| {
                RowChange::of(
                    new,
                    Change::Value {
                        column,
                        old: was.into_owned(),
                        new: is.into_owned(),
                    },
                )
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
