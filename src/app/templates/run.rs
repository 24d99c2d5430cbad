//! The worker side of a template migration run: a service task that starts runs on the
//! worker's API client, passes the operator's decisions to them, and a task per run
//! that sends owned progress back to the event loop. It never touches the state.
//!
//! A run: read the source's templates (for the page count and the re-check), send the
//! pages (`ops::template_migration`), save the record; when some templates failed, wait
//! for the operator (retry their ids once, or finish); then re-read the destination for
//! copies that turned REJECTED, and save the record again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::api::{ApiError, GraphClient};
use crate::ops::template_migration::{self as ops, Progress, TemplateRun};

use crate::app::action::{Action, RequestId};

/// What the template screen asks of the run service; `run` is the id the screen gave
/// the run, so news of an abandoned run is recognised and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunCommand {
    /// Copy the source's templates into the destination.
    Start {
        run: RequestId,
        source_waba_id: String,
        destination_waba_id: String,
    },
    /// Send no further page; the pages in flight still finish.
    Stop { run: RequestId },
    /// Retry these failed template ids (`template_ids`), then re-check.
    Retry { run: RequestId, ids: Vec<String> },
    /// No retry: re-check and finish.
    Finish { run: RequestId },
}

/// News of a run, tagged with its id.
#[derive(Debug, Clone)]
pub struct RunEvent {
    pub run: RequestId,
    pub update: RunUpdate,
}

/// What happened in a run.
#[derive(Debug, Clone)]
pub enum RunUpdate {
    /// A call ended.
    Progress(Progress),
    /// The pages are done and some templates failed: the run waits for `Retry` or
    /// `Finish`. The record is already saved (`saved`: its path or why not).
    AwaitingDecision {
        record: TemplateRun,
        saved: Result<PathBuf, String>,
    },
    /// The destination is being re-read for REJECTED copies.
    Rechecking,
    /// The run is over and recorded.
    Finished {
        record: TemplateRun,
        saved: Result<PathBuf, String>,
        recheck: Result<(), ApiError>,
    },
    /// The source's templates could not be read: nothing was sent.
    Failed(ApiError),
}

/// Where the event loop sends run commands.
pub type RunSender = UnboundedSender<RunCommand>;

/// The operator's answer to a run waiting after its pages.
enum Decision {
    Retry(Vec<String>),
    Finish,
}

/// A live run as the service sees it: its stop flag and its decision inbox.
struct RunControl {
    stop: Arc<AtomicBool>,
    decisions: UnboundedSender<Decision>,
}

/// Serves run commands until the TUI is gone. Runs write their records under
/// `data_dir` (`template-runs/`).
pub async fn serve(
    graph: GraphClient,
    data_dir: PathBuf,
    mut commands: UnboundedReceiver<RunCommand>,
    answers: UnboundedSender<Action>,
) {
    let mut runs: HashMap<RequestId, RunControl> = HashMap::new();
    while let Some(command) = commands.recv().await {
        runs.retain(|_, control| !control.decisions.is_closed());
        match command {
            RunCommand::Start {
                run,
                source_waba_id,
                destination_waba_id,
            } => {
                let stop = Arc::new(AtomicBool::new(false));
                let (decisions, inbox) = unbounded_channel();
                runs.insert(
                    run,
                    RunControl {
                        stop: Arc::clone(&stop),
                        decisions,
                    },
                );
                let reporter = Reporter {
                    run,
                    answers: answers.clone(),
                };
                tokio::spawn(execute(
                    graph.clone(),
                    data_dir.clone(),
                    TemplateRun::new(&source_waba_id, &destination_waba_id),
                    stop,
                    inbox,
                    reporter,
                ));
            }
            RunCommand::Stop { run } => {
                if let Some(control) = runs.get(&run) {
                    control.stop.store(true, Ordering::SeqCst);
                }
            }
            RunCommand::Retry { run, ids } => decide(&runs, run, Decision::Retry(ids)),
            RunCommand::Finish { run } => decide(&runs, run, Decision::Finish),
        }
    }
}

fn decide(runs: &HashMap<RequestId, RunControl>, run: RequestId, decision: Decision) {
    if let Some(control) = runs.get(&run) {
        let _ = control.decisions.send(decision);
    }
}

/// Sends a run's news to the event loop.
struct Reporter {
    run: RequestId,
    answers: UnboundedSender<Action>,
}

impl Reporter {
    fn send(&self, update: RunUpdate) {
        let _ = self.answers.send(Action::TemplateRun(Box::new(RunEvent {
            run: self.run,
            update,
        })));
    }
}

async fn execute(
    graph: GraphClient,
    data_dir: PathBuf,
    mut record: TemplateRun,
    stop: Arc<AtomicBool>,
    mut decisions: UnboundedReceiver<Decision>,
    reporter: Reporter,
) {
    let (source, destination) = tokio::join!(
        graph.templates(&record.source_waba_id),
        graph.templates(&record.destination_waba_id)
    );
    let (source, destination) = match (source, destination) {
        (Ok(source), Ok(destination)) => (source, destination),
        (Err(e), _) | (_, Err(e)) => return reporter.send(RunUpdate::Failed(e)),
    };
    // Only templates the endpoint's rule expects to copy are offered for a retry.
    record.expected = crate::domain::eligibility::predict(
        &source,
        &destination,
        crate::domain::eligibility::Mode::Api,
    )
    .ids_with(&source, crate::domain::eligibility::Outcome::Migrate);
    let progress = |p: Progress| reporter.send(RunUpdate::Progress(p));
    ops::run_pages_until(
        &graph,
        &mut record,
        source.templates.len(),
        &progress,
        || stop.load(Ordering::SeqCst),
    )
    .await;
    let failed = record.failed_ids();
    if !failed.is_empty() && !record.stopped_by_operator {
        let saved = save(&record, &data_dir).await;
        reporter.send(RunUpdate::AwaitingDecision {
            record: record.clone(),
            saved,
        });
        if let Some(Decision::Retry(ids)) = decisions.recv().await {
            ops::retry_ids(&graph, &mut record, &ids, &progress).await;
        }
    }
    reporter.send(RunUpdate::Rechecking);
    let recheck = ops::recheck(&graph, &mut record, &source).await;
    let saved = save(&record, &data_dir).await;
    reporter.send(RunUpdate::Finished {
        record,
        saved,
        recheck,
    });
}

/// Saves the record off the async threads (it fsyncs); the error is a sentence.
async fn save(record: &TemplateRun, data_dir: &std::path::Path) -> Result<PathBuf, String> {
    let (record, dir) = (record.clone(), data_dir.to_path_buf());
    tokio::task::spawn_blocking(move || record.save(&dir))
        .await
        .map_err(|e| e.to_string())
        .and_then(|saved| {
            saved.map_err(|e| format!("could not record the run under {}: {e}", data_dir.display()))
        })
}
