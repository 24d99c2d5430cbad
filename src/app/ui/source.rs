//! The source WABA pane: its facts, then its numbers as a selectable table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::domain::number::{NameStatus, PhoneNumber, QualityRating};

use super::columns::{Column, fitting};
use super::{error_lines, loading_line, pane_block, selected_style, waba_facts};
use crate::app::layout::{ScreenLayout, fit_middle};
use crate::app::state::{Pane, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// How a number fills a cell of the numbers table.
type NumberCell = fn(&PhoneNumber, &Theme) -> Cell<'static>;

/// In priority order, which is also the order they show in.
const COLUMNS: [Column<NumberCell>; 8] = [
    Column {
        header: strings::NUMBER_COLUMNS[0],
        width: 17,
        priority: 0,
        cell: |n, _| Cell::from(n.label().to_string()),
    },
    Column {
        header: strings::NUMBER_COLUMNS[2],
        width: 14,
        priority: 1,
        cell: name_status_cell,
    },
    Column {
        header: strings::NUMBER_COLUMNS[7],
        width: 3,
        priority: 2,
        cell: two_factor_cell,
    },
    Column {
        header: strings::NUMBER_COLUMNS[6],
        width: 12,
        priority: 3,
        cell: |n, _| Cell::from(n.status.as_ref().map_or("-", |s| s.as_str()).to_string()),
    },
    Column {
        header: strings::NUMBER_COLUMNS[1],
        width: 20,
        priority: 4,
        cell: |n, _| {
            Cell::from(fit_middle(
                n.verified_name.as_deref().unwrap_or_default(),
                20,
            ))
        },
    },
    Column {
        header: strings::NUMBER_COLUMNS[3],
        width: 7,
        priority: 5,
        cell: quality_cell,
    },
    Column {
        header: strings::NUMBER_COLUMNS[5],
        width: 10,
        priority: 6,
        cell: |n, _| {
            Cell::from(
                n.platform_type
                    .as_ref()
                    .map_or("-", |p| p.as_str())
                    .to_string(),
            )
        },
    },
    Column {
        header: strings::NUMBER_COLUMNS[4],
        width: 14,
        priority: 7,
        cell: |n, _| Cell::from(n.messaging_limit().unwrap_or("-").to_string()),
    },
];

/// The row marker in front of the highlighted row (numbers and templates).
pub(super) const MARKER: &str = "▶ ";

/// Draws the pane into `layout.source`, the table into `layout.numbers_table`.
pub fn draw(frame: &mut Frame, layout: &ScreenLayout, state: &State, theme: &Theme) {
    let title = format!(" {} (s) ", strings::SOURCE_TITLE);
    let block = pane_block(title, Pane::Numbers, state, theme);
    let inner = block.inner(layout.source);
    frame.render_widget(block, layout.source);
    let Some(waba_id) = state.source.as_deref() else {
        frame.render_widget(Paragraph::new(placeholder(state, theme)), inner);
        return;
    };
    let record = state.record(Some(waba_id));
    let mut facts = waba_facts(state, theme, waba_id, record);
    facts.truncate(2);
    facts.push(numbers_summary(state, theme));
    frame.render_widget(Paragraph::new(facts), inner);
    let table_area = layout.numbers_table;
    let Some(numbers) = record.map(|r| &r.numbers) else {
        return;
    };
    if numbers.value().is_none() {
        let lines = match numbers.error() {
            Some(e) => error_lines(e, theme),
            None => vec![loading_line(state, theme, strings::LOADING_NUMBERS)],
        };
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
            table_area,
        );
        return;
    }
    draw_table(frame, table_area, state, theme);
}

fn draw_table(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let rows = state.visible_numbers();
    if rows.is_empty() {
        let text = if state.number_filter.value().is_empty() {
            strings::NO_NUMBERS
        } else {
            strings::NO_MATCH
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Role::Muted))),
            area,
        );
        return;
    }
    let columns = fitting(
        &COLUMNS,
        area.width.saturating_sub(MARKER.chars().count() as u16),
    );
    let header =
        Row::new(columns.iter().map(|c| Cell::from(c.header))).style(theme.style(Role::Header));
    // Only the rows in view are built: lists can hold thousands of numbers.
    let offset = state
        .numbers_cursor
        .offset
        .min(rows.len().saturating_sub(1));
    let height = area.height.saturating_sub(1) as usize;
    let body = rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|(n, _)| Row::new(columns.iter().map(|c| (c.cell)(n, theme))));
    let table = Table::new(body, columns.iter().map(|c| Constraint::Length(c.width)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style(theme))
        .highlight_symbol(MARKER);
    let mut table_state =
        TableState::default().with_selected(state.numbers_cursor.selected.checked_sub(offset));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// "40 numbers · filter: pend" under the WABA facts.
fn numbers_summary(state: &State, theme: &Theme) -> Line<'static> {
    let record = state.record(state.source.as_deref());
    let total = record.and_then(|r| r.numbers.value()).map(Vec::len);
    let mut spans = vec![];
    if let Some(total) = total {
        spans.push(Span::styled(
            strings::plural(total, "number", "numbers"),
            theme.style(Role::Muted),
        ));
    }
    let query = state.number_filter.value();
    if state.filter_editing || !query.is_empty() {
        let shown = state.visible_numbers().len();
        spans.push(Span::styled("  ", Style::default()));
        spans.push(Span::styled(
            format!("{}{query}", strings::FILTER_PROMPT),
            theme.style(Role::Match),
        ));
        if state.filter_editing {
            spans.push(Span::styled("▏", theme.style(Role::Key)));
        }
        spans.push(Span::styled(
            format!("  ({shown} shown)"),
            theme.style(Role::Muted),
        ));
    }
    Line::from(spans)
}

fn placeholder(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    if let Some(e) = state.store.waba_ids.error() {
        return error_lines(e, theme);
    }
    match state.store.waba_ids.value() {
        Some(ids) if ids.is_empty() => {
            vec![Line::styled(strings::NO_WABAS, theme.style(Role::Error))]
        }
        Some(_) => vec![Line::styled(strings::NO_SOURCE, theme.style(Role::Muted))],
        None => vec![super::connection_line(state, theme)],
    }
}

fn name_status_cell(n: &PhoneNumber, theme: &Theme) -> Cell<'static> {
    let Some(status) = &n.name_status else {
        return Cell::from("-");
    };
    let role = match status {
        NameStatus::Approved | NameStatus::AvailableWithoutReview => Role::Pass,
        NameStatus::PendingReview => Role::Warn,
        _ => Role::Fail,
    };
    Cell::from(status.as_str().to_string()).style(theme.style(role))
}

fn quality_cell(n: &PhoneNumber, theme: &Theme) -> Cell<'static> {
    let Some(quality) = &n.quality_rating else {
        return Cell::from("-");
    };
    let role = match quality {
        QualityRating::Green => Role::Pass,
        QualityRating::Yellow => Role::Warn,
        QualityRating::Red => Role::Fail,
        _ => Role::Muted,
    };
    Cell::from(quality.as_str().to_string()).style(theme.style(role))
}

fn two_factor_cell(n: &PhoneNumber, theme: &Theme) -> Cell<'static> {
    match n.is_pin_enabled {
        Some(true) => Cell::from("on").style(theme.style(Role::Warn)),
        Some(false) => Cell::from("off"),
        None => Cell::from("-"),
    }
}
