//! The dispatcher's side of the command palette: its keys, and what a chosen row does
//! (leave the screen in front, then jump, run the command as its key would, or choose
//! the WABA or number).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{on_board, open_templates, route};
use crate::app::action::Effect;
use crate::app::board::Board;
use crate::app::journals;
use crate::app::main_screen;
use crate::app::palette::{self, Chosen, Jump, Palette, PaletteKey};
use crate::app::state::{Pane, Popup, State};
use crate::app::strings::palette as text;

/// A key while the palette is open.
pub(super) fn on_key(state: &mut State, mut open: Palette, key: KeyEvent) -> Vec<Effect> {
    match palette::on_key(state, &mut open, key) {
        PaletteKey::Open => {
            state.popup = Some(Popup::Palette(open));
            Vec::new()
        }
        PaletteKey::Closed => Vec::new(),
        PaletteKey::Chosen(chosen) => apply(state, chosen),
    }
}

/// Whether the screen in front takes typed text now (a filter, a search, a
/// confirmation): `:` is then a character, not the palette.
pub(super) fn typing(state: &State) -> bool {
    state.typing()
        || state
            .templates
            .as_ref()
            .is_some_and(|view| view.confirm.is_some())
        // A question waits for its answer.
        || state
            .journals
            .as_ref()
            .is_some_and(|view| view.confirming_abandon.is_some())
}

fn apply(state: &mut State, chosen: Chosen) -> Vec<Effect> {
    if let Chosen::Command(action) = chosen {
        // As if its key were pressed on the screen in front.
        let null = KeyEvent::new(KeyCode::Null, KeyModifiers::NONE);
        return route(state, null, Some(action));
    }
    let Some(mut effects) = leave_screens(state, &chosen) else {
        state.flash = Some(text::TEMPLATES_BUSY.to_string());
        return Vec::new();
    };
    effects.extend(match chosen {
        Chosen::Jump(Jump::Main) | Chosen::Command(_) => Vec::new(),
        Chosen::Jump(Jump::Board) => on_board(state, true, Board::open),
        Chosen::Jump(Jump::Templates) if state.templates.is_some() => Vec::new(),
        Chosen::Jump(Jump::Templates) => open_templates(state),
        Chosen::Jump(Jump::Journals) if state.journals.is_some() => Vec::new(),
        Chosen::Jump(Jump::Journals) => journals::open(state),
        Chosen::Jump(Jump::Log) => {
            state.log_visible = true;
            state.focus = Pane::Log;
            Vec::new()
        }
        Chosen::Waba { id, role } => main_screen::choose_waba(state, role, id),
        Chosen::Number { waba_id, number_id } => {
            main_screen::open_number(state, &waba_id, &number_id)
        }
    });
    effects
}

/// Closes the board and the template screen for a jump elsewhere, with what closing
/// asks of the worker; `None` when the template screen cannot close (a run or a
/// question is open there).
fn leave_screens(state: &mut State, chosen: &Chosen) -> Option<Vec<Effect>> {
    let staying = match chosen {
        Chosen::Jump(Jump::Board) => state.board.open,
        Chosen::Jump(Jump::Templates) => state.templates.is_some(),
        Chosen::Jump(Jump::Journals) => state.journals.is_some(),
        _ => false,
    };
    if staying {
        return Some(Vec::new());
    }
    if state
        .templates
        .as_ref()
        .is_some_and(|view| view.run.is_some() || view.confirm.is_some())
    {
        return None;
    }
    let effects = super::close_templates(state);
    state.board.close();
    state.journals = None;
    Some(effects)
}
