//! `?` on every screen: the help of the screen in front, generated from that screen's
//! keymap (so a key bound there is listed, and a key of another screen is not), which
//! Esc closes without leaving the screen; the wizard's help as snapshots.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{default_theme, render, text};
use crate::app::action::Action;
use crate::app::keymap::{KeyAction, Screen};
use crate::app::rich::RichLine;
use crate::app::state::{Popup, State};
use crate::app::strings::{describe, describe_on, help_heading};
use crate::app::update::update;
use crate::testkit::demo::{self, Portfolio};

fn press(state: &mut State, code: KeyCode) {
    let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    demo::answer_all(state, &Portfolio::new(40), effects, state.now);
}

/// Every line of the open help popup.
fn help_text(state: &State) -> String {
    match &state.popup {
        Some(Popup::Help(doc)) => doc
            .lines
            .iter()
            .map(RichLine::text)
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("no help open: {other:?}"),
    }
}

/// `?` on `screen` lists each of its keys; Esc closes the help and stays there.
fn check_help_of(state: &mut State, screen: Screen, foreign: KeyAction) {
    assert_eq!(state.screen(), screen);
    press(state, KeyCode::Char('?'));
    let help = help_text(state);
    assert!(help.contains(help_heading(screen)), "{help}");
    for (action, _) in state.keymap.bindings(screen) {
        let keys = state.keymap.keys_label(screen, action);
        assert!(
            help.lines()
                .any(|l| l.contains(&keys) && l.contains(describe_on(screen, action))),
            "{screen:?}: {action:?} ({keys}) missing:\n{help}"
        );
    }
    assert!(
        !help.contains(describe(foreign)),
        "{screen:?} lists {foreign:?}, a key of another screen:\n{help}"
    );
    press(state, KeyCode::Esc);
    assert!(state.popup.is_none());
    assert_eq!(state.screen(), screen, "Esc closed the help only");
}

#[test]
fn question_mark_shows_the_keys_of_the_screen_in_front_on_every_screen() {
    let mut state = demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
    check_help_of(&mut state, Screen::Main, KeyAction::GroupRows);
    press(&mut state, KeyCode::Char('f'));
    check_help_of(&mut state, Screen::Board, KeyAction::Migrate);
    // The first Esc stops the board's refresh, the next one leaves the board.
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('t'));
    check_help_of(&mut state, Screen::Templates, KeyAction::GroupRows);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.screen(), Screen::Main);
    press(&mut state, KeyCode::Char('m'));
    check_help_of(&mut state, Screen::Wizard, KeyAction::GroupRows);
}

#[test]
fn the_wizard_help_80x24_and_120x40() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = demo::loaded_state(&Portfolio::new(40), width, height, Instant::now());
        press(&mut state, KeyCode::Char('m'));
        press(&mut state, KeyCode::Char('?'));
        let screen = text(&render(&state, &default_theme()));
        insta::assert_snapshot!(format!("wizard_help_{width}x{height}"), screen);
        assert!(screen.contains(help_heading(Screen::Wizard)), "{screen}");
    }
}
