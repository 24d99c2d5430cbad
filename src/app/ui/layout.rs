//! Where each pane goes for a terminal size. Pure, so `update` can map mouse clicks to
//! rows with the same rectangles the renderer draws into.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// Smallest usable terminal.
pub const MIN_SIZE: (u16, u16) = (60, 20);
/// Lines of WABA facts above the numbers table.
pub const SOURCE_HEADER_LINES: u16 = 3;

/// The rectangles of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScreenLayout {
    pub top_bar: Rect,
    pub source: Rect,
    /// The numbers table inside the source pane (its first line is the column header).
    pub numbers_table: Rect,
    pub destination: Rect,
    pub checklist: Rect,
    pub log: Option<Rect>,
    pub status_line: Rect,
}

impl ScreenLayout {
    /// Lays out `area`; `None` when it is smaller than [`MIN_SIZE`].
    pub fn compute(area: Rect, log_visible: bool) -> Option<ScreenLayout> {
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            return None;
        }
        let [top_bar, body, status_line] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let (panes, log) = if log_visible {
            let [panes, log] =
                Layout::vertical([Constraint::Fill(1), Constraint::Percentage(30)]).areas(body);
            (panes, Some(log))
        } else {
            (body, None)
        };
        let [upper, checklist] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(panes);
        let [source, destination] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(upper);
        let inner = source.inner(Margin::new(1, 1));
        let numbers_table = Rect {
            y: inner.y + SOURCE_HEADER_LINES.min(inner.height),
            height: inner.height.saturating_sub(SOURCE_HEADER_LINES),
            ..inner
        };
        Some(ScreenLayout {
            top_bar,
            source,
            numbers_table,
            destination,
            checklist,
            log,
            status_line,
        })
    }

    /// Rows of numbers visible at once (the table minus its header line).
    pub fn number_rows(&self) -> usize {
        self.numbers_table.height.saturating_sub(1) as usize
    }

    /// Lines inside a bordered pane.
    pub fn inner_height(pane: Rect) -> usize {
        pane.height.saturating_sub(2) as usize
    }
}

/// The rectangles of a picker popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickerLayout {
    pub popup: Rect,
    pub query: Rect,
    pub list: Rect,
}

impl PickerLayout {
    /// A centred popup with the query line on top and the candidates under it.
    pub fn compute(area: Rect) -> PickerLayout {
        let popup = centred(
            area,
            (area.width * 7 / 10).clamp(50.min(area.width), 110),
            area.height * 7 / 10,
        );
        let inner = popup.inner(Margin::new(1, 1));
        let [query, _, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        PickerLayout { popup, query, list }
    }
}

/// A rectangle of at most `width` x `height` in the middle of `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
