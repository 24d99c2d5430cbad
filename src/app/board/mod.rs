//! The fleet board (`f`): every number of every WABA read, joined with its 360dialog
//! channel and its journaled migration, as one table to sort, filter, group, refresh and
//! export. This module is the board's state and its pure update logic (called by
//! `update`); `refresh` is the worker side that reads the fleet WABA by WABA. Rows, the
//! filter language, sorting, grouping and change detection are the fleet domain's
//! ([`crate::domain::fleet`]), computed here on key presses and answers, never while
//! drawing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::domain::fleet::{
    Change, Column, FilterExpr, FleetRow, FleetSnapshot, Grouping, RowOrigin, Summary, changes,
    group,
};
use crate::ops::export::ExportFormat;
use crate::ops::fleet_read::{FleetEvent, FleetGathered, FleetQuery};

use super::action::{Effect, RequestId};
use super::keymap::KeyAction;
use super::state::{ListCursor, LogEntry, Phase, Popup, State};
use super::strings::board as text;
use super::ui::board::BoardLayout;
use super::update::open_number;

pub mod refresh;

/// What the board asks the worker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum BoardCommand {
    /// Read the fleet; a newer read replaces (aborts) the one under way.
    Refresh(FleetRead),
    /// Stop the read under way (Esc).
    CancelRefresh,
    /// Write these rows (the current view) to `<data dir>/exports/`.
    Export {
        rows: Vec<FleetRow>,
        format: ExportFormat,
    },
}

/// One refresh of the fleet, identified so that answers of an older one are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRead {
    pub request_id: RequestId,
    pub query: FleetQuery,
}

/// What the worker reports to the board.
#[derive(Debug, Clone)]
pub enum BoardEvent {
    /// Progress of the refresh `request_id`.
    Refresh {
        request_id: RequestId,
        progress: FleetEvent,
    },
    /// An export finished: its path, or the sentence of why not.
    Exported {
        rows: usize,
        result: Result<PathBuf, String>,
    },
}

/// A line of the board's table: a group header, or a row (index into the fleet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardLine {
    Group { label: String, count: usize },
    Row(usize),
}

/// A cell that differs from the previous refresh, with the value it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellChange {
    pub column: Column,
    pub old: String,
}

/// A one-line message in the board's status area (export path, cancelled refresh).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// A refresh under way: what has arrived so far.
#[derive(Debug, Clone)]
pub struct RefreshRun {
    pub request_id: RequestId,
    pub gathered: FleetGathered,
}

/// The board's state. It outlives the screen being open, so `f` again shows the last
/// refresh at once.
#[derive(Debug, Clone)]
pub struct Board {
    pub open: bool,
    /// The rows of the last completed refresh, with their search texts.
    pub fleet: FleetSnapshot,
    /// Whether a refresh ever completed (until then an empty fleet means "not read").
    pub loaded: bool,
    pub sort: Column,
    pub descending: bool,
    pub grouping: Option<Grouping>,
    /// The view: rows passing the filter, sorted, under their group headers.
    pub lines: Vec<BoardLine>,
    /// Rows in the view (lines minus group headers).
    pub shown: usize,
    /// Counts per status and quality of the view.
    pub summary: Summary,
    pub cursor: ListCursor,
    pub filter_input: Input,
    pub filter_editing: bool,
    /// The last filter that parsed: the view keeps it while the input has an error.
    pub filter: FilterExpr,
    pub filter_error: Option<String>,
    /// Cells that differ from the previous refresh, by row id.
    pub changed: HashMap<String, Vec<CellChange>>,
    /// Rows that were not in the previous refresh.
    pub added: HashSet<String>,
    pub removed: usize,
    pub refresh: Option<RefreshRun>,
    /// Start a refresh as soon as the API is connected (the board opened before it was).
    pub refresh_wanted: bool,
    pub next_auto_refresh: Option<Instant>,
    /// Sentences of the sources the current or last refresh could not read.
    pub failures: Vec<String>,
    pub notice: Option<Notice>,
    /// The selected row's fields (with old → new values) are shown over the table.
    pub detail_open: bool,
}

impl Default for Board {
    fn default() -> Board {
        Board {
            open: false,
            fleet: FleetSnapshot::default(),
            loaded: false,
            sort: Column::Waba,
            descending: false,
            grouping: None,
            lines: Vec::new(),
            shown: 0,
            summary: Summary::default(),
            cursor: ListCursor::default(),
            filter_input: Input::default(),
            filter_editing: false,
            filter: FilterExpr::default(),
            filter_error: None,
            changed: HashMap::new(),
            added: HashSet::new(),
            removed: 0,
            refresh: None,
            refresh_wanted: false,
            next_auto_refresh: None,
            failures: Vec::new(),
            notice: None,
            detail_open: false,
        }
    }
}

impl Board {
    /// The row under the cursor (none on a group header).
    pub fn selected_row(&self) -> Option<&FleetRow> {
        match self.lines.get(self.cursor.selected)? {
            BoardLine::Row(index) => self.fleet.rows().get(*index),
            BoardLine::Group { .. } => None,
        }
    }

    /// The cells of a row that changed since the previous refresh.
    pub fn changes_of(&self, row_id: &str) -> &[CellChange] {
        self.changed.get(row_id).map_or(&[], Vec::as_slice)
    }

    /// The rows of the view in view order (group by group when grouped): what `e`
    /// exports.
    pub fn view_rows(&self) -> impl Iterator<Item = &FleetRow> {
        let rows = self.fleet.rows();
        self.lines.iter().filter_map(move |line| match line {
            BoardLine::Row(index) => Some(&rows[*index]),
            BoardLine::Group { .. } => None,
        })
    }

    /// The next grouping `G` switches to: none, WABA, business, none.
    fn next_grouping(&self) -> Option<Grouping> {
        match self.grouping {
            None => Some(Grouping::Waba),
            Some(Grouping::Waba) => Some(Grouping::Business),
            Some(Grouping::Business) => None,
        }
    }

    /// Recomputes the view after the fleet, the filter, the sort or the grouping
    /// changed, keeping the cursor on the same number when it is still shown.
    fn rebuild_view(&mut self) {
        let keep = self.selected_row().map(|r| r.id.clone());
        let view = self.fleet.view(&self.filter, self.sort, self.descending);
        let rows = self.fleet.rows();
        self.summary = Summary::of(view.iter().map(|&i| &rows[i]));
        self.shown = view.len();
        self.lines = match self.grouping {
            None => view.into_iter().map(BoardLine::Row).collect(),
            Some(by) => group(rows, &view, by)
                .into_iter()
                .flat_map(|g| {
                    let header = BoardLine::Group {
                        label: g.label,
                        count: g.rows.len(),
                    };
                    std::iter::once(header).chain(g.rows.into_iter().map(BoardLine::Row))
                })
                .collect(),
        };
        let position = |wanted: &dyn Fn(&FleetRow) -> bool| {
            self.lines
                .iter()
                .position(|l| matches!(l, BoardLine::Row(i) if wanted(&rows[*i])))
        };
        self.cursor.selected = keep
            .and_then(|id| position(&|r: &FleetRow| r.id == id))
            .or_else(|| position(&|_| true))
            .unwrap_or(0);
    }
}

/// `f`: shows the board, reading the fleet the first time.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.board.open = true;
    if !state.board.loaded && state.board.refresh.is_none() {
        state.board.refresh_wanted = true;
    }
    settle_cursor(state);
    refresh_if_due(state)
}

/// A key while the board is open (and no popup is).
pub fn on_key(state: &mut State, key: KeyEvent, action: Option<KeyAction>) -> Vec<Effect> {
    if state.board.filter_editing {
        on_filter_key(state, key);
        return Vec::new();
    }
    let Some(action) = action else {
        state.dirty = false;
        return Vec::new();
    };
    if state.board.detail_open {
        match action {
            KeyAction::Back | KeyAction::Quit | KeyAction::RowDetail => {
                state.board.detail_open = false
            }
            KeyAction::Up => move_cursor(state, -1),
            KeyAction::Down => move_cursor(state, 1),
            KeyAction::Help => state.popup = Some(Popup::Help { scroll: 0 }),
            _ => {}
        }
        return Vec::new();
    }
    on_board_action(state, action)
}

/// A board answer from the worker; answers of a replaced refresh are dropped.
pub fn on_event(state: &mut State, event: BoardEvent) -> Vec<Effect> {
    match event {
        BoardEvent::Refresh {
            request_id,
            progress,
        } => on_progress(state, request_id, progress),
        BoardEvent::Exported { rows, result } => {
            let notice = match result {
                Ok(path) => Notice {
                    text: text::exported(rows, &path),
                    is_error: false,
                },
                Err(sentence) => Notice {
                    text: sentence,
                    is_error: true,
                },
            };
            state.push_log(LogEntry::Notice {
                text: notice.text.clone(),
                is_error: notice.is_error,
            });
            state.board.notice = Some(notice);
        }
    }
    Vec::new()
}

/// Time passed: the first read once connected, and the auto-refresh of the config.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    if !state.board.open {
        return Vec::new();
    }
    let auto_due = state.board.refresh.is_none()
        && state
            .board
            .next_auto_refresh
            .is_some_and(|due| state.now >= due);
    if auto_due {
        state.board.refresh_wanted = true;
    }
    refresh_if_due(state)
}

/// The terminal or the layout changed: keep the selected row in view.
pub fn settle_cursor(state: &mut State) {
    let height = table_rows(state);
    state.board.cursor.keep_visible(height);
}

/// Wheel scrolls, a click selects the row under it (and closes the detail view).
pub fn on_mouse(state: &mut State, mouse: MouseEvent) {
    match mouse.kind {
        MouseEventKind::ScrollDown => move_cursor(state, 1),
        MouseEventKind::ScrollUp => move_cursor(state, -1),
        MouseEventKind::Down(MouseButton::Left) => {
            state.board.detail_open = false;
            let body = layout(state).map(|l| l.body).unwrap_or_default();
            let at = Position::new(mouse.column, mouse.row);
            if body.contains(at) {
                let line = state.board.cursor.offset + (at.y - body.y) as usize;
                if line < state.board.lines.len() {
                    state.board.cursor.selected = line;
                }
            }
        }
        _ => state.dirty = false,
    }
}

fn on_board_action(state: &mut State, action: KeyAction) -> Vec<Effect> {
    let page = table_rows(state).max(1) as isize;
    match action {
        KeyAction::Quit => close(state),
        KeyAction::Back if state.board.refresh.is_some() => {
            state.board.refresh = None;
            state.board.notice = Some(Notice {
                text: text::REFRESH_CANCELLED.to_string(),
                is_error: false,
            });
            return vec![Effect::Board(BoardCommand::CancelRefresh)];
        }
        KeyAction::Back if !state.board.filter_input.value().is_empty() => {
            state.board.filter_input.reset();
            apply_filter(state);
        }
        KeyAction::Back => close(state),
        KeyAction::Up => move_cursor(state, -1),
        KeyAction::Down => move_cursor(state, 1),
        KeyAction::PageUp => move_cursor(state, -page),
        KeyAction::PageDown => move_cursor(state, page),
        KeyAction::Top => move_cursor(state, isize::MIN / 2),
        KeyAction::Bottom => move_cursor(state, isize::MAX / 2),
        KeyAction::Select => return open_selected(state),
        KeyAction::Filter => state.board.filter_editing = true,
        KeyAction::Refresh => return start_refresh(state),
        KeyAction::ToggleLog => {
            state.log_visible = !state.log_visible;
            settle_cursor(state);
        }
        KeyAction::Help => state.popup = Some(Popup::Help { scroll: 0 }),
        KeyAction::SortColumn => {
            state.board.sort = state.board.sort.next();
            refresh_view(state);
        }
        KeyAction::SortReverse => {
            state.board.descending = !state.board.descending;
            refresh_view(state);
        }
        KeyAction::GroupRows => {
            state.board.grouping = state.board.next_grouping();
            refresh_view(state);
        }
        KeyAction::ExportCsv => return export(state, ExportFormat::Csv),
        KeyAction::ExportJson => return export(state, ExportFormat::Json),
        KeyAction::RowDetail => state.board.detail_open = state.board.selected_row().is_some(),
        // Panes, pickers and the other screens' keys mean nothing here.
        _ => state.dirty = false,
    }
    Vec::new()
}

fn on_filter_key(state: &mut State, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            state.board.filter_editing = false;
            state.board.filter_input.reset();
            apply_filter(state);
        }
        KeyCode::Enter => state.board.filter_editing = false,
        KeyCode::Up => move_cursor(state, -1),
        KeyCode::Down => move_cursor(state, 1),
        _ => {
            let request = to_input_request(&crossterm::event::Event::Key(key));
            if let Some(request) = request {
                if state
                    .board
                    .filter_input
                    .handle(request)
                    .is_some_and(|r| r.value)
                {
                    apply_filter(state);
                }
            }
        }
    }
}

/// Parses the filter input: a valid filter becomes the view's, an invalid one shows
/// the parser's sentence and leaves the view as it was.
fn apply_filter(state: &mut State) {
    match FilterExpr::parse(state.board.filter_input.value()) {
        Ok(filter) => {
            state.board.filter = filter;
            state.board.filter_error = None;
            refresh_view(state);
        }
        Err(error) => {
            state.board.filter_error = Some(error.to_string());
            settle_cursor(state);
        }
    }
}

fn refresh_view(state: &mut State) {
    state.board.rebuild_view();
    settle_cursor(state);
}

fn close(state: &mut State) {
    state.board.open = false;
    state.board.detail_open = false;
    state.board.filter_editing = false;
}

fn move_cursor(state: &mut State, delta: isize) {
    let height = table_rows(state);
    let len = state.board.lines.len();
    state.board.cursor.move_by(delta, len, height);
}

fn layout(state: &State) -> Option<BoardLayout> {
    BoardLayout::compute(
        state.screen,
        state.log_visible,
        state.board.filter_error.is_some(),
    )
}

fn table_rows(state: &State) -> usize {
    layout(state).map_or(1, |l| l.body.height as usize)
}

/// Enter: the number in the main screen, as source with its checklist; a channel with
/// no Graph number has nothing to open and says so.
fn open_selected(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.board.selected_row() else {
        state.dirty = false;
        return Vec::new();
    };
    if row.origin == RowOrigin::PartnerOnly {
        state.board.notice = Some(Notice {
            text: text::partner_only(row.label()),
            is_error: true,
        });
        return Vec::new();
    }
    let (waba_id, number_id) = (row.waba_id.clone(), row.id.clone());
    close(state);
    open_number(state, &waba_id, &number_id)
}

/// `e`/`E`: the view's rows, in view order, to the worker to write.
fn export(state: &mut State, format: ExportFormat) -> Vec<Effect> {
    let rows: Vec<FleetRow> = state.board.view_rows().cloned().collect();
    if rows.is_empty() {
        state.board.notice = Some(Notice {
            text: text::NOTHING_TO_EXPORT.to_string(),
            is_error: true,
        });
        return Vec::new();
    }
    state.board.notice = Some(Notice {
        text: text::exporting(rows.len()),
        is_error: false,
    });
    vec![Effect::Board(BoardCommand::Export { rows, format })]
}

fn refresh_if_due(state: &mut State) -> Vec<Effect> {
    if state.board.refresh_wanted && state.phase == Phase::Ready {
        start_refresh(state)
    } else {
        Vec::new()
    }
}

/// `r`: reads the fleet again (a read under way is replaced: its answers become stale).
/// Before the API is connected the read waits for it.
fn start_refresh(state: &mut State) -> Vec<Effect> {
    if state.phase != Phase::Ready {
        state.board.refresh_wanted = true;
        return Vec::new();
    }
    let request_id = state.take_request_id();
    // Also started by ticks, which do not mark the screen dirty by themselves.
    state.dirty = true;
    let board = &mut state.board;
    board.refresh_wanted = false;
    board.next_auto_refresh = None;
    board.refresh = Some(RefreshRun {
        request_id,
        gathered: FleetGathered::default(),
    });
    board.failures.clear();
    board.notice = None;
    let (wabas, businesses) = state.configured_wabas.clone();
    vec![Effect::Board(BoardCommand::Refresh(FleetRead {
        request_id,
        query: FleetQuery {
            waba_ids: state.waba_ids.value().cloned(),
            wabas,
            businesses,
        },
    }))]
}

fn on_progress(state: &mut State, request_id: RequestId, progress: FleetEvent) {
    let Some(run) = state
        .board
        .refresh
        .as_mut()
        .filter(|r| r.request_id == request_id)
    else {
        // Stale: a newer refresh replaced this one, or it was cancelled.
        state.dirty = false;
        return;
    };
    let finished = matches!(progress, FleetEvent::Finished);
    let failure = run.gathered.absorb(progress);
    if !run.gathered.discovered() {
        state.board.refresh = None;
    }
    if let Some(failure) = failure {
        let sentence = failure.to_string();
        state.push_log(LogEntry::Notice {
            text: sentence.clone(),
            is_error: true,
        });
        state.board.failures.push(sentence);
    }
    if finished {
        finish_refresh(state);
    }
}

/// Swaps in the rows of a completed refresh and marks what changed since the last one.
fn finish_refresh(state: &mut State) {
    let Some(run) = state.board.refresh.take() else {
        return;
    };
    let board = &mut state.board;
    let previous = std::mem::take(&mut board.fleet).into_rows();
    let rows = run.gathered.assemble(&previous);
    if board.loaded {
        mark_changes(board, &previous, &rows);
    }
    board.fleet = FleetSnapshot::new(rows);
    board.loaded = true;
    board.next_auto_refresh = state.auto_refresh.map(|period| state.now + period);
    refresh_view(state);
}

fn mark_changes(board: &mut Board, previous: &[FleetRow], current: &[FleetRow]) {
    board.changed.clear();
    board.added.clear();
    board.removed = 0;
    for change in changes(previous, current) {
        match change.change {
            Change::Added => {
                board.added.insert(change.id);
            }
            Change::Removed => board.removed += 1,
            Change::Value { column, old, .. } => board
                .changed
                .entry(change.id)
                .or_default()
                .push(CellChange { column, old }),
        }
    }
}

#[cfg(test)]
mod tests;
