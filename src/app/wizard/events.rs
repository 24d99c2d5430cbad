//! What the runner task and the journal listing tell the wizard: steps started and
//! done, lines, questions, the end of a run, the unfinished journals; and the tick that
//! keeps the resend countdown moving.

use tui_input::Input;

use crate::app::screen::{Context, Handled};
use crate::domain::plan::StepId;

use super::{
    Entry, Page, QuestionKind, QuestionPage, ResumePage, RunOutcome, SecretInput, StepMark, Wizard,
    WizardEvent,
};

impl Wizard {
    /// Applies a runner or journal event; an event for no run (a closed page) changes
    /// nothing.
    pub fn on_event(&mut self, event: WizardEvent, ctx: &mut Context) -> Handled {
        if let WizardEvent::Journals(journals) = event {
            if self.page != Page::Resume {
                return Handled::ignored();
            }
            self.resume = ResumePage {
                journals: Some(journals),
                cursor: 0,
            };
            return Handled::done();
        }
        let Some(run) = self.run.as_mut() else {
            return Handled::ignored();
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
                    run.code_requested_at = Some(ctx.now);
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
        Handled::done()
    }

    /// Time passed: the resend countdown on the code page is redrawn while it counts.
    pub fn on_tick(&mut self, ctx: &mut Context) -> Handled {
        let counting = self.run.as_ref().is_some_and(|run| {
            matches!(&run.question, Some(q) if q.question.kind == QuestionKind::Code)
                && run.resend_wait(ctx.now) > 0
        });
        if counting {
            Handled::done()
        } else {
            Handled::ignored()
        }
    }
}
