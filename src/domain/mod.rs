//! Domain types and rules: plain data and pure functions, no terminal and no network.

pub mod checklist;
pub mod eligibility;
pub mod fleet;
pub mod journal;
pub mod lenient;
pub mod number;
pub mod open_enum;
pub mod partner;
pub mod phone;
pub mod plan;
pub mod readability;
pub mod recreate;
pub mod scenario;
pub mod template;
pub mod template_diff;
pub mod waba;

#[cfg(test)]
pub(crate) mod properties;
