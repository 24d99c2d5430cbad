//! `wamigrate sim`. (Placeholder until the sandbox lands.)

use std::process::ExitCode;

/// Knobs of `wamigrate sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {}

/// Runs the sandbox until Ctrl-C.
pub async fn run(_args: SimArgs) -> ExitCode {
    ExitCode::from(1)
}
