//! The bridge between the wizard and the ops runner: [`execute`] runs
//! `ops::migration::Migration` on a tokio task with owned clients, answered by a
//! [`TuiOperator`]; the event loop's [`RunBridge`] turns the runner's messages into
//! actions and routes the wizard's answers back through the question's oneshot. The
//! state never holds a channel, so `update` stays the single writer and pure.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Notify, oneshot};

use crate::api::{GraphClient, HubClient};
use crate::domain::journal::Backend;
use crate::domain::plan::StepId;
use crate::ops::journal_store;
use crate::ops::migration::{
    CodeAnswer, JournalError, Line, Migration, Operator, Question as RunnerQuestion, RunEnd,
    RunSettings, Weight,
};
use crate::ops::report::Report;

use super::{
    JournalListError, Question, QuestionId, QuestionKind, RunOrder, RunOutcome, RunStart,
    RunSummary, SavedReport, UnfinishedJournal, WizardAnswer, WizardEvent,
};
use crate::app::action::Action;
use crate::ops::file_error::FileError;

/// Between two reads while a step watches the API.
const WATCH_INTERVAL: Duration = Duration::from_secs(5);
/// How long a watch goes on before the run pauses (resume to watch again).
const WATCH_LIMIT: Duration = Duration::from_secs(300);
/// What the journal says when the operator stops the run from a question.
const STOPPED_REASON: &str = "stopped by the operator in the wizard";

/// What the runner task sends the event loop.
#[derive(Debug)]
pub enum RunnerMessage {
    Event(WizardEvent),
    /// A question and where its answer goes.
    Ask(Question, oneshot::Sender<WizardAnswer>),
}

/// Where the runner task sends its messages.
pub type RunnerSender = UnboundedSender<RunnerMessage>;

/// A run for the worker to start with its clients.
#[derive(Debug)]
pub struct RunJob {
    pub order: RunOrder,
    pub data_dir: PathBuf,
    /// The backend the clients talk to: the run's journal is bound to it.
    pub backend: Backend,
    /// The clients' call timeout: how long a call may stay in flight.
    pub in_flight: Duration,
    pub messages: RunnerSender,
}

/// Answers the runner from the wizard's pages: every question goes to the event loop
/// with a oneshot and is awaited; a stop answer ends the run at that question.
pub struct TuiOperator {
    messages: RunnerSender,
    next_question: AtomicU64,
    /// Signalled when the operator stops at a question; [`execute`] then journals it.
    stopped: Arc<Notify>,
}

impl TuiOperator {
    fn new(messages: RunnerSender) -> TuiOperator {
        TuiOperator {
            messages,
            next_question: AtomicU64::new(1),
            stopped: Arc::new(Notify::new()),
        }
    }

    fn send(&self, event: WizardEvent) {
        let _ = self.messages.send(RunnerMessage::Event(event));
    }

    /// Asks and waits. On a stop (or the UI gone) it signals [`execute`] and never
    /// returns: the run is dropped at this await, where no call is in flight.
    /// `sends` when a yes sends a write (Enter alone never confirms one).
    async fn ask(&self, kind: QuestionKind, prompt: &str, sends: bool) -> WizardAnswer {
        let (reply, answer) = oneshot::channel();
        let question = Question {
            id: self.next_question.fetch_add(1, Ordering::Relaxed),
            kind,
            prompt: prompt.to_string(),
            sends,
        };
        let _ = self.messages.send(RunnerMessage::Ask(question, reply));
        match answer.await {
            Ok(WizardAnswer::Stop) | Err(_) => {
                self.stopped.notify_one();
                std::future::pending().await
            }
            Ok(answer) => answer,
        }
    }
}

impl Operator for TuiOperator {
    fn interactive(&self) -> bool {
        true
    }

    fn say(&self, line: Line) {
        self.send(WizardEvent::Said(line.to_string()));
    }

    async fn confirm(&self, question: RunnerQuestion) -> bool {
        let (kind, sends) = confirmation_page(&question);
        matches!(
            self.ask(kind, &question.text, sends).await,
            WizardAnswer::Confirm(true)
        )
    }

    async fn code(&self, prompt: &str) -> CodeAnswer {
        match self.ask(QuestionKind::Code, prompt, true).await {
            WizardAnswer::Code(code) => CodeAnswer::Code(code),
            WizardAnswer::ResendCode => CodeAnswer::Resend,
            _ => CodeAnswer::Stop,
        }
    }

    async fn pin(&self) -> Option<SecretString> {
        match self
            .ask(
                QuestionKind::Pin,
                "The new two-step PIN of the number",
                false,
            )
            .await
        {
            WizardAnswer::Pin(pin) => Some(pin),
            _ => None,
        }
    }

    async fn backup(&self) -> Option<(String, SecretString)> {
        let WizardAnswer::Backup { path, password } = self
            .ask(
                QuestionKind::Backup,
                "The On-Premise backup file and its password",
                false,
            )
            .await
        else {
            return None;
        };
        match tokio::fs::read_to_string(&path).await {
            Ok(data) => Some((data.trim().to_string(), password)),
            Err(e) => {
                self.say(Line::problem(format!(
                    "Could not read the backup file {}: {e}.",
                    path.display()
                )));
                None
            }
        }
    }

    fn step_started(&self, step: StepId) {
        self.send(WizardEvent::StepStarted(step));
    }

    fn step_done(&self, step: StepId) {
        self.send(WizardEvent::StepDone(step));
    }
}

/// The page a runner's confirmation takes: a typed `yes` for the weighty ones
/// (register, approval, a client's cancellation), `y`/`n` otherwise; `sends` when a yes
/// sends a write, so that Enter alone never confirms it.
pub(super) fn confirmation_page(question: &RunnerQuestion) -> (QuestionKind, bool) {
    let kind = match question.weight {
        Weight::TypedYes => QuestionKind::TypedYes,
        Weight::YesNo => QuestionKind::YesNo,
    };
    (kind, question.write.is_some())
}

/// Runs (or resumes) one migration to its end, then saves the audit report; every
/// step of the way is reported over `job.messages`.
pub async fn execute(graph: GraphClient, hub: Option<HubClient>, job: RunJob) {
    let RunJob {
        order,
        data_dir,
        backend,
        in_flight,
        messages,
    } = job;
    let operator = TuiOperator::new(messages.clone());
    let stopped = operator.stopped.clone();
    let settings = RunSettings {
        code_method: order.code_method,
        language: order.language.clone(),
        candidates: Vec::new(),
        data_dir: data_dir.clone(),
        watch_interval: WATCH_INTERVAL,
        watch_limit: WATCH_LIMIT,
        backend,
        in_flight,
    };
    let opened = match &order.start {
        RunStart::New(request) => {
            Migration::start(&graph, hub.as_ref(), &operator, &settings, request)
        }
        RunStart::Resume(id) => Migration::resume(&graph, hub.as_ref(), &operator, &settings, id),
    };
    let mut migration = match opened {
        Ok(migration) => migration,
        Err(refused) => {
            operator.send(WizardEvent::Ended(RunSummary {
                outcome: RunOutcome::JournalError(refused.to_string()),
                report: None,
            }));
            return;
        }
    };
    let state = migration.state();
    operator.send(WizardEvent::Started {
        migration_id: state.migration_id.clone(),
        journal: migration.journal_path(),
        scenario: state.scenario,
        number: state.number.clone(),
        plan: state.plan.clone(),
        done: state.done.clone(),
    });
    let finished = tokio::select! {
        end = migration.run() => Some(end),
        () = stopped.notified() => None,
    };
    let end = match finished {
        Some(end) => end,
        None => migration.stop_by_operator(STOPPED_REASON),
    };
    let report = Report::with_current_number(&graph, migration.state()).await;
    let saved = report
        .save(&data_dir)
        .map(|(markdown_path, json_path)| SavedReport {
            markdown_path,
            json_path,
            markdown: report.markdown(),
        })
        .map_err(|e| FileError::write(&data_dir.join("reports"), e));
    operator.send(WizardEvent::Ended(RunSummary {
        outcome: outcome(end),
        report: Some(saved),
    }));
}

fn outcome(end: Result<RunEnd, JournalError>) -> RunOutcome {
    match end {
        Ok(RunEnd::Completed) => RunOutcome::Completed,
        Ok(RunEnd::Blocked(blockers)) => RunOutcome::Blocked(blockers),
        Ok(RunEnd::Paused { step, reason }) => RunOutcome::Paused { step, reason },
        Ok(RunEnd::Failed { step, error }) => RunOutcome::Failed {
            step,
            reference: error.reference(),
            sentence: error.sentence,
        },
        Ok(RunEnd::CannotContinue { step, reason }) => RunOutcome::Failed {
            step,
            sentence: format!("The run has ended as failed (not resumable): {reason}."),
            reference: String::new(),
        },
        Err(refused) => RunOutcome::JournalError(refused.to_string()),
    }
}

/// The event loop's end of the runner channel: it keeps the pending question's reply
/// channel (one question at a time: the runner is sequential).
#[derive(Debug, Default)]
pub struct RunBridge {
    pending: Option<(QuestionId, oneshot::Sender<WizardAnswer>)>,
}

impl RunBridge {
    /// The action for a runner message; a question's reply channel is kept here.
    pub fn receive(&mut self, message: RunnerMessage) -> Action {
        match message {
            RunnerMessage::Event(event) => Action::Wizard(event),
            RunnerMessage::Ask(question, reply) => {
                self.pending = Some((question.id, reply));
                Action::Wizard(WizardEvent::Asked(question))
            }
        }
    }

    /// Sends the wizard's answer to the question it answers; an answer to an older
    /// question is dropped.
    pub fn answer(&mut self, question: QuestionId, answer: WizardAnswer) {
        if self.pending.as_ref().is_some_and(|(id, _)| *id == question)
            && let Some((_, reply)) = self.pending.take()
        {
            let _ = reply.send(answer);
        }
    }
}

/// The unfinished journals of `backend` under `data_dir`, newest first (unreadable
/// ones, and those of other backends, are left to `wamigrate journal list`).
pub fn unfinished_journals(
    data_dir: &Path,
    backend: &Backend,
) -> Result<Vec<UnfinishedJournal>, JournalListError> {
    let journals = journal_store::list_of(data_dir, backend)?;
    Ok(journals
        .into_iter()
        .filter(|state| !state.is_finished())
        .map(|state| UnfinishedJournal {
            id: state.migration_id.clone(),
            scenario: state.scenario,
            next_step: state.next_step(),
            number: state.number.clone(),
            started_at: state.started_at.to_string(),
        })
        .collect())
}
