//! The help popup's text for the screen in front: every key of its keymap (so a rebound
//! key shows as rebound), then what else works there. Built as a [`Document`] when the
//! popup opens or the terminal is resized, so it scrolls to its last line and no
//! further.

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::keymap::{Keymap, Screen};
use super::layout::{help_popup, wrap_words};
use super::rich::{Document, RichLine, wrap_keeping_indent};
use super::strings;
use super::theme::Role;

/// Columns a key's description keeps however narrow the terminal (past them the popup
/// cuts, as any text wider than the terminal).
const MIN_DESCRIPTION_WIDTH: usize = 20;

/// The help of `screen`, laid out for a terminal of `area`: notes wrap inside it.
pub fn document(keymap: &Keymap, screen: Screen, area: Rect) -> Document {
    // The popup's border and margin take 4 columns.
    let lines = lines(keymap, screen, area.width.saturating_sub(4) as usize);
    let popup = help_popup(area, width(&lines), lines.len());
    let mut doc = Document::default();
    doc.set(lines, popup.height.saturating_sub(2) as usize);
    doc
}

/// Columns the widest line takes.
pub fn width(lines: &[RichLine]) -> usize {
    lines.iter().map(RichLine::width).max().unwrap_or(0)
}

/// The keys of `screen` with what they do (a description too long for `width` goes on
/// under itself, past the keys), then the screen's notes wrapped to `width`.
pub fn lines(keymap: &Keymap, screen: Screen, width: usize) -> Vec<RichLine> {
    let key_width = keymap
        .bindings(screen)
        .map(|(action, _)| keymap.keys_label(screen, action).width())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<RichLine> = vec![RichLine::styled(
        format!("  {}", strings::help_heading(screen)),
        Role::Header,
    )];
    // Two columns before the keys and two after them.
    let indent = key_width + 4;
    let text_width = width.saturating_sub(indent).max(MIN_DESCRIPTION_WIDTH);
    for (action, _) in keymap.bindings(screen) {
        let keys = keymap.keys_label(screen, action);
        let pad = key_width.saturating_sub(keys.width());
        let mut description =
            wrap_words(strings::describe_on(screen, action), text_width).into_iter();
        lines.push(RichLine::from_spans([
            (Role::Key, format!("  {keys}{}  ", " ".repeat(pad))),
            (Role::Text, description.next().unwrap_or_default()),
        ]));
        lines.extend(
            description
                .map(|rest| RichLine::styled(format!("{}{rest}", " ".repeat(indent)), Role::Text)),
        );
    }
    lines.push(RichLine::default());
    for note in strings::help_notes(screen) {
        lines.extend(
            wrap_keeping_indent(&format!("  {note}"), width)
                .into_iter()
                .map(|line| RichLine::styled(line, Role::Muted)),
        );
    }
    lines
}

/// The keys of `screen` as a Markdown table (key, action), in the keymap's order: the
/// README's tables are these, checked by a test so they cannot drift from the keymap.
pub fn markdown_table(keymap: &Keymap, screen: Screen) -> String {
    let mut table = String::from("| key | action |\n|---|---|\n");
    for (action, keys) in keymap.bindings(screen) {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        table.push_str(&format!(
            "| {} | {} |\n",
            keys.join(" "),
            strings::describe_on(screen, action)
        ));
    }
    table
}

#[cfg(test)]
mod tests;
