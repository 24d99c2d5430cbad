//! wamigrate: move WhatsApp Business API numbers between WABAs safely.
//!
//! Layers, each in its own module: `domain` (types and rules, no I/O), `api` (HTTP
//! clients returning domain types and classified errors), `sim` (the sandbox server),
//! `cli` (headless commands) and `app` (the terminal UI).

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod connect;
pub mod domain;
pub mod logging;
pub mod ops;
pub mod sim;
