//! Operations: remote work of many calls that both the TUI and the headless commands
//! run (template migration; later the number migration runner). They use `api` and
//! `domain` and report progress through callbacks, never to the screen.

pub mod journal_store;
pub mod migration;
pub mod preflight;
pub mod report;
pub mod template_migration;
