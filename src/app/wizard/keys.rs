//! The wizard's keys on the scenario picker, the plan, the report and the resume
//! picker (the run page's are in `answers`). Each handler takes the wizard and the
//! screen [`Context`]; leaving the wizard or changing the main screen's scenario are
//! [`Outcome`]s for the dispatcher.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::to_input_request;

use crate::api::graph::CodeMethod;
use crate::app::action::Effect;
use crate::app::keymap::KeyAction;
use crate::app::screen::{Context, Handled, Outcome};
use crate::app::strings::wizard as text;
use crate::ops::migration::{MigrationRequest, RequestProblem, validate_request};

use super::{CODE_LANGUAGE, Entry, Page, RunOrder, RunPage, RunStart, Wizard};

impl Wizard {
    /// A key while the wizard is open; `action` is what the wizard's keymap binds it
    /// to. Help and quitting are the dispatcher's (it asks before quitting while a run
    /// is active), except where the page takes text ([`Wizard::typing`]).
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        action: Option<KeyAction>,
        ctx: &mut Context,
    ) -> Handled {
        match self.page {
            Page::Scenarios => self.on_scenarios_key(key, ctx),
            Page::Plan => Handled::effects(self.on_plan_key(action, ctx)),
            Page::Run => self.on_run_key(action, key, ctx),
            Page::Report => {
                match action {
                    Some(KeyAction::Back) => self.page = Page::Run,
                    Some(action) => self.report.on_action(action),
                    None => return Handled::ignored(),
                }
                Handled::done()
            }
            Page::Resume => self.on_resume_key(action),
        }
    }

    /// Whether the page takes typed text where `q` and `?` are letters (the backup
    /// file's path and password). The scenario filter is not: no scenario has them.
    pub fn typing(&self) -> bool {
        self.page == Page::Run
            && self
                .run
                .as_ref()
                .and_then(|run| run.question.as_ref())
                .is_some_and(|q| matches!(q.entry, Entry::Backup { .. }))
    }

    fn on_scenarios_key(&mut self, key: KeyEvent, ctx: &Context) -> Handled {
        let count = self.scenario_candidates().len();
        match key.code {
            KeyCode::Esc => return Handled::outcome(Outcome::Close),
            KeyCode::Up => self.scenario_cursor = self.scenario_cursor.saturating_sub(1),
            KeyCode::Down => {
                self.scenario_cursor = (self.scenario_cursor + 1).min(count.saturating_sub(1))
            }
            KeyCode::Enter => {
                if let Some(scenario) = self.highlighted_scenario() {
                    self.scenario = scenario;
                    self.page = Page::Plan;
                    self.plan.scroll = 0;
                    self.build_plan(ctx);
                    self.plan_problem = None;
                    // The main screen's checklist judges by the chosen scenario's rules.
                    return Handled::outcome(Outcome::ScenarioChosen(scenario));
                }
            }
            _ => {
                if let Some(request) = to_input_request(&crossterm::event::Event::Key(key))
                    && self.scenario_query.handle(request).is_some_and(|r| r.value)
                {
                    self.scenario_cursor = 0;
                }
            }
        }
        Handled::done()
    }

    fn on_plan_key(&mut self, action: Option<KeyAction>, ctx: &Context) -> Vec<Effect> {
        match action {
            Some(KeyAction::ToggleCodeMethod) => {
                self.code_method = match self.code_method {
                    CodeMethod::Sms => CodeMethod::Voice,
                    CodeMethod::Voice => CodeMethod::Sms,
                };
                self.build_plan(ctx);
            }
            Some(KeyAction::Back) => self.page = Page::Scenarios,
            Some(KeyAction::Select) => match self.start_problem(ctx.ready) {
                Some(problem) => self.plan_problem = Some(problem),
                None => return self.start(),
            },
            Some(action) => self.plan.on_action(action),
            None => {}
        }
        Vec::new()
    }

    /// Why a new run cannot start from the plan page, if it cannot: the runner's own
    /// check of the request, worded for the wizard's keys.
    fn start_problem(&self, ready: bool) -> Option<String> {
        if !ready {
            return Some(text::NOT_CONNECTED.to_string());
        }
        let Some(request) = self.request() else {
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
    fn request(&self) -> Option<MigrationRequest> {
        let target = &self.target;
        Some(MigrationRequest {
            scenario: self.scenario,
            variant: crate::domain::plan::PlanVariant::Standard,
            number: target.number.clone()?,
            source_waba_id: target.source.clone(),
            destination_waba_id: target.destination.clone(),
        })
    }

    fn start(&mut self) -> Vec<Effect> {
        let Some(request) = self.request() else {
            return Vec::new();
        };
        let label = self
            .target
            .number_label
            .clone()
            .unwrap_or_else(|| request.number.clone());
        self.run = Some(RunPage::new(Some(self.scenario), label));
        self.page = Page::Run;
        vec![Effect::StartMigration(RunOrder {
            start: RunStart::New(request),
            code_method: self.code_method,
            language: CODE_LANGUAGE.to_string(),
        })]
    }

    fn on_resume_key(&mut self, action: Option<KeyAction>) -> Handled {
        let count = match &self.resume.journals {
            Some(Ok(journals)) => journals.len(),
            _ => 0,
        };
        match action {
            Some(KeyAction::Back) => return Handled::outcome(Outcome::Close),
            Some(KeyAction::Up) => self.resume.cursor = self.resume.cursor.saturating_sub(1),
            Some(KeyAction::Down) => {
                self.resume.cursor = (self.resume.cursor + 1).min(count.saturating_sub(1))
            }
            Some(KeyAction::Select) => {
                let Some(Ok(journals)) = &self.resume.journals else {
                    return Handled::ignored();
                };
                let Some(chosen) = journals.get(self.resume.cursor).cloned() else {
                    return Handled::ignored();
                };
                self.run = Some(RunPage::new(chosen.scenario, chosen.number));
                self.page = Page::Run;
                return Handled::effects(vec![Effect::StartMigration(RunOrder {
                    start: RunStart::Resume(chosen.id),
                    code_method: self.code_method,
                    language: CODE_LANGUAGE.to_string(),
                })]);
            }
            _ => return Handled::ignored(),
        }
        Handled::done()
    }
}
