//! Message templates: their Graph rendering, `migrate_message_templates`, and the
//! duplication Meta performs by itself when a number migrates (generation from the seed
//! file's blueprints: `template_seed`).
//!
//! Rules per Meta's "Template migration" page and the number-migration page (digest in
//! api-notes.md §1): only between WABAs of the same business; the API path takes
//! APPROVED with quality GREEN or UNKNOWN, the number-migration path APPROVED + GREEN
//! only; existing name+language pairs in the destination are never overwritten; the
//! destination's limit caps the copies; copies start with quality UNKNOWN and are
//! re-checked, and some turn REJECTED.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::domain::template::{ParameterFormat, QualityScore, TemplateCategory, TemplateStatus};
use crate::sim::EmptyFailedTemplates;
use crate::sim::state::World;
pub(crate) use crate::sim::template_seed::{Blueprint, TemplateSpec, generate};
use crate::sim::wire::{Call, GraphError, stable_hash};

/// First id of the generated templates.
pub(crate) const SEEDED_TEMPLATE_ID_BASE: u64 = 1_742_000_000_000_000;
/// Base of the ids of copies made by a migration.
const COPY_TEMPLATE_ID_BASE: u64 = 1_743_000_000_000_000;
/// Most templates one `migrate_message_templates` call may name or page over.
const MAX_TEMPLATES_PER_CALL: usize = 500;
/// When the category re-check of a copy lands (real time; applied on the next read).
const RECHECK_DELAY: Duration = Duration::from_secs(2);
/// Share of copies (percent, by hash) the re-check rejects, and of migrations that fail.
const RECHECK_REJECT_PERCENT: u64 = 5;
const MIGRATION_FAILURE_PERCENT: u64 = 5;

/// A template as the sandbox stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SimTemplate {
    pub id: String,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    pub quality: QualityScore,
    /// `quality_score.date`, Unix seconds.
    pub quality_date: i64,
    pub rejected_reason: String,
    pub parameter_format: ParameterFormat,
    pub components: Value,
}

impl SimTemplate {
    /// The Graph node, every field present (the caller selects `fields`).
    pub fn to_graph(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "quality_score": { "score": self.quality, "date": self.quality_date },
            "rejected_reason": self.rejected_reason,
            "parameter_format": self.parameter_format,
            "components": self.components,
        })
    }

    fn key(&self) -> (String, String) {
        (self.name.clone(), self.language.clone())
    }
}

/// A copy whose category re-check will reject it once `due` has passed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Recheck {
    #[serde(with = "crate::sim::persist::remaining")]
    due: Instant,
    template_id: String,
}

/// The answer for a `source_waba_id` that does not exist or that the token cannot reach.
pub(crate) fn inaccessible_source(source_id: &str) -> GraphError {
    GraphError::invalid_param(format!(
        "source_waba_id '{source_id}' is not a WhatsApp Business Account you can access."
    ))
}

/// `POST /{dest_waba_id}/migrate_message_templates`.
/// Answers in the shape of Meta's template-migration page
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-migration):
/// `migrated_templates` a list of ids, `failed_templates` a map id → reason. The page's
/// syntax block writes `failed_templates` in brackets while its table and example say
/// map: when nothing failed the sandbox sends `[]` or `{}` as `empty_failed` says.
pub(crate) fn migrate(
    world: &mut World,
    dest_id: &str,
    call: &Call,
    (now, empty_failed): (Instant, EmptyFailedTemplates),
) -> Result<Value, GraphError> {
    let source_id = call
        .param("source_waba_id")
        .ok_or_else(|| GraphError::invalid_param("The parameter source_waba_id is required."))?;
    let (Some(source), Some(dest)) = (
        world.portfolio.waba(&source_id),
        world.portfolio.waba(dest_id),
    ) else {
        return Err(inaccessible_source(&source_id));
    };
    if source_id == dest_id {
        return Err(GraphError::invalid_param(
            "source_waba_id must be a different WABA than the destination.",
        ));
    }
    if source.owner() != dest.owner() {
        // "Templates can only be migrated between WABAs owned by the same Meta business"
        // (template-migration page, Limitations). The page does not show the error Meta
        // answers; the sandbox refuses with code 100 and the cause in the places Meta says
        // to read it (message, error_user_msg, error_data.details).
        let text = "Templates can only be migrated between WABAs owned by the same Meta business.";
        return Err(GraphError::invalid_param(text)
            .with_user("Template migration not possible", text)
            .with_details(text));
    }
    let selected = select(world, &source_id, call)?;
    let mut room = Destination::of(world, dest_id);
    let mut migrated = Vec::new();
    let mut failed = Map::new();
    for pick in selected {
        let index = match pick {
            Pick::Found(index) => index,
            Pick::NotInSource(id) => {
                failed.insert(id, json!("Template not found in the source WABA"));
                continue;
            }
        };
        let template = &world.portfolio.templates[index];
        let refusal = api_ineligibility(template)
            .or_else(|| room.has(template).then(|| "A template with the same name and language already exists in the destination WABA".to_string()))
            .or_else(|| simulated_failure(world.seed, &template.id).map(String::from))
            .or_else(|| room.full().then(|| "Template limit reached".to_string()));
        match refusal {
            Some(reason) => {
                failed.insert(template.id.clone(), json!(reason));
            }
            None => migrated.push(copy(world, index, &mut room, dest_id, now)),
        }
    }
    let failed = match (failed.is_empty(), empty_failed) {
        (true, EmptyFailedTemplates::Array) => json!([]),
        _ => Value::Object(failed),
    };
    Ok(json!({ "migrated_templates": migrated, "failed_templates": failed }))
}

/// Meta's own duplication when a number completes its migration: APPROVED + GREEN
/// templates of the source, not already in the destination, up to its limit.
pub(crate) fn duplicate_for_number_migration(
    world: &mut World,
    source_id: &str,
    dest_id: &str,
    now: Instant,
) -> usize {
    let mut room = Destination::of(world, dest_id);
    let candidates: Vec<usize> = world
        .portfolio
        .templates
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.waba_id == source_id
                && t.status == TemplateStatus::Approved
                && t.quality == QualityScore::Green
        })
        .map(|(i, _)| i)
        .collect();
    let mut copied = 0;
    for index in candidates {
        if room.full() {
            break;
        }
        if !room.has(&world.portfolio.templates[index]) {
            copy(world, index, &mut room, dest_id, now);
            copied += 1;
        }
    }
    copied
}

/// Applies re-checks that are due: those copies turn REJECTED for their category.
pub(crate) fn apply_due_rechecks(world: &mut World, now: Instant) {
    let (due, waiting): (Vec<Recheck>, Vec<Recheck>) = std::mem::take(&mut world.rechecks)
        .into_iter()
        .partition(|r| r.due <= now);
    world.rechecks = waiting;
    for recheck in due {
        if let Some(t) = world
            .portfolio
            .templates
            .iter_mut()
            .find(|t| t.id == recheck.template_id)
        {
            t.status = TemplateStatus::Rejected;
            t.rejected_reason = "INCORRECT_CATEGORY".to_string();
        }
    }
}

/// A template a migration call names.
enum Pick {
    /// Its index in the portfolio's templates.
    Found(usize),
    /// An id that is not a template of the source.
    NotInSource(String),
}

/// The source templates a call names: explicit ids, or page `page_number` of `count`.
fn select(world: &World, source_id: &str, call: &Call) -> Result<Vec<Pick>, GraphError> {
    let in_source = |t: &SimTemplate| t.waba_id == source_id;
    if let Some(ids) = call.list("template_ids") {
        if ids.len() > MAX_TEMPLATES_PER_CALL {
            return Err(GraphError::invalid_param(format!(
                "template_ids may name at most {MAX_TEMPLATES_PER_CALL} templates."
            )));
        }
        return Ok(ids
            .into_iter()
            .map(|id| {
                world
                    .portfolio
                    .templates
                    .iter()
                    .position(|t| t.id == id && in_source(t))
                    .map_or(Pick::NotInSource(id), Pick::Found)
            })
            .collect());
    }
    let number = |key: &str, default: usize| match call.param(key) {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<usize>().map_err(|_| {
            GraphError::invalid_param(format!("Param {key} must be a non-negative integer."))
        }),
    };
    let page_number = number("page_number", 0)?;
    let count = number("count", MAX_TEMPLATES_PER_CALL)?;
    if count == 0 || count > MAX_TEMPLATES_PER_CALL {
        return Err(GraphError::invalid_param(format!(
            "Param count must be between 1 and {MAX_TEMPLATES_PER_CALL}."
        )));
    }
    Ok(world
        .portfolio
        .templates
        .iter()
        .enumerate()
        .filter(|(_, t)| in_source(t))
        .skip(page_number.saturating_mul(count))
        .take(count)
        .map(|(i, _)| Pick::Found(i))
        .collect())
}

/// Why the migration API refuses a template: APPROVED with GREEN or UNKNOWN quality only.
fn api_ineligibility(t: &SimTemplate) -> Option<String> {
    if t.status != TemplateStatus::Approved {
        return Some(format!(
            "Template status is {}; only APPROVED templates can be migrated",
            t.status
        ));
    }
    if !matches!(t.quality, QualityScore::Green | QualityScore::Unrated) {
        return Some(format!(
            "Template quality is {}; only GREEN or UNKNOWN quality templates can be migrated",
            t.quality
        ));
    }
    None
}

/// The deterministic ~5% Meta fails on its own review.
fn simulated_failure(seed: u64, template_id: &str) -> Option<&'static str> {
    let hash = stable_hash(seed, &["migrate-fail", template_id]);
    (hash % 100 < MIGRATION_FAILURE_PERCENT).then_some(if hash & (1 << 40) == 0 {
        "Incorrect category"
    } else {
        "Formatting error - dangling parameter"
    })
}

/// Creates the copy of template `index` in the destination, quality UNKNOWN, and queues
/// its re-check when the hash says it will be rejected.
fn copy(
    world: &mut World,
    index: usize,
    room: &mut Destination,
    dest_id: &str,
    now: Instant,
) -> String {
    let serial = world.next_serial();
    let now_unix = world.now_unix();
    let mut copy = world.portfolio.templates[index].clone();
    let rejected =
        stable_hash(world.seed, &["recheck", &copy.id, dest_id]) % 100 < RECHECK_REJECT_PERCENT;
    copy.id = (COPY_TEMPLATE_ID_BASE + serial).to_string();
    copy.waba_id = dest_id.to_string();
    copy.status = TemplateStatus::Approved;
    copy.quality = QualityScore::Unrated;
    copy.quality_date = now_unix;
    copy.rejected_reason = "NONE".to_string();
    if rejected {
        world.rechecks.push(Recheck {
            due: now + RECHECK_DELAY,
            template_id: copy.id.clone(),
        });
    }
    room.add(&copy);
    let id = copy.id.clone();
    world.portfolio.templates.push(copy);
    id
}

/// What the destination already holds: name+language pairs, count and limit.
struct Destination {
    keys: HashSet<(String, String)>,
    count: u64,
    limit: u64,
}

impl Destination {
    fn of(world: &World, dest_id: &str) -> Destination {
        let keys: HashSet<_> = world
            .portfolio
            .templates
            .iter()
            .filter(|t| t.waba_id == dest_id)
            .map(SimTemplate::key)
            .collect();
        let count = world
            .portfolio
            .templates
            .iter()
            .filter(|t| t.waba_id == dest_id)
            .count() as u64;
        let limit = world
            .portfolio
            .waba(dest_id)
            .map_or(0, |w| w.template_limit);
        Destination { keys, count, limit }
    }

    fn has(&self, t: &SimTemplate) -> bool {
        self.keys.contains(&t.key())
    }

    fn full(&self) -> bool {
        self.count >= self.limit
    }

    fn add(&mut self, t: &SimTemplate) {
        self.keys.insert(t.key());
        self.count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::test_support::world;

    const SOURCE: &str = "104996122399160";
    const DEST: &str = "104996122399161";
    const FULL: &str = "104996122399162";

    fn call(body: Value) -> Call {
        crate::sim::state::test_support::post("/v25.0/x/migrate_message_templates", body)
    }

    #[test]
    fn api_migration_copies_eligible_templates_and_explains_each_refusal() {
        let mut w = world();
        let before = w.portfolio.templates.len();
        let answer = migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": SOURCE, "page_number": 0, "count": 500})),
            (Instant::now(), EmptyFailedTemplates::Object),
        )
        .unwrap();
        let migrated = answer["migrated_templates"].as_array().unwrap();
        let failed = answer["failed_templates"].as_object().unwrap();
        let source_count = w.portfolio.templates[..before]
            .iter()
            .filter(|t| t.waba_id == SOURCE)
            .count();
        assert_eq!(migrated.len() + failed.len(), source_count);
        assert_eq!(w.portfolio.templates.len(), before + migrated.len());
        let reasons: Vec<&str> = failed.values().filter_map(Value::as_str).collect();
        assert!(reasons.iter().any(|r| r.starts_with("Template status is")));
        assert!(reasons.iter().any(|r| r.starts_with("Template quality is")));
        assert!(reasons.iter().any(|r| r.contains("already exists")));
        assert!(
            reasons.iter().any(
                |r| *r == "Incorrect category" || *r == "Formatting error - dangling parameter"
            )
        );
        let copies: Vec<&SimTemplate> = w.portfolio.templates[before..].iter().collect();
        assert!(copies.iter().all(|t| t.waba_id == DEST
            && t.quality == QualityScore::Unrated
            && t.status == TemplateStatus::Approved));
        // A second run finds everything already there: nothing is overwritten.
        let again = migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": SOURCE})),
            (Instant::now(), EmptyFailedTemplates::Object),
        )
        .unwrap();
        assert!(again["migrated_templates"].as_array().unwrap().is_empty());
    }

    #[test]
    fn the_limit_stops_copies_and_rechecks_reject_some_later() {
        let mut w = world();
        let now = Instant::now();
        let answer = migrate(
            &mut w,
            FULL,
            &call(json!({"source_waba_id": SOURCE})),
            (now, EmptyFailedTemplates::Object),
        )
        .unwrap();
        assert_eq!(answer["migrated_templates"].as_array().unwrap().len(), 12);
        assert!(
            answer["failed_templates"]
                .as_object()
                .unwrap()
                .values()
                .any(|r| r == "Template limit reached")
        );
        let mut w = world();
        migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": SOURCE})),
            (now, EmptyFailedTemplates::Object),
        )
        .unwrap();
        let pending = w.rechecks.len();
        assert!(pending > 0, "the seed gives at least one re-check");
        apply_due_rechecks(&mut w, now);
        assert_eq!(w.rechecks.len(), pending, "not due yet");
        apply_due_rechecks(&mut w, now + RECHECK_DELAY);
        assert!(w.rechecks.is_empty());
        assert!(w.portfolio.templates.iter().any(|t| t.waba_id == DEST
            && t.rejected_reason == "INCORRECT_CATEGORY"
            && t.status == TemplateStatus::Rejected));
    }

    #[test]
    fn ids_limits_and_business_are_enforced() {
        let mut w = world();
        let first = w
            .portfolio
            .templates
            .iter()
            .find(|t| t.waba_id == SOURCE)
            .unwrap()
            .id
            .clone();
        let answer = migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": SOURCE, "template_ids": format!("{first},999")})),
            (Instant::now(), EmptyFailedTemplates::Object),
        )
        .unwrap();
        assert_eq!(
            answer["failed_templates"]["999"],
            "Template not found in the source WABA"
        );
        let too_many = migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": SOURCE, "count": 501})),
            (Instant::now(), EmptyFailedTemplates::Object),
        )
        .unwrap_err();
        assert_eq!(too_many.code, 100);
        let other_business = migrate(
            &mut w,
            DEST,
            &call(json!({"source_waba_id": "210448776512093"})),
            (Instant::now(), EmptyFailedTemplates::Object),
        )
        .unwrap_err();
        assert!(other_business.message.contains("same Meta business"));
    }

    #[test]
    fn number_migration_duplicates_only_approved_green() {
        let mut w = world();
        let before = w.portfolio.templates.len();
        let copied = duplicate_for_number_migration(&mut w, SOURCE, DEST, Instant::now());
        assert!(copied > 0);
        let originals: Vec<_> = w.portfolio.templates[..before]
            .iter()
            .filter(|t| t.waba_id == SOURCE)
            .collect();
        for copy in &w.portfolio.templates[before..] {
            let original = originals
                .iter()
                .find(|o| o.name == copy.name && o.language == copy.language)
                .unwrap();
            assert_eq!(
                (&original.status, &original.quality),
                (&TemplateStatus::Approved, &QualityScore::Green)
            );
        }
    }
}
