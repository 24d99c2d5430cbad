//! Templates a migration will not carry, to re-create in the destination and submit for
//! approval: which ones qualify, why, their risks, the request that would be sent, and
//! whether the destination has room.
//!
//! A migration carries APPROVED templates with quality GREEN, up to the destination's
//! limit, and only within one business ([`crate::domain::eligibility`], mode `number`).
//! Of the rest, these are worth submitting (each source template absent from the
//! destination by name and language):
//! - `quality`: APPROVED with quality YELLOW, RED or UNKNOWN (or unreported): the content
//!   passed review once; a copy starts afresh, with the same quality risk;
//! - `over_limit`: eligible but past the destination's limit (they only fit once room
//!   is made, so they show `room: false` until then);
//! - `not_approved`: PAUSED and FLAGGED (approved content whose quality dropped),
//!   PENDING (not judged yet) and LIMIT_EXCEEDED (never reviewed: the source was full);
//! - `other_business`: every template with one of the statuses above when the two WABAs
//!   belong to different businesses (Meta copies nothing across businesses).
//!
//! Never, unless the operator asks (`include_rejected`): REJECTED, DISABLED and
//! IN_APPEAL (Meta already refused the content; a copy would be refused again or count
//! against the account), and never DELETED, PENDING_DELETION or ARCHIVED (the owner
//! removed them) nor statuses wamigrate does not know.

pub mod body;
pub mod rules;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::domain::eligibility::{self, Mode, Outcome, Prediction};
use crate::domain::recreate::body::{Built, MediaSlot, build};
use crate::domain::recreate::rules::{Violation, check};
use crate::domain::template::{
    ComponentKind, QualityScore, Template, TemplateCategory, TemplateComponent, TemplateInventory,
    TemplateStatus,
};

/// Why a row that could be sent is not: the destination is full.
pub const NO_ROOM: &str =
    "the destination has no room under its template limit: delete unused templates there first";

/// The request body of `POST /{dest_waba_id}/message_templates`. Components are typed
/// as the read gives them (every field it does not name kept in `extra`), so building
/// a body is a copy and checking it reads fields in place: JSON only at the edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateBody {
    pub name: String,
    pub language: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<String>,
    #[serde(default)]
    pub components: Vec<TemplateComponent>,
}

/// Which candidates the operator wants (`--only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Only {
    Quality,
    OverLimit,
    NotApproved,
    #[default]
    All,
}

/// Whether source and destination belong to one business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Business {
    Same,
    Different,
    /// One side's owner was not read: treated as one business (the narrower set), said so.
    Unknown,
}

/// Why a template does not travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Quality,
    OverLimit,
    NotApproved,
    OtherBusiness,
}

impl Reason {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Quality => "quality",
            Reason::OverLimit => "over_limit",
            Reason::NotApproved => "not_approved",
            Reason::OtherBusiness => "other_business",
        }
    }
}

/// Submit or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Skip,
}

/// One template to re-create.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub source_index: usize,
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    pub reason: Reason,
    /// Why it does not travel, in a sentence.
    pub why: String,
    pub risks: Vec<String>,
    /// The request; `None` when none can be built (`skip_reason` says why).
    pub body: Option<CreateBody>,
    /// Media samples to upload before sending.
    pub media: Vec<MediaSlot>,
    /// Whether the destination still has room for it, counting the rows before it.
    pub room: bool,
    pub action: Action,
    pub skip_reason: Option<String>,
}

/// The plan: every candidate, and the destination's room before any of them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecreatePlan {
    pub candidates: Vec<Candidate>,
    /// Templates the destination can still take, after those a migration carries;
    /// `None` when its limit was not reported.
    pub room: Option<u64>,
    pub business: Business,
}

impl RecreatePlan {
    /// Rows to submit.
    pub fn to_submit(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates
            .iter()
            .filter(|c| c.action == Action::Submit)
    }

    /// Marks a row skipped (operator's choice, a failed upload, ...).
    pub fn skip(&mut self, at: usize, reason: impl Into<String>) {
        if let Some(row) = self.candidates.get_mut(at) {
            row.action = Action::Skip;
            row.skip_reason = Some(reason.into());
        }
    }

    /// Skips every row whose media header has no sample among `given` (keys `NAME` or
    /// `NAME/cardN`), then gives the room they held to the rows after them. A row that
    /// had no room is skipped for its sample too: else the room given back would admit
    /// it, and the run would skip it only when its turn came.
    pub fn skip_missing_media<V>(&mut self, given: &BTreeMap<String, V>) {
        for row in &mut self.candidates {
            let no_room = row.skip_reason.as_deref() == Some(NO_ROOM);
            let missing: Vec<String> = row
                .media
                .iter()
                .filter(|slot| !given.contains_key(&slot.key))
                .map(|slot| format!("--media {}=FILE ({})", slot.key, slot.format))
                .collect();
            if (row.action == Action::Submit || no_room) && !missing.is_empty() {
                row.action = Action::Skip;
                row.skip_reason = Some(format!(
                    "media header needs a sample: give {}",
                    missing.join(", ")
                ));
            }
        }
        self.refit_room();
    }

    /// Gives the destination's room again to the rows that will be sent, in order,
    /// after rows were skipped: a row left out for want of room gets its place back.
    pub fn refit_room(&mut self) {
        let mut left = self.room;
        for row in &mut self.candidates {
            let no_room = row.skip_reason.as_deref() == Some(NO_ROOM);
            if row.action == Action::Skip && !no_room {
                row.room = left != Some(0);
                continue;
            }
            match left.as_mut() {
                Some(0) => {
                    row.room = false;
                    row.action = Action::Skip;
                    row.skip_reason = Some(NO_ROOM.to_string());
                }
                Some(n) => {
                    *n -= 1;
                    row.room = true;
                    row.action = Action::Submit;
                    row.skip_reason = None;
                }
                None => {
                    row.room = true;
                    row.action = Action::Submit;
                    row.skip_reason = None;
                }
            }
        }
    }
}

/// How to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    pub only: Only,
    /// Also REJECTED, DISABLED and IN_APPEAL templates.
    pub include_rejected: bool,
    pub business: Business,
}

/// Plans the re-creation of every source template a migration will not carry.
pub fn plan(
    source: &TemplateInventory,
    destination: &TemplateInventory,
    options: PlanOptions,
) -> RecreatePlan {
    let forecast = eligibility::predict(source, destination, Mode::Number);
    let present: HashSet<(&str, &str)> = destination
        .templates
        .iter()
        .map(|t| (t.name.as_str(), t.language.as_str()))
        .collect();
    let other_business = options.business == Business::Different;
    let carried = if other_business {
        0
    } else {
        forecast.summary().migrate as u64
    };
    let room = destination.room().map(|r| r.saturating_sub(carried));
    let mut left = room;
    // The forecast is consumed: its reasons and risks move into the rows, uncopied.
    let candidates = forecast
        .predictions
        .into_iter()
        .filter_map(|mut p| {
            let template = &source.templates[p.source_index];
            if present.contains(&(template.name.as_str(), template.language.as_str())) {
                return None;
            }
            let (reason, why) = qualify(template, p.outcome, p.reason.take(), options)?;
            Some(candidate(p, template, reason, why, &mut left))
        })
        .collect();
    RecreatePlan {
        candidates,
        room,
        business: options.business,
    }
}

/// Why a template qualifies, or `None` when it travels or must not be re-created.
fn qualify(
    template: &Template,
    outcome: Outcome,
    forecast_reason: Option<String>,
    options: PlanOptions,
) -> Option<(Reason, String)> {
    let status = template.status.as_ref()?;
    let worth_submitting = match status {
        TemplateStatus::Approved
        | TemplateStatus::Paused
        | TemplateStatus::Flagged
        | TemplateStatus::Pending
        | TemplateStatus::LimitExceeded => true,
        TemplateStatus::Rejected | TemplateStatus::Disabled | TemplateStatus::InAppeal => {
            options.include_rejected
        }
        _ => false,
    };
    if !worth_submitting {
        return None;
    }
    let (reason, why) = if options.business == Business::Different {
        (
            Reason::OtherBusiness,
            "the WABAs belong to different businesses: Meta copies no template between them"
                .to_string(),
        )
    } else {
        match (outcome, status) {
            (Outcome::Migrate | Outcome::AlreadyInDestination, _) => return None,
            (Outcome::OverLimit, _) => (Reason::OverLimit, forecast_reason.unwrap_or_default()),
            (Outcome::Ineligible, TemplateStatus::Approved) => {
                (Reason::Quality, forecast_reason.unwrap_or_default())
            }
            (Outcome::Ineligible, _) => (Reason::NotApproved, forecast_reason.unwrap_or_default()),
        }
    };
    let wanted = match options.only {
        Only::All => true,
        Only::Quality => reason == Reason::Quality,
        Only::OverLimit => reason == Reason::OverLimit,
        Only::NotApproved => reason == Reason::NotApproved,
    };
    wanted.then_some((reason, why))
}

/// One row: the prediction's risks (already computed) and the copy's own, the body
/// built and checked, and a slot of the destination's room when it will be sent.
fn candidate(
    prediction: Prediction,
    template: &Template,
    reason: Reason,
    why: String,
    left: &mut Option<u64>,
) -> Candidate {
    let mut risks = prediction.risks;
    risks.extend(recreate_risks(template));
    let (body, media, skip_reason) = match build(template) {
        Ok(Built { body, media, notes }) => {
            risks.extend(notes);
            let asked: Vec<Violation> = check(&body)
                .into_iter()
                .filter(|v| v.rule != rules::Rule::MediaSample)
                .collect();
            let skip = (!asked.is_empty()).then(|| {
                format!(
                    "{}: add them with --edit",
                    asked
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            });
            (Some(body), media, skip)
        }
        Err(why_not) => (None, Vec::new(), Some(why_not.to_string())),
    };
    // Only rows that would be sent take a slot of the destination's room.
    let room = match (left, &skip_reason) {
        (Some(0), _) => false,
        (Some(n), None) => {
            *n -= 1;
            true
        }
        _ => true,
    };
    let skip_reason = skip_reason.or_else(|| (!room).then(|| NO_ROOM.to_string()));

    Candidate {
        source_index: prediction.source_index,
        name: template.name.clone(),
        language: template.language.clone(),
        category: template.category.as_ref().map(ToString::to_string),
        reason,
        why,
        risks,
        body,
        media,
        room,
        action: if skip_reason.is_some() {
            Action::Skip
        } else {
            Action::Submit
        },
        skip_reason,
    }
}

/// Risks of a re-created copy beyond those of a migrated one.
fn recreate_risks(template: &Template) -> Vec<String> {
    let mut risks = Vec::new();
    if template.components.iter().any(|c| {
        c.kind == ComponentKind::Header
            && c.format
                .as_deref()
                .is_some_and(|f| f != "TEXT" && f != "LOCATION")
    }) || template
        .components
        .iter()
        .any(|c| c.kind == ComponentKind::Carousel)
    {
        risks.push("media header: needs a sample uploaded first (--media NAME=FILE)".to_string());
    }
    if template
        .parameter_format
        .as_ref()
        .is_some_and(|f| f.as_str() == "NAMED")
    {
        risks.push("named parameters: senders must pass parameter_name in every message, unlike positional ones".to_string());
    }
    if template.category == Some(TemplateCategory::Utility) {
        risks.push(
            "category is judged again on review: a UTILITY copy may come back MARKETING"
                .to_string(),
        );
    }
    if matches!(
        template.quality(),
        Some(QualityScore::Red | QualityScore::Yellow)
    ) || matches!(
        template.status,
        Some(TemplateStatus::Paused | TemplateStatus::Flagged)
    ) {
        risks.push("low quality at the source: the same content may be paused again".to_string());
    }
    risks
}

#[cfg(test)]
mod tests;
