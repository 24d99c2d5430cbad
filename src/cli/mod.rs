//! Headless subcommands.

pub mod sim;
