//! Which source templates will exist in the destination after a move, and why not.
//!
//! Meta applies two rules (api-notes.md §1, "Template migration"):
//! - during a *number* migration Meta duplicates templates itself, taking APPROVED with
//!   quality GREEN only, up to the destination's limit, never overwriting a template of
//!   the same name and language;
//! - the `migrate_message_templates` endpoint (*api* mode) takes APPROVED with quality
//!   GREEN or UNKNOWN.
//!
//! Copies are re-checked for category and may turn REJECTED; their quality is UNKNOWN
//! for the first 24 hours.

use std::collections::HashSet;

use serde::Serialize;

use crate::domain::template::{
    QualityScore, Template, TemplateCategory, TemplateInventory, TemplateStatus,
};

/// Which of Meta's two rules applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Duplication during a number migration: APPROVED and GREEN only.
    Number,
    /// The template migration endpoint: APPROVED and GREEN or UNKNOWN.
    Api,
}

impl Mode {
    /// `number` or `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Number => "number",
            Mode::Api => "api",
        }
    }

    /// The rule in one sentence, for headers and reports.
    pub fn rule(self) -> &'static str {
        match self {
            Mode::Number => {
                "number migration: Meta copies APPROVED templates with quality GREEN, up to the destination's limit"
            }
            Mode::Api => {
                "template migration API: APPROVED templates with quality GREEN or UNKNOWN, up to the destination's limit"
            }
        }
    }
}

/// The fate of one source template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It will be carried.
    Migrate,
    /// A template with the same name and language is already there; not overwritten.
    AlreadyInDestination,
    /// Eligible, but the destination has no room left.
    OverLimit,
    /// It does not meet the rule of the mode.
    Ineligible,
}

impl Outcome {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Migrate => "migrate",
            Outcome::AlreadyInDestination => "already_in_destination",
            Outcome::OverLimit => "over_limit",
            Outcome::Ineligible => "ineligible",
        }
    }
}

/// The prediction for one source template (by index into the source inventory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub source_index: usize,
    pub outcome: Outcome,
    /// Why it is not migrated; `None` when the outcome is `Migrate`.
    pub reason: Option<String>,
    /// Risks that do not block (e.g. a category the re-check may change).
    pub risks: Vec<String>,
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub migrate: usize,
    pub ineligible: usize,
    pub already_in_destination: usize,
    pub over_limit: usize,
}

/// Every source template's fate, with the destination's capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    pub mode: Mode,
    pub predictions: Vec<Prediction>,
    pub destination_count: u64,
    pub destination_limit: Option<u64>,
}

/// How over-limit templates are chosen, said once wherever the forecast is shown.
pub const OVER_LIMIT_ORDER: &str = "eligible templates fill the destination's room in the order the source WABA lists them; Meta does not document its own order, so which ones it drops may differ";

/// Reminder shown with every forecast.
pub const COPY_QUALITY_NOTE: &str = "copies are re-checked for category (some may turn REJECTED) and their quality is UNKNOWN for the first 24 hours";

impl Forecast {
    /// Counts per outcome.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.predictions.len(),
            ..Summary::default()
        };
        for p in &self.predictions {
            match p.outcome {
                Outcome::Migrate => s.migrate += 1,
                Outcome::Ineligible => s.ineligible += 1,
                Outcome::AlreadyInDestination => s.already_in_destination += 1,
                Outcome::OverLimit => s.over_limit += 1,
            }
        }
        s
    }

    /// Source template ids with an outcome (e.g. the ones expected to migrate).
    pub fn ids_with(&self, source: &TemplateInventory, outcome: Outcome) -> Vec<String> {
        self.predictions
            .iter()
            .filter(|p| p.outcome == outcome)
            .map(|p| source.templates[p.source_index].id.clone())
            .collect()
    }

    /// Room left in the destination, when its limit is known.
    pub fn room(&self) -> Option<u64> {
        self.destination_limit
            .map(|l| l.saturating_sub(self.destination_count))
    }

    /// `dest 238/250, room 12, eligible 31 → 19 over limit`.
    pub fn capacity_line(&self) -> String {
        let s = self.summary();
        let eligible = s.migrate + s.over_limit;
        match self.destination_limit {
            Some(limit) => {
                let mut line = format!(
                    "dest {}/{limit}, room {}, eligible {eligible}",
                    self.destination_count,
                    self.room().unwrap_or(0)
                );
                if s.over_limit > 0 {
                    line.push_str(&format!(" → {} over limit", s.over_limit));
                }
                line
            }
            None => format!(
                "dest {} (limit not reported), eligible {eligible}",
                self.destination_count
            ),
        }
    }
}

/// Predicts the fate of every source template in `mode`.
pub fn predict(
    source: &TemplateInventory,
    destination: &TemplateInventory,
    mode: Mode,
) -> Forecast {
    let existing: HashSet<(&str, &str)> = destination
        .templates
        .iter()
        .map(|t| (t.name.as_str(), t.language.as_str()))
        .collect();
    let destination_count = destination
        .count
        .unwrap_or(destination.templates.len() as u64);
    let mut room = destination
        .limit
        .map(|l| l.saturating_sub(destination_count));
    let predictions = source
        .templates
        .iter()
        .enumerate()
        .map(|(source_index, template)| {
            let risks = risks(template);
            let (outcome, reason) = if let Some(reason) = ineligibility(template, mode) {
                (Outcome::Ineligible, Some(reason))
            } else if existing.contains(&(template.name.as_str(), template.language.as_str())) {
                (
                    Outcome::AlreadyInDestination,
                    Some(format!(
                        "{} ({}) already exists in the destination and is not overwritten",
                        template.name, template.language
                    )),
                )
            } else {
                match room.as_mut() {
                    Some(0) => (
                        Outcome::OverLimit,
                        Some(
                            "the destination has no room left under its template limit".to_string(),
                        ),
                    ),
                    Some(left) => {
                        *left -= 1;
                        (Outcome::Migrate, None)
                    }
                    None => (Outcome::Migrate, None),
                }
            };
            Prediction {
                source_index,
                outcome,
                reason,
                risks,
            }
        })
        .collect();
    Forecast {
        mode,
        predictions,
        destination_count,
        destination_limit: destination.limit,
    }
}

/// Why a template does not meet the mode's rule, or `None` when it does.
pub fn ineligibility(template: &Template, mode: Mode) -> Option<String> {
    match &template.status {
        Some(TemplateStatus::Approved) => {}
        Some(TemplateStatus::Unknown(raw)) => {
            return Some(format!(
                "status {raw} is not one wamigrate knows; only APPROVED templates are carried"
            ));
        }
        Some(status) => {
            return Some(format!(
                "status is {status}; only APPROVED templates are carried"
            ));
        }
        None => {
            return Some("status not reported; only APPROVED templates are carried".to_string());
        }
    }
    let accepted = match mode {
        Mode::Number => "GREEN",
        Mode::Api => "GREEN or UNKNOWN",
    };
    match (template.quality(), mode) {
        (Some(QualityScore::Green), _) | (Some(QualityScore::Unrated), Mode::Api) => None,
        (Some(QualityScore::Unrated), Mode::Number) => Some(
            "quality is UNKNOWN; a number migration carries GREEN only (the template migration API would take it)".to_string(),
        ),
        (Some(QualityScore::Unknown(raw)), _) => Some(format!("quality {raw} is not one wamigrate knows; only {accepted} is carried")),
        (Some(q), _) => Some(format!("quality is {q}; only {accepted} is carried")),
        (None, _) => Some(format!("quality not reported; only {accepted} is carried")),
    }
}

/// Words that suggest promotional content: a UTILITY template carrying them may be
/// re-categorised MARKETING on the copy's re-check.
const PROMOTIONAL_WORDS: &[&str] = &[
    "sale",
    "discount",
    "% off",
    "offer",
    "promo",
    "coupon",
    "deal",
    "buy now",
    "limited time",
    "free",
];

/// Risks that do not block the copy.
pub fn risks(template: &Template) -> Vec<String> {
    let mut risks = Vec::new();
    if template.category == Some(TemplateCategory::Utility) {
        let text: String = template
            .components
            .iter()
            .filter_map(|c| c.text.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if let Some(word) = PROMOTIONAL_WORDS.iter().find(|w| contains_word(&text, w)) {
            risks.push(format!("UTILITY template with promotional wording (\"{word}\"): the re-check may change its category to MARKETING"));
        }
    }
    if let Some(TemplateCategory::Unknown(raw)) = &template.category {
        risks.push(format!(
            "legacy category {raw}: the copy will be re-categorised"
        ));
    }
    risks
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let starts_word = word.starts_with(char::is_alphanumeric);
        (!starts_word || !before.is_some_and(char::is_alphanumeric))
            && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{ComponentKind, TemplateComponent, TemplateQuality};

    fn t(id: &str, status: &str, quality: Option<&str>) -> Template {
        Template {
            id: id.into(),
            name: format!("tpl_{id}"),
            language: "en_US".into(),
            status: Some(TemplateStatus::parse(status)),
            quality_score: quality.map(|q| TemplateQuality {
                score: Some(QualityScore::parse(q)),
                date: None,
            }),
            ..Template::default()
        }
    }

    fn inventory(
        templates: Vec<Template>,
        count: Option<u64>,
        limit: Option<u64>,
    ) -> TemplateInventory {
        TemplateInventory {
            templates,
            count,
            limit,
        }
    }

    fn outcomes(f: &Forecast) -> Vec<Outcome> {
        f.predictions.iter().map(|p| p.outcome).collect()
    }

    #[test]
    fn number_mode_takes_green_only_and_api_mode_also_unknown() {
        let source = inventory(
            vec![
                t("1", "APPROVED", Some("GREEN")),
                t("2", "APPROVED", Some("UNKNOWN")),
                t("3", "APPROVED", Some("YELLOW")),
                t("4", "PAUSED", Some("GREEN")),
            ],
            None,
            None,
        );
        let dest = inventory(vec![], Some(0), Some(250));
        use Outcome::*;
        assert_eq!(
            outcomes(&predict(&source, &dest, Mode::Number)),
            vec![Migrate, Ineligible, Ineligible, Ineligible]
        );
        let api = predict(&source, &dest, Mode::Api);
        assert_eq!(
            outcomes(&api),
            vec![Migrate, Migrate, Ineligible, Ineligible]
        );
        assert!(
            api.predictions[2]
                .reason
                .as_deref()
                .unwrap()
                .contains("quality is YELLOW")
        );
        assert!(
            api.predictions[3]
                .reason
                .as_deref()
                .unwrap()
                .contains("status is PAUSED")
        );
        assert_eq!(api.predictions[0].reason, None);
    }

    #[test]
    fn unknown_status_and_quality_are_never_eligible_and_say_why() {
        let source = inventory(
            vec![
                t("1", "QUEUED", Some("GREEN")),
                t("2", "APPROVED", Some("PURPLE")),
                t("3", "APPROVED", None),
            ],
            None,
            None,
        );
        let f = predict(&source, &inventory(vec![], None, None), Mode::Api);
        assert!(
            f.predictions
                .iter()
                .all(|p| p.outcome == Outcome::Ineligible)
        );
        assert!(
            f.predictions[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("QUEUED is not one wamigrate knows")
        );
        assert!(
            f.predictions[1]
                .reason
                .as_deref()
                .unwrap()
                .contains("PURPLE")
        );
        assert!(
            f.predictions[2]
                .reason
                .as_deref()
                .unwrap()
                .contains("not reported")
        );
    }

    #[test]
    fn capacity_edges_exactly_full_one_slot_and_no_limit() {
        let source = inventory(
            vec![
                t("1", "APPROVED", Some("GREEN")),
                t("2", "APPROVED", Some("GREEN")),
            ],
            None,
            None,
        );
        use Outcome::*;
        let full = predict(
            &source,
            &inventory(vec![], Some(250), Some(250)),
            Mode::Number,
        );
        assert_eq!(outcomes(&full), vec![OverLimit, OverLimit]);
        assert_eq!(
            full.capacity_line(),
            "dest 250/250, room 0, eligible 2 → 2 over limit"
        );
        let one = predict(
            &source,
            &inventory(vec![], Some(249), Some(250)),
            Mode::Number,
        );
        assert_eq!(outcomes(&one), vec![Migrate, OverLimit]);
        let unlimited = predict(&source, &inventory(vec![], Some(9000), None), Mode::Number);
        assert_eq!(outcomes(&unlimited), vec![Migrate, Migrate]);
        assert!(unlimited.capacity_line().contains("limit not reported"));
    }

    #[test]
    fn same_name_and_language_is_not_overwritten_but_another_language_is_copied() {
        let mut fr = t("2", "APPROVED", Some("GREEN"));
        fr.name = "tpl_1".into();
        fr.language = "fr".into();
        let source = inventory(vec![t("1", "APPROVED", Some("GREEN")), fr], None, None);
        let dest = inventory(vec![t("9", "APPROVED", Some("GREEN"))], Some(1), Some(2));
        let mut dest_same = dest.clone();
        dest_same.templates[0].name = "tpl_1".into();
        let f = predict(&source, &dest_same, Mode::Number);
        assert_eq!(
            outcomes(&f),
            vec![Outcome::AlreadyInDestination, Outcome::Migrate]
        );
        assert_eq!(
            f.summary(),
            Summary {
                total: 2,
                migrate: 1,
                already_in_destination: 1,
                ..Summary::default()
            }
        );
    }

    #[test]
    fn promotional_utility_wording_is_a_risk_not_a_verdict() {
        let mut u = t("1", "APPROVED", Some("GREEN"));
        u.category = Some(TemplateCategory::Utility);
        u.components = vec![TemplateComponent {
            kind: ComponentKind::Body,
            format: None,
            text: Some("Your order shipped. 20% OFF your next purchase!".into()),
            buttons: vec![],
            extra: Default::default(),
        }];
        assert!(risks(&u).iter().any(|r| r.contains("% off")));
        u.components[0].text = Some("Your offering ID is {{1}}".into());
        assert!(risks(&u).is_empty(), "'offering' is not 'offer'");
        let f = predict(
            &inventory(vec![u], None, None),
            &inventory(vec![], None, None),
            Mode::Number,
        );
        assert_eq!(f.predictions[0].outcome, Outcome::Migrate);
    }
}
