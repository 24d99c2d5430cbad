//! The top bar: app, profile, backend badge (SANDBOX or LIVE with its base URLs), sync
//! state and the rate-limit usage Meta reports.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dot, spinner};
use crate::app::state::{Phase, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};
use crate::connect::BackendLabel;

/// Draws the top bar.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![
        Span::styled(format!(" {} ", strings::APP_NAME), theme.style(Role::Title)),
        Span::styled("profile ", theme.style(Role::Muted)),
        Span::styled(state.profile.clone(), theme.style(Role::Text)),
        Span::raw(" "),
    ];
    let badge_role = match state.backend {
        BackendLabel::Sandbox { .. } => Role::BadgeSandbox,
        BackendLabel::Live { .. } => Role::BadgeLive,
    };
    spans.push(Span::styled(
        format!(" {} ", state.backend.badge()),
        theme.style(badge_role),
    ));
    let urls = match &state.backend {
        BackendLabel::Sandbox { base_url } if base_url.is_empty() => String::new(),
        BackendLabel::Sandbox { base_url } => base_url.clone(),
        BackendLabel::Live {
            graph_url,
            hub_url: Some(hub),
            ..
        } => format!("{graph_url}  {hub}"),
        BackendLabel::Live {
            graph_url,
            hub_url: None,
            ..
        } => graph_url.clone(),
    };
    if !urls.is_empty() {
        spans.push(Span::styled(format!(" {urls}"), theme.style(Role::Muted)));
    }
    spans.push(dot(theme));
    match &state.phase {
        Phase::Failed(_) => spans.push(Span::styled("✘ not connected", theme.style(Role::Error))),
        _ if state.is_busy() => {
            spans.push(Span::styled(
                format!("{} ", spinner(state)),
                theme.style(Role::Checking),
            ));
            let text = match (&state.phase, &state.slow_call) {
                (Phase::Connecting, _) => strings::CONNECTING.to_string(),
                (_, Some(slow)) => strings::waiting_for(&slow.endpoint, slow.elapsed),
                _ => strings::in_flight(state.store.in_flight()),
            };
            spans.push(Span::styled(text, theme.style(Role::Checking)));
        }
        _ => {}
    }
    if let Some(age) = state.synced_label() {
        if state.is_busy() {
            spans.push(dot(theme));
        }
        spans.push(Span::styled(age, theme.style(Role::Muted)));
    }
    if let Some(usage) = state.rate_usage {
        let role = match usage.percent {
            0..=74 => Role::Muted,
            75..=89 => Role::Warn,
            _ => Role::Fail,
        };
        spans.push(dot(theme));
        spans.push(Span::styled(
            format!("rate limit {}%", usage.percent),
            theme.style(role),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
