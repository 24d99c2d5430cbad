//! The status line: the keys that matter most for what has focus, read from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::keymap::KeyAction;
use crate::app::state::{Pane, Popup, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Draws the status line.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let text_hints: &[(&str, &str)] = match &state.popup {
        Some(Popup::Picker(_)) => &[
            ("type", "filter"),
            ("↑/↓", "move"),
            ("Enter", "choose"),
            ("Esc", "close"),
        ],
        Some(Popup::Help { .. }) => &[("↑/↓", "scroll"), ("Esc", "close")],
        None if state.board.open && state.board.detail_open => &[("↑/↓", "move"), ("Esc", "close")],
        None if state.filter_editing || state.board.filter_editing => &[
            ("type", "filter"),
            ("↑/↓", "move"),
            ("Enter", "keep"),
            ("Esc", "clear"),
        ],
        None => match &state.templates {
            Some(view) => super::templates::hints(view).0,
            None => &[],
        },
    };
    if text_hints.is_empty() {
        let actions: &[KeyAction] = if state.board.open {
            &super::board::HINTS
        } else {
            match &state.templates {
                Some(view) => super::templates::hints(view).1,
                None => actions_for(state.focus),
            }
        };
        for action in actions {
            push_hint(
                &mut spans,
                &state.keymap.first_key(*action),
                strings::hint(*action),
                theme,
            );
        }
    } else {
        for (key, hint) in text_hints {
            push_hint(&mut spans, key, hint, theme);
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The most relevant actions of a pane, most useful first (the line is cut at the edge).
fn actions_for(pane: Pane) -> &'static [KeyAction] {
    match pane {
        Pane::Numbers => &[
            KeyAction::Down,
            KeyAction::Select,
            KeyAction::Migrate,
            KeyAction::Filter,
            KeyAction::PickNumber,
            KeyAction::PickSource,
            KeyAction::PickDestination,
            KeyAction::Refresh,
            KeyAction::FleetBoard,
            KeyAction::ToggleLog,
            KeyAction::NextPane,
            KeyAction::Help,
            KeyAction::Quit,
        ],
        Pane::Destination => &[
            KeyAction::PickDestination,
            KeyAction::PickSource,
            KeyAction::Refresh,
            KeyAction::ToggleLog,
            KeyAction::NextPane,
            KeyAction::Help,
            KeyAction::Quit,
        ],
        Pane::Checklist | Pane::Log => &[
            KeyAction::Down,
            KeyAction::Refresh,
            KeyAction::PickNumber,
            KeyAction::PickDestination,
            KeyAction::ToggleLog,
            KeyAction::NextPane,
            KeyAction::Help,
            KeyAction::Quit,
        ],
    }
}

fn push_hint(spans: &mut Vec<Span<'static>>, key: &str, hint: &str, theme: &Theme) {
    spans.push(Span::styled(key.to_string(), theme.style(Role::Key)));
    spans.push(Span::styled(format!(" {hint}  "), theme.style(Role::Muted)));
}
