//! Runs started from outside the wizard's own pages: a journal resumed from the
//! journals screen, and each migration of a batch from the fleet board. Both open the
//! wizard straight on its run page, where the run's questions are answered as usual.

use crate::api::graph::CodeMethod;
use crate::domain::scenario::Scenario;

use super::{CODE_LANGUAGE, Page, RunOrder, RunPage, RunStart, Target, Wizard};

impl Wizard {
    /// The wizard on the run page of a run about to start (or resume) for `number`.
    pub fn running(scenario: Option<Scenario>, number: String, fallback: Scenario) -> Wizard {
        let mut wizard = Wizard::new(Target::default(), Page::Run, scenario.unwrap_or(fallback));
        wizard.run = Some(RunPage::new(scenario, number));
        wizard
    }
}

impl RunOrder {
    /// A run with the wizard's default code options (SMS, [`CODE_LANGUAGE`]).
    pub fn with_defaults(start: RunStart) -> RunOrder {
        RunOrder {
            start,
            code_method: CodeMethod::Sms,
            language: CODE_LANGUAGE.to_string(),
        }
    }
}
