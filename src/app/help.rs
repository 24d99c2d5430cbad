//! The help popup's text for the screen in front: every key of its keymap (so a rebound
//! key shows as rebound), then what else works there. Built as a [`Document`] when the
//! popup opens or the terminal is resized, so it scrolls to its last line and no
//! further.

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::keymap::{Keymap, Screen};
use super::layout::help_popup;
use super::rich::{Document, RichLine};
use super::strings;
use super::theme::Role;

/// The help of `screen`, laid out for a terminal of `area`.
pub fn document(keymap: &Keymap, screen: Screen, area: Rect) -> Document {
    let lines = lines(keymap, screen);
    let popup = help_popup(area, width(&lines), lines.len());
    let mut doc = Document::default();
    doc.set(lines, popup.height.saturating_sub(2) as usize);
    doc
}

/// Columns the widest line takes.
pub fn width(lines: &[RichLine]) -> usize {
    lines.iter().map(RichLine::width).max().unwrap_or(0)
}

/// The keys of `screen` with what they do, then the screen's notes.
pub fn lines(keymap: &Keymap, screen: Screen) -> Vec<RichLine> {
    let key_width = keymap
        .bindings(screen)
        .map(|(action, _)| keymap.keys_label(screen, action).width())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<RichLine> = vec![RichLine::styled(
        format!("  {}", strings::help_heading(screen)),
        Role::Header,
    )];
    lines.extend(keymap.bindings(screen).map(|(action, _)| {
        let keys = keymap.keys_label(screen, action);
        let pad = key_width.saturating_sub(keys.width());
        RichLine::from_spans([
            (Role::Key, format!("  {keys}{}  ", " ".repeat(pad))),
            (Role::Text, strings::describe(action).to_string()),
        ])
    }));
    lines.push(RichLine::default());
    lines.extend(
        strings::help_notes(screen)
            .iter()
            .map(|note| RichLine::styled(format!("  {note}"), Role::Muted)),
    );
    lines
}
