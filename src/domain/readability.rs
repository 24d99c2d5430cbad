//! What the operator's token could read on each side of a move, learnt before the
//! checks, and who can confirm what it could not.
//!
//! A Graph token belongs to a system user and reaches only the assets shared with it
//! (`debug_token` → `granular_scopes[].target_ids`,
//! https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-accounts).
//! Anything else answers HTTP 400, code 100, subcode 33, "Unsupported get request. Object
//! with ID '…' does not exist, cannot be loaded due to missing permissions, or does not
//! support this operation" (as reported in
//! https://github.com/darwin-morocho/flutter-facebook-auth/issues/186): an object that
//! does not exist and one not shared look the same. So a partner moving a number in from
//! another BSP or business cannot read the source, and the source's rules are unknown
//! until someone who can see it confirms them; the destination, which we write to, must
//! be readable.

use crate::domain::scenario::Scenario;

/// Why the source side's evidence could not be read, and who can confirm it instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReadable {
    /// What could not be read and why, e.g. "the source WABA 1049… was not shared with
    /// this token".
    pub why: String,
    /// Who can confirm the rule instead, e.g. "the number's current BSP".
    pub whom: String,
}

impl NotReadable {
    /// The source side of a scenario could not be read for `why`.
    pub fn source(scenario: Scenario, why: impl Into<String>) -> Self {
        NotReadable {
            why: why.into(),
            whom: source_confirmer(scenario).to_string(),
        }
    }

    /// The evidence sentence of a rule this makes unknown.
    pub fn sentence(&self) -> String {
        format!("{NOT_READABLE}: {}; ask {} to confirm", self.why, self.whom)
    }
}

/// The start of every sentence about evidence the token could not read.
pub const NOT_READABLE: &str = "not readable with this token";

/// The evidence of a destination rule whose WABA could not be read: Graph answers a WABA
/// that does not exist and one not shared alike, and we cannot write where we cannot read.
pub const DESTINATION_NOT_READABLE: &str =
    "not readable with this token: it does not exist or was not shared with you";

/// The fix of a destination rule whose WABA could not be read.
pub const DESTINATION_NOT_READABLE_FIX: &str = "Check the destination WABA id, and that the system user behind this token was given access to it (Business Settings → System users → Assign assets); run `wamigrate doctor` to list what the token reaches.";

/// Who can see the source side of a scenario when the operator's token cannot.
pub fn source_confirmer(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::FromOtherBsp => "the number's current BSP (the source WABA's owner)",
        Scenario::BetweenBusinessManagers => "an admin of the source Business Manager",
        Scenario::ClientPartnerChange | Scenario::WabaPartnerChange => {
            "the client, or its current partner"
        }
        Scenario::ToOtherBsp | Scenario::ToNewWaba | Scenario::HostingTypeChange => {
            "an admin of the business that owns the number"
        }
    }
}

/// Whether the source sits with another BSP or business in this scenario, so the tool
/// never assumes it can read it (its unreadable rules are confirmed by the operator).
pub fn source_elsewhere(scenario: Scenario) -> bool {
    matches!(
        scenario,
        Scenario::FromOtherBsp
            | Scenario::ToOtherBsp
            | Scenario::BetweenBusinessManagers
            | Scenario::ClientPartnerChange
            | Scenario::WabaPartnerChange
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_says_why_and_whom() {
        let nr = NotReadable::source(
            Scenario::FromOtherBsp,
            "the source WABA 1 was not shared with this token",
        );
        assert_eq!(
            nr.sentence(),
            "not readable with this token: the source WABA 1 was not shared with this token; ask the number's current BSP (the source WABA's owner) to confirm"
        );
        assert!(DESTINATION_NOT_READABLE.starts_with(NOT_READABLE));
        assert!(source_elsewhere(Scenario::WabaPartnerChange));
        assert!(!source_elsewhere(Scenario::ToNewWaba));
    }
}
