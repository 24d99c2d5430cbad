//! The migration runner: walks a scenario's plan step by step, journaling before and
//! after every remote call, and resumes a journal after a crash without repeating a
//! non-idempotent call on a guess.
//!
//! Every step's state comes from its records (`domain::journal::StepState`), and each
//! state has one resume action: an outcome on record is used, never earned again; a
//! call whose outcome is unknown is read back, and a read-back that shows no effect is
//! trusted only once the call can no longer be in flight (its timeout has passed
//! since its intent); every write is confirmed (which call, number, WABA and cost),
//! and the confirmation is journaled, `--yes` included.
//!
//! Where things are:
//! - this file: the run loop and what every step needs from the journal and the API;
//! - `open`: starting and resuming, with the locks and the backend check;
//! - [`operator`]: the person at the keyboard, behind the [`Operator`] trait, spoken
//!   to in structured [`Line`]s and [`Question`]s;
//! - `journaling`: records written around calls and steps, the write confirmation;
//! - `reconcile`: the one read-back per step with a non-idempotent call;
//! - `number`, `templates`, `partner`, `hosting`, `followups`: the steps, by family.
//!
//! A new step goes into its family's file, its id into `domain::plan`, its dispatch
//! into [`Migration::run_step`], and, if it sends a non-idempotent call, its read-back
//! into `reconcile`.

pub mod batch;
mod followups;
mod hosting;
mod journaling;
mod number;
mod open;
pub mod operator;
mod partner;
mod reconcile;
mod templates;

use std::path::PathBuf;
use std::time::Duration;

use crate::api::graph::CodeMethod;
use crate::api::{ApiError, GraphClient, HubClient};
use crate::domain::journal::{
    Backend, CallOutcome, CallState, JournalState, NoStartRecord, NotAMigrationId, Record, Stamp,
    StepState,
};
use crate::domain::number::PhoneNumber;
use crate::domain::plan::{PlanVariant, StepId, step_of};
use crate::domain::scenario::Scenario;
use crate::ops::journal_store::JournalFile;
use crate::ops::preflight::{BadNumberRef, NumberRef};
use crate::ops::run_lock::{HeldLock, LockRefused};

pub use journaling::{CRASH_HOOK_ENV, answer_lost};
pub use operator::{CodeAnswer, Line, LineKind, Operator, Question, Weight, WriteCall};

/// How a run ended.
#[derive(Debug)]
pub enum RunEnd {
    /// Every step is done.
    Completed,
    /// Preflight found hard blockers; fix them and resume.
    Blocked(Vec<String>),
    /// Waiting for someone (or the operator declined); resume later.
    Paused { step: StepId, reason: String },
    /// A call failed; its sentence says what to do; resume after fixing.
    Failed { step: StepId, error: ApiError },
    /// The run cannot go on (an object it needs is gone, the Hub failed the request):
    /// the journal records it as ended.
    CannotContinue { step: StepId, reason: String },
}

/// Why a run could not be opened or go on: the journal cannot be used, another
/// process holds the migration, or the journal belongs elsewhere. Nothing (more) was
/// sent.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The journal could not be created, read or written.
    #[error("{0}")]
    Journal(String),
    /// The journal's first record is not the plan (`started`).
    #[error("The journal is damaged: {0}; it is left as it is.")]
    NoStart(#[from] NoStartRecord),
    #[error("{0}")]
    Locked(#[from] LockRefused),
    #[error("{0}.")]
    BadId(#[from] NotAMigrationId),
    /// The migration had completed (a crash may have come after its last write).
    #[error(
        "Migration {id} had already completed; nothing is left to do (`wamigrate journal show {id}` shows its report)."
    )]
    AlreadyCompleted { id: String },
    /// The migration ended otherwise (failed or abandoned).
    #[error(
        "Migration {id} has already ended ({status}); `wamigrate journal show {id}` shows its report."
    )]
    AlreadyEnded { id: String, status: &'static str },
    /// The journal ran against another backend than the current one.
    #[error(
        "Migration {id} ran against {recorded}, not against the current backend ({current}): resume it with the profile (or sandbox) it started on, or end it with `wamigrate journal abandon {id}`."
    )]
    OtherBackend {
        id: String,
        recorded: String,
        current: String,
    },
}

/// Knobs of a run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub code_method: CodeMethod,
    pub language: String,
    /// WABAs searched for the number when no source is given.
    pub candidates: Vec<String>,
    pub data_dir: PathBuf,
    /// Between two reads while watching.
    pub watch_interval: Duration,
    /// How long a watch goes on before the run pauses (resume to watch again).
    pub watch_limit: Duration,
    /// The backend the clients talk to: journals are bound to it.
    pub backend: Backend,
    /// The clients' call timeout: after that long since its intent a call can no
    /// longer be in flight, and a read-back that shows no effect can be trusted.
    pub in_flight: Duration,
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRequest {
    pub scenario: Scenario,
    /// How the scenario is carried out where the docs describe more than one way.
    pub variant: PlanVariant,
    pub number: String,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
}

/// Why a request cannot start; each says what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestProblem {
    /// The number is neither a phone number id nor an E.164 number.
    #[error("{0}.")]
    Number(#[from] BadNumberRef),
    /// A Graph migration needs the destination WABA.
    #[error("the {} scenario needs the destination WABA: add --to DEST_WABA.", .0.id())]
    NoDestination(Scenario),
    /// Source and destination are one WABA.
    #[error("the source and the destination are the same WABA: choose another destination.")]
    SameWaba,
}

/// Checks a request before anything is journaled or sent. Shared by `wamigrate
/// migrate` (arguments and batch rows) and the TUI wizard, which words the problems
/// for its own keys.
pub fn validate_request(request: &MigrationRequest) -> Result<(), RequestProblem> {
    let scenario = request.scenario;
    if scenario.uses_graph_migration()
        || scenario == Scenario::HostingTypeChange
        || scenario == Scenario::ToOtherBsp
    {
        NumberRef::parse(&request.number)?;
    }
    let destination = request
        .destination_waba_id
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if scenario.uses_graph_migration() && destination.is_none() {
        return Err(RequestProblem::NoDestination(scenario));
    }
    if destination.is_some() && destination == request.source_waba_id.as_deref().map(str::trim) {
        return Err(RequestProblem::SameWaba);
    }
    Ok(())
}

/// A migration being run.
pub struct Migration<'a, O: Operator> {
    graph: &'a GraphClient,
    hub: Option<&'a HubClient>,
    operator: &'a O,
    settings: &'a RunSettings,
    journal: JournalFile,
    records: Vec<Record>,
    state: JournalState,
    /// The journal's lock and the number's, held while the run is open.
    locks: Vec<HeldLock>,
}

/// Why a step did not end with `Ok`: the run ends, or the step's state changed under
/// it (a call's answer was lost) and it runs again from that state.
#[derive(Debug)]
enum Stop {
    End(RunEnd),
    Again,
}

impl From<RunEnd> for Stop {
    fn from(end: RunEnd) -> Self {
        Stop::End(end)
    }
}

/// A step's result.
type Step = Result<(), Stop>;

/// Verification codes Meta may refuse before the run stops (more can block
/// verification of the number for hours).
const WRONG_CODES_LIMIT: u32 = 3;

/// Answers lost in a row before a step pauses rather than read back once more.
const LOST_ANSWERS_LIMIT: u32 = 3;

impl<'a, O: Operator> Migration<'a, O> {
    /// The migration id.
    pub fn id(&self) -> &str {
        &self.state.migration_id
    }

    /// The replayed journal.
    pub fn state(&self) -> &JournalState {
        &self.state
    }

    /// Where the journal is.
    pub fn journal_path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }

    /// Journals that the operator stopped the run while it waited for an answer (no call
    /// is in flight then), so the migration stays resumable at its next step.
    pub fn stop_by_operator(&mut self, reason: &str) -> Result<RunEnd, JournalError> {
        let step = self.state.next_step().unwrap_or(StepId::Preflight);
        self.write_end(paused(step, reason.to_string()))
    }

    /// Runs the remaining steps until the plan is done or a step cannot go on.
    pub async fn run(&mut self) -> Result<RunEnd, JournalError> {
        if let Some(step) = self.state.pending_intent() {
            self.say(Line::info(format!(
                "Resuming {}: wamigrate stopped while the {} call was out; reading the state back before anything is sent again.",
                self.id(),
                step_name(step)
            )));
        }
        while let Some(step) = self.state.next_step() {
            if let Err(end) = self.run_step(step).await {
                return self.write_end(end);
            }
        }
        self.append(Record::Finished {
            completed: true,
            detail: "every step of the plan is done".to_string(),
            abandoned: false,
            at: Stamp::now(),
        })?;
        Ok(RunEnd::Completed)
    }

    /// One step, from where its records left it.
    async fn run_step(&mut self, step: StepId) -> Result<(), RunEnd> {
        self.say(Line::new(LineKind::Step, step_name(step)));
        self.operator.step_started(step);
        for _ in 0..LOST_ANSWERS_LIMIT {
            let settled = match self.state.step_state(step) {
                StepState::Done => return Ok(()),
                StepState::Sent | StepState::OutcomeUnknown => self.reconcile(step).await,
                StepState::OutcomeKnown => self.use_recorded_outcome(step),
                StepState::Open | StepState::Intended => Ok(false),
            };
            let result = match settled {
                Ok(true) => return Ok(()),
                Ok(false) => self.dispatch(step).await,
                Err(stop) => Err(stop),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(Stop::End(end)) => return Err(end),
                Err(Stop::Again) => {}
            }
        }
        Err(self.paused_until_resumed(
            step,
            "no answer came to several calls in a row (each was read back, nothing was sent twice)",
            "once the network is steady",
        ))
    }

    async fn dispatch(&mut self, step: StepId) -> Step {
        match step {
            StepId::Preflight => self.preflight().await,
            StepId::MessagingForAccepted => self.messaging_for_accepted().await,
            StepId::TwoStepOff => self.two_step_off().await,
            StepId::AddNumber => self.add_number().await,
            StepId::RequestCode => self.request_code().await,
            StepId::VerifyCode => self.verify_code().await,
            StepId::Register => self.register().await,
            StepId::Templates => self.templates().await,
            StepId::PostChecks => self.post_checks().await,
            StepId::SwitchApps => self.switch_apps().await,
            StepId::InvoicesCleared => self.invoices_cleared().await,
            StepId::Handover => self.handover().await,
            StepId::WatchMigratedAway => self.watch_migrated_away().await,
            StepId::CancelSubscription => self.cancel_subscription().await,
            StepId::RefundUnusedFunds => self.refund_unused_funds().await,
            StepId::FindChangeRequest => self.find_change_request().await,
            StepId::ApproveChangeRequest => self.approve_change_request().await,
            StepId::WatchChangeRequest => self.watch_change_request().await,
            StepId::RefreshFleet => self.refresh_fleet().await,
            StepId::PartnerPermission => self.partner_permission().await,
            StepId::NewApiKey => self.new_api_key().await,
            StepId::ResetWebhook => self.reset_webhook().await,
            StepId::ExplainDowntime => self.explain_downtime().await,
            StepId::HubHostingChange => self.hub_hosting_change().await,
            StepId::RegisterWithBackup => self.register_with_backup().await,
            StepId::VerifyPlatform => self.verify_platform().await,
        }
    }

    /// A step whose call has a recorded outcome: an effect (answered or read back)
    /// ends the step without a call; a refusal or a read-back without effect lets the
    /// step run again (it asks before sending). True when the step is done.
    fn use_recorded_outcome(&mut self, step: StepId) -> Result<bool, Stop> {
        let Some(CallState::Known { outcome, .. }) = self.state.call.clone() else {
            return Ok(false);
        };
        match outcome {
            CallOutcome::Ok { detail, .. } | CallOutcome::Reconciled { detail, .. } => {
                self.done(
                    step,
                    format!("{detail} (on record before the interruption)"),
                    None,
                )?;
                Ok(true)
            }
            CallOutcome::Failed { .. }
            | CallOutcome::NoEffect { .. }
            | CallOutcome::Unknown { .. } => Ok(false),
        }
    }

    fn say(&self, line: Line) {
        self.operator.say(line);
    }

    /// A manual step confirmed by the operator (a person, or `--yes` standing for one);
    /// without a confirmation the step stays open and the run pauses (resumable).
    async fn manual(&mut self, step: StepId, question: Question) -> Step {
        let text = question.text.clone();
        if self.operator.confirm(question).await {
            let by = if self.operator.confirms_by_flag() {
                "--yes"
            } else {
                "the operator"
            };
            self.done(step, format!("confirmed by {by}: {text}"), None)
        } else {
            Err(self
                .paused_until_resumed(
                    step,
                    &format!("needs the operator's confirmation: {text}"),
                    "once it is given",
                )
                .into())
        }
    }

    /// Asks a question that sends nothing; a no pauses the run at `step` with `why`.
    async fn confirm_or_pause(&self, step: StepId, question: Question, why: &str) -> Step {
        if self.operator.confirm(question).await {
            Ok(())
        } else {
            Err(paused(step, why.to_string()).into())
        }
    }

    /// The number as the preflight saw it.
    fn snapshot(&self) -> Result<PhoneNumber, RunEnd> {
        self.state
            .snapshot
            .as_ref()
            .map(|(n, _)| n.clone())
            .ok_or_else(|| {
                paused(
                    StepId::Preflight,
                    "no preflight snapshot in the journal".to_string(),
                )
            })
    }

    /// The number as people know it: its display number, else what was typed.
    fn number_label(&self) -> String {
        self.state
            .snapshot
            .as_ref()
            .map(|(n, _)| n.label().to_string())
            .unwrap_or_else(|| self.state.number.clone())
    }

    fn destination(&self, step: StepId) -> Result<String, RunEnd> {
        self.state.destination_waba_id.clone().ok_or_else(|| {
            paused(
                step,
                "this scenario needs a destination WABA (--to)".to_string(),
            )
        })
    }

    fn new_number_id(&self, step: StepId) -> Result<String, RunEnd> {
        self.state.phone_number_id.clone().ok_or_else(|| paused(step, "the destination phone number id is not in the journal (the add step did not finish)".to_string()))
    }

    async fn read_number(&self, step: StepId, id: &str) -> Result<PhoneNumber, RunEnd> {
        self.graph
            .phone_number(id)
            .await
            .map_err(|error| RunEnd::Failed { step, error })
    }

    fn hub(&self, step: StepId) -> Result<&'a HubClient, RunEnd> {
        self.hub.ok_or_else(|| paused(step, "this scenario needs the 360dialog Partner API: set WAMIGRATE_HUB_API_KEY and --partner-id".to_string()))
    }

    /// Sleeps until the next read of a watch, or pauses the run (resumable) once the
    /// watch has gone on for `watch_limit`.
    async fn next_watch_round(
        &self,
        step: StepId,
        started: std::time::Instant,
        waiting_for: &str,
    ) -> Result<(), RunEnd> {
        if started.elapsed() >= self.settings.watch_limit {
            return Err(self.paused_until_resumed(step, waiting_for, "to watch again"));
        }
        tokio::time::sleep(self.settings.watch_interval).await;
        Ok(())
    }

    /// A pause that tells the operator how to go on: `why; resume with … when`.
    fn paused_until_resumed(&self, step: StepId, why: &str, when: &str) -> RunEnd {
        paused(
            step,
            format!(
                "{why}; resume with `wamigrate migrate --resume {}` {when}",
                self.id()
            ),
        )
    }
}

fn paused(step: StepId, reason: String) -> RunEnd {
    RunEnd::Paused { step, reason }
}

/// The snake_case id of a step, as journaled.
pub fn step_key(step: StepId) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The step's title from the plan tables.
pub fn step_name(step: StepId) -> &'static str {
    step_of(step).map_or("step", |s| s.title)
}

/// An optional API value as text, `-` when absent.
fn shown<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("-".to_string(), ToString::to_string)
}

#[cfg(test)]
mod tests;
