//! The template review screen: a header with the mode, counts per outcome, capacity and
//! filters; the source and destination columns matched by (name, language), of which
//! only the rows in view are built (10,000 templates scroll as fast as 10); and the
//! selected row's reason and risks. `template_detail` draws the component diff,
//! `template_run` the confirmation and the run.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::columns::{Column, fitting};
use super::hints::Hint;
use super::source::MARKER;
use super::{dot, error_lines, loading_line, selected_style, template_detail, template_run};
use crate::app::keymap::{KeyAction, Screen};
use crate::app::layout::{TemplatesLayout, fit_middle};
use crate::app::state::State;
use crate::app::strings::{self, templates as text};
use crate::app::templates::{AlignedRow, RowOutcome, TemplateView};
use crate::app::theme::{Role, Theme};
use crate::domain::eligibility::{self, Forecast, Outcome};
use crate::domain::template::{QualityScore, Template, TemplateStatus};

/// What a cell needs of a row: its two templates, forecast reason and risks.
struct RowView<'a> {
    row: AlignedRow,
    source: Option<&'a Template>,
    destination: Option<&'a Template>,
    /// The template that speaks for the row (the source's, else the destination's).
    primary: &'a Template,
    reason: Option<&'a str>,
    risky: bool,
    /// The re-creation column: marked, submitted, refused, or the destination's review state.
    recreate: Option<String>,
}

/// How a row fills a cell.
type RowCell = for<'a, 'b> fn(&'b RowView<'a>, &Theme) -> Cell<'static>;

const COLUMNS: [Column<RowCell>; 10] = [
    Column {
        header: text::COLUMNS[0],
        width: 24,
        priority: 0,
        // Names that start alike differ at their end: cut in the middle.
        cell: |r, _| Cell::from(fit_middle(&r.primary.name, 24)),
    },
    Column {
        header: text::COLUMNS[1],
        width: 5,
        priority: 4,
        cell: |r, _| Cell::from(r.primary.language.clone()),
    },
    Column {
        header: text::COLUMNS[2],
        width: 10,
        priority: 6,
        cell: category_cell,
    },
    Column {
        header: text::COLUMNS[3],
        width: 10,
        priority: 2,
        cell: |r, theme| status_cell(r.source, theme),
    },
    Column {
        header: text::COLUMNS[4],
        width: 9,
        priority: 5,
        cell: |r, theme| quality_cell(r.source, theme),
    },
    Column {
        header: text::COLUMNS[5],
        width: 10,
        priority: 3,
        cell: |r, theme| status_cell(r.destination, theme),
    },
    Column {
        header: text::COLUMNS[6],
        width: 9,
        priority: 7,
        cell: |r, theme| quality_cell(r.destination, theme),
    },
    Column {
        header: text::COLUMNS[7],
        width: 14,
        priority: 1,
        cell: outcome_cell,
    },
    Column {
        header: text::COLUMNS[8],
        width: 16,
        priority: 2,
        cell: |r, theme| match &r.recreate {
            Some(state) => {
                let role = if state.starts_with("rejected") || state.starts_with("refused") {
                    Role::Fail
                } else if state.starts_with("approved") {
                    Role::Pass
                } else {
                    Role::Warn
                };
                Cell::from(format!("◆ {state}")).style(theme.style(role))
            }
            None => Cell::from(""),
        },
    },
    Column {
        header: text::COLUMNS[9],
        width: 6,
        priority: 8,
        cell: |r, theme| {
            Cell::from(r.reason.unwrap_or_default().to_string()).style(theme.style(Role::Muted))
        },
    },
];

/// Draws the screen between the top bar and the status line.
pub fn draw(
    frame: &mut Frame,
    layout: &TemplatesLayout,
    state: &State,
    view: &TemplateView,
    theme: &Theme,
) {
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(title(state, view), theme.style(Role::Title)));
    frame.render_widget(block, layout.body);
    let Some((source_id, destination_id)) = view.pair.as_ref() else {
        frame.render_widget(
            Paragraph::new(Line::styled(text::NO_PAIR, theme.style(Role::Muted))),
            layout.header,
        );
        return;
    };
    let Some(forecast) = view.forecast.as_ref() else {
        let lines: Vec<Line> = [source_id, destination_id]
            .into_iter()
            .flat_map(|id| {
                let slot = state.record(Some(id)).map(|r| &r.templates);
                match slot.and_then(|s| s.error()) {
                    Some(e) => error_lines(e, theme),
                    None => vec![loading_line(state, theme, &text::reading(id))],
                }
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }),
            layout.header.union(layout.table),
        );
        return;
    };
    frame.render_widget(
        Paragraph::new(header_lines(state, view, forecast, theme)),
        layout.header,
    );
    match &view.detail {
        Some(detail) => template_detail::draw(frame, layout.detail(), state, view, detail, theme),
        None => {
            draw_table(frame, layout, state, view, theme);
            frame.render_widget(
                Paragraph::new(footer_lines(view, theme)).wrap(Wrap { trim: true }),
                layout.footer,
            );
        }
    }
    let screen = frame.area();
    template_run::draw(frame, screen, state, view, theme);
}

/// The status line's hints while the screen is open.
pub fn hints(view: &TemplateView) -> &'static [Hint] {
    if view.confirm.is_some() {
        return &[
            Hint::Keys(&[KeyAction::Yes], "confirm"),
            Hint::Keys(&[KeyAction::No, KeyAction::Back], "cancel"),
        ];
    }
    if view.search_editing {
        return &[
            Hint::Text("type", "search"),
            Hint::Keys(&[KeyAction::Select], "keep"),
            Hint::Keys(&[KeyAction::Back], "clear"),
        ];
    }
    if view.run.is_some() {
        return &[
            Hint::Keys(&[KeyAction::Back], "stop / close"),
            Hint::Keys(&[KeyAction::RetryFailed], "retry failed"),
        ];
    }
    if view.detail.is_some() {
        return &[
            Hint::Keys(&[KeyAction::Up, KeyAction::Down], "scroll"),
            Hint::Keys(&[KeyAction::Back], "back"),
        ];
    }
    &[
        Hint::Action(KeyAction::Down),
        Hint::Action(KeyAction::Select),
        Hint::Action(KeyAction::Filter),
        Hint::Action(KeyAction::FilterOutcome),
        Hint::Action(KeyAction::FilterCategory),
        Hint::Action(KeyAction::FilterStatus),
        Hint::Action(KeyAction::SortColumn),
        Hint::Action(KeyAction::SortReverse),
        Hint::Action(KeyAction::ToggleMode),
        Hint::Action(KeyAction::MigrateTemplates),
        Hint::Action(KeyAction::MarkRecreate),
        Hint::Action(KeyAction::RecreateMarked),
        Hint::Action(KeyAction::Back),
        Hint::Action(KeyAction::Refresh),
    ]
}

/// The outcome badge of a row (used by the component diff's heading too).
pub fn outcome_span(outcome: RowOutcome, theme: &Theme) -> Span<'static> {
    Span::styled(text::outcome(outcome), theme.style(outcome_role(outcome)))
}

fn outcome_role(outcome: RowOutcome) -> Role {
    match outcome {
        RowOutcome::Forecast(Outcome::Migrate) => Role::Pass,
        RowOutcome::Forecast(Outcome::AlreadyInDestination) => Role::Unknown,
        RowOutcome::Forecast(Outcome::OverLimit) => Role::Warn,
        RowOutcome::Forecast(Outcome::Ineligible) => Role::Fail,
        RowOutcome::DestinationOnly => Role::Muted,
    }
}

/// " Templates: Lucky Shrub Retail (1049…160) → Lucky Shrub Retail EU (1049…161) ".
fn title(state: &State, view: &TemplateView) -> String {
    let Some((source, destination)) = &view.pair else {
        return format!(" {} ", text::TITLE);
    };
    let label = |id: &String| match state.record(Some(id)).and_then(|r| r.waba.value()) {
        Some(w) => format!("{} ({id})", w.label()),
        None => id.clone(),
    };
    format!(
        " {}: {} → {} ",
        text::TITLE,
        label(source),
        label(destination)
    )
}

fn header_lines(
    state: &State,
    view: &TemplateView,
    forecast: &Forecast,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let key = |action| {
        Span::styled(
            format!(" ({})", state.keymap.first_key(Screen::Templates, action)),
            theme.style(Role::Key),
        )
    };
    let mode = Line::from(vec![
        Span::styled("mode ", theme.style(Role::Muted)),
        Span::styled(forecast.mode.as_str(), theme.style(Role::Title)),
        key(KeyAction::ToggleMode),
        dot(theme),
        Span::styled(forecast.mode.rule(), theme.style(Role::Muted)),
    ]);
    let s = &view.summary;
    let mut counts = Vec::new();
    for (outcome, count) in [
        (RowOutcome::Forecast(Outcome::Migrate), s.migrate),
        (
            RowOutcome::Forecast(Outcome::AlreadyInDestination),
            s.already_in_destination,
        ),
        (RowOutcome::Forecast(Outcome::OverLimit), s.over_limit),
        (RowOutcome::Forecast(Outcome::Ineligible), s.ineligible),
        (RowOutcome::DestinationOnly, view.destination_only),
    ] {
        if !counts.is_empty() {
            counts.push(Span::raw("  "));
        }
        counts.push(outcome_span(outcome, theme));
        counts.push(Span::styled(format!(" {count}"), theme.style(Role::Title)));
    }
    let mut capacity = vec![Span::styled(
        forecast.capacity_line(),
        theme.style(Role::Text),
    )];
    if let Some((source, destination)) = view.inventories(&state.store.wabas) {
        capacity.push(dot(theme));
        capacity.push(Span::styled(
            text::totals(source.templates.len(), destination.templates.len()),
            theme.style(Role::Muted),
        ));
    }
    // "155 of 155 shown · outcome all (F) · … · sort name ↑ (o) · /query".
    let filter = |label: &str, value: Option<&str>, active: bool, action| {
        [
            dot(theme),
            Span::styled(format!("{label} "), theme.style(Role::Muted)),
            Span::styled(
                value.unwrap_or(text::ALL).to_string(),
                theme.style(if active { Role::Match } else { Role::Text }),
            ),
            key(action),
        ]
    };
    let f = &view.filters;
    let mut filters = vec![Span::styled(
        text::shown(view.visible.len(), view.rows.len()),
        theme.style(Role::Muted),
    )];
    let outcome = f.outcome.map(text::outcome);
    filters.extend(filter(
        "outcome",
        outcome,
        f.outcome.is_some(),
        KeyAction::FilterOutcome,
    ));
    let category = f.category.as_deref();
    filters.extend(filter(
        "category",
        category,
        category.is_some(),
        KeyAction::FilterCategory,
    ));
    let status = f.status.as_deref();
    filters.extend(filter(
        "status",
        status,
        status.is_some(),
        KeyAction::FilterStatus,
    ));
    let sort = format!(
        "{} {}",
        text::sort(view.sort),
        if view.reverse { "↓" } else { "↑" }
    );
    filters.extend(filter("sort", Some(&sort), false, KeyAction::SortColumn));
    filters.push(dot(theme));
    let query = view.search.value();
    filters.push(Span::styled(
        format!("{}{query}", strings::FILTER_PROMPT),
        theme.style(if query.is_empty() {
            Role::Key
        } else {
            Role::Match
        }),
    ));
    if view.search_editing {
        filters.push(Span::styled("▏", theme.style(Role::Key)));
    } else if query.is_empty() {
        filters.push(Span::styled(
            format!(" {}", text::SEARCH),
            theme.style(Role::Muted),
        ));
    }
    vec![
        mode,
        Line::from(counts),
        Line::from(capacity),
        Line::from(filters),
    ]
}

fn draw_table(
    frame: &mut Frame,
    layout: &TemplatesLayout,
    state: &State,
    view: &TemplateView,
    theme: &Theme,
) {
    let area = layout.table;
    let Some((source, destination)) = view.inventories(&state.store.wabas) else {
        return;
    };
    if view.visible.is_empty() {
        let sentence = if view.rows.is_empty() {
            text::NO_TEMPLATES
        } else {
            strings::NO_MATCH
        };
        frame.render_widget(
            Paragraph::new(Line::styled(sentence, theme.style(Role::Muted))),
            area,
        );
        return;
    }
    // The re-creation column shows once a row is marked.
    let offered: Vec<Column<RowCell>> = COLUMNS
        .iter()
        .filter(|c| !view.recreate.states.is_empty() || c.header != text::COLUMNS[8])
        .map(|c| Column {
            header: c.header,
            width: c.width,
            priority: c.priority,
            cell: c.cell,
        })
        .collect();
    let columns = fitting(
        &offered,
        area.width.saturating_sub(MARKER.chars().count() as u16),
    );
    let last = columns.len() - 1;
    let widths = columns.iter().enumerate().map(|(i, c)| {
        if i == last {
            Constraint::Fill(1)
        } else {
            Constraint::Length(c.width)
        }
    });
    let header =
        Row::new(columns.iter().map(|c| Cell::from(c.header))).style(theme.style(Role::Header));
    // Only the rows in view are built: the list can hold 10,000 templates.
    let offset = view.cursor.offset.min(view.visible.len() - 1);
    let body = view.visible[offset..]
        .iter()
        .take(layout.table_rows())
        .map(|&index| {
            let row = view.rows[index];
            let prediction = row
                .source()
                .and_then(|s| view.forecast.as_ref().map(|f| &f.predictions[s]));
            let (from, to) = row.templates(source, destination);
            let row_view = RowView {
                row,
                source: from,
                destination: to,
                primary: row.primary(source, destination),
                reason: prediction.and_then(|p| p.reason.as_deref()),
                risky: prediction.is_some_and(|p| !p.risks.is_empty()),
                recreate: row.source().and_then(|i| {
                    let template = &source.templates[i];
                    let key = (template.name.clone(), template.language.clone());
                    view.recreate
                        .cell(&key, row.destination().map(|d| &destination.templates[d]))
                }),
            };
            Row::new(columns.iter().map(|c| (c.cell)(&row_view, theme)))
        });
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(selected_style(theme))
        .highlight_symbol(MARKER);
    let mut table_state =
        TableState::default().with_selected(view.cursor.selected.checked_sub(offset));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// The selected row's reason and risks, then the notes that hold for every copy.
fn footer_lines(view: &TemplateView, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(row) = view.selected_row() {
        let prediction = row
            .source()
            .and_then(|s| view.forecast.as_ref().map(|f| &f.predictions[s]));
        let reason = match (prediction, row.outcome) {
            (_, RowOutcome::DestinationOnly) => text::DESTINATION_ONLY_REASON.to_string(),
            (Some(p), _) => p
                .reason
                .clone()
                .unwrap_or_else(|| text::WILL_COPY.to_string()),
            (None, _) => String::new(),
        };
        lines.push(Line::from(vec![
            outcome_span(row.outcome, theme),
            Span::styled(format!(": {reason}"), theme.style(Role::Text)),
        ]));
        for risk in prediction.iter().flat_map(|p| &p.risks) {
            lines.push(Line::styled(
                format!("{} {risk}", text::RISK_MARK),
                theme.style(Role::Warn),
            ));
        }
    }
    if let Some(message) = &view.recreate.message {
        lines.push(Line::styled(
            format!("◆ {message}"),
            theme.style(Role::Warn),
        ));
    }
    lines.push(Line::styled(
        format!("{}{}", text::NOTE_PREFIX, eligibility::COPY_QUALITY_NOTE),
        theme.style(Role::Muted),
    ));
    if view.summary.over_limit > 0 {
        lines.push(Line::styled(
            format!(
                "{}{}",
                text::OVER_LIMIT_PREFIX,
                eligibility::OVER_LIMIT_ORDER
            ),
            theme.style(Role::Muted),
        ));
    }
    lines
}

fn category_cell(r: &RowView, theme: &Theme) -> Cell<'static> {
    let category = |t: Option<&Template>| {
        t.and_then(|t| t.category.as_ref())
            .map(|c| c.as_str().to_string())
    };
    let (source, destination) = (category(r.source), category(r.destination));
    match (&source, &destination) {
        (Some(s), Some(d)) if s != d => {
            Cell::from(format!("{s}→{d}")).style(theme.style(Role::Warn))
        }
        _ => Cell::from(
            source
                .or(destination)
                .unwrap_or_else(|| text::ABSENT.to_string()),
        ),
    }
}

/// A status badge: symbol and word (✔ APPROVED, … PENDING, ✘ REJECTED, • PAUSED).
fn status_cell(template: Option<&Template>, theme: &Theme) -> Cell<'static> {
    let Some(status) = template.and_then(|t| t.status.as_ref()) else {
        return Cell::from(text::ABSENT).style(theme.style(Role::Muted));
    };
    let (symbol, role) = match status {
        TemplateStatus::Approved => ("✔", Role::Pass),
        TemplateStatus::Pending | TemplateStatus::InAppeal => ("…", Role::Warn),
        TemplateStatus::Rejected
        | TemplateStatus::Disabled
        | TemplateStatus::Deleted
        | TemplateStatus::PendingDeletion
        | TemplateStatus::LimitExceeded => ("✘", Role::Fail),
        _ => ("•", Role::Warn),
    };
    Cell::from(format!("{symbol} {}", status.as_str())).style(theme.style(role))
}

/// A quality badge: the word, coloured (GREEN, YELLOW, RED, UNKNOWN).
fn quality_cell(template: Option<&Template>, theme: &Theme) -> Cell<'static> {
    let Some(quality) = template.and_then(|t| t.quality()) else {
        return Cell::from(text::ABSENT).style(theme.style(Role::Muted));
    };
    let role = match quality {
        QualityScore::Green => Role::Pass,
        QualityScore::Yellow => Role::Warn,
        QualityScore::Red => Role::Fail,
        _ => Role::Unknown,
    };
    Cell::from(quality.as_str().to_string()).style(theme.style(role))
}

fn outcome_cell(r: &RowView, theme: &Theme) -> Cell<'static> {
    let mut spans = vec![outcome_span(r.row.outcome, theme)];
    if r.risky {
        spans.push(Span::styled(
            format!(" {}", text::RISK_MARK),
            theme.style(Role::Warn),
        ));
    }
    Cell::from(Line::from(spans))
}
