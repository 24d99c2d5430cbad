//! Test support, not part of the shipped binary (compiled for tests and benches only,
//! through the `testkit` feature): a small demo portfolio and a stand-in worker that
//! answers the TUI's requests from it (`demo`), and a generated fleet with a stand-in
//! for the fleet board's refresh (`fleet`). Snapshot tests, unit tests and the TUI
//! benchmark get a loaded state by running the real `update` path, with no network.

// Test support may stop a test with a message.
#![allow(clippy::expect_used)]

pub mod demo;
pub mod fleet;

/// A Graph client for an in-process sandbox at `base_url`, with the sandbox's token.
pub fn sandbox_graph(base_url: &str) -> crate::api::GraphClient {
    let transport = crate::api::Transport::new(
        std::time::Duration::from_secs(5),
        crate::api::RetryPolicy::default(),
    )
    .expect("a transport");
    crate::api::GraphClient::new(
        transport,
        base_url,
        "v25.0",
        secrecy::SecretString::from("sandbox-token"),
    )
    .expect("a Graph client for the sandbox")
}
