//! The status line: the keys that matter most on the screen and pane in front, read
//! from that screen's keymap, and at its right end, always, help and quit (the keys
//! that are not letters while a filter or a path is typed).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::hints::{self, Hint};
use crate::app::keymap::{KeyAction, KeySpec};
use crate::app::state::{Pane, Popup, State};
use crate::app::theme::{Role, Theme};

/// Typing into a filter, on the main screen or the board.
const FILTER_HINTS: [Hint; 4] = [
    Hint::Text("type", "filter"),
    Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
    Hint::Keys(&[KeyAction::Select], "keep"),
    Hint::Keys(&[KeyAction::Back], "clear"),
];

/// Draws the status line of the main screen, the board and the template screen.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    draw_footer(frame, area, state, shown_hints(state), theme);
}

/// Draws `shown` from the left, cut at the edge, and help and quit at the right end.
pub fn draw_footer(frame: &mut Frame, area: Rect, state: &State, shown: &[Hint], theme: &Theme) {
    let screen = state.screen();
    let keymap = &state.keymap;
    // While text is typed, letters are text: offer the keys that are not.
    let typing = state.typing();
    let key = |action| {
        keymap
            .keys_of(screen, action)
            .iter()
            .find(|k| !typing || !k.is_letter())
            .map(KeySpec::to_string)
    };
    let (quit, quit_label) = match key(KeyAction::Quit) {
        Some(q) => (Some(q), "quit"),
        None => (key(KeyAction::ForceQuit), "quit"),
    };
    let mut right = Vec::new();
    for (key, label) in [(key(KeyAction::Help), "help"), (quit, quit_label)] {
        if let Some(key) = key {
            right.push(Span::styled(key, theme.style(Role::Key)));
            right.push(Span::styled(format!(" {label} "), theme.style(Role::Muted)));
        }
    }
    let right = Line::from(right);
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(right.width() as u16 + 1),
    ])
    .areas(area);
    // Whole hints only: one that does not fit is left out, not cut in the middle.
    let mut spans = vec![Span::raw(" ")];
    if let Some(flash) = &state.flash {
        // Until the next key: what the last key did (a copy), before the hints.
        spans.push(Span::styled(format!("{flash}  "), theme.style(Role::Title)));
    }
    let mut used: usize = spans.iter().map(Span::width).sum();
    for hint in shown {
        let hint_spans = hints::spans(keymap, screen, std::slice::from_ref(hint), theme);
        let width: usize = hint_spans.iter().map(Span::width).sum();
        if used + width > left_area.width as usize {
            break;
        }
        used += width;
        spans.extend(hint_spans);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
    frame.render_widget(Paragraph::new(right).right_aligned(), right_area);
}

/// The hints of the screen, pane or popup in front.
fn shown_hints(state: &State) -> &'static [Hint] {
    let shown: &'static [Hint] = match &state.popup {
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
        Some(Popup::Help(_)) => &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
            Hint::Keys(&[KeyAction::Back], "close"),
        ],
        Some(Popup::ConfirmQuit { .. }) => {
            &[Hint::Text("y", "quit"), Hint::Text("any other key", "stay")]
        }
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
    shown
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
        ],
        Pane::Destination => &[
            Action(KeyAction::PickDestination),
            Action(KeyAction::PickSource),
            Action(KeyAction::Refresh),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
        ],
        Pane::Log => &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Hint::Keys(&[KeyAction::Select], "detail"),
            Hint::Keys(&[KeyAction::Filter], "filter"),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
        ],
        Pane::Checklist => &[
            Action(KeyAction::Down),
            Action(KeyAction::Refresh),
            Action(KeyAction::PickNumber),
            Action(KeyAction::PickDestination),
            Action(KeyAction::ToggleLog),
            Action(KeyAction::NextPane),
        ],
    }
}
