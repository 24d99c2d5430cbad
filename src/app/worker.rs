//! The worker: runs `update`'s effects that need the API clients or the disk, each as
//! a job on the one job runner (`jobs`). API reads, fleet refreshes and exports,
//! template runs, migration runs and file work report back as owned actions tagged
//! with their ids; the state is never touched here.
//!
//! It connects first (starting the embedded sandbox if needed) on its own task, so the
//! first frame never waits; effects that need the clients meanwhile wait in a queue.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, UnboundedSender};

use crate::api::transport::Waiting;
use crate::api::{ApiError, CallRecord, GraphClient, HubClient};
use crate::config::Settings;
use crate::connect::{Connection, connect};
use crate::domain::journal::Backend;
use crate::ops::fleet_read::select_wabas;

use super::action::{Action, ApiEvent, ApiRequest, ApiResponse, Effect};
use super::board::{BoardCommand, refresh as board_jobs};
use super::jobs::{JobContext, JobId, Jobs};
use super::journals::{JournalsCommand, jobs as journals_jobs};
use super::state::Recent;
use super::templates::run::{self as template_run, RunCommand, RunInstruction};
use super::wizard::runner::{RunBridge, RunJob, execute as run_migration, unfinished_journals};
use super::wizard::{QuestionId, RunOrder, WizardAnswer, WizardEvent};

/// Actions the jobs may queue ahead of the event loop before they wait. Small: a fleet
/// refresh's action holds a WABA's rows, and a sandbox answering faster than the board
/// absorbs them queued a thousand WABAs' rows (some 20 MB at 100,000 numbers) on top of
/// the rows they replace.
pub const RESULTS_CAPACITY: usize = 32;
/// File under the data dir holding the recently used WABAs and numbers.
const RECENT_FILE: &str = "tui-recent.json";

/// Where the fleet board's jobs run: one refresh at a time, exports side by side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BoardSlot {
    Refresh,
    Export(JobId),
}

/// Where file jobs run: the newest of each kind wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FileSlot {
    Journals,
    SaveRecent,
    /// The journals screen's work: the newest listing or report wins; every
    /// abandonment runs to its end.
    JournalList,
    JournalReport,
    JournalAbandon(JobId),
}

/// An answer for the migration run's pending question.
type Answer = (QuestionId, WizardAnswer);

/// The event loop's side of effects.
pub struct Worker {
    data_dir: PathBuf,
    connection: Option<Connection>,
    /// Effects that need the clients, kept until the connection is up.
    waiting: Vec<Effect>,
    /// Ids of jobs that no request id names (exports, file work, migration runs).
    next_job: JobId,
    /// The migration job running, if any: its answers go to it.
    migration: Option<JobId>,
    reads: Jobs<ApiRequest, (), Action>,
    board: Jobs<BoardSlot, (), Action>,
    template_runs: Jobs<(), RunInstruction, Action>,
    recreations: Jobs<(), (), Action>,
    migrations: Jobs<(), Answer, Action>,
    files: Jobs<FileSlot, (), Action>,
}

impl Worker {
    /// A worker whose jobs report to `results`.
    pub fn new(data_dir: PathBuf, results: mpsc::Sender<Action>) -> Worker {
        Worker {
            data_dir,
            connection: None,
            waiting: Vec::new(),
            next_job: 1,
            migration: None,
            reads: Jobs::new(results.clone()),
            board: Jobs::new(results.clone()),
            template_runs: Jobs::new(results.clone()),
            recreations: Jobs::new(results.clone()),
            migrations: Jobs::new(results.clone()),
            files: Jobs::new(results),
        }
    }

    /// Connects on a task; the answer is the action to feed `update` and, on success,
    /// the connection to hand to [`Worker::connected`].
    pub fn connect(
        settings: Settings,
        calls: UnboundedSender<CallRecord>,
    ) -> tokio::task::JoinHandle<Result<Connection, String>> {
        tokio::spawn(async move {
            connect(&settings, Some(calls)).await.map_err(|e| {
                tracing::warn!(error = %e, "connect failed");
                e.to_string()
            })
        })
    }

    /// The call of the app's clients that has waited longest for its answer (the Hub
    /// client shares the Graph client's transport).
    pub fn longest_wait(&self) -> Option<Waiting> {
        self.connection.as_ref()?.graph.transport().longest_wait()
    }

    /// The clients are ready: run the effects that waited for them.
    pub fn connected(&mut self, connection: Connection) {
        tracing::info!(backend = connection.label.badge(), "connected");
        self.connection = Some(connection);
        for effect in std::mem::take(&mut self.waiting) {
            self.run(effect);
        }
    }

    /// Runs one effect; `Some(code)` when the TUI must leave with that exit code.
    pub fn run(&mut self, effect: Effect) -> Option<u8> {
        match effect {
            Effect::Quit(code) => return Some(code),
            // Between two frames, on the terminal the frames go to.
            Effect::Copy(text) => {
                if let Err(e) = super::clipboard::copy_to_terminal(&mut std::io::stdout(), &text) {
                    tracing::warn!(error = %e, "could not write the clipboard sequence");
                }
            }
            Effect::SaveRecent(recent) => {
                let path = self.data_dir.join(RECENT_FILE);
                self.files.start(FileSlot::SaveRecent, 0, |_| async move {
                    let _ = tokio::task::spawn_blocking(move || save_recent(&path, &recent)).await;
                });
            }
            Effect::Board(BoardCommand::Export { rows, format }) => {
                let id = self.job_id();
                let data_dir = self.data_dir.clone();
                self.board.start(BoardSlot::Export(id), id, |context| {
                    board_jobs::export_rows(rows, format, data_dir, context)
                });
            }
            // Journals belong to a backend: listing them waits for the connection.
            Effect::ListJournals => match self.connection.as_ref() {
                Some(connection) => {
                    let (data_dir, backend) = (self.data_dir.clone(), connection.backend.clone());
                    self.files.start(FileSlot::Journals, 0, |context| {
                        list_journals(data_dir, backend, context)
                    });
                }
                None => self.waiting.push(Effect::ListJournals),
            },
            // Journals belong to a backend: the screen's work waits for the connection.
            Effect::Journals(command) => match self.connection.as_ref() {
                Some(connection) => {
                    let (data_dir, backend) = (self.data_dir.clone(), connection.backend.clone());
                    let id = self.job_id();
                    let slot = match &command {
                        JournalsCommand::List => FileSlot::JournalList,
                        JournalsCommand::Report(_) => FileSlot::JournalReport,
                        JournalsCommand::Abandon(_) => FileSlot::JournalAbandon(id),
                    };
                    self.files.start(slot, id, |context| {
                        journals_jobs::execute(command, data_dir, backend, context)
                    });
                }
                None => self.waiting.push(Effect::Journals(command)),
            },
            effect => match self.connection.as_ref() {
                Some(connection) => {
                    let (graph, hub) = (connection.graph.clone(), connection.hub.clone());
                    let backend = (connection.backend.clone(), connection.call_timeout);
                    self.run_remote(graph, hub, backend, effect);
                }
                None => self.waiting.push(effect),
            },
        }
        None
    }

    /// Runs an effect that needs the clients.
    fn run_remote(
        &mut self,
        graph: GraphClient,
        hub: Option<HubClient>,
        (backend, in_flight): (Backend, Duration),
        effect: Effect,
    ) {
        let data_dir = self.data_dir.clone();
        match effect {
            Effect::Api {
                request_id,
                request,
            } => self
                .reads
                .start(request.clone(), request_id, |context| async move {
                    let result = perform(&graph, request).await;
                    let event = ApiEvent {
                        request_id,
                        result,
                        received_at: Instant::now(),
                    };
                    context.reporter.report(Action::Api(Box::new(event))).await;
                }),
            Effect::Board(BoardCommand::Refresh(read)) => {
                self.board
                    .start(BoardSlot::Refresh, read.request_id, |context| {
                        board_jobs::refresh(graph, hub, data_dir, read.query, context)
                    });
            }
            Effect::Board(BoardCommand::CancelRefresh) => self.board.cancel(&BoardSlot::Refresh),
            Effect::TemplateRun(RunCommand::Start {
                run,
                source_waba_id,
                destination_waba_id,
            }) => {
                let record = crate::ops::template_migration::TemplateRun::new(
                    &source_waba_id,
                    &destination_waba_id,
                );
                self.template_runs.start((), run, |context| {
                    template_run::execute(graph, data_dir, in_flight, record, context)
                });
            }
            Effect::TemplateRun(command) => {
                if let Some((run, instruction)) = command.instruction() {
                    self.template_runs.tell(&(), run, instruction);
                }
            }
            Effect::Recreate(command) => {
                // Media samples need the app; the sandbox has its own.
                let sandbox = backend.sandbox_instance.is_some()
                    || crate::config::is_loopback(&backend.graph_url);
                let app_id = sandbox.then(|| crate::sim::SANDBOX_APP_ID.to_string());
                self.recreations.start((), command.run, |context| {
                    crate::app::templates::recreate::execute_marked(
                        graph,
                        (data_dir, backend.clone()),
                        app_id,
                        command,
                        context,
                    )
                });
            }
            Effect::StopFollowingRecreation(run) => {
                self.recreations.tell(&(), run, ());
            }
            Effect::StartMigration(order) => {
                self.start_migrations(graph, hub, vec![order], data_dir, (backend, in_flight))
            }
            Effect::StartBatch(orders) => {
                self.start_migrations(graph, hub, orders, data_dir, (backend, in_flight))
            }
            Effect::AnswerMigration { question, answer } => {
                if let Some(id) = self.migration {
                    self.migrations.tell(&(), id, (question, answer));
                }
            }
            Effect::Quit(_)
            | Effect::Copy(_)
            | Effect::SaveRecent(_)
            | Effect::ListJournals
            | Effect::Journals(_)
            | Effect::Board(BoardCommand::Export { .. }) => {}
        }
    }

    /// Starts a job running `orders` one after the other (never two jobs at once).
    fn start_migrations(
        &mut self,
        graph: GraphClient,
        hub: Option<HubClient>,
        orders: Vec<RunOrder>,
        data_dir: PathBuf,
        backend: (Backend, Duration),
    ) {
        if self.migrations.is_running(&()) {
            // Never abandon a run mid-step; the wizard cannot start two.
            tracing::warn!("a migration run is already under way; not starting another");
            return;
        }
        let id = self.job_id();
        self.migration = Some(id);
        self.migrations.start((), id, |context| {
            migrate(graph, hub, orders, data_dir, backend, context)
        });
    }

    fn job_id(&mut self) -> JobId {
        let id = self.next_job;
        self.next_job += 1;
        id
    }
}

/// Runs one request against the Graph API (also used by tests against the sandbox).
pub async fn perform(graph: &GraphClient, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    Ok(match request {
        ApiRequest::DiscoverWabas { wabas, businesses } => {
            ApiResponse::WabaIds(select_wabas(graph, &wabas, &businesses).await?)
        }
        ApiRequest::Waba(id) => ApiResponse::Waba(graph.waba(&id).await?),
        ApiRequest::Numbers(id) => ApiResponse::Numbers(graph.phone_numbers(&id).await?),
        ApiRequest::Number(id) => ApiResponse::Number(graph.phone_number(&id).await?),
        ApiRequest::SubscribedApps(id) => {
            ApiResponse::SubscribedApps(graph.subscribed_apps(&id).await?)
        }
        ApiRequest::Templates(id) => ApiResponse::Templates(graph.templates(&id).await?),
    })
}

/// Runs (or resumes) migrations with the ops runner, one after the other, relaying
/// their news and questions as actions and the wizard's answers (the job's inbox) back
/// to the pending question.
async fn migrate(
    graph: GraphClient,
    hub: Option<HubClient>,
    orders: Vec<RunOrder>,
    data_dir: PathBuf,
    (backend, in_flight): (Backend, Duration),
    context: JobContext<Answer, Action>,
) {
    let JobContext {
        reporter,
        mut inbox,
    } = context;
    let (messages, mut news) = tokio::sync::mpsc::unbounded_channel();
    let run = async move {
        for order in orders {
            let job = RunJob {
                order,
                data_dir: data_dir.clone(),
                backend: backend.clone(),
                in_flight,
                messages: messages.clone(),
            };
            run_migration(graph.clone(), hub.clone(), job).await;
        }
        // Dropping the last sender ends the relay once it has said everything.
        drop(messages);
    };
    let relay = async {
        let mut bridge = RunBridge::default();
        loop {
            tokio::select! {
                message = news.recv() => match message {
                    Some(message) => {
                        if !reporter.report(bridge.receive(message)).await {
                            break;
                        }
                    }
                    // The run is over and said everything.
                    None => break,
                },
                Some((question, answer)) = inbox.recv() => bridge.answer(question, answer),
            }
        }
    };
    tokio::join!(run, relay);
}

/// Reads the unfinished journals and the register calls of the last 72 hours off the
/// async threads, for the resume picker and the checklist.
async fn list_journals(data_dir: PathBuf, backend: Backend, context: JobContext<(), Action>) {
    let reporter = &context.reporter;
    let (dir, of) = (data_dir.clone(), backend.clone());
    if let Ok(journals) = tokio::task::spawn_blocking(move || unfinished_journals(&dir, &of)).await
    {
        reporter
            .report(Action::Wizard(WizardEvent::Journals(journals)))
            .await;
    }
    let attempts = tokio::task::spawn_blocking(move || {
        crate::ops::journal_store::register_attempts_by_number(
            &data_dir,
            &backend,
            time::OffsetDateTime::now_utc(),
        )
    })
    .await;
    // Attempts that could not be counted stay unknown on the checklist.
    if let Ok(Ok(attempts)) = attempts {
        reporter.report(Action::RegisterAttempts(attempts)).await;
    }
}

/// Reads the recently used list; a missing or broken file means an empty list.
pub fn load_recent(data_dir: &Path) -> Recent {
    std::fs::read(data_dir.join(RECENT_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes the recently used list; failures are logged, never shown (it is a nicety).
fn save_recent(path: &Path, recent: &Recent) {
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|_| {
            let bytes = serde_json::to_vec_pretty(recent).map_err(std::io::Error::other)?;
            std::fs::write(path, bytes)
        });
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not save the recently used list");
    }
}
