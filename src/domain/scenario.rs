//! The seven ways a number or account changes hands, and the plan of steps for each.
//!
//! Facts: Meta's "Migrating phone numbers among solution partners" (programmatic and via
//! Embedded Signup), 360dialog's "Partner change" and "Migrating Phone Numbers" pages
//! (api-notes.md). Scenario ids are a contract for the CLI.

use serde::Serialize;

impl Serialize for Scenario {
    /// The id, as the CLI spells it.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl clap::ValueEnum for Scenario {
    fn value_variants<'a>() -> &'a [Self] {
        Scenario::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.id()))
    }
}

/// A migration scenario the operator picks. Its id (`to-new-waba`) comes from one place,
/// the strum derive: the CLI's values, the JSON spelling and [`Scenario::id`] all read it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Scenario {
    /// To our platform from another BSP.
    FromOtherBsp,
    /// To a new WABA on our platform.
    ToNewWaba,
    /// From our platform to another BSP.
    ToOtherBsp,
    /// A whole client to another integration partner (360dialog partner change).
    ClientPartnerChange,
    /// One WABA and its numbers to another partner.
    WabaPartnerChange,
    /// Between Business Managers.
    BetweenBusinessManagers,
    /// Hosting type change, On-Premise API to Cloud API.
    HostingTypeChange,
}

/// Whether the number is registered anew (OTP) or only its configuration changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// New registration in the destination, with a verification code.
    Migration,
    /// No new registration and no code.
    ConfigurationChange,
}

/// What happens to one kind of asset in a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AssetFate {
    pub asset: &'static str,
    pub carried: bool,
}

/// The impact table shared by every scenario that moves a number (Meta's list of what
/// migrates and what does not).
pub const IMPACT: &[AssetFate] = &[
    AssetFate {
        asset: "display name",
        carried: true,
    },
    AssetFate {
        asset: "quality rating",
        carried: true,
    },
    AssetFate {
        asset: "messaging limits",
        carried: true,
    },
    AssetFate {
        asset: "Official Business Account status",
        carried: true,
    },
    AssetFate {
        asset: "uploaded media",
        carried: true,
    },
    AssetFate {
        asset: "approved high-quality templates",
        carried: true,
    },
    AssetFate {
        asset: "low-quality, rejected or pending templates",
        carried: false,
    },
    AssetFate {
        asset: "catalogs",
        carried: false,
    },
    AssetFate {
        asset: "chat history",
        carried: false,
    },
];

impl Scenario {
    /// Every scenario, in picker order.
    pub const ALL: &'static [Scenario] = <Scenario as strum::VariantArray>::VARIANTS;

    /// The scenario with this CLI id.
    pub fn from_id(id: &str) -> Option<Scenario> {
        id.parse().ok()
    }

    /// The CLI id, e.g. `to-new-waba`.
    pub fn id(self) -> &'static str {
        self.into()
    }

    /// A short title.
    pub fn title(self) -> &'static str {
        match self {
            Scenario::FromOtherBsp => "To our platform from another BSP",
            Scenario::ToNewWaba => "To a new WABA on our platform",
            Scenario::ToOtherBsp => "From our platform to another BSP",
            Scenario::ClientPartnerChange => "A whole client to another integration partner",
            Scenario::WabaPartnerChange => "One WABA and its numbers to another partner",
            Scenario::BetweenBusinessManagers => "Between Business Managers",
            Scenario::HostingTypeChange => "Hosting type change: On-Premise to Cloud API",
        }
    }

    /// Migration (new registration, OTP) or configuration change (no OTP).
    pub fn kind(self) -> ScenarioKind {
        match self {
            Scenario::ClientPartnerChange | Scenario::HostingTypeChange => {
                ScenarioKind::ConfigurationChange
            }
            _ => ScenarioKind::Migration,
        }
    }

    /// Who must act, in order. Sources: Meta's programmatic migration page (the
    /// destination WABA's owner initiates; the source WABA's owner turns off two-step
    /// verification), 360dialog's "Migrate to alternate BSP", "Partner change" and
    /// "Hosting type change" pages (cited in `domain::plan`).
    pub fn actors(self) -> &'static str {
        match self {
            Scenario::FromOtherBsp => {
                "the number's owner asks the source WABA's owner (the old BSP) to turn off two-step verification; then we, as the destination WABA's owner, add, verify and register"
            }
            Scenario::ToNewWaba => "us, and the number's owner for the verification code",
            Scenario::ToOtherBsp => {
                "the client: settles the invoices, turns off two-step verification, has the new BSP start the move, then cancels the subscription and asks for the refund in the 360dialog Hub (a partner may assist, never cancel for the client); we watch the number leave"
            }
            Scenario::ClientPartnerChange => {
                "the client (requests the change in the 360dialog Client Hub), us (approve), then the client (grants us permission) and us (new API keys, webhooks)"
            }
            Scenario::WabaPartnerChange => {
                "the client (requests the change for one WABA in the Hub), us (approve), then the client (grants us permission) and us (new API keys, webhooks)"
            }
            Scenario::BetweenBusinessManagers => {
                "the number's business (accepts the destination's \"Messaging For\" request; asks the source WABA's owner to turn off two-step verification), then the destination WABA's owner in the other Business Manager (add, verify, register)"
            }
            Scenario::HostingTypeChange => {
                "us in the 360dialog Hub (no public endpoint), then a new API key and the webhook set again; or the owner who holds the On-Premise backup, through Graph"
            }
        }
    }

    /// One paragraph: what happens and why it is shaped so.
    pub fn explanation(self) -> &'static str {
        match self {
            Scenario::FromOtherBsp => {
                "The number stays the same but is registered anew in a WABA on our platform. Meta keeps its display name, quality rating, messaging limit and OBA status. The old BSP bills every message delivered before completion; we bill after it. Two-step verification must be off at the source, and there is no API to turn it off."
            }
            Scenario::ToNewWaba => {
                "The number moves between two WABAs of the same business on our platform, through the programmatic migration: add with migrate_phone_number=true, verify by code, register. Apps that use the old WABA id or phone number id must switch to the new ones afterwards."
            }
            Scenario::ToOtherBsp => {
                "An outbound move: the new BSP drives the migration. 360dialog's order: clear the invoices, turn off two-step verification, have the new BSP start the migration, and only once it is complete the client cancels the subscription and requests the refund of unused funds. Only the client may cancel a number, so nothing is cancelled through the API from here."
            }
            Scenario::ClientPartnerChange => {
                "A configuration change in the 360dialog Hub: the client and its numbers move to another integration partner without a new registration and without a code. The receiving partner approves the change request; the Hub then moves the client in the background. Afterwards the client grants the new partner permission, and API keys and webhooks are redone."
            }
            Scenario::WabaPartnerChange => {
                "Like a client partner change, but for one WABA and its numbers: the receiving partner approves a selective partner change request and the Hub moves the channels concerned; then permission, API keys and webhooks are redone."
            }
            Scenario::BetweenBusinessManagers => {
                "The number moves to a WABA owned by another Business Manager that messages on behalf of the number's business. Meta requires both WABAs to represent the same business: a WABA of another business is refused with 2388103 (\"This phone number belongs to a different Business Manager account\"). The destination's owner runs the programmatic migration once the number's business has accepted its \"Messaging For\" request."
            }
            Scenario::HostingTypeChange => {
                "The number moves from the On-Premise API to the Cloud API without a new verification code. At 360dialog this is done in the Hub, then the number gets a new API key (old keys do not work on the Cloud API) and its webhook is set again. An owner who holds the On-Premise backup can instead register the number on the Cloud API through Graph. The On-Premise API was sunset on 23 October 2025, so few numbers remain."
            }
        }
    }

    /// Whether this scenario runs the Graph API migration steps (add, code, register).
    pub fn uses_graph_migration(self) -> bool {
        matches!(
            self,
            Scenario::FromOtherBsp | Scenario::ToNewWaba | Scenario::BetweenBusinessManagers
        )
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Scenario::from_id(&id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown scenario '{id}'")))
    }
}
