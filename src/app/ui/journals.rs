//! The journals screen: the list of the backend's migration journals (newest first),
//! the audit report of one over it, and the question before an abandonment.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Clear, HighlightSpacing, Paragraph, Row, Table, TableState,
};

use super::hints::{self, Hint};
use super::{rich_lines, selected_style, wrapped};
use crate::app::journals::{JournalRow, JournalsView, ReportView};
use crate::app::keymap::{KeyAction, Screen};
use crate::app::layout::centred;
use crate::app::markdown;
use crate::app::state::State;
use crate::app::strings::journals as text;
use crate::app::theme::{Role, Theme};

/// The keys the status line offers on the list, most useful first.
pub const HINTS: [Hint; 8] = [
    Hint::Action(KeyAction::Down),
    Hint::Keys(&[KeyAction::Select], "report"),
    Hint::Action(KeyAction::Resume),
    Hint::Action(KeyAction::Abandon),
    Hint::Keys(&[KeyAction::Refresh], "reload"),
    Hint::Action(KeyAction::Palette),
    Hint::Action(KeyAction::Help),
    Hint::Action(KeyAction::Back),
];

/// The keys on the report and on the question.
pub const REPORT_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
    Hint::Keys(&[KeyAction::Back], "close"),
];
pub const QUESTION_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Yes], "abandon"),
    Hint::Keys(&[KeyAction::No, KeyAction::Back], "keep it"),
];

/// The status line's hints for the screen as it stands.
pub fn hints(view: &JournalsView) -> &'static [Hint] {
    if view.confirming_abandon.is_some() {
        &QUESTION_HINTS
    } else if view.report.is_some() {
        &REPORT_HINTS
    } else {
        &HINTS
    }
}

/// Draws the screen in `area` (between the top bar and the status line).
pub fn draw(frame: &mut Frame, area: Rect, state: &State, view: &JournalsView, theme: &Theme) {
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(
                " {} ({}) ",
                text::TITLE,
                state
                    .keymap
                    .first_key(Screen::Main, KeyAction::OpenJournals)
            ),
            theme.style(Role::Title),
        ));
    frame.render_widget(block, area);
    let [list, notice] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)])
        .areas(area.inner(Margin::new(1, 1)));
    match &view.rows {
        None => frame.render_widget(
            Paragraph::new(Line::styled(text::READING, theme.style(Role::Muted))),
            list,
        ),
        Some(Err(error)) => frame.render_widget(
            Paragraph::new(Line::styled(
                text::unreadable(error),
                theme.style(Role::Error),
            )),
            list,
        ),
        Some(Ok(rows)) if rows.is_empty() => frame.render_widget(
            Paragraph::new(Line::styled(text::NONE, theme.style(Role::Muted))),
            list,
        ),
        Some(Ok(rows)) => draw_list(frame, list, rows, view, theme),
    }
    if let Some((sentence, is_error)) = &view.notice {
        let role = if *is_error { Role::Error } else { Role::Text };
        frame.render_widget(
            Paragraph::new(Line::styled(sentence.clone(), theme.style(role))),
            notice,
        );
    }
    if let Some(report) = &view.report {
        draw_report(frame, area, report, theme);
    }
    if let Some(row) = &view.confirming_abandon {
        draw_question(frame, area, state, row, theme);
    }
}

/// The journals in view, the highlighted one marked.
fn draw_list(
    frame: &mut Frame,
    area: Rect,
    rows: &[JournalRow],
    view: &JournalsView,
    theme: &Theme,
) {
    let height = area.height.saturating_sub(1) as usize;
    let offset = view.cursor.offset.min(rows.len().saturating_sub(1));
    let visible = &rows[offset..(offset + height).min(rows.len())];
    // The id (for `wamigrate journal show`) when there is room for it.
    let with_id = area.width >= 110;
    let scenario_width = rows
        .iter()
        .map(|r| r.scenario.map_or(1, |s| s.id().len()))
        .max()
        .unwrap_or(1)
        .clamp(8, 26) as u16;
    let lines = visible.iter().map(|row| {
        let role = if row.open { Role::Warn } else { Role::Text };
        let mut cells = vec![
            Cell::from(minutes(&row.started_at)),
            Cell::from(row.number.clone()),
            Cell::from(row.scenario.map_or("-", |s| s.id())),
            Cell::from(Span::styled(row.state.clone(), theme.style(role))),
        ];
        if with_id {
            cells.push(Cell::from(row.id.clone()));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(16),
        Constraint::Length(15),
        Constraint::Length(scenario_width),
        Constraint::Fill(1),
    ];
    let mut headers = text::HEADERS.to_vec();
    if with_id {
        widths[3] = Constraint::Length(30);
        widths.push(Constraint::Fill(1));
    } else {
        headers.pop();
    }
    let header = Row::new(headers.into_iter().map(Cell::from)).style(theme.style(Role::Header));
    let table = Table::new(lines, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style(theme))
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut table_state =
        TableState::default().with_selected(view.cursor.selected.checked_sub(offset));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// "2026-12-01 03:05" of an RFC 3339 time: to the minute, as a list needs it.
fn minutes(stamp: &str) -> String {
    stamp
        .chars()
        .take(16)
        .collect::<String>()
        .replacen('T', " ", 1)
}

/// The audit report over the list, wrapped to its width and scrolled.
fn draw_report(frame: &mut Frame, area: Rect, report: &ReportView, theme: &Theme) {
    let popup = area.inner(Margin::new(2, 1));
    let width = popup.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = match &report.text {
        // Rendered as the wizard's report page renders it: headings, tables, colours.
        Ok(markdown) => rich_lines(&markdown::render(markdown, width), theme),
        Err(sentence) => vec![Line::styled(sentence.clone(), theme.style(Role::Error))],
    };
    let last = lines
        .len()
        .saturating_sub(popup.height.saturating_sub(2) as usize) as u16;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ", text::report_title(&report.id)),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((report.scroll.min(last), 0)),
        popup,
    );
}

/// "Abandon migration …?" with its answers.
fn draw_question(frame: &mut Frame, area: Rect, state: &State, row: &JournalRow, theme: &Theme) {
    let width = area.width.saturating_sub(8).min(72);
    let mut lines = wrapped(
        &text::abandon_question(&row.id, &row.number),
        width.saturating_sub(4) as usize,
        theme,
        Role::Text,
    );
    lines.push(Line::raw(""));
    lines.push(hints::line(
        &state.keymap,
        Screen::Journals,
        &QUESTION_HINTS,
        theme,
    ));
    let popup = centred(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Warn))
        .title(Line::styled(" Abandon? ", theme.style(Role::Warn)));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
