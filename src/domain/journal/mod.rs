//! The migration journal: append-only records of a migration, and their replay.
//!
//! Every non-idempotent call goes through four records: `confirmed` (the operator, or
//! `--yes`, agreed; nothing sent), `intent` (written and fsynced right before the
//! call leaves), `outcome` (what the API answered, that no answer came, or what a
//! read-back found) and `step_done`. Replay folds them into one [`StepState`] per step,
//! and each state has exactly one resume action (see [`StepState`]). No record ever
//! holds a secret (no token, PIN, verification code or backup password): only that
//! one was used.

mod id;
mod replay;
mod stamp;

use serde::{Deserialize, Serialize};

use crate::domain::checklist::CheckResult;
use crate::domain::number::PhoneNumber;
use crate::domain::plan::StepId;
use crate::domain::scenario::Scenario;

pub use id::{MigrationId, NotAMigrationId};
pub use replay::{CallState, Ending, JournalState, NoStartRecord, RunStatus, StepState, replay};
pub use stamp::Stamp;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The migration was created with this plan, against this backend.
    Started {
        migration_id: String,
        scenario: Scenario,
        /// What the operator typed (an E.164 number or a phone number id).
        number: String,
        source_waba_id: Option<String>,
        destination_waba_id: Option<String>,
        plan: Vec<StepId>,
        operator: String,
        /// Absent in journals written before journals were bound to a backend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backend: Option<Backend>,
        at: Stamp,
    },
    /// The preflight snapshot: the number as read before the move (and the WABA it was
    /// found in), and the checklist.
    Snapshot {
        number: Box<PhoneNumber>,
        source_waba_id: Option<String>,
        checks: Vec<CheckResult>,
        at: Stamp,
    },
    /// The operator (or `--yes`) agreed to send a call; nothing is sent yet.
    Confirmed {
        step: StepId,
        call: String,
        by: ConfirmedBy,
        at: Stamp,
    },
    /// About to send a call (written and fsynced before it is sent). `in_flight_secs`
    /// is the client's timeout: after that long the call can no longer be in flight.
    Intent {
        step: StepId,
        call: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_flight_secs: Option<u64>,
        at: Stamp,
    },
    /// How the call ended (written and fsynced after it returned), or what a read-back
    /// found in its place.
    Outcome {
        step: StepId,
        outcome: CallOutcome,
        at: Stamp,
    },
    /// A step finished (manual confirmations, verifications, reconciliations).
    StepDone {
        step: StepId,
        detail: String,
        /// An id later steps need (e.g. the partner change request).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        at: Stamp,
    },
    /// Something the operator or wamigrate wants on the record.
    Note {
        step: Option<StepId>,
        text: String,
        at: Stamp,
    },
    /// The preflight found hard blockers; nothing was sent. Resumable once fixed.
    Blocked { blockers: Vec<String>, at: Stamp },
    /// The migration ended: completed, failed, or abandoned by the operator.
    Finished {
        completed: bool,
        detail: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        abandoned: bool,
        at: Stamp,
    },
}

/// Who agreed to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedBy {
    /// A person answered the question.
    Operator,
    /// `--yes` answered for them (headless runs).
    #[serde(rename = "--yes")]
    YesFlag,
}

/// The result of a remote call, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The call succeeded; `phone_number_id` when it created one.
    Ok {
        detail: String,
        phone_number_id: Option<String>,
    },
    /// The API answered with a refusal: the call did not take effect.
    Failed {
        class: String,
        sentence: String,
        reference: String,
    },
    /// No answer came (timeout, dropped connection, a gateway's page): the call may or
    /// may not have taken effect, so it must be read back, never re-sent on a guess.
    Unknown {
        class: String,
        sentence: String,
        reference: String,
    },
    /// The outcome was unknown and a read-back showed the call took effect.
    Reconciled {
        detail: String,
        phone_number_id: Option<String>,
    },
    /// The outcome was unknown and a read-back, made once the call could no longer be
    /// in flight, showed it had no effect.
    NoEffect { detail: String },
}

/// The backend a journal ran against: a run belongs to it and resumes only there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    pub profile: String,
    pub graph_url: String,
    pub graph_version: String,
    #[serde(default)]
    pub hub_url: Option<String>,
    /// The sandbox's world (`GET /_sandbox/instance`), when the backend is a sandbox.
    #[serde(default)]
    pub sandbox_instance: Option<String>,
}

impl Backend {
    /// A sandbox backend of the world `instance`, for tests (its URL does not matter:
    /// a sandbox is known by its world).
    #[cfg(test)]
    pub(crate) fn test_sandbox(instance: &str) -> Backend {
        Backend {
            profile: "sandbox".into(),
            graph_url: "http://127.0.0.1:4010".into(),
            graph_version: "v25.0".into(),
            hub_url: None,
            sandbox_instance: Some(instance.into()),
        }
    }

    /// Whether two runs talk to the same world: a sandbox by its instance id (its port
    /// changes between starts), a live backend by profile, Graph URL and Hub URL (when
    /// both know one). The Graph version is recorded but not part of it: ids do not
    /// change with the API version.
    pub fn same_as(&self, other: &Backend) -> bool {
        match (&self.sandbox_instance, &other.sandbox_instance) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                self.profile == other.profile
                    && self.graph_url.trim_end_matches('/') == other.graph_url.trim_end_matches('/')
                    && match (&self.hub_url, &other.hub_url) {
                        (Some(a), Some(b)) => a.trim_end_matches('/') == b.trim_end_matches('/'),
                        _ => true,
                    }
            }
            _ => false,
        }
    }

    /// What a journal records as its backend, for a refusal: an older journal records
    /// none.
    pub fn describe_recorded(recorded: Option<&Backend>) -> String {
        recorded.map_or_else(
            || "no recorded backend (an older journal)".to_string(),
            Backend::describe,
        )
    }

    /// `sandbox 3f9a… at http://127.0.0.1:4010` or `profile live: https://graph.facebook.com v25.0`.
    pub fn describe(&self) -> String {
        match &self.sandbox_instance {
            Some(instance) => format!("sandbox {instance} at {}", self.graph_url),
            None => {
                let hub = self
                    .hub_url
                    .as_deref()
                    .map(|h| format!(", Hub {h}"))
                    .unwrap_or_default();
                format!(
                    "profile {}: {} {}{hub}",
                    self.profile, self.graph_url, self.graph_version
                )
            }
        }
    }
}

/// The records of a JSON-lines journal (a migration's, a template re-creation run's)
/// and how much of the file they cover.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLines<T> {
    pub records: Vec<T>,
    /// Bytes of whole records; past them is a torn last line (`torn`).
    pub complete_len: usize,
    /// The process died while writing the last line; it is not part of the journal.
    pub torn: bool,
}

/// A migration journal, parsed.
pub type ParsedJournal = ParsedLines<Record>;

/// A line that is not a record and is not a torn last line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} is not a journal record ({reason})")]
pub struct JournalDamage {
    pub line: usize,
    pub reason: String,
}

/// Parses migration journal bytes (see [`parse_lines`]).
pub fn parse_journal(bytes: &[u8]) -> Result<ParsedJournal, JournalDamage> {
    parse_lines(bytes)
}

/// Parses the bytes of a JSON-lines journal whose records are `T`. A torn last line
/// (the process died mid-write: no newline at its end, or the start of a record that
/// is not whole JSON, with or without a newline or zero bytes after it) is left out and
/// reported; a last record that is whole but for its newline is kept (the appender
/// ends its line before writing). Any other bad line, the last one included (whole
/// JSON that is not a record, or text that is not one), is damage.
pub fn parse_lines<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<ParsedLines<T>, JournalDamage> {
    let mut records = Vec::new();
    let mut offset = 0;
    let segments: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let last_filled = segments
        .iter()
        .rposition(|s| !s.iter().all(u8::is_ascii_whitespace));
    for (index, segment) in segments.iter().enumerate() {
        if segment.iter().all(u8::is_ascii_whitespace) {
            offset += segment.len();
            continue;
        }
        match serde_json::from_slice::<T>(segment) {
            Ok(record) => records.push(record),
            Err(e) => {
                let torn = Some(index) == last_filled
                    && (!segment.ends_with(b"\n")
                        || (segment.trim_ascii_start().starts_with(b"{")
                            && serde_json::from_slice::<serde_json::Value>(segment).is_err()));
                if torn {
                    return Ok(ParsedLines {
                        records,
                        complete_len: offset,
                        torn: true,
                    });
                }
                return Err(JournalDamage {
                    line: index + 1,
                    reason: e.to_string(),
                });
            }
        }
        offset += segment.len();
    }
    Ok(ParsedLines {
        records,
        complete_len: offset,
        torn: false,
    })
}

#[cfg(test)]
mod tests;
