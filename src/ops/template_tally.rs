//! The outcome of a template migration run, counted from a fresh read of the destination
//! after the pages (and after the retry), matched to the source by name and language.
//!
//! Why not from the answers: Meta's page says `migrated_templates` lists the "IDs …
//! duplicated in the destination" without saying whether those are the source's ids or
//! the copies' new ones, and shows `failed_templates` both as a list and as a map
//! (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-migration).
//! What arrived is what the destination holds afterwards; the answers only lend Meta's
//! reason to a template that did not arrive.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::eligibility::Forecast;
use crate::domain::template::{Template, TemplateInventory, TemplateStatus};
use crate::domain::waba::Waba;
use crate::ops::template_migration::{RejectedCopy, TemplateResult, TemplateRun};

/// What the forecast set aside before the run: never sent, never expected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SetAside {
    /// Source templates not eligible (status or quality).
    pub not_eligible: usize,
    /// Eligible source templates whose name and language the destination already had.
    pub already_present: usize,
    /// Eligible templates past the destination's template limit.
    pub over_limit: usize,
}

impl SetAside {
    /// The forecast's counts.
    pub fn of(forecast: &Forecast) -> Self {
        let summary = forecast.summary();
        SetAside {
            not_eligible: summary.ineligible,
            already_present: summary.already_in_destination,
            over_limit: summary.over_limit,
        }
    }
}

/// An expected template that is not in the destination after the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedTemplate {
    pub name: String,
    pub language: String,
    pub source_id: String,
    /// Meta's reason when an answer gave one for this source id.
    pub reason: String,
}

/// The run's tally (the JSON of `templates migrate --format json`): `expected` =
/// `migrated` + `failed`, and `expected` + `already_present` + `not_eligible` +
/// `over_limit` = the source's templates. `rejected_on_recheck` are migrated copies
/// that Meta's re-check turned REJECTED (they arrived, and are counted as migrated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub expected: usize,
    pub migrated: usize,
    pub failed: Vec<FailedTemplate>,
    pub already_present: usize,
    pub not_eligible: usize,
    pub over_limit: usize,
    pub rejected_on_recheck: Vec<RejectedCopy>,
    /// `migrate_message_templates` calls sent (pages, split pages and retries).
    pub calls: usize,
}

impl Tally {
    /// Every expected template is in the destination.
    pub fn all_arrived(&self) -> bool {
        self.failed.is_empty()
    }

    /// `44 of 48 expected templates are in the destination, 4 failed; 2 rejected on
    /// re-check; 30 already present, 58 not eligible, 0 over the limit.`
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} of {} expected templates are in the destination (a fresh read, by name and language)",
            self.migrated, self.expected
        );
        if !self.failed.is_empty() {
            line.push_str(&format!(", {} failed", self.failed.len()));
        }
        if !self.rejected_on_recheck.is_empty() {
            line.push_str(&format!(
                "; {} of them REJECTED on re-check",
                self.rejected_on_recheck.len()
            ));
        }
        line.push_str(&format!(
            "; not sent: {} already present, {} not eligible, {} over the limit",
            self.already_present, self.not_eligible, self.over_limit
        ));
        line
    }
}

type Key<'a> = (&'a str, &'a str);

fn key(t: &Template) -> Key<'_> {
    (t.name.as_str(), t.language.as_str())
}

/// The expected source templates, in the order of the run's expectation.
fn expected<'s>(run: &TemplateRun, source: &'s TemplateInventory) -> Vec<&'s Template> {
    let by_id: HashMap<&str, &Template> = source
        .templates
        .iter()
        .map(|t| (t.id.as_str(), t))
        .collect();
    run.expected
        .iter()
        .filter_map(|id| by_id.get(id.as_str()).copied())
        .collect()
}

/// Source ids of expected templates the destination does not hold: what a retry sends.
pub fn missing(
    run: &TemplateRun,
    source: &TemplateInventory,
    destination: &TemplateInventory,
) -> Vec<String> {
    let present: std::collections::HashSet<Key> = destination.templates.iter().map(key).collect();
    expected(run, source)
        .into_iter()
        .filter(|t| !present.contains(&key(t)))
        .map(|t| t.id.clone())
        .collect()
}

/// The tally of `run` against the destination as read after it.
pub fn tally(
    run: &TemplateRun,
    source: &TemplateInventory,
    destination: &TemplateInventory,
) -> Tally {
    let present: HashMap<Key, &Template> =
        destination.templates.iter().map(|t| (key(t), t)).collect();
    let mut tally = Tally {
        already_present: run.set_aside.already_present,
        not_eligible: run.set_aside.not_eligible,
        over_limit: run.set_aside.over_limit,
        calls: run.calls.len(),
        ..Tally::default()
    };
    for template in expected(run, source) {
        tally.expected += 1;
        match present.get(&key(template)) {
            Some(copy) => {
                tally.migrated += 1;
                if copy.status == Some(TemplateStatus::Rejected) {
                    tally.rejected_on_recheck.push(RejectedCopy {
                        id: copy.id.clone(),
                        name: copy.name.clone(),
                        language: copy.language.clone(),
                        rejected_reason: copy.rejected_reason.clone(),
                    });
                }
            }
            None => tally.failed.push(FailedTemplate {
                name: template.name.clone(),
                language: template.language.clone(),
                source_id: template.id.clone(),
                reason: match run.results.get(&template.id) {
                    Some(TemplateResult::Failed { reason }) => reason.clone(),
                    _ if run.failed_calls > 0 => {
                        "not in the destination after the run (a page call failed: see the calls)"
                            .to_string()
                    }
                    _ => "not in the destination after the run; Meta gave no reason".to_string(),
                },
            }),
        }
    }
    tally
}

/// Why the template migration endpoint may not be used between these WABAs, if the
/// owners show it may not: "Templates can only be migrated between WABAs owned by the
/// same Meta business" (template-migration page, Limitations). Refused before any call.
/// When an owner is not reported there is no evidence of a difference: Meta decides (and
/// refuses across businesses itself).
pub fn cross_business_refusal(source: &Waba, destination: &Waba) -> Option<String> {
    match (source.owner_business_id(), destination.owner_business_id()) {
        (Some(s), Some(d)) if s != d => Some(format!(
            "WABA {} is owned by business {s} and WABA {} by business {d}: Meta migrates templates only between WABAs owned by the same business. Nothing was sent; recreate the templates in the destination and submit them for review, or pick a destination of business {s}.",
            source.id, destination.id
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{QualityScore, TemplateQuality};
    use crate::domain::waba::BusinessRef;

    fn template(id: &str, name: &str, status: TemplateStatus) -> Template {
        Template {
            id: id.into(),
            name: name.into(),
            language: "en_US".into(),
            status: Some(status),
            quality_score: Some(TemplateQuality {
                score: Some(QualityScore::Green),
                date: None,
            }),
            ..Template::default()
        }
    }

    fn inventory(templates: Vec<Template>) -> TemplateInventory {
        TemplateInventory {
            count: Some(templates.len() as u64),
            limit: Some(250),
            templates,
        }
    }

    #[test]
    fn the_tally_comes_from_the_destination_by_name_and_language_not_from_answer_ids() {
        let source = inventory(vec![
            template("1", "a", TemplateStatus::Approved),
            template("2", "b", TemplateStatus::Approved),
            template("3", "c", TemplateStatus::Approved),
            template("4", "d", TemplateStatus::Rejected),
        ]);
        let mut run = TemplateRun::new("S", "D");
        run.expected = vec!["1".into(), "2".into(), "3".into()];
        run.set_aside.not_eligible = 1;
        // The answer named new copy ids (not the source's) and one failure.
        run.results.insert("900".into(), TemplateResult::Migrated);
        run.results.insert(
            "3".into(),
            TemplateResult::Failed {
                reason: "Incorrect category".into(),
            },
        );
        let destination = inventory(vec![
            template("900", "a", TemplateStatus::Approved),
            template("901", "b", TemplateStatus::Rejected),
        ]);
        let tally = tally(&run, &source, &destination);
        assert_eq!((tally.expected, tally.migrated), (3, 2));
        assert_eq!(tally.failed.len(), 1);
        assert_eq!(tally.failed[0].name, "c");
        assert_eq!(tally.failed[0].reason, "Incorrect category");
        assert_eq!(tally.rejected_on_recheck[0].name, "b");
        assert_eq!(
            tally.expected + tally.already_present + tally.not_eligible + tally.over_limit,
            source.templates.len()
        );
        assert!(!tally.all_arrived());
        assert_eq!(missing(&run, &source, &destination), vec!["3".to_string()]);
    }

    #[test]
    fn templates_move_only_between_wabas_of_one_owner() {
        let waba = |id: &str, owner: Option<&str>| Waba {
            id: id.into(),
            owner_business_info: owner.map(|o| BusinessRef {
                id: Some(o.into()),
                name: None,
            }),
            ..Waba::default()
        };
        assert_eq!(
            cross_business_refusal(&waba("1", Some("B")), &waba("2", Some("B"))),
            None
        );
        let other = cross_business_refusal(&waba("1", Some("B")), &waba("2", Some("K"))).unwrap();
        assert!(other.contains("same business"), "{other}");
        assert_eq!(
            cross_business_refusal(&waba("1", None), &waba("2", Some("K"))),
            None,
            "no evidence of a difference: Meta decides"
        );
    }
}
