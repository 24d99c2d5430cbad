//! The run page's keys: answering the runner's questions (yes/no, a typed yes, the
//! code, the PIN twice, the backup file), the stop confirmation, and the page after the
//! run ended. Secrets typed here stay in [`SecretInput`]s.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::to_input_request;

use crate::app::action::Effect;
use crate::app::keymap::KeyAction;
use crate::app::screen::{Context, Handled, Outcome};
use crate::app::strings::wizard as text;

use super::{DIGITS, Entry, Page, QuestionId, SecretInput, Wizard, WizardAnswer};

impl Wizard {
    /// A key on the run page: effects, or outcomes for the dispatcher (leaving the
    /// wizard).
    pub(super) fn on_run_key(
        &mut self,
        action: Option<KeyAction>,
        key: KeyEvent,
        ctx: &Context,
    ) -> Handled {
        match self.run_key(action, key, ctx) {
            Ok(effects) => Handled::effects(effects),
            Err(outcomes) => Handled {
                outcomes,
                ..Handled::default()
            },
        }
    }

    /// The run page's keys: effects, or an outcome for the dispatcher (leaving the wizard).
    fn run_key(
        &mut self,
        action: Option<KeyAction>,
        key: KeyEvent,
        ctx: &Context,
    ) -> Result<Vec<Effect>, Vec<Outcome>> {
        let now = ctx.now;
        let Some(run) = self.run.as_mut() else {
            return Ok(Vec::new());
        };
        if let Some(end) = &run.end {
            match action {
                Some(KeyAction::OpenReport | KeyAction::Select) => {
                    let markdown = end
                        .report
                        .as_ref()
                        .and_then(|r| r.as_ref().ok())
                        .map(|r| r.markdown.clone());
                    self.page = Page::Report;
                    self.open_report(markdown.as_deref(), ctx);
                }
                Some(KeyAction::Back) => {
                    // The number may have moved: the panes read everything again.
                    return Err(vec![Outcome::Close, Outcome::RefreshMain]);
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
                Some(KeyAction::Back) => run.notice = Some(text::BUSY_ESC.into()),
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
