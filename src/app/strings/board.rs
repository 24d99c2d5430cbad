//! The fleet board's texts (`f`): titles, empty states, the status area's sentences.

use std::path::Path;
use std::time::Duration;

use crate::app::strings::plural;
use crate::ops::file_error::FileError;

/// The board's table title.
pub const TITLE: &str = "Fleet board";
/// The row detail popup's title.
pub const DETAIL_TITLE: &str = "Number detail (Esc to close)";
/// Before the first refresh answered.
pub const READING: &str = "reading every WABA and 360dialog channel…";
/// A completed refresh found nothing.
pub const NO_NUMBERS: &str = "No numbers: the WABAs read have no phone numbers.";
/// Marks a cell that changed since the previous refresh (also in the detail view).
pub const CHANGED_MARKER: &str = "◆";
/// Marks a row that appeared since the previous refresh.
pub const ADDED_MARKER: &str = "+";
/// Sort direction arrows in the header.
pub const ASCENDING: &str = "▲";
pub const DESCENDING: &str = "▼";
/// Label of the grouping control when rows are not grouped.
pub const UNGROUPED: &str = "none";

/// "12/20 WABAs" of the refresh gauge (`?` until the WABAs are known).
pub fn progress(done: usize, total: Option<usize>) -> String {
    match total {
        Some(total) => format!(
            "refreshing {done}/{total} {}",
            if total == 1 { "WABA" } else { "WABAs" }
        ),
        None => "refreshing: finding the WABAs…".to_string(),
    }
}

/// The refresh slowing down because Meta reports high API usage.
pub fn paced(percent: u8, wait: Duration) -> String {
    format!(
        "API usage at {percent}%: waiting {} s between batches of WABAs",
        wait.as_secs()
    )
}

/// What the last refresh changed, for the status area.
pub fn changes(changed: usize, added: usize, removed: usize) -> String {
    format!(
        "since the previous refresh: {changed} changed ({CHANGED_MARKER}), {added} new ({ADDED_MARKER}), {removed} removed"
    )
}

/// More than one source failed: the first sentence and how many others.
pub fn failures(first: &str, others: usize) -> String {
    match others {
        0 => format!("✘ {first}"),
        n => format!("✘ {first} (and {n} more failures: see the log, l)"),
    }
}

/// `status:` is being typed and does not parse yet: the view keeps the last valid filter.
pub fn filter_error(sentence: &str) -> String {
    format!("✘ {sentence} (showing the last valid filter)")
}

/// "12 of 40 numbers".
pub fn shown(shown: usize, total: usize) -> String {
    let total_numbers = plural(total, "number", "numbers");
    if shown == total {
        total_numbers
    } else {
        format!("{shown} of {total_numbers}")
    }
}

/// The export was handed to the worker.
pub fn exporting(rows: usize) -> String {
    format!("exporting {}…", plural(rows, "number", "numbers"))
}

/// The export is on disk.
pub fn exported(rows: usize, path: &Path) -> String {
    format!(
        "✔ exported {} to {}",
        plural(rows, "number", "numbers"),
        path.display()
    )
}

/// The export could not be written.
pub fn export_failed(error: &FileError) -> String {
    format!("✘ the export failed: {error}.")
}

/// Nothing passes the filter, so there is nothing to export.
pub const NOTHING_TO_EXPORT: &str = "Nothing to export: no number passes the filter.";

/// Enter on a channel that no WABA read here has.
pub fn partner_only(label: &str) -> String {
    format!(
        "{label} is a 360dialog channel with no number in the WABAs read here: add its WABA to the profile (wabas = [...]) to open it."
    )
}

/// Esc stopped a refresh.
pub const REFRESH_CANCELLED: &str = "Refresh cancelled: showing the previous refresh.";

/// The controls line when columns do not fit: "9 more columns".
pub fn columns_hidden(count: usize) -> String {
    format!("{} off screen", plural(count, "column", "columns"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(shown(1, 1), "1 number");
        assert_eq!(shown(0, 1), "0 of 1 number");
        assert_eq!(shown(2, 40), "2 of 40 numbers");
        assert_eq!(exporting(1), "exporting 1 number…");
        assert_eq!(columns_hidden(1), "1 column off screen");
    }
}
