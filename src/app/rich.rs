//! Text with meaning but no colours yet: lines of spans that each carry a theme
//! [`Role`]. Views that scroll (the wizard's plan, the audit report) are built as rich
//! lines by `update` when their inputs change, so `update` knows how long they are
//! (scrolling stops at their end) and drawing only maps roles to styles.

use unicode_width::UnicodeWidthStr;

use super::keymap::KeyAction;
use super::layout::wrap_words;
use super::theme::Role;

/// A run of text in one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RichSpan {
    pub text: String,
    pub role: Role,
}

/// One line of rich text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichLine {
    pub spans: Vec<RichSpan>,
}

impl RichLine {
    /// A line of one role.
    pub fn styled(text: impl Into<String>, role: Role) -> RichLine {
        RichLine {
            spans: vec![RichSpan {
                text: text.into(),
                role,
            }],
        }
    }

    /// A line of several spans.
    pub fn from_spans(spans: impl IntoIterator<Item = (Role, String)>) -> RichLine {
        RichLine {
            spans: spans
                .into_iter()
                .map(|(role, text)| RichSpan { text, role })
                .collect(),
        }
    }

    /// Adds a span at the end.
    pub fn push(&mut self, text: impl Into<String>, role: Role) {
        self.spans.push(RichSpan {
            text: text.into(),
            role,
        });
    }

    /// Columns the line takes on a terminal.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| s.text.width()).sum()
    }

    /// The line's text without roles (tests, searching).
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// `text` wrapped to `width` in one role: each of its lines on its own, continuation
/// lines keeping the line's indentation (the runner indents checklist rows and quoted
/// messages).
pub fn wrapped(text: &str, width: usize, role: Role) -> Vec<RichLine> {
    wrap_keeping_indent(text, width)
        .into_iter()
        .map(|line| RichLine::styled(line, role))
        .collect()
}

/// Wraps `text` to `width`, line by line, keeping each line's indentation.
pub fn wrap_keeping_indent(text: &str, width: usize) -> Vec<String> {
    text.split('\n')
        .flat_map(|line| {
            if line.width() <= width {
                return vec![line.to_string()];
            }
            let indent = line.len() - line.trim_start().len();
            let pad = " ".repeat(indent.min(width / 2));
            wrap_words(line.trim_start(), width.saturating_sub(pad.len()))
                .into_iter()
                .map(|part| format!("{pad}{part}"))
                .collect()
        })
        .collect()
}

/// A scrollable view of rich lines: the lines, the first one shown and how many fit.
/// Scrolling stops when the last line is at the bottom of the view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    pub lines: Vec<RichLine>,
    pub scroll: usize,
    /// Lines the view shows at once.
    pub viewport: usize,
}

impl Document {
    /// Replaces the lines (new content or a new width), keeping the scroll within them.
    pub fn set(&mut self, lines: Vec<RichLine>, viewport: usize) {
        self.lines = lines;
        self.viewport = viewport;
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// The furthest the view scrolls: the last line at the bottom.
    pub fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.viewport.max(1))
    }

    /// Whether lines are hidden below the view.
    pub fn more_below(&self) -> bool {
        self.scroll < self.max_scroll()
    }

    /// Scrolls by `delta` lines within the content.
    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll());
    }

    /// The movement keys: a line, a page, the top, the bottom. Other actions do nothing.
    pub fn on_action(&mut self, action: KeyAction) {
        let page = self.viewport.max(1) as isize;
        match action {
            KeyAction::Up => self.scroll_by(-1),
            KeyAction::Down => self.scroll_by(1),
            KeyAction::PageUp => self.scroll_by(-page),
            KeyAction::PageDown => self.scroll_by(page),
            KeyAction::Top => self.scroll = 0,
            KeyAction::Bottom => self.scroll = self.max_scroll(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_scrolls_to_its_last_line_and_no_further() {
        let mut doc = Document::default();
        doc.set(
            (0..10)
                .map(|i| RichLine::styled(i.to_string(), Role::Text))
                .collect(),
            4,
        );
        doc.on_action(KeyAction::PageDown);
        doc.on_action(KeyAction::PageDown);
        doc.on_action(KeyAction::Down);
        assert_eq!(doc.scroll, 6, "lines 6..10 fill the view");
        assert!(!doc.more_below());
        doc.on_action(KeyAction::Top);
        assert!(doc.more_below());
        doc.set(vec![RichLine::default(); 3], 4);
        assert_eq!(doc.scroll, 0, "shorter than the view: nothing to scroll");
    }
}
