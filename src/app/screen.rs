//! What a screen's handlers get and give back. A screen (the fleet board, ...) handles
//! its own events with `&mut` its own state plus a small [`Context`] (the clock, the
//! geometry, whether the API is connected, the store for reads and request ids), and
//! returns [`Handled`]: effects for the event loop, and [`Outcome`]s that only the
//! dispatcher (`update`) may apply, such as opening a number in the main screen. A
//! screen never calls back into `update`.

use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use crate::domain::scenario::Scenario;

use super::action::Effect;
use super::clipboard::Copied;
use super::state::LogEntry;
use super::store::Store;

/// What a screen's handler may read or ask besides its own state.
pub struct Context<'a> {
    pub now: Instant,
    /// The terminal's size.
    pub screen: Rect,
    pub log_visible: bool,
    /// Whether the API is connected (reads can be sent).
    pub ready: bool,
    /// The configuration's auto-refresh period, if any.
    pub auto_refresh: Option<Duration>,
    /// The profile's WABAs and businesses (the fleet's defaults).
    pub configured_wabas: &'a (Vec<String>, Vec<String>),
    /// The data read, and the one place to ask for reads and request ids.
    pub store: &'a mut Store,
}

/// What a screen asks of the dispatcher.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Show or hide the log pane.
    ToggleLog,
    /// A line for the log pane.
    Log(LogEntry),
    /// Open a number in the main screen: its WABA as source, its checklist read.
    OpenNumber { waba_id: String, number_id: String },
    /// Read the main screen's data again (after a migration, the number may have moved).
    RefreshMain,
    /// Leave the screen in front for the one under it.
    Close,
    /// The wizard's scenario was chosen: the main screen's checklist judges by its rules.
    ScenarioChosen(Scenario),
    /// Data was read at this time (a board refresh finished): the top bar's "synced".
    Synced(Instant),
    /// Put this on the clipboard and say so (`y`).
    Copy(Copied),
    /// A one-line sentence for the status line, until the next key.
    Flash(String),
}

/// The result of handling one event.
#[derive(Debug, Default)]
pub struct Handled {
    pub effects: Vec<Effect>,
    pub outcomes: Vec<Outcome>,
    /// False when nothing visible changed (no redraw needed).
    pub unchanged: bool,
}

impl Handled {
    /// Something changed, nothing to do outside.
    pub fn done() -> Handled {
        Handled::default()
    }

    /// Nothing changed: the event meant nothing here.
    pub fn ignored() -> Handled {
        Handled {
            unchanged: true,
            ..Handled::default()
        }
    }

    /// These effects.
    pub fn effects(effects: Vec<Effect>) -> Handled {
        Handled {
            effects,
            ..Handled::default()
        }
    }

    /// One outcome for the dispatcher.
    pub fn outcome(outcome: Outcome) -> Handled {
        Handled {
            outcomes: vec![outcome],
            ..Handled::default()
        }
    }
}
