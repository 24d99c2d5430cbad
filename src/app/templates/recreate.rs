//! Re-creation from the template review screen: `m` marks rows whose template a
//! migration will not carry, `X` asks and then submits the marked ones
//! (`ops::recreate`, journaled like the CLI's runs), and the table's column shows each
//! submission's state: marked, submitted, refused, skipped, then the destination's
//! PENDING / APPROVED / REJECTED once it is read again (`r`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::api::GraphClient;
use crate::app::action::{Action, RequestId};
use crate::app::jobs::JobContext;
use crate::domain::journal::Backend;
use crate::domain::template::Template;
use crate::ops::recreate::{
    Line, Question, RecreateOperator, RecreateRequest, RunSettings, execute, read_and_plan,
};

/// A template by name and language.
pub type TemplateKey = (String, String);

/// What the re-creation column knows of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    Marked,
    Sending,
    Submitted,
    Present,
    Refused(String),
    Skipped(String),
}

/// The screen's re-creation state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecreateMarks {
    pub states: BTreeMap<TemplateKey, Submission>,
    /// The run under way, if any.
    pub run: Option<RequestId>,
    /// The last run's end: its id and journal, or why it stopped.
    pub message: Option<String>,
}

impl RecreateMarks {
    /// Marks or unmarks a template; a template already sent stays as it is.
    pub fn toggle(&mut self, key: TemplateKey) {
        match self.states.get(&key) {
            None | Some(Submission::Skipped(_) | Submission::Refused(_)) => {
                self.states.insert(key, Submission::Marked);
            }
            Some(Submission::Marked) => {
                self.states.remove(&key);
            }
            Some(_) => {}
        }
    }

    /// Templates marked and not sent yet.
    pub fn marked(&self) -> Vec<TemplateKey> {
        self.states
            .iter()
            .filter(|(_, s)| **s == Submission::Marked)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The column's text for a row: the destination's state once it has the template,
    /// else what the run said.
    pub fn cell(&self, key: &TemplateKey, destination: Option<&Template>) -> Option<String> {
        let state = self.states.get(key)?;
        if let Some(found) = destination {
            let status = found
                .status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            return Some(
                match found.rejected_reason.as_deref().filter(|r| *r != "NONE") {
                    Some(reason) if status == "REJECTED" => format!("rejected: {reason}"),
                    _ => status.to_lowercase(),
                },
            );
        }
        Some(match state {
            Submission::Marked => "marked".to_string(),
            Submission::Sending => "sending…".to_string(),
            Submission::Submitted => "submitted".to_string(),
            Submission::Present => "already there".to_string(),
            Submission::Refused(reason) => format!("refused: {reason}"),
            Submission::Skipped(reason) => format!("skipped: {reason}"),
        })
    }
}

/// What the screen asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecreateCommand {
    pub run: RequestId,
    pub source_waba_id: String,
    pub destination_waba_id: String,
    pub marked: Vec<TemplateKey>,
}

/// News of a re-creation run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecreateEvent {
    pub run: RequestId,
    pub states: Vec<(TemplateKey, Submission)>,
    /// The run id and journal path, or the sentence that ended it early.
    pub end: Result<String, String>,
}

/// The job: plans the pair, keeps only the marked rows, submits them, reports states.
pub async fn execute_marked(
    graph: GraphClient,
    (data_dir, backend): (PathBuf, Backend),
    app_id: Option<String>,
    command: RecreateCommand,
    context: JobContext<(), Action>,
) {
    let marked: BTreeSet<TemplateKey> = command.marked.iter().cloned().collect();
    let request = RecreateRequest {
        source_waba_id: command.source_waba_id,
        destination_waba_id: command.destination_waba_id,
        only: crate::domain::recreate::Only::All,
        include_rejected: false,
        other_business: false,
        media: BTreeMap::new(),
    };
    let mut states: Vec<(TemplateKey, Submission)> = Vec::new();
    let end = match read_and_plan(&graph, request).await {
        Err(e) => Err(format!("could not read the templates: {e}")),
        Ok(mut planned) => {
            for at in 0..planned.plan.candidates.len() {
                let row = &planned.plan.candidates[at];
                if !marked.contains(&(row.name.clone(), row.language.clone())) {
                    planned.plan.skip(at, "not marked");
                }
            }
            planned.plan.refit_room();
            let planned_keys: BTreeSet<TemplateKey> = planned
                .plan
                .candidates
                .iter()
                .map(|c| (c.name.clone(), c.language.clone()))
                .collect();
            for key in marked.difference(&planned_keys) {
                states.push((
                    key.clone(),
                    Submission::Skipped("travels, or must not be re-created".to_string()),
                ));
            }
            let settings = RunSettings {
                data_dir,
                operator_name: std::env::var("USER").unwrap_or_else(|_| "unknown".to_string()),
                yes: false,
                edit: false,
                app_id,
                backend,
            };
            match execute(&graph, planned, &settings, &ScreenOperator).await {
                Err(sentence) => Err(sentence),
                Ok(end) => {
                    for row in &end.report.submitted {
                        let state = if row.status == "ALREADY_EXISTS" {
                            Submission::Present
                        } else {
                            Submission::Submitted
                        };
                        states.push(((row.name.clone(), row.language.clone()), state));
                    }
                    for row in end
                        .report
                        .skipped
                        .iter()
                        .filter(|s| s.skip_reason != "not marked")
                    {
                        let key = (row.name.clone(), row.language.clone());
                        let state = match row
                            .skip_reason
                            .strip_prefix(crate::ops::recreate::REFUSED_PREFIX)
                        {
                            Some(reason) => Submission::Refused(reason.to_string()),
                            None => Submission::Skipped(row.skip_reason.clone()),
                        };
                        states.push((key, state));
                    }
                    match (end.problem, end.run_id) {
                        (Some(problem), _) => Err(problem),
                        (None, Some(id)) => Ok(id),
                        (None, None) => Ok("nothing to submit".to_string()),
                    }
                }
            }
        }
    };
    let event = RecreateEvent {
        run: command.run,
        states,
        end,
    };
    context
        .reporter
        .report(Action::Recreate(Box::new(event)))
        .await;
}

/// The screen asked before the run started; lines go to the log file.
struct ScreenOperator;

impl RecreateOperator for ScreenOperator {
    fn say(&self, line: Line) {
        tracing::info!(line = %line, "template re-creation");
    }

    async fn confirm(&self, _question: Question) -> bool {
        true
    }
}

impl super::TemplateView {
    /// `m`: marks the selected row when its source template does not travel.
    pub(super) fn mark_for_recreation(&mut self, ctx: &crate::app::screen::Context) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let (Some(index), Some((source, _))) = (row.source(), self.inventories(&ctx.store.wabas))
        else {
            self.recreate.message =
                Some("only templates of the source can be re-created".to_string());
            return;
        };
        let travels = matches!(
            row.outcome,
            super::RowOutcome::Forecast(
                crate::domain::eligibility::Outcome::Migrate
                    | crate::domain::eligibility::Outcome::AlreadyInDestination
            )
        );
        if travels && self.mode == crate::domain::eligibility::Mode::Number {
            self.recreate.message = Some(
                "this template travels with the migration, or is already in the destination"
                    .to_string(),
            );
            return;
        }
        let template = &source.templates[index];
        self.recreate.message = None;
        self.recreate
            .toggle((template.name.clone(), template.language.clone()));
    }

    /// `y` on the question: the job that submits the marked templates.
    pub(super) fn start_recreation(
        &mut self,
        source_waba_id: String,
        destination_waba_id: String,
        ctx: &mut crate::app::screen::Context,
    ) -> Vec<crate::app::action::Effect> {
        let run = ctx.store.take_request_id();
        let marked = self.recreate.marked();
        for key in &marked {
            self.recreate
                .states
                .insert(key.clone(), Submission::Sending);
        }
        self.recreate.run = Some(run);
        self.recreate.message = Some(format!(
            "submitting {}…",
            crate::app::strings::plural(marked.len(), "template", "templates")
        ));
        vec![crate::app::action::Effect::Recreate(RecreateCommand {
            run,
            source_waba_id,
            destination_waba_id,
            marked,
        })]
    }

    /// The run's end: every row's state, then a re-read of the destination so the
    /// column shows Meta's review state.
    pub fn on_recreate_event(
        &mut self,
        event: RecreateEvent,
        ctx: &mut crate::app::screen::Context,
    ) -> crate::app::screen::Handled {
        if self.recreate.run != Some(event.run) {
            return crate::app::screen::Handled::ignored();
        }
        self.recreate.run = None;
        for (key, state) in event.states {
            self.recreate.states.insert(key, state);
        }
        for state in self.recreate.states.values_mut() {
            if *state == Submission::Sending {
                *state = Submission::Skipped("not sent".to_string());
            }
        }
        self.recreate.message = Some(match event.end {
            Ok(id) => format!(
                "re-creation run {id}: `wamigrate templates track {id}` follows it; r re-reads"
            ),
            Err(why) => format!("re-creation stopped: {why}"),
        });
        crate::app::screen::Handled::effects(self.reread(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> TemplateKey {
        (name.to_string(), "en_US".to_string())
    }

    #[test]
    fn marks_toggle_and_the_destination_has_the_last_word() {
        let mut marks = RecreateMarks::default();
        marks.toggle(key("a"));
        marks.toggle(key("b"));
        marks.toggle(key("b"));
        assert_eq!(marks.marked(), vec![key("a")]);
        assert_eq!(marks.cell(&key("a"), None).as_deref(), Some("marked"));
        marks.states.insert(key("a"), Submission::Submitted);
        marks.toggle(key("a"));
        assert_eq!(marks.cell(&key("a"), None).as_deref(), Some("submitted"));
        let rejected: Template = serde_json::from_value(serde_json::json!({
            "id": "9", "name": "a", "language": "en_US", "status": "REJECTED", "rejected_reason": "PROMOTIONAL"
        }))
        .unwrap();
        assert_eq!(
            marks.cell(&key("a"), Some(&rejected)).as_deref(),
            Some("rejected: PROMOTIONAL")
        );
        assert_eq!(marks.cell(&key("c"), None), None);
    }
}
