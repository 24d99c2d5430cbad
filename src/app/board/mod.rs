//! The fleet board (`f`): every number of every WABA read, joined with its 360dialog
//! channel and its journaled migration, as one table to sort, filter, group, refresh and
//! export. A refresh shows each WABA's rows as they arrive (the view is rebuilt at most
//! every [`VIEW_REBUILD`], so a fleet of 100,000 numbers arriving in 2,000 pieces is not
//! re-sorted 2,000 times). This module is the board's state and its pure handlers (`&mut Board` and a
//! [`Context`], called by `update`); `refresh` holds its jobs (the fleet read, exports). Rows, the
//! filter language, sorting, grouping and change detection are the fleet domain's
//! ([`crate::domain::fleet`]), computed here on key presses and answers, never while
//! drawing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::domain::fleet::{
    Change, Column, FilterExpr, FleetRow, FleetSnapshot, Grouping, RowChange, RowOrigin, Summary,
    group,
};
use crate::ops::export::ExportFormat;
use crate::ops::fleet_read::{FleetEvent, FleetGathered, FleetQuery};

use super::action::{Effect, RequestId};
use super::clipboard::Copied;
use super::keymap::KeyAction;
use super::layout::BoardLayout;
use super::screen::{Context, Handled, Outcome};
use super::state::{ListCursor, LogEntry};
use super::strings;
use super::strings::board as text;
use crate::ops::file_error::FileError;

mod arrival;
pub mod batch;
pub mod columns;
pub mod refresh;
pub mod selection;

/// Shortest time between two rebuilds of the view while a refresh streams rows in.
pub const VIEW_REBUILD: Duration = Duration::from_millis(200);

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
        result: Result<PathBuf, FileError>,
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
    /// The board had no rows when it started: what arrives is not marked as new.
    pub first: bool,
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
    /// Columns scrolled past to the right (`l`); 0 shows the most important ones.
    pub first_column: usize,
    /// Rows arrived since the view was last built.
    pub view_stale: bool,
    /// When the view was last built.
    pub view_built: Option<Instant>,
    /// The rows selected for a batch (`Space`, `*`).
    pub selection: selection::Selection,
    /// The batch page and the batch under way (`m`).
    pub batch: batch::Batch,
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
            first_column: 0,
            view_stale: false,
            view_built: None,
            selection: selection::Selection::default(),
            batch: batch::Batch::default(),
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
        // A cursor on the first line stays there (rows streaming in sort in above it);
        // elsewhere it stays on its number.
        let keep = self
            .selected_row()
            .filter(|_| self.cursor.selected > 0)
            .map(|r| r.id.clone());
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

impl Board {
    /// `f`: shows the board, reading the fleet the first time.
    pub fn open(&mut self, ctx: &mut Context) -> Handled {
        self.open = true;
        if !self.loaded && self.refresh.is_none() {
            self.refresh_wanted = true;
        }
        self.settle_cursor(ctx);
        self.refresh_if_due(ctx)
    }

    /// A key while the board is open (and no popup is); `action` is what the board's
    /// keymap binds it to.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        action: Option<KeyAction>,
        ctx: &mut Context,
    ) -> Handled {
        if self.filter_editing {
            self.on_filter_key(key, ctx);
            return Handled::done();
        }
        let Some(action) = action else {
            return Handled::ignored();
        };
        if self.detail_open {
            match action {
                KeyAction::Back | KeyAction::RowDetail => self.detail_open = false,
                KeyAction::Up => self.move_cursor(-1, ctx),
                KeyAction::Down => self.move_cursor(1, ctx),
                _ => {}
            }
            return Handled::done();
        }
        self.on_action(action, ctx)
    }

    /// A board answer from the worker; answers of a replaced refresh are dropped.
    pub fn on_event(&mut self, event: BoardEvent, ctx: &mut Context) -> Handled {
        match event {
            BoardEvent::Refresh {
                request_id,
                progress,
            } => self.on_progress(request_id, progress, ctx),
            BoardEvent::Exported { rows, result } => {
                let notice = match result {
                    Ok(path) => Notice {
                        text: text::exported(rows, &path),
                        is_error: false,
                    },
                    Err(error) => Notice {
                        text: text::export_failed(&error),
                        is_error: true,
                    },
                };
                let log = LogEntry::Notice {
                    text: notice.text.clone(),
                    is_error: notice.is_error,
                };
                self.notice = Some(notice);
                Handled::outcome(Outcome::Log(log))
            }
        }
    }

    /// Time passed: the first read once connected, and the auto-refresh of the config.
    pub fn on_tick(&mut self, ctx: &mut Context) -> Handled {
        if !self.open {
            return Handled::ignored();
        }
        if self.view_stale {
            self.refresh_view(ctx);
            return Handled::done();
        }
        let auto_due =
            self.refresh.is_none() && self.next_auto_refresh.is_some_and(|due| ctx.now >= due);
        if auto_due {
            self.refresh_wanted = true;
        }
        self.refresh_if_due(ctx)
    }

    /// The terminal or the layout changed: keep the selected row in view.
    pub fn settle_cursor(&mut self, ctx: &Context) {
        let height = self.table_rows(ctx);
        self.cursor.keep_visible(height);
    }

    /// Wheel scrolls, a click selects the row under it (and closes the detail view).
    pub fn on_mouse(&mut self, mouse: MouseEvent, ctx: &Context) -> Handled {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_cursor(1, ctx),
            MouseEventKind::ScrollUp => self.move_cursor(-1, ctx),
            MouseEventKind::Down(MouseButton::Left) => {
                self.detail_open = false;
                let body = self.layout(ctx).map(|l| l.body).unwrap_or_default();
                let at = Position::new(mouse.column, mouse.row);
                if body.contains(at) {
                    let line = self.cursor.offset + (at.y - body.y) as usize;
                    if line < self.lines.len() {
                        self.cursor.selected = line;
                    }
                }
            }
            _ => return Handled::ignored(),
        }
        Handled::done()
    }

    fn on_action(&mut self, action: KeyAction, ctx: &mut Context) -> Handled {
        let page = self.table_rows(ctx).max(1) as isize;
        match action {
            KeyAction::Back if self.refresh.is_some() => {
                self.refresh = None;
                self.notice = Some(Notice {
                    text: text::REFRESH_CANCELLED.to_string(),
                    is_error: false,
                });
                // The rows that arrived stay: they are the newest there are.
                self.refresh_view(ctx);
                return Handled::effects(vec![Effect::Board(BoardCommand::CancelRefresh)]);
            }
            KeyAction::Back if !self.filter_input.value().is_empty() => {
                self.filter_input.reset();
                self.apply_filter(ctx);
            }
            KeyAction::Back => self.close(),
            KeyAction::Up => self.move_cursor(-1, ctx),
            KeyAction::Down => self.move_cursor(1, ctx),
            KeyAction::PageUp => self.move_cursor(-page, ctx),
            KeyAction::PageDown => self.move_cursor(page, ctx),
            KeyAction::Top => self.move_cursor(isize::MIN / 2, ctx),
            KeyAction::Bottom => self.move_cursor(isize::MAX / 2, ctx),
            KeyAction::Select => return self.open_selected(),
            KeyAction::Filter => self.filter_editing = true,
            KeyAction::Refresh => return self.start_refresh(ctx),
            KeyAction::ToggleLog => {
                // The layout depends on the log pane: settle once it is toggled.
                ctx.log_visible = !ctx.log_visible;
                self.settle_cursor(ctx);
                return Handled::outcome(Outcome::ToggleLog);
            }
            KeyAction::SortColumn => {
                self.sort = self.sort.next();
                self.refresh_view(ctx);
            }
            KeyAction::SortReverse => {
                self.descending = !self.descending;
                self.refresh_view(ctx);
            }
            KeyAction::GroupRows => {
                self.grouping = self.next_grouping();
                self.refresh_view(ctx);
            }
            KeyAction::ScrollRight => {
                if columns::can_scroll_right(self.table_width(ctx), self.sort, self.first_column) {
                    self.first_column += 1;
                }
            }
            KeyAction::ScrollLeft => self.first_column = self.first_column.saturating_sub(1),
            KeyAction::ExportCsv => return self.export(ExportFormat::Csv),
            KeyAction::ExportJson => return self.export(ExportFormat::Json),
            KeyAction::RowDetail => self.detail_open = self.selected_row().is_some(),
            KeyAction::ToggleSelect => self.toggle_selected(),
            KeyAction::SelectAll => self.select_all_shown(),
            KeyAction::Yank => return self.yank(false),
            KeyAction::YankId => return self.yank(true),
            // The board's keymap binds nothing else.
            _ => return Handled::ignored(),
        }
        Handled::done()
    }

    fn on_filter_key(&mut self, key: KeyEvent, ctx: &Context) {
        match key.code {
            KeyCode::Esc => {
                self.filter_editing = false;
                self.filter_input.reset();
                self.apply_filter(ctx);
            }
            KeyCode::Enter => self.filter_editing = false,
            KeyCode::Up => self.move_cursor(-1, ctx),
            KeyCode::Down => self.move_cursor(1, ctx),
            _ => {
                let request = to_input_request(&crossterm::event::Event::Key(key));
                if let Some(request) = request
                    && self.filter_input.handle(request).is_some_and(|r| r.value)
                {
                    self.apply_filter(ctx);
                }
            }
        }
    }

    /// Parses the filter input: the terms that parse make the view; a term in error
    /// is left out and its sentence shown, so the view is the last valid one (what the
    /// other terms select) while the operator fixes it.
    fn apply_filter(&mut self, ctx: &Context) {
        let (filter, error) = FilterExpr::parse_lenient(self.filter_input.value());
        self.filter_error = error.map(|e| e.to_string());
        if filter != self.filter {
            self.filter = filter;
            self.rebuild_view();
        }
        self.settle_cursor(ctx);
    }

    fn refresh_view(&mut self, ctx: &Context) {
        self.rebuild_view();
        self.view_stale = false;
        self.view_built = Some(ctx.now);
        self.settle_cursor(ctx);
    }

    /// Leaves the board for the main screen (its fleet stays for the next `f`).
    pub fn close(&mut self) {
        self.open = false;
        self.detail_open = false;
        self.filter_editing = false;
    }

    fn move_cursor(&mut self, delta: isize, ctx: &Context) {
        let height = self.table_rows(ctx);
        let len = self.lines.len();
        self.cursor.move_by(delta, len, height);
    }

    fn layout(&self, ctx: &Context) -> Option<BoardLayout> {
        BoardLayout::compute(ctx.screen, ctx.log_visible, self.filter_error.is_some())
    }

    /// Columns the table's cells may use (inside its border, after the row marker).
    fn table_width(&self, ctx: &Context) -> u16 {
        self.layout(ctx)
            .map_or(0, |l| l.body.width.saturating_sub(columns::MARKER_WIDTH))
    }

    fn table_rows(&self, ctx: &Context) -> usize {
        self.layout(ctx).map_or(1, |l| l.body.height as usize)
    }

    /// Enter: the number in the main screen, as source with its checklist; a channel
    /// with no Graph number has nothing to open and says so.
    fn open_selected(&mut self) -> Handled {
        let Some(row) = self.selected_row() else {
            return Handled::ignored();
        };
        if row.origin == RowOrigin::PartnerOnly {
            self.notice = Some(Notice {
                text: text::partner_only(row.label()),
                is_error: true,
            });
            return Handled::done();
        }
        let open = Outcome::OpenNumber {
            waba_id: row.waba_id.clone(),
            number_id: row.id.clone(),
        };
        self.close();
        Handled::outcome(open)
    }

    /// `y`: the row's number as E.164 (its id when the number is unknown); `Y`
    /// (`id_only`): its phone number id, or a channel's id for a 360dialog-only row.
    fn yank(&self, id_only: bool) -> Handled {
        let Some(row) = self.selected_row() else {
            return Handled::outcome(Outcome::Flash(strings::NOTHING_TO_COPY.to_string()));
        };
        let digits = row
            .display_phone_number
            .as_deref()
            .map(|d| d.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| !d.is_empty() && !id_only);
        let copied = match (digits, row.origin) {
            (Some(digits), _) => Copied {
                what: strings::YANK_NUMBER,
                text: format!("+{digits}"),
            },
            (None, RowOrigin::PartnerOnly) => Copied {
                what: strings::YANK_CHANNEL_ID,
                text: row.id.clone(),
            },
            (None, _) => Copied {
                what: strings::YANK_NUMBER_ID,
                text: row.id.clone(),
            },
        };
        Handled::outcome(Outcome::Copy(copied))
    }

    /// `e`/`E`: the view's rows, in view order, to the worker to write.
    fn export(&mut self, format: ExportFormat) -> Handled {
        let rows: Vec<FleetRow> = self.view_rows().cloned().collect();
        if rows.is_empty() {
            self.notice = Some(Notice {
                text: text::NOTHING_TO_EXPORT.to_string(),
                is_error: true,
            });
            return Handled::done();
        }
        self.notice = Some(Notice {
            text: text::exporting(rows.len()),
            is_error: false,
        });
        Handled::effects(vec![Effect::Board(BoardCommand::Export { rows, format })])
    }
}

#[cfg(test)]
mod tests;
