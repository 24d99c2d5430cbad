//! Popups of the template screen: the confirmation asked before any copy or retry, and
//! the run itself: a progress bar while pages go out, then the failures with their
//! reasons, the copies REJECTED on re-check, the 24-hour UNKNOWN-quality note and where
//! the run was recorded.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Gauge, Paragraph, Wrap};

use super::error_lines;
use super::loading_line;
use crate::app::layout::centred;
use crate::app::state::State;
use crate::app::strings::templates as text;
use crate::app::templates::{Confirm, FailedCopy, RunPhase, TemplateView};
use crate::app::theme::{Role, Theme};
use crate::ops::file_error::FileError;
use crate::ops::template_migration::TemplateRun;

/// Draws the confirmation or the run over `area`, if either is open.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, view: &TemplateView, theme: &Theme) {
    // Both WABAs by name (and id), as the operator chose them.
    let (source, destination) = view
        .pair
        .as_ref()
        .map_or((String::new(), String::new()), |(s, d)| {
            (state.store.waba_label(s), state.store.waba_label(d))
        });
    if let Some(run) = &view.run {
        let title = format!(" {}: {source} → {destination} ", text::RUN_TITLE);
        let inner = popup(frame, area, title, 80, 70, theme);
        draw_run(frame, inner, state, &run.phase, theme);
    }
    if let Some(confirm) = &view.confirm {
        let (title, mut lines) = match confirm {
            Confirm::Migrate {
                expected,
                total,
                pages,
            } => (
                text::CONFIRM_TITLE,
                text::confirm_migrate(&source, &destination, *expected, *total, *pages)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.style(Role::Text)))
                    .collect::<Vec<_>>(),
            ),
            Confirm::Retry { ids } => (
                text::RETRY_TITLE,
                vec![Line::styled(
                    text::confirm_retry(ids.len()),
                    theme.style(Role::Text),
                )],
            ),
            Confirm::Recreate { count } => (
                text::RECREATE_TITLE,
                vec![Line::styled(
                    text::confirm_recreate(*count, &destination),
                    theme.style(Role::Text),
                )],
            ),
        };
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::CONFIRM_KEYS, theme.style(Role::Key)));
        let inner = popup(frame, area, format!(" {title} "), 70, 12, theme);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}

/// A cleared, bordered popup of `width_percent` of the screen and at most `height`
/// lines (or percent of the height when over 20); returns its inside.
fn popup(
    frame: &mut Frame,
    area: Rect,
    title: String,
    width_percent: u16,
    height: u16,
    theme: &Theme,
) -> Rect {
    let height = if height > 20 {
        area.height * height / 100
    } else {
        height
    };
    let rect = centred(area, area.width * width_percent / 100, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.style(Role::BorderFocused))
            .title(Line::styled(title, theme.style(Role::Title))),
        rect,
    );
    rect.inner(Margin::new(1, 1))
}

fn draw_run(frame: &mut Frame, area: Rect, state: &State, phase: &RunPhase, theme: &Theme) {
    let lines = match phase {
        RunPhase::Running { progress, stopping } => {
            let [gauge, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            let mut lines = vec![Line::raw("")];
            match progress {
                Some(p) => {
                    let ratio = p.calls_done as f64 / p.calls_total.max(1) as f64;
                    frame.render_widget(
                        Gauge::default()
                            .ratio(ratio.min(1.0))
                            .label(text::calls(p.calls_done, p.calls_total))
                            .gauge_style(theme.style(Role::Checking)),
                        gauge,
                    );
                    // What arrived is counted after the calls, from a fresh read.
                    lines.push(Line::styled(text::COUNTED_AFTER, theme.style(Role::Muted)));
                }
                None => frame.render_widget(
                    Paragraph::new(loading_line(state, theme, text::READING_SOURCE)),
                    gauge,
                ),
            }
            lines.push(if *stopping {
                Line::styled(text::STOPPING, theme.style(Role::Warn))
            } else {
                Line::styled(text::STOP_HINT, theme.style(Role::Muted))
            });
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rest);
            return;
        }
        RunPhase::AwaitingDecision {
            failures, saved, ..
        } => {
            let mut lines = vec![
                Line::styled(text::awaiting(failures.len()), theme.style(Role::Warn)),
                Line::styled(text::DECIDE_HINT, theme.style(Role::Key)),
                saved_line(saved, theme),
            ];
            let room = (area.height as usize).saturating_sub(lines.len());
            lines.extend(failure_lines(failures, room, theme));
            lines
        }
        RunPhase::Rechecking => vec![loading_line(state, theme, text::RECHECKING)],
        RunPhase::Done {
            record,
            failures,
            saved,
            recheck,
        } => done_lines(
            record,
            failures,
            saved,
            recheck,
            area.height as usize,
            theme,
        ),
        RunPhase::Failed(error) => {
            let mut lines = error_lines(error, theme);
            lines.push(Line::styled(text::NOTHING_SENT, theme.style(Role::Text)));
            lines.push(Line::styled(text::CLOSE_HINT, theme.style(Role::Key)));
            lines
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

/// The essentials first (counts, the 24-hour note, where the record is, the key), then
/// the REJECTED copies and failed calls, then the failures, which may be cut.
fn done_lines(
    record: &TemplateRun,
    failures: &[FailedCopy],
    saved: &Result<std::path::PathBuf, FileError>,
    recheck: &Result<(), crate::api::ApiError>,
    height: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        // Counted from a fresh read of the destination when it succeeded.
        Line::styled(
            match &record.tally {
                Some(tally) => {
                    text::finished_tally(&tally.line(), tally.calls, record.stopped_by_operator)
                }
                None => text::finished_unknown(record.calls.len(), record.stopped_by_operator),
            },
            theme.style(Role::Title),
        ),
        Line::styled(
            format!("{}{}", text::NOTE_PREFIX, text::QUALITY_NOTE),
            theme.style(Role::Warn),
        ),
        saved_line(saved, theme),
        Line::styled(text::CLOSE_HINT, theme.style(Role::Key)),
    ];
    match recheck {
        Ok(()) if record.rejected_on_recheck.is_empty() => {
            lines.push(Line::styled(text::NO_REJECTED, theme.style(Role::Pass)))
        }
        Ok(()) => lines.extend(record.rejected_on_recheck.iter().map(|copy| {
            Line::styled(
                text::rejected(&copy.name, &copy.language, copy.rejected_reason.as_deref()),
                theme.style(Role::Fail),
            )
        })),
        Err(e) => lines.extend(error_lines(e, theme)),
    }
    for call in record.calls.iter().filter(|c| c.error.is_some()) {
        lines.push(Line::styled(
            format!(
                "✘ {}: {}",
                call.request,
                call.error.as_deref().unwrap_or_default()
            ),
            theme.style(Role::Error),
        ));
    }
    let room = height.saturating_sub(lines.len());
    lines.extend(failure_lines(failures, room, theme));
    lines
}

/// Up to `room` failures with their reasons, then how many more the run file holds.
fn failure_lines(failures: &[FailedCopy], room: usize, theme: &Theme) -> Vec<Line<'static>> {
    let room = room.max(1);
    let mut lines: Vec<Line> = failures
        .iter()
        .take(if failures.len() > room {
            room - 1
        } else {
            room
        })
        .map(|f| {
            Line::styled(
                format!("✘ {}: {}", f.label, f.reason),
                theme.style(Role::Fail),
            )
        })
        .collect();
    if failures.len() > lines.len() {
        lines.push(Line::styled(
            text::more(failures.len() - lines.len()),
            theme.style(Role::Muted),
        ));
    }
    lines
}

fn saved_line(saved: &Result<std::path::PathBuf, FileError>, theme: &Theme) -> Line<'static> {
    match saved {
        Ok(path) => Line::styled(text::saved(path), theme.style(Role::Muted)),
        Err(error) => Line::styled(text::not_saved(error), theme.style(Role::Error)),
    }
}
