//! HTTP clients for the Meta Graph API and the 360dialog Partner API, turning answers
//! into domain types and failures into classified, operator-readable errors.

pub mod error;
pub mod graph;
pub mod hub;
pub mod transport;

pub use error::{ApiError, ErrorClass};
pub use graph::GraphClient;
pub use hub::{HubAuth, HubClient};
pub use transport::{CallRecord, RateUsage, RetryPolicy, Transport, pacing};
