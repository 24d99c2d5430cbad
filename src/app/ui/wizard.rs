//! The wizard's pages: scenario picker, plan, run (steps, explanation, the runner's
//! lines and the question), report and resume picker. They cover the panes; the top
//! bar stays. Step states carry a symbol and a word, never colour alone.
//!
//! Longer than 600 lines because it draws five pages; each page is its own group of
//! functions below, and the next split is one file per page.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, List, ListItem, ListState, Paragraph};

use super::hints::{self, Hint};
use super::picker::candidate_line;
use super::{loading_line, selected_style, top_bar, wrap_words};
use crate::app::keymap::{KeyAction, Keymap, Screen};
use crate::app::state::State;
use crate::app::strings::wizard as text;
use crate::app::theme::{Role, Theme};
use crate::app::wizard::{Entry, Page, QuestionPage, RunOutcome, RunPage, StepMark, Wizard};
use crate::domain::plan::{Step, StepKind, plan, step_of};
use crate::domain::scenario::{IMPACT, Scenario, ScenarioKind};
use crate::ops::migration::step_name;

/// Widest the step list gets (the explanation takes the rest).
const STEP_LIST_MAX_WIDTH: u16 = 48;

/// Draws the open wizard over the whole screen below the top bar.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, wizard: &Wizard, theme: &Theme) {
    let [bar, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    top_bar::draw(frame, bar, state, theme);
    match wizard.page {
        Page::Scenarios => draw_scenarios(frame, body, wizard, theme),
        Page::Plan => draw_plan(frame, body, state, wizard, theme),
        Page::Run => {
            if let Some(run) = &wizard.run {
                draw_run(frame, body, state, run, theme);
            }
        }
        Page::Report => draw_report(frame, body, wizard, theme),
        Page::Resume => draw_resume(frame, body, wizard, theme),
    }
    draw_hints(frame, status, &state.keymap, wizard, theme);
}

fn block<'a>(title: impl Into<String>, theme: &Theme, focused: bool) -> Block<'a> {
    let (border, border_type) = if focused {
        (theme.style(Role::BorderFocused), BorderType::Thick)
    } else {
        (theme.style(Role::Border), BorderType::Plain)
    };
    Block::bordered()
        .border_type(border_type)
        .border_style(border)
        .title(Line::styled(
            format!(" {} ", title.into()),
            theme.style(Role::Title),
        ))
}

/// Wraps `text` to `width`: each of its lines on its own, continuation lines keeping
/// the line's indentation (the runner indents checklist rows and quoted messages).
fn wrap_keeping_indent(text: &str, width: usize) -> Vec<String> {
    text.split('\n')
        .flat_map(|line| {
            if line.chars().count() <= width {
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

/// Wrapped lines of one style.
fn paragraph_lines(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap_keeping_indent(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

fn kind_text(scenario: Scenario) -> &'static str {
    match scenario.kind() {
        ScenarioKind::Migration => text::KIND_MIGRATION,
        ScenarioKind::ConfigurationChange => text::KIND_CONFIGURATION,
    }
}

/// The scenario explained: kind, who acts, the paragraph and the impact table.
fn scenario_lines(scenario: Scenario, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            format!("{} ({})", scenario.title(), scenario.id()),
            theme.style(Role::Title),
        ),
        Line::styled(kind_text(scenario), theme.style(Role::Header)),
    ];
    lines.extend(paragraph_lines(
        &format!("{}{}", text::WHO_ACTS, scenario.actors()),
        width,
        theme.style(Role::Text),
    ));
    lines.push(Line::raw(""));
    lines.extend(paragraph_lines(
        scenario.explanation(),
        width,
        theme.style(Role::Text),
    ));
    lines.push(Line::raw(""));
    lines.extend(impact_lines(scenario, width, theme));
    lines
}

fn impact_lines(scenario: Scenario, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        text::IMPACT_HEADING,
        theme.style(Role::Header),
    )];
    if scenario.kind() == ScenarioKind::ConfigurationChange {
        lines.extend(paragraph_lines(
            text::NOTHING_REREGISTERED,
            width,
            theme.style(Role::Text),
        ));
        return lines;
    }
    lines.extend(IMPACT.iter().map(|fate| {
        let (mark, role) = if fate.carried {
            (text::CARRIED, Role::Pass)
        } else {
            (text::NOT_CARRIED, Role::Fail)
        };
        Line::from(vec![
            Span::styled(format!("  {mark}  "), theme.style(role)),
            Span::styled(fate.asset, theme.style(Role::Text)),
        ])
    }));
    lines
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
        .map(|(_, c)| ListItem::new(candidate_line(c, theme)))
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
        .map(|s| scenario_lines(s, width, theme))
        .unwrap_or_else(|| {
            vec![Line::styled(
                crate::app::strings::NO_MATCH,
                theme.style(Role::Muted),
            )]
        });
    frame.render_widget(Paragraph::new(lines).block(detail), detail_area);
}

/// "Lucky Shrub Retail (104996122399160)", or the id alone before the WABA is read.
fn waba_label(state: &State, id: Option<&str>) -> String {
    match id {
        None => "-".to_string(),
        Some(id) => match state.record(Some(id)).and_then(|r| r.waba.value()) {
            Some(waba) => format!("{} ({id})", waba.label()),
            None => id.to_string(),
        },
    }
}

fn step_kind(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Automatic => "automatic",
        StepKind::ManualVerified => "manual, verified",
        StepKind::Watch => "watched",
    }
}

/// A step's kind, actor, call, verification and non-idempotent marker, each on its
/// own line, indented by `indent`.
fn step_fact_lines(step: &Step, indent: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!("{indent}{} · {}", step_kind(step.kind), step.actor),
        theme.style(Role::Muted),
    )];
    if let Some(call) = step.call {
        lines.push(Line::styled(
            format!("{indent}{}{call}", text::CALL_PREFIX),
            theme.style(Role::Key),
        ));
    }
    if step.non_idempotent {
        lines.extend(paragraph_lines(
            &format!("{indent}{}", text::NON_IDEMPOTENT),
            width,
            theme.style(Role::Warn),
        ));
    }
    if let Some(verification) = step.verification {
        lines.extend(paragraph_lines(
            &format!("{indent}{}{verification}", text::VERIFIED_BY),
            width,
            theme.style(Role::Muted),
        ));
    }
    lines
}

fn draw_plan(frame: &mut Frame, area: Rect, state: &State, wizard: &Wizard, theme: &Theme) {
    let scenario = wizard.scenario;
    let [main, footer] = Layout::vertical([Constraint::Fill(1), Constraint::Length(3)]).areas(area);
    let width = main.width.saturating_sub(2) as usize;
    let target = &wizard.target;
    let mut lines = vec![
        Line::styled(
            format!("{} ({})", scenario.title(), scenario.id()),
            theme.style(Role::Title),
        ),
        Line::styled(kind_text(scenario), theme.style(Role::Header)),
    ];
    lines.extend(paragraph_lines(
        &format!(
            "Number {} · from {} → {}",
            target
                .number_label
                .as_deref()
                .or(target.number.as_deref())
                .unwrap_or("-"),
            waba_label(state, target.source.as_deref()),
            waba_label(state, target.destination.as_deref()),
        ),
        width,
        theme.style(Role::Text),
    ));
    lines.extend(paragraph_lines(
        &format!("{}{}", text::WHO_ACTS, scenario.actors()),
        width,
        theme.style(Role::Text),
    ));
    if scenario.kind() == ScenarioKind::Migration {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "Verification code by {}, language {} ",
                    wizard.code_method.as_str(),
                    crate::app::wizard::CODE_LANGUAGE
                ),
                theme.style(Role::Text),
            ),
            Span::styled("(c: switch SMS/VOICE)", theme.style(Role::Key)),
        ]));
    }
    lines.push(Line::raw(""));
    for (number, step) in plan(scenario).iter().enumerate() {
        lines.push(Line::styled(
            format!("{:>2}. {}", number + 1, step.title),
            theme.style(Role::Title),
        ));
        lines.extend(step_fact_lines(step, "    ", width, theme));
        lines.extend(paragraph_lines(
            &format!("    {}", step.explanation),
            width,
            theme.style(Role::Text),
        ));
    }
    lines.push(Line::raw(""));
    lines.extend(impact_lines(scenario, width, theme));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(
                format!("{} ({} steps)", text::PLAN_TITLE, plan(scenario).len()),
                theme,
                true,
            ))
            .scroll((wizard.plan_scroll, 0)),
        main,
    );
    let footer_line = match &wizard.plan_problem {
        Some(problem) => Line::styled(format!("✘ {problem}"), theme.style(Role::Error)),
        None => Line::styled(
            "Enter starts the run: every step is explained, checked, confirmed and journaled as it goes. Nothing is sent before.",
            theme.style(Role::Text),
        ),
    };
    frame.render_widget(
        Paragraph::new(footer_line)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::bordered().border_style(theme.style(Role::Border))),
        footer,
    );
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

fn draw_run(frame: &mut Frame, area: Rect, state: &State, run: &RunPage, theme: &Theme) {
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
                let mut lines = vec![Line::styled(step.title, theme.style(Role::Title))];
                lines.extend(step_fact_lines(&step, "", width, theme));
                lines.extend(paragraph_lines(
                    step.explanation,
                    width,
                    theme.style(Role::Text),
                ));
                lines
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
    let end = wrapped.len().saturating_sub(run.log_scroll as usize);
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
        let mut lines = paragraph_lines(text::STOP_QUESTION, width, theme.style(Role::Warn));
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
            lines.extend(paragraph_lines(notice, width, theme.style(Role::Muted)));
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
    let mut lines = paragraph_lines(&page.question.prompt, width, theme.style(Role::Title));
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
        lines.extend(paragraph_lines(
            &format!("✘ {error}"),
            width,
            theme.style(Role::Error),
        ));
    }
    lines
}

fn outcome_lines(
    end: &crate::app::wizard::RunSummary,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (headline, role) = match &end.outcome {
        RunOutcome::Completed => (
            "✔ Completed: every step of the plan is done.".to_string(),
            Role::Pass,
        ),
        RunOutcome::Blocked(blockers) => (
            format!(
                "✘ Blocked by the preflight checklist: {}. Fix, then resume (J).",
                blockers.join("; ")
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
    let mut lines = paragraph_lines(&headline, width, theme.style(role));
    match &end.report {
        Some(Ok(saved)) => lines.extend(paragraph_lines(
            &text::report_saved(
                &saved.markdown_path.display().to_string(),
                &saved.json_path.display().to_string(),
            ),
            width,
            theme.style(Role::Text),
        )),
        Some(Err(e)) => lines.extend(paragraph_lines(
            &text::report_failed(e),
            width,
            theme.style(Role::Error),
        )),
        None => {}
    }
    lines
}

fn draw_report(frame: &mut Frame, area: Rect, wizard: &Wizard, theme: &Theme) {
    let report = wizard
        .run
        .as_ref()
        .and_then(|r| r.end.as_ref())
        .and_then(|e| e.report.as_ref())
        .and_then(|r| r.as_ref().ok());
    let (title, lines) = match report {
        Some(saved) => (
            format!("{} · {}", text::REPORT_TITLE, saved.markdown_path.display()),
            paragraph_lines(
                &saved.markdown,
                area.width.saturating_sub(2) as usize,
                theme.style(Role::Text),
            ),
        ),
        None => (
            text::REPORT_TITLE.to_string(),
            vec![Line::styled(text::REPORT_MISSING, theme.style(Role::Muted))],
        ),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(title, theme, true))
            .scroll((wizard.report_scroll, 0)),
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
fn key_hints(keymap: &Keymap, hints: &[Hint], theme: &Theme) -> Line<'static> {
    hints::line(keymap, Screen::Wizard, hints, theme)
}

/// The answers of a stop confirmation.
const STOP_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Yes], "stop here"),
    Hint::Keys(&[KeyAction::No], "go on"),
];
/// The answers of a yes/no question.
const YES_NO_HINTS: [Hint; 2] = [
    Hint::Keys(&[KeyAction::Yes, KeyAction::Select], "yes"),
    Hint::Keys(&[KeyAction::No], "no"),
];

fn draw_hints(frame: &mut Frame, area: Rect, keymap: &Keymap, wizard: &Wizard, theme: &Theme) {
    use Hint::{Keys, Text};
    const STOP: Hint = Keys(&[KeyAction::Back], "stop");
    let run = wizard.run.as_ref();
    let shown: &[Hint] = match wizard.page {
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
    let mut line = key_hints(keymap, shown, theme);
    line.spans.insert(0, Span::raw(" "));
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests;
