//! The migration runner: walks a scenario's plan step by step, journaling before and
//! after every remote call, and resumes a journal after a crash without repeating a
//! non-idempotent call blindly (an intent without an outcome is reconciled by reading
//! the state back from the API first).
//!
//! The person at the keyboard is behind the [`Operator`] trait: the CLI answers from
//! the terminal or stdin, the TUI wizard from its pages.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::api::graph::CodeMethod;
use crate::api::{ApiError, GraphClient, HubClient};
use crate::domain::checklist::{CheckStatus, REGISTER_BUDGET, is_blocked};
use crate::domain::journal::{CallOutcome, JournalState, Record, replay};
use crate::domain::number::{CodeVerificationStatus, NumberStatus, PhoneNumber, PlatformType};
use crate::domain::partner::PartnerChangeStatus;
use crate::domain::phone::E164;
use crate::domain::plan::{StepId, plan};
use crate::domain::scenario::Scenario;
use crate::ops::journal_store::{JournalFile, register_attempts_within_window};
use crate::ops::preflight::{NumberRef, gather};
use crate::ops::template_migration::{self, TemplateRun, now_rfc3339};

/// Test hook: `intent:<step>` ends the process right after that step's intent is on
/// disk, `call:<step>` right after its call returned; used by the crash-safety tests.
pub const CRASH_HOOK_ENV: &str = "WAMIGRATE_TEST_CRASH_AFTER";

/// The operator's answer to the code prompt.
pub enum CodeAnswer {
    Code(SecretString),
    /// Send a new code first.
    Resend,
    /// Stop here; the migration can be resumed.
    Stop,
}

/// The person driving the migration. `Sync`, so a run's future is `Send` and can go
/// on a multi-threaded task (the TUI runs it off its event loop).
pub trait Operator: Sync {
    /// Whether a person answers (a terminal or the TUI); when false, questions take
    /// their safe default and waits for other people end the run (resumable).
    fn interactive(&self) -> bool;
    /// Shows a line of progress or explanation.
    fn say(&self, text: &str);
    /// Asks a yes/no question; true to go on.
    fn confirm(&self, question: &str) -> impl Future<Output = bool> + Send;
    /// Asks for the 6-digit verification code.
    fn code(&self, prompt: &str) -> impl Future<Output = CodeAnswer> + Send;
    /// Asks for the new 6-digit PIN (twice where the medium allows); `None` stops.
    fn pin(&self) -> impl Future<Output = Option<SecretString>> + Send;
    /// Asks for the On-Premise backup data and its password; `None` stops.
    fn backup(&self) -> impl Future<Output = Option<(String, SecretString)>> + Send;
    /// A step begins (the TUI marks it current); lines alone cannot say which step.
    fn step_started(&self, _step: StepId) {}
    /// A step is done and journaled (the TUI ticks it off).
    fn step_done(&self, _step: StepId) {}
}

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
        let records = vec![started];
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
        let state = replay(&records)
            .map_err(|e| JournalError(format!("The journal of {migration_id} is damaged: {e}.")))?;
        if state.is_finished() {
            return Err(JournalError(format!(
                "Migration {migration_id} has already ended; `wamigrate journal show {migration_id}` shows its report."
            )));
        }
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
            self.operator.say(&format!(
                "Resuming {}: wamigrate stopped while sending the {} call; reading the state back before anything is sent again.",
                self.id(),
                step_name(step)
            ));
        }
        while let Some(step) = self.state.next_step() {
            match self.run_step(step).await {
                Ok(()) => {}
                Err(RunEnd::Completed) => unreachable!("steps end with Ok"),
                Err(end) => return self.write_end(end),
            }
        }
        self.append(Record::Finished {
            completed: true,
            detail: "every step of the plan is done".to_string(),
            at: now_rfc3339(),
        })?;
        Ok(RunEnd::Completed)
    }

    fn write_end(&mut self, end: RunEnd) -> Result<RunEnd, JournalError> {
        let text = match &end {
            RunEnd::Blocked(blockers) => format!("preflight blocked: {}", blockers.join("; ")),
            RunEnd::Paused { step, reason } => format!("paused at {}: {reason}", step_name(*step)),
            RunEnd::Failed { step, error } => format!("{} failed: {error}", step_name(*step)),
            RunEnd::Completed => String::new(),
        };
        self.append(Record::Note {
            step: None,
            text,
            at: now_rfc3339(),
        })?;
        Ok(end)
    }

    fn append(&mut self, record: Record) -> Result<(), JournalError> {
        self.journal.append(&record).map_err(|e| {
            JournalError(format!(
                "Could not write the journal ({e}): stopping before any further call."
            ))
        })?;
        // A journal holds a few dozen records: replaying them all keeps one code path.
        self.records.push(record);
        self.state = replay(&self.records).map_err(JournalError)?;
        Ok(())
    }

    fn done(&mut self, step: StepId, detail: impl Into<String>, reference: Option<String>) -> Step {
        let detail = detail.into();
        self.operator
            .say(&format!("✔ {}: {detail}", step_name(step)));
        self.append(Record::StepDone {
            step,
            detail,
            reference,
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        self.operator.step_done(step);
        Ok(())
    }

    fn note(&mut self, step: StepId, text: impl Into<String>) -> Step {
        let text = text.into();
        self.operator.say(&text);
        self.append(Record::Note {
            step: Some(step),
            text,
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))
    }

    /// Journals the intent, sends the call, journals its outcome.
    async fn call<T>(
        &mut self,
        step: StepId,
        label: &str,
        request: impl Future<Output = Result<T, ApiError>>,
        describe: impl FnOnce(&T) -> (String, Option<String>),
    ) -> Result<T, RunEnd> {
        self.append(Record::Intent {
            step,
            call: label.to_string(),
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        crash_hook("intent", step);
        let result = request.await;
        crash_hook("call", step);
        let outcome = match &result {
            Ok(value) => {
                let (detail, phone_number_id) = describe(value);
                CallOutcome::Ok {
                    detail,
                    phone_number_id,
                }
            }
            Err(e) => CallOutcome::Failed {
                class: e.class.label().to_string(),
                sentence: e.sentence.clone(),
                reference: e.reference(),
            },
        };
        self.append(Record::Outcome {
            step,
            outcome,
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        result.map_err(|error| RunEnd::Failed { step, error })
    }

    fn reconciled(
        &mut self,
        step: StepId,
        detail: String,
        phone_number_id: Option<String>,
    ) -> Step {
        self.operator.say(&format!("Read back: {detail}."));
        self.append(Record::Outcome {
            step,
            outcome: CallOutcome::Reconciled {
                detail,
                phone_number_id,
            },
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))
    }

    async fn run_step(&mut self, step: StepId) -> Step {
        self.operator.say(&format!("— {}", step_name(step)));
        self.operator.step_started(step);
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
            StepId::InvoicesCleared => {
                self.manual(step, "Are all invoices with the old provider settled (the Hub shows no open balance)?").await
            }
            StepId::Handover => self.handover().await,
            StepId::WatchMigratedAway => self.watch_migrated_away().await,
            StepId::CancelSubscription => {
                self.operator.say("Cancel the subscription only now that the number has left: Hub → the channel → Cancel subscription. There is no API call for it; wamigrate records your confirmation.");
                self.manual(step, "Has the subscription been cancelled (type yes only once it is done)?").await
            }
            StepId::FindChangeRequest => self.find_change_request().await,
            StepId::ApproveChangeRequest => self.approve_change_request().await,
            StepId::WatchChangeRequest => self.watch_change_request().await,
            StepId::RefreshFleet => self.refresh_fleet().await,
            StepId::ExplainDowntime => {
                self.operator.say("Messages are not delivered while the number switches from the On-Premise client to the Cloud API (usually minutes). Stop the On-Premise client's sending and pick a quiet window.");
                self.manual(step, "Is the downtime window agreed and the On-Premise client stopped?").await
            }
            StepId::RegisterWithBackup => self.register_with_backup().await,
            StepId::VerifyPlatform => self.verify_platform().await,
        }
    }

    /// A manual step confirmed by the operator (a person, or `--yes` standing for one);
    /// without a confirmation the run pauses and can be resumed.
    async fn manual(&mut self, step: StepId, question: &str) -> Step {
        if self.operator.confirm(question).await {
            self.done(step, "confirmed by the operator", None)
        } else {
            Err(self.paused_until_resumed(
                step,
                &format!("needs the operator's confirmation: {question}"),
                "once it is given",
            ))
        }
    }

    async fn preflight(&mut self) -> Step {
        let step = StepId::Preflight;
        let scenario = self.state.scenario.unwrap_or(Scenario::ToNewWaba);
        let number = NumberRef::parse(&self.state.number).map_err(|e| paused(step, e))?;
        let data = gather(
            self.graph,
            &number,
            self.state.source_waba_id.as_deref(),
            self.state.destination_waba_id.as_deref(),
            &self.settings.candidates,
            &self.settings.data_dir,
        )
        .await
        .map_err(|error| RunEnd::Failed { step, error })?;
        for (what, e) in &data.errors {
            self.operator
                .say(&format!("Could not read the {what}: {e}"));
        }
        let checks = data.checks(scenario);
        for c in &checks {
            let mark = match c.status {
                CheckStatus::Pass => "✔",
                CheckStatus::Fail => "✘",
                CheckStatus::Warn => "!",
                CheckStatus::Unknown => "?",
            };
            self.operator
                .say(&format!("  {mark} {:<30} {}", c.rule.id(), c.evidence));
        }
        let Some(found) = data.number.clone() else {
            return Err(RunEnd::Blocked(vec![format!(
                "{} was not found in any WABA in reach: give --from, or check that the token can see its WABA",
                self.state.number
            )]));
        };
        self.append(Record::Snapshot {
            number: Box::new(found),
            source_waba_id: data.source_waba_id.clone(),
            checks: checks.clone(),
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        if is_blocked(&checks) {
            return Err(RunEnd::Blocked(
                checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Fail)
                    .map(|c| format!("{} ({}): {}", c.rule.id(), c.evidence, c.fix))
                    .collect(),
            ));
        }
        let warnings: Vec<&str> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Warn)
            .map(|c| c.rule.id())
            .collect();
        if !warnings.is_empty()
            && !self
                .operator
                .confirm(&format!(
                    "Accept {} warning(s) ({})? Type yes to go on:",
                    warnings.len(),
                    warnings.join(", ")
                ))
                .await
        {
            return Err(paused(
                step,
                "the operator did not accept the warnings".to_string(),
            ));
        }
        let detail = format!(
            "{} checks, {} warning(s) accepted",
            checks.len(),
            warnings.len()
        );
        self.done(step, detail, None)
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

    async fn two_step_off(&mut self) -> Step {
        let step = StepId::TwoStepOff;
        let source_number = self.snapshot()?;
        loop {
            let now = self.read_number(step, &source_number.id).await?;
            match now.is_pin_enabled {
                Some(false) => return self.done(step, "is_pin_enabled = false", None),
                state => {
                    let seen = state.map_or("not reported".to_string(), |on| format!("= {on}"));
                    self.operator.say(&format!(
                        "Two-step verification is still on (is_pin_enabled {seen}). Send this to the owner of the source WABA:\n  \"Please turn off two-step verification for {} in WhatsApp Manager: Phone numbers → {} → Settings → Two-step verification → Turn off. There is no API for this, and we cannot migrate the number until it is off.\"",
                        source_number.label(),
                        source_number.label()
                    ));
                    if !self.operator.interactive()
                        || !self
                            .operator
                            .confirm("Re-check two-step verification now?")
                            .await
                    {
                        return Err(self.paused_until_resumed(
                            step,
                            "two-step verification is still on",
                            "once the owner turned it off",
                        ));
                    }
                }
            }
        }
    }

    async fn add_number(&mut self) -> Step {
        let step = StepId::AddNumber;
        let dest = self.destination(step)?;
        let snapshot = self.snapshot()?;
        let e164 = snapshot
            .display_phone_number
            .as_deref()
            .map(|d| E164::parse(&format!("+{}", d.trim_start_matches('+'))))
            .transpose()
            .map_err(|e| {
                paused(
                    step,
                    format!("the display number of the snapshot is not E.164: {e}"),
                )
            })?
            .ok_or_else(|| paused(step, "the snapshot has no display number".to_string()))?;
        if self.state.pending_intent == Some(step) {
            if let Some(id) = self.find_in_destination(step, &dest, &e164).await? {
                self.reconciled(
                    step,
                    format!("the number is in the destination as {id}"),
                    Some(id.clone()),
                )?;
                return self.done(step, format!("phone number id {id} (read back)"), None);
            }
            let why = "the add call of the last run may not have reached Meta, and the number is not in the destination, so it did not take effect";
            if !self
                .operator
                .confirm(&format!("{why}. Send it again?"))
                .await
            {
                return Err(paused(step, why.to_string()));
            }
        }
        let graph = self.graph;
        let label = format!("POST /{dest}/phone_numbers migrate_phone_number=true");
        match self
            .call(
                step,
                &label,
                graph.add_number_for_migration(&dest, &e164),
                |id| (format!("added as {id}"), Some(id.clone())),
            )
            .await
        {
            Ok(id) => self.done(step, format!("phone number id {id}"), None),
            Err(RunEnd::Failed { error, .. })
                if error.subcode == Some(2388012) || error.code == Some(2388012) =>
            {
                // Already in the destination: continue with verification on that id.
                let id = self
                    .find_in_destination(step, &dest, &e164)
                    .await?
                    .ok_or(RunEnd::Failed { step, error })?;
                self.reconciled(
                    step,
                    format!("already in the destination as {id}"),
                    Some(id.clone()),
                )?;
                self.done(step, format!("phone number id {id} (already there)"), None)
            }
            Err(end) => Err(end),
        }
    }

    async fn find_in_destination(
        &self,
        step: StepId,
        dest: &str,
        e164: &E164,
    ) -> Result<Option<String>, RunEnd> {
        let numbers = self
            .graph
            .phone_numbers(dest)
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        Ok(numbers
            .into_iter()
            .find(|n| n.e164_digits().as_deref() == Some(e164.digits().as_str()))
            .map(|n| n.id))
    }

    async fn request_code(&mut self) -> Step {
        let step = StepId::RequestCode;
        if self.state.pending_intent == Some(step) {
            self.reconciled(step, "a code may already be on its way; not requesting another (ask for a new one at the next step if none arrives)".to_string(), None)?;
            return self.done(step, "not re-sent after the interruption", None);
        }
        self.send_code_request(step).await?;
        self.done(
            step,
            format!("code requested by {}", self.settings.code_method.as_str()),
            None,
        )
    }

    async fn send_code_request(&mut self, step: StepId) -> Step {
        let id = self.new_number_id(step)?;
        let graph = self.graph;
        let (method, language) = (self.settings.code_method, self.settings.language.clone());
        let label = format!("POST /{id}/request_code {}", method.as_str());
        self.call(
            StepId::RequestCode,
            &label,
            graph.request_code(&id, method, &language),
            |_| ("code requested".to_string(), None),
        )
        .await?;
        self.operator.say(&format!("Meta is sending a 6-digit code by {} to the number; it may take a few minutes. A new request has a cooldown of about a minute.", method.as_str()));
        Ok(())
    }

    async fn verify_code(&mut self) -> Step {
        let step = StepId::VerifyCode;
        let id = self.new_number_id(step)?;
        if self.state.pending_intent == Some(step) {
            let now = self.read_number(step, &id).await?;
            if now.code_verification_status == Some(CodeVerificationStatus::Verified) {
                self.reconciled(
                    step,
                    "code_verification_status = VERIFIED".to_string(),
                    None,
                )?;
                return self.done(step, "verified (read back)", None);
            }
            self.note(step, format!("The last verify call did not take effect (code_verification_status = {}); asking for the code again.", now.code_verification_status.map_or("not reported".to_string(), |s| s.to_string())))?;
        }
        let display = self.snapshot()?.label().to_string();
        let mut wrong = 0;
        loop {
            let prompt = format!(
                "Enter the 6-digit code sent to {display} (phone number id {id}), or 'resend' for a new code:"
            );
            let code = match self.operator.code(&prompt).await {
                CodeAnswer::Code(code) => code,
                CodeAnswer::Resend => {
                    self.send_code_request(step).await?;
                    continue;
                }
                CodeAnswer::Stop => {
                    return Err(paused(
                        step,
                        "waiting for the verification code".to_string(),
                    ));
                }
            };
            let digits = code.expose_secret().trim();
            if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
                self.operator
                    .say("A verification code is exactly 6 digits; nothing was sent.");
                if !self.operator.interactive() {
                    return Err(paused(step, "the code given was not 6 digits".to_string()));
                }
                continue;
            }
            let code = SecretString::from(digits.to_string());
            let graph = self.graph;
            match self
                .call(
                    step,
                    &format!("POST /{id}/verify_code"),
                    graph.verify_code(&id, &code),
                    |_| ("verified".to_string(), None),
                )
                .await
            {
                Ok(()) => return self.done(step, "code_verification_status = VERIFIED", None),
                Err(RunEnd::Failed { error, .. })
                    if error.class == crate::api::ErrorClass::Registration =>
                {
                    wrong += 1;
                    self.operator.say(&format!("{} (wrong code {wrong} of 3 this run; repeated wrong codes can block verification for hours.)", error.sentence));
                    if wrong >= 3 || !self.operator.interactive() {
                        return Err(RunEnd::Failed { step, error });
                    }
                }
                Err(end) => return Err(end),
            }
        }
    }

    async fn register(&mut self) -> Step {
        let step = StepId::Register;
        let id = self.new_number_id(step)?;
        if self.state.pending_intent == Some(step) {
            let now = self.read_number(step, &id).await?;
            if now.status == Some(NumberStatus::Connected) {
                self.reconciled(
                    step,
                    "status = CONNECTED in the destination".to_string(),
                    None,
                )?;
                return self.done(step, "registered (read back)", None);
            }
            let why = format!(
                "the register call of the last run did not take effect (status = {})",
                now.status
                    .map_or("not reported".to_string(), |s| s.to_string())
            );
            if !self
                .operator
                .confirm(&format!(
                    "{why}. Register again? It uses one more of the 10 attempts per 72 hours."
                ))
                .await
            {
                return Err(paused(step, why));
            }
        }
        let left = self.register_attempts_left()?;
        self.operator.say(&format!("Register attempts left for this number: {left} of {REGISTER_BUDGET} in the 72-hour window."));
        if left == 0 {
            return Err(paused(step, "no register attempt is left in the 72-hour window (133016); wait for the window to move".to_string()));
        }
        let Some(pin) = self.operator.pin().await else {
            return Err(paused(step, "waiting for the new two-step PIN".to_string()));
        };
        if !self.operator.confirm(&format!("Register the number in the destination now with the new PIN? This uses 1 of {left} attempts.")).await {
            return Err(paused(step, "the operator did not confirm the register call".to_string()));
        }
        let graph = self.graph;
        self.call(
            step,
            &format!("POST /{id}/register"),
            graph.register(&id, &pin),
            |_| ("registered".to_string(), None),
        )
        .await?;
        self.done(step, "registered; this is the billing cut-over", None)
    }

    fn register_attempts_left(&self) -> Result<u32, RunEnd> {
        let digits = self.snapshot()?.e164_digits().unwrap_or_default();
        let used = register_attempts_within_window(
            &self.settings.data_dir,
            &digits,
            time::OffsetDateTime::now_utc(),
        );
        // The intent of the call about to be made is not written yet; `used` counts every
        // earlier one, including this journal's.
        Ok(REGISTER_BUDGET.saturating_sub(used))
    }

    async fn templates(&mut self) -> Step {
        let step = StepId::Templates;
        let dest = self.destination(step)?;
        let Some(source_id) = self.state.source_waba_id.clone() else {
            return self.done(step, "no source WABA known; skipped", None);
        };
        let (source, destination) = tokio::join!(
            self.graph.templates(&source_id),
            self.graph.templates(&dest)
        );
        let source = source.map_err(|error| RunEnd::Failed { step, error })?;
        let destination = destination.map_err(|error| RunEnd::Failed { step, error })?;
        let forecast = crate::domain::eligibility::predict(
            &source,
            &destination,
            crate::domain::eligibility::Mode::Api,
        );
        let summary = forecast.summary();
        self.operator.say(&format!(
            "Templates: {} of the source's {} are already in the destination (Meta duplicates APPROVED + GREEN during the move); {} more are eligible for the template migration API ({}).",
            summary.already_in_destination,
            summary.total,
            summary.migrate,
            forecast.capacity_line()
        ));
        if summary.migrate == 0 {
            return self.done(
                step,
                format!(
                    "{} already in the destination, none missing",
                    summary.already_in_destination
                ),
                None,
            );
        }
        if self.state.pending_intent == Some(step) {
            self.reconciled(
                step,
                format!(
                    "{} eligible templates are still missing after the interrupted run",
                    summary.migrate
                ),
                None,
            )?;
        }
        if !self
            .operator
            .confirm(&format!(
                "Copy the {} missing eligible templates with migrate_message_templates?",
                summary.migrate
            ))
            .await
        {
            return self.done(
                step,
                format!(
                    "{} eligible templates not copied (operator's choice)",
                    summary.migrate
                ),
                None,
            );
        }
        self.append(Record::Intent {
            step,
            call: format!("POST /{dest}/migrate_message_templates (pages of 500)"),
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        crash_hook("intent", step);
        let mut run = TemplateRun::new(&source_id, &dest);
        run.expected = forecast.ids_with(&source, crate::domain::eligibility::Outcome::Migrate);
        let operator = self.operator;
        let progress = |p: template_migration::Progress| {
            operator.say(&format!(
                "  {}/{} calls, {} migrated, {} failed",
                p.calls_done, p.calls_total, p.migrated, p.failed
            ))
        };
        template_migration::run_pages(self.graph, &mut run, source.templates.len(), &progress)
            .await;
        if let Err(e) = template_migration::recheck(self.graph, &mut run, &source).await {
            self.operator.say(&format!(
                "Could not re-read the destination for rejected copies: {e}"
            ));
        }
        let saved = run
            .save(&self.settings.data_dir)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("not saved: {e}"));
        let tally = run.tally();
        for (id, reason) in &tally.failed {
            self.operator
                .say(&format!("  template {id} failed: {reason}"));
        }
        let detail = format!(
            "{}; {} rejected on re-check; run recorded in {saved}",
            tally.line(),
            run.rejected_on_recheck.len()
        );
        self.append(Record::Outcome {
            step,
            outcome: CallOutcome::Ok {
                detail: detail.clone(),
                phone_number_id: None,
            },
            at: now_rfc3339(),
        })
        .map_err(journal_end(step))?;
        self.done(step, detail, None)
    }

    async fn post_checks(&mut self) -> Step {
        let step = StepId::PostChecks;
        let id = self.new_number_id(step)?;
        let before = self.snapshot()?;
        let after = self.read_number(step, &id).await?;
        let mut findings = Vec::new();
        if after.status != Some(NumberStatus::Connected) {
            findings.push(format!(
                "status is {} (expected CONNECTED)",
                after
                    .status
                    .as_ref()
                    .map_or("not reported".to_string(), ToString::to_string)
            ));
        }
        let compare =
            |what: &str, old: Option<String>, new: Option<String>, findings: &mut Vec<String>| {
                if old != new {
                    findings.push(format!(
                        "{what} changed: {} → {}",
                        old.unwrap_or_else(|| "-".into()),
                        new.unwrap_or_else(|| "-".into())
                    ));
                }
            };
        compare(
            "display name",
            before.verified_name.clone(),
            after.verified_name.clone(),
            &mut findings,
        );
        compare(
            "quality rating",
            before.quality_rating.as_ref().map(ToString::to_string),
            after.quality_rating.as_ref().map(ToString::to_string),
            &mut findings,
        );
        compare(
            "messaging limit",
            before.messaging_limit().map(str::to_string),
            after.messaging_limit().map(str::to_string),
            &mut findings,
        );
        if let Some(dest) = self.state.destination_waba_id.clone()
            && after.platform_type != Some(PlatformType::OnPremise)
        {
            match self.graph.subscribed_apps(&dest).await {
                Ok(apps) if apps.is_empty() => {
                    findings.push("no app is subscribed to the destination's webhooks".to_string())
                }
                Ok(_) => {}
                Err(e) => findings.push(format!("could not read subscribed apps: {e}")),
            }
        }
        if findings.is_empty() {
            self.done(step, "CONNECTED; display name, quality rating and messaging limit unchanged; webhooks subscribed", None)
        } else {
            for f in &findings {
                self.note(step, format!("Post-check: {f}"))?;
            }
            self.done(
                step,
                format!("{} finding(s): {}", findings.len(), findings.join("; ")),
                None,
            )
        }
    }

    async fn switch_apps(&mut self) -> Step {
        let step = StepId::SwitchApps;
        let old = self.snapshot()?.id;
        let new = self.new_number_id(step)?;
        self.operator.say(&format!(
            "Apps must now use phone number id {new} (was {old}) and WABA {} (was {}): webhook handlers, CRMs and senders using the old ids will fail.",
            self.state.destination_waba_id.as_deref().unwrap_or("-"),
            self.state.source_waba_id.as_deref().unwrap_or("-")
        ));
        if self.operator.interactive() {
            self.operator
                .confirm("Noted (the apps are switched or the owners are told)?")
                .await;
        }
        self.done(
            step,
            format!("reminded: phone number id {old} → {new}"),
            None,
        )
    }

    async fn handover(&mut self) -> Step {
        let n = self.snapshot()?;
        let source = self.state.source_waba_id.clone().unwrap_or_default();
        let business = self
            .graph
            .waba(&source)
            .await
            .ok()
            .and_then(|w| w.owner_business_id().map(str::to_string))
            .unwrap_or_else(|| "-".to_string());
        self.operator.say(&format!("Give the new BSP: number {}, WABA id {source}, business id {business}. They add it with migrate_phone_number=true on their side.", n.label()));
        self.manual(StepId::Handover, "Has the new BSP received these details?")
            .await
    }

    async fn watch_migrated_away(&mut self) -> Step {
        let step = StepId::WatchMigratedAway;
        let n = self.snapshot()?;
        let source = self.state.source_waba_id.clone().unwrap_or_default();
        let started = std::time::Instant::now();
        loop {
            let numbers = self
                .graph
                .phone_numbers(&source)
                .await
                .map_err(|error| RunEnd::Failed { step, error })?;
            match numbers.iter().find(|x| x.id == n.id) {
                None => return self.done(step, "the number left the source WABA", None),
                Some(x) if x.status == Some(NumberStatus::Migrated) => {
                    return self.done(step, "status = MIGRATED", None);
                }
                Some(x) => self.operator.say(&format!(
                    "Still in the source (status {}); checking again in {} s.",
                    shown(&x.status),
                    self.settings.watch_interval.as_secs()
                )),
            }
            self.next_watch_round(step, started, "the number has not left yet")
                .await?;
        }
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

    fn hub(&self, step: StepId) -> Result<&'a HubClient, RunEnd> {
        self.hub.ok_or_else(|| paused(step, "this scenario needs the 360dialog Partner API: set WAMIGRATE_HUB_API_KEY and --partner-id".to_string()))
    }

    async fn find_change_request(&mut self) -> Step {
        let step = StepId::FindChangeRequest;
        let hub = self.hub(step)?;
        let (requests, channels) = tokio::join!(hub.partner_change_requests(), hub.channels(None));
        let requests = requests.map_err(|error| RunEnd::Failed { step, error })?;
        let channels = channels.map_err(|error| RunEnd::Failed { step, error })?;
        let wanted = self.state.number.clone();
        let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
        let channel = channels
            .iter()
            .find(|c| c.phone_digits().as_deref() == Some(digits.as_str()) || c.id == wanted);
        let open = |r: &&crate::domain::partner::PartnerChangeRequest| {
            matches!(
                r.status,
                Some(PartnerChangeStatus::Created | PartnerChangeStatus::Pending) | None
            )
        };
        let found = requests.iter().filter(open).find(|r| {
            r.id == wanted
                || channel.is_some_and(|c| {
                    r.channel_ids.contains(&c.id)
                        || (r.is_full_migration == Some(true) && r.client_id == c.client_id)
                })
        });
        let Some(request) = found else {
            let listed: Vec<String> = requests
                .iter()
                .filter(open)
                .map(|r| {
                    format!(
                        "{} (client {})",
                        r.id,
                        r.client_id.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            return Err(paused(
                step,
                format!(
                    "no open partner change request concerns {wanted}; open ones: {}. The client creates the request in the Hub; give its id as NUMBER to pick one.",
                    if listed.is_empty() {
                        "none".to_string()
                    } else {
                        listed.join(", ")
                    }
                ),
            ));
        };
        self.operator.say(&format!(
            "Partner change request {}: client {}, {} channel(s) {}, full migration: {}, from partner {}.",
            request.id,
            request.client_id.as_deref().unwrap_or("-"),
            request.channel_ids.len(),
            request.channel_ids.join(", "),
            request.is_full_migration.map_or("-".to_string(), |b| b.to_string()),
            request.source_partner_id.as_deref().unwrap_or("-")
        ));
        let id = request.id.clone();
        self.done(step, format!("request {id}"), Some(id))
    }

    async fn approve_change_request(&mut self) -> Step {
        let step = StepId::ApproveChangeRequest;
        let hub = self.hub(step)?;
        let request_id = self
            .state
            .reference(StepId::FindChangeRequest)
            .map(str::to_string)
            .ok_or_else(|| paused(step, "no change request was found".to_string()))?;
        if self.state.pending_intent == Some(step) {
            let requests = hub
                .partner_change_requests()
                .await
                .map_err(|error| RunEnd::Failed { step, error })?;
            if let Some(r) = requests.iter().find(|r| r.id == request_id)
                && r.status != Some(PartnerChangeStatus::Created)
            {
                self.reconciled(
                    step,
                    format!("request {request_id} is {}", shown(&r.status)),
                    None,
                )?;
                return self.done(step, "approved (read back)", None);
            }
        }
        if !self.operator.confirm(&format!("Approve partner change request {request_id}? The Hub then moves the channels; this cannot be undone from here.")).await {
            return Err(paused(step, "the operator did not approve".to_string()));
        }
        self.call(
            step,
            &format!(
                "POST /partners/{}/selective_partner_change_requests/{request_id}/approve",
                hub.partner_id()
            ),
            hub.approve_partner_change_request(&request_id),
            |r| (format!("request {} is {}", r.id, shown(&r.status)), None),
        )
        .await?;
        self.done(step, format!("request {request_id} approved"), None)
    }

    async fn watch_change_request(&mut self) -> Step {
        let step = StepId::WatchChangeRequest;
        let hub = self.hub(step)?;
        let request_id = self
            .state
            .reference(StepId::FindChangeRequest)
            .map(str::to_string)
            .unwrap_or_default();
        let started = std::time::Instant::now();
        loop {
            let requests = hub
                .partner_change_requests()
                .await
                .map_err(|error| RunEnd::Failed { step, error })?;
            let status = requests
                .iter()
                .find(|r| r.id == request_id)
                .and_then(|r| r.status.clone());
            match status {
                Some(PartnerChangeStatus::Completed) => return self.done(step, "completed", None),
                Some(PartnerChangeStatus::Failed) => {
                    self.append(Record::Finished { completed: false, detail: format!("partner change request {request_id} failed in the Hub; contact 360dialog support with its id"), at: now_rfc3339() })
                        .map_err(journal_end(step))?;
                    return Err(paused(
                        step,
                        format!(
                            "partner change request {request_id} failed in the Hub; contact 360dialog support with its id"
                        ),
                    ));
                }
                other => self.operator.say(&format!(
                    "Request {request_id} is {}; checking again in {} s.",
                    other.map_or("not listed".to_string(), |s| s.to_string()),
                    self.settings.watch_interval.as_secs()
                )),
            }
            self.next_watch_round(step, started, "the request has not completed yet")
                .await?;
        }
    }

    async fn refresh_fleet(&mut self) -> Step {
        let step = StepId::RefreshFleet;
        let channels = self
            .hub(step)?
            .channels(None)
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        self.done(step, format!("{} channels read", channels.len()), None)
    }

    async fn register_with_backup(&mut self) -> Step {
        let step = StepId::RegisterWithBackup;
        let id = self.snapshot()?.id;
        if self.state.pending_intent == Some(step) {
            let now = self.read_number(step, &id).await?;
            if now.platform_type == Some(PlatformType::CloudApi) {
                self.reconciled(step, "platform_type = CLOUD_API".to_string(), None)?;
                return self.done(step, "registered on the Cloud API (read back)", None);
            }
        }
        let left = self.register_attempts_left()?;
        self.operator.say(&format!("Register attempts left for this number: {left} of {REGISTER_BUDGET} in the 72-hour window."));
        if left == 0 {
            return Err(paused(
                step,
                "no register attempt is left in the 72-hour window (133016)".to_string(),
            ));
        }
        let Some((data, password)) = self.operator.backup().await else {
            return Err(paused(
                step,
                "waiting for the On-Premise backup and its password".to_string(),
            ));
        };
        let Some(pin) = self.operator.pin().await else {
            return Err(paused(step, "waiting for the two-step PIN".to_string()));
        };
        if !self
            .operator
            .confirm("Register the number on the Cloud API with this backup now?")
            .await
        {
            return Err(paused(
                step,
                "the operator did not confirm the register call".to_string(),
            ));
        }
        let graph = self.graph;
        self.call(
            step,
            &format!("POST /{id}/register (with backup)"),
            graph.register_with_backup(&id, &pin, &data, &password),
            |_| ("registered on the Cloud API".to_string(), None),
        )
        .await?;
        self.done(
            step,
            "registered with the backup; this is the cut-over",
            None,
        )
    }

    async fn verify_platform(&mut self) -> Step {
        let step = StepId::VerifyPlatform;
        let id = self.snapshot()?.id;
        let now = self.read_number(step, &id).await?;
        match (&now.platform_type, &now.status) {
            (Some(PlatformType::CloudApi), Some(NumberStatus::Connected)) => {
                self.done(step, "platform_type = CLOUD_API, status = CONNECTED", None)
            }
            (platform, status) => Err(paused(
                step,
                format!(
                    "platform_type = {}, status = {}: the switch has not shown yet; resume to check again",
                    shown(platform),
                    shown(status)
                ),
            )),
        }
    }
}

fn paused(step: StepId, reason: String) -> RunEnd {
    RunEnd::Paused { step, reason }
}

fn journal_end(step: StepId) -> impl Fn(JournalError) -> RunEnd {
    move |e| RunEnd::Paused { step, reason: e.0 }
}

fn crash_hook(point: &str, step: StepId) {
    if let Ok(wanted) = std::env::var(CRASH_HOOK_ENV)
        && wanted == format!("{point}:{}", step_key(step))
    {
        tracing::warn!(point, step = step_key(step), "test crash hook: exiting");
        std::process::exit(137);
    }
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
