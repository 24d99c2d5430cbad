//! The board's batch texts: selecting rows, the batch page, the batch's progress.

/// The batch page's title.
pub const TITLE: &str = "Migrate the selected numbers";
/// `m` with nothing selected.
pub const NOTHING_SELECTED: &str =
    "nothing selected: Space selects the row, * every row shown; then m migrates them";
/// The batch page when no destination is chosen.
pub const NO_DESTINATION: &str = "no destination WABA yet: d chooses it";
/// A batch is under way: another cannot start.
pub const BATCH_RUNNING: &str = "a batch is under way: it must end before another starts";
/// How the batch page says what happens next.
pub const HOW_IT_RUNS: &str = "Each number runs in the wizard in turn, with its own journal and lock; every write asks first. Stopping one number goes on with the next.";

/// A row that a batch cannot migrate.
pub fn not_selectable(label: &str) -> String {
    format!("{label} is a 360dialog channel with no Graph number: a batch cannot migrate it")
}

/// "3 selected" beside the board's summary.
pub fn selected(count: usize) -> String {
    format!("{count} selected")
}

/// The scenario and destination line of the batch page.
pub fn batch_line(count: usize, scenario: &str, destination: &str) -> String {
    let numbers = if count == 1 { "number" } else { "numbers" };
    format!("{count} {numbers} · scenario {scenario} · to {destination}")
}

/// A number left out because another row names it.
pub fn left_out(origin: &str, first: &str) -> String {
    format!("{origin} is the same number as {first}: it runs once")
}

/// The run page's line saying where the batch stands.
pub fn position(index: usize, total: usize, label: &str) -> String {
    format!("Batch: number {index} of {total} ({label}).")
}

/// The run page's number while a batch runs.
pub fn run_label(number: &str, index: usize, total: usize) -> String {
    format!("{number} · {index} of {total} in the batch")
}

/// A number's end, for the log pane.
pub fn number_ended(label: &str, outcome: &str) -> String {
    format!("batch: {label} {outcome}")
}

/// The board's notice once every number of the batch has ended.
pub fn finished(completed: usize, total: usize) -> String {
    format!(
        "batch finished: {completed} of {total} completed (the journals screen, H, has every report)"
    )
}
