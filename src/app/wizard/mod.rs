//! The guided migration wizard: scenario picker → plan → run → report, and the resume
//! picker of unfinished journals. This module holds the wizard's state and its pure
//! update (called from `update`); `runner` bridges to the ops runner on a task; the
//! pages are drawn by `ui/wizard.rs`.
//!
//! The runner asks, the wizard answers: a question arrives as an action, the page for
//! its kind shows, and the answer leaves as [`Effect::AnswerMigration`]. Secrets typed
//! here (code, PIN, backup password) live in [`SecretInput`]s and leave as
//! `SecretString`s; they never reach the log lines, the journal or the report.
//!
//! Longer than 600 lines: the run page's key handling (one arm per kind of question)
//! is most of it; its handlers still take `&mut State` (the board and the template
//! screen already take `&mut` their own state and a `Context`).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};

use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::api::graph::CodeMethod;
use crate::domain::plan::{StepId, plan};
use crate::domain::scenario::{Scenario, ScenarioKind};
use crate::ops::migration::{MigrationRequest, RequestProblem, validate_request};

use super::action::Effect;
use super::fuzzy::fuzzy_match;
use super::keymap::KeyAction;
use super::screen::{Handled, Outcome};
use super::state::{Candidate, Phase, State};
use super::strings::wizard as text;

mod question;
pub mod runner;
mod start;

pub use question::{
    Entry, Question, QuestionId, QuestionKind, QuestionPage, SecretInput, WizardAnswer,
};

/// Meta's cooldown between two code requests is about a minute; the wizard waits it out.
pub const RESEND_COOLDOWN: Duration = Duration::from_secs(60);
/// Most runner lines the run page keeps.
pub const RUN_LOG_CAPACITY: usize = 500;
/// Language of the code message (Meta's `language` of `request_code`).
pub const CODE_LANGUAGE: &str = "en_US";
/// Digits of a verification code and of a two-step PIN.
const DIGITS: usize = 6;

/// What the wizard migrates: the number chosen on the main screen and the two WABAs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// E.164 (`+16315550101`) when the display number is known, else the phone number id.
    pub number: Option<String>,
    pub number_label: Option<String>,
    pub source: Option<String>,
    pub destination: Option<String>,
}

/// Which page of the wizard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Scenarios,
    Plan,
    Run,
    Report,
    Resume,
}

/// The wizard's state; `State::wizard` is `Some` while it is open.
#[derive(Debug, Clone)]
pub struct Wizard {
    pub page: Page,
    pub target: Target,
    /// The scenario picker's filter and highlighted row.
    pub scenario_query: Input,
    pub scenario_cursor: usize,
    /// The scenario the plan page shows, with the run's options.
    pub scenario: Scenario,
    pub code_method: CodeMethod,
    pub plan_scroll: u16,
    /// Why Enter on the plan page could not start, if it could not.
    pub plan_problem: Option<String>,
    pub run: Option<RunPage>,
    pub report_scroll: u16,
    pub resume: ResumePage,
}

/// Where a plan step stands on the run page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMark {
    Pending,
    Current,
    Done,
    Failed,
    Paused,
}

/// A migration being run (or ended) and what the operator sees of it.
#[derive(Debug, Clone)]
pub struct RunPage {
    pub migration_id: Option<String>,
    pub journal: Option<PathBuf>,
    pub scenario: Option<Scenario>,
    pub number: String,
    pub steps: Vec<(StepId, StepMark)>,
    /// The runner's lines, oldest first; `log_scroll` lines back from the newest.
    pub log: VecDeque<String>,
    pub log_scroll: u16,
    pub question: Option<QuestionPage>,
    /// Esc was pressed at a question: "stop here?" shows until y or n.
    pub confirming_stop: bool,
    /// A sentence for a key that could not act (shown in the bottom panel).
    pub notice: Option<String>,
    /// When the last code was requested, for the resend cooldown.
    pub code_requested_at: Option<Instant>,
    /// A code was sent: if the runner asks for one again, its last line says why (wrong
    /// code, attempts used, what more wrong codes would cause).
    pub code_sent: bool,
    pub end: Option<RunSummary>,
}

/// How a run ended, as the outcome panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Completed,
    Blocked(Vec<String>),
    Paused {
        step: StepId,
        reason: String,
    },
    Failed {
        step: StepId,
        sentence: String,
        reference: String,
    },
    /// The journal could not be created, opened or written: nothing more was sent.
    JournalError(String),
}

/// Where the audit report went, and its Markdown for the report page.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedReport {
    pub markdown_path: PathBuf,
    pub json_path: PathBuf,
    pub markdown: String,
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub outcome: RunOutcome,
    /// `None` when the run never started (no journal, so no report).
    pub report: Option<Result<SavedReport, String>>,
}

/// One unfinished journal in the resume picker.
#[derive(Debug, Clone, PartialEq)]
pub struct UnfinishedJournal {
    pub id: String,
    pub scenario: Option<Scenario>,
    pub number: String,
    pub next_step: Option<StepId>,
    pub started_at: String,
}

/// The resume picker: the journals once read (or why they could not be).
#[derive(Debug, Clone, Default)]
pub struct ResumePage {
    pub journals: Option<Result<Vec<UnfinishedJournal>, String>>,
    pub cursor: usize,
}

/// What to run: a new migration or an unfinished one, with the code options.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOrder {
    pub start: RunStart,
    pub code_method: CodeMethod,
    pub language: String,
}

/// New or resumed.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStart {
    New(MigrationRequest),
    Resume(String),
}

/// What the runner task reports; delivered to `update` as [`Action::Wizard`].
#[derive(Debug, Clone, PartialEq)]
pub enum WizardEvent {
    /// The unfinished journals under the data dir (start-up and `J`).
    Journals(Result<Vec<UnfinishedJournal>, String>),
    /// The journal is open; `done` are the steps finished in earlier runs.
    Started {
        migration_id: String,
        journal: PathBuf,
        scenario: Option<Scenario>,
        number: String,
        plan: Vec<StepId>,
        done: Vec<StepId>,
    },
    StepStarted(StepId),
    StepDone(StepId),
    /// A line of progress or explanation from the runner.
    Said(String),
    Asked(Question),
    Ended(RunSummary),
}

impl Wizard {
    fn new(target: Target, page: Page, scenario: Scenario) -> Wizard {
        Wizard {
            page,
            target,
            scenario_query: Input::default(),
            scenario_cursor: Scenario::ALL
                .iter()
                .position(|s| *s == scenario)
                .unwrap_or(0),
            scenario,
            code_method: CodeMethod::Sms,
            plan_scroll: 0,
            plan_problem: None,
            run: None,
            report_scroll: 0,
            resume: ResumePage::default(),
        }
    }

    /// Whether a run is under way and not waiting for the operator (the spinner turns).
    pub fn is_working(&self) -> bool {
        self.page == Page::Run
            && self
                .run
                .as_ref()
                .is_some_and(|run| run.end.is_none() && run.question.is_none())
    }

    /// The scenario picker's rows: every scenario matching the filter, best first.
    pub fn scenario_candidates(&self) -> Vec<(Scenario, Candidate)> {
        let query = self.scenario_query.value();
        let mut rows: Vec<(Scenario, Candidate)> = Scenario::ALL
            .iter()
            .filter_map(|scenario| {
                let text = scenario_row_text(*scenario);
                let matched = fuzzy_match(query, &text)?;
                Some((
                    *scenario,
                    Candidate {
                        key: scenario.id().to_string(),
                        text,
                        recent: false,
                        matched,
                    },
                ))
            })
            .collect();
        rows.sort_by_key(|(_, c)| std::cmp::Reverse(c.matched.score));
        rows
    }

    /// The scenario under the picker's cursor.
    pub fn highlighted_scenario(&self) -> Option<Scenario> {
        self.scenario_candidates()
            .get(self.scenario_cursor)
            .map(|(s, _)| *s)
    }
}

/// "to-new-waba   migration   To a new WABA on our platform": what the picker shows
/// and matches; id and kind first, so a narrow list cuts the title, not them.
pub fn scenario_row_text(scenario: Scenario) -> String {
    let kind = match scenario.kind() {
        ScenarioKind::Migration => text::KIND_MIGRATION_SHORT,
        ScenarioKind::ConfigurationChange => text::KIND_CONFIGURATION_SHORT,
    };
    format!("{:<27}{kind:<15}{}", scenario.id(), scenario.title())
}

impl RunPage {
    fn new(scenario: Option<Scenario>, number: String) -> RunPage {
        RunPage {
            migration_id: None,
            journal: None,
            steps: scenario
                .map(|s| plan(s).iter().map(|p| (p.id, StepMark::Pending)).collect())
                .unwrap_or_default(),
            scenario,
            number,
            log: VecDeque::new(),
            log_scroll: 0,
            question: None,
            confirming_stop: false,
            notice: None,
            code_requested_at: None,
            code_sent: false,
            end: None,
        }
    }

    /// The step the detail panel explains: the current or failed one, else the next.
    pub fn focus_step(&self) -> Option<StepId> {
        self.steps
            .iter()
            .find(|(_, m)| matches!(m, StepMark::Current | StepMark::Failed | StepMark::Paused))
            .or_else(|| self.steps.iter().find(|(_, m)| *m == StepMark::Pending))
            .or(self.steps.last())
            .map(|(id, _)| *id)
    }

    /// Seconds until a new code may be requested (0: now).
    pub fn resend_wait(&self, now: Instant) -> u64 {
        self.code_requested_at.map_or(0, |at| {
            let elapsed = now.saturating_duration_since(at);
            RESEND_COOLDOWN.saturating_sub(elapsed).as_secs_f64().ceil() as u64
        })
    }

    fn mark(&mut self, step: StepId, mark: StepMark) {
        if let Some(slot) = self.steps.iter_mut().find(|(id, _)| *id == step) {
            slot.1 = mark;
        }
    }

    fn push_line(&mut self, line: String) {
        if self.log.len() == RUN_LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }
}

/// `m`: opens the scenario picker for the selected number and destination.
pub fn open(state: &mut State) {
    let number = state.selected_phone();
    let target = Target {
        number: number
            .map(|n| {
                n.e164_digits()
                    .map_or_else(|| n.id.clone(), |digits| format!("+{digits}"))
            })
            .or_else(|| state.selected_number.clone()),
        number_label: number.map(|n| n.label().to_string()),
        source: state.source.clone(),
        destination: state.destination.clone(),
    };
    state.wizard = Some(Wizard::new(target, Page::Scenarios, state.scenario));
}

/// `J`: opens the resume picker and asks for the journals.
pub fn open_journals(state: &mut State) -> Vec<Effect> {
    state.wizard = Some(Wizard::new(Target::default(), Page::Resume, state.scenario));
    vec![Effect::ListJournals]
}

/// Keeps the resend countdown ticking on screen.
pub fn on_tick(state: &mut State) {
    let now = state.now;
    let counting = state
        .wizard
        .as_ref()
        .and_then(|w| w.run.as_ref())
        .is_some_and(|run| {
            matches!(&run.question, Some(q) if q.question.kind == QuestionKind::Code)
                && run.resend_wait(now) > 0
        });
    if counting {
        state.dirty = true;
    }
}

/// Applies a runner or journal event.
pub fn on_event(state: &mut State, event: WizardEvent) -> Vec<Effect> {
    let now = state.now;
    if let WizardEvent::Journals(journals) = event {
        match &mut state.wizard {
            Some(wizard) if wizard.page == Page::Resume => {
                wizard.resume = ResumePage {
                    journals: Some(journals),
                    cursor: 0,
                };
            }
            // Start-up: offer the unfinished ones, if any, before anything else.
            None if journals.as_ref().is_ok_and(|j| !j.is_empty()) => {
                let mut wizard = Wizard::new(Target::default(), Page::Resume, state.scenario);
                wizard.resume.journals = Some(journals);
                state.wizard = Some(wizard);
            }
            _ => state.dirty = false,
        }
        return Vec::new();
    }
    let Some(run) = state.wizard.as_mut().and_then(|w| w.run.as_mut()) else {
        state.dirty = false;
        return Vec::new();
    };
    match event {
        WizardEvent::Journals(_) => {}
        WizardEvent::Started {
            migration_id,
            journal,
            scenario,
            number,
            plan,
            done,
        } => {
            run.migration_id = Some(migration_id);
            run.journal = Some(journal);
            run.scenario = scenario.or(run.scenario);
            run.number = number;
            run.steps = plan
                .into_iter()
                .map(|id| {
                    let mark = if done.contains(&id) {
                        StepMark::Done
                    } else {
                        StepMark::Pending
                    };
                    (id, mark)
                })
                .collect();
        }
        WizardEvent::StepStarted(step) => run.mark(step, StepMark::Current),
        WizardEvent::StepDone(step) => {
            run.mark(step, StepMark::Done);
            if step == StepId::RequestCode {
                run.code_requested_at = Some(now);
            }
        }
        WizardEvent::Said(line) => run.push_line(line),
        WizardEvent::Asked(question) => {
            let entry = match question.kind {
                QuestionKind::YesNo => Entry::YesNo,
                QuestionKind::TypedYes => Entry::TypedYes(Input::default()),
                QuestionKind::Code => Entry::Code(SecretInput::default()),
                QuestionKind::Pin => Entry::Pin {
                    first: SecretInput::default(),
                    second: SecretInput::default(),
                    repeating: false,
                },
                QuestionKind::Backup => Entry::Backup {
                    path: Input::default(),
                    password: SecretInput::default(),
                    on_password: false,
                },
            };
            let rejected_code = question.kind == QuestionKind::Code && run.code_sent;
            run.code_sent = false;
            run.question = Some(QuestionPage {
                question,
                entry,
                error: rejected_code.then(|| run.log.back().cloned()).flatten(),
            });
            run.confirming_stop = false;
            run.notice = None;
        }
        WizardEvent::Ended(summary) => {
            match &summary.outcome {
                RunOutcome::Blocked(_) => run.mark(StepId::Preflight, StepMark::Failed),
                RunOutcome::Failed { step, .. } => run.mark(*step, StepMark::Failed),
                RunOutcome::Paused { step, .. } => run.mark(*step, StepMark::Paused),
                RunOutcome::Completed | RunOutcome::JournalError(_) => {}
            }
            run.question = None;
            run.confirming_stop = false;
            run.notice = None;
            run.end = Some(summary);
        }
    }
    Vec::new()
}

/// A key while the wizard is open (Ctrl-C is handled before); `action` is what the
/// wizard's keymap binds it to.
pub fn on_key(state: &mut State, key: KeyEvent, action: Option<KeyAction>) -> Handled {
    let Some(page) = state.wizard.as_ref().map(|w| w.page) else {
        return Handled::ignored();
    };
    let effects = match page {
        Page::Scenarios => on_scenarios_key(state, key),
        Page::Plan => on_plan_key(state, action),
        Page::Run => return on_run_key(state, action, key),
        Page::Report => {
            let Some(wizard) = state.wizard.as_mut() else {
                return Handled::ignored();
            };
            match action {
                Some(KeyAction::Back | KeyAction::Quit) => wizard.page = Page::Run,
                Some(KeyAction::Down) => wizard.report_scroll += 1,
                Some(KeyAction::Up) => {
                    wizard.report_scroll = wizard.report_scroll.saturating_sub(1)
                }
                Some(KeyAction::PageDown) => wizard.report_scroll += 10,
                Some(KeyAction::PageUp) => {
                    wizard.report_scroll = wizard.report_scroll.saturating_sub(10)
                }
                Some(KeyAction::Top) => wizard.report_scroll = 0,
                _ => {}
            }
            Vec::new()
        }
        Page::Resume => on_resume_key(state, action),
    };
    Handled::effects(effects)
}

fn on_scenarios_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(wizard) = state.wizard.as_mut() else {
        return Vec::new();
    };
    let count = wizard.scenario_candidates().len();
    match key.code {
        KeyCode::Esc => state.wizard = None,
        KeyCode::Up => wizard.scenario_cursor = wizard.scenario_cursor.saturating_sub(1),
        KeyCode::Down => {
            wizard.scenario_cursor = (wizard.scenario_cursor + 1).min(count.saturating_sub(1))
        }
        KeyCode::Enter => {
            if let Some(scenario) = wizard.highlighted_scenario() {
                wizard.scenario = scenario;
                wizard.page = Page::Plan;
                wizard.plan_scroll = 0;
                wizard.plan_problem = None;
                // The main screen's checklist judges by the chosen scenario's rules.
                state.scenario = scenario;
                state.checklist_scroll = 0;
            }
        }
        _ => {
            if let Some(request) = to_input_request(&crossterm::event::Event::Key(key))
                && wizard
                    .scenario_query
                    .handle(request)
                    .is_some_and(|r| r.value)
            {
                wizard.scenario_cursor = 0;
            }
        }
    }
    Vec::new()
}

fn on_plan_key(state: &mut State, action: Option<KeyAction>) -> Vec<Effect> {
    let ready = state.phase == Phase::Ready;
    let Some(wizard) = state.wizard.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(KeyAction::ToggleCodeMethod) => {
            wizard.code_method = match wizard.code_method {
                CodeMethod::Sms => CodeMethod::Voice,
                CodeMethod::Voice => CodeMethod::Sms,
            }
        }
        Some(KeyAction::Back | KeyAction::Quit) => wizard.page = Page::Scenarios,
        Some(KeyAction::Down) => wizard.plan_scroll += 1,
        Some(KeyAction::Up) => wizard.plan_scroll = wizard.plan_scroll.saturating_sub(1),
        Some(KeyAction::PageDown) => wizard.plan_scroll += 10,
        Some(KeyAction::PageUp) => wizard.plan_scroll = wizard.plan_scroll.saturating_sub(10),
        Some(KeyAction::Select) => match start_problem(wizard, ready) {
            Some(problem) => wizard.plan_problem = Some(problem),
            None => return start(wizard),
        },
        _ => {}
    }
    Vec::new()
}

/// Why a new run cannot start from the plan page, if it cannot: the runner's own
/// check of the request, worded for the wizard's keys.
fn start_problem(wizard: &Wizard, ready: bool) -> Option<String> {
    if !ready {
        return Some(text::NOT_CONNECTED.to_string());
    }
    let Some(request) = request(wizard) else {
        return Some(text::NO_NUMBER.to_string());
    };
    match validate_request(&request) {
        Ok(()) => None,
        Err(RequestProblem::NoDestination(_)) => Some(text::NO_DESTINATION.to_string()),
        Err(RequestProblem::SameWaba) => Some(text::SAME_WABA.to_string()),
        Err(problem @ RequestProblem::Number(_)) => Some(problem.to_string()),
    }
}

/// The request the plan page would start; `None` without a number.
fn request(wizard: &Wizard) -> Option<MigrationRequest> {
    let target = &wizard.target;
    Some(MigrationRequest {
        scenario: wizard.scenario,
        variant: crate::domain::plan::PlanVariant::Standard,
        number: target.number.clone()?,
        source_waba_id: target.source.clone(),
        destination_waba_id: target.destination.clone(),
    })
}

fn start(wizard: &mut Wizard) -> Vec<Effect> {
    let Some(request) = request(wizard) else {
        return Vec::new();
    };
    let label = wizard
        .target
        .number_label
        .clone()
        .unwrap_or_else(|| request.number.clone());
    wizard.run = Some(RunPage::new(Some(wizard.scenario), label));
    wizard.page = Page::Run;
    vec![Effect::StartMigration(RunOrder {
        start: RunStart::New(request),
        code_method: wizard.code_method,
        language: CODE_LANGUAGE.to_string(),
    })]
}

fn on_resume_key(state: &mut State, action: Option<KeyAction>) -> Vec<Effect> {
    let Some(wizard) = state.wizard.as_mut() else {
        return Vec::new();
    };
    let count = match &wizard.resume.journals {
        Some(Ok(journals)) => journals.len(),
        _ => 0,
    };
    match action {
        Some(KeyAction::Back | KeyAction::Quit) => state.wizard = None,
        Some(KeyAction::Up) => wizard.resume.cursor = wizard.resume.cursor.saturating_sub(1),
        Some(KeyAction::Down) => {
            wizard.resume.cursor = (wizard.resume.cursor + 1).min(count.saturating_sub(1))
        }
        Some(KeyAction::Select) => {
            let Some(Ok(journals)) = &wizard.resume.journals else {
                return Vec::new();
            };
            let Some(chosen) = journals.get(wizard.resume.cursor).cloned() else {
                return Vec::new();
            };
            wizard.run = Some(RunPage::new(chosen.scenario, chosen.number));
            wizard.page = Page::Run;
            return vec![Effect::StartMigration(RunOrder {
                start: RunStart::Resume(chosen.id),
                code_method: wizard.code_method,
                language: CODE_LANGUAGE.to_string(),
            })];
        }
        _ => {}
    }
    Vec::new()
}

fn on_run_key(state: &mut State, action: Option<KeyAction>, key: KeyEvent) -> Handled {
    Handled::effects(match run_key(state, action, key) {
        Ok(effects) => effects,
        Err(outcome) => return Handled::outcome(outcome),
    })
}

/// The run page's keys: effects, or an outcome for the dispatcher (leaving the wizard).
fn run_key(
    state: &mut State,
    action: Option<KeyAction>,
    key: KeyEvent,
) -> Result<Vec<Effect>, Outcome> {
    let now = state.now;
    let Some(wizard) = state.wizard.as_mut() else {
        return Ok(Vec::new());
    };
    let Some(run) = wizard.run.as_mut() else {
        return Ok(Vec::new());
    };
    if run.end.is_some() {
        match action {
            Some(KeyAction::OpenReport | KeyAction::Select) => {
                wizard.page = Page::Report;
                wizard.report_scroll = 0;
            }
            Some(KeyAction::Back | KeyAction::Quit) => {
                state.wizard = None;
                // The number may have moved: the panes read everything again.
                return Err(Outcome::RefreshMain);
            }
            Some(KeyAction::Up) => run.log_scroll = run.log_scroll.saturating_add(1),
            Some(KeyAction::Down) => run.log_scroll = run.log_scroll.saturating_sub(1),
            _ => {}
        }
        return Ok(Vec::new());
    }
    if run.confirming_stop {
        match action {
            Some(KeyAction::Yes) => {
                run.confirming_stop = false;
                return Ok(run
                    .question
                    .take()
                    .map(|q| answer(q.question.id, WizardAnswer::Stop))
                    .unwrap_or_default());
            }
            Some(KeyAction::No | KeyAction::Back) => run.confirming_stop = false,
            _ => {}
        }
        return Ok(Vec::new());
    }
    let resend_wait = run.resend_wait(now);
    let Some(page) = run.question.as_mut() else {
        match action {
            Some(KeyAction::Back | KeyAction::Quit) => run.notice = Some(text::BUSY_ESC.into()),
            Some(KeyAction::Up) => run.log_scroll = run.log_scroll.saturating_add(1),
            Some(KeyAction::Down) => run.log_scroll = run.log_scroll.saturating_sub(1),
            _ => {}
        }
        return Ok(Vec::new());
    };
    if key.code == KeyCode::Esc {
        run.confirming_stop = true;
        return Ok(Vec::new());
    }
    let id = page.question.id;
    let reply = match &mut page.entry {
        Entry::YesNo => match action {
            // Enter alone never confirms a write: `y` does.
            Some(KeyAction::Select) if page.question.sends => {
                page.error = Some(text::Y_TO_SEND.into());
                None
            }
            Some(KeyAction::Yes | KeyAction::Select) => Some(WizardAnswer::Confirm(true)),
            Some(KeyAction::No) => Some(WizardAnswer::Confirm(false)),
            _ => None,
        },
        Entry::TypedYes(input) => match key.code {
            KeyCode::Enter if input.value().trim().eq_ignore_ascii_case("yes") => {
                Some(WizardAnswer::Confirm(true))
            }
            KeyCode::Enter => {
                page.error = Some(text::TYPE_YES.into());
                None
            }
            _ if action == Some(KeyAction::No) && input.value().is_empty() => {
                Some(WizardAnswer::Confirm(false))
            }
            _ => {
                if let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) {
                    input.handle(request);
                }
                None
            }
        },
        Entry::Code(code) => match key.code {
            _ if action == Some(KeyAction::ResendCode) && resend_wait > 0 => {
                page.error = Some(text::resend_wait(resend_wait));
                None
            }
            _ if action == Some(KeyAction::ResendCode) => Some(WizardAnswer::ResendCode),
            KeyCode::Enter => match digits_problem(code) {
                Some(problem) => {
                    page.error = Some(problem);
                    None
                }
                None => Some(WizardAnswer::Code(code.secret())),
            },
            _ => {
                page.error = edit_digits(code, key.code, text::CODE_DIGITS_ONLY);
                None
            }
        },
        Entry::Pin {
            first,
            second,
            repeating,
        } if key.code != KeyCode::Enter => {
            let field = if *repeating { second } else { first };
            page.error = edit_digits(field, key.code, text::PIN_DIGITS_ONLY);
            None
        }
        Entry::Pin {
            first,
            second,
            repeating,
        } => {
            let field = if *repeating { &*second } else { &*first };
            if let Some(problem) = digits_problem(field) {
                page.error = Some(problem);
                None
            } else if !*repeating {
                *repeating = true;
                page.error = None;
                None
            } else if first.revealed() == second.revealed() {
                Some(WizardAnswer::Pin(first.secret()))
            } else {
                *first = SecretInput::default();
                *second = SecretInput::default();
                *repeating = false;
                page.error = Some(text::PIN_MISMATCH.into());
                None
            }
        }
        Entry::Backup {
            path,
            password,
            on_password,
        } => match key.code {
            KeyCode::Enter | KeyCode::Tab if !*on_password => {
                if path.value().trim().is_empty() {
                    page.error = Some(text::BACKUP_PATH_EMPTY.into());
                } else {
                    *on_password = true;
                    page.error = None;
                }
                None
            }
            KeyCode::Enter => Some(WizardAnswer::Backup {
                path: PathBuf::from(path.value().trim()),
                password: password.secret(),
            }),
            KeyCode::BackTab => {
                *on_password = false;
                None
            }
            KeyCode::Backspace if *on_password => {
                password.pop();
                None
            }
            KeyCode::Char(c) if *on_password => {
                password.push(c);
                None
            }
            _ => {
                if let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) {
                    path.handle(request);
                }
                None
            }
        },
    };
    match reply {
        Some(reply) => {
            if reply == WizardAnswer::ResendCode {
                run.code_requested_at = Some(now);
            }
            run.code_sent = matches!(reply, WizardAnswer::Code(_));
            run.question = None;
            Ok(answer(id, reply))
        }
        None => Ok(Vec::new()),
    }
}

/// Why a 6-digit field cannot be sent yet, if it cannot.
fn digits_problem(field: &SecretInput) -> Option<String> {
    (field.len() != DIGITS || !field.is_digits()).then(|| text::digits_needed(field.len()))
}

/// Types into a 6-digit field: digits up to six, Backspace; anything else is refused
/// with `refusal`. Returns the message to show (none when the key was taken).
fn edit_digits(field: &mut SecretInput, code: KeyCode, refusal: &str) -> Option<String> {
    match code {
        KeyCode::Backspace => field.pop(),
        KeyCode::Char(c) if c.is_ascii_digit() && field.len() < DIGITS => field.push(c),
        KeyCode::Char(c) if c.is_ascii_digit() => return Some(text::digits_needed(field.len())),
        KeyCode::Char(_) => return Some(refusal.to_string()),
        _ => {}
    }
    None
}

fn answer(question: QuestionId, answer: WizardAnswer) -> Vec<Effect> {
    vec![Effect::AnswerMigration { question, answer }]
}

#[cfg(test)]
mod safety_tests;
#[cfg(test)]
mod tests;
