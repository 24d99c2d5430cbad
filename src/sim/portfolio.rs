//! The sandbox's world at rest: businesses, WABAs, numbers, templates and the 360dialog
//! partner view. Loaded from the embedded `assets/sandbox/portfolio.json` (so the binary
//! works from any directory), or generated deterministically for fleet-scale runs.
//! Graph-visible attributes live in the domain types (`Waba`, `PhoneNumber`); the
//! sandbox-only ones (2FA PIN, template limit, webhook apps) sit beside them.

use fastrand::Rng;
use serde::{Deserialize, Serialize};

use crate::domain::number::{
    AccountMode, CodeVerificationStatus, HealthEntity, HealthStatus, ManagerMessagingLimit,
    MessagingLimitTier, NameStatus, NumberStatus, PhoneNumber, PlatformType, QualityRating,
    Throughput, ThroughputLevel,
};
use crate::domain::partner::{
    Channel, ChannelAccountMode, ChannelSetupInfo, ChannelStatus, ChannelWaba,
    PartnerChangeRequest, PartnerChangeStatus, PartnerClient,
};
use crate::domain::waba::{
    AccountReviewStatus, AppData, BusinessRef, BusinessVerificationStatus, Waba,
};
use crate::sim::access::SystemUserToken;
use crate::sim::templates::{self, Blueprint, SimTemplate, TemplateSpec};

const SEED_JSON: &str = include_str!("../../assets/sandbox/portfolio.json");
/// Numbers per WABA in a generated fleet.
const FLEET_NUMBERS_PER_WABA: usize = 50;
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
    pub pin: Option<String>,
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
struct SeedFile {
    businesses: Vec<Business>,
    wabas: Vec<SimWaba>,
    numbers: Vec<SimNumber>,
    template_languages: Vec<String>,
    template_blueprints: Vec<Blueprint>,
    hub: HubPortfolio,
    tokens: Vec<SystemUserToken>,
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
}

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
            Some(numbers) => generate_fleet(
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

/// A deterministic portfolio of `numbers` numbers over ceil(numbers/50) WABAs in the two
/// seeded businesses, with varied states; the first WABA gets `templates` templates and
/// the second half as many, overlapping in name (a source/destination pair).
fn generate_fleet(file: &SeedFile, seed: u64, numbers: usize, templates: usize) -> Portfolio {
    let mut rng = Rng::with_seed(seed);
    let businesses = file.businesses.clone();
    let main = &businesses[0];
    let other = businesses.get(1).unwrap_or(main);
    let app = file
        .wabas
        .iter()
        .flat_map(|w| w.subscribed_apps.first())
        .next()
        .cloned();
    let waba_count = numbers.div_ceil(FLEET_NUMBERS_PER_WABA).max(1);
    let wabas: Vec<SimWaba> = (0..waba_count)
        .map(|i| {
            let owner = if i % 5 == 4 { other } else { main };
            let id = format!("30499612{i:07}");
            let (count, first, edited_share) = match i {
                0 => (templates, 0, 0.0),
                1 => (templates / 2, templates / 4, 0.3),
                _ => (templates.min(12), (i * 7) % 50, 0.0),
            };
            SimWaba {
                node: Waba {
                    id: id.clone(),
                    name: Some(format!(
                        "{} Fleet {:03}",
                        owner.name.split_whitespace().next().unwrap_or("Fleet"),
                        i + 1
                    )),
                    currency: Some(if i % 2 == 0 { "USD" } else { "EUR" }.to_string()),
                    timezone_id: Some("1".to_string()),
                    message_template_namespace: Some(format!("fleet_{id}")),
                    account_review_status: Some(if i % 11 == 7 {
                        AccountReviewStatus::Pending
                    } else {
                        AccountReviewStatus::Approved
                    }),
                    business_verification_status: Some(BusinessVerificationStatus::Verified),
                    ownership_type: Some("SELF".to_string()),
                    owner_business_info: Some(BusinessRef {
                        id: Some(owner.id.clone()),
                        name: Some(owner.name.clone()),
                    }),
                    on_behalf_of_business_info: None,
                    primary_funding_id: (i % 13 != 9).then(|| format!("PF{id}")),
                    health_status: None,
                    fields_not_read: Vec::new(),
                },
                subscribed_apps: if i % 9 == 5 {
                    Vec::new()
                } else {
                    app.iter().cloned().collect()
                },
                client_of: if owner.id == main.id {
                    Vec::new()
                } else {
                    vec![main.id.clone()]
                },
                template_limit: 250,
                templates: TemplateSpec {
                    count,
                    first,
                    edited_share,
                },
            }
        })
        .collect();
    let numbers: Vec<SimNumber> = (0..numbers)
        .map(|j| fleet_number(&mut rng, j, &wabas[j / FLEET_NUMBERS_PER_WABA]))
        .collect();
    let hub = fleet_hub(&file.hub.partner_id, &wabas, &numbers, &mut rng);
    Portfolio {
        businesses,
        wabas,
        numbers,
        templates: Vec::new(),
        hub,
        tokens: file.tokens.clone(),
    }
}

/// Picks from a deck where frequent values are repeated.
fn pick<'a>(rng: &mut Rng, deck: &[&'a str]) -> &'a str {
    deck[rng.usize(..deck.len())]
}

fn fleet_number(rng: &mut Rng, j: usize, waba: &SimWaba) -> SimNumber {
    const BRANDS: &[&str] = &[
        "Lucky Shrub",
        "Green Leaf",
        "Kestrel",
        "Harbour Bakery",
        "Nordlicht",
        "Casa Olivo",
        "Blue Heron",
    ];
    const PLACES: &[&str] = &[
        "Support",
        "Orders",
        "Berlin",
        "Austin",
        "Leeds",
        "Madrid",
        "Alerts",
        "Deliveries",
        "Care",
        "Sales",
    ];
    let id = format!("20654035{j:07}");
    let display = if j % 3 == 2 {
        format!("+49 30 {j:08}")
    } else {
        format!("+1 {}-555-{:04}", 201 + j / 10_000, j % 10_000)
    };
    let status = pick(
        rng,
        &["CONNECTED"; 16]
            .iter()
            .copied()
            .chain([
                "FLAGGED",
                "RESTRICTED",
                "DISCONNECTED",
                "PENDING",
                "BANNED",
                "OFFLINE",
            ])
            .collect::<Vec<_>>(),
    );
    let name_status = pick(
        rng,
        &["APPROVED"; 18]
            .iter()
            .copied()
            .chain(["PENDING_REVIEW", "DECLINED", "EXPIRED"])
            .collect::<Vec<_>>(),
    );
    let quality = pick(
        rng,
        &[
            "GREEN", "GREEN", "GREEN", "GREEN", "GREEN", "YELLOW", "RED", "UNKNOWN", "NA",
        ],
    );
    let old_tier = pick(
        rng,
        &[
            "",
            "TIER_250",
            "TIER_1K",
            "TIER_1K",
            "TIER_10K",
            "TIER_100K",
            "TIER_UNLIMITED",
        ],
    );
    let new_tier = pick(
        rng,
        &[
            "",
            "TIER_250",
            "TIER_2K",
            "TIER_2K",
            "TIER_10K",
            "TIER_100K",
            "TIER_UNLIMITED",
            "UNTIERED",
        ],
    );
    let pin_on = rng.u8(..100) < 30;
    let can_send = match status {
        "CONNECTED" => "AVAILABLE",
        "FLAGGED" | "RESTRICTED" => "LIMITED",
        _ => "BLOCKED",
    };
    let node = PhoneNumber {
        id: id.clone(),
        display_phone_number: Some(display),
        verified_name: Some(format!("{} {}", pick(rng, BRANDS), pick(rng, PLACES))),
        name_status: Some(NameStatus::parse(name_status)),
        new_name_status: (rng.u8(..100) < 3).then_some(NameStatus::PendingReview),
        code_verification_status: Some(CodeVerificationStatus::Verified),
        quality_rating: Some(QualityRating::parse(quality)),
        status: Some(NumberStatus::parse(status)),
        platform_type: Some(if rng.u8(..100) < 3 {
            PlatformType::OnPremise
        } else {
            PlatformType::CloudApi
        }),
        account_mode: Some(if rng.u8(..100) < 1 {
            AccountMode::Sandbox
        } else {
            AccountMode::Live
        }),
        throughput: Some(Throughput {
            level: Some(if rng.u8(..10) == 0 {
                ThroughputLevel::High
            } else {
                ThroughputLevel::Standard
            }),
        }),
        is_official_business_account: Some(rng.u8(..10) == 0),
        is_pin_enabled: Some(pin_on),
        is_on_biz_app: Some(rng.u8(..100) < 2),
        messaging_limit_tier: (!old_tier.is_empty()).then(|| MessagingLimitTier::parse(old_tier)),
        whatsapp_business_manager_messaging_limit: (!new_tier.is_empty())
            .then(|| ManagerMessagingLimit::parse(new_tier)),
        last_onboarded_time: Some(format!(
            "2025-{:02}-{:02}T10:00:00+0000",
            1 + j % 12,
            1 + j % 28
        )),
        health_status: Some(health(&id, can_send)),
        fields_not_read: Vec::new(),
    };
    SimNumber {
        waba_id: waba.node.id.clone(),
        node,
        pin: pin_on.then(|| format!("{:06}", rng.u32(..1_000_000))),
    }
}

/// A number's `health_status` with one PHONE_NUMBER entity.
pub(crate) fn health(id: &str, can_send: &str) -> HealthStatus {
    let can = crate::domain::number::CanSendMessage::parse(can_send);
    HealthStatus {
        can_send_message: Some(can.clone()),
        entities: vec![HealthEntity {
            entity_type: Some("PHONE_NUMBER".to_string()),
            id: Some(id.to_string()),
            can_send_message: Some(can),
            errors: Vec::new(),
        }],
    }
}

fn fleet_hub(
    partner_id: &str,
    wabas: &[SimWaba],
    numbers: &[SimNumber],
    rng: &mut Rng,
) -> HubPortfolio {
    let clients: Vec<PartnerClient> = wabas
        .iter()
        .enumerate()
        .map(|(i, w)| PartnerClient {
            id: format!("f{i:05}CL"),
            name: w.node.name.clone(),
            status: Some("active".to_string()),
            partner_id: Some(partner_id.to_string()),
            created_at: Some(format!("2024-{:02}-01T09:00:00Z", 1 + i % 12)),
        })
        .collect();
    let channels: Vec<Channel> = numbers
        .iter()
        .enumerate()
        .map(|(j, n)| {
            let waba_index = j / FLEET_NUMBERS_PER_WABA;
            Channel {
                id: format!("f{j:06}CH"),
                client_id: Some(clients[waba_index].id.clone()),
                account_mode: Some(if n.node.account_mode == Some(AccountMode::Sandbox) {
                    ChannelAccountMode::Sandbox
                } else {
                    ChannelAccountMode::Live
                }),
                status: Some(ChannelStatus::parse(pick(
                    rng,
                    &[
                        "running",
                        "running",
                        "running",
                        "ready",
                        "verified",
                        "created",
                        "pending_approval_by_meta",
                    ],
                ))),
                setup_info: Some(ChannelSetupInfo {
                    phone_number: n.e164(),
                    phone_name: n.node.verified_name.clone(),
                }),
                waba_account: Some(ChannelWaba {
                    id: Some(format!("fw{waba_index:04}")),
                    external_id: Some(n.waba_id.clone()),
                    fb_account_status: Some("APPROVED".to_string()),
                }),
                current_quality_rating: n
                    .node
                    .quality_rating
                    .as_ref()
                    .map(|q| q.as_str().to_string()),
                current_limit: Some(n.node.messaging_limit().unwrap_or("TIER_250").to_string()),
                is_migrated: Some(false),
                is_oba: n.node.is_official_business_account,
                terminated_at: None,
            }
        })
        .collect();
    let change_requests = [
        PartnerChangeStatus::Created,
        PartnerChangeStatus::Pending,
        PartnerChangeStatus::Created,
    ]
    .into_iter()
    .enumerate()
    .filter(|(i, _)| *i < clients.len())
    .map(|(i, status)| PartnerChangeRequest {
        id: format!("fpcr{i:02}"),
        status: Some(status),
        client_id: Some(clients[i].id.clone()),
        target_client_id: (i == 0).then(|| format!("f{i:05}newCL")),
        is_full_migration: Some(i != 0),
        channel_ids: channels
            .iter()
            .filter(|c| c.client_id == Some(clients[i].id.clone()))
            .take(3)
            .map(|c| c.id.clone())
            .collect(),
        source_partner_id: Some(if i == 1 {
            partner_id.to_string()
        } else {
            "wP6n0dPA".to_string()
        }),
        target_partner_id: Some(if i == 1 {
            "yT8m3kPA".to_string()
        } else {
            partner_id.to_string()
        }),
        created_at: Some("2026-01-12T08:15:00Z".to_string()),
        updated_at: Some("2026-01-12T08:15:00Z".to_string()),
    })
    .collect();
    HubPortfolio {
        partner_id: partner_id.to_string(),
        clients,
        channels,
        change_requests,
        failing_change_requests: vec!["fpcr02".to_string()],
        cancellation_requests: Vec::new(),
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
    use crate::domain::template::{TemplateCategory, TemplateStatus};

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
        assert_eq!(a.businesses.len(), 2);
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
