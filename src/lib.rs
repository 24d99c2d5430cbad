//! wamigrate: move WhatsApp Business API numbers between WABAs safely.
//!
//! Layers, each in its own module: `domain` (types and rules, no I/O), `api` (HTTP
//! clients returning domain types and classified errors), `sim` (the sandbox server),
//! `ops` (work of many calls shared by the TUI and the commands), `cli` (headless
//! commands) and `app` (the terminal UI); `exit` holds the exit codes. `testkit` (demo
//! data for tests and benchmarks) is compiled only for them.

// Outside tests an `expect` must be made impossible by a type instead (see STYLE).
#![cfg_attr(not(test), deny(clippy::expect_used))]

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod connect;
pub mod domain;
pub mod exit;
pub mod logging;
pub mod ops;
pub mod sim;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
