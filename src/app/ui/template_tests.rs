//! The template screen rendered: snapshots of the diff view of the sandbox portfolio at
//! 120x40 and 80x24 and of a reworded template's component diff; and the styles that
//! carry meaning (the over-limit badge, removed and inserted words, parameters), also
//! under NO_COLOR.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

use super::tests::{default_theme, render, sandbox_state, text};
use crate::app::action::{Action, Effect};
use crate::app::state::State;
use crate::app::theme::Theme;
use crate::app::update::update;
use crate::domain::template::{ComponentKind, TemplateInventory};
use crate::testkit::demo::{self, Portfolio, generated_templates};

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn sandbox_templates(width: u16, height: u16) -> State {
    let mut state = sandbox_state(width, height);
    assert!(
        key(&mut state, KeyCode::Char('t')).is_empty(),
        "inventories already read"
    );
    state
}

/// A destination with one slot left: rows past it are over limit.
fn nearly_full() -> State {
    let portfolio = Portfolio::new(10).with_templates(
        TemplateInventory {
            templates: generated_templates("s", 0..40, false),
            count: Some(40),
            limit: Some(250),
        },
        TemplateInventory {
            templates: generated_templates("d", 30..40, true),
            count: Some(249),
            limit: Some(250),
        },
    );
    let mut state = demo::loaded_state(&portfolio, 120, 40, Instant::now());
    key(&mut state, KeyCode::Char('t'));
    state
}

/// The y of the first screen row holding every needle.
fn row_with(buffer: &Buffer, needles: &[&str]) -> u16 {
    let screen = text(buffer);
    screen
        .lines()
        .position(|l| needles.iter().all(|n| l.contains(n)))
        .unwrap_or_else(|| panic!("no row with {needles:?}:\n{screen}")) as u16
}

/// The cell where `needle` starts on row `y`.
fn cell_at<'a>(buffer: &'a Buffer, y: u16, needle: &str) -> &'a Cell {
    let cells: Vec<&Cell> = (0..buffer.area.width).map(|x| &buffer[(x, y)]).collect();
    (0..cells.len())
        .find(|&start| {
            cells[start..]
                .iter()
                .map(|c| c.symbol())
                .collect::<String>()
                .starts_with(needle)
        })
        .map(|start| cells[start])
        .unwrap_or_else(|| panic!("no {needle} on row {y}"))
}

fn open_diff_of(state: &mut State, name: &str) {
    key(state, KeyCode::Char('/'));
    for c in name.chars() {
        key(state, KeyCode::Char(c));
    }
    key(state, KeyCode::Enter);
    key(state, KeyCode::Enter);
    assert!(state.templates.as_ref().unwrap().detail.is_some());
}

#[test]
fn diff_view_of_the_sandbox_portfolio_120x40() {
    let state = sandbox_templates(120, 40);
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("templates_120x40", text(&buffer));
    let screen = text(&buffer);
    assert!(screen.contains("dest 40/250, room 210"), "{screen}");
    assert!(screen.contains("140 source, 40 destination templates"));
    let summary = state.templates.as_ref().unwrap().summary;
    assert!(screen.contains(&format!("= in dest {}", summary.already_in_destination)));
}

#[test]
fn diff_view_of_the_sandbox_portfolio_80x24() {
    let state = sandbox_templates(80, 24);
    insta::assert_snapshot!("templates_80x24", text(&render(&state, &default_theme())));
}

/// The sandbox's template pair whose bodies differ, opened in the component diff; with
/// the destination's body.
fn reworded_diff(width: u16, height: u16) -> (State, String) {
    let mut state = sandbox_templates(width, height);
    let view = state.templates.as_ref().unwrap();
    let (source, destination) = view.inventories(&state.store.wabas).unwrap();
    let body = |t: &crate::domain::template::Template| {
        t.component_text(&ComponentKind::Body).map(String::from)
    };
    let (reworded, destination_body) = view
        .visible
        .iter()
        .enumerate()
        .find_map(
            |(at, &i)| match (view.rows[i].source(), view.rows[i].destination()) {
                (Some(s), Some(d))
                    if body(&source.templates[s]) != body(&destination.templates[d]) =>
                {
                    Some((at, body(&destination.templates[d]).unwrap_or_default()))
                }
                _ => None,
            },
        )
        .expect("the sandbox rewords some pairs");
    for _ in 0..reworded {
        key(&mut state, KeyCode::Down);
    }
    key(&mut state, KeyCode::Enter);
    (state, destination_body)
}

#[test]
fn component_diff_of_a_reworded_sandbox_template_120x40() {
    let (state, _) = reworded_diff(120, 40);
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("template_diff_120x40", text(&buffer));
    row_with(&buffer, &["BODY · changed", "BODY · changed"]);
}

#[test]
fn the_diff_s_right_column_keeps_every_character_behind_its_gutter_80x24() {
    let (state, destination_body) = reworded_diff(80, 24);
    let buffer = render(&state, &default_theme());
    let screen = text(&buffer);
    insta::assert_snapshot!("template_diff_80x24", screen);
    // The right column: what follows the gutter on each row of the diff.
    let right: String = screen
        .lines()
        .skip_while(|l| !l.contains("BODY"))
        .filter_map(|l| l.split_once("│ ").map(|(_, right)| right))
        .flat_map(|right| right.trim_end_matches('┃').chars())
        .filter(|c| !c.is_whitespace() && !"‹›".contains(*c))
        .collect();
    let wanted: String = destination_body
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        right.contains(&wanted),
        "the destination's body lost characters:\n{wanted}\n{right}\n{screen}"
    );
}

#[test]
fn an_over_limit_row_carries_its_symbol_word_and_warning_style() {
    let state = nearly_full();
    let buffer = render(&state, &default_theme());
    let y = row_with(&buffer, &["template_", "⚠ over limit"]);
    let badge = cell_at(&buffer, y, "⚠ over limit");
    assert_eq!(badge.fg, Color::Yellow);
    let no_color = Theme::load("default", &toml::Table::new(), true).unwrap();
    let plain = render(&state, &no_color);
    let y = row_with(&plain, &["template_", "⚠ over limit"]);
    assert_eq!(
        cell_at(&plain, y, "⚠").fg,
        Color::Reset,
        "NO_COLOR: the symbol and word remain"
    );
}

#[test]
fn removed_words_are_struck_out_inserted_ones_underlined_and_parameters_bracketed() {
    let mut state = nearly_full();
    open_diff_of(&mut state, "00031");
    let buffer = render(&state, &default_theme());
    let y = row_with(&buffer, &["order", "parcel"]);
    let inserted = cell_at(&buffer, y, "parcel");
    assert_eq!(inserted.fg, Color::Green);
    assert!(inserted.modifier.contains(Modifier::UNDERLINED));
    let removed = cell_at(&buffer, y, "order");
    assert_eq!(removed.fg, Color::Red);
    assert!(removed.modifier.contains(Modifier::CROSSED_OUT));
    let parameter = cell_at(&buffer, y, "‹{{1}}›");
    assert_eq!(parameter.fg, Color::Magenta);
    let unchanged = cell_at(&buffer, y, "your");
    assert_eq!(unchanged.fg, Color::Reset);
    let no_color = Theme::load("default", &toml::Table::new(), true).unwrap();
    let plain = render(&state, &no_color);
    assert!(
        cell_at(&plain, y, "parcel")
            .modifier
            .contains(Modifier::UNDERLINED)
    );
    assert!(
        cell_at(&plain, y, "order")
            .modifier
            .contains(Modifier::CROSSED_OUT)
    );
}

#[test]
fn marked_and_rejected_rows_show_their_recreation_state_with_meaning_in_the_style() {
    use crate::app::templates::recreate::Submission;
    let mut state = sandbox_templates(120, 40);
    key(&mut state, KeyCode::Down); // abandoned_cart en_GB: LIMIT_EXCEEDED, does not travel
    key(&mut state, KeyCode::Char('m'));
    let view = state.templates.as_mut().unwrap();
    let es = ("abandoned_cart".to_string(), "es".to_string());
    view.recreate
        .states
        .insert(es, Submission::Refused("(#100) Invalid parameter".into()));
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("templates_recreate_120x40", text(&buffer));
    let marked = row_with(&buffer, &["abandoned_cart", "en_GB", "◆ marked"]);
    assert_eq!(
        cell_at(&buffer, marked, "◆ marked").fg,
        default_theme()
            .style(crate::app::theme::Role::Warn)
            .fg
            .unwrap_or_default()
    );
    let refused = row_with(&buffer, &["abandoned_cart", "es", "◆ refused"]);
    assert_eq!(
        cell_at(&buffer, refused, "◆ refused").fg,
        default_theme()
            .style(crate::app::theme::Role::Fail)
            .fg
            .unwrap_or_default()
    );
}
