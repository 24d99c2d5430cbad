//! Drawing: one file per pane, each a function of the state. Nothing here changes state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::api::ApiError;

use super::rich::{Document, RichLine};
use super::state::{Pane, Phase, Popup, Remote, State, WabaRecord};
use super::strings;
use super::theme::{Role, Theme};
use crate::connect::BackendLabel;

pub mod board;
pub mod checklist;
mod columns;
mod destination;
mod help;
mod hints;
mod journals;
mod log;
mod palette;
mod picker;
mod source;
mod status_line;
mod template_detail;
mod template_run;
pub mod templates;
mod top_bar;
mod wizard;

use super::layout::{MIN_SIZE, ScreenLayout, TemplatesLayout, wrap_words};

/// Spinner frames (braille), advanced by ticks while requests are in flight.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Draws the whole screen for `state`.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    let Some(layout) = ScreenLayout::compute(area, state.log_visible) else {
        let message = strings::too_small(MIN_SIZE, (area.width, area.height));
        let y = area.height / 2;
        frame.render_widget(
            Paragraph::new(message)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true })
                .style(theme.style(Role::Error)),
            Rect {
                y,
                height: area.height - y,
                ..area
            },
        );
        return;
    };
    if let Some(open) = &state.wizard {
        wizard::draw(frame, area, state, open, theme);
        draw_popup(frame, area, state, theme);
        return;
    }
    top_bar::draw(frame, layout.top_bar, state, theme);
    if let Some(view) = &state.journals {
        let body = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(2),
            ..area
        };
        journals::draw(frame, body, state, view, theme);
    } else if state.board.open {
        board::draw(frame, area, state, theme);
    } else {
        match (&state.templates, TemplatesLayout::compute(area)) {
            (Some(view), Some(screen)) => templates::draw(frame, &screen, state, view, theme),
            _ => {
                source::draw(frame, &layout, state, theme);
                destination::draw(frame, layout.destination, state, theme);
                checklist::draw(frame, layout.checklist, state, theme);
                if let Some(area) = layout.log {
                    log::draw(frame, area, state, theme);
                }
            }
        }
    }
    status_line::draw(frame, layout.status_line, state, theme);
    draw_popup(frame, area, state, theme);
}

/// The popup over the screen, if one is open.
fn draw_popup(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    match &state.popup {
        Some(Popup::Help(doc)) => help::draw(frame, area, doc, theme),
        Some(Popup::Picker(p)) => picker::draw(frame, area, state, theme, p),
        Some(Popup::ConfirmQuit { about }) => help::draw_quit(frame, area, about, theme),
        Some(Popup::Palette(open)) => palette::draw(frame, area, state, theme, open),
        Some(Popup::LogDetail(line)) => log::draw_detail(frame, area, state, line, theme),
        None => {}
    }
}

/// Rich lines (built by `update`) in the theme's styles.
pub fn rich_lines(lines: &[RichLine], theme: &Theme) -> Vec<Line<'static>> {
    lines
        .iter()
        .map(|line| {
            Line::from(
                line.spans
                    .iter()
                    .map(|s| Span::styled(s.text.clone(), theme.style(s.role)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// The bottom title of a scrolled view: "↓ more (12 of 80)" while lines are hidden
/// below, "↑ top" at the end of a long one, nothing when it all fits.
fn scroll_title(doc: &Document, theme: &Theme) -> Line<'static> {
    scroll_line(doc.scroll, doc.viewport, doc.lines.len(), theme)
}

/// The scroll marker of a view of `total` lines showing `shown` from `scroll`.
fn scroll_line(scroll: usize, shown: usize, total: usize, theme: &Theme) -> Line<'static> {
    match strings::scroll_marker(scroll, shown, total) {
        Some(marker) => Line::styled(format!(" {marker} "), theme.style(Role::Key)),
        None => Line::default(),
    }
}

/// The bordered block of a pane, highlighted when focused.
fn pane_block<'a>(
    title: impl Into<Line<'a>>,
    pane: Pane,
    state: &State,
    theme: &Theme,
) -> Block<'a> {
    let focused = state.focus == pane && state.popup.is_none();
    bordered(title, theme, focused)
}

/// A bordered block titled `title`, thick and highlighted when focused.
fn bordered<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    let (border, border_type) = if focused {
        (theme.style(Role::BorderFocused), BorderType::Thick)
    } else {
        (theme.style(Role::Border), BorderType::Plain)
    };
    Block::bordered()
        .border_type(border_type)
        .border_style(border)
        .title(title.into().style(theme.style(Role::Title)))
}

/// `sentence` wrapped at word boundaries to `width`, every line in `role`'s style.
fn wrapped(sentence: &str, width: usize, theme: &Theme, role: Role) -> Vec<Line<'static>> {
    wrap_words(sentence, width)
        .into_iter()
        .map(|l| Line::styled(l, theme.style(role)))
        .collect()
}

/// The current spinner frame.
fn spinner(state: &State) -> &'static str {
    SPINNER[state.spinner_frame % SPINNER.len()]
}

/// A loading line with the spinner.
fn loading_line(state: &State, theme: &Theme, text: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{} ", spinner(state)), theme.style(Role::Checking)),
        Span::styled(text.to_string(), theme.style(Role::Muted)),
    ])
}

/// An API failure as the panes show it: the operator sentence, then the codes.
fn error_lines(error: &ApiError, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!("✘ {}", error.sentence),
        theme.style(Role::Error),
    )];
    let reference = error.reference();
    if !reference.is_empty() {
        lines.push(Line::styled(
            format!("  ({reference})"),
            theme.style(Role::Muted),
        ));
    }
    lines
}

/// `label value` with the label muted, for the WABA facts lines.
fn fact(label: &str, value: impl Into<String>, theme: &Theme) -> [Span<'static>; 2] {
    [
        Span::styled(format!("{label} "), theme.style(Role::Muted)),
        Span::styled(value.into(), theme.style(Role::Text)),
    ]
}

/// A separator between facts on one line.
fn dot(theme: &Theme) -> Span<'static> {
    Span::styled(" · ", theme.style(Role::Muted))
}

/// A style for an optional value, muted when absent.
fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

/// The three fact lines of a WABA (name/id/owner, settings, templates), or its loading
/// or failure state.
fn waba_facts(
    state: &State,
    theme: &Theme,
    waba_id: &str,
    record: Option<&WabaRecord>,
) -> Vec<Line<'static>> {
    let Some(record) = record else {
        return vec![loading_line(state, theme, strings::LOADING_WABA)];
    };
    let Some(waba) = record.waba.value() else {
        return match record.waba.error() {
            Some(e) => error_lines(e, theme),
            None => vec![loading_line(state, theme, strings::LOADING_WABA)],
        };
    };
    let mut first = vec![
        Span::styled(waba.label().to_string(), theme.style(Role::Title)),
        dot(theme),
        Span::styled(waba_id.to_string(), theme.style(Role::Muted)),
    ];
    if let Some(owner) = waba.owner_business_label() {
        first.push(dot(theme));
        first.extend(fact("owner", owner, theme));
    }
    let mut second = Vec::new();
    second.extend(fact("currency", or_dash(waba.currency.as_deref()), theme));
    second.push(dot(theme));
    // Graph gives an id; no table of WABA time zone ids is documented, so the id is
    // shown as one (Meta documents ad-account ids only: marketing-api/reference/
    // ad-account/timezone-ids).
    second.extend(fact(
        "time zone id",
        or_dash(waba.timezone_id.as_deref()),
        theme,
    ));
    second.push(dot(theme));
    second.extend(fact(
        "review",
        or_dash(waba.account_review_status.as_ref().map(|s| s.as_str())),
        theme,
    ));
    second.push(dot(theme));
    second.extend(fact(
        "verification",
        or_dash(
            waba.business_verification_status
                .as_ref()
                .map(|s| s.as_str()),
        ),
        theme,
    ));
    let templates = match (&record.templates, record.templates.value()) {
        (_, Some(inventory)) => {
            let count = inventory.count.unwrap_or(inventory.templates.len() as u64);
            let limit = inventory.limit.map_or("?".to_string(), |l| l.to_string());
            Line::from(fact("templates", format!("{count}/{limit}"), theme).to_vec())
        }
        (remote, None) => match remote.error() {
            Some(e) => Line::styled(
                format!("templates: ✘ {}", e.sentence),
                theme.style(Role::Error),
            ),
            None => loading_line(state, theme, "templates…"),
        },
    };
    vec![Line::from(first), Line::from(second), templates]
}

/// What the app is waiting for before any WABA is known: the connection, or discovery.
fn connection_line(state: &State, theme: &Theme) -> Line<'static> {
    match (&state.phase, &state.backend) {
        (Phase::Failed(sentence), _) => {
            Line::styled(format!("✘ {sentence}"), theme.style(Role::Error))
        }
        (Phase::Connecting, BackendLabel::Sandbox { .. }) => {
            loading_line(state, theme, strings::STARTING_SANDBOX)
        }
        (Phase::Connecting, BackendLabel::Live { .. }) => {
            loading_line(state, theme, strings::CONNECTING)
        }
        (Phase::Ready, _) => match &state.store.waba_ids {
            // Discovery failed: its sentence, not a spinner that never ends.
            Remote::Failed(error) => Line::styled(
                format!("✘ could not find the WABAs: {}", error.sentence),
                theme.style(Role::Error),
            ),
            _ => loading_line(state, theme, strings::DISCOVERING),
        },
    }
}

/// The style of a selected row.
fn selected_style(theme: &Theme) -> Style {
    theme.style(Role::Selected)
}

#[cfg(test)]
mod help_tests;
#[cfg(test)]
mod template_tests;
#[cfg(test)]
pub(crate) mod tests;
