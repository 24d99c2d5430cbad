//! HTTP clients for the Meta Graph API and the 360dialog Partner API, turning answers
//! into domain types and failures into classified, operator-readable errors.

pub mod body;
pub mod error;
pub mod fields;
pub mod graph;
pub mod hub;
pub mod ids;
pub mod memory;
pub mod paging;
#[cfg(test)]
mod properties;
mod redirect;
pub mod text;
pub mod transport;
pub mod usage;

pub use error::{ApiError, ErrorClass};
pub use graph::GraphClient;
pub use hub::{HubAuth, HubClient};
pub use transport::{CallRecord, RetryPolicy, Transport, TransportConfig};
pub use usage::{RateUsage, pacing};
