//! A small portfolio built from domain values, and a stand-in worker that answers
//! requests from it: snapshot tests, unit tests and benchmarks get a loaded state by
//! running the real `update` path, with no network.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use crate::api::{ApiError, ErrorClass};
use crate::config::{Backend, Settings};
use crate::connect::BackendLabel;
use crate::domain::number::{
    AccountMode, NameStatus, NumberStatus, PhoneNumber, PlatformType, QualityRating,
};
use crate::domain::template::{
    ComponentKind, QualityScore, Template, TemplateButton, TemplateCategory, TemplateComponent,
    TemplateInventory, TemplateQuality, TemplateStatus,
};
use crate::domain::waba::{
    AccountReviewStatus, AppData, BusinessRef, BusinessVerificationStatus, SubscribedApp, Waba,
};

use crate::app::action::{Action, ApiEvent, ApiRequest, ApiResponse, Effect};
use crate::app::keymap::Keymap;
use crate::app::state::{Recent, State};
use crate::app::update::update;

/// Id of the demo source WABA (healthy).
pub const SOURCE_WABA: &str = "104000000000001";
/// Id of the demo destination WABA (healthy, same business).
pub const DESTINATION_WABA: &str = "104000000000002";
/// Id of a demo WABA with no subscribed apps and no payment method.
pub const BARE_WABA: &str = "104000000000003";
/// Id of the demo number whose display name is still in review.
pub const PENDING_NUMBER: &str = "200000000000002";

/// The demo data: WABAs with their numbers, apps and templates.
#[derive(Debug, Clone)]
pub struct Portfolio {
    pub wabas: Vec<(
        Waba,
        Vec<PhoneNumber>,
        Vec<SubscribedApp>,
        TemplateInventory,
    )>,
    /// WABAs whose reads fail, to show error display.
    pub failing: Vec<String>,
}

impl Portfolio {
    /// Three WABAs; the source has `numbers` numbers (at least the five named ones).
    pub fn new(numbers: usize) -> Portfolio {
        let business = BusinessRef {
            id: Some("506914000000001".into()),
            name: Some("Lucky Shrub Inc".into()),
        };
        let waba = |id: &str, name: &str, approved: bool, funded: bool| Waba {
            id: id.into(),
            name: Some(name.into()),
            currency: Some("USD".into()),
            timezone_id: Some("1".into()),
            account_review_status: Some(if approved {
                AccountReviewStatus::Approved
            } else {
                AccountReviewStatus::Pending
            }),
            business_verification_status: Some(BusinessVerificationStatus::Verified),
            owner_business_info: Some(business.clone()),
            primary_funding_id: funded.then(|| "9990001".into()),
            ..Waba::default()
        };
        let app = |name: &str| SubscribedApp {
            whatsapp_business_api_data: Some(AppData {
                id: Some("7001".into()),
                name: Some(name.into()),
                link: None,
            }),
            override_callback_uri: None,
        };
        let inventory = |count, limit| TemplateInventory {
            templates: Vec::new(),
            count: Some(count),
            limit: Some(limit),
        };
        Portfolio {
            wabas: vec![
                (
                    waba(SOURCE_WABA, "Lucky Shrub Retail", true, true),
                    source_numbers(numbers),
                    vec![app("Lucky Shrub CRM")],
                    inventory(42, 250),
                ),
                (
                    waba(DESTINATION_WABA, "Lucky Shrub Support", true, true),
                    vec![number(900, "+1 631-555-0900", NameStatus::Approved)],
                    vec![app("Support Desk"), app("Analytics")],
                    inventory(12, 250),
                ),
                (
                    waba(BARE_WABA, "Lucky Shrub Lab", false, false),
                    Vec::new(),
                    Vec::new(),
                    inventory(250, 250),
                ),
            ],
            failing: Vec::new(),
        }
    }

    /// This portfolio with other template inventories on the demo source and
    /// destination (the template screen's tests and benchmark).
    pub fn with_templates(
        mut self,
        source: TemplateInventory,
        destination: TemplateInventory,
    ) -> Portfolio {
        for (waba, .., templates) in &mut self.wabas {
            match waba.id.as_str() {
                SOURCE_WABA => *templates = source.clone(),
                DESTINATION_WABA => *templates = destination.clone(),
                _ => {}
            }
        }
        self
    }

    /// The answer the demo "API" gives to a request.
    pub fn answer(&self, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let find = |id: &str| {
            if self.failing.iter().any(|f| f == id) {
                return Err(demo_error(id));
            }
            self.wabas
                .iter()
                .find(|(w, ..)| w.id == id)
                .ok_or_else(|| demo_error(id))
        };
        Ok(match request {
            ApiRequest::DiscoverWabas { .. } => {
                ApiResponse::WabaIds(self.wabas.iter().map(|(w, ..)| w.id.clone()).collect())
            }
            ApiRequest::Waba(id) => ApiResponse::Waba(find(id)?.0.clone()),
            ApiRequest::Numbers(id) => ApiResponse::Numbers(find(id)?.1.clone()),
            ApiRequest::SubscribedApps(id) => ApiResponse::SubscribedApps(find(id)?.2.clone()),
            ApiRequest::Templates(id) => ApiResponse::Templates(find(id)?.3.clone()),
            ApiRequest::Number(id) => ApiResponse::Number(
                self.wabas
                    .iter()
                    .flat_map(|(_, numbers, ..)| numbers)
                    .find(|n| &n.id == id)
                    .cloned()
                    .ok_or_else(|| demo_error(id))?,
            ),
        })
    }
}

/// Settings of a sandbox session with defaults (no config file).
pub fn settings() -> Settings {
    Settings {
        profile: "sandbox".into(),
        backend: Backend::Sandbox,
        graph_version: "v25.0".into(),
        wabas: Vec::new(),
        businesses: Vec::new(),
        auto_refresh: None,
        theme: "default".into(),
        keys: toml::Table::new(),
        theme_overrides: toml::Table::new(),
        data_dir: PathBuf::from("/nonexistent/wamigrate-demo"),
        config_path: None,
        transport: crate::api::TransportConfig::default(),
        warnings: Vec::new(),
    }
}

/// The state of the first frame, before any answer, on a `width` x `height` terminal.
pub fn first_frame_state(width: u16, height: u16, now: Instant) -> State {
    State::new(
        &settings(),
        Keymap::load(&toml::Table::new()).expect("embedded keymap"),
        Recent::default(),
        Rect::new(0, 0, width, height),
        now,
    )
}

/// A state after connecting and answering every request from `portfolio`, shown 12 s
/// after the last answer.
pub fn loaded_state(portfolio: &Portfolio, width: u16, height: u16, now: Instant) -> State {
    let mut state = first_frame_state(width, height, now);
    let effects = update(
        &mut state,
        Action::Connected(BackendLabel::Sandbox {
            base_url: "http://127.0.0.1:4010".into(),
        }),
    );
    answer_all(&mut state, portfolio, effects, now);
    update(&mut state, Action::Tick(now + Duration::from_secs(12)));
    state
}

/// Answers effects (and the effects those answers cause) until none is left.
pub fn answer_all(
    state: &mut State,
    portfolio: &Portfolio,
    mut effects: Vec<Effect>,
    now: Instant,
) {
    while let Some(effect) = effects.pop() {
        if let Effect::Api {
            request_id,
            request,
        } = effect
        {
            let result = portfolio.answer(&request);
            effects.extend(update(
                state,
                Action::Api(Box::new(ApiEvent {
                    request_id,
                    result,
                    received_at: now,
                })),
            ));
        }
    }
}

/// Answers effects from a real API (the sandbox, in tests) until none is left, the way
/// the worker would, all received at `now`.
pub async fn answer_from(
    graph: &crate::api::GraphClient,
    state: &mut State,
    mut effects: Vec<Effect>,
    now: Instant,
) {
    while let Some(effect) = effects.pop() {
        if let Effect::Api {
            request_id,
            request,
        } = effect
        {
            let result = crate::app::worker::perform(graph, request).await;
            effects.extend(update(
                state,
                Action::Api(Box::new(ApiEvent {
                    request_id,
                    result,
                    received_at: now,
                })),
            ));
        }
    }
}

/// Templates `template_NNNNN` for the indices in `names`, ids `{id_prefix}{index}`,
/// cycling languages, categories, statuses (every 7th PAUSED) and qualities (GREEN,
/// UNKNOWN, YELLOW, GREEN, RED), with a header, a body with parameters, a footer and a
/// URL button. `reworded` changes the body's wording, as a destination's edit would.
pub fn generated_templates(
    id_prefix: &str,
    names: std::ops::Range<usize>,
    reworded: bool,
) -> Vec<Template> {
    names
        .map(|i| {
            let body = if reworded {
                "Hi {{1}}, your parcel {{2}} is on its way. Reply STOP to opt out."
            } else {
                "Hi {{1}}, your order {{2}} has shipped. Reply STOP to opt out."
            };
            let component = |kind, format: Option<&str>, text: Option<&str>| TemplateComponent {
                kind,
                format: format.map(String::from),
                text: text.map(String::from),
                buttons: Vec::new(),
                extra: Default::default(),
            };
            Template {
                id: format!("{id_prefix}{i}"),
                name: format!("template_{i:05}"),
                language: ["en_US", "de", "pt_BR", "es"][i % 4].to_string(),
                category: Some(
                    [
                        TemplateCategory::Marketing,
                        TemplateCategory::Utility,
                        TemplateCategory::Authentication,
                    ][i % 3]
                        .clone(),
                ),
                status: Some(if i % 7 == 0 {
                    TemplateStatus::Paused
                } else {
                    TemplateStatus::Approved
                }),
                quality_score: Some(TemplateQuality {
                    score: Some(
                        [
                            QualityScore::Green,
                            QualityScore::Unrated,
                            QualityScore::Yellow,
                            QualityScore::Green,
                            QualityScore::Red,
                        ][i % 5]
                            .clone(),
                    ),
                    date: None,
                }),
                components: vec![
                    component(ComponentKind::Header, Some("TEXT"), Some("Order {{1}}")),
                    component(ComponentKind::Body, None, Some(body)),
                    component(ComponentKind::Footer, None, Some("Lucky Shrub")),
                    TemplateComponent {
                        buttons: vec![TemplateButton {
                            kind: Some("URL".into()),
                            text: Some("Track".into()),
                            url: Some("https://luckyshrub.example/t/{{1}}".into()),
                            phone_number: None,
                            extra: Default::default(),
                        }],
                        ..component(ComponentKind::Buttons, None, None)
                    },
                ],
                ..Template::default()
            }
        })
        .collect()
}

fn demo_error(id: &str) -> ApiError {
    let mut e = ApiError::new(
        ErrorClass::Permission,
        format!("GET /v25.0/{id}"),
        "The token lacks a permission or access to this asset: retrying will not help; give the system user whatsapp_business_management and access to this WABA in Business Settings.",
    );
    e.http_status = Some(403);
    e.code = Some(200);
    e.fbtrace_id = Some("AdemoTrace01".into());
    e
}

fn number(index: usize, display: &str, name_status: NameStatus) -> PhoneNumber {
    PhoneNumber {
        id: format!("2000000000{index:05}"),
        display_phone_number: Some(display.into()),
        verified_name: Some(format!("Lucky Shrub {index}")),
        name_status: Some(name_status),
        quality_rating: Some(QualityRating::Green),
        status: Some(NumberStatus::Connected),
        platform_type: Some(PlatformType::CloudApi),
        account_mode: Some(AccountMode::Live),
        is_pin_enabled: Some(false),
        is_on_biz_app: Some(false),
        whatsapp_business_manager_messaging_limit: Some(
            crate::domain::number::ManagerMessagingLimit::Tier2K,
        ),
        ..PhoneNumber::default()
    }
}

/// The named numbers first (healthy, pending name, 2FA on, test, coexistence), then
/// healthy ones up to `count`.
fn source_numbers(count: usize) -> Vec<PhoneNumber> {
    let mut numbers = vec![
        number(1, "+1 631-555-0001", NameStatus::Approved),
        number(2, "+1 631-555-0002", NameStatus::PendingReview),
        PhoneNumber {
            is_pin_enabled: Some(true),
            quality_rating: Some(QualityRating::Yellow),
            ..number(3, "+1 631-555-0003", NameStatus::Approved)
        },
        PhoneNumber {
            account_mode: Some(AccountMode::Sandbox),
            ..number(4, "+1 555-010-0004", NameStatus::Approved)
        },
        PhoneNumber {
            is_on_biz_app: Some(true),
            status: Some(NumberStatus::Unknown("OFFLINE_SOON".into())),
            ..number(5, "+1 631-555-0005", NameStatus::Declined)
        },
    ];
    numbers.extend(
        (6..=count.max(5)).map(|i| number(i, &format!("+1 631-556-{i:04}"), NameStatus::Approved)),
    );
    numbers
}
