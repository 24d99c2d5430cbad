//! The audit report of a migration, in Markdown (for people) and JSON (for systems),
//! built from the journal alone, so it holds no secret and can be made at any time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::api::GraphClient;
use crate::domain::checklist::CheckResult;
use crate::domain::journal::{Backend, JournalState, MigrationId};
use crate::domain::number::PhoneNumber;
use crate::domain::plan::{StepId, step_of};
use crate::ops::journal_store::{self, AbandonError};
use crate::ops::migration::step_name;
use crate::ops::private_files::{private_dir, write_private};
use crate::ops::recreate::recreation_summary;

/// Ends an unfinished migration with a reason (under its lock, see
/// [`journal_store::abandon`]) and saves its report, as `wamigrate journal abandon` and
/// the TUI's journals screen do; the Markdown report's path, or why it was not saved.
pub fn abandon_with_report(
    data_dir: &Path,
    id: &MigrationId,
    reason: &str,
) -> Result<std::io::Result<PathBuf>, AbandonError> {
    let state = journal_store::abandon(data_dir, id, reason)?;
    Ok(Report::new(&state, None).save(data_dir).map(|(md, _)| md))
}

/// The report's JSON document.
#[derive(Debug, Serialize)]
pub struct Report {
    pub migration_id: String,
    pub scenario: Option<String>,
    pub operator: String,
    pub started_at: String,
    pub status: &'static str,
    pub number: String,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
    pub phone_number_id_before: Option<String>,
    pub phone_number_id_after: Option<String>,
    pub before: Option<PhoneNumber>,
    /// The number as read when the report was made, when it could be read.
    pub after: Option<PhoneNumber>,
    pub checklist: Vec<CheckResult>,
    pub steps: Vec<ReportStep>,
    pub events: Vec<ReportEvent>,
    /// Registration in the destination: before it the old partner pays for messages
    /// (also those sent before and delivered after), after it the business pays.
    pub billing_cutover: Option<String>,
    pub still_to_do: Vec<String>,
    /// The backend the migration ran against: the template re-creation runs listed
    /// with it are that backend's.
    #[serde(skip)]
    pub backend: Option<Backend>,
}

/// A plan step and whether it is done.
#[derive(Debug, Serialize)]
pub struct ReportStep {
    pub id: StepId,
    pub title: &'static str,
    pub done: bool,
}

/// One journaled event.
#[derive(Debug, Serialize)]
pub struct ReportEvent {
    pub at: String,
    pub step: Option<StepId>,
    pub what: String,
}

impl Report {
    /// Builds the report from a replayed journal.
    pub fn new(state: &JournalState, after: Option<PhoneNumber>) -> Report {
        let status = state.status().label();
        let steps: Vec<ReportStep> = state
            .plan
            .iter()
            .map(|id| ReportStep {
                id: *id,
                title: step_name(*id),
                done: state.done.contains(id),
            })
            .collect();
        let mut still_to_do: Vec<String> = steps
            .iter()
            .filter(|s| !s.done)
            .map(|s| {
                let who = step_of(s.id).map_or("", |p| p.actor);
                format!("{} ({who})", s.title)
            })
            .collect();
        if state.done.contains(&StepId::Register) {
            still_to_do.push(format!(
                "make sure every app uses phone number id {} and WABA {}",
                state.phone_number_id.as_deref().unwrap_or("-"),
                state.destination_waba_id.as_deref().unwrap_or("-")
            ));
        }
        let (before, checklist) = state
            .snapshot
            .clone()
            .map_or((None, Vec::new()), |(n, c)| (Some(n), c));
        Report {
            migration_id: state.migration_id.clone(),
            scenario: state.scenario.map(|s| s.id().to_string()),
            operator: state.operator.clone(),
            started_at: state.started_at.to_string(),
            status,
            number: state.number.clone(),
            source_waba_id: state.source_waba_id.clone(),
            destination_waba_id: state.destination_waba_id.clone(),
            phone_number_id_before: before.as_ref().map(|n| n.id.clone()),
            phone_number_id_after: state.phone_number_id.clone(),
            before,
            after,
            checklist,
            steps,
            events: state
                .history
                .iter()
                .map(|(step, what, at)| ReportEvent {
                    at: at.to_string(),
                    step: *step,
                    what: what.clone(),
                })
                .collect(),
            billing_cutover: state.registered_at.as_ref().map(ToString::to_string),
            still_to_do,
            backend: state.backend.clone(),
        }
    }

    /// Builds the report with the number as it reads now: the destination's id once the
    /// add step answered, else the source's (a failed read leaves "after" empty).
    pub async fn with_current_number(graph: &GraphClient, state: &JournalState) -> Report {
        let number_id = state
            .phone_number_id
            .as_deref()
            .or(state.snapshot.as_ref().map(|(n, _)| n.id.as_str()));
        let after = match number_id {
            Some(id) => graph.phone_number(id).await.ok(),
            None => None,
        };
        Report::new(state, after)
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
        let _ = writeln!(md, "# Migration {}\n", self.migration_id);
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| scenario | {} |", dash(&self.scenario));
        let _ = writeln!(md, "| status | {} |", self.status);
        let _ = writeln!(md, "| operator | {} |", self.operator);
        let _ = writeln!(md, "| started | {} |", self.started_at);
        let _ = writeln!(md, "| number | {} |", self.number);
        let _ = writeln!(md, "| source WABA | {} |", dash(&self.source_waba_id));
        let _ = writeln!(
            md,
            "| destination WABA | {} |",
            dash(&self.destination_waba_id)
        );
        let _ = writeln!(
            md,
            "| phone number id | {} → {} |",
            dash(&self.phone_number_id_before),
            dash(&self.phone_number_id_after)
        );
        let _ = writeln!(
            md,
            "| billing cut-over | {} |\n",
            self.billing_cutover
                .as_deref()
                .unwrap_or("not yet (the old partner still pays)")
        );
        if self.billing_cutover.is_some() {
            let _ = writeln!(
                md,
                "Messages delivered before the cut-over, and those sent before it but delivered after, are billed by the old partner; messages after it are billed to the business.\n"
            );
        }
        let _ = writeln!(
            md,
            "## Before and after\n\n| field | before | after |\n|---|---|---|"
        );
        let field = |n: &Option<PhoneNumber>, f: Field| {
            n.as_ref().and_then(f).unwrap_or_else(|| "-".to_string())
        };
        type Field = fn(&PhoneNumber) -> Option<String>;
        let rows: [(&str, Field); 6] = [
            ("display number", |n| n.display_phone_number.clone()),
            ("display name", |n| n.verified_name.clone()),
            ("name status", |n| {
                n.name_status.as_ref().map(ToString::to_string)
            }),
            ("quality rating", |n| {
                n.quality_rating.as_ref().map(ToString::to_string)
            }),
            ("messaging limit", |n| {
                n.messaging_limit().map(str::to_string)
            }),
            ("status", |n| n.status.as_ref().map(ToString::to_string)),
        ];
        for (name, f) in rows {
            let _ = writeln!(
                md,
                "| {name} | {} | {} |",
                field(&self.before, f),
                field(&self.after, f)
            );
        }
        let _ = writeln!(
            md,
            "\n## Preflight checklist\n\n| rule | status | evidence |\n|---|---|---|"
        );
        for c in &self.checklist {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                c.rule.id(),
                c.status.as_str(),
                c.evidence.replace('|', "\\|")
            );
        }
        let _ = writeln!(md, "\n## Steps\n");
        for s in &self.steps {
            let _ = writeln!(md, "- [{}] {}", if s.done { "x" } else { " " }, s.title);
        }
        let _ = writeln!(md, "\n## Journal\n\n| time | step | event |\n|---|---|---|");
        for e in &self.events {
            let step = e.step.map_or("-", step_name);
            let _ = writeln!(
                md,
                "| {} | {step} | {} |",
                e.at,
                e.what.replace('|', "\\|").replace('\n', " ")
            );
        }
        let _ = writeln!(md, "\n## Still to do\n");
        if self.still_to_do.is_empty() {
            let _ = writeln!(md, "Nothing.");
        }
        for item in &self.still_to_do {
            let _ = writeln!(md, "- {item}");
        }
        md
    }

    /// Writes `<data_dir>/reports/<id>.md` and `.json`; returns both paths.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        // The id comes from a journal line: it names a file only once it is checked.
        let id = MigrationId::parse(&self.migration_id)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let dir = data_dir.join("reports");
        private_dir(&dir)?;
        let md = dir.join(format!("{id}.md"));
        let json = dir.join(format!("{id}.json"));
        // What re-creation runs between the two WABAs (on the migration's backend)
        // achieved, read from their journals.
        let recreation = match (
            &self.source_waba_id,
            &self.destination_waba_id,
            &self.backend,
        ) {
            (Some(source), Some(dest), Some(backend)) => {
                Some(recreation_summary(data_dir, backend, source, dest))
            }
            _ => None,
        };
        let markdown = self.markdown()
            + &recreation
                .as_ref()
                .map(|r| r.markdown())
                .unwrap_or_default();
        write_private(&md, markdown.as_bytes())?;
        let mut document = serde_json::to_value(self).map_err(std::io::Error::other)?;
        if let (Some(recreation), Some(object)) = (recreation, document.as_object_mut()) {
            let value = serde_json::to_value(recreation).map_err(std::io::Error::other)?;
            object.insert("templates_recreated".into(), value);
        }
        write_private(
            &json,
            &serde_json::to_vec_pretty(&document).map_err(std::io::Error::other)?,
        )?;
        Ok((md, json))
    }
}
