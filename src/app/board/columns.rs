//! Which of the board's columns show at a width: by priority when not scrolled (the
//! number, its status and its WABA first; the sort column always), else in board order
//! from the first column scrolled to (`←`/`→`), the number kept on the left. Shared by
//! `update` (whether there is more to scroll to) and drawing.

use crate::domain::fleet::Column;

/// Columns of the marker in front of the highlighted row ("▶ ").
pub const MARKER_WIDTH: u16 = 2;

/// The board's columns in display order: width, and priority (lower shows first when
/// the terminal is narrow).
pub const COLUMNS: [(Column, u16, u8); 14] = [
    (Column::Number, 17, 0),
    (Column::VerifiedName, 16, 4),
    (Column::Waba, 14, 2),
    (Column::Business, 18, 11),
    (Column::NameStatus, 16, 8),
    (Column::Quality, 9, 3),
    (Column::Limit, 14, 9),
    (Column::Platform, 10, 10),
    (Column::Status, 13, 1),
    (Column::TwoFactor, 5, 7),
    (Column::Throughput, 10, 12),
    (Column::Channel, 15, 6),
    (Column::Migration, 20, 5),
    (Column::LastChecked, 20, 13),
];

/// The columns shown in `width`, with their widths, in board order: by priority when
/// `first` is 0, else the number then the columns from the `first`-th one after it.
pub fn shown(width: u16, sort: Column, first: usize) -> Vec<(Column, u16)> {
    let chosen: Vec<Column> = if first == 0 {
        let mut by_priority: Vec<(Column, u16, u8)> = COLUMNS.to_vec();
        by_priority.sort_by_key(|&(column, _, priority)| (column != sort, priority));
        take_fitting(width, by_priority.into_iter().map(|(c, w, _)| (c, w)))
    } else {
        let (pinned, rest) = COLUMNS.split_at(1);
        take_fitting(
            width,
            pinned
                .iter()
                .chain(rest.iter().skip(first))
                .map(|&(c, w, _)| (c, w)),
        )
    };
    COLUMNS
        .iter()
        .filter(|(column, ..)| chosen.contains(column))
        .map(|&(column, width, _)| (column, width))
        .collect()
}

/// How many columns `shown` leaves out at this width and scroll.
pub fn hidden(width: u16, sort: Column, first: usize) -> usize {
    COLUMNS.len() - shown(width, sort, first).len()
}

/// Whether scrolling right from `first` would show a column not shown now.
pub fn can_scroll_right(width: u16, sort: Column, first: usize) -> bool {
    let now = shown(width, sort, first);
    let last_shown = COLUMNS
        .iter()
        .rposition(|(column, ..)| now.iter().any(|(c, _)| c == column))
        .unwrap_or(0);
    last_shown + 1 < COLUMNS.len()
}

/// Columns in the given order while they fit (one space between them); a column that
/// does not fit is skipped and smaller ones after it may still fit.
fn take_fitting(width: u16, columns: impl Iterator<Item = (Column, u16)>) -> Vec<Column> {
    let mut used = 0u16;
    let mut chosen: Vec<Column> = Vec::new();
    for (column, column_width) in columns {
        let needed = column_width + u16::from(!chosen.is_empty());
        if used + needed <= width {
            used += needed;
            chosen.push(column);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_80_columns_the_waba_shows_whatever_the_sort_and_scrolling_reaches_the_rest() {
        let width = 76; // 80 minus borders and the row marker
        for (sort, ..) in COLUMNS {
            let columns: Vec<Column> = shown(width, sort, 0).into_iter().map(|(c, _)| c).collect();
            assert!(
                columns.contains(&Column::Waba),
                "sorted by {sort:?}: {columns:?}"
            );
            assert!(columns.contains(&Column::Number));
            assert!(columns.contains(&sort));
        }
        let mut first = 0;
        let mut seen = std::collections::HashSet::new();
        loop {
            seen.extend(
                shown(width, Column::Waba, first)
                    .into_iter()
                    .map(|(c, _)| c),
            );
            if !can_scroll_right(width, Column::Waba, first) {
                break;
            }
            first += 1;
        }
        assert_eq!(seen.len(), COLUMNS.len(), "every column can be scrolled to");
        assert_eq!(
            shown(width, Column::Waba, first)[0].0,
            Column::Number,
            "pinned"
        );
    }
}
