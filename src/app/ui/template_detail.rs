//! The component diff of one template row: header, body, footer and buttons of the
//! source (left) and the destination (right), aligned section by section, with removed
//! words struck out, added words underlined and parameters bracketed (`‹{{1}}›`), so
//! the change reads without colour too. A template on one side shows its full content.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::templates::outcome_span;
use super::{dot, wrap_words};
use crate::app::state::State;
use crate::app::strings::templates as text;
use crate::app::templates::{ComponentDetail, TemplateView};
use crate::app::theme::{Role, Theme};
use crate::domain::template_diff::{Change, Piece};

/// Columns between the source and the destination: a space, a rule, a space.
const GUTTER_WIDTH: u16 = 3;

/// Brackets around a parameter, so it is marked without colour.
const PLACEHOLDER_OPEN: &str = "‹";
const PLACEHOLDER_CLOSE: &str = "›";

/// Draws the diff into `area`, scrolled by the detail's `scroll` (clamped here, where
/// the wrapped height is known).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &TemplateView,
    detail: &ComponentDetail,
    theme: &Theme,
) {
    let Some((source, destination)) = view.inventories(&state.store.wabas) else {
        return;
    };
    let primary = detail.row.primary(source, destination);
    let (source, destination) = detail.row.templates(source, destination);
    let changed = detail.sections.iter().filter(|s| s.changed()).count();
    let mut heading = vec![
        Span::styled(format!("◆ {}", primary.name), theme.style(Role::Title)),
        dot(theme),
        Span::styled(primary.language.clone(), theme.style(Role::Text)),
        dot(theme),
        outcome_span(detail.row.outcome, theme),
    ];
    if source.is_some() && destination.is_some() {
        heading.push(dot(theme));
        heading.push(Span::styled(
            format!(
                "{changed} of {} sections {}",
                detail.sections.len(),
                text::CHANGED
            ),
            theme.style(if changed > 0 { Role::Warn } else { Role::Muted }),
        ));
    }
    heading.push(dot(theme));
    heading.push(Span::styled(text::DETAIL_KEYS, theme.style(Role::Muted)));
    let [heading_area, columns_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(heading)), heading_area);
    let [left, gutter, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(GUTTER_WIDTH),
        Constraint::Fill(1),
    ])
    .areas(columns_area);
    let side_title = |label: &str, id: Option<&str>, absent: &str| match id {
        Some(id) => Line::styled(format!("{label} {id}"), theme.style(Role::Header)),
        None => Line::styled(format!("{label} {absent}"), theme.style(Role::Muted)),
    };
    let mut left_lines = vec![side_title(
        text::DETAIL_SOURCE,
        source.map(|t| t.id.as_str()),
        text::NOT_IN_SOURCE,
    )];
    let mut right_lines = vec![side_title(
        text::DETAIL_DESTINATION,
        destination.map(|t| t.id.as_str()),
        text::NOT_IN_DESTINATION,
    )];
    for section in &detail.sections {
        let title = if section.changed() {
            format!("{} · {}", section.section.label(), text::CHANGED)
        } else {
            section.section.label().to_string()
        };
        let role = if section.changed() {
            Role::Warn
        } else {
            Role::Title
        };
        left_lines.push(Line::raw(""));
        right_lines.push(Line::raw(""));
        left_lines.push(Line::styled(title.clone(), theme.style(role)));
        right_lines.push(Line::styled(title, theme.style(role)));
        // Each side wraps at its own width: the two halves differ by one column when
        // the width is odd, and the wider one's lines would lose their last character.
        let mut l = side_lines(section.source.as_deref(), left.width as usize, theme);
        let mut r = side_lines(section.destination.as_deref(), right.width as usize, theme);
        let height = l.len().max(r.len());
        l.resize(height, Line::raw(""));
        r.resize(height, Line::raw(""));
        left_lines.extend(l);
        right_lines.extend(r);
    }
    let shown = columns_area.height as usize;
    let scroll = detail
        .scroll
        .min(left_lines.len().saturating_sub(shown) as u16);
    frame.render_widget(Paragraph::new(left_lines).scroll((scroll, 0)), left);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(" │ ", theme.style(Role::Border));
            gutter.height as usize
        ]),
        gutter,
    );
    frame.render_widget(Paragraph::new(right_lines).scroll((scroll, 0)), right);
}

/// One side of a section, wrapped to `width`; `(none)` when the side lacks it.
fn side_lines(pieces: Option<&[Piece]>, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    match pieces {
        Some(pieces) => wrap_pieces(pieces, width, theme),
        None => vec![Line::styled(text::SECTION_ABSENT, theme.style(Role::Muted))],
    }
}

/// The style of a piece: its change, with the parameter style on top for parameters.
pub fn piece_style(piece: &Piece, theme: &Theme) -> Style {
    let base = theme.style(match piece.change {
        Change::Unchanged => Role::Text,
        Change::Removed => Role::DiffRemoved,
        Change::Added => Role::DiffAdded,
    });
    if piece.placeholder {
        base.patch(theme.style(Role::Placeholder))
    } else {
        base
    }
}

/// Lays styled pieces out in lines of at most `width` columns, breaking at spaces and
/// at the newlines between buttons; a parameter is never split.
fn wrap_pieces(pieces: &[Piece], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for piece in pieces {
        let style = piece_style(piece, theme);
        let tokens: Vec<String> = if piece.placeholder {
            vec![format!(
                "{PLACEHOLDER_OPEN}{}{PLACEHOLDER_CLOSE}",
                piece.text
            )]
        } else {
            tokens(&piece.text)
        };
        for token in tokens {
            if token == "\n" {
                lines.push(Line::from(std::mem::take(&mut current)));
                used = 0;
                continue;
            }
            let blank = token.trim().is_empty();
            let token_width = Span::raw(token.as_str()).width();
            if used + token_width > width && used > 0 {
                lines.push(Line::from(std::mem::take(&mut current)));
                used = 0;
                if blank {
                    continue;
                }
            }
            // A word longer than the column is cut, as `wrap_words` does.
            let mut chunks = if token_width > width && !piece.placeholder {
                wrap_words(&token, width)
            } else {
                vec![token]
            };
            let Some(tail) = chunks.pop() else {
                continue;
            };
            for chunk in chunks {
                lines.push(Line::from(Span::styled(chunk, style)));
            }
            used += Span::raw(tail.as_str()).width();
            current.push(Span::styled(tail, style));
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// Splits text into words, runs of spaces and single newlines, keeping every character.
fn tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        let kind = |c: char| (c == '\n', c.is_whitespace());
        match tokens.last_mut() {
            Some(last)
                if c != '\n' && last != "\n" && last.chars().next().map(kind) == Some(kind(c)) =>
            {
                last.push(c)
            }
            _ => tokens.push(c.to_string()),
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str, change: Change, placeholder: bool) -> Piece {
        Piece {
            text: text.into(),
            change,
            placeholder,
        }
    }

    fn plain(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn pieces_wrap_at_spaces_newlines_break_and_parameters_stay_whole() {
        let theme = Theme::load("default", &toml::Table::new(), false).unwrap();
        let pieces = [
            piece("Hi ", Change::Unchanged, false),
            piece("{{first_name}}", Change::Unchanged, true),
            piece(", your parcel shipped\n[URL] Track", Change::Added, false),
        ];
        let lines = wrap_pieces(&pieces, 12, &theme);
        assert_eq!(
            plain(&lines),
            [
                "Hi ",
                "‹{{first_name}}›",
                ", your ",
                "parcel ",
                "shipped",
                "[URL] Track"
            ]
        );
        assert_eq!(tokens("a  b\nc"), ["a", "  ", "b", "\n", "c"]);
    }
}
