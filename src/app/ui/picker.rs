//! The picker popup: a query line (tui-input) over matching candidates, recently used
//! first, matched letters highlighted, the current value and the other side's WABA
//! named, and the warning when a pick would make source and destination the same.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};

use super::selected_style;
use crate::app::fuzzy::FIELD_SEPARATOR;
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
    // The list's width less the highlight symbol.
    let row_width = layout.list.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = if candidates.is_empty() {
        vec![ListItem::new(Line::styled(
            strings::NO_MATCH,
            theme.style(Role::Muted),
        ))]
    } else {
        candidates
            .iter()
            .map(|c| ListItem::new(candidate_line(c, theme, row_width)))
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
/// what it already is ("current", "the source"), in at most `width` columns. A row that
/// does not fit keeps its second field whole (a WABA's id: two WABAs named alike differ
/// there) by cutting its first field in the middle; what follows the id is cut last.
pub(super) fn candidate_line(candidate: &Candidate, theme: &Theme, width: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    let mark = if candidate.recent { "★ " } else { "  " };
    let mut spans = vec![Span::styled(mark, theme.style(Role::Key))];
    // In front, so a long row cut at the popup's edge still says it.
    let note = candidate.note.map(|note| format!("({note}) "));
    if let Some(note) = &note {
        spans.push(Span::styled(note.clone(), theme.style(Role::Muted)));
    }
    let room = width.saturating_sub(mark.width() + note.as_deref().map_or(0, str::width));
    let dropped = dropped_chars(&candidate.text, room);
    let mut elided = false;
    for (i, c) in candidate.text.chars().enumerate() {
        if dropped.contains(&i) {
            if !elided {
                spans.push(Span::styled("…", theme.style(Role::Muted)));
                elided = true;
            }
            continue;
        }
        let role = if candidate.matched.positions.contains(&i) {
            Role::Match
        } else {
            Role::Text
        };
        spans.push(Span::styled(c.to_string(), theme.style(role)));
    }
    Line::from(spans)
}

/// The characters of a row's text (by index) to leave out so that it fits `room`
/// columns: none when it fits; otherwise the middle of the first field, so that the
/// separator and the second field fit after it. Empty too when even that cannot fit
/// (the row is then cut at the edge, as any other).
fn dropped_chars(text: &str, room: usize) -> std::ops::Range<usize> {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let width_of = |c: &char| c.width().unwrap_or(0);
    let cut = || {
        if text.width() <= room {
            return None;
        }
        let first_end = text.find(FIELD_SEPARATOR)?;
        let after = &text[first_end + FIELD_SEPARATOR.len()..];
        let second = after.split(FIELD_SEPARATOR).next().unwrap_or_default();
        let needed = FIELD_SEPARATOR.width() + second.width();
        // What the first field may use, less one column for the ellipsis.
        let first_room = room.checked_sub(needed)?.checked_sub(1)?;
        if first_room < 4 {
            return None;
        }
        let first: Vec<char> = text[..first_end].chars().collect();
        let (mut head, mut used) = (0, 0);
        while head < first.len() && used + width_of(&first[head]) <= first_room.div_ceil(2) {
            used += width_of(&first[head]);
            head += 1;
        }
        let mut tail_start = first.len();
        while tail_start > head && used + width_of(&first[tail_start - 1]) <= first_room {
            used += width_of(&first[tail_start - 1]);
            tail_start -= 1;
        }
        Some(head..tail_start)
    };
    cut().unwrap_or(0..0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str, room: usize) -> String {
        let dropped = dropped_chars(text, room);
        text.chars()
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, c)| c)
            .collect()
    }

    #[test]
    fn a_row_too_long_keeps_its_id_whole_and_cuts_its_name_in_the_middle() {
        let id = "104996122399165";
        let text = [
            "Lucky Shrub Franchise Partners Worldwide",
            id,
            "Lucky Shrub Ltd",
        ]
        .join(FIELD_SEPARATOR);
        let shown = kept(&text, 40);
        let through_id = &shown[..shown.find(id).expect("the id is whole") + id.len()];
        // One column more for the ellipsis drawn where the name was cut.
        assert!(through_id.chars().count() < 40, "{shown}");
        assert!(through_id.starts_with("Lucky Shr"), "{shown}");
        assert!(
            through_id.contains(&format!("Worldwide{FIELD_SEPARATOR}{id}")),
            "{shown}"
        );
    }

    #[test]
    fn a_row_that_fits_or_has_no_fields_is_left_whole() {
        let text = ["Lucky Shrub Retail", "104996122399160"].join(FIELD_SEPARATOR);
        assert_eq!(dropped_chars(&text, 80), 0..0);
        assert_eq!(
            dropped_chars("fleet board: every number of every WABA", 10),
            0..0
        );
        // Too narrow for the id: cut at the edge like any other row.
        assert_eq!(dropped_chars(&text, 18), 0..0);
    }
}
