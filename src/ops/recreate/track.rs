//! Following submissions to a verdict: each submitted template is read back by id
//! (`GET /{template_id}`: `status`, `category`, `rejected_reason`, the fields the
//! `message_template_status_update` webhook also carries,
//! https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update),
//! templates found present by name and language; verdicts are journaled. With `watch`,
//! reads repeat with a growing pause until every template has a verdict.

use std::time::Duration;

use crate::api::GraphClient;
use crate::domain::journal::Backend;
use crate::ops::template_migration::now_rfc3339;

use super::journal::{
    Entry, RunFailure, RunJournal, RunJournalError, RunStopped, check_backend, read,
};
use super::run::report_from;
use super::{Line, LineKind, RecreateOperator};

/// First and longest pause between two reads while watching.
const FIRST_PAUSE: Duration = Duration::from_secs(5);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

/// One submission's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRow {
    pub name: String,
    pub language: String,
    pub id: Option<String>,
    pub status: String,
    /// The category Meta chose, and the one requested when they differ.
    pub category: Option<String>,
    pub requested_category: Option<String>,
    pub rejected_reason: Option<String>,
}

impl TrackRow {
    /// Whether Meta has decided (anything but PENDING or IN_APPEAL).
    pub fn decided(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "PENDING" | "IN_APPEAL" | "ALREADY_EXISTS" | ""
        )
    }

    /// `approved, category MARKETING (requested UTILITY)` or `rejected: PROMOTIONAL`.
    pub fn verdict(&self) -> String {
        let mut text = self.status.clone();
        if self.status == "REJECTED" {
            text.push_str(&format!(
                ": {}",
                self.rejected_reason.as_deref().unwrap_or("no reason given")
            ));
        }
        if let Some(category) = &self.category {
            text.push_str(&format!(", category {category}"));
            if let Some(requested) = self
                .requested_category
                .as_ref()
                .filter(|r| !r.eq_ignore_ascii_case(category))
            {
                text.push_str(&format!(" (submitted as {requested})"));
            }
        }
        text
    }
}

/// Where a run's submissions stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSummary {
    pub run_id: String,
    pub rows: Vec<TrackRow>,
}

impl TrackSummary {
    /// Every submission has a verdict.
    pub fn all_decided(&self) -> bool {
        self.rows.iter().all(TrackRow::decided)
    }

    /// How many Meta rejected.
    pub fn rejected(&self) -> usize {
        self.rows.iter().filter(|r| r.status == "REJECTED").count()
    }
}

/// Reads every submission of a run once, or until all are decided when `watch`.
/// Refused for a run of another backend (its template ids mean nothing here).
pub async fn track(
    graph: &GraphClient,
    data_dir: &std::path::Path,
    backend: &Backend,
    run_id: &str,
    watch: bool,
    operator: &impl RecreateOperator,
) -> Result<TrackSummary, RunStopped> {
    check_backend(run_id, &read(data_dir, run_id)?, backend)?;
    let mut journal = match RunJournal::open(data_dir, run_id) {
        Ok((journal, _)) => Some(journal),
        Err(RunJournalError::Locked(_)) => {
            operator.say(Line::info(format!(
                "Run {run_id} is still running elsewhere: verdicts are shown, not journaled."
            )));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut pause = FIRST_PAUSE;
    loop {
        let entries = read(data_dir, run_id)?;
        let summary = read_states(graph, run_id, &entries).await?;
        for row in &summary.rows {
            let known = entries.iter().rev().find_map(|e| match e {
                Entry::Verdict {
                    name,
                    language,
                    status,
                    category,
                    ..
                } if *name == row.name && *language == row.language => {
                    Some((status.clone(), category.clone()))
                }
                _ => None,
            });
            if known == Some((row.status.clone(), row.category.clone())) {
                continue;
            }
            operator.say(Line::new(
                LineKind::Check,
                format!("{} ({}): {}", row.name, row.language, row.verdict()),
            ));
            if let (Some(journal), Some(id)) = (journal.as_mut(), &row.id) {
                let verdict = Entry::Verdict {
                    name: row.name.clone(),
                    language: row.language.clone(),
                    id: id.clone(),
                    status: row.status.clone(),
                    category: row.category.clone(),
                    rejected_reason: row.rejected_reason.clone(),
                    at: now_rfc3339(),
                };
                journal.append(&verdict).map_err(RunFailure::JournalWrite)?;
            }
        }
        operator.verdicts(&summary);
        if !watch || summary.all_decided() {
            return Ok(summary);
        }
        let waiting = summary.rows.iter().filter(|r| !r.decided()).count();
        operator.say(Line::info(format!(
            "{waiting} still in review; reading again in {} s.",
            pause.as_secs()
        )));
        if operator.stopped() {
            return Ok(summary);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// One read of every submission's state.
async fn read_states(
    graph: &GraphClient,
    run_id: &str,
    entries: &[Entry],
) -> Result<TrackSummary, RunFailure> {
    let report = report_from(entries);
    let requested = |name: &str, language: &str| {
        entries.iter().find_map(|e| match e {
            Entry::Intent {
                name: n,
                language: l,
                body,
                ..
            } if n == name && l == language => Some(body.category.clone()),
            _ => None,
        })
    };
    let mut destination = None;
    let mut rows = Vec::new();
    for submitted in &report.submitted {
        let template = match &submitted.id {
            Some(id) => graph
                .template(id)
                .await
                .map_err(|error| RunFailure::ReadTemplate {
                    id: id.clone(),
                    error,
                })?,
            None => {
                if destination.is_none() {
                    destination = Some(
                        graph
                            .templates(&report.destination_waba_id)
                            .await
                            .map_err(RunFailure::ReadDestination)?,
                    );
                }
                match destination.as_ref().and_then(|d| {
                    d.templates
                        .iter()
                        .find(|t| t.name == submitted.name && t.language == submitted.language)
                }) {
                    Some(found) => found.clone(),
                    None => continue,
                }
            }
        };
        rows.push(TrackRow {
            name: submitted.name.clone(),
            language: submitted.language.clone(),
            id: Some(template.id.clone()),
            status: template
                .status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            category: template.category.as_ref().map(ToString::to_string),
            requested_category: requested(&submitted.name, &submitted.language),
            rejected_reason: template.rejected_reason.filter(|r| r != "NONE"),
        });
    }
    Ok(TrackSummary {
        run_id: run_id.to_string(),
        rows,
    })
}
