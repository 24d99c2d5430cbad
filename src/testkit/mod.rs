//! Test support, not part of the shipped binary (compiled for tests and benches only,
//! through the `testkit` feature): a small demo portfolio and a stand-in worker that
//! answers the TUI's requests from it (`demo`), and a generated fleet with a stand-in
//! for the fleet board's refresh (`fleet`). Snapshot tests, unit tests and the TUI
//! benchmark get a loaded state by running the real `update` path, with no network.

// Test support may stop a test with a message.
#![allow(clippy::expect_used)]

pub mod demo;
pub mod fleet;
