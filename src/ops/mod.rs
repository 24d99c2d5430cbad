//! Operations: remote work of many calls that both the TUI and the headless commands
//! run: the fleet read (`status`, `--watch`, the fleet board), exports, template
//! migration, the number migration runner, its journal and reports. They use `api` and
//! `domain` and report progress through channels, callbacks and the operator
//! interface, never to the screen.

pub mod doctor;
pub mod export;
pub mod file_error;
pub mod fleet_read;
pub mod journal_store;
pub mod migration;
pub mod preflight;
pub mod private_files;
pub mod recreate;
pub mod report;
pub mod run_lock;
pub mod template_migration;
pub mod template_tally;
