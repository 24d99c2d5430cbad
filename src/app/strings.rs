//! Every user-facing text of the TUI in one place, so wording stays consistent and the
//! help screen cannot drift from the keys.

use crate::app::keymap::KeyAction;

pub mod board;
pub mod wizard;

/// The application name in the top bar.
pub const APP_NAME: &str = "wamigrate";
/// Pane titles.
pub const SOURCE_TITLE: &str = "Source WABA";
pub const DESTINATION_TITLE: &str = "Destination WABA";
pub const CHECKLIST_TITLE: &str = "Checklist";
pub const LOG_TITLE: &str = "Log: API calls";
pub const HELP_TITLE: &str = "Keys (Esc or ? to close)";
/// Picker titles.
pub const PICK_SOURCE: &str = "Choose the source WABA";
pub const PICK_DESTINATION: &str = "Choose the destination WABA";
pub const PICK_NUMBER: &str = "Choose a number";
/// Loading states, shown before any answer arrived.
pub const CONNECTING: &str = "connecting…";
pub const STARTING_SANDBOX: &str = "starting the embedded sandbox…";
pub const DISCOVERING: &str = "finding the WABAs this token may manage…";
pub const LOADING_WABA: &str = "loading WABA…";
pub const LOADING_NUMBERS: &str = "loading numbers…";
pub const NO_WABAS: &str = "This token manages no WABA: give the system user access to a WABA in Business Settings, or list WABAs in the profile (wabas = [...]).";
pub const NO_DESTINATION: &str = "No destination chosen: press d to choose one.";
pub const NO_SOURCE: &str = "No source chosen: press s to choose one.";
pub const NO_NUMBERS: &str = "This WABA has no phone numbers.";
pub const NO_MATCH: &str = "Nothing matches the filter.";
pub const NO_NUMBER_SELECTED: &str = "Choose a number in the source pane (n) to see its checklist.";
pub const NO_CALLS: &str = "No API calls yet.";
/// Pane headers.
pub const NUMBER_COLUMNS: [&str; 8] = [
    "Number",
    "Verified name",
    "Name",
    "Quality",
    "Limit",
    "Platform",
    "Status",
    "2FA",
];
pub const PAYMENT_PRESENT: &str = "✔ payment method present";
pub const PAYMENT_MISSING: &str = "✘ no payment method";
pub const NO_APPS: &str = "✘ no subscribed apps (webhooks)";
/// Checklist status words, next to their symbols.
pub const PASS: &str = "pass";
pub const FAIL: &str = "fail";
pub const WARN: &str = "warn";
pub const CHECKING: &str = "checking…";
pub const UNKNOWN: &str = "unknown";
pub const FIX_PREFIX: &str = "fix: ";
/// Prefix of a filter being typed or applied.
pub const FILTER_PROMPT: &str = "/";

/// What an action does, for the help screen and the status line.
pub fn describe(action: KeyAction) -> &'static str {
    match action {
        KeyAction::Quit => "back, or quit from the main screen",
        KeyAction::Back => "close the popup or filter, else quit",
        KeyAction::ForceQuit => "quit at once",
        KeyAction::NextPane => "focus the next pane",
        KeyAction::PreviousPane => "focus the previous pane",
        KeyAction::PaneLeft => "focus the pane to the left",
        KeyAction::PaneRight => "focus the pane to the right",
        KeyAction::Up => "move up",
        KeyAction::Down => "move down",
        KeyAction::Top => "go to the first row",
        KeyAction::Bottom => "go to the last row",
        KeyAction::PageUp => "page up",
        KeyAction::PageDown => "page down",
        KeyAction::Select => "select the row (checklist follows)",
        KeyAction::Filter => "filter the focused list",
        KeyAction::PickSource => "choose the source WABA",
        KeyAction::PickDestination => "choose the destination WABA",
        KeyAction::PickNumber => "choose a number",
        KeyAction::Refresh => "re-check: re-read number, WABAs, apps, templates (board: the fleet)",
        KeyAction::ToggleLog => "show or hide the API log",
        KeyAction::Help => "show this help",
        KeyAction::Migrate => "guided migration of the selected number (scenario, plan, run)",
        KeyAction::Journals => "resume an unfinished migration",
        KeyAction::FleetBoard => "fleet board: every number of every WABA and channel",
        KeyAction::SortColumn => "board: sort by the next column",
        KeyAction::SortReverse => "board: reverse the sort order",
        KeyAction::GroupRows => "board: group rows by none, WABA, business",
        KeyAction::ExportCsv => "board: export the view (filter and sort applied) as CSV",
        KeyAction::ExportJson => "board: export the view as JSON",
        KeyAction::RowDetail => "board: the row's fields, old → new where changed",
    }
}

/// One-word hint of an action for the status line.
pub fn hint(action: KeyAction) -> &'static str {
    match action {
        KeyAction::Quit => "quit",
        KeyAction::Back => "back",
        KeyAction::Select => "select",
        KeyAction::Filter => "filter",
        KeyAction::PickSource => "source",
        KeyAction::PickDestination => "destination",
        KeyAction::PickNumber => "number",
        KeyAction::Refresh => "re-check",
        KeyAction::ToggleLog => "log",
        KeyAction::Help => "help",
        KeyAction::NextPane => "next pane",
        KeyAction::Migrate => "migrate",
        KeyAction::Journals => "resume",
        KeyAction::FleetBoard => "fleet",
        KeyAction::SortColumn => "sort",
        KeyAction::SortReverse => "reverse",
        KeyAction::GroupRows => "group",
        KeyAction::ExportCsv => "csv",
        KeyAction::ExportJson => "json",
        KeyAction::RowDetail => "detail",
        _ => describe(action),
    }
}

/// The message shown instead of the UI on a terminal that is too small.
pub fn too_small(min: (u16, u16), have: (u16, u16)) -> String {
    format!(
        "terminal too small: need {}x{}, have {}x{}",
        min.0, min.1, have.0, have.1
    )
}

/// "synced 12s ago", coarse enough that an idle screen redraws rarely.
pub fn synced_ago(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("synced {seconds}s ago"),
        60..=3599 => format!("synced {}m ago", seconds / 60),
        _ => format!("synced {}h ago", seconds / 3600),
    }
}

/// "3 requests in flight".
pub fn in_flight(count: usize) -> String {
    match count {
        1 => "1 request in flight".to_string(),
        n => format!("{n} requests in flight"),
    }
}

/// The connection failure line in the log.
pub fn connect_failed(sentence: &str) -> String {
    format!("Could not connect: {sentence}")
}
