//! `y` / `Y`: what is copied from each screen, and the sentence saying so.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::state::Pane;
use crate::testkit::demo::{self, DESTINATION_WABA, Portfolio};
use crate::testkit::fleet::{board_state, fleet_rows};

fn press(state: &mut State, c: char) -> Vec<Effect> {
    update(
        state,
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

#[test]
fn y_copies_the_selected_number_as_e164_and_capital_y_its_id() {
    let mut state = demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
    let number = state.selected_phone().cloned().unwrap();
    let digits = number.e164_digits().unwrap();
    assert_eq!(press(&mut state, 'y'), [Effect::Copy(format!("+{digits}"))]);
    let flash = state.flash.clone().unwrap();
    assert!(
        flash.contains(&format!("+{digits}")) && flash.contains("number"),
        "{flash}"
    );
    assert_eq!(press(&mut state, 'Y'), [Effect::Copy(number.id.clone())]);
    assert!(state.flash.as_deref().unwrap().contains("phone number id"));
    // The sentence lasts until the next key.
    press(&mut state, 'j');
    assert_eq!(state.flash, None);
}

#[test]
fn y_on_the_destination_pane_copies_the_destination_waba_id() {
    let mut state = demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
    state.focus = Pane::Destination;
    assert_eq!(
        press(&mut state, 'y'),
        [Effect::Copy(DESTINATION_WABA.into())]
    );
    state.destination = None;
    assert!(press(&mut state, 'y').is_empty());
    assert!(state.flash.as_deref().unwrap().contains("nothing to copy"));
}

#[test]
fn y_on_the_board_copies_the_row_under_the_cursor() {
    let rows = fleet_rows(5);
    let mut state = board_state(&rows, 120, 40, Instant::now());
    let row = state.board.selected_row().cloned().unwrap();
    let digits: String = row
        .display_phone_number
        .as_deref()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(press(&mut state, 'y'), [Effect::Copy(format!("+{digits}"))]);
    assert_eq!(press(&mut state, 'Y'), [Effect::Copy(row.id.clone())]);
    assert!(state.board.open, "copying does not leave the board");
}
