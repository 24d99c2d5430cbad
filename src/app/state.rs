//! The whole TUI state: written only by `update`, read by the renderer.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use ratatui::layout::Rect;
use serde::{Deserialize, Serialize};
use tui_input::Input;

use crate::api::transport::Waiting;
use crate::api::{CallRecord, RateUsage};
use crate::config::{Backend, Settings};
use crate::connect::BackendLabel;
use crate::domain::number::PhoneNumber;
use crate::domain::scenario::Scenario;

use super::board::Board;
use super::derived::Derived;
use super::fuzzy::{FIELD_SEPARATOR, FuzzyMatch, digits_match, digits_query, search_match};
use super::journals::JournalsView;
use super::keymap::{Keymap, Screen};
use super::log_view::{LogView, Logged};
use super::palette::Palette;
use super::rich::Document;
pub use super::store::{Remote, Store, WabaRecord};
use super::strings;
use super::templates::TemplateView;
use super::wizard::Wizard;

/// The scenario the checklist starts with: a number to another WABA on our platform
/// (what a source and a destination in one portfolio usually mean).
pub const DEFAULT_SCENARIO: Scenario = Scenario::ToNewWaba;
/// Most entries the log pane keeps.
pub const LOG_CAPACITY: usize = 500;
/// Most recently used WABAs and numbers remembered.
pub const RECENT_CAPACITY: usize = 10;

/// The panes that take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Numbers,
    Destination,
    Checklist,
    Log,
}

/// Which choice a picker makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    Source,
    Destination,
    Number,
}

/// A popup with a filter over WABAs or numbers.
#[derive(Debug, Clone)]
pub struct Picker {
    pub kind: PickerKind,
    pub query: Input,
    pub cursor: usize,
    /// A pick that would make source and destination the same WABA: Enter on it again
    /// swaps them, as the popup says; any other key forgets it.
    pub swap: Option<String>,
}

impl Picker {
    /// An empty picker of `kind`, highlighting row `cursor` (the current value).
    pub fn new(kind: PickerKind, cursor: usize) -> Picker {
        Picker {
            kind,
            query: Input::default(),
            cursor,
            swap: None,
        }
    }
}

/// One row of a picker or filtered list: the key to choose and the text shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub key: String,
    pub text: String,
    pub recent: bool,
    pub matched: FuzzyMatch,
    /// What the row already is ("current", "the source"), shown after it.
    pub note: Option<&'static str>,
}

/// The popup over the screen, if any (Esc closes it first).
#[derive(Debug, Clone)]
pub enum Popup {
    /// The keys and notes of the screen in front.
    Help(Document),
    Picker(Picker),
    /// `q` while a run is active: quitting waits for a yes. `about` says what runs and
    /// how to go on with it later.
    ConfirmQuit {
        about: String,
    },
    /// The command palette (`:`).
    Palette(Palette),
    /// One log line in full (Enter on the log): a call's method, path, status, times
    /// and fbtrace_id.
    LogDetail(Box<Logged>),
}

/// Recently used sources, destinations and numbers, most recent first; persisted in
/// the data dir. Sources and destinations are kept apart, so the destination picker
/// does not offer the source first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Recent {
    /// Earlier versions kept one list for both sides (`wabas`): it becomes the sources'.
    #[serde(default, alias = "wabas")]
    pub sources: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<String>,
    #[serde(default)]
    pub numbers: Vec<String>,
}

impl Recent {
    /// Moves `id` to the front of `list`, keeping at most [`RECENT_CAPACITY`].
    pub fn touch(list: &mut Vec<String>, id: &str) {
        list.retain(|x| x != id);
        list.insert(0, id.to_string());
        list.truncate(RECENT_CAPACITY);
    }
}

/// One line of the log pane.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    Call(CallRecord),
    Notice { text: String, is_error: bool },
}

/// Where the connection to the API stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Ready,
    Failed(String),
}

/// A scrollable list position: the highlighted row and the first visible row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListCursor {
    pub selected: usize,
    pub offset: usize,
}

impl ListCursor {
    /// Moves by `delta` rows within `len`, keeping the row visible in `height` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.keep_visible(height);
    }

    /// Scrolls so the highlighted row is inside the window of `height` rows.
    pub fn keep_visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}

/// The TUI state.
#[derive(Debug, Clone)]
pub struct State {
    pub profile: String,
    pub backend: BackendLabel,
    pub phase: Phase,
    /// The profile's WABA ids and businesses, or empty to ask the token.
    pub configured_wabas: (Vec<String>, Vec<String>),
    /// What was read from the API, and the requests still awaited.
    pub store: Store,
    pub source: Option<String>,
    pub destination: Option<String>,
    /// The kind of move the checklist judges (its rules differ per scenario).
    pub scenario: Scenario,
    /// Register calls per number (E.164 digits) in the last 72 hours, from the journals.
    pub register_attempts: std::collections::HashMap<String, u32>,
    /// Id of the number the checklist is about.
    pub selected_number: Option<String>,
    pub numbers_cursor: ListCursor,
    /// The numbers filter; `filter_editing` while the operator types it.
    pub number_filter: Input,
    pub filter_editing: bool,
    pub checklist_scroll: u16,
    pub log: VecDeque<Logged>,
    pub log_visible: bool,
    /// Lines back from the newest line shown; the log's cursor when it has the focus.
    pub log_scroll: u16,
    /// The log's filter.
    pub log_view: LogView,
    /// An instant and the wall-clock time it was, to show when lines were logged
    /// (`update` reads no clock; the event loop sets it at start).
    pub wall_anchor: Option<(Instant, SystemTime)>,
    pub rate_usage: Option<RateUsage>,
    /// A call that has waited longer than a few seconds, for the top bar.
    pub slow_call: Option<Waiting>,
    pub focus: Pane,
    pub popup: Option<Popup>,
    /// A one-line sentence for the status line (a copy, a refusal), until the next key.
    pub flash: Option<String>,
    /// The fleet board: shown over the panes while open, its fleet kept when closed.
    pub board: Board,
    /// The template review screen, when open (it replaces the panes).
    pub templates: Option<TemplateView>,
    pub recent: Recent,
    pub keymap: Keymap,
    /// Terminal size, for layout-dependent keys and mouse hits.
    pub screen: Rect,
    pub now: Instant,
    pub last_synced: Option<Instant>,
    pub spinner_frame: usize,
    pub auto_refresh: Option<Duration>,
    pub next_auto_refresh: Option<Instant>,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// The guided migration wizard, while it is open (it covers the panes).
    pub wizard: Option<Wizard>,
    /// The journals screen, while it is open (over the board and the panes).
    pub journals: Option<JournalsView>,
    /// Counts changes of the data read (answers, journaled register calls), so derived
    /// views know when to recompute.
    pub data_generation: u64,
    /// Views derived from the data and the selection (visible numbers, checklist).
    pub derived: Derived,
}

impl State {
    /// The state of the first frame: nothing loaded, everything on its way.
    pub fn new(
        settings: &Settings,
        keymap: Keymap,
        recent: Recent,
        screen: Rect,
        now: Instant,
    ) -> State {
        State {
            profile: settings.profile.clone(),
            backend: initial_label(settings),
            phase: Phase::Connecting,
            configured_wabas: (settings.wabas.clone(), settings.businesses.clone()),
            register_attempts: std::collections::HashMap::new(),
            store: Store::default(),
            source: None,
            destination: None,
            scenario: DEFAULT_SCENARIO,
            selected_number: None,
            numbers_cursor: ListCursor::default(),
            number_filter: Input::default(),
            filter_editing: false,
            checklist_scroll: 0,
            // Start-up warnings (unencrypted http allowed, a token file others can read)
            // open the log pane, as the CLI prints them first.
            log: settings
                .warnings
                .iter()
                .map(|w| Logged {
                    at: now,
                    entry: LogEntry::Notice {
                        text: format!("warning: {w}"),
                        is_error: true,
                    },
                })
                .collect(),
            log_visible: !settings.warnings.is_empty(),
            log_scroll: 0,
            log_view: LogView::default(),
            wall_anchor: None,
            rate_usage: None,
            slow_call: None,
            focus: Pane::Numbers,
            popup: None,
            flash: None,
            board: Board::default(),
            templates: None,
            recent,
            keymap,
            screen,
            now,
            last_synced: None,
            spinner_frame: 0,
            auto_refresh: settings.auto_refresh,
            next_auto_refresh: None,
            dirty: true,
            wizard: None,
            journals: None,
            data_generation: 0,
            derived: Derived::default(),
        }
    }

    /// The record of a WABA, if it was ever listed.
    pub fn record(&self, waba_id: Option<&str>) -> Option<&WabaRecord> {
        self.store.record(waba_id)
    }

    /// The screen on top, whose keymap the keys are read with.
    pub fn screen(&self) -> Screen {
        if self.wizard.is_some() {
            Screen::Wizard
        } else if self.journals.is_some() {
            Screen::Journals
        } else if self.board.open {
            Screen::Board
        } else if self.templates.is_some() {
            Screen::Templates
        } else {
            Screen::Main
        }
    }

    /// Whether the screen in front takes typed text now (a filter, a search, a path):
    /// there, letters such as `q` and `?` are text.
    pub fn typing(&self) -> bool {
        if matches!(self.popup, Some(Popup::Picker(_) | Popup::Palette(_))) {
            return true;
        }
        match self.screen() {
            Screen::Wizard => self.wizard.as_ref().is_some_and(Wizard::typing),
            Screen::Board => self.board.filter_editing,
            Screen::Templates => self.templates.as_ref().is_some_and(|v| v.search_editing),
            Screen::Main => self.filter_editing || self.log_view.filter_editing,
            Screen::Journals => false,
        }
    }

    /// Whether anything is in flight (the spinner turns, ticks come faster).
    pub fn is_busy(&self) -> bool {
        self.store.in_flight() > 0
            || self.phase == Phase::Connecting
            // Rows stream in: ticks build the view the last ones left stale.
            || self.board.refresh.is_some()
            || self.wizard.as_ref().is_some_and(Wizard::is_working)
            || self
                .templates
                .as_ref()
                .is_some_and(TemplateView::is_running)
    }

    /// The source WABA's numbers that pass the filter, best match first when filtering
    /// (computed by `update` when the list or the filter changes: [`Derived`]).
    pub fn visible_numbers(&self) -> Vec<(&PhoneNumber, &FuzzyMatch)> {
        let Some(numbers) = self
            .record(self.source.as_deref())
            .and_then(|r| r.numbers.value())
        else {
            return Vec::new();
        };
        self.derived
            .numbers
            .iter()
            .filter_map(|(index, matched)| Some((numbers.get(*index)?, matched)))
            .collect()
    }

    /// The selected number as best known: the fresh read, else the list's copy.
    pub fn selected_phone(&self) -> Option<&PhoneNumber> {
        let id = self.selected_number.as_deref()?;
        self.store
            .number_detail
            .value()
            .filter(|n| n.id == id)
            .or_else(|| {
                self.record(self.source.as_deref())?
                    .numbers
                    .value()?
                    .iter()
                    .find(|n| n.id == id)
            })
    }

    /// Whether data the checklist needs is still on its way ("checking…").
    pub fn checklist_pending(&self) -> bool {
        let pending = |r: Option<&WabaRecord>| {
            r.is_none_or(|r| {
                r.waba.is_loading()
                    || r.numbers.is_loading()
                    || r.apps.is_loading()
                    || r.templates.is_loading()
            })
        };
        self.phase == Phase::Connecting
            || self.store.number_detail.is_loading()
            || pending(self.record(self.source.as_deref()))
            || pending(self.record(self.destination.as_deref()))
    }

    /// The rows of a picker: recently used (on that side) first, or best match first
    /// when a query is typed; each side's WABA is marked in the other side's picker.
    pub fn picker_candidates(&self, picker: &Picker) -> Vec<Candidate> {
        let query = picker.query.value();
        let (current, other, other_note) = match picker.kind {
            PickerKind::Number => (self.selected_number.as_deref(), None, None),
            PickerKind::Source => (
                self.source.as_deref(),
                self.destination.as_deref(),
                Some(strings::NOTE_DESTINATION),
            ),
            PickerKind::Destination => (
                self.destination.as_deref(),
                self.source.as_deref(),
                Some(strings::NOTE_SOURCE),
            ),
        };
        let note = |key: &str| {
            if Some(key) == current {
                Some(strings::NOTE_CURRENT)
            } else if Some(key) == other {
                other_note
            } else {
                None
            }
        };
        let (options, recent): (Vec<PickerOption>, &[String]) = match picker.kind {
            PickerKind::Number => (
                self.record(self.source.as_deref())
                    .and_then(|r| r.numbers.value())
                    .map(|ns| {
                        ns.iter()
                            .map(|n| (n.id.clone(), number_search_text(n), number_match(query, n)))
                            .collect()
                    })
                    .unwrap_or_default(),
                &self.recent.numbers,
            ),
            PickerKind::Source | PickerKind::Destination => (
                self.store
                    .waba_ids
                    .value()
                    .map(|ids| {
                        ids.iter()
                            .map(|id| {
                                let text = self.waba_search_text(id);
                                let matched = search_match(query, &text);
                                (id.clone(), text, matched)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                if picker.kind == PickerKind::Source {
                    &self.recent.sources
                } else {
                    &self.recent.destinations
                },
            ),
        };
        let rank = |key: &str| recent.iter().position(|r| r == key).unwrap_or(usize::MAX);
        let mut candidates: Vec<Candidate> = options
            .into_iter()
            .filter_map(|(key, text, matched)| {
                Some(Candidate {
                    recent: rank(&key) != usize::MAX,
                    note: note(&key),
                    matched: matched?,
                    key,
                    text,
                })
            })
            .collect();
        candidates.sort_by_key(|c| (c.matched.rank(), rank(&c.key)));
        candidates
    }

    /// "Name · id · owner" of a WABA, as pickers show and match it.
    pub fn waba_search_text(&self, id: &str) -> String {
        match self.store.wabas.get(id).and_then(|r| r.waba.value()) {
            Some(w) => match w.owner_business_label() {
                Some(owner) => [w.label(), id, owner].join(FIELD_SEPARATOR),
                None => [w.label(), id].join(FIELD_SEPARATOR),
            },
            None => id.to_string(),
        }
    }

    /// Appends to the log, dropping the oldest entries past [`LOG_CAPACITY`].
    pub fn push_log(&mut self, entry: LogEntry) {
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(Logged {
            at: self.now,
            entry,
        });
    }

    /// The label of the data's age, if anything was synced.
    pub fn synced_label(&self) -> Option<String> {
        self.last_synced
            .map(|t| strings::synced_ago(self.now.saturating_duration_since(t).as_secs()))
    }
}

/// One row a picker may offer: its key, the text it is matched and shown by, and how it
/// matches the query (`None`: it does not).
type PickerOption = (String, String, Option<FuzzyMatch>);

/// "+1 631-555-0101  ·  Jasper's Market  ·  APPROVED  ·  CONNECTED": what a number is
/// matched and shown by in pickers and filters.
pub fn number_search_text(n: &PhoneNumber) -> String {
    let mut parts = vec![n.label().to_string()];
    parts.extend(n.verified_name.clone());
    parts.extend(n.name_status.as_ref().map(|s| s.as_str().to_string()));
    parts.extend(n.status.as_ref().map(|s| s.as_str().to_string()));
    parts.join(FIELD_SEPARATOR)
}

/// How a number matches what the operator typed: digits against the number's digits
/// only (as one run), words against its [`number_search_text`].
pub fn number_match(query: &str, n: &PhoneNumber) -> Option<FuzzyMatch> {
    match digits_query(query) {
        Some(digits) => digits_match(&digits, n.label()),
        None => search_match(query, &number_search_text(n)),
    }
}

/// The backend label known before connecting (the sandbox's port comes later).
fn initial_label(settings: &Settings) -> BackendLabel {
    match &settings.backend {
        Backend::Sandbox => BackendLabel::Sandbox {
            base_url: String::new(),
        },
        Backend::Live(live) => BackendLabel::live(settings, live),
    }
}
