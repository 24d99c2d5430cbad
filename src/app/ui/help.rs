//! The help popup: the keys of the screen in front, generated from its keymap so it
//! always tells the truth.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::app::layout::centred;
use crate::app::state::State;
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Lines after the key list: what the mouse and the environment do.
const FOOTER: [&str; 3] = [
    "Mouse: click a pane to focus it, click a number to select it, wheel to scroll.",
    "In pickers and filters, type to narrow the list (fuzzy), ↑/↓ to move, Enter to choose.",
    "Keys and theme are configurable in the config file ([keys.<screen>], [theme]); NO_COLOR is honoured.",
];

/// Draws the help popup over `area`, scrolled by `scroll` lines.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: u16) {
    let screen = state.screen();
    let keymap = &state.keymap;
    let key_width = keymap
        .bindings(screen)
        .map(|(action, _)| keymap.keys_label(screen, action).chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = keymap
        .bindings(screen)
        .map(|(action, _)| {
            Line::from(vec![
                Span::styled(
                    format!("  {:<key_width$}  ", keymap.keys_label(screen, action)),
                    theme.style(Role::Key),
                ),
                Span::styled(strings::describe(action), theme.style(Role::Text)),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.extend(
        FOOTER
            .iter()
            .map(|t| Line::styled(format!("  {t}"), theme.style(Role::Muted))),
    );
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 4;
    let popup = centred(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ", strings::HELP_TITLE),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}
