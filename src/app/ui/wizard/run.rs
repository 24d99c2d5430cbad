//! The wizard's run page: the plan's steps with their marks, the step in front
//! explained, the runner's lines, and the bottom panel (the question and its input, the
//! stop confirmation, the outcome with the report's path, or what runs now).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{STOP_HINTS, YES_NO_HINTS, block, key_hints};
use crate::app::keymap::{KeyAction, Screen};
use crate::app::rich::{RichLine, wrap_keeping_indent, wrapped};
use crate::app::state::State;
use crate::app::strings::wizard as text;
use crate::app::theme::{Role, Theme};
use crate::app::ui::hints;
use crate::app::ui::{loading_line, rich_lines};
use crate::app::wizard::{Entry, QuestionPage, RunOutcome, RunPage, RunSummary, StepMark, pages};
use crate::domain::plan::step_of;
use crate::domain::scenario::Scenario;
use crate::ops::migration::step_name;

/// Widest the step list gets (the explanation takes the rest).
const STEP_LIST_MAX_WIDTH: u16 = 48;

/// Wrapped lines of one style (the runner's lines, the question, the outcome).
fn text_lines(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap_keeping_indent(text, width)
        .into_iter()
        .map(|line| Line::styled(line, style))
        .collect()
}

fn mark_cell(mark: StepMark) -> (&'static str, Role) {
    match mark {
        StepMark::Done => (text::MARK_DONE, Role::Pass),
        StepMark::Current => (text::MARK_CURRENT, Role::Checking),
        StepMark::Pending => (text::MARK_PENDING, Role::Muted),
        StepMark::Failed => (text::MARK_FAILED, Role::Fail),
        StepMark::Paused => (text::MARK_PAUSED, Role::Warn),
    }
}

/// Draws the run page: steps, the step explained, what wamigrate says, and the bottom
/// panel (the question, the stop confirmation, the outcome, or what runs).
pub fn draw(frame: &mut Frame, area: Rect, state: &State, run: &RunPage, theme: &Theme) {
    let bottom = bottom_lines(state, run, area.width.saturating_sub(2) as usize, theme);
    let bottom_height = (bottom.len() as u16 + 2).min(area.height / 2);
    let steps_height = (run.steps.len() as u16 + 2).max(5);
    let [upper, log_area, bottom_area] = Layout::vertical([
        Constraint::Length(steps_height),
        Constraint::Min(3),
        Constraint::Length(bottom_height),
    ])
    .areas(area);
    let list_width = run
        .steps
        .iter()
        .map(|(id, _)| step_name(*id).chars().count() as u16 + 9)
        .max()
        .unwrap_or(20)
        .min(STEP_LIST_MAX_WIDTH)
        .min(upper.width / 2);
    let [steps_area, detail_area] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)]).areas(upper);
    let title = text::run_title(
        run.migration_id.as_deref(),
        run.scenario.map_or("-", Scenario::id),
        &run.number,
    );
    let step_lines: Vec<Line> = run
        .steps
        .iter()
        .map(|(id, mark)| {
            let (word, role) = mark_cell(*mark);
            Line::from(vec![
                Span::styled(word, theme.style(role)),
                Span::styled(step_name(*id), theme.style(Role::Text)),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(step_lines).block(block(text::STEPS_TITLE, theme, false)),
        steps_area,
    );
    let width = detail_area.width.saturating_sub(2) as usize;
    let detail_lines = match (run.focus_step(), run.scenario) {
        (Some(id), Some(_)) => match step_of(id) {
            Some(step) => {
                let mut lines = vec![RichLine::styled(step.title, Role::Title)];
                lines.extend(pages::step_fact_lines(&step, "", width));
                lines.extend(wrapped(step.explanation, width, Role::Text));
                rich_lines(&lines, theme)
            }
            None => vec![Line::styled(step_name(id), theme.style(Role::Title))],
        },
        (Some(id), None) => vec![Line::styled(step_name(id), theme.style(Role::Title))],
        (None, _) => Vec::new(),
    };
    frame.render_widget(
        Paragraph::new(detail_lines).block(block(text::STEP_TITLE, theme, false)),
        detail_area,
    );
    let log_width = log_area.width.saturating_sub(2) as usize;
    let height = log_area.height.saturating_sub(2) as usize;
    let wrapped: Vec<String> = run
        .log
        .iter()
        .flat_map(|line| wrap_keeping_indent(line, log_width))
        .collect();
    // Scrolled back at most to the first line at the top: the pane never empties.
    let back = (run.log_scroll as usize).min(wrapped.len().saturating_sub(height));
    let end = wrapped.len() - back;
    let start = end.saturating_sub(height);
    let log_lines: Vec<Line> = wrapped[start..end]
        .iter()
        .map(|l| Line::styled(l.clone(), theme.style(log_role(l))))
        .collect();
    frame.render_widget(
        Paragraph::new(log_lines).block(block(title, theme, false)),
        log_area,
    );
    let bottom_title = match (&run.end, &run.question) {
        (Some(_), _) => text::OUTCOME_TITLE,
        (None, Some(_)) => text::QUESTION_TITLE,
        (None, None) => text::IN_PROGRESS_TITLE,
    };
    frame.render_widget(
        Paragraph::new(bottom).block(block(bottom_title, theme, true)),
        bottom_area,
    );
}

/// Runner lines that report a result keep their meaning in the log's colours.
fn log_role(line: &str) -> Role {
    let line = line.trim_start();
    if line.starts_with('✔') {
        Role::Pass
    } else if line.starts_with('✘') {
        Role::Fail
    } else if line.starts_with('!') {
        Role::Warn
    } else if line.starts_with('—') {
        Role::Header
    } else {
        Role::Text
    }
}

/// The bottom panel: the question and its input, the stop confirmation, the outcome,
/// or what the runner is doing.
fn bottom_lines(state: &State, run: &RunPage, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if let Some(end) = &run.end {
        return outcome_lines(end, width, theme);
    }
    if run.confirming_stop {
        let mut lines = text_lines(text::STOP_QUESTION, width, theme.style(Role::Warn));
        lines.push(key_hints(&state.keymap, &STOP_HINTS, theme));
        return lines;
    }
    let Some(page) = &run.question else {
        let mut lines = vec![loading_line(
            state,
            theme,
            if run.migration_id.is_some() {
                text::WORKING
            } else {
                text::STARTING
            },
        )];
        if let Some(notice) = &run.notice {
            lines.extend(text_lines(notice, width, theme.style(Role::Muted)));
        }
        return lines;
    };
    question_lines(state, run, page, width, theme)
}

fn question_lines(
    state: &State,
    run: &RunPage,
    page: &QuestionPage,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = text_lines(&page.question.prompt, width, theme.style(Role::Title));
    let field = |label: &str, value: String, focused: bool| {
        Line::from(vec![
            Span::styled(
                format!("{} {label}", if focused { "›" } else { " " }),
                theme.style(Role::Key),
            ),
            Span::styled(value, theme.style(Role::Text)),
        ])
    };
    match &page.entry {
        Entry::YesNo => lines.push(key_hints(&state.keymap, &YES_NO_HINTS, theme)),
        Entry::TypedYes(input) => {
            lines.push(field("", input.value().to_string(), true));
            lines.push(Line::styled(text::TYPE_YES, theme.style(Role::Muted)));
        }
        Entry::Code(code) => {
            let typed = code.revealed();
            lines.push(field(
                "Code: ",
                format!("{typed}{}", "_".repeat(6usize.saturating_sub(typed.len()))),
                true,
            ));
            let resend = text::resend_hint(run.resend_wait(state.now));
            lines.push(hints::action_line(
                &state.keymap,
                Screen::Wizard,
                KeyAction::ResendCode,
                &resend,
                theme,
            ));
        }
        Entry::Pin {
            first,
            second,
            repeating,
        } => {
            lines.push(field(text::PIN_FIRST, first.masked(), !repeating));
            lines.push(field(text::PIN_SECOND, second.masked(), *repeating));
        }
        Entry::Backup {
            path,
            password,
            on_password,
        } => {
            lines.push(field(
                text::BACKUP_PATH,
                path.value().to_string(),
                !on_password,
            ));
            lines.push(field(
                text::BACKUP_PASSWORD,
                password.masked(),
                *on_password,
            ));
        }
    }
    if let Some(error) = &page.error {
        lines.extend(text_lines(
            &format!("✘ {error}"),
            width,
            theme.style(Role::Error),
        ));
    }
    lines
}

fn outcome_lines(end: &RunSummary, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (headline, role) = match &end.outcome {
        RunOutcome::Completed => (
            "✔ Completed: every step of the plan is done.".to_string(),
            Role::Pass,
        ),
        RunOutcome::Blocked(blockers) => (
            format!(
                "✘ Blocked by the preflight checklist: {}. Fix, then resume (J).",
                // Each blocker's fix ends with its own full stop.
                blockers.join("; ").trim_end_matches('.')
            ),
            Role::Fail,
        ),
        RunOutcome::Paused { step, reason } => (
            format!("‖ Paused at {}: {reason}. J resumes it.", step_name(*step)),
            Role::Warn,
        ),
        RunOutcome::Failed {
            step,
            sentence,
            reference,
        } => (
            format!(
                "✘ {} failed: {sentence} ({reference}). The journal is intact; J resumes from there.",
                step_name(*step)
            ),
            Role::Fail,
        ),
        RunOutcome::JournalError(sentence) => (format!("✘ {sentence}"), Role::Fail),
    };
    let mut lines = text_lines(&headline, width, theme.style(role));
    match &end.report {
        Some(Ok(saved)) => lines.extend(text_lines(
            &text::report_saved(
                &saved.markdown_path.display().to_string(),
                &saved.json_path.display().to_string(),
            ),
            width,
            theme.style(Role::Text),
        )),
        Some(Err(e)) => lines.extend(text_lines(
            &text::report_failed(&e.to_string()),
            width,
            theme.style(Role::Error),
        )),
        None => {}
    }
    lines
}
