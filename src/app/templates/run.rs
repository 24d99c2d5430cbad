//! The worker side of a template migration run: a job (see `app::jobs`) on the
//! worker's API client that sends owned progress back to the event loop and is told the
//! operator's decisions through its inbox. It never touches the state.
//!
//! A run: read the source's templates (for the page count and the re-check), send the
//! pages (`ops::template_migration`); a page whose answer was lost is read back once it
//! can no longer be in flight and only what is missing is sent again; then the
//! destination is read fresh and, when expected templates are missing, the run waits
//! for the operator (retry them once by id, or finish); last the destination is read
//! again for the tally (by name and language) and the copies that turned REJECTED, and
//! the record saved.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use crate::api::{ApiError, GraphClient};
use crate::app::action::{Action, RequestId};
use crate::app::jobs::{JobContext, JobReporter};
use crate::ops::file_error::FileError;
use crate::ops::template_migration::{self as ops, Progress, TemplateRun};
use crate::ops::template_tally::{self, FailedTemplate};

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
    /// The pages are done and a fresh read of the destination lacks some expected
    /// templates (`missing`, with Meta's reason where an answer gave one): the run
    /// waits for `Retry` or `Finish`. The record is already saved (`saved`: its path or
    /// why not).
    AwaitingDecision {
        record: TemplateRun,
        missing: Vec<FailedTemplate>,
        saved: Result<PathBuf, FileError>,
    },
    /// The destination is being re-read for REJECTED copies.
    Rechecking,
    /// The run is over and recorded.
    Finished {
        record: TemplateRun,
        saved: Result<PathBuf, FileError>,
        recheck: Result<(), ApiError>,
    },
    /// The source's templates could not be read: nothing was sent.
    Failed(ApiError),
}

/// What a running template run can be told (its job's inbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunInstruction {
    /// Send no further page; the pages in flight still finish.
    Stop,
    /// Retry these failed template ids, then re-check.
    Retry(Vec<String>),
    /// No retry: re-check and finish.
    Finish,
}

impl RunCommand {
    /// The run a steering command is for, with what to tell it; `None` for `Start`.
    pub fn instruction(self) -> Option<(RequestId, RunInstruction)> {
        match self {
            RunCommand::Start { .. } => None,
            RunCommand::Stop { run } => Some((run, RunInstruction::Stop)),
            RunCommand::Retry { run, ids } => Some((run, RunInstruction::Retry(ids))),
            RunCommand::Finish { run } => Some((run, RunInstruction::Finish)),
        }
    }
}

/// Runs one template migration as a job: reports its news tagged with the job's id
/// (the run id the screen gave it), stops sending pages when told `Stop`, and waits
/// for `Retry` or `Finish` when expected templates are missing. `in_flight` is the
/// client's call timeout (how long a lost page may still be carried out). Records go
/// under `data_dir` (`template-runs/`).
pub async fn execute(
    graph: GraphClient,
    data_dir: PathBuf,
    in_flight: Duration,
    mut record: TemplateRun,
    context: JobContext<RunInstruction, Action>,
) {
    let stop = AtomicBool::new(false);
    let (decisions, mut decided) = tokio::sync::mpsc::unbounded_channel();
    let JobContext {
        reporter,
        mut inbox,
    } = context;
    // Instructions arrive while pages are sent: a stop flips the flag the pages check.
    let listen = async {
        while let Some(instruction) = inbox.recv().await {
            match instruction {
                RunInstruction::Stop => stop.store(true, Ordering::SeqCst),
                RunInstruction::Retry(ids) => {
                    let _ = decisions.send(Decision::Retry(ids));
                }
                RunInstruction::Finish => {
                    let _ = decisions.send(Decision::Finish);
                }
            }
        }
        std::future::pending::<()>().await
    };
    let reporter = Reporter(reporter);
    let run = run(
        &graph,
        (&data_dir, in_flight),
        &mut record,
        &stop,
        &mut decided,
        &reporter,
    );
    tokio::select! {
        () = run => {}
        () = listen => {}
    }
}

/// The operator's answer to a run waiting after its pages.
enum Decision {
    Retry(Vec<String>),
    Finish,
}

/// Sends a run's news to the event loop, tagged with the run's id.
struct Reporter(JobReporter<Action>);

impl Reporter {
    async fn send(&self, update: RunUpdate) {
        self.0.report(self.event(update)).await;
    }

    /// Progress is cumulative: when the event loop is behind, the next one supersedes it.
    fn progress(&self, progress: Progress) {
        self.0
            .report_progress(self.event(RunUpdate::Progress(progress)));
    }

    fn event(&self, update: RunUpdate) -> Action {
        Action::TemplateRun(Box::new(RunEvent {
            run: self.0.id,
            update,
        }))
    }
}

async fn run(
    graph: &GraphClient,
    (data_dir, in_flight): (&Path, Duration),
    record: &mut TemplateRun,
    stop: &AtomicBool,
    decisions: &mut UnboundedReceiver<Decision>,
    reporter: &Reporter,
) {
    let (source, destination) = tokio::join!(
        graph.templates(&record.source_waba_id),
        graph.templates(&record.destination_waba_id)
    );
    let (source, destination) = match (source, destination) {
        (Ok(source), Ok(destination)) => (source, destination),
        (Err(e), _) | (_, Err(e)) => return reporter.send(RunUpdate::Failed(e)).await,
    };
    // Only templates the endpoint's rule expects to copy are offered for a retry.
    let forecast = crate::domain::eligibility::predict(
        &source,
        &destination,
        crate::domain::eligibility::Mode::Api,
    );
    record.expect(&forecast, &source);
    let progress = |p: Progress| reporter.progress(p);
    ops::run_pages_until(graph, record, source.templates.len(), &progress, || {
        stop.load(Ordering::SeqCst)
    })
    .await;
    if !record.stopped_by_operator {
        // A lost page is read back, never sent again blind; what it lacks is sent by id.
        if let Err(e) = ops::settle_lost_pages(graph, record, &source, in_flight, &progress).await {
            tracing::warn!("no read-back after a lost template page: {e}");
        }
        // What is missing comes from a fresh read, by name and language, never from
        // the ids the answers held.
        if let Ok(now) = graph.templates(&record.destination_waba_id).await {
            let missing = template_tally::tally(record, &source, &now).failed;
            if !missing.is_empty() {
                let saved = save(record, data_dir).await;
                reporter
                    .send(RunUpdate::AwaitingDecision {
                        record: record.clone(),
                        missing,
                        saved,
                    })
                    .await;
                if let Some(Decision::Retry(ids)) = decisions.recv().await {
                    ops::retry_ids(graph, record, &ids, &progress).await;
                }
            }
        }
    }
    reporter.send(RunUpdate::Rechecking).await;
    let recheck = ops::recheck(graph, record, &source).await;
    let saved = save(record, data_dir).await;
    reporter
        .send(RunUpdate::Finished {
            record: record.clone(),
            saved,
            recheck,
        })
        .await;
}

/// Saves the record off the async threads (it fsyncs).
async fn save(record: &TemplateRun, data_dir: &Path) -> Result<PathBuf, FileError> {
    let (record, dir) = (record.clone(), data_dir.to_path_buf());
    tokio::task::spawn_blocking(move || record.save(&dir))
        .await
        .map_err(|e| FileError::write(data_dir, e))
        .and_then(|saved| saved.map_err(|e| FileError::write(data_dir, e)))
}
