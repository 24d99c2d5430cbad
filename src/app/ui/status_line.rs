//! The status line: the keys that matter most on the screen and pane in front, read
//! from that screen's keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::hints::{self, Hint};
use crate::app::keymap::KeyAction;
use crate::app::state::{Pane, Popup, State};
use crate::app::theme::{Role, Theme};

/// Typing into a filter, on the main screen or the board.
const FILTER_HINTS: [Hint; 4] = [
    Hint::Text("type", "filter"),
    Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
    Hint::Keys(&[KeyAction::Select], "keep"),
    Hint::Keys(&[KeyAction::Back], "clear"),
];

/// Draws the status line.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let screen = state.screen();
    let shown: &[Hint] = match &state.popup {
        Some(Popup::Picker(_)) => &[
            Hint::Text("type", "filter"),
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Hint::Keys(&[KeyAction::Select], "choose"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        Some(Popup::Palette(_)) => &[
            Hint::Text("type", "a name or digits"),
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Hint::Keys(&[KeyAction::Select], "go"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        Some(Popup::LogDetail(_)) => &[
            Hint::Keys(&[KeyAction::Yank], "copy the fbtrace_id"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        Some(Popup::Help { .. }) => &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        None if state.journals.is_some() => state
            .journals
            .as_ref()
            .map_or(&[][..], super::journals::hints),
        None if state.board.open && state.board.detail_open => &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        None if state.filter_editing
            || state.board.filter_editing
            || state.log_view.filter_editing =>
        {
            &FILTER_HINTS
        }
        None if state.board.open => &super::board::HINTS,
        None => match &state.templates {
            Some(view) => super::templates::hints(view),
            None => hints_for(state.focus),
        },
    };
    let mut spans = vec![Span::raw(" ")];
    if let Some(flash) = &state.flash {
        // Until the next key: what the last key did (a copy), before the hints.
        spans.push(Span::styled(format!("{flash}  "), theme.style(Role::Title)));
    }
    spans.extend(hints::spans(&state.keymap, screen, shown, theme));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The most relevant actions of a pane, most useful first (the line is cut at the edge).
fn hints_for(pane: Pane) -> &'static [Hint] {
    use Hint::Action;
    match pane {
        Pane::Numbers => &[
            Action(KeyAction::Down),
            Action(KeyAction::Select),
            Action(KeyAction::Migrate),
            Action(KeyAction::Filter),
            Action(KeyAction::PickNumber),
            Action(KeyAction::PickSource),
            Action(KeyAction::PickDestination),
            Action(KeyAction::Refresh),
            Action(KeyAction::FleetBoard),
            Action(KeyAction::Palette),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
            Action(KeyAction::Help),
            Action(KeyAction::Quit),
        ],
        Pane::Destination => &[
            Action(KeyAction::PickDestination),
            Action(KeyAction::PickSource),
            Action(KeyAction::Refresh),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
            Action(KeyAction::Help),
            Action(KeyAction::Quit),
        ],
        Pane::Log => &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Hint::Keys(&[KeyAction::Select], "detail"),
            Hint::Keys(&[KeyAction::Filter], "filter"),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
            Action(KeyAction::Help),
            Action(KeyAction::Quit),
        ],
        Pane::Checklist => &[
            Action(KeyAction::Down),
            Action(KeyAction::Refresh),
            Action(KeyAction::PickNumber),
            Action(KeyAction::PickDestination),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
            Action(KeyAction::Help),
            Action(KeyAction::Quit),
        ],
    }
}
