//! The template review screen (`t` on the main screen): the source's and the
//! destination's templates side by side, matched by (name, language), with the
//! eligibility forecast per row; filters, sort and search; a component diff; and the
//! template migration run. State and pure update logic live here (rows are filtered and
//! sorted here, never while drawing); `ui/templates.rs` draws it; `run` is the worker side
//! of a run.
//!
//! The inventories themselves stay in the WABA records (`State::wabas`), read through the
//! same request ids as every other read, so stale answers are dropped by `update`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Position;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::api::ApiError;
use crate::domain::eligibility::{self, Forecast, Mode, Outcome, Summary};
use crate::domain::template::{Template, TemplateInventory};
use crate::domain::template_diff::{self, SectionDiff};
use crate::ops::template_migration::{MAX_PER_CALL, Progress, TemplateRun};
use crate::ops::template_tally::FailedTemplate;

use super::action::{ApiRequest, Effect, RequestId};
use super::keymap::KeyAction;
use super::layout::TemplatesLayout;
use super::screen::{Context, Handled, Outcome as ScreenOutcome};
use super::state::{ListCursor, WabaRecord};
use crate::ops::file_error::FileError;

mod copying;
use copying::failed_copies;
pub mod recreate;
mod rows;
pub mod run;

use rows::TextFilter;
#[cfg(test)]
use rows::{outcome_rank, quality_rank};

pub use run::{RunCommand, RunEvent, RunUpdate};

/// The template review screen.
#[derive(Debug, Clone)]
pub struct TemplateView {
    /// (source, destination) WABA ids, fixed when the screen opens; `None` when the
    /// main screen had not chosen both.
    pub pair: Option<(String, String)>,
    pub mode: Mode,
    /// The forecast of the pair in `mode`, once both inventories are read.
    pub forecast: Option<Forecast>,
    /// Counts per outcome, and templates only in the destination.
    pub summary: Summary,
    pub destination_only: usize,
    /// Every row, in source order then destination-only rows.
    pub rows: Vec<AlignedRow>,
    /// Indices into `rows` that pass the filters and search, in sort order.
    pub visible: Vec<usize>,
    pub filters: RowFilters,
    pub sort: SortKey,
    pub reverse: bool,
    pub search: Input,
    pub search_editing: bool,
    pub cursor: ListCursor,
    pub detail: Option<ComponentDetail>,
    pub confirm: Option<Confirm>,
    pub run: Option<RunView>,
    /// Rows marked for re-creation and what became of them.
    pub recreate: recreate::RecreateMarks,
}

/// One row: a source template, a destination template, or both (same name+language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignedRow {
    pub sides: RowSides,
    pub outcome: RowOutcome,
}

/// Where a row's templates are: an index into the source inventory (and into the
/// forecast's predictions), into the destination's, or both. A row always has a side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSides {
    Source(usize),
    Destination(usize),
    Both { source: usize, destination: usize },
}

/// What a row's outcome column says: the forecast of its source template, or that it
/// exists in the destination only (a move does not touch it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowOutcome {
    Forecast(Outcome),
    DestinationOnly,
}

impl RowOutcome {
    /// The outcome filter's values, in the order `F` cycles through them.
    pub const CYCLE: [RowOutcome; 5] = [
        RowOutcome::Forecast(Outcome::Migrate),
        RowOutcome::Forecast(Outcome::AlreadyInDestination),
        RowOutcome::Forecast(Outcome::OverLimit),
        RowOutcome::Forecast(Outcome::Ineligible),
        RowOutcome::DestinationOnly,
    ];
}

/// The order of the rows (`o` cycles, `O` reverses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Outcome,
    Quality,
}

impl SortKey {
    fn next(self) -> SortKey {
        match self {
            SortKey::Name => SortKey::Outcome,
            SortKey::Outcome => SortKey::Quality,
            SortKey::Quality => SortKey::Name,
        }
    }
}

/// Active filters; `None` shows everything. Category and status cycle through the
/// values present in the rows, so unknown API values can be filtered too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFilters {
    pub outcome: Option<RowOutcome>,
    pub category: Option<String>,
    pub status: Option<String>,
}

/// The component diff of one row, computed when it opens.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentDetail {
    pub row: AlignedRow,
    pub sections: Vec<SectionDiff>,
    pub scroll: u16,
}

/// A question that must be answered `y` before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Copy the source's templates; figures from the forecast under the endpoint's rule.
    Migrate {
        expected: usize,
        total: usize,
        pages: u32,
    },
    /// Retry exactly these failed template ids.
    Retry { ids: Vec<String> },
    /// Submit the marked templates to the destination for approval.
    Recreate { count: usize },
}

/// A template migration run started from this screen.
#[derive(Debug, Clone)]
pub struct RunView {
    pub id: RequestId,
    pub phase: RunPhase,
}

/// A source template whose copy failed, with what the screen shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedCopy {
    pub id: String,
    /// `name (language)`, or the id when the template is no longer in the source.
    pub label: String,
    pub reason: String,
}

/// Where a run stands.
#[derive(Debug, Clone)]
pub enum RunPhase {
    /// Calls under way; `progress` is `None` until the first call ends. `stopping` once
    /// the operator asked to stop (the pages in flight still finish).
    Running {
        progress: Option<Progress>,
        stopping: bool,
    },
    /// The pages are done and some failed: retry them (`R`) or finish (Enter/Esc).
    AwaitingDecision {
        record: TemplateRun,
        failures: Vec<FailedCopy>,
        saved: Result<PathBuf, FileError>,
    },
    /// Re-reading the destination for copies that turned REJECTED.
    Rechecking,
    Done {
        record: TemplateRun,
        failures: Vec<FailedCopy>,
        saved: Result<PathBuf, FileError>,
        recheck: Result<(), ApiError>,
    },
    /// The source could not be read; nothing was sent.
    Failed(ApiError),
}

impl TemplateView {
    /// A screen for `pair`, nothing computed yet.
    pub fn new(pair: Option<(String, String)>) -> TemplateView {
        TemplateView {
            pair,
            mode: Mode::Number,
            forecast: None,
            summary: Summary::default(),
            destination_only: 0,
            rows: Vec::new(),
            visible: Vec::new(),
            filters: RowFilters::default(),
            sort: SortKey::Name,
            reverse: false,
            search: Input::default(),
            search_editing: false,
            cursor: ListCursor::default(),
            detail: None,
            confirm: None,
            run: None,
            recreate: recreate::RecreateMarks::default(),
        }
    }

    /// Both inventories, once read (the previous ones while re-reading).
    pub fn inventories<'a>(
        &self,
        wabas: &'a BTreeMap<String, WabaRecord>,
    ) -> Option<(&'a TemplateInventory, &'a TemplateInventory)> {
        let (source, destination) = self.pair.as_ref()?;
        let read = |id: &String| wabas.get(id).and_then(|r| r.templates.value());
        Some((read(source)?, read(destination)?))
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<AlignedRow> {
        self.visible
            .get(self.cursor.selected)
            .map(|&index| self.rows[index])
    }

    /// Whether a run is sending calls (the spinner turns, Esc stops instead of leaving).
    pub fn is_running(&self) -> bool {
        matches!(
            self.run.as_ref().map(|r| &r.phase),
            Some(RunPhase::Running { .. } | RunPhase::Rechecking)
        )
    }

    /// Whether a run still needs the operator or the worker (the screen cannot close).
    fn run_in_progress(&self) -> bool {
        self.is_running()
            || matches!(
                self.run.as_ref().map(|r| &r.phase),
                Some(RunPhase::AwaitingDecision { .. })
            )
    }
}

impl AlignedRow {
    /// The row's index into the source inventory, if it has a source template.
    pub fn source(&self) -> Option<usize> {
        match self.sides {
            RowSides::Source(s) | RowSides::Both { source: s, .. } => Some(s),
            RowSides::Destination(_) => None,
        }
    }

    /// The row's index into the destination inventory, if it has one there.
    pub fn destination(&self) -> Option<usize> {
        match self.sides {
            RowSides::Destination(d) | RowSides::Both { destination: d, .. } => Some(d),
            RowSides::Source(_) => None,
        }
    }

    /// The template that speaks for the row: the source's, else the destination's.
    pub fn primary<'a>(
        &self,
        source: &'a TemplateInventory,
        destination: &'a TemplateInventory,
    ) -> &'a Template {
        match self.sides {
            RowSides::Source(s) | RowSides::Both { source: s, .. } => &source.templates[s],
            RowSides::Destination(d) => &destination.templates[d],
        }
    }

    /// The row's two templates, as far as it has them.
    pub fn templates<'a>(
        &self,
        source: &'a TemplateInventory,
        destination: &'a TemplateInventory,
    ) -> (Option<&'a Template>, Option<&'a Template>) {
        (
            self.source().map(|i| &source.templates[i]),
            self.destination().map(|i| &destination.templates[i]),
        )
    }
}

impl TemplateView {
    /// `t` on the main screen: opens the screen for `pair` (the chosen source and
    /// destination) and reads whichever inventory is not loaded yet.
    pub fn open(pair: Option<(String, String)>, ctx: &mut Context) -> (TemplateView, Vec<Effect>) {
        let mut view = TemplateView::new(pair.clone());
        let mut effects = Vec::new();
        for waba_id in pair.into_iter().flat_map(|(s, d)| [s, d]) {
            let slot = ctx.store.record(Some(&waba_id)).map(|r| &r.templates);
            if slot.is_none_or(|slot| slot.value().is_none() && !slot.is_loading()) {
                effects.push(ctx.store.ask(ApiRequest::Templates(waba_id)));
            }
        }
        view.rebuild(ctx);
        (view, effects)
    }

    /// An inventory was answered: recompute the rows when it is one of the screen's pair.
    pub fn on_inventory(&mut self, waba_id: &str, ctx: &Context) {
        let shown = self
            .pair
            .as_ref()
            .is_some_and(|(s, d)| s == waba_id || d == waba_id);
        if shown {
            self.rebuild(ctx);
        }
    }

    /// Keys while the screen is open (popups such as help are handled before);
    /// `action` is what the screen's keymap binds the key to.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        action: Option<KeyAction>,
        ctx: &mut Context,
    ) -> Handled {
        if self.confirm.is_some() {
            return Handled::effects(self.on_confirm_key(action, ctx));
        }
        if self.search_editing {
            self.on_search_key(key, ctx);
            return Handled::done();
        }
        let Some(action) = action else {
            return Handled::done();
        };
        if self.run.is_some() {
            return Handled::effects(self.on_run_key(action));
        }
        if self.detail.is_some() {
            self.on_detail_key(action, ctx);
            return Handled::done();
        }
        self.on_table_key(action, ctx)
    }

    /// News of a run: progress, the wait for a decision, the end. News of another run
    /// (an abandoned one) is dropped.
    pub fn on_run_event(&mut self, event: RunEvent, ctx: &mut Context) -> Handled {
        let Some(run) = self.run.as_mut().filter(|r| r.id == event.run) else {
            return Handled::ignored();
        };
        match event.update {
            RunUpdate::Progress(progress) => {
                if let RunPhase::Running {
                    progress: shown, ..
                } = &mut run.phase
                {
                    *shown = Some(progress);
                }
            }
            RunUpdate::AwaitingDecision {
                record,
                missing,
                saved,
            } => {
                run.phase = RunPhase::AwaitingDecision {
                    failures: failed_copies(&missing),
                    record,
                    saved,
                }
            }
            RunUpdate::Rechecking => run.phase = RunPhase::Rechecking,
            RunUpdate::Finished {
                record,
                saved,
                recheck,
            } => {
                run.phase = RunPhase::Done {
                    failures: record
                        .tally
                        .as_ref()
                        .map(|t| failed_copies(&t.failed))
                        .unwrap_or_default(),
                    record,
                    saved,
                    recheck,
                };
                // The copies changed the destination: show the diff as it is now.
                return Handled::effects(self.reread(ctx));
            }
            RunUpdate::Failed(error) => run.phase = RunPhase::Failed(error),
        }
        Handled::done()
    }

    /// Mouse on the screen: the wheel scrolls, a click selects a row.
    pub fn on_mouse(&mut self, at: Position, wheel: isize, ctx: &Context) {
        let rows = table_rows(ctx);
        let table = TemplatesLayout::compute(ctx.screen).map(|l| l.table);
        if let Some(detail) = self.detail.as_mut() {
            detail.scroll = detail.scroll.saturating_add_signed(wheel as i16 * 3);
            return;
        }
        if wheel != 0 {
            self.cursor.move_by(wheel * 3, self.visible.len(), rows);
            return;
        }
        if let Some(table) = table.filter(|t| t.contains(at) && at.y > t.y) {
            let row = self.cursor.offset + (at.y - table.y - 1) as usize;
            if row < self.visible.len() {
                self.cursor.selected = row;
            }
        }
    }

    /// The terminal was resized: keep the selected row in view.
    pub fn on_resize(&mut self, ctx: &Context) {
        self.cursor.keep_visible(table_rows(ctx));
    }

    fn on_table_key(&mut self, action: KeyAction, ctx: &mut Context) -> Handled {
        let rows = table_rows(ctx);
        let len = self.visible.len();
        let page = rows.max(1) as isize;
        match action {
            KeyAction::Back if !self.search.value().is_empty() => {
                self.search.reset();
                self.refilter(ctx);
            }
            KeyAction::Back => return Handled::outcome(ScreenOutcome::Close),
            KeyAction::Up => self.cursor.move_by(-1, len, rows),
            KeyAction::Down => self.cursor.move_by(1, len, rows),
            KeyAction::PageUp => self.cursor.move_by(-page, len, rows),
            KeyAction::PageDown => self.cursor.move_by(page, len, rows),
            KeyAction::Top => self.cursor.move_by(isize::MIN / 2, len, rows),
            KeyAction::Bottom => self.cursor.move_by(isize::MAX / 2, len, rows),
            KeyAction::Select => self.open_detail(ctx),
            KeyAction::Filter => self.search_editing = true,
            KeyAction::SortColumn => {
                self.sort = self.sort.next();
                self.refilter(ctx);
            }
            KeyAction::SortReverse => {
                self.reverse = !self.reverse;
                self.refilter(ctx);
            }
            KeyAction::FilterOutcome => {
                self.filters.outcome = match self.filters.outcome {
                    None => Some(RowOutcome::CYCLE[0]),
                    Some(current) => RowOutcome::CYCLE
                        .iter()
                        .position(|o| *o == current)
                        .and_then(|i| RowOutcome::CYCLE.get(i + 1))
                        .copied(),
                };
                self.refilter(ctx);
            }
            KeyAction::FilterCategory => self.cycle_text_filter(TextFilter::Category, ctx),
            KeyAction::FilterStatus => self.cycle_text_filter(TextFilter::Status, ctx),
            KeyAction::ToggleMode => {
                self.mode = match self.mode {
                    Mode::Number => Mode::Api,
                    Mode::Api => Mode::Number,
                };
                self.rebuild(ctx);
            }
            KeyAction::MigrateTemplates => self.ask_to_migrate(ctx),
            KeyAction::MarkRecreate => self.mark_for_recreation(ctx),
            KeyAction::RecreateMarked => {
                let count = self.recreate.marked().len();
                if count > 0 && self.recreate.run.is_none() && !self.run_in_progress() {
                    self.confirm = Some(Confirm::Recreate { count });
                }
            }
            KeyAction::Refresh => return Handled::effects(self.reread(ctx)),
            _ => {}
        }
        Handled::done()
    }

    fn on_detail_key(&mut self, action: KeyAction, ctx: &Context) {
        let page = table_rows(ctx) as i16;
        let delta = match action {
            KeyAction::Back | KeyAction::Select => {
                self.detail = None;
                return;
            }
            KeyAction::Up => -1,
            KeyAction::Down => 1,
            KeyAction::PageUp => -page,
            KeyAction::PageDown => page,
            KeyAction::Top => i16::MIN,
            _ => return,
        };
        if let Some(detail) = self.detail.as_mut() {
            detail.scroll = detail.scroll.saturating_add_signed(delta);
        }
    }

    fn on_search_key(&mut self, key: KeyEvent, ctx: &Context) {
        match key.code {
            KeyCode::Esc => {
                self.search_editing = false;
                self.search.reset();
            }
            KeyCode::Enter => {
                self.search_editing = false;
                return;
            }
            _ => {
                let changed = to_input_request(&crossterm::event::Event::Key(key))
                    .and_then(|request| self.search.handle(request))
                    .is_some_and(|r| r.value);
                if !changed {
                    return;
                }
            }
        }
        self.refilter(ctx);
    }

    /// Re-reads both inventories (answers replace the rows; stale ones are dropped).
    fn reread(&self, ctx: &mut Context) -> Vec<Effect> {
        let Some((source, destination)) = self.pair.clone() else {
            return Vec::new();
        };
        [source, destination]
            .into_iter()
            .map(|waba_id| ctx.store.ask(ApiRequest::Templates(waba_id)))
            .collect()
    }

    fn open_detail(&mut self, ctx: &Context) {
        let (Some(row), Some((source, destination))) =
            (self.selected_row(), self.inventories(&ctx.store.wabas))
        else {
            return;
        };
        let (from, to) = row.templates(source, destination);
        let sections = template_diff::compare(from, to);
        self.detail = Some(ComponentDetail {
            row,
            sections,
            scroll: 0,
        });
    }
}

/// Template rows visible at once on this terminal.
pub(super) fn table_rows(ctx: &Context) -> usize {
    TemplatesLayout::compute(ctx.screen).map_or(1, |l| l.table_rows())
}

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod tests;
