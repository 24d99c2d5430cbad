//! The terminal UI. (Placeholder until the TUI lands.)

use std::process::ExitCode;

use crate::config::Settings;

/// Opens the terminal UI on `settings`' backend and runs it until the operator quits.
pub fn main(_runtime: tokio::runtime::Runtime, _settings: Settings) -> ExitCode {
    eprintln!("wamigrate: the terminal UI is not built yet; try `wamigrate status`.");
    ExitCode::from(1)
}
