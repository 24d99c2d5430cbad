//! The sandbox's world at rest: businesses, WABAs, numbers, templates and the 360dialog
//! partner view. Loaded from the embedded `assets/sandbox/portfolio.json` (so the binary
//! works from any directory), or generated deterministically for fleet-scale runs.
//! Graph-visible attributes live in the domain types (`Waba`, `PhoneNumber`); the
//! sandbox-only ones (2FA PIN, template limit, webhook apps) sit beside them.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::domain::number::{CanSendMessage, HealthEntity, HealthStatus, PhoneNumber};
use crate::domain::partner::{Channel, PartnerChangeRequest, PartnerClient};
use crate::domain::waba::{AppData, Waba};
use crate::sim::access::SystemUserToken;
use crate::sim::fleet;
use crate::sim::templates::{self, Blueprint, SimTemplate, TemplateSpec};

const SEED_JSON: &str = include_str!("../../assets/sandbox/portfolio.json");
/// Templates on the first WABA of a fleet when `--templates` is not given.
const FLEET_DEFAULT_TEMPLATES: usize = 100;

/// A business portfolio (Business Manager).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Business {
    pub id: String,
    pub name: String,
}

/// A WABA: its Graph node plus what the sandbox needs to answer about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SimWaba {
    pub node: Waba,
    /// Apps receiving its webhooks (`GET /{waba_id}/subscribed_apps`).
    #[serde(default)]
    pub subscribed_apps: Vec<AppData>,
    /// Businesses that see this WABA under `client_whatsapp_business_accounts`.
    #[serde(default)]
    pub client_of: Vec<String>,
    /// `summary.message_template_limit`.
    pub template_limit: u64,
    /// How many templates to generate for it, from which point of the name sequence.
    #[serde(default)]
    pub templates: TemplateSpec,
}

impl SimWaba {
    /// The owning business id.
    pub fn owner(&self) -> &str {
        self.node.owner_business_id().unwrap_or_default()
    }
}

/// A phone number: its Graph node, its WABA, and its 2FA PIN (sandbox-only; only
/// `is_pin_enabled` is ever shown).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SimNumber {
    pub waba_id: String,
    pub node: PhoneNumber,
    #[serde(default)]
    pub pin: Option<PinDigest>,
}

/// A two-step PIN as the sandbox keeps it: a digest, never the digits, because the
/// world is written to the data dir between runs and a PIN an operator typed there is a
/// secret like any other. (Six digits are easy to guess from any digest; the point is
/// that no file holds a PIN in clear.) The seeds in assets/ give plain fixture PINs:
/// they are digested on load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PinDigest(String);

impl PinDigest {
    const PREFIX: &str = "sha256:";

    pub fn of(pin: &str) -> PinDigest {
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            format!("wamigrate-sandbox-pin:{pin}").as_bytes(),
        );
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        PinDigest(format!("{}{hex}", Self::PREFIX))
    }

    /// Whether a PIN sent in a call is this one.
    pub fn matches(&self, pin: &str) -> bool {
        *self == PinDigest::of(pin)
    }
}

impl Serialize for PinDigest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PinDigest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(if raw.starts_with(Self::PREFIX) {
            PinDigest(raw)
        } else {
            PinDigest::of(&raw)
        })
    }
}

impl SimNumber {
    /// E.164 digits, the key Meta finds a number by (`cc` + `phone_number`).
    pub fn digits(&self) -> String {
        self.node.e164_digits().unwrap_or_default()
    }
}

/// The 360dialog partner's view: clients, channels and partner change requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HubPortfolio {
    pub partner_id: String,
    pub clients: Vec<PartnerClient>,
    pub channels: Vec<Channel>,
    pub change_requests: Vec<PartnerChangeRequest>,
    /// Requests that end `failed` once approved.
    #[serde(default)]
    pub failing_change_requests: Vec<String>,
    /// Channels with a cancellation request set (`…/control/cancellation_request`).
    #[serde(default)]
    pub cancellation_requests: Vec<String>,
}

/// The embedded seed file.
#[derive(Deserialize)]
pub(crate) struct SeedFile {
    pub businesses: Vec<Business>,
    pub wabas: Vec<SimWaba>,
    pub numbers: Vec<SimNumber>,
    pub template_languages: Vec<String>,
    pub template_blueprints: Vec<Blueprint>,
    pub hub: HubPortfolio,
    pub tokens: Vec<SystemUserToken>,
}

/// Everything the sandbox serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Portfolio {
    pub businesses: Vec<Business>,
    pub wabas: Vec<SimWaba>,
    pub numbers: Vec<SimNumber>,
    pub templates: Vec<SimTemplate>,
    pub hub: HubPortfolio,
    /// The system users' Graph tokens and their grants (`sim::access`).
    pub tokens: Vec<SystemUserToken>,
    /// Where each WABA's numbers stand in `numbers`, built on the first read of an edge
    /// (a sweep of 2,000 WABAs otherwise scans 100,000 numbers per WABA).
    #[serde(skip)]
    pub numbers_by_waba: NumberIndex,
}

/// The positions of each WABA's numbers in [`Portfolio::numbers`], for the numbers that
/// were there when it was built. Numbers are only ever added (a migration adds the
/// number under its new id) and a number's `waba_id` never changes in place, so the
/// index stays true for its prefix and the numbers added since are scanned.
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberIndex(OnceLock<(usize, HashMap<String, Vec<usize>>)>);

/// What kind of Graph object an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Business,
    Waba,
    Number,
    Template,
}

impl Portfolio {
    /// The seeded portfolio, or a generated fleet when `fleet` is set. `templates`
    /// overrides the template count of the first (main source) WABA.
    pub fn build(seed: u64, fleet: Option<usize>, templates: Option<usize>) -> Portfolio {
        // The seed is embedded at build time and parsed by a unit test: no type can
        // say so, and a sandbox without its portfolio cannot start anyway.
        #[allow(clippy::expect_used)]
        let file: SeedFile = serde_json::from_str(SEED_JSON)
            .expect("assets/sandbox/portfolio.json is valid (unit-tested)");
        let mut portfolio = match fleet {
            Some(numbers) => fleet::generate(
                &file,
                seed,
                numbers,
                templates.unwrap_or(FLEET_DEFAULT_TEMPLATES),
            ),
            None => Portfolio {
                businesses: file.businesses.clone(),
                wabas: file.wabas.clone(),
                numbers: file.numbers.clone(),
                templates: Vec::new(),
                hub: file.hub.clone(),
                tokens: file.tokens.clone(),
                numbers_by_waba: NumberIndex::default(),
            },
        };
        if let (None, Some(count), Some(first)) = (fleet, templates, portfolio.wabas.first_mut()) {
            first.templates.count = count;
        }
        let mut next_id = templates::SEEDED_TEMPLATE_ID_BASE;
        for waba in &portfolio.wabas {
            portfolio.templates.extend(templates::generate(
                &file.template_blueprints,
                &file.template_languages,
                &waba.node.id,
                waba.templates,
                seed,
                &mut next_id,
            ));
        }
        portfolio
    }

    pub fn business(&self, id: &str) -> Option<&Business> {
        self.businesses.iter().find(|b| b.id == id)
    }

    pub fn waba(&self, id: &str) -> Option<&SimWaba> {
        self.wabas.iter().find(|w| w.node.id == id)
    }

    /// The numbers of WABA `waba_id`, in the order of `numbers`.
    pub fn numbers_of(&self, waba_id: &str) -> Vec<&SimNumber> {
        let (indexed, by_waba) = self.numbers_by_waba.0.get_or_init(|| {
            let mut by_waba: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, number) in self.numbers.iter().enumerate() {
                by_waba.entry(number.waba_id.clone()).or_default().push(i);
            }
            (self.numbers.len(), by_waba)
        });
        let prefix = by_waba
            .get(waba_id)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.numbers.get(i));
        let added = self.numbers.iter().skip(*indexed);
        prefix
            .chain(added.filter(|n| n.waba_id == waba_id))
            .filter(|n| n.waba_id == waba_id)
            .collect()
    }

    pub fn number(&self, id: &str) -> Option<&SimNumber> {
        self.numbers.iter().find(|n| n.node.id == id)
    }

    pub fn number_mut(&mut self, id: &str) -> Option<&mut SimNumber> {
        self.numbers.iter_mut().find(|n| n.node.id == id)
    }

    pub fn template(&self, id: &str) -> Option<&SimTemplate> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// What an id names, if anything.
    pub fn kind_of(&self, id: &str) -> Option<NodeKind> {
        if self.waba(id).is_some() {
            Some(NodeKind::Waba)
        } else if self.number(id).is_some() {
            Some(NodeKind::Number)
        } else if self.business(id).is_some() {
            Some(NodeKind::Business)
        } else if self.template(id).is_some() {
            Some(NodeKind::Template)
        } else {
            None
        }
    }

    /// The WABA a rate limit applies to: the id itself, or a number's WABA.
    pub fn rate_limited_waba(&self, id: &str) -> Option<&SimWaba> {
        self.waba(id)
            .or_else(|| self.number(id).and_then(|n| self.waba(&n.waba_id)))
    }
}

/// A number's `health_status` as Meta's health-status page shows it
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/health-status):
/// the number's own entity, then its WABA, business and app ("WABA, business, and app
/// always included"). The number's state is the overall one; the others can send.
pub(crate) fn health(number: &str, waba: &str, business: &str, can_send: &str) -> HealthStatus {
    let can = crate::domain::number::CanSendMessage::parse(can_send);
    let entity = |entity_type: &str, id: &str, can: CanSendMessage| HealthEntity {
        entity_type: Some(entity_type.to_string()),
        id: Some(id.to_string()),
        can_send_message: Some(can),
        errors: Vec::new(),
    };
    HealthStatus {
        can_send_message: Some(can.clone()),
        entities: vec![
            entity("PHONE_NUMBER", number, can),
            entity("WABA", waba, CanSendMessage::Available),
            entity("BUSINESS", business, CanSendMessage::Available),
            entity("APP", crate::sim::SANDBOX_APP_ID, CanSendMessage::Available),
        ],
    }
}

impl Portfolio {
    /// [`health`] of number `number` in WABA `waba`, with the WABA's owner as business.
    pub(crate) fn number_health(&self, number: &str, waba: &str, can_send: &str) -> HealthStatus {
        let business = self
            .waba(waba)
            .and_then(|w| w.node.owner_business_id())
            .unwrap_or_default();
        health(number, waba, business, can_send)
    }
}

impl SimNumber {
    /// `+` and the E.164 digits, as 360dialog writes `setup_info.phone_number`.
    pub fn e164(&self) -> Option<String> {
        self.node.e164_digits().map(|d| format!("+{d}"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::number::{
        AccountMode, NameStatus, NumberStatus, PlatformType, QualityRating,
    };
    use crate::domain::template::{TemplateCategory, TemplateStatus};
    use crate::domain::waba::AccountReviewStatus;

    fn body(t: &SimTemplate) -> Option<String> {
        let body = t
            .components
            .as_array()?
            .iter()
            .find(|c| c["type"] == "BODY")?;
        body["text"].as_str().map(String::from)
    }

    fn seeded() -> Portfolio {
        Portfolio::build(crate::sim::DEFAULT_SEED, None, None)
    }

    #[test]
    fn a_generated_numbers_health_names_the_number_its_waba_business_and_app() {
        let portfolio = Portfolio::build(crate::sim::DEFAULT_SEED, Some(120), None);
        let number = &portfolio.numbers[60];
        let waba = portfolio.waba(&number.waba_id).unwrap();
        let health = number.node.health_status.as_ref().unwrap();
        let entities: Vec<(&str, &str)> = health
            .entities
            .iter()
            .map(|e| (e.entity_type.as_deref().unwrap(), e.id.as_deref().unwrap()))
            .collect();
        let owner = waba.node.owner_business_info.as_ref().unwrap();
        assert_eq!(
            entities,
            [
                ("PHONE_NUMBER", number.node.id.as_str()),
                ("WABA", number.waba_id.as_str()),
                ("BUSINESS", owner.id.as_deref().unwrap()),
                ("APP", crate::sim::SANDBOX_APP_ID),
            ]
        );
        assert_eq!(health.can_send_message, health.entities[0].can_send_message);
    }

    #[test]
    fn every_seeded_numbers_health_names_its_waba_business_and_app() {
        let portfolio = seeded();
        for number in &portfolio.numbers {
            let owner = portfolio
                .waba(&number.waba_id)
                .and_then(|w| w.node.owner_business_info.as_ref())
                .and_then(|b| b.id.clone());
            let health = number.node.health_status.as_ref().unwrap();
            let named = |kind: &str| {
                health
                    .entities
                    .iter()
                    .find(|e| e.entity_type.as_deref() == Some(kind))
                    .and_then(|e| e.id.clone())
            };
            assert_eq!(named("PHONE_NUMBER"), Some(number.node.id.clone()));
            assert_eq!(named("WABA"), Some(number.waba_id.clone()));
            assert_eq!(named("BUSINESS"), owner);
            assert_eq!(named("APP").as_deref(), Some(crate::sim::SANDBOX_APP_ID));
        }
    }

    #[test]
    fn a_wabas_numbers_come_from_the_index_and_a_number_added_later_joins_them() {
        let mut portfolio = Portfolio::build(crate::sim::DEFAULT_SEED, Some(500), None);
        let waba = portfolio.wabas[3].node.id.clone();
        let ids = |p: &Portfolio, waba: &str| -> Vec<String> {
            p.numbers_of(waba)
                .iter()
                .map(|n| n.node.id.clone())
                .collect()
        };
        let scanned: Vec<String> = portfolio
            .numbers
            .iter()
            .filter(|n| n.waba_id == waba)
            .map(|n| n.node.id.clone())
            .collect();
        assert!(!scanned.is_empty());
        assert_eq!(ids(&portfolio, &waba), scanned);
        // As a migration does: the number under a new id in another WABA.
        let mut moved = portfolio.numbers[0].clone();
        moved.node.id = "999000111".into();
        moved.waba_id = waba.clone();
        portfolio.numbers.push(moved);
        assert_eq!(
            ids(&portfolio, &waba).last().map(String::as_str),
            Some("999000111")
        );
        assert_eq!(ids(&portfolio, &waba).len(), scanned.len() + 1);
        assert!(ids(&portfolio, "no-such-waba").is_empty());
    }

    #[test]
    fn seeded_portfolio_covers_every_state_the_brief_names() {
        let p = seeded();
        assert!(p.businesses.len() >= 2 && p.wabas.len() >= 6);
        assert_eq!(p.numbers.len(), 40);
        let displays: HashSet<_> = p
            .numbers
            .iter()
            .map(|n| n.node.display_phone_number.clone())
            .collect();
        assert_eq!(displays.len(), 40, "display numbers are unique");
        let has = |f: &dyn Fn(&PhoneNumber) -> bool| p.numbers.iter().any(|n| f(&n.node));
        for q in QualityRating::KNOWN {
            assert!(
                has(&|n| n.quality_rating.as_ref() == Some(q)),
                "quality {q}"
            );
        }
        for s in [
            "FLAGGED",
            "RESTRICTED",
            "DISCONNECTED",
            "CONNECTED",
            "PENDING",
        ] {
            assert!(
                has(&|n| n.status == Some(NumberStatus::parse(s))),
                "status {s}"
            );
        }
        assert!(has(&|n| n
            .status
            .as_ref()
            .is_some_and(NumberStatus::is_unknown)));
        for s in ["APPROVED", "PENDING_REVIEW", "DECLINED"] {
            assert!(
                has(&|n| n.name_status == Some(NameStatus::parse(s))),
                "name {s}"
            );
        }
        assert!(has(
            &|n| n.new_name_status == Some(NameStatus::PendingReview)
        ));
        assert!(has(&|n| n.account_mode == Some(AccountMode::Sandbox)));
        assert!(has(&|n| n.is_on_biz_app == Some(true)));
        assert!(has(&|n| n.platform_type == Some(PlatformType::OnPremise)));
        assert!(has(&|n| n.messaging_limit_tier.is_none()
            && n.whatsapp_business_manager_messaging_limit.is_some()));
        assert!(has(&|n| n.messaging_limit_tier.is_some()
            && n.whatsapp_business_manager_messaging_limit.is_none()));
        assert!(
            p.numbers
                .iter()
                .any(|n| n.pin.is_some() && n.node.is_pin_enabled == Some(true))
        );
        assert!(
            p.numbers
                .iter()
                .all(|n| n.pin.is_some() == (n.node.is_pin_enabled == Some(true)))
        );
        assert!(p.wabas.iter().any(|w| w.subscribed_apps.is_empty()));
        assert!(p.wabas.iter().any(|w| !w.node.has_payment_method()));
        assert!(
            p.wabas
                .iter()
                .any(|w| w.node.account_review_status != Some(AccountReviewStatus::Approved))
        );
    }

    #[test]
    fn seeded_templates_cover_statuses_qualities_categories_and_collide_on_purpose() {
        let p = seeded();
        assert!(p.templates.len() >= 300);
        for s in [
            "APPROVED",
            "PENDING",
            "REJECTED",
            "PAUSED",
            "DISABLED",
            "IN_APPEAL",
            "PENDING_DELETION",
            "DELETED",
            "LIMIT_EXCEEDED",
        ] {
            assert!(
                p.templates
                    .iter()
                    .any(|t| t.status == TemplateStatus::parse(s)),
                "status {s}"
            );
        }
        assert!(
            p.templates
                .iter()
                .any(|t| t.category == TemplateCategory::Unknown("TRANSACTIONAL".into()))
        );
        let languages: HashSet<_> = p.templates.iter().map(|t| t.language.as_str()).collect();
        assert!(languages.len() >= 4);
        let (source, dest) = (&p.wabas[0].node.id, &p.wabas[1].node.id);
        let in_waba = |w: &str| {
            p.templates
                .iter()
                .filter(|t| t.waba_id == w)
                .map(|t| (t.name.clone(), t.language.clone(), body(t)))
                .collect::<Vec<_>>()
        };
        let (s, d) = (in_waba(source), in_waba(dest));
        let same_key = d
            .iter()
            .filter(|x| s.iter().any(|y| (&y.0, &y.1) == (&x.0, &x.1)))
            .count();
        let same_body = d.iter().filter(|x| s.contains(x)).count();
        assert!(
            same_key >= 10 && same_body < same_key,
            "{same_key} collisions, {same_body} unchanged"
        );
        let full = &p.wabas[2];
        assert_eq!(
            (
                p.templates
                    .iter()
                    .filter(|t| t.waba_id == full.node.id)
                    .count(),
                full.template_limit
            ),
            (238, 250)
        );
    }

    #[test]
    fn a_fleet_of_ten_thousand_is_deterministic() {
        let a = Portfolio::build(9, Some(10_000), Some(300));
        let b = Portfolio::build(9, Some(10_000), Some(300));
        assert_eq!(a.wabas.len(), 200);
        assert_eq!(a.numbers.len(), 10_000);
        assert_eq!(
            a.templates
                .iter()
                .filter(|t| t.waba_id == a.wabas[0].node.id)
                .count(),
            300
        );
        assert_eq!(
            a.numbers.iter().map(|n| &n.node).collect::<Vec<_>>(),
            b.numbers.iter().map(|n| &n.node).collect::<Vec<_>>()
        );
        let unique: HashSet<_> = a.numbers.iter().map(SimNumber::digits).collect();
        assert_eq!(unique.len(), 10_000);
        assert_eq!(a.businesses.len(), 3, "the seeded businesses");
        assert_eq!(a.hub.channels.len(), 10_000);
    }

    #[test]
    fn template_override_applies_to_the_main_source() {
        let p = Portfolio::build(1, None, Some(520));
        assert_eq!(
            p.templates
                .iter()
                .filter(|t| t.waba_id == p.wabas[0].node.id)
                .count(),
            520
        );
    }
}
