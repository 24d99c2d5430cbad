//! The checklist pane: one row per rule for the selected number × destination, with
//! symbol AND word for the status (colour is never the only signal) and the fix under
//! every rule that does not pass.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::domain::checklist::{CheckResult, CheckStatus};

use super::{connection_line, pane_block, scroll_line, spinner};
use crate::app::state::{Pane, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

use crate::app::layout::{CHECKLIST_STATUS_WIDTH as STATUS_WIDTH, ChecklistColumns};

/// Draws the checklist pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let results = state.derived.checklist.as_deref();
    let title = title(state, results);
    let mut block = pane_block(title, Pane::Checklist, state, theme);
    if results.is_some() {
        // Rows below (or above) the pane are never hidden silently.
        block = block.title_bottom(scroll_line(
            state.checklist_scroll as usize,
            area.height.saturating_sub(2) as usize,
            state.derived.checklist_lines,
            theme,
        ));
    }
    let lines = match results {
        Some(results) => rows(
            state,
            &|role| theme.style(role),
            results,
            area.width.saturating_sub(2) as usize,
        ),
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
    if let Some(results) = results {
        let count = |s: CheckStatus| results.iter().filter(|r| r.status == s).count();
        text.push_str(&format!(
            " ({} fail, {} warn, {} unknown, {} pass)",
            count(CheckStatus::Fail),
            count(CheckStatus::Warn),
            count(CheckStatus::Unknown),
            count(CheckStatus::Pass)
        ));
    }
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
    text.push_str(&format!(" · {} ", state.scenario.title()));
    Line::from(text)
}

/// The checklist as lines for a pane `width` columns wide: blockers first (fail, warn,
/// unknown, then pass, each group in rule order) so they show without scrolling; long
/// evidence and fixes wrap under their column.
pub fn rows(
    state: &State,
    style: &dyn Fn(Role) -> Style,
    results: &[CheckResult],
    width: usize,
) -> Vec<Line<'static>> {
    let pending = state.checklist_pending();
    let columns = ChecklistColumns::compute(results, width);
    let mut ordered: Vec<&CheckResult> = results.iter().collect();
    ordered.sort_by_key(|r| match r.status {
        CheckStatus::Fail => 0,
        CheckStatus::Warn => 1,
        CheckStatus::Unknown => 2,
        CheckStatus::Pass => 3,
    });
    let mut lines = Vec::with_capacity(results.len() * 2);
    for result in ordered {
        let (symbol, word, role) = status_cell(result.status, pending, spinner(state));
        let mut evidence = columns.evidence_lines(result).into_iter();
        let mut spans = vec![
            Span::styled(pad(&format!("{symbol} {word}"), STATUS_WIDTH), style(role)),
            Span::styled(pad(result.rule.id(), columns.id_width), style(Role::Muted)),
        ];
        if columns.show_title {
            spans.push(Span::styled(
                pad(result.rule.title(), columns.title_width),
                style(Role::Text),
            ));
        }
        spans.push(Span::styled(
            evidence.next().unwrap_or_default(),
            style(Role::Text),
        ));
        lines.push(Line::from(spans));
        lines.extend(evidence.map(|more| {
            Line::from(vec![
                Span::raw(" ".repeat(columns.evidence_column)),
                Span::styled(more, style(Role::Text)),
            ])
        }));
        lines.extend(columns.fix_lines(result).into_iter().map(|part| {
            Line::from(vec![
                Span::raw(" ".repeat(STATUS_WIDTH)),
                Span::styled(part, style(role)),
            ])
        }));
    }
    lines
}

/// Pads to `width` columns (the texts here are single-width).
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}
