//! The help popup (the keys and notes of the screen in front, built by `app::help` so
//! it scrolls to its end and no further) and the quit confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::{rich_lines, scroll_title};
use crate::app::help;
use crate::app::layout::{centred, help_popup};
use crate::app::rich::Document;
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Draws the help popup over `area`.
pub fn draw(frame: &mut Frame, area: Rect, doc: &Document, theme: &Theme) {
    let popup = help_popup(area, help::width(&doc.lines), doc.lines.len());
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ", strings::HELP_TITLE),
            theme.style(Role::Title),
        ))
        .title_bottom(scroll_title(doc, theme));
    let shown = &doc.lines[doc.scroll.min(doc.lines.len())..];
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(rich_lines(shown, theme)).block(block), popup);
}

/// Draws the quit confirmation: what runs, how to go on later, and the keys.
pub fn draw_quit(frame: &mut Frame, area: Rect, about: &str, theme: &Theme) {
    let width = area.width.saturating_sub(8).min(72);
    let lines = vec![
        Line::styled(about.to_string(), theme.style(Role::Warn)),
        Line::raw(""),
        Line::styled(strings::QUIT_KEYS, theme.style(Role::Key)),
    ];
    let text_width = width.saturating_sub(2).max(1) as usize;
    let height = crate::app::layout::wrap_words(about, text_width).len() as u16 + 4;
    let popup = centred(area, width, height);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Warn))
        .title(Line::styled(
            format!(" {} ", strings::QUIT_TITLE),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        popup,
    );
}
