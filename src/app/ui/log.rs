//! The log pane: recent API calls (method and path only: never a query string or a
//! token) and notices, each with its time (UTC) and level, newest at the bottom; the
//! filter line while one is typed or applied; and the detail popup of one line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{pane_block, selected_style};
use crate::app::layout::{centred, wrap_words};
use crate::app::log_view::{self, Level, Logged};
use crate::app::state::{LogEntry, Pane, State};
use crate::app::strings::{self, log as text};
use crate::app::theme::{Role, Theme};

/// Draws the log pane; `state.log_scroll` lines back from the newest shown.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let shown = log_view::visible(state);
    let errors = state
        .log
        .iter()
        .filter(|line| line.level() == Level::Error)
        .count();
    let title = text::title(shown.len(), state.log.len(), errors);
    let block = pane_block(title, Pane::Log, state, theme);
    let mut lines: Vec<Line> = Vec::new();
    let view = &state.log_view;
    if view.filter_editing || !view.filter_input.value().is_empty() {
        let mut filter = vec![
            Span::styled(text::FILTER_PROMPT, theme.style(Role::Key)),
            Span::styled(
                view.filter_input.value().to_string(),
                theme.style(Role::Text),
            ),
        ];
        if view.filter_editing {
            filter.push(Span::styled("▏", theme.style(Role::Key)));
        }
        match &view.filter_error {
            Some(error) => {
                filter.push(Span::styled(format!("  {error}"), theme.style(Role::Error)))
            }
            None if view.filter_editing => filter.push(Span::styled(
                format!("  {}", text::FILTER_HINT),
                theme.style(Role::Muted),
            )),
            None => {}
        }
        lines.push(Line::from(filter));
    }
    let height = (area.height.saturating_sub(2) as usize).saturating_sub(lines.len());
    if state.log.is_empty() {
        lines.push(Line::styled(strings::NO_CALLS, theme.style(Role::Muted)));
    } else if shown.is_empty() {
        lines.push(Line::styled(
            text::NOTHING_MATCHES,
            theme.style(Role::Muted),
        ));
    } else {
        // The newest lines, unless the cursor went back past them.
        let cursor = shown.len().saturating_sub(1 + state.log_scroll as usize);
        let start = shown.len().saturating_sub(height.max(1)).min(cursor);
        let end = (start + height.max(1)).min(shown.len());
        let focused = state.focus == Pane::Log && state.popup.is_none();
        for (index, line) in shown.iter().enumerate().take(end).skip(start) {
            let mut rendered = entry_line(line, state, theme);
            if focused && index == cursor {
                rendered = rendered.style(selected_style(theme));
            }
            lines.push(rendered);
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn level_span(level: Level, theme: &Theme) -> Span<'static> {
    let role = match level {
        Level::Error => Role::Fail,
        Level::Warn => Role::Warn,
        Level::Info => Role::Muted,
    };
    Span::styled(format!("{} ", level.label()), theme.style(role))
}

fn entry_line(line: &Logged, state: &State, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled(
            format!("{} ", log_view::clock(line.wall_time(state.wall_anchor))),
            theme.style(Role::Muted),
        ),
        level_span(line.level(), theme),
    ];
    match &line.entry {
        LogEntry::Notice { text, is_error } => spans.push(Span::styled(
            text.clone(),
            theme.style(if *is_error { Role::Error } else { Role::Text }),
        )),
        LogEntry::Call(call) => {
            let status = call
                .http_status
                .map_or("---".to_string(), |s| s.to_string());
            let failed = call.error.is_some();
            spans.extend([
                Span::styled(
                    if failed { "✘ " } else { "✔ " },
                    theme.style(if failed { Role::Fail } else { Role::Pass }),
                ),
                Span::styled(
                    format!("{status} "),
                    theme.style(if failed { Role::Error } else { Role::Text }),
                ),
                Span::styled(
                    format!("{:>5}ms ", call.latency.as_millis()),
                    theme.style(Role::Muted),
                ),
                Span::styled(call.endpoint.clone(), theme.style(Role::Text)),
            ]);
            if call.attempt > 1 {
                spans.push(Span::styled(
                    format!(" (attempt {})", call.attempt),
                    theme.style(Role::Warn),
                ));
            }
            if let Some(usage) = call.usage {
                spans.push(Span::styled(
                    format!(" rate {}%", usage.percent),
                    theme.style(Role::Muted),
                ));
            }
            if let Some((class, sentence)) = &call.error {
                spans.push(Span::styled(
                    format!("  {}: {sentence}", class.label()),
                    theme.style(Role::Error),
                ));
            }
        }
    }
    Line::from(spans)
}

/// The detail popup of one log line: every field of a call, one per line.
pub fn draw_detail(frame: &mut Frame, area: Rect, state: &State, line: &Logged, theme: &Theme) {
    let mut rows: Vec<(&str, Span<'static>)> = vec![
        (
            text::TIME,
            Span::raw(log_view::timestamp(line.wall_time(state.wall_anchor))),
        ),
        (text::LEVEL, level_span(line.level(), theme)),
    ];
    match &line.entry {
        LogEntry::Notice { text: notice, .. } => {
            rows.push((text::NOTICE, Span::raw(notice.clone())));
        }
        LogEntry::Call(call) => {
            let (method, path) = log_view::method_and_path(&call.endpoint);
            rows.push((
                text::METHOD,
                Span::styled(method.to_string(), theme.style(Role::Key)),
            ));
            rows.push((text::PATH, Span::raw(path.to_string())));
            rows.push((
                text::STATUS,
                match call.http_status {
                    Some(status) if call.error.is_none() => {
                        Span::styled(status.to_string(), theme.style(Role::Pass))
                    }
                    Some(status) => Span::styled(status.to_string(), theme.style(Role::Fail)),
                    None => Span::styled(text::NO_STATUS, theme.style(Role::Fail)),
                },
            ));
            rows.push((
                text::TOOK,
                Span::raw(text::took(call.latency, call.attempt)),
            ));
            if let Some((class, sentence)) = &call.error {
                rows.push((
                    text::ERROR,
                    Span::styled(
                        format!("{}: {sentence}", class.label()),
                        theme.style(Role::Error),
                    ),
                ));
            }
            rows.push((
                text::FBTRACE,
                match &call.fbtrace_id {
                    Some(id) => Span::styled(id.clone(), theme.style(Role::Title)),
                    None => Span::styled(text::NO_TRACE, theme.style(Role::Muted)),
                },
            ));
            if let Some(usage) = call.usage {
                rows.push((text::RATE, Span::raw(format!("{} %", usage.percent))));
            }
        }
    }
    let label_width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let width = (area.width * 8 / 10).max(40).min(area.width);
    // Long values (an error sentence) wrap under themselves, not under the labels.
    let value_width = (width as usize).saturating_sub(label_width + 5).max(10);
    let mut lines: Vec<Line> = Vec::new();
    for (label, value) in rows {
        let style = value.style;
        for (index, part) in wrap_words(&value.content, value_width)
            .into_iter()
            .enumerate()
        {
            let label = if index == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {label:<label_width$}  "),
                    theme.style(Role::Muted),
                ),
                Span::styled(part, style),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", text::DETAIL_KEYS),
        theme.style(Role::Muted),
    ));
    let popup = centred(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ", text::DETAIL_TITLE),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
