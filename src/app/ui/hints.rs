//! Key hints (status lines, the wizard's answers): every key shown is read from the
//! screen's keymap, so a rebound key shows as rebound.

use ratatui::text::{Line, Span};

use crate::app::keymap::{KeyAction, Keymap, Screen};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// One hint.
#[derive(Debug, Clone, Copy)]
pub enum Hint {
    /// An action's first key and its one-word hint.
    Action(KeyAction),
    /// The first keys of these actions (`y/Enter`) and what they do here.
    Keys(&'static [KeyAction], &'static str),
    /// Typing, not a key (`type` filter, `digits` the code).
    Text(&'static str, &'static str),
}

/// The spans of `hints` on `screen`: key in the key style, then its hint, muted.
pub fn spans(keymap: &Keymap, screen: Screen, hints: &[Hint], theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for hint in hints {
        let (key, label) = match *hint {
            Hint::Action(action) => (
                keymap.first_key(screen, action),
                strings::hint(action).to_string(),
            ),
            Hint::Keys(actions, label) => (
                actions
                    .iter()
                    .map(|a| keymap.first_key(screen, *a))
                    .filter(|k| !k.is_empty())
                    .collect::<Vec<_>>()
                    .join("/"),
                label.to_string(),
            ),
            Hint::Text(key, label) => (key.to_string(), label.to_string()),
        };
        spans.extend(pair(key, &label, theme));
    }
    spans
}

/// One action's hint with a label made now (a countdown).
pub fn action_line(
    keymap: &Keymap,
    screen: Screen,
    action: KeyAction,
    label: &str,
    theme: &Theme,
) -> Line<'static> {
    Line::from(pair(keymap.first_key(screen, action), label, theme))
}

/// Key and label; nothing when the screen binds no key for it.
fn pair(key: String, label: &str, theme: &Theme) -> Vec<Span<'static>> {
    if key.is_empty() {
        return Vec::new();
    }
    vec![
        Span::styled(key, theme.style(Role::Key)),
        Span::styled(format!(" {label}  "), theme.style(Role::Muted)),
    ]
}

/// [`spans`] as a line.
pub fn line(keymap: &Keymap, screen: Screen, hints: &[Hint], theme: &Theme) -> Line<'static> {
    Line::from(spans(keymap, screen, hints, theme))
}
