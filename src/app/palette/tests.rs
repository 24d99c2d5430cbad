//! The palette from the keys: what it lists for digits and words, and what a choice
//! does on each screen; snapshots at 80x24 and 120x40.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::action::{Action, Effect};
use crate::app::board::BoardCommand;
use crate::app::state::Popup;
use crate::app::ui::tests::{default_theme, render, text};
use crate::app::update::update;
use crate::testkit::demo::{self, DESTINATION_WABA, Portfolio, SOURCE_WABA};
use crate::testkit::fleet::{board_state, fleet_rows};

fn loaded(width: u16, height: u16) -> State {
    demo::loaded_state(&Portfolio::new(40), width, height, Instant::now())
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(state, KeyCode::Char(c)))
        .collect()
}

fn shown(state: &State) -> Vec<PaletteRow> {
    match &state.popup {
        Some(Popup::Palette(open)) => rows(state, open),
        other => panic!("the palette is not open: {other:?}"),
    }
}

#[test]
fn digits_find_numbers_by_a_substring_of_their_digits_exact_and_prefix_first() {
    let mut state = loaded(120, 40);
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "555-000");
    let labels: Vec<String> = shown(&state).iter().map(|r| r.text.clone()).collect();
    assert_eq!(
        labels.len(),
        4,
        "0001..0005 but 0004 (+1 555-010-0004): {labels:#?}"
    );
    assert!(
        labels.iter().all(|l| l.starts_with("+1 631-555-000")),
        "{labels:#?}"
    );
    // A full number ranks its own row first, then the numbers it is a prefix of.
    for _ in 0.."555-000".len() {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "+1 631 555 0003");
    let rows = shown(&state);
    assert_eq!(rows[0].ranked.tier, Tier::Exact);
    assert!(rows[0].text.starts_with("+1 631-555-0003"));
    assert!(rows.iter().skip(1).all(|r| r.ranked.tier > Tier::Exact));
    // Scattered digits do not match.
    for _ in 0.."+1 631 555 0003".len() {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "0121");
    assert!(shown(&state).is_empty());
}

#[test]
fn enter_on_a_number_opens_it_in_the_main_screen_from_the_board() {
    let rows = fleet_rows(60);
    let mut state = board_state(&rows, 120, 40, Instant::now());
    let target = rows
        .iter()
        .find(|r| r.origin == crate::domain::fleet::RowOrigin::Graph && r.waba_id != SOURCE_WABA)
        .unwrap()
        .clone();
    press(&mut state, KeyCode::Char(':'));
    let digits: String = target
        .display_phone_number
        .as_deref()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    type_text(&mut state, &digits);
    assert_eq!(shown(&state)[0].ranked.tier, Tier::Exact);
    press(&mut state, KeyCode::Enter);
    assert!(state.popup.is_none());
    assert!(!state.board.open, "the board made way for the main screen");
    assert_eq!(state.source.as_deref(), Some(target.waba_id.as_str()));
    assert_eq!(state.selected_number.as_deref(), Some(target.id.as_str()));
}

#[test]
fn words_pick_a_waba_as_source_or_destination() {
    let mut state = loaded(120, 40);
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "lucky shrub lab");
    let rows = shown(&state);
    assert_eq!(rows[0].ranked.tier, Tier::Exact);
    assert_eq!(rows[1].kind, crate::app::strings::palette::KIND_DESTINATION);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        state.destination.as_deref(),
        Some(crate::testkit::demo::BARE_WABA)
    );
    assert_eq!(state.source.as_deref(), Some(SOURCE_WABA));
    assert_ne!(state.destination.as_deref(), Some(DESTINATION_WABA));
}

#[test]
fn commands_are_the_keymap_of_the_screen_in_front_and_run_as_their_key() {
    let rows = fleet_rows(30);
    let mut state = board_state(&rows, 120, 40, Instant::now());
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "csv");
    let first = &shown(&state)[0];
    assert_eq!(first.chosen, Chosen::Command(KeyAction::ExportCsv));
    assert_eq!(first.keys, "e");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Board(BoardCommand::Export { .. })]
        ),
        "{effects:?}"
    );
    assert!(state.board.open);
    // The main screen's commands are the main screen's: no board export there.
    let mut main = loaded(120, 40);
    press(&mut main, KeyCode::Char(':'));
    type_text(&mut main, "csv");
    assert!(
        shown(&main)
            .iter()
            .all(|r| r.chosen != Chosen::Command(KeyAction::ExportCsv))
    );
}

#[test]
fn jumps_go_to_a_screen_and_colon_is_text_while_a_filter_is_typed() {
    let rows = fleet_rows(30);
    let mut state = board_state(&rows, 120, 40, Instant::now());
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "templates");
    press(&mut state, KeyCode::Enter);
    assert!(state.templates.is_some() && !state.board.open);
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "fleet");
    press(&mut state, KeyCode::Enter);
    assert!(state.board.open && state.templates.is_none());
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "a:");
    assert!(state.popup.is_none());
    assert_eq!(state.board.filter_input.value(), "a:");
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char(':'));
    press(&mut state, KeyCode::Esc);
    assert!(
        state.popup.is_none() && state.board.open,
        "Esc closes the palette only"
    );
}

#[test]
fn palette_snapshots() {
    let theme = default_theme();
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = loaded(width, height);
        press(&mut state, KeyCode::Char(':'));
        insta::assert_snapshot!(
            format!("palette_empty_{width}x{height}"),
            text(&render(&state, &theme))
        );
        type_text(&mut state, "0003");
        let screen = text(&render(&state, &theme));
        assert!(screen.contains("+1 631-555-0003"), "{screen}");
        insta::assert_snapshot!(format!("palette_digits_{width}x{height}"), screen);
    }
}
