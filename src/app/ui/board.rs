//! The fleet board screen: the summary bar, the sort/group/filter line, the table (only
//! the rows in view are built, so 10,000 numbers draw as fast as 40), the status area
//! (refresh gauge, failures, changes, export path) and the row detail popup. Every
//! state has a symbol as well as a colour, and a changed cell carries a marker.

use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Clear, HighlightSpacing, LineGauge, Paragraph, Row, Table, TableState,
};

use super::hints::Hint;

mod batch;
use super::{connection_line, dot, loading_line, log, selected_style};
use crate::app::board::{Board, BoardLine, columns};
use crate::app::keymap::{KeyAction, Screen};
use crate::app::layout::{BoardLayout, centred, fit_middle};
use crate::app::state::{Phase, State};
use crate::app::strings::board as text;
use crate::app::theme::{Role, Theme};
use crate::domain::fleet::{Column, FleetRow, Grouping, or_dash};

/// The keys the status line offers on the board, most useful first (help and quit are
/// always at the right end).
pub const HINTS: [Hint; 14] = [
    Hint::Action(KeyAction::Down),
    Hint::Action(KeyAction::Select),
    Hint::Action(KeyAction::ToggleSelect),
    Hint::Action(KeyAction::MigrateSelected),
    Hint::Action(KeyAction::RowDetail),
    Hint::Action(KeyAction::Filter),
    Hint::Action(KeyAction::SortColumn),
    Hint::Action(KeyAction::SortReverse),
    Hint::Action(KeyAction::GroupRows),
    Hint::Action(KeyAction::ScrollRight),
    Hint::Action(KeyAction::ExportCsv),
    Hint::Action(KeyAction::Refresh),
    Hint::Action(KeyAction::Palette),
    Hint::Action(KeyAction::ToggleLog),
];

/// The row marker in front of the highlighted row.
const MARKER: &str = "▶ ";

/// Draws the board over everything but the top bar and the status line.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let board = &state.board;
    let Some(layout) = BoardLayout::compute(area, state.log_visible, board.filter_error.is_some())
    else {
        return;
    };
    frame.render_widget(Paragraph::new(summary_line(board, theme)), layout.summary);
    frame.render_widget(Paragraph::new(controls_line(state, theme)), layout.controls);
    if let Some(error) = &board.filter_error {
        frame.render_widget(
            Paragraph::new(Line::styled(
                text::filter_error(error),
                theme.style(Role::Error),
            )),
            layout.filter_error,
        );
    }
    draw_table(frame, &layout, state, theme);
    draw_status(frame, layout.status, state, theme);
    if let Some(area) = layout.log {
        log::draw(frame, area, state, theme);
    }
    if board.detail_open {
        if let Some(row) = board.selected_row() {
            draw_detail(frame, area, board, row, theme);
        }
    }
    if let Some(page) = &board.batch.page {
        batch::draw_page(frame, area, state, page, theme);
    }
}

/// "40 numbers · ✔ CONNECTED 17 ⚠ FLAGGED 6 … · ✔ GREEN 24 ⚠ YELLOW 8 …" of the view.
fn summary_line(board: &Board, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" {} ", text::shown(board.shown, board.fleet.rows().len())),
        theme.style(Role::Title),
    )];
    spans.extend(batch::count_span(board, theme));
    for (column, counts) in [
        (Column::Status, &board.summary.by_status),
        (Column::Quality, &board.summary.by_quality),
    ] {
        spans.push(dot(theme));
        for (value, count) in counts {
            let (symbol, role) = look(column, value);
            spans.push(Span::styled(
                format!("{symbol} {value} {count} "),
                theme.style(role),
            ));
        }
    }
    Line::from(spans)
}

/// "sort WABA ▲ (o/O) · group none (G) · /status:FLAGGED▏".
fn controls_line(state: &State, theme: &Theme) -> Line<'static> {
    let board = &state.board;
    let key = |action| state.keymap.first_key(Screen::Board, action);
    let arrow = if board.descending {
        text::DESCENDING
    } else {
        text::ASCENDING
    };
    let grouping = match board.grouping {
        None => text::UNGROUPED,
        Some(Grouping::Waba) => Column::Waba.header(),
        Some(Grouping::Business) => Column::Business.header(),
    };
    let mut spans = vec![
        Span::styled(" sort ", theme.style(Role::Muted)),
        Span::styled(
            format!("{} {arrow}", board.sort.header()),
            theme.style(Role::Text),
        ),
        Span::styled(
            format!(
                " ({}/{})",
                key(KeyAction::SortColumn),
                key(KeyAction::SortReverse)
            ),
            theme.style(Role::Key),
        ),
        dot(theme),
        Span::styled("group ", theme.style(Role::Muted)),
        Span::styled(grouping.to_string(), theme.style(Role::Text)),
        Span::styled(
            format!(" ({})", key(KeyAction::GroupRows)),
            theme.style(Role::Key),
        ),
        dot(theme),
    ];
    let width = BoardLayout::compute(
        state.screen,
        state.log_visible,
        board.filter_error.is_some(),
    )
    .map_or(0, |l| l.body.width.saturating_sub(columns::MARKER_WIDTH));
    let hidden = columns::hidden(width, board.sort, board.first_column);
    if hidden > 0 {
        spans.push(Span::styled(
            text::columns_hidden(hidden),
            theme.style(Role::Muted),
        ));
        spans.push(Span::styled(
            format!(
                " ({}/{})",
                key(KeyAction::ScrollLeft),
                key(KeyAction::ScrollRight)
            ),
            theme.style(Role::Key),
        ));
        spans.push(dot(theme));
    }
    let query = board.filter_input.value();
    if board.filter_editing || !query.is_empty() {
        spans.push(Span::styled(
            format!("{}{query}", crate::app::strings::FILTER_PROMPT),
            theme.style(Role::Match),
        ));
        if board.filter_editing {
            spans.push(Span::styled("▏", theme.style(Role::Key)));
        }
    } else {
        spans.push(Span::styled(
            format!("{} filter", key(KeyAction::Filter)),
            theme.style(Role::Muted),
        ));
    }
    Line::from(spans)
}

fn draw_table(frame: &mut Frame, layout: &BoardLayout, state: &State, theme: &Theme) {
    let board = &state.board;
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} (f) ", text::TITLE),
            theme.style(Role::Title),
        ));
    frame.render_widget(block, layout.table);
    let inner = layout.table.inner(Margin::new(1, 1));
    if !board.loaded {
        let line = match state.phase {
            Phase::Ready if board.failures.is_empty() => loading_line(state, theme, text::READING),
            Phase::Ready => Line::styled(
                text::failures(&board.failures[0], board.failures.len() - 1),
                theme.style(Role::Error),
            ),
            _ => connection_line(state, theme),
        };
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }
    if board.lines.is_empty() {
        let message = if board.fleet.rows().is_empty() {
            text::NO_NUMBERS
        } else {
            crate::app::strings::NO_MATCH
        };
        frame.render_widget(
            Paragraph::new(Line::styled(message, theme.style(Role::Muted))),
            inner,
        );
        return;
    }
    let columns = columns::shown(
        inner.width.saturating_sub(columns::MARKER_WIDTH),
        board.sort,
        board.first_column,
    );
    let header = Row::new(columns.iter().map(|&(column, _)| {
        let mut title = column.header().to_string();
        if column == board.sort {
            title.push(' ');
            title.push_str(if board.descending {
                text::DESCENDING
            } else {
                text::ASCENDING
            });
        }
        Cell::from(title)
    }))
    .style(theme.style(Role::Header));
    // Only the lines in view are built: the fleet can hold 10,000 numbers.
    let offset = board.cursor.offset.min(board.lines.len().saturating_sub(1));
    let visible =
        &board.lines[offset..(offset + layout.body.height as usize).min(board.lines.len())];
    let rows = visible.iter().map(|line| match line {
        BoardLine::Row(index) => {
            let row = &board.fleet.rows()[*index];
            Row::new(
                columns
                    .iter()
                    .map(|&(column, width)| cell(board, row, column, width, theme)),
            )
        }
        // The label is drawn across the whole width below.
        BoardLine::Group { .. } => Row::new(Vec::<Cell>::new()),
    });
    let table = Table::new(rows, columns.iter().map(|&(_, w)| Constraint::Length(w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style(theme))
        .highlight_symbol(MARKER)
        .highlight_spacing(HighlightSpacing::Always);
    let mut table_state =
        TableState::default().with_selected(board.cursor.selected.checked_sub(offset));
    frame.render_stateful_widget(table, inner, &mut table_state);
    batch::draw_marks(frame, layout.body, board, visible, theme);
    for (y, line) in (layout.body.y..).zip(visible) {
        if let BoardLine::Group { label, count } = line {
            let mut style = theme.style(Role::Header);
            if board.lines.get(board.cursor.selected) == Some(line) {
                style = style.patch(selected_style(theme));
            }
            frame.render_widget(
                Paragraph::new(Line::styled(format!("▸ {label} ({count})"), style)),
                Rect {
                    y,
                    height: 1,
                    ..layout.body
                },
            );
        }
    }
}

/// A cell: its symbol and style by meaning, the change marker when it changed since the
/// previous refresh, and `+` on the number of a row that is new.
fn cell(board: &Board, row: &FleetRow, column: Column, width: u16, theme: &Theme) -> Cell<'static> {
    let value = column.value(row);
    let (symbol, role) = look(column, &value);
    let mut spans = Vec::with_capacity(3);
    let changed = board.changes_of(&row.id).iter().any(|c| c.column == column);
    if changed {
        spans.push(Span::styled(text::CHANGED_MARKER, theme.style(Role::Match)));
    } else if column == Column::Number && board.added.contains(&row.id) {
        spans.push(Span::styled(text::ADDED_MARKER, theme.style(Role::Match)));
    }
    let shown = if symbol.is_empty() {
        or_dash(&value).to_string()
    } else {
        format!("{symbol} {value}")
    };
    // A long name is cut in the middle, so two names that start alike stay apart.
    let marker_width: usize = spans.iter().map(Span::width).sum();
    let shown = fit_middle(&shown, (width as usize).saturating_sub(marker_width));
    spans.push(Span::styled(shown, theme.style(role)));
    Cell::from(Line::from(spans))
}

/// The symbol and style of a value: states carry meaning by symbol, not colour only.
fn look(column: Column, value: &str) -> (&'static str, Role) {
    const PASS: (&str, Role) = ("✔", Role::Pass);
    const WARN: (&str, Role) = ("⚠", Role::Warn);
    const FAIL: (&str, Role) = ("✘", Role::Fail);
    const UNKNOWN: (&str, Role) = ("?", Role::Unknown);
    const PLAIN: (&str, Role) = ("", Role::Text);
    if value.is_empty() || value == "-" {
        return ("", Role::Muted);
    }
    let upper = value.to_ascii_uppercase();
    match column {
        Column::Status => match upper.as_str() {
            "CONNECTED" => PASS,
            "FLAGGED" | "RATE_LIMITED" | "PENDING" | "UNVERIFIED" | "OFFLINE" => WARN,
            "RESTRICTED" | "BANNED" | "DISCONNECTED" | "DELETED" => FAIL,
            "MIGRATED" => ("→", Role::Muted),
            _ => UNKNOWN,
        },
        Column::Quality => match upper.as_str() {
            "GREEN" => PASS,
            "YELLOW" => WARN,
            "RED" => FAIL,
            _ => UNKNOWN,
        },
        Column::NameStatus => match upper.as_str() {
            "APPROVED" | "AVAILABLE_WITHOUT_REVIEW" => PASS,
            "PENDING_REVIEW" => WARN,
            "DECLINED" | "EXPIRED" => FAIL,
            _ => UNKNOWN,
        },
        Column::TwoFactor if value == "on" => WARN,
        Column::Channel => match value {
            "ready" | "running" | "live" => PASS,
            v if v.starts_with("pending") => WARN,
            "blocked" | "terminated" | "deleted" | "error" => FAIL,
            _ => UNKNOWN,
        },
        Column::Migration => match value {
            "none" => ("", Role::Muted),
            "done" => PASS,
            "failed" => FAIL,
            _ => ("↻", Role::Checking),
        },
        _ => PLAIN,
    }
}

/// Refresh gauge, else the latest notice, failures, or what the last refresh changed.
fn draw_status(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let board = &state.board;
    if let Some(run) = &board.refresh {
        let ratio = match run.gathered.wabas_total {
            Some(total) if total > 0 => run.gathered.wabas_done as f64 / total as f64,
            _ => 0.0,
        };
        let mut label = text::progress(run.gathered.wabas_done, run.gathered.wabas_total);
        if let Some((percent, wait)) = run.gathered.paced {
            label = format!("{label} · {}", text::paced(percent, wait));
        }
        if !board.failures.is_empty() {
            label = format!("{label} · ✘ {} failed", board.failures.len());
        }
        let gauge = LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(Span::styled(
                format!(" {label} "),
                theme.style(Role::Checking),
            ))
            .filled_style(theme.style(Role::Checking))
            .unfilled_style(theme.style(Role::Muted));
        frame.render_widget(gauge, area);
        return;
    }
    let line = if let Some(notice) = &board.notice {
        let role = if notice.is_error {
            Role::Error
        } else {
            Role::Text
        };
        Line::styled(format!(" {}", notice.text), theme.style(role))
    } else if let Some(first) = board.failures.first() {
        Line::styled(
            format!(" {}", text::failures(first, board.failures.len() - 1)),
            theme.style(Role::Error),
        )
    } else if !board.changed.is_empty() || !board.added.is_empty() || board.removed > 0 {
        Line::styled(
            format!(
                " {}",
                text::changes(board.changed.len(), board.added.len(), board.removed)
            ),
            theme.style(Role::Match),
        )
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Every field of the selected row; a changed one shows `old → new` with the marker.
fn draw_detail(frame: &mut Frame, area: Rect, board: &Board, row: &FleetRow, theme: &Theme) {
    let label_width = Column::ALL
        .iter()
        .map(|c| c.header().len())
        .max()
        .unwrap_or(0)
        .max("CHANNEL ID".len());
    let label =
        |name: &str| Span::styled(format!(" {name:<label_width$}  "), theme.style(Role::Muted));
    let changes = board.changes_of(&row.id);
    let mut lines: Vec<Line> = Column::ALL
        .iter()
        .map(|&column| {
            let value = column.value(row);
            let (symbol, role) = look(column, &value);
            let now = if symbol.is_empty() {
                or_dash(&value).to_string()
            } else {
                format!("{symbol} {value}")
            };
            let mut spans = vec![label(column.header())];
            match changes.iter().find(|c| c.column == column) {
                Some(change) => spans.extend([
                    Span::styled(
                        format!("{} ", text::CHANGED_MARKER),
                        theme.style(Role::Match),
                    ),
                    Span::styled(or_dash(&change.old).to_string(), theme.style(Role::Muted)),
                    Span::styled(" → ", theme.style(Role::Match)),
                    Span::styled(now, theme.style(role)),
                ]),
                None => spans.push(Span::styled(now, theme.style(role))),
            }
            Line::from(spans)
        })
        .collect();
    for (name, value) in [
        ("ID", Some(row.id.as_str())),
        ("WABA ID", Some(row.waba_id.as_str())),
        ("CHANNEL ID", row.channel_id.as_deref()),
    ] {
        lines.push(Line::from(vec![
            label(name),
            Span::styled(
                or_dash(value.unwrap_or_default()).to_string(),
                theme.style(Role::Text),
            ),
        ]));
    }
    let title = Line::styled(
        format!(" {} · {} ", row.label(), text::DETAIL_TITLE),
        theme.style(Role::Title),
    );
    let width = lines
        .iter()
        .map(Line::width)
        .chain([title.width()])
        .max()
        .unwrap_or(0) as u16
        + 3;
    let popup = centred(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(title);
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

#[cfg(test)]
mod tests;
