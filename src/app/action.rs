//! What can happen to the TUI (actions, the only input of `update`) and what `update`
//! asks the outside world to do (effects).

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::transport::Waiting;
use crate::api::{ApiError, CallRecord};
use crate::connect::BackendLabel;
use crate::domain::number::PhoneNumber;
use crate::domain::template::TemplateInventory;
use crate::domain::waba::{SubscribedApp, Waba};

use super::board::{BoardCommand, BoardEvent};
use super::journals::{JournalsCommand, JournalsEvent};
use super::state::Recent;
use super::templates::{RunCommand, RunEvent};
use super::wizard::{QuestionId, RunOrder, WizardAnswer, WizardEvent};

/// Identifies one API request so its answer can be matched, or dropped when stale.
pub type RequestId = u64;

/// Everything that changes state.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Time passes: spinners, data age, auto-refresh.
    Tick(Instant),
    /// The call waiting longest for its answer (read from the transport at each tick
    /// while busy), so the top bar can say what it waits for and how long.
    Waiting(Option<Waiting>),
    /// The worker has API clients (the sandbox is up, or live clients are built).
    Connected(BackendLabel),
    /// The worker could not build clients; the text is the operator sentence.
    ConnectFailed(String),
    /// An answer to an earlier [`Effect::Api`] (boxed: answers are large, keys small).
    Api(Box<ApiEvent>),
    /// A finished HTTP call, for the log pane and the rate-limit figure.
    Call(CallRecord),
    /// Register calls per number (E.164 digits) journaled in the last 72 hours, for
    /// the checklist's `register_budget`.
    RegisterAttempts(std::collections::HashMap<String, u32>),
    /// Progress of a fleet board refresh, or a finished export (boxed: it carries rows).
    Board(Box<BoardEvent>),
    /// News of a template migration run (boxed: it may carry the run's record).
    TemplateRun(Box<RunEvent>),
    /// The end of a template re-creation run (boxed: it carries every row's state).
    Recreate(Box<crate::app::templates::recreate::RecreateEvent>),
    /// SIGTERM or SIGINT: leave now.
    Terminate,
    /// Progress, questions and the end of a migration run, or the journals to resume.
    Wizard(WizardEvent),
    /// An answer for the journals screen.
    Journals(JournalsEvent),
}

/// A read the worker performs on the app's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiRequest {
    /// The WABAs to show: the profile's ids and businesses, else the token's (`debug_token`).
    DiscoverWabas {
        wabas: Vec<String>,
        businesses: Vec<String>,
    },
    Waba(String),
    Numbers(String),
    Number(String),
    SubscribedApps(String),
    Templates(String),
}

/// The owned answer of an [`ApiRequest`].
#[derive(Debug, Clone)]
pub enum ApiResponse {
    WabaIds(Vec<String>),
    Waba(Waba),
    Numbers(Vec<PhoneNumber>),
    Number(PhoneNumber),
    SubscribedApps(Vec<SubscribedApp>),
    Templates(TemplateInventory),
}

/// An answer tagged with the id of the request it answers.
#[derive(Debug, Clone)]
pub struct ApiEvent {
    pub request_id: RequestId,
    pub result: Result<ApiResponse, ApiError>,
    pub received_at: Instant,
}

/// What `update` asks the event loop to do; `update` itself does no I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read from the API (a job per request; a newer read of the same request wins).
    Api {
        request_id: RequestId,
        request: ApiRequest,
    },
    /// Refresh the fleet board, stop its refresh, or export its view (jobs in
    /// `board::refresh`).
    Board(BoardCommand),
    /// Start, steer or stop a template migration run (its job: `templates::run`).
    TemplateRun(RunCommand),
    /// Submit the marked templates for approval (its job: `templates::recreate`).
    Recreate(crate::app::templates::recreate::RecreateCommand),
    /// Stop following the review of re-creation run `RequestId` (its screen closed);
    /// a run still submitting goes on.
    StopFollowingRecreation(RequestId),
    /// Persist the recently used WABAs and numbers.
    SaveRecent(Recent),
    /// Leave the TUI with this exit code.
    Quit(u8),
    /// Start or resume a migration run (a job on the worker's clients).
    StartMigration(RunOrder),
    /// Run these migrations one after the other in one job (the board's batch).
    StartBatch(Vec<RunOrder>),
    /// Answer the run's pending question.
    AnswerMigration {
        question: QuestionId,
        answer: WizardAnswer,
    },
    /// Read the unfinished journals for the resume picker.
    ListJournals,
    /// Put this text on the clipboard (OSC 52, written between two frames).
    Copy(String),
    /// List, show or abandon journals for the journals screen.
    Journals(JournalsCommand),
}
