//! The command palette popup: the query line over the ranked rows, each with its kind,
//! its text (matched characters highlighted) and, for commands, the key that does the
//! same.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, List, ListItem, ListState, Paragraph};

use super::selected_style;
use crate::app::layout::PickerLayout;
use crate::app::palette::{self, Palette, PaletteRow};
use crate::app::state::State;
use crate::app::strings::palette as text;
use crate::app::theme::{Role, Theme};

/// Width of the kind column.
const KIND_WIDTH: usize = 12;
/// Width of the keys column (a command's keys, e.g. `r/F5`).
const KEYS_WIDTH: usize = 6;

/// Draws the palette over `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, open: &Palette) {
    let layout = PickerLayout::compute(area);
    let rows = palette::rows(state, open);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ({}) ", text::TITLE, rows.len()),
            theme.style(Role::Title),
        ))
        .title_bottom(Line::styled(
            format!(" {} ", text::KEYS),
            theme.style(Role::Muted),
        ));
    frame.render_widget(Clear, layout.popup);
    frame.render_widget(block, layout.popup);
    let width = layout.query.width.saturating_sub(2) as usize;
    let scroll = open.query.visual_scroll(width);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(": ", theme.style(Role::Key)),
            Span::styled(open.query.value().to_string(), theme.style(Role::Text)),
        ]))
        .scroll((0, scroll as u16)),
        layout.query,
    );
    let cursor_x = open.query.visual_cursor().saturating_sub(scroll) as u16 + 2;
    frame.set_cursor_position(Position::new(layout.query.x + cursor_x, layout.query.y));
    let items: Vec<ListItem> = if rows.is_empty() {
        vec![ListItem::new(Line::styled(
            text::NO_MATCH,
            theme.style(Role::Muted),
        ))]
    } else {
        rows.iter()
            .map(|row| ListItem::new(row_line(row, theme)))
            .collect()
    };
    let list = List::new(items)
        .highlight_style(selected_style(theme))
        .highlight_symbol("▶ ");
    let mut list_state =
        ListState::default().with_selected((!rows.is_empty()).then_some(open.cursor));
    frame.render_stateful_widget(list, layout.list, &mut list_state);
}

fn row_line(row: &PaletteRow, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled(
            format!("{:<KIND_WIDTH$}", row.kind),
            theme.style(Role::Muted),
        ),
        Span::styled(format!("{:<KEYS_WIDTH$}", row.keys), theme.style(Role::Key)),
    ];
    for (i, c) in row.text.chars().enumerate() {
        let role = if row.ranked.positions.contains(&i) {
            Role::Match
        } else {
            Role::Text
        };
        spans.push(Span::styled(c.to_string(), theme.style(role)));
    }
    Line::from(spans)
}
