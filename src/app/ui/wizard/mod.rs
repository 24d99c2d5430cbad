//! The wizard's pages: scenario picker, plan, run (steps, explanation, the runner's
//! lines and the question), report and resume picker. They cover the panes; the top
//! bar stays. Step states carry a symbol and a word, never colour alone.
//!
//! The run page is `run`; the long texts (a scenario, the plan, the report) arrive as
//! rich lines built by the wizard, so scrolling stops at their end.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use super::hints::{self, Hint};
use super::picker::candidate_line;
use super::{rich_lines, scroll_title, selected_style, status_line, top_bar};
use crate::app::keymap::{KeyAction, Keymap, Screen};
use crate::app::layout::WizardLayout;
use crate::app::state::State;
use crate::app::strings::wizard as text;
use crate::app::theme::{Role, Theme};
use crate::app::wizard::{Entry, Page, RunPage, Wizard, pages};
use crate::domain::plan::plan;
use crate::domain::scenario::Scenario;
use crate::ops::migration::step_name;

mod run;

/// Draws the open wizard over the whole screen below the top bar.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, wizard: &Wizard, theme: &Theme) {
    let layout = WizardLayout::compute(area);
    let body = layout.body;
    top_bar::draw(frame, layout.top_bar, state, theme);
    match wizard.page {
        Page::Scenarios => draw_scenarios(frame, body, wizard, theme),
        Page::Plan => draw_plan(frame, &layout, wizard, theme),
        Page::Run => {
            if let Some(run) = &wizard.run {
                run::draw(frame, body, state, run, theme);
            }
        }
        Page::Report => draw_report(frame, body, wizard, theme),
        Page::Resume => draw_resume(frame, body, wizard, theme),
    }
    status_line::draw_footer(frame, layout.status_line, state, hints(wizard), theme);
}

fn block<'a>(title: impl Into<String>, theme: &Theme, focused: bool) -> Block<'a> {
    super::bordered(format!(" {} ", title.into()), theme, focused)
}

fn draw_scenarios(frame: &mut Frame, area: Rect, wizard: &Wizard, theme: &Theme) {
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(area);
    let candidates = wizard.scenario_candidates();
    let block_list = block(text::SCENARIOS_TITLE, theme, true);
    let inner = block_list.inner(list_area);
    frame.render_widget(block_list, list_area);
    let [query, list] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("› ", theme.style(Role::Key)),
            Span::styled(
                wizard.scenario_query.value().to_string(),
                theme.style(Role::Text),
            ),
        ])),
        query,
    );
    let items: Vec<ListItem> = candidates
        .iter()
        .map(|(_, c)| {
            ListItem::new(candidate_line(
                c,
                theme,
                list.width.saturating_sub(2).into(),
            ))
        })
        .collect();
    let mut list_state = ListState::default()
        .with_selected((!candidates.is_empty()).then_some(wizard.scenario_cursor));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(selected_style(theme))
            .highlight_symbol("▶ "),
        list,
        &mut list_state,
    );
    let detail = block(text::ABOUT_TITLE, theme, false);
    let width = detail_area.width.saturating_sub(2) as usize;
    let lines = wizard
        .highlighted_scenario()
        .map(|s| rich_lines(&pages::scenario_lines(s, width), theme))
        .unwrap_or_else(|| {
            vec![Line::styled(
                crate::app::strings::NO_MATCH,
                theme.style(Role::Muted),
            )]
        });
    // What does not fit is said, not hidden (the plan page shows it all).
    let shown = detail_area.height.saturating_sub(2) as usize;
    let detail = detail.title_bottom(super::scroll_line(0, shown, lines.len(), theme));
    frame.render_widget(Paragraph::new(lines).block(detail), detail_area);
}

fn draw_plan(frame: &mut Frame, layout: &WizardLayout, wizard: &Wizard, theme: &Theme) {
    let doc = &wizard.plan;
    let shown = &doc.lines[doc.scroll.min(doc.lines.len())..];
    let title = format!(
        "{} ({} steps)",
        text::PLAN_TITLE,
        plan(wizard.scenario).len()
    );
    frame.render_widget(
        Paragraph::new(rich_lines(shown, theme))
            .block(block(title, theme, true).title_bottom(scroll_title(doc, theme))),
        layout.plan,
    );
    let footer_line = match &wizard.plan_problem {
        Some(problem) => Line::styled(format!("✘ {problem}"), theme.style(Role::Error)),
        None => Line::styled(text::PLAN_FOOTER, theme.style(Role::Text)),
    };
    frame.render_widget(
        Paragraph::new(footer_line)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::bordered().border_style(theme.style(Role::Border))),
        layout.plan_footer,
    );
}

fn draw_report(frame: &mut Frame, area: Rect, wizard: &Wizard, theme: &Theme) {
    let saved = wizard
        .run
        .as_ref()
        .and_then(|r| r.end.as_ref())
        .and_then(|e| e.report.as_ref())
        .and_then(|r| r.as_ref().ok());
    let doc = &wizard.report;
    let (title, lines) = match saved {
        Some(saved) => (
            format!("{} · {}", text::REPORT_TITLE, saved.markdown_path.display()),
            rich_lines(&doc.lines[doc.scroll.min(doc.lines.len())..], theme),
        ),
        None => (
            text::REPORT_TITLE.to_string(),
            vec![Line::styled(text::REPORT_MISSING, theme.style(Role::Muted))],
        ),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(title, theme, true).title_bottom(scroll_title(doc, theme))),
        area,
    );
}

fn draw_resume(frame: &mut Frame, area: Rect, wizard: &Wizard, theme: &Theme) {
    let resume = &wizard.resume;
    let block = block(text::RESUME_TITLE, theme, true);
    let (items, selected): (Vec<ListItem>, Option<usize>) = match &resume.journals {
        None => (
            vec![ListItem::new(Line::styled(
                text::LOADING_JOURNALS,
                theme.style(Role::Muted),
            ))],
            None,
        ),
        Some(Err(e)) => (
            vec![ListItem::new(Line::styled(
                format!("✘ {e}"),
                theme.style(Role::Error),
            ))],
            None,
        ),
        Some(Ok(journals)) if journals.is_empty() => (
            vec![ListItem::new(Line::styled(
                text::NO_UNFINISHED,
                theme.style(Role::Muted),
            ))],
            None,
        ),
        Some(Ok(journals)) => (
            journals
                .iter()
                .map(|j| {
                    ListItem::new(Line::from(vec![
                        Span::styled(j.id.clone(), theme.style(Role::Title)),
                        Span::styled(
                            format!(
                                "  ·  {}  ·  {}  ·  next: {}  ·  started {}",
                                j.scenario.map_or("-", Scenario::id),
                                j.number,
                                j.next_step.map_or("-", step_name),
                                j.started_at
                            ),
                            theme.style(Role::Text),
                        ),
                    ]))
                })
                .collect(),
            Some(resume.cursor),
        ),
    };
    let mut list_state = ListState::default().with_selected(selected);
    frame.render_stateful_widget(
        List::new(items)
            .block(block)
            .highlight_style(selected_style(theme))
            .highlight_symbol("▶ "),
        area,
        &mut list_state,
    );
}

/// "key hint  key hint" in the status line's style, keys from the wizard's keymap.
pub(super) fn key_hints(keymap: &Keymap, hints: &[Hint], theme: &Theme) -> Line<'static> {
    hints::line(keymap, Screen::Wizard, hints, theme)
}

/// The answers of a stop confirmation.
pub(super) const STOP_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Yes], "stop here"),
    Hint::Keys(&[KeyAction::No], "go on"),
];
/// The answers of a yes/no question.
pub(super) const YES_NO_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Yes, KeyAction::Select], "yes"),
    Hint::Keys(&[KeyAction::No], "no"),
];

/// The keys the status line offers on the wizard's page in front.
fn hints(wizard: &Wizard) -> &'static [Hint] {
    use Hint::{Keys, Text};
    const STOP: Hint = Keys(&[KeyAction::Back], "stop");
    let run = wizard.run.as_ref();
    let shown: &'static [Hint] = match wizard.page {
        Page::Scenarios => &[
            Text("type", "filter"),
            Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Keys(&[KeyAction::Select], "see the plan"),
            Keys(&[KeyAction::Back], "close"),
        ],
        Page::Plan => &[
            Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
            Keys(&[KeyAction::ToggleCodeMethod], "SMS/VOICE"),
            Keys(&[KeyAction::Select], "start"),
            Keys(&[KeyAction::Back], "back to scenarios"),
        ],
        Page::Report => &[
            Keys(
                &[
                    KeyAction::Up,
                    KeyAction::Down,
                    KeyAction::PageUp,
                    KeyAction::PageDown,
                ],
                "scroll",
            ),
            Keys(&[KeyAction::Back], "back"),
        ],
        Page::Resume => &[
            Keys(&[KeyAction::Up, KeyAction::Down], "move"),
            Keys(&[KeyAction::Select], "resume"),
            Keys(&[KeyAction::Back], "close"),
        ],
        Page::Run => match run {
            Some(r) if r.end.is_some() => &[
                Keys(
                    &[KeyAction::Select, KeyAction::OpenReport],
                    "open the report",
                ),
                Keys(&[KeyAction::Up, KeyAction::Down], "scroll the log"),
                Keys(&[KeyAction::Back], "back to the main screen"),
            ],
            Some(r) if r.confirming_stop => &STOP_HINTS,
            Some(RunPage {
                question: Some(q), ..
            }) => match q.entry {
                Entry::YesNo => &[YES_NO_HINTS[0], YES_NO_HINTS[1], STOP],
                Entry::TypedYes(_) => &[
                    Text("type yes", "then Enter"),
                    Keys(&[KeyAction::No], "no"),
                    STOP,
                ],
                Entry::Code(_) => &[
                    Text("digits", "the code"),
                    Keys(&[KeyAction::Select], "send"),
                    Keys(&[KeyAction::ResendCode], "resend"),
                    STOP,
                ],
                Entry::Pin { .. } => &[
                    Text("digits", "hidden"),
                    Keys(&[KeyAction::Select], "next"),
                    STOP,
                ],
                Entry::Backup { .. } => &[
                    Text("Tab/Shift-Tab", "field"),
                    Keys(&[KeyAction::Select], "send"),
                    STOP,
                ],
            },
            _ => &[Keys(&[KeyAction::Up, KeyAction::Down], "scroll the log")],
        },
    };
    shown
}

#[cfg(test)]
mod tests;
