//! Where each pane of each screen goes for a terminal size. Pure geometry, shared by
//! `update` (page sizes, keeping the cursor in view, mouse hits) and the renderer, so
//! both use the same rectangles and neither imports the other.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

use crate::app::strings;
use crate::domain::checklist::{CheckResult, CheckStatus};

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
    /// The line between the query and the list (a warning about the pick).
    pub notice: Rect,
    pub list: Rect,
}

impl PickerLayout {
    /// A centred popup with the query line on top and the candidates under it.
    pub fn compute(area: Rect) -> PickerLayout {
        let popup = centred(
            area,
            // Narrow terminals give the rows nearly the whole width (a WABA row is
            // "name · id · owner"); wide ones seven tenths, up to 110 columns.
            (area.width * 7 / 10).clamp(area.width.saturating_sub(4).min(76), 110),
            area.height * 7 / 10,
        );
        let inner = popup.inner(Margin::new(1, 1));
        let [query, notice, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        PickerLayout {
            popup,
            query,
            notice,
            list,
        }
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

/// The rectangles of the board screen. Pure, so `update` keeps the cursor in view and
/// maps clicks with the rectangles the renderer draws into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardLayout {
    pub summary: Rect,
    pub controls: Rect,
    /// The filter's error sentence, under the filter (empty when it parses).
    pub filter_error: Rect,
    /// The bordered table.
    pub table: Rect,
    /// The table's rows, under its header line.
    pub body: Rect,
    /// Refresh gauge, failures, changes, export path.
    pub status: Rect,
    pub log: Option<Rect>,
    pub hints: Rect,
}

impl BoardLayout {
    /// Lays out the whole terminal (top bar included); `None` when it is too small.
    pub fn compute(area: Rect, log_visible: bool, filter_error: bool) -> Option<BoardLayout> {
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            return None;
        }
        let log_height = if log_visible {
            Constraint::Percentage(30)
        } else {
            Constraint::Length(0)
        };
        let [
            _top_bar,
            summary,
            controls,
            error,
            table,
            status,
            log,
            hints,
        ] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(u16::from(filter_error)),
            Constraint::Fill(1),
            Constraint::Length(1),
            log_height,
            Constraint::Length(1),
        ])
        .areas(area);
        let inner = table.inner(Margin::new(1, 1));
        let body = Rect {
            y: inner.y + 1.min(inner.height),
            height: inner.height.saturating_sub(1),
            ..inner
        };
        Some(BoardLayout {
            summary,
            controls,
            filter_error: error,
            table,
            body,
            status,
            log: log_visible.then_some(log),
            hints,
        })
    }
}

/// Lines of the template screen's header (mode, counts, capacity, filters).
pub const TEMPLATES_HEADER_LINES: u16 = 4;
/// Lines of the template screen's footer (reason and risks of the row).
pub const TEMPLATES_FOOTER_LINES: u16 = 4;

/// The rectangles of the screen; `update` uses them too (page size, mouse rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplatesLayout {
    pub body: Rect,
    pub header: Rect,
    /// The table; its first line is the column header.
    pub table: Rect,
    pub footer: Rect,
}

impl TemplatesLayout {
    /// Lays out `area` (top bar and status line as on the main screen); `None` when the
    /// terminal is too small.
    pub fn compute(area: Rect) -> Option<TemplatesLayout> {
        let main = ScreenLayout::compute(area, false)?;
        let body = Rect {
            y: main.top_bar.bottom(),
            height: main.status_line.y - main.top_bar.bottom(),
            ..area
        };
        let [header, table, footer] = Layout::vertical([
            Constraint::Length(TEMPLATES_HEADER_LINES),
            Constraint::Fill(1),
            Constraint::Length(TEMPLATES_FOOTER_LINES),
        ])
        .areas(body.inner(Margin::new(1, 1)));
        Some(TemplatesLayout {
            body,
            header,
            table,
            footer,
        })
    }

    /// Template rows visible at once.
    pub fn table_rows(&self) -> usize {
        self.table.height.saturating_sub(1) as usize
    }

    /// Where the component diff goes: table and footer together.
    pub fn detail(&self) -> Rect {
        self.table.union(self.footer)
    }
}

/// The help popup for text `width` columns wide and `lines` long: as large as that
/// (within the terminal), in the middle.
pub fn help_popup(area: Rect, width: usize, lines: usize) -> Rect {
    centred(area, width as u16 + 4, lines as u16 + 2)
}

/// Height of the plan page's footer (why Enter cannot start, or what it does).
pub const PLAN_FOOTER_LINES: u16 = 4;

/// The rectangles of the wizard's pages (it covers the whole terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WizardLayout {
    pub top_bar: Rect,
    pub body: Rect,
    pub status_line: Rect,
    /// The plan page's bordered text and its footer.
    pub plan: Rect,
    pub plan_footer: Rect,
}

impl WizardLayout {
    /// Lays out `area`.
    pub fn compute(area: Rect) -> WizardLayout {
        let [top_bar, body, status_line] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let [plan, plan_footer] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(PLAN_FOOTER_LINES)])
                .areas(body);
        WizardLayout {
            top_bar,
            body,
            status_line,
            plan,
            plan_footer,
        }
    }

    /// Inside the plan's border: the width its lines wrap at and the lines it shows.
    pub fn plan_text(&self) -> Rect {
        self.plan.inner(Margin::new(1, 1))
    }

    /// Inside the report's border.
    pub fn report_text(&self) -> Rect {
        self.body.inner(Margin::new(1, 1))
    }
}

/// Splits `text` into lines of at most `width` columns at spaces (longer words are cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let cut: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(cut);
        }
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` in at most `width` columns: whole when it fits, else its start and its end
/// around "…", so names that start alike ("Lucky Shrub Retail", "Lucky Shrub
/// Restaurants") stay apart when cut.
pub fn fit_middle(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".repeat(width);
    }
    let room = width - 1;
    let head_room = room.div_ceil(2);
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        used += w;
        head.push(c);
    }
    let tail_room = room - used;
    let mut tail: Vec<char> = Vec::new();
    let mut tail_used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if tail_used + w > tail_room {
            break;
        }
        tail_used += w;
        tail.push(c);
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// Width of the checklist's status column ("✘ fail", "⠋ checking…").
pub const CHECKLIST_STATUS_WIDTH: usize = 12;

/// The columns of the checklist pane for its rules at a width: rule id, title (when
/// there is room), evidence wrapped under its column, fixes wrapped under the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistColumns {
    pub id_width: usize,
    pub title_width: usize,
    pub show_title: bool,
    pub evidence_column: usize,
    pub evidence_width: usize,
    pub fix_width: usize,
}

impl ChecklistColumns {
    /// The columns for `results` in a pane `width` columns wide (inside its border).
    pub fn compute(results: &[CheckResult], width: usize) -> ChecklistColumns {
        let id_width = results
            .iter()
            .map(|r| r.rule.id().len())
            .max()
            .unwrap_or(0)
            .min(width / 3)
            + 2;
        let title_width = results
            .iter()
            .map(|r| r.rule.title().len())
            .max()
            .unwrap_or(0)
            + 2;
        let show_title = width >= CHECKLIST_STATUS_WIDTH + id_width + title_width + 40;
        let evidence_column =
            CHECKLIST_STATUS_WIDTH + id_width + if show_title { title_width } else { 0 };
        ChecklistColumns {
            id_width,
            title_width,
            show_title,
            evidence_column,
            evidence_width: width.saturating_sub(evidence_column).max(10),
            fix_width: width.saturating_sub(CHECKLIST_STATUS_WIDTH).max(10),
        }
    }

    /// A rule's evidence, as wrapped lines.
    pub fn evidence_lines(&self, result: &CheckResult) -> Vec<String> {
        wrap_words(&result.evidence, self.evidence_width)
    }

    /// A rule's fix, as wrapped lines (none for a passing rule).
    pub fn fix_lines(&self, result: &CheckResult) -> Vec<String> {
        if result.status == CheckStatus::Pass || result.fix.is_empty() {
            return Vec::new();
        }
        wrap_words(
            &format!("{}{}", strings::FIX_PREFIX, result.fix),
            self.fix_width,
        )
    }

    /// Lines the whole checklist takes (its scrolling limit).
    pub fn line_count(&self, results: &[CheckResult]) -> usize {
        results
            .iter()
            .map(|r| self.evidence_lines(r).len() + self.fix_lines(r).len())
            .sum()
    }
}
