//! The destination WABA pane: its facts plus what a migration into it needs: subscribed
//! apps (webhooks), a payment method, and template room.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{connection_line, dot, error_lines, fact, loading_line, pane_block, waba_facts};
use crate::app::state::{Pane, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Draws the destination pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let title = format!(" {} (d) ", strings::DESTINATION_TITLE);
    let block = pane_block(title, Pane::Destination, state, theme);
    let lines = match state.destination.as_deref() {
        Some(waba_id) => destination_lines(state, theme, waba_id),
        None if state.store.waba_ids.value().is_some() => {
            vec![Line::styled(
                strings::NO_DESTINATION,
                theme.style(Role::Muted),
            )]
        }
        None => vec![connection_line(state, theme)],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn destination_lines(state: &State, theme: &Theme, waba_id: &str) -> Vec<Line<'static>> {
    let record = state.record(Some(waba_id));
    let mut lines = waba_facts(state, theme, waba_id, record);
    let Some(record) = record else {
        return lines;
    };
    if let Some(inventory) = record.templates.value() {
        let room = inventory
            .room()
            .map_or("unknown (no limit reported)".to_string(), |r| r.to_string());
        let role = match inventory.room() {
            Some(0) => Role::Fail,
            Some(_) => Role::Text,
            None => Role::Muted,
        };
        let [label, value] = fact("template capacity left", room, theme);
        lines.push(Line::from(vec![label, value.style(theme.style(role))]));
    }
    if let Some(waba) = record.waba.value() {
        lines.push(if waba.has_payment_method() {
            Line::styled(strings::PAYMENT_PRESENT, theme.style(Role::Pass))
        } else {
            Line::styled(strings::PAYMENT_MISSING, theme.style(Role::Fail))
        });
    }
    match (record.apps.value(), record.apps.error()) {
        (Some(apps), _) if apps.is_empty() => {
            lines.push(Line::styled(strings::NO_APPS, theme.style(Role::Fail)))
        }
        (Some(apps), _) => {
            let mut spans = vec![Span::styled("✔ webhooks: ", theme.style(Role::Pass))];
            for (i, app) in apps.iter().enumerate() {
                if i > 0 {
                    spans.push(dot(theme));
                }
                spans.push(Span::styled(
                    app.label().to_string(),
                    theme.style(Role::Text),
                ));
            }
            lines.push(Line::from(spans));
        }
        (None, Some(e)) => lines.extend(error_lines(e, theme)),
        (None, None) => lines.push(loading_line(state, theme, "subscribed apps…")),
    }
    if let Some(numbers) = record.numbers.value() {
        lines.push(Line::from(
            fact("numbers", numbers.len().to_string(), theme).to_vec(),
        ));
    }
    lines
}
