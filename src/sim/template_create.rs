//! `POST /{waba_id}/message_templates`: template creation with Meta's validation, the
//! review that follows over sandbox time, and the documented creation cap.
//!
//! - Validation: [`crate::domain::recreate::rules`] (name, category, one body,
//!   parameters with samples, buttons, authentication shape, media samples), the same
//!   rules the client checks before sending. Each broken rule answers code 100
//!   ("Invalid parameter") with the rule in `error_user_title`/`error_user_msg`; Meta's
//!   pages do not list per-rule subcodes, so none is sent.
//! - A name and language already in the WABA answers code 100, subcode 2388024. Meta's
//!   own pages do not show this body; the subcode is what public client code handles as
//!   "content in this language already exists" (a duplicate), so the sandbox uses it.
//! - "You can create a maximum of 100 templates in a WhatsApp Business Account per hour"
//!   (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview):
//!   counted over the sandbox's rate window; past it the call is refused with 80008 and
//!   `Retry-After` (the page does not show the error), and every creation answer carries
//!   `X-Business-Use-Case-Usage` with the cap's share used, so a client can pace before it.
//! - New templates count against `message_template_limit`.
//! - The answer is `{"id","status":"PENDING","category"}`; review lands 10 to 60 sandbox
//!   minutes later (`POST /_sandbox/clock` moves it): most APPROVED, UTILITY templates
//!   with promotional wording re-categorised MARKETING, about one in ten REJECTED with
//!   one of the node's `rejected_reason` values. Deterministic per seed, name, language.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::domain::eligibility;
use crate::domain::recreate::CreateBody;
use crate::domain::recreate::body::expand_authentication;
use crate::domain::recreate::rules;
use crate::domain::template::{
    ComponentKind, ParameterFormat, QualityScore, Template, TemplateCategory, TemplateComponent,
    TemplateStatus,
};
use crate::sim::state::World;
use crate::sim::templates::SimTemplate;
use crate::sim::wire::{Call, GraphError, stable_hash};

/// Templates a WABA may create per window (Meta: 100 per hour).
pub(crate) const CREATIONS_PER_WINDOW: usize = 100;
/// Base of the ids of created templates.
const CREATED_TEMPLATE_ID_BASE: u64 = 1_744_000_000_000_000;
/// Share (percent) of submissions the review rejects.
const REJECT_PERCENT: u64 = 10;
/// Reasons the review gives, as the template node's `rejected_reason` spells them.
const REJECTIONS: &[&str] = &[
    "INVALID_FORMAT",
    "TAG_CONTENT_MISMATCH",
    "PROMOTIONAL",
    "ABUSIVE_CONTENT",
    "SCAM",
];

/// Creations per WABA in the sliding window.
#[derive(Debug, Default)]
pub(crate) struct CreationLog {
    by_waba: HashMap<String, VecDeque<Instant>>,
}

impl CreationLog {
    /// Share (percent) of the window's cap a WABA has used.
    pub fn percent(&mut self, waba_id: &str, window: Duration, now: Instant) -> u64 {
        let used = self.trimmed(waba_id, window, now).len();
        (used * 100 / CREATIONS_PER_WINDOW).min(100) as u64
    }

    fn trimmed(&mut self, waba_id: &str, window: Duration, now: Instant) -> &mut VecDeque<Instant> {
        let log = self.by_waba.entry(waba_id.to_string()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            log.pop_front();
        }
        log
    }
}

/// A submission waiting for its review.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Review {
    template_id: String,
    due_unix: i64,
}

/// `POST /{waba_id}/message_templates`.
pub(crate) fn create(
    world: &mut World,
    waba_id: &str,
    call: &Call,
    (window, now): (Duration, Instant),
) -> Result<Value, GraphError> {
    let body = parse_body(call)?;
    if let Some(broken) = rules::check(&body).into_iter().next() {
        return Err(GraphError::invalid_param("Invalid parameter")
            .with_user(broken.rule.title(), &broken.message));
    }
    let language = body.language.clone();
    let in_waba = world
        .portfolio
        .templates
        .iter()
        .filter(|t| t.waba_id == waba_id);
    let count = in_waba.clone().count() as u64;
    if in_waba
        .clone()
        .any(|t| t.name == body.name && t.language == language)
    {
        let text = format!(
            "There's already {language} content for {}: choose another name or language.",
            body.name
        );
        return Err(GraphError::invalid_param("Invalid parameter")
            .with_subcode(2_388_024)
            .with_user("Content in This Language Already Exists", &text));
    }
    let limit = world
        .portfolio
        .waba(waba_id)
        .map_or(0, |w| w.template_limit);
    if count >= limit {
        let text = format!(
            "This WhatsApp Business Account has {count} of its {limit} message templates: delete some first."
        );
        return Err(GraphError::invalid_param("Invalid parameter")
            .with_user("Template limit reached", &text));
    }
    let log = world.creations.trimmed(waba_id, window, now);
    if log.len() >= CREATIONS_PER_WINDOW {
        let wait = log.front().map_or(window, |oldest| {
            window.saturating_sub(now.duration_since(*oldest))
        });
        return Err(GraphError::new(
            80_008,
            "(#80008) There have been too many calls to this WhatsApp Business account: at most 100 message templates can be created per hour. Wait a bit and try again.",
        )
        .with_header(axum::http::header::RETRY_AFTER, wait.as_secs().max(1).to_string()));
    }
    log.push_back(now);
    let stored = store(world, waba_id, body);
    Ok(json!({ "id": stored.id, "status": "PENDING", "category": stored.category }))
}

/// Applies every review whose time has come (on each Graph call, like the re-checks).
pub(crate) fn apply_due_reviews(world: &mut World) {
    let now = world.now_unix();
    let (due, waiting): (Vec<Review>, Vec<Review>) =
        world.reviews.drain(..).partition(|r| r.due_unix <= now);
    world.reviews = waiting;
    let seed = world.seed;
    for review in due {
        if let Some(template) = world
            .portfolio
            .templates
            .iter_mut()
            .find(|t| t.id == review.template_id)
        {
            judge(seed, template);
            template.quality_date = now;
        }
    }
}

/// The body's fields from JSON or a form (components may come as a JSON string).
fn parse_body(call: &Call) -> Result<CreateBody, GraphError> {
    let mut fields: Map<String, Value> = call.params.clone();
    if let Some(Value::String(text)) = fields.get("components") {
        let parsed = serde_json::from_str(text).map_err(|_| {
            GraphError::invalid_param("(#100) Param components must be a JSON array.")
        })?;
        fields.insert("components".into(), parsed);
    }
    for required in ["name", "language", "category", "components"] {
        if !fields.contains_key(required) {
            return Err(GraphError::invalid_param(format!(
                "(#100) The parameter {required} is required."
            )));
        }
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| GraphError::invalid_param(format!("(#100) Invalid parameter: {e}")))
}

/// Stores a submission as PENDING and queues its review.
fn store(world: &mut World, waba_id: &str, body: CreateBody) -> SimTemplate {
    let category = TemplateCategory::parse(&body.category.to_ascii_uppercase());
    let components = if category == TemplateCategory::Authentication {
        expand_authentication(&body.components)
    } else {
        body.components.iter().map(upper_case_kinds).collect()
    };
    let serial = world.next_serial();
    let template = SimTemplate {
        id: (CREATED_TEMPLATE_ID_BASE + serial).to_string(),
        waba_id: waba_id.to_string(),
        name: body.name,
        language: body.language,
        category,
        status: TemplateStatus::Pending,
        quality: QualityScore::Unrated,
        quality_date: world.now_unix(),
        rejected_reason: "NONE".to_string(),
        parameter_format: ParameterFormat::parse(
            body.parameter_format.as_deref().unwrap_or("POSITIONAL"),
        ),
        components: Value::Array(components),
    };
    let minutes = 10
        + stable_hash(
            world.seed,
            &["review-time", &template.name, &template.language],
        ) % 51;
    world.reviews.push(Review {
        template_id: template.id.clone(),
        due_unix: world.now_unix() + 60 * minutes as i64,
    });
    world.portfolio.templates.push(template.clone());
    template
}

/// Meta stores `type` and `format` in upper case whatever the request said.
fn upper_case_kinds(component: &TemplateComponent) -> Value {
    let mut component = component.clone();
    component.format = component.format.map(|f| f.to_ascii_uppercase());
    serde_json::to_value(&component).unwrap_or_default()
}

/// The verdict of the review: approved, re-categorised, or rejected with a reason.
fn judge(seed: u64, template: &mut SimTemplate) {
    let hash = stable_hash(seed, &["review", &template.name, &template.language]);
    let as_read: Option<Template> = serde_json::from_value(template.to_graph()).ok();
    let promotional = as_read.as_ref().is_some_and(|t| {
        eligibility::risks(t)
            .iter()
            .any(|r| r.contains("promotional wording"))
    });
    let has_body = as_read
        .as_ref()
        .is_some_and(|t| t.components.iter().any(|c| c.kind == ComponentKind::Body));
    if hash % 100 < REJECT_PERCENT || !has_body {
        template.status = TemplateStatus::Rejected;
        template.rejected_reason = REJECTIONS[(hash / 100) as usize % REJECTIONS.len()].to_string();
        return;
    }
    if template.category == TemplateCategory::Utility && promotional {
        template.category = TemplateCategory::Marketing;
    }
    template.status = TemplateStatus::Approved;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::test_support::{post, world};

    const DEST: &str = "104996122399161";

    fn submit(world: &mut World, body: Value) -> Result<Value, GraphError> {
        let call = post(&format!("/v25.0/{DEST}/message_templates"), body);
        create(
            world,
            DEST,
            &call,
            (Duration::from_secs(3600), Instant::now()),
        )
    }

    fn body(name: &str) -> Value {
        json!({"name": name, "language": "en_US", "category": "UTILITY",
               "components": [{"type": "BODY", "text": "Hi {{1}}, your order shipped", "example": {"body_text": [["Maria"]]}}]})
    }

    #[test]
    fn a_submission_is_pending_then_judged_over_sandbox_time() {
        let mut w = world();
        let created = submit(&mut w, body("recreated_order_note")).unwrap();
        assert_eq!(created["status"], "PENDING");
        assert_eq!(created["category"], "UTILITY");
        let id = created["id"].as_str().unwrap().to_string();
        apply_due_reviews(&mut w);
        assert_eq!(
            w.portfolio.template(&id).unwrap().status,
            TemplateStatus::Pending
        );
        w.clock_secs += 3600;
        apply_due_reviews(&mut w);
        let judged = w.portfolio.template(&id).unwrap();
        assert!(matches!(
            judged.status,
            TemplateStatus::Approved | TemplateStatus::Rejected
        ));
    }

    #[test]
    fn duplicates_bad_names_and_missing_samples_are_refused_as_meta_does() {
        let mut w = world();
        submit(&mut w, body("twice")).unwrap();
        let duplicate = submit(&mut w, body("twice")).unwrap_err();
        assert_eq!((duplicate.code, duplicate.subcode), (100, Some(2_388_024)));
        let bad_name = submit(&mut w, body("Twice Again")).unwrap_err();
        assert_eq!(
            bad_name.user_title.as_deref(),
            Some("Invalid template name")
        );
        let mut no_sample = body("no_sample");
        no_sample["components"][0]
            .as_object_mut()
            .unwrap()
            .remove("example");
        let refused = submit(&mut w, no_sample).unwrap_err();
        assert_eq!(refused.user_title.as_deref(), Some("Sample values missing"));
    }

    #[test]
    fn promotional_utility_templates_come_back_marketing() {
        let mut w = world();
        let ids: Vec<String> = (0..5)
            .map(|n| {
                let mut promo = body(&format!("promo_note_{n}"));
                promo["components"][0]["text"] =
                    json!("Hi {{1}}, your order shipped. 20% off your next one!");
                submit(&mut w, promo).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        w.clock_secs += 7200;
        apply_due_reviews(&mut w);
        let approved: Vec<&SimTemplate> = ids
            .iter()
            .filter_map(|id| w.portfolio.template(id))
            .filter(|t| t.status == TemplateStatus::Approved)
            .collect();
        assert!(!approved.is_empty());
        assert!(
            approved
                .iter()
                .all(|t| t.category == TemplateCategory::Marketing)
        );
    }

    #[test]
    fn the_hourly_cap_refuses_the_101st_and_reviews_vary_by_name() {
        let mut w = world();
        let limit = w.portfolio.waba(DEST).unwrap().template_limit as usize;
        let in_dest = w
            .portfolio
            .templates
            .iter()
            .filter(|t| t.waba_id == DEST)
            .count();
        w.portfolio
            .wabas
            .iter_mut()
            .find(|x| x.node.id == DEST)
            .unwrap()
            .template_limit = (limit + 200) as u64;
        for n in 0..CREATIONS_PER_WINDOW {
            submit(&mut w, body(&format!("bulk_{n}"))).unwrap();
        }
        let capped = submit(&mut w, body("bulk_over")).unwrap_err();
        assert_eq!(capped.code, 80_008);
        w.clock_secs += 7200;
        apply_due_reviews(&mut w);
        let created: Vec<&SimTemplate> = w
            .portfolio
            .templates
            .iter()
            .filter(|t| t.waba_id == DEST)
            .skip(in_dest)
            .collect();
        let rejected = created
            .iter()
            .filter(|t| t.status == TemplateStatus::Rejected)
            .count();
        assert!((1..30).contains(&rejected), "{rejected} of 100 rejected");
        assert!(created.iter().all(|t| t.status != TemplateStatus::Pending));
    }
}
