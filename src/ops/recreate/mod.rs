//! Re-creating the templates a migration leaves behind: read both WABAs, plan
//! ([`crate::domain::recreate`]), confirm, then submit each template with a journaled
//! intent before and outcome after, paced to the usage Meta reports, and follow the
//! submissions to a verdict ([`track`]).
//!
//! Safety: creating a template is a write. No call is sent without its intent on disk;
//! an intent without an outcome (a crash, a dropped connection) is first read back from
//! the destination by name and language, and sent again only when absent. Meta's
//! "already exists" answer counts as present.

mod journal;
mod media;
mod run;
mod track;

use std::collections::BTreeMap;
use std::future::Future;

use serde::Serialize;

pub use journal::{
    CallResult, Entry, PlannedRow, RunFailure, RunJournal, RunJournalError, RunStopped,
    check_backend, read as read_run, runs_dir, runs_of, valid_run_id,
};
pub use run::{RunEnd, RunSettings, execute, resume};
pub use track::{TrackRow, TrackSummary, track};

use crate::api::{ApiError, GraphClient};
use crate::domain::journal::Backend;
use crate::domain::recreate::{
    Action, Business, CreateBody, Only, PlanOptions, RecreatePlan, plan,
};
use crate::domain::template::TemplateInventory;
use crate::domain::waba::Waba;
pub use crate::ops::migration::{Line, LineKind, Question};

/// The person driving a re-creation: lines to show, questions, and body edits.
pub trait RecreateOperator: Sync {
    /// Shows a line of progress or explanation.
    fn say(&self, line: Line);
    /// Asks a yes/no question; true to go on.
    fn confirm(&self, question: Question) -> impl Future<Output = bool> + Send;
    /// Offers a body for editing (`--edit`): `None` keeps it as built.
    fn edit(&self, _body: &CreateBody) -> impl Future<Output = EditAnswer> + Send {
        async { EditAnswer::Keep }
    }
    /// True once the operator asked to stop (the run ends resumable after the call in flight).
    fn stopped(&self) -> bool {
        false
    }
    /// Every read of a run's submissions while they are followed (`track`), so a
    /// screen can show the states as they come.
    fn verdicts(&self, _summary: &TrackSummary) {}
}

/// What the operator did with a body offered for editing.
#[derive(Debug, Clone, PartialEq)]
pub enum EditAnswer {
    Keep,
    Replace(CreateBody),
    Skip,
}

/// What to re-create and how.
#[derive(Debug, Clone)]
pub struct RecreateRequest {
    pub source_waba_id: String,
    pub destination_waba_id: String,
    pub only: Only,
    pub include_rejected: bool,
    /// Forces the business relation when the owners cannot be read.
    pub other_business: bool,
    /// Media samples by key (`NAME` or `NAME/cardN`): a file path or an http(s) URL.
    pub media: BTreeMap<String, String>,
}

/// Both WABAs read and the plan made from them.
#[derive(Debug, Clone)]
pub struct Planned {
    pub request: RecreateRequest,
    pub source: TemplateInventory,
    pub destination: TemplateInventory,
    pub plan: RecreatePlan,
}

/// Reads both WABAs (nodes for their owners, then templates) and plans.
pub async fn read_and_plan(
    graph: &GraphClient,
    request: RecreateRequest,
) -> Result<Planned, ApiError> {
    let (source_waba, dest_waba) = tokio::join!(
        graph.waba(&request.source_waba_id),
        graph.waba(&request.destination_waba_id)
    );
    let (source, destination) = tokio::join!(
        graph.templates(&request.source_waba_id),
        graph.templates(&request.destination_waba_id)
    );
    let (source, destination) = (source?, destination?);
    let business = if request.other_business {
        Business::Different
    } else {
        business_relation(source_waba.ok().as_ref(), dest_waba.as_ref().ok())
    };
    let mut plan = plan(
        &source,
        &destination,
        PlanOptions {
            only: request.only,
            include_rejected: request.include_rejected,
            business,
        },
    );
    plan.skip_missing_media(&request.media);
    Ok(Planned {
        request,
        source,
        destination,
        plan,
    })
}

/// Same, different, or unknown owner business.
fn business_relation(source: Option<&Waba>, destination: Option<&Waba>) -> Business {
    match (
        source.and_then(Waba::owner_business_id),
        destination.and_then(Waba::owner_business_id),
    ) {
        (Some(s), Some(d)) if s == d => Business::Same,
        (Some(_), Some(_)) => Business::Different,
        _ => Business::Unknown,
    }
}

/// The JSON document of `templates recreate` (dry run and run alike): a contract.
#[derive(Debug, Clone, Serialize)]
pub struct RecreateReport {
    pub source_waba_id: String,
    pub destination_waba_id: String,
    pub room: Option<u64>,
    pub candidates: Vec<CandidateRow>,
    pub submitted: Vec<SubmittedRow>,
    pub skipped: Vec<SkippedRow>,
}

/// One planned row.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    pub reason: &'static str,
    pub risks: Vec<String>,
    pub action: Action,
    pub skip_reason: Option<String>,
}

/// A template accepted for review (or found present).
#[derive(Debug, Clone, Serialize)]
pub struct SubmittedRow {
    pub name: String,
    pub language: String,
    pub id: Option<String>,
    pub status: String,
}

/// A row not submitted, or refused, with why.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedRow {
    pub name: String,
    pub language: String,
    pub skip_reason: String,
}

impl RecreateReport {
    /// The report of a plan, before anything is sent.
    pub fn of_plan(request: &RecreateRequest, plan: &RecreatePlan) -> RecreateReport {
        let candidates = plan
            .candidates
            .iter()
            .map(|c| CandidateRow {
                name: c.name.clone(),
                language: c.language.clone(),
                category: c.category.clone(),
                reason: c.reason.as_str(),
                risks: c.risks.clone(),
                action: c.action,
                skip_reason: c.skip_reason.clone(),
            })
            .collect::<Vec<_>>();
        let skipped = candidates
            .iter()
            .filter(|c| c.action == Action::Skip)
            .map(|c| SkippedRow {
                name: c.name.clone(),
                language: c.language.clone(),
                skip_reason: c.skip_reason.clone().unwrap_or_default(),
            })
            .collect();
        RecreateReport {
            source_waba_id: request.source_waba_id.clone(),
            destination_waba_id: request.destination_waba_id.clone(),
            room: plan.room,
            candidates,
            submitted: Vec::new(),
            skipped,
        }
    }

    /// True when Meta refused some template (exit 3).
    pub fn any_refused(&self) -> bool {
        self.skipped
            .iter()
            .any(|s| s.skip_reason.starts_with(REFUSED_PREFIX))
    }
}

/// How a refusal reads in `skip_reason`, so scripts and the exit code can tell it.
pub const REFUSED_PREFIX: &str = "refused by Meta: ";

/// What every re-creation run between two WABAs achieved, for a migration's audit report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecreationSummary {
    /// Runs that contributed, oldest first.
    pub runs: Vec<String>,
    /// Templates re-created (accepted for review or present), with their latest state.
    pub recreated: Vec<String>,
    /// Candidates not re-created, or REJECTED on review, with why.
    pub still_missing: Vec<String>,
}

/// Folds every run of `backend` from `source` to `destination` under the data directory.
pub fn recreation_summary(
    data_dir: &std::path::Path,
    backend: &Backend,
    source: &str,
    destination: &str,
) -> RecreationSummary {
    let mut summary = RecreationSummary::default();
    /// The last word on a template across runs.
    enum Latest {
        /// Submitted; Meta's review status.
        Recreated(String),
        /// Skipped or rejected, and why.
        Missing(String),
    }
    let mut latest: BTreeMap<(String, String), Latest> = BTreeMap::new();
    for (run_id, entries) in runs_of(data_dir, backend) {
        let report = run::report_from(&entries);
        if report.source_waba_id != source || report.destination_waba_id != destination {
            continue;
        }
        summary.runs.push(run_id);
        for row in &report.skipped {
            latest
                .entry((row.name.clone(), row.language.clone()))
                .or_insert_with(|| Latest::Missing(row.skip_reason.clone()));
        }
        for row in &report.submitted {
            let state = if row.status == "REJECTED" {
                Latest::Missing("REJECTED on review".to_string())
            } else {
                Latest::Recreated(row.status.clone())
            };
            latest.insert((row.name.clone(), row.language.clone()), state);
        }
    }
    for ((name, language), state) in latest {
        match state {
            Latest::Recreated(status) => summary
                .recreated
                .push(format!("{name} ({language}): {status}")),
            Latest::Missing(why) => summary
                .still_missing
                .push(format!("{name} ({language}): {why}")),
        }
    }
    summary
}

impl RecreationSummary {
    /// The section of the audit report, in Markdown.
    pub fn markdown(&self) -> String {
        let mut md = String::from("\n## Templates re-created\n\n");
        if self.runs.is_empty() {
            md.push_str(
                "No re-creation run between these WABAs (`wamigrate templates recreate`).\n",
            );
            return md;
        }
        md.push_str(&format!("Runs: {}.\n\n", self.runs.join(", ")));
        for line in &self.recreated {
            md.push_str(&format!("- {line}\n"));
        }
        md.push_str("\n### Still missing\n\n");
        if self.still_missing.is_empty() {
            md.push_str("Nothing.\n");
        }
        for line in &self.still_missing {
            md.push_str(&format!("- {line}\n"));
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, submit: bool) -> PlannedRow {
        PlannedRow {
            name: name.into(),
            language: "en_US".into(),
            category: Some("UTILITY".into()),
            reason: "quality".into(),
            risks: Vec::new(),
            submit,
            skip_reason: (!submit).then(|| "media header needs a sample".to_string()),
            body: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn the_audit_summary_lists_what_was_recreated_and_what_is_still_missing() {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend {
            profile: "sandbox".into(),
            graph_url: "http://127.0.0.1:4010".into(),
            graph_version: "v25.0".into(),
            hub_url: None,
            sandbox_instance: Some("world-1".into()),
        };
        let entries = [
            Entry::Started {
                run_id: "recreate-1".into(),
                source_waba_id: "1".into(),
                destination_waba_id: "2".into(),
                room: Some(10),
                operator: "ops".into(),
                confirmed: "--yes".into(),
                rows: vec![row("a", true), row("b", false), row("c", true)],
                media: BTreeMap::new(),
                backend: Some(backend.clone()),
                at: "t".into(),
            },
            Entry::Outcome {
                name: "a".into(),
                language: "en_US".into(),
                result: CallResult::Created {
                    id: "9".into(),
                    status: Some("PENDING".into()),
                    category: None,
                },
                at: "t".into(),
            },
            Entry::Outcome {
                name: "c".into(),
                language: "en_US".into(),
                result: CallResult::Refused {
                    reason: "(#100) Invalid parameter".into(),
                },
                at: "t".into(),
            },
            Entry::Verdict {
                name: "a".into(),
                language: "en_US".into(),
                id: "9".into(),
                status: "APPROVED".into(),
                category: Some("MARKETING".into()),
                rejected_reason: None,
                at: "t".into(),
            },
        ];
        let mut journal = RunJournal::create(dir.path(), "recreate-1", &entries[0]).unwrap();
        for entry in &entries[1..] {
            journal.append(entry).unwrap();
        }
        let summary = recreation_summary(dir.path(), &backend, "1", "2");
        assert_eq!(summary.recreated, vec!["a (en_US): APPROVED"]);
        assert_eq!(
            summary.still_missing,
            vec![
                "b (en_US): media header needs a sample",
                "c (en_US): refused by Meta: (#100) Invalid parameter"
            ]
        );
        assert!(summary.markdown().contains("### Still missing"));
        assert_eq!(
            recreation_summary(dir.path(), &backend, "1", "3"),
            RecreationSummary::default()
        );
        let elsewhere = Backend {
            sandbox_instance: Some("world-2".into()),
            ..backend
        };
        assert_eq!(
            recreation_summary(dir.path(), &elsewhere, "1", "2"),
            RecreationSummary::default(),
            "another backend's runs are not this one's"
        );
    }
}
