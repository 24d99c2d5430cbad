//! The person driving a migration, as the runner sees them: structured lines to show
//! and structured questions to answer. The CLI answers from the terminal or stdin, the
//! TUI wizard from its pages; neither has to guess from the wording of a text what a
//! line means or how much weight a question carries.

use std::fmt;
use std::future::Future;

use secrecy::SecretString;

use crate::domain::plan::StepId;

/// What a line tells, so a screen can style it and a script can filter it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A step begins (its title).
    Step,
    /// A step is done and journaled (its title and what was done).
    Done,
    /// One judged rule of the preflight checklist.
    Check,
    /// What a read-back found after an interrupted call.
    ReadBack,
    /// Progress or an explanation.
    Info,
    /// Something went wrong or needs attention (a wrong code, a read that failed).
    Problem,
}

/// A line of progress or explanation from the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

impl Line {
    /// A line of the given kind.
    pub fn new(kind: LineKind, text: impl Into<String>) -> Line {
        Line {
            kind,
            text: text.into(),
        }
    }

    /// Progress or an explanation.
    pub fn info(text: impl Into<String>) -> Line {
        Line::new(LineKind::Info, text)
    }

    /// Something that went wrong or needs attention.
    pub fn problem(text: impl Into<String>) -> Line {
        Line::new(LineKind::Problem, text)
    }
}

/// The line as a terminal shows it: steps with a dash, done steps with a tick,
/// read-backs named as such.
impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LineKind::Step => write!(f, "— {}", self.text),
            LineKind::Done => write!(f, "✔ {}", self.text),
            LineKind::ReadBack => write!(f, "Read back: {}.", self.text),
            LineKind::Check | LineKind::Info | LineKind::Problem => f.write_str(&self.text),
        }
    }
}

/// How much a confirmation weighs, which decides how it must be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// The word `yes` typed out (Enter alone never confirms): registers, warnings,
    /// approvals, cancellations.
    TypedYes,
    /// A plain yes or no.
    YesNo,
}

/// A yes/no question of the runner; `write` when a yes sends a non-idempotent call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub weight: Weight,
    pub text: String,
    pub write: Option<WriteCall>,
}

/// The call a confirmation sends: which call, on which number, into which WABA, and
/// what it costs (e.g. one of the number's register attempts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteCall {
    /// `POST /123/register`.
    pub call: String,
    /// The number as people know it (`+1 631-555-0101`).
    pub number: String,
    pub waba: Option<String>,
    pub cost: String,
}

impl Question {
    /// A question answered with the word `yes` typed out.
    pub fn typed_yes(text: impl Into<String>) -> Question {
        Question {
            weight: Weight::TypedYes,
            text: text.into(),
            write: None,
        }
    }

    /// A plain yes/no question.
    pub fn yes_no(text: impl Into<String>) -> Question {
        Question {
            weight: Weight::YesNo,
            text: text.into(),
            write: None,
        }
    }

    /// The confirmation of a write; `again` when an earlier attempt was read back
    /// without effect (or refused).
    pub fn write(weight: Weight, write: WriteCall, again: bool) -> Question {
        let lead = if again {
            "The earlier attempt had no effect. Send it again: "
        } else {
            "Send "
        };
        let waba = write
            .waba
            .as_deref()
            .map(|w| format!(", WABA {w}"))
            .unwrap_or_default();
        let mut text = format!(
            "{lead}{} for {}{waba}? Cost: {}.",
            write.call, write.number, write.cost
        );
        if weight == Weight::TypedYes {
            text.push_str(" Type yes to send:");
        }
        Question {
            weight,
            text,
            write: Some(write),
        }
    }
}

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
    fn say(&self, line: Line);
    /// Asks a yes/no question; true to go on.
    fn confirm(&self, question: Question) -> impl Future<Output = bool> + Send;
    /// True when `--yes` answers the confirmations rather than a person (journaled
    /// with every confirmation it gives).
    fn confirms_by_flag(&self) -> bool {
        false
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_render_with_the_mark_of_their_kind() {
        assert_eq!(
            Line::new(LineKind::Step, "Register").to_string(),
            "— Register"
        );
        assert_eq!(
            Line::new(LineKind::Done, "Register: done").to_string(),
            "✔ Register: done"
        );
        assert_eq!(
            Line::new(LineKind::ReadBack, "status = CONNECTED").to_string(),
            "Read back: status = CONNECTED."
        );
        assert_eq!(Line::info("plain").to_string(), "plain");
    }
}
