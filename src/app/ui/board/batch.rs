//! The board's selection and batch: the mark of each selected row, and the batch page
//! (the plan of "migrate selected": scenario, destination, numbers, the ones left out,
//! or why it cannot start).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::app::board::batch::{BatchPage, plan};
use crate::app::board::{Board, BoardLine};
use crate::app::keymap::{KeyAction, Screen};
use crate::app::layout::centred;
use crate::app::state::State;
use crate::app::strings::batch as text;
use crate::app::theme::{Role, Theme};
use crate::app::ui::hints::{self, Hint};
use crate::app::ui::wrapped;

/// The mark of a selected row, in the marker column after the cursor's `▶`.
pub const SELECTED_MARK: &str = "●";

/// The batch page's keys.
const PAGE_HINTS: [Hint; 4] = [
    Hint::Keys(&[KeyAction::Select], "start"),
    Hint::Keys(&[KeyAction::PickDestination], "destination"),
    Hint::Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
    Hint::Keys(&[KeyAction::Back], "cancel"),
];

/// Marks the selected rows among the `visible` lines drawn from `body`'s top.
pub fn draw_marks(
    frame: &mut Frame,
    body: Rect,
    board: &Board,
    visible: &[BoardLine],
    theme: &Theme,
) {
    if board.selection.is_empty() {
        return;
    }
    let rows = board.fleet.rows();
    for (y, line) in (body.y..).zip(visible) {
        if let BoardLine::Row(index) = line
            && board.selection.contains(&rows[*index].id)
        {
            let at = Rect {
                x: body.x + 1,
                y,
                width: 1,
                height: 1,
            };
            frame.render_widget(
                Paragraph::new(Span::styled(SELECTED_MARK, theme.style(Role::Match))),
                at,
            );
        }
    }
}

/// "· 3 selected" for the summary line, when rows are selected.
pub fn count_span(board: &Board, theme: &Theme) -> Option<Span<'static>> {
    (!board.selection.is_empty()).then(|| {
        Span::styled(
            format!(
                "{} {} ",
                SELECTED_MARK,
                text::selected(board.selection.len())
            ),
            theme.style(Role::Match),
        )
    })
}

/// The batch page over the board.
pub fn draw_page(frame: &mut Frame, area: Rect, state: &State, page: &BatchPage, theme: &Theme) {
    let width = area.width.saturating_sub(6).min(90);
    let inner_width = width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let destination = state
        .destination
        .as_deref()
        .map_or_else(|| "-".to_string(), |id| state.waba_search_text(id));
    match plan(state) {
        Ok(plan) => {
            let head = text::batch_line(plan.runs.len(), state.scenario.id(), &destination);
            lines.extend(wrapped(&head, inner_width, theme, Role::Title));
            lines.extend(wrapped(text::HOW_IT_RUNS, inner_width, theme, Role::Muted));
            lines.push(Line::raw(""));
            for item in &plan.runs {
                lines.push(Line::styled(
                    format!("{SELECTED_MARK} {}", item.origin),
                    theme.style(Role::Text),
                ));
            }
            for left_out in &plan.left_out {
                lines.push(Line::styled(
                    format!("  {}", text::left_out(&left_out.origin, &left_out.first)),
                    theme.style(Role::Muted),
                ));
            }
        }
        Err(sentence) => {
            let head = text::batch_line(
                state.board.selection.len(),
                state.scenario.id(),
                &destination,
            );
            lines.extend(wrapped(&head, inner_width, theme, Role::Title));
            lines.extend(wrapped(&sentence, inner_width, theme, Role::Error));
        }
    }
    let height = (lines.len() as u16 + 4).min(area.height.saturating_sub(2));
    let popup = centred(area, width, height);
    let body_height = height.saturating_sub(4) as usize;
    let scroll = usize::from(page.scroll).min(lines.len().saturating_sub(body_height));
    let mut shown: Vec<Line> = lines.into_iter().skip(scroll).take(body_height).collect();
    shown.push(Line::raw(""));
    shown.push(hints::line(
        &state.keymap,
        Screen::Board,
        &PAGE_HINTS,
        theme,
    ));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" {} ", text::TITLE),
            theme.style(Role::Title),
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
