//! Generated fleets for scale runs (`wamigrate sim --fleet N`): a deterministic portfolio
//! of N numbers, 50 per WABA, in the seeded businesses, with varied states, one 360dialog
//! client per WABA and one channel per number.

use fastrand::Rng;

use crate::domain::number::{
    AccountMode, CodeVerificationStatus, ManagerMessagingLimit, MessagingLimitTier, NameStatus,
    NumberStatus, PhoneNumber, PlatformType, QualityRating, Throughput, ThroughputLevel,
};
use crate::domain::partner::{
    Channel, ChannelAccountMode, ChannelSetupInfo, ChannelStatus, ChannelWaba,
    PartnerChangeRequest, PartnerChangeStatus, PartnerClient,
};
use crate::domain::waba::{AccountReviewStatus, BusinessRef, BusinessVerificationStatus, Waba};
use crate::sim::portfolio::{
    HubPortfolio, NumberIndex, PinDigest, Portfolio, SeedFile, SimNumber, SimWaba, health,
};
use crate::sim::templates::TemplateSpec;

/// Numbers per WABA in a generated fleet.
const FLEET_NUMBERS_PER_WABA: usize = 50;

/// A deterministic portfolio of `numbers` numbers over ceil(numbers/50) WABAs in the two
/// seeded businesses, with varied states; the first WABA gets `templates` templates and
/// the second half as many, overlapping in name (a source/destination pair).
pub(crate) fn generate(file: &SeedFile, seed: u64, numbers: usize, templates: usize) -> Portfolio {
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
        numbers_by_waba: NumberIndex::default(),
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
        health_status: Some(health(
            &id,
            &waba.node.id,
            waba.node.owner_business_id().unwrap_or_default(),
            can_send,
        )),
        fields_not_read: Vec::new(),
    };
    SimNumber {
        waba_id: waba.node.id.clone(),
        node,
        pin: pin_on.then(|| PinDigest::of(&format!("{:06}", rng.u32(..1_000_000)))),
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
