//! Deterministic templates from the blueprints of the seed file: per WABA a run of the
//! shared name sequence (so overlapping runs collide on name+language), seeded statuses
//! and qualities, and a share of reworded bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::template::{ParameterFormat, QualityScore, TemplateCategory, TemplateStatus};
use crate::sim::templates::SimTemplate;
use crate::sim::wire::stable_hash;

/// A template shape from the seed file; instances vary language, status and quality.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Blueprint {
    name: String,
    category: TemplateCategory,
    parameter_format: ParameterFormat,
    components: Value,
}

/// How many templates a WABA gets, from which index of the name sequence (two WABAs
/// with overlapping ranges share name+language pairs), and the share whose body text
/// differs from the same index elsewhere.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct TemplateSpec {
    pub count: usize,
    pub first: usize,
    #[serde(default)]
    pub edited_share: f64,
}

/// Builds `spec.count` templates for a WABA. Name+language come from the position in a
/// shared sequence (blueprint × language × version), status and quality from a seeded
/// generator per position, so equal positions in two WABAs collide by name.
pub(crate) fn generate(
    blueprints: &[Blueprint],
    languages: &[String],
    waba_id: &str,
    spec: TemplateSpec,
    seed: u64,
    next_id: &mut u64,
) -> Vec<SimTemplate> {
    const STATUSES: &[&str] = &[
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "APPROVED",
        "PENDING",
        "PENDING",
        "REJECTED",
        "REJECTED",
        "PAUSED",
        "DISABLED",
        "IN_APPEAL",
        "PENDING_DELETION",
        "DELETED",
        "LIMIT_EXCEEDED",
        "FLAGGED",
    ];
    const APPROVED_QUALITY: &[&str] = &[
        "GREEN", "GREEN", "GREEN", "GREEN", "GREEN", "GREEN", "YELLOW", "RED", "UNKNOWN", "UNKNOWN",
    ];
    const REJECTIONS: &[&str] = &[
        "INVALID_FORMAT",
        "TAG_CONTENT_MISMATCH",
        "INCORRECT_CATEGORY",
        "ABUSIVE_CONTENT",
        "SCAM",
    ];
    if blueprints.is_empty() || languages.is_empty() {
        return Vec::new();
    }
    (spec.first..spec.first + spec.count)
        .map(|k| {
            let blueprint = &blueprints[k % blueprints.len()];
            let round = k / blueprints.len();
            let version = round / languages.len();
            let name = if version == 0 {
                blueprint.name.clone()
            } else {
                format!("{}_v{}", blueprint.name, version + 1)
            };
            let mut rng = fastrand::Rng::with_seed(stable_hash(seed, &[waba_id, &k.to_string()]));
            let status = TemplateStatus::parse(STATUSES[rng.usize(..STATUSES.len())]);
            let quality = match status {
                TemplateStatus::Approved => APPROVED_QUALITY[rng.usize(..APPROVED_QUALITY.len())],
                TemplateStatus::Paused | TemplateStatus::Flagged => {
                    ["RED", "YELLOW"][rng.usize(..2)]
                }
                _ => "UNKNOWN",
            };
            let rejected_reason = match status {
                TemplateStatus::Rejected => REJECTIONS[rng.usize(..REJECTIONS.len())],
                _ => "NONE",
            };
            let mut components = blueprint.components.clone();
            let edited = (stable_hash(seed, &["edited", waba_id, &k.to_string()]) % 1000) as f64
                / 1000.0
                < spec.edited_share;
            if edited {
                edit_body(&mut components);
            }
            *next_id += 1;
            SimTemplate {
                id: next_id.to_string(),
                waba_id: waba_id.to_string(),
                name,
                language: languages[round % languages.len()].clone(),
                category: blueprint.category.clone(),
                status,
                quality: QualityScore::parse(quality),
                quality_date: crate::sim::state::SANDBOX_EPOCH - 86_400 * rng.i64(1..60),
                rejected_reason: rejected_reason.to_string(),
                parameter_format: blueprint.parameter_format.clone(),
                components,
            }
        })
        .collect()
}

/// A destination edit: the same template name with reworded body text.
fn edit_body(components: &mut Value) {
    if let Some(body) = components
        .as_array_mut()
        .and_then(|cs| cs.iter_mut().find(|c| c["type"] == "BODY"))
    {
        let text = body["text"].as_str().unwrap_or_default();
        body["text"] = json!(format!("{text} Questions? Just reply to this message."));
    }
}
