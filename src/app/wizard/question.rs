//! The wizard's questions and answers: what the runner asks (a question and its kind),
//! the page's input while the operator types (secrets in [`SecretInput`], never in
//! clear outside the one-time code), and the answer sent back.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use tui_input::Input;

/// Identifies a runner question, so a late answer cannot answer the next one.
pub type QuestionId = u64;

/// What the runner asks; the kind picks the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub prompt: String,
    /// A yes sends a write (Enter alone never confirms one: `y` or a typed yes).
    pub sends: bool,
}

/// The kinds of answer the runner needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// y or n.
    YesNo,
    /// Accepting warnings and other weighty confirmations: the word `yes` typed out.
    TypedYes,
    Code,
    Pin,
    Backup,
}

/// The operator's answer, sent back to the runner.
#[derive(Debug, Clone)]
pub enum WizardAnswer {
    Confirm(bool),
    Code(SecretString),
    ResendCode,
    Pin(SecretString),
    Backup {
        path: PathBuf,
        password: SecretString,
    },
    /// Stop the run here (the journal stays resumable).
    Stop,
}

impl PartialEq for WizardAnswer {
    fn eq(&self, other: &Self) -> bool {
        use WizardAnswer::*;
        match (self, other) {
            (Confirm(a), Confirm(b)) => a == b,
            (Code(a), Code(b)) | (Pin(a), Pin(b)) => a.expose_secret() == b.expose_secret(),
            (
                Backup { path, password },
                Backup {
                    path: p,
                    password: w,
                },
            ) => path == p && password.expose_secret() == w.expose_secret(),
            (ResendCode, ResendCode) | (Stop, Stop) => true,
            _ => false,
        }
    }
}

/// A question on screen with what is typed so far.
#[derive(Debug, Clone)]
pub struct QuestionPage {
    pub question: Question,
    pub entry: Entry,
    /// Why the last Enter was refused (validation), or what the last answer caused.
    pub error: Option<String>,
}

/// The input of a question page.
#[derive(Debug, Clone)]
pub enum Entry {
    YesNo,
    TypedYes(Input),
    /// The one-time code is shown while typed (it is read off a phone), never logged.
    Code(SecretInput),
    Pin {
        first: SecretInput,
        second: SecretInput,
        repeating: bool,
    },
    Backup {
        path: Input,
        password: SecretInput,
        on_password: bool,
    },
}

/// A typed secret: held as a `SecretString` (redacted in `Debug`, zeroed on drop).
#[derive(Clone)]
pub struct SecretInput(SecretString);

impl Default for SecretInput {
    fn default() -> Self {
        SecretInput(SecretString::from(String::new()))
    }
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretInput({} chars)", self.len())
    }
}

impl SecretInput {
    /// Characters typed.
    pub fn len(&self) -> usize {
        self.0.expose_secret().chars().count()
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }

    /// Adds a character at the end.
    pub fn push(&mut self, c: char) {
        let mut value = self.0.expose_secret().to_string();
        value.push(c);
        self.0 = SecretString::from(value);
    }

    /// Removes the last character.
    pub fn pop(&mut self) {
        let mut value = self.0.expose_secret().to_string();
        value.pop();
        self.0 = SecretString::from(value);
    }

    /// The value, still secret.
    pub fn secret(&self) -> SecretString {
        self.0.clone()
    }

    /// One bullet per character, for masked fields.
    pub fn masked(&self) -> String {
        "•".repeat(self.len())
    }

    /// The value in clear, for the one-time code only (it is read off a phone).
    pub fn revealed(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether every character typed is a digit.
    pub fn is_digits(&self) -> bool {
        self.0.expose_secret().chars().all(|c| c.is_ascii_digit())
    }
}
