//! The operator at a terminal, or a script on stdin: prompts one at a time (a batch
//! shares them), masked input for codes and PINs, `--yes` for every confirmation
//! (journaled as such).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::api::text::one_line;
use crate::cli::output::eprint_safe;
use crate::ops::migration::{CodeAnswer, Line, Operator, Question, Weight};

/// Answers the runner from the terminal, or from stdin and flags when there is none.
pub(super) struct TerminalOperator {
    yes: bool,
    terminal: bool,
    pin: Option<SecretString>,
    backup_file: Option<PathBuf>,
    /// One prompt at a time across a batch.
    prompts: Arc<tokio::sync::Mutex<()>>,
    /// Prefix of every line in batch mode.
    label: Option<String>,
}

impl TerminalOperator {
    pub(super) fn new(
        yes: bool,
        pin: Option<SecretString>,
        backup_file: Option<PathBuf>,
        prompts: Arc<tokio::sync::Mutex<()>>,
        label: Option<String>,
    ) -> Self {
        TerminalOperator {
            yes,
            terminal: std::io::stdin().is_terminal(),
            pin,
            backup_file,
            prompts,
            label,
        }
    }

    fn prefix(&self) -> String {
        self.label
            .as_ref()
            .map(|l| format!("[{l}] "))
            .unwrap_or_default()
    }
}

impl Operator for TerminalOperator {
    fn interactive(&self) -> bool {
        self.terminal
    }

    fn confirms_by_flag(&self) -> bool {
        self.yes
    }

    fn say(&self, line: Line) {
        // Lines quote names and sentences servers sent: no control character but
        // newline and tab reaches the terminal.
        eprint_safe(&format!("{}{line}", self.prefix()));
    }

    async fn confirm(&self, question: Question) -> bool {
        let text = question.text;
        if self.yes {
            self.say(Line::info(format!("{text} yes (--yes)")));
            return true;
        }
        if !self.terminal {
            self.say(Line::info(format!(
                "{text} no (stdin is not a terminal; pass --yes to agree)"
            )));
            return false;
        }
        let _turn = self.prompts.lock().await;
        // A terminal always takes the word typed out; a typed-yes question says so.
        let hint = match question.weight {
            Weight::TypedYes => "[type yes/no]",
            Weight::YesNo => "[yes/no]",
        };
        let prompt = format!("{}{text} {hint} ", self.prefix());
        read_line(prompt, false)
            .await
            .is_some_and(|a| a.expose_secret().trim().eq_ignore_ascii_case("yes"))
    }

    async fn code(&self, prompt: &str) -> CodeAnswer {
        let _turn = self.prompts.lock().await;
        let prompt = format!("{}{prompt} ", self.prefix());
        match read_line(prompt, self.terminal).await {
            None => CodeAnswer::Stop,
            Some(answer) => {
                let text = answer.expose_secret().trim();
                if text.is_empty() || text.eq_ignore_ascii_case("resend") {
                    CodeAnswer::Resend
                } else {
                    CodeAnswer::Code(SecretString::from(text.to_string()))
                }
            }
        }
    }

    async fn pin(&self) -> Option<SecretString> {
        if let Some(pin) = &self.pin {
            return Some(pin.clone());
        }
        if !self.terminal {
            self.say(Line::problem(
                "The new two-step PIN is needed: pass --pin-file PATH or set WAMIGRATE_PIN.",
            ));
            return None;
        }
        let _turn = self.prompts.lock().await;
        for _ in 0..3 {
            let first =
                read_line(format!("{}New 6-digit two-step PIN: ", self.prefix()), true).await?;
            if first.expose_secret().len() != 6
                || !first.expose_secret().chars().all(|c| c.is_ascii_digit())
            {
                eprintln!("{}The PIN must be exactly 6 digits.", self.prefix());
                continue;
            }
            let second = read_line(format!("{}Repeat the PIN: ", self.prefix()), true).await?;
            if first.expose_secret() == second.expose_secret() {
                return Some(first);
            }
            eprintln!("{}The two PINs differ; try again.", self.prefix());
        }
        None
    }

    async fn backup(&self) -> Option<(String, SecretString)> {
        let Some(path) = &self.backup_file else {
            self.say(Line::problem("The On-Premise backup is needed: pass --backup-file PATH (and WAMIGRATE_BACKUP_PASSWORD)."));
            return None;
        };
        let data = match std::fs::read_to_string(path) {
            Ok(d) => d.trim().to_string(),
            Err(e) => {
                self.say(Line::problem(format!(
                    "Could not read the backup file {}: {e}.",
                    path.display()
                )));
                return None;
            }
        };
        let password = match std::env::var("WAMIGRATE_BACKUP_PASSWORD") {
            Ok(p) => SecretString::from(p),
            Err(_) if self.terminal => {
                let _turn = self.prompts.lock().await;
                read_line(format!("{}Backup password: ", self.prefix()), true).await?
            }
            Err(_) => {
                self.say(Line::problem(
                    "The backup password is needed: set WAMIGRATE_BACKUP_PASSWORD.",
                ));
                return None;
            }
        };
        Some((data, password))
    }
}

/// Reads one line from stdin off the async threads; `masked` reads it without echo on a
/// terminal (codes and PINs never appear on screen). `None` at end of input.
pub(crate) async fn read_line(prompt: String, masked: bool) -> Option<SecretString> {
    // Questions quote names servers sent: the prompt is one safe line.
    let prompt = one_line(&prompt).into_owned();
    tokio::task::spawn_blocking(move || {
        if std::io::stdin().is_terminal() {
            eprint!("{prompt}");
        } else {
            // A script answering on stdin reads prompts line by line.
            eprintln!("{prompt}");
        }
        let _ = std::io::stderr().flush();
        if masked && std::io::stdin().is_terminal() {
            return read_masked();
        }
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(SecretString::from(
                line.trim_end_matches(['\r', '\n']).to_string(),
            )),
        }
    })
    .await
    .ok()
    .flatten()
}

/// A line typed in raw mode, echoed as `*`; Ctrl-C or Esc gives `None`.
fn read_masked() -> Option<SecretString> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    let raw_mode = RawMode::enable()?;
    let mut typed = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Enter => break Some(SecretString::from(std::mem::take(&mut typed))),
                KeyCode::Esc => break None,
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => break None,
                KeyCode::Backspace if typed.pop().is_some() => eprint!("\u{8} \u{8}"),
                KeyCode::Char(c) => {
                    typed.push(c);
                    eprint!("*");
                }
                _ => {}
            },
            Ok(_) => {}
            Err(_) => break None,
        }
        let _ = std::io::stderr().flush();
    };
    drop(raw_mode);
    eprintln!();
    result
}

/// Raw mode (no echo) for as long as it lives: the terminal is restored on every way
/// out of a masked prompt, a panic included.
struct RawMode;

impl RawMode {
    fn enable() -> Option<RawMode> {
        crossterm::terminal::enable_raw_mode()
            .ok()
            .map(|()| RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}
