//! The migration runner: walks a scenario's plan step by step, journaling before and
//! after every remote call, and resumes a journal after a crash without repeating a
//! non-idempotent call blindly (an intent without an outcome is reconciled by reading
//! the state back from the API first).
//!
//! Where things are:
//! - this file: the run (start, resume, the loop over the plan) and what it needs
//!   from the journal and the API in every step;
//! - [`operator`]: the person at the keyboard, behind the [`Operator`] trait, spoken
//!   to in structured [`Line`]s and [`Question`]s;
//! - `journaling`: records written around calls and steps;
//! - `reconcile`: the one read-back per step with a non-idempotent call;
//! - `number`, `templates`, `partner`, `hosting`: the steps, by family.
//!
//! A new step goes into its family's file, its id into `domain::plan`, its dispatch
//! into [`Migration::run_step`], and, if it sends a non-idempotent call, its read-back
//! into `reconcile`.

mod hosting;
mod journaling;
mod number;
pub mod operator;
mod partner;
mod reconcile;
mod templates;

use std::path::PathBuf;
use std::time::Duration;

use crate::api::graph::CodeMethod;
use crate::api::{ApiError, GraphClient, HubClient};
use crate::domain::journal::{JournalState, Record, replay};
use crate::domain::number::PhoneNumber;
use crate::domain::plan::{StepId, plan};
use crate::domain::scenario::Scenario;
use crate::ops::journal_store::JournalFile;
use crate::ops::preflight::NumberRef;
use crate::ops::template_migration::now_rfc3339;

pub use journaling::CRASH_HOOK_ENV;
pub use operator::{CodeAnswer, Line, LineKind, Operator, Question, Weight};

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
}

/// Why the runner could not go on at all (the journal could not be written: nothing
/// is sent without a journal).
#[derive(Debug)]
pub struct JournalError(pub String);

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRequest {
    pub scenario: Scenario,
    pub number: String,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
}

/// Why a request cannot start; each says what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestProblem {
    /// The number is neither a phone number id nor an E.164 number.
    #[error("{0}.")]
    Number(String),
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
        NumberRef::parse(&request.number).map_err(RequestProblem::Number)?;
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
}

/// A step's result: `Err` ends the run (paused, blocked, failed).
type Step = Result<(), RunEnd>;

impl<'a, O: Operator> Migration<'a, O> {
    /// Creates the journal of a new migration (nothing is sent yet).
    pub fn start(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        request: &MigrationRequest,
    ) -> Result<Self, JournalError> {
        let now = time::OffsetDateTime::now_utc();
        let migration_id = format!(
            "m-{}-{:04}",
            now.format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]"
            ))
            .unwrap_or_default(),
            fastrand::u16(..10_000)
        );
        let mut journal = JournalFile::create(&settings.data_dir, &migration_id).map_err(|e| {
            JournalError(format!(
                "Could not create the journal under {}: {e}; nothing was sent.",
                settings.data_dir.display()
            ))
        })?;
        let started = Record::Started {
            migration_id,
            scenario: request.scenario,
            number: request.number.trim().to_string(),
            source_waba_id: request.source_waba_id.clone(),
            destination_waba_id: request.destination_waba_id.clone(),
            plan: plan(request.scenario).iter().map(|s| s.id).collect(),
            operator: std::env::var("USER").unwrap_or_else(|_| "unknown".to_string()),
            at: now_rfc3339(),
        };
        journal.append(&started).map_err(|e| {
            JournalError(format!(
                "Could not write the journal: {e}; nothing was sent."
            ))
        })?;
        Migration::over(graph, hub, operator, settings, journal, vec![started])
    }

    /// Opens the journal of an unfinished migration to go on with it.
    pub fn resume(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        migration_id: &str,
    ) -> Result<Self, JournalError> {
        let (journal, records) = JournalFile::open(&settings.data_dir, migration_id).map_err(|e| {
            JournalError(format!("Could not open the journal of migration {migration_id}: {e}; `wamigrate journal list` shows the known ones."))
        })?;
        let migration = Migration::over(graph, hub, operator, settings, journal, records)
            .map_err(|e| JournalError(format!("The journal of {migration_id} is damaged: {e}.")))?;
        if migration.state.is_finished() {
            return Err(JournalError(format!(
                "Migration {migration_id} has already ended; `wamigrate journal show {migration_id}` shows its report."
            )));
        }
        Ok(migration)
    }

    /// A migration over an open journal and its records, replayed.
    fn over(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        journal: JournalFile,
        records: Vec<Record>,
    ) -> Result<Self, JournalError> {
        let state = replay(&records).map_err(JournalError)?;
        Ok(Migration {
            graph,
            hub,
            operator,
            settings,
            journal,
            records,
            state,
        })
    }

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
        if let Some(step) = self.state.pending_intent {
            self.say(Line::info(format!(
                "Resuming {}: wamigrate stopped while sending the {} call; reading the state back before anything is sent again.",
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
            at: now_rfc3339(),
        })?;
        Ok(RunEnd::Completed)
    }

    async fn run_step(&mut self, step: StepId) -> Step {
        self.say(Line::new(LineKind::Step, step_name(step)));
        self.operator.step_started(step);
        if self.state.pending_intent == Some(step) && self.reconcile(step).await? {
            return Ok(());
        }
        match step {
            StepId::Preflight => self.preflight().await,
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
            StepId::FindChangeRequest => self.find_change_request().await,
            StepId::ApproveChangeRequest => self.approve_change_request().await,
            StepId::WatchChangeRequest => self.watch_change_request().await,
            StepId::RefreshFleet => self.refresh_fleet().await,
            StepId::ExplainDowntime => self.explain_downtime().await,
            StepId::RegisterWithBackup => self.register_with_backup().await,
            StepId::VerifyPlatform => self.verify_platform().await,
        }
    }

    fn say(&self, line: Line) {
        self.operator.say(line);
    }

    /// A manual step confirmed by the operator (a person, or `--yes` standing for one);
    /// without a confirmation the run pauses and can be resumed.
    async fn manual(&mut self, step: StepId, question: Question) -> Step {
        let text = question.text.clone();
        if self.operator.confirm(question).await {
            self.done(step, "confirmed by the operator", None)
        } else {
            Err(self.paused_until_resumed(
                step,
                &format!("needs the operator's confirmation: {text}"),
                "once it is given",
            ))
        }
    }

    /// Asks before a call; a no pauses the run at `step` with `why` (nothing sent).
    async fn confirm_or_pause(&self, step: StepId, question: Question, why: &str) -> Step {
        if self.operator.confirm(question).await {
            Ok(())
        } else {
            Err(paused(step, why.to_string()))
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
    ) -> Step {
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
    Scenario::ALL
        .iter()
        .flat_map(|s| plan(*s))
        .find(|s| s.id == step)
        .map_or("step", |s| s.title)
}

/// An optional API value as text, `-` when absent.
fn shown<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("-".to_string(), ToString::to_string)
}

#[cfg(test)]
mod tests;
