//! The log pane: recent API calls (method and path only: never a query string or a
//! token) with status, latency and the error sentence, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane_block;
use crate::api::CallRecord;
use crate::app::state::{LogEntry, Pane, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Draws the log pane; `state.log_scroll` lines back from the newest.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let errors = state
        .log
        .iter()
        .filter(|e| {
            matches!(
                e,
                LogEntry::Call(CallRecord { error: Some(_), .. })
                    | LogEntry::Notice { is_error: true, .. }
            )
        })
        .count();
    let title = format!(
        " {} ({} entries, {errors} errors) (l) ",
        strings::LOG_TITLE,
        state.log.len()
    );
    let block = pane_block(title, Pane::Log, state, theme);
    let height = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = if state.log.is_empty() {
        vec![Line::styled(strings::NO_CALLS, theme.style(Role::Muted))]
    } else {
        let end = state.log.len().saturating_sub(state.log_scroll as usize);
        let start = end.saturating_sub(height);
        state
            .log
            .range(start..end)
            .map(|e| entry_line(e, theme))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn entry_line(entry: &LogEntry, theme: &Theme) -> Line<'static> {
    match entry {
        LogEntry::Notice { text, is_error } => Line::styled(
            text.clone(),
            theme.style(if *is_error { Role::Error } else { Role::Muted }),
        ),
        LogEntry::Call(call) => {
            let status = call
                .http_status
                .map_or("---".to_string(), |s| s.to_string());
            let failed = call.error.is_some();
            let mut spans = vec![
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
            ];
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
            Line::from(spans)
        }
    }
}
