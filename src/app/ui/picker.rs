//! The picker popup: a query line (tui-input) over matching candidates, recently used
//! first, matched letters highlighted, the current value and the other side's WABA
//! named, and the warning when a pick would make source and destination the same.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};

use super::selected_style;
use crate::app::layout::PickerLayout;
use crate::app::state::{Candidate, Picker, PickerKind, State};
use crate::app::strings;
use crate::app::theme::{Role, Theme};

/// Draws the picker over `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, picker: &Picker) {
    let layout = PickerLayout::compute(area);
    let candidates = state.picker_candidates(picker);
    let title = match picker.kind {
        PickerKind::Source => strings::PICK_SOURCE,
        PickerKind::Destination => strings::PICK_DESTINATION,
        PickerKind::Number => strings::PICK_NUMBER,
    };
    let block = ratatui::widgets::Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {title} ({} shown) ", candidates.len()),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, layout.popup);
    frame.render_widget(block, layout.popup);
    let width = layout.query.width.saturating_sub(2) as usize;
    let scroll = picker.query.visual_scroll(width);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("› ", theme.style(Role::Key)),
            Span::styled(picker.query.value().to_string(), theme.style(Role::Text)),
        ]))
        .scroll((0, scroll as u16)),
        layout.query,
    );
    let cursor_x = picker.query.visual_cursor().saturating_sub(scroll) as u16 + 2;
    frame.set_cursor_position(Position::new(layout.query.x + cursor_x, layout.query.y));
    if picker.swap.is_some() {
        let other_side = match picker.kind {
            PickerKind::Source => strings::NOTE_DESTINATION,
            _ => strings::NOTE_SOURCE,
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                strings::would_swap(other_side),
                theme.style(Role::Warn),
            )),
            layout.notice,
        );
    }
    let items: Vec<ListItem> = if candidates.is_empty() {
        vec![ListItem::new(Line::styled(
            strings::NO_MATCH,
            theme.style(Role::Muted),
        ))]
    } else {
        candidates
            .iter()
            .map(|c| ListItem::new(candidate_line(c, theme)))
            .collect()
    };
    let list = List::new(items)
        .highlight_style(selected_style(theme))
        .highlight_symbol("▶ ");
    let mut list_state =
        ListState::default().with_selected((!candidates.is_empty()).then_some(picker.cursor));
    frame.render_stateful_widget(list, layout.list, &mut list_state);
}

/// A candidate with its matched characters highlighted, a mark when recently used and
/// what it already is ("current", "the source").
pub(super) fn candidate_line(candidate: &Candidate, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        if candidate.recent { "★ " } else { "  " },
        theme.style(Role::Key),
    )];
    // In front, so a long row cut at the popup's edge still says it.
    if let Some(note) = candidate.note {
        spans.push(Span::styled(format!("({note}) "), theme.style(Role::Muted)));
    }
    for (i, c) in candidate.text.chars().enumerate() {
        let role = if candidate.matched.positions.contains(&i) {
            Role::Match
        } else {
            Role::Text
        };
        spans.push(Span::styled(c.to_string(), theme.style(role)));
    }
    Line::from(spans)
}
