//! The command palette's texts (`:`).

/// The popup's title and its empty states.
pub const TITLE: &str = "Palette: screens, commands, WABAs, numbers";
pub const NO_MATCH: &str = "Nothing matches: try a name, or digits of a number.";
pub const KEYS: &str = "type a name or digits · ↑/↓ choose · Enter go · Esc close";
/// The screens.
pub const MAIN: &str = "main screen: source, destination, checklist";
pub const BOARD: &str = "fleet board: every number of every WABA";
pub const TEMPLATES: &str = "templates: source vs destination";
pub const LOG: &str = "log: API calls with times, levels and details";
pub const JOURNALS: &str = "journals: every migration, its report, resume, abandon";
/// The kind column.
pub const KIND_SCREEN: &str = "screen";
pub const KIND_COMMAND: &str = "command";
pub const KIND_SOURCE: &str = "source";
pub const KIND_DESTINATION: &str = "destination";
pub const KIND_NUMBER: &str = "number";
/// Leaving the template screen while its run or question is open.
pub const TEMPLATES_BUSY: &str =
    "The template screen has a run or a question open: finish or close it there first (Esc).";

/// "+1 631-555-0101 · Jasper's Market · Lucky Shrub Retail · id 200000000000001".
pub fn number_row(label: &str, name: Option<&str>, waba: &str, id: &str) -> String {
    match name {
        Some(name) => format!("{label}  ·  {name}  ·  {waba}  ·  id {id}"),
        None => format!("{label}  ·  {waba}  ·  id {id}"),
    }
}
