//! The checklist pane: one row per rule for the selected number × destination, with
//! symbol AND word for the status (colour is never the only signal) and the fix under
//! every rule that does not pass.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::checklist::{CheckResult, CheckStatus};

use super::{connection_line, pane_block, spinner};
use crate::app::state::{Pane, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Width of the status column ("✘ fail", "⠋ checking…").
const STATUS_WIDTH: usize = 12;

/// Draws the checklist pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let results = state.checklist();
    let title = title(state, results.as_deref());
    let block = pane_block(title, Pane::Checklist, state, theme);
    let lines = match &results {
        Some(results) => rows(state, theme, results, area.width.saturating_sub(2) as usize),
        None if state.source.is_some() => vec![Line::styled(
            strings::NO_NUMBER_SELECTED,
            theme.style(Role::Muted),
        )],
        None => vec![connection_line(state, theme)],
    };
    let paragraph = Paragraph::new(lines).block(block);
    let paragraph = if results.is_some() {
        paragraph.scroll((state.checklist_scroll, 0))
    } else {
        paragraph.wrap(Wrap { trim: true })
    };
    frame.render_widget(paragraph, area);
}

/// How a status is written: symbol, word and style. Unknown while data is on its way
/// reads "checking…" with the spinner.
pub fn status_cell(
    status: CheckStatus,
    pending: bool,
    spinner_frame: &'static str,
) -> (&'static str, &'static str, Role) {
    match status {
        CheckStatus::Pass => ("✔", strings::PASS, Role::Pass),
        CheckStatus::Fail => ("✘", strings::FAIL, Role::Fail),
        CheckStatus::Warn => ("!", strings::WARN, Role::Warn),
        CheckStatus::Unknown if pending => (spinner_frame, strings::CHECKING, Role::Checking),
        CheckStatus::Unknown => ("?", strings::UNKNOWN, Role::Unknown),
    }
}

fn title(state: &State, results: Option<&[CheckResult]>) -> Line<'static> {
    let mut text = format!(" {}", strings::CHECKLIST_TITLE);
    if let Some(number) = state.selected_phone() {
        text.push_str(&format!(": {}", number.label()));
    }
    if let Some(destination) = state.destination.as_deref() {
        let name = state
            .record(Some(destination))
            .and_then(|r| r.waba.value())
            .map_or(destination.to_string(), |w| w.label().to_string());
        text.push_str(&format!(" → {name}"));
    }
    if let Some(results) = results {
        let count = |s: CheckStatus| results.iter().filter(|r| r.status == s).count();
        text.push_str(&format!(
            "  ({} fail, {} warn, {} pass)",
            count(CheckStatus::Fail),
            count(CheckStatus::Warn),
            count(CheckStatus::Pass)
        ));
    }
    text.push(' ');
    Line::from(text)
}

fn rows(state: &State, theme: &Theme, results: &[CheckResult], width: usize) -> Vec<Line<'static>> {
    let pending = state.checklist_pending();
    let id_width = results
        .iter()
        .map(|r| r.rule.id().len())
        .max()
        .unwrap_or(0)
        .min(width / 3);
    let title_width = results
        .iter()
        .map(|r| r.rule.title().len())
        .max()
        .unwrap_or(0)
        .min(width / 3);
    let show_title = width >= STATUS_WIDTH + id_width + title_width + 20;
    let mut lines = Vec::with_capacity(results.len() * 2);
    for result in results {
        let (symbol, word, role) = status_cell(result.status, pending, spinner(state));
        let style = theme.style(role);
        let mut spans = vec![
            Span::styled(pad(&format!("{symbol} {word}"), STATUS_WIDTH), style),
            Span::styled(
                pad(result.rule.id(), id_width + 2),
                theme.style(Role::Muted),
            ),
        ];
        if show_title {
            spans.push(Span::styled(
                pad(result.rule.title(), title_width + 2),
                theme.style(Role::Text),
            ));
        }
        spans.push(Span::styled(
            result.evidence.clone(),
            theme.style(Role::Text),
        ));
        lines.push(Line::from(spans));
        if result.status != CheckStatus::Pass && !result.fix.is_empty() {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(STATUS_WIDTH)),
                Span::styled(format!("{}{}", strings::FIX_PREFIX, result.fix), style),
            ]));
        }
    }
    lines
}

/// Pads to `width` columns (the texts here are single-width).
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}
