//! Re-creation from the template review screen: `m` marks rows whose template a
//! migration will not carry, `X` asks and then submits the marked ones
//! (`ops::recreate`, journaled like the CLI's runs), and the table's column shows each
//! submission's state: marked, submitted, refused, skipped, then Meta's review as the
//! same job follows the run (`ops::recreate::track`, reads with a growing pause until
//! every submission is APPROVED or REJECTED: the reason, and the category Meta chose
//! when it is not the one submitted).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::api::GraphClient;
use crate::app::action::{Action, RequestId};
use crate::app::jobs::JobContext;
use crate::app::jobs::JobReporter;
use crate::domain::journal::Backend;
use crate::domain::template::Template;
use crate::ops::recreate::{
    Line, Question, RecreateOperator, RecreateRequest, RunSettings, TrackRow, TrackSummary,
    execute, read_and_plan, track,
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
    /// Meta's review as the run is followed: `pending`, `approved`, `approved as
    /// MARKETING` (re-categorised), `rejected: REASON`.
    Reviewed(String),
}

impl Submission {
    /// The column's text for one submission's review state.
    pub fn reviewed(row: &TrackRow) -> Submission {
        let status = row.status.to_lowercase();
        Submission::Reviewed(match row.status.as_str() {
            "REJECTED" => format!(
                "rejected: {}",
                row.rejected_reason.as_deref().unwrap_or("no reason given")
            ),
            _ => match (&row.category, &row.requested_category) {
                (Some(chosen), Some(asked)) if !chosen.eq_ignore_ascii_case(asked) => {
                    format!("{status} as {chosen}")
                }
                _ => status,
            },
        })
    }
}

/// The screen's re-creation state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecreateMarks {
    pub states: BTreeMap<TemplateKey, Submission>,
    /// The run under way, if any.
    pub run: Option<RequestId>,
    /// The run whose submissions are being followed to a verdict, if any.
    pub following: Option<RequestId>,
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
        if let Submission::Reviewed(review) = state {
            return Some(review.clone());
        }
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
            Submission::Reviewed(review) => review.clone(),
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
    pub news: RecreateNews,
}

/// What a re-creation event says besides the rows' states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecreateNews {
    /// The run ended: its id (followed next when it submitted anything), or the
    /// sentence that ended it early.
    Ended(Result<String, String>),
    /// A read of the submissions while they are followed; `in_review` still wait.
    Reviewed { run_id: String, in_review: usize },
    /// Following stopped before every verdict (a read failed): why.
    FollowStopped(String),
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
    let mut followed = None;
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
                data_dir: data_dir.clone(),
                operator_name: std::env::var("USER").unwrap_or_else(|_| "unknown".to_string()),
                yes: false,
                edit: false,
                app_id,
                backend: backend.clone(),
            };
            match execute(&graph, planned, &settings, &ScreenOperator::quiet()).await {
                Err(failure) => Err(failure.to_string()),
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
                    if !end.report.submitted.is_empty() {
                        followed.clone_from(&end.run_id);
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
    let JobContext { reporter, inbox } = context;
    let reporter = &reporter;
    let event = RecreateEvent {
        run: command.run,
        states,
        news: RecreateNews::Ended(end),
    };
    if !reporter.report(Action::Recreate(Box::new(event))).await {
        return;
    }
    let Some(run_id) = followed else {
        return;
    };
    // Follow the submissions to a verdict, with the CLI's growing pause between reads,
    // until the screen closes (it tells the job).
    let operator = ScreenOperator {
        following: Some((reporter, command.run)),
        closed: Some(std::sync::Mutex::new(inbox)),
    };
    let news = match track(&graph, &data_dir, &backend, &run_id, true, &operator).await {
        Ok(summary) => reviewed(command.run, &summary),
        Err(stopped) => RecreateEvent {
            run: command.run,
            states: Vec::new(),
            news: RecreateNews::FollowStopped(stopped.to_string()),
        },
    };
    reporter.report(Action::Recreate(Box::new(news))).await;
}

/// One read of a followed run as an event for the screen.
fn reviewed(run: RequestId, summary: &TrackSummary) -> RecreateEvent {
    RecreateEvent {
        run,
        states: summary
            .rows
            .iter()
            .map(|row| {
                let key = (row.name.clone(), row.language.clone());
                (key, Submission::reviewed(row))
            })
            .collect(),
        news: RecreateNews::Reviewed {
            run_id: summary.run_id.clone(),
            in_review: summary.rows.iter().filter(|r| !r.decided()).count(),
        },
    }
}

/// The screen asked before the run started; lines go to the log file, and each read of
/// a followed run goes to the screen.
struct ScreenOperator<'a> {
    following: Option<(&'a JobReporter<Action>, RequestId)>,
    /// While following: the job's inbox, told when the screen closes.
    closed: Option<std::sync::Mutex<tokio::sync::mpsc::Receiver<()>>>,
}

impl ScreenOperator<'_> {
    /// For the run itself: it is never stopped from the screen.
    fn quiet() -> Self {
        ScreenOperator {
            following: None,
            closed: None,
        }
    }
}

impl RecreateOperator for ScreenOperator<'_> {
    fn say(&self, line: Line) {
        tracing::info!(line = %line, "template re-creation");
    }

    async fn confirm(&self, _question: Question) -> bool {
        true
    }

    /// Following ends once the screen closed: nobody would see the verdicts.
    fn stopped(&self) -> bool {
        self.closed
            .as_ref()
            .is_some_and(|inbox| inbox.lock().is_ok_and(|mut inbox| inbox.try_recv().is_ok()))
    }

    fn verdicts(&self, summary: &TrackSummary) {
        if let Some((reporter, run)) = self.following {
            // Cumulative: a read dropped while the screen is behind is superseded by the next.
            reporter.report_progress(Action::Recreate(Box::new(reviewed(run, summary))));
        }
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
        // The job of this run replaces the one following the previous run.
        self.recreate.following = None;
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

    /// The run's end (every row's state, then a re-read of the destination), and each
    /// read of its submissions while the job follows them to a verdict.
    pub fn on_recreate_event(
        &mut self,
        event: RecreateEvent,
        ctx: &mut crate::app::screen::Context,
    ) -> crate::app::screen::Handled {
        let ours = match &event.news {
            RecreateNews::Ended(_) => self.recreate.run == Some(event.run),
            _ => self.recreate.following == Some(event.run),
        };
        if !ours {
            return crate::app::screen::Handled::ignored();
        }
        for (key, state) in event.states {
            self.recreate.states.insert(key, state);
        }
        match event.news {
            RecreateNews::Ended(end) => {
                self.recreate.run = None;
                for state in self.recreate.states.values_mut() {
                    if *state == Submission::Sending {
                        *state = Submission::Skipped("not sent".to_string());
                    }
                }
                self.recreate.message = Some(match end {
                    Ok(id) => {
                        self.recreate.following = Some(event.run);
                        format!(
                            "re-creation run {id}: following its review (also `wamigrate templates track {id}`)"
                        )
                    }
                    Err(why) => format!("re-creation stopped: {why}"),
                });
                crate::app::screen::Handled::effects(self.reread(ctx))
            }
            RecreateNews::Reviewed { run_id, in_review } => {
                self.recreate.message = Some(if in_review == 0 {
                    self.recreate.following = None;
                    format!("re-creation run {run_id}: every submission has Meta's verdict")
                } else {
                    format!(
                        "re-creation run {run_id}: {in_review} in review, read again with a growing pause (also `wamigrate templates track {run_id}`)"
                    )
                });
                crate::app::screen::Handled::done()
            }
            RecreateNews::FollowStopped(why) => {
                self.recreate.following = None;
                self.recreate.message = Some(format!(
                    "stopped following the review: {why} (`wamigrate templates track` goes on)"
                ));
                crate::app::screen::Handled::done()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::jobs::Jobs;
    use crate::ops::recreate::RecreateRequest;
    use crate::sim::{self, SimConfig};

    const SOURCE: &str = "104996122399160";
    const DEST: &str = "104996122399161";

    #[test]
    fn following_stops_once_the_screen_said_it_closed() {
        let (tell, inbox) = tokio::sync::mpsc::channel(1);
        let operator = ScreenOperator {
            following: None,
            closed: Some(std::sync::Mutex::new(inbox)),
        };
        assert!(!operator.stopped());
        tell.try_send(()).unwrap();
        assert!(operator.stopped());
        assert!(
            !ScreenOperator::quiet().stopped(),
            "the run itself is never stopped from the screen"
        );
    }

    /// The marked rows go, then the same job follows them until Meta has judged each:
    /// the sandbox approves most, re-categorises some and rejects some with a reason.
    #[tokio::test]
    async fn the_job_follows_its_submissions_to_approved_and_rejected() {
        let handle = sim::start(SimConfig::default()).await.unwrap();
        let graph = crate::testkit::sandbox_graph(&handle.base_url);
        let request = RecreateRequest {
            source_waba_id: SOURCE.into(),
            destination_waba_id: DEST.into(),
            only: crate::domain::recreate::Only::All,
            include_rejected: false,
            other_business: false,
            media: BTreeMap::new(),
        };
        let planned = read_and_plan(&graph, request).await.unwrap();
        let marked: Vec<TemplateKey> = planned
            .plan
            .to_submit()
            .map(|c| (c.name.clone(), c.language.clone()))
            .collect();
        assert!(marked.len() > 3);
        let data_dir = tempfile::tempdir().unwrap();
        let backend = Backend {
            profile: "sandbox".into(),
            graph_url: handle.base_url.clone(),
            graph_version: "v25.0".into(),
            hub_url: None,
            sandbox_instance: Some(handle.instance_id.clone()),
        };
        let (results, mut events) = tokio::sync::mpsc::channel(64);
        let mut jobs: Jobs<(), (), Action> = Jobs::new(results);
        let command = RecreateCommand {
            run: 7,
            source_waba_id: SOURCE.into(),
            destination_waba_id: DEST.into(),
            marked: marked.clone(),
        };
        let job_graph = graph.clone();
        let dir = data_dir.path().to_path_buf();
        jobs.start((), 7, move |context| {
            execute_marked(job_graph, (dir, backend), None, command, context)
        });
        let mut next = async || match events.recv().await {
            Some(Action::Recreate(event)) => *event,
            other => panic!("a re-creation event: {other:?}"),
        };
        let ended = next().await;
        assert!(
            matches!(&ended.news, RecreateNews::Ended(Ok(id)) if id.starts_with("recreate-")),
            "{ended:?}"
        );
        // Review lands 10 to 60 sandbox minutes after a submission.
        let clock = format!("{}/_sandbox/clock", handle.base_url);
        let advanced = graph
            .transport()
            .http()
            .post(clock)
            .json(&serde_json::json!({"advance_secs": 7200}))
            .send()
            .await
            .unwrap();
        assert!(advanced.status().is_success());
        let decided = loop {
            let event = next().await;
            match event.news {
                RecreateNews::Reviewed { in_review: 0, .. } => break event,
                RecreateNews::Reviewed { .. } => {}
                other => panic!("following goes on until every verdict: {other:?}"),
            }
        };
        let cells: Vec<String> = decided
            .states
            .iter()
            .map(|(_, state)| match state {
                Submission::Reviewed(text) => text.clone(),
                other => panic!("a review state: {other:?}"),
            })
            .collect();
        assert_eq!(cells.len(), marked.len(), "{cells:?}");
        assert!(cells.iter().any(|c| c.starts_with("approved")), "{cells:?}");
        assert!(
            cells
                .iter()
                .any(|c| c.starts_with("rejected: ") && c != "rejected: no reason given"),
            "a rejection shows Meta's reason: {cells:?}"
        );
        handle.shutdown().await;
    }

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
