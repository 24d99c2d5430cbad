//! The guided migration wizard: scenario picker → plan → run → report, and the resume
//! picker of unfinished journals. Like the board and the template screen, it handles
//! its own events with `&mut Wizard` and a screen [`Context`] (called by `update`):
//! `keys` (the pages' keys), `answers` (the run page: questions, stop, the end),
//! `events` (what the runner reports), `pages` (the long texts as rich lines); `runner`
//! bridges to the ops runner on a task; `ui/wizard` draws the pages.
//!
//! The runner asks, the wizard answers: a question arrives as an action, the page for
//! its kind shows, and the answer leaves as [`Effect::AnswerMigration`]. Secrets typed
//! here (code, PIN, backup password) live in [`SecretInput`]s and leave as
//! `SecretString`s; they never reach the log lines, the journal or the report.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tui_input::Input;

use crate::api::graph::CodeMethod;
use crate::domain::plan::{StepId, plan};
use crate::domain::scenario::{Scenario, ScenarioKind};
use crate::ops::migration::MigrationRequest;

use super::fuzzy::search_match;
use super::layout::WizardLayout;
use super::markdown;
use super::rich::Document;
use super::screen::Context;
use super::state::Candidate;
use super::strings::wizard as text;
use crate::ops::file_error::FileError;

mod answers;
mod events;
mod keys;
pub mod pages;
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
    /// The plan page's text, built when the scenario, the code method or the width
    /// changes.
    pub plan: Document,
    /// Why Enter on the plan page could not start, if it could not.
    pub plan_problem: Option<String>,
    pub run: Option<RunPage>,
    /// The audit report rendered from its Markdown, once opened.
    pub report: Document,
    /// The report's Markdown, kept to render it again at a new width.
    report_markdown: Option<String>,
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
    pub report: Option<Result<SavedReport, FileError>>,
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

/// Why the journals could not be listed for the resume picker.
pub type JournalListError = FileError;

/// The resume picker: the journals once read (or why they could not be).
#[derive(Debug, Clone, Default)]
pub struct ResumePage {
    pub journals: Option<Result<Vec<UnfinishedJournal>, JournalListError>>,
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
    Journals(Result<Vec<UnfinishedJournal>, JournalListError>),
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
    /// `m`: the scenario picker for `target`, on the scenario the checklist judges by.
    pub fn open(target: Target, scenario: Scenario) -> Wizard {
        Wizard::new(target, Page::Scenarios, scenario)
    }

    /// `J`: the resume picker, waiting for the journals.
    pub fn resume_picker(scenario: Scenario) -> Wizard {
        Wizard::new(Target::default(), Page::Resume, scenario)
    }

    /// At start-up: the resume picker when there are unfinished journals (offered
    /// before anything else), else nothing.
    pub fn offer_resume(
        journals: Result<Vec<UnfinishedJournal>, JournalListError>,
        scenario: Scenario,
    ) -> Option<Wizard> {
        if !journals.as_ref().is_ok_and(|j| !j.is_empty()) {
            return None;
        }
        let mut wizard = Wizard::resume_picker(scenario);
        wizard.resume.journals = Some(journals);
        Some(wizard)
    }

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
            plan: Document::default(),
            plan_problem: None,
            run: None,
            report: Document::default(),
            report_markdown: None,
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
                let matched = search_match(query, &text)?;
                Some((
                    *scenario,
                    Candidate {
                        key: scenario.id().to_string(),
                        text,
                        recent: false,
                        matched,
                        note: None,
                    },
                ))
            })
            .collect();
        rows.sort_by_key(|(_, c)| c.matched.rank());
        rows
    }

    /// The terminal was resized: the long texts are wrapped again at the new width.
    pub fn on_resize(&mut self, ctx: &Context) {
        if self.page == Page::Plan {
            self.build_plan(ctx);
        }
        let markdown = self.report_markdown.take();
        self.open_report(markdown.as_deref(), ctx);
    }

    /// (Re)builds the plan page's text for the chosen scenario at the terminal's width.
    fn build_plan(&mut self, ctx: &Context) {
        let area = WizardLayout::compute(ctx.screen).plan_text();
        let lines = pages::plan_lines(self, ctx.store, area.width as usize);
        self.plan.set(lines, area.height as usize);
    }

    /// Renders the audit report's Markdown for the report page (nothing when the run
    /// wrote none).
    fn open_report(&mut self, markdown: Option<&str>, ctx: &Context) {
        let area = WizardLayout::compute(ctx.screen).report_text();
        let lines = markdown.map_or_else(Vec::new, |md| markdown::render(md, area.width as usize));
        self.report.set(lines, area.height as usize);
        self.report_markdown = markdown.map(str::to_string);
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

#[cfg(test)]
mod safety_tests;
#[cfg(test)]
mod tests;
