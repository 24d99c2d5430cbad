//! The command palette (`:`, as in k9s): one query line to jump to a screen, run any
//! command of the screen in front (listed from its keymap, so it offers exactly what the
//! keys do), or pick a WABA (as source or destination) or a number (opened in the main
//! screen) by name or digits. Ranking is `matching`'s; what a choice does is the
//! dispatcher's (`update` applies the [`Chosen`] this module hands back).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::keymap::{KeyAction, Screen};
use super::state::{PickerKind, State};
use super::strings::{self, palette as text};

pub mod matching;

use matching::{Ranked, Tier, match_digits, match_words, query_digits};

/// Most rows the palette lists (the best ones).
pub const MAX_ROWS: usize = 200;

/// The palette popup: its query and highlighted row.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub query: Input,
    pub cursor: usize,
}

/// The screens the palette jumps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    Main,
    Board,
    Templates,
    Log,
    Journals,
}

impl Jump {
    const ALL: [Jump; 5] = [
        Jump::Main,
        Jump::Board,
        Jump::Templates,
        Jump::Log,
        Jump::Journals,
    ];

    fn name(self) -> &'static str {
        match self {
            Jump::Main => text::MAIN,
            Jump::Board => text::BOARD,
            Jump::Templates => text::TEMPLATES,
            Jump::Log => text::LOG,
            Jump::Journals => text::JOURNALS,
        }
    }
}

/// What a row does when chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    Jump(Jump),
    /// An action of the screen in front, as if its key were pressed.
    Command(KeyAction),
    /// A WABA as the source or the destination.
    Waba {
        id: String,
        role: PickerKind,
    },
    /// A number, opened in the main screen with its checklist.
    Number {
        waba_id: String,
        number_id: String,
    },
}

/// One row of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteRow {
    pub chosen: Chosen,
    /// What the row is ("screen", "command", "WABA", "number").
    pub kind: &'static str,
    pub text: String,
    /// The key that does the same, for commands.
    pub keys: String,
    pub ranked: Ranked,
}

impl PaletteRow {
    fn order(&self) -> u8 {
        match self.chosen {
            Chosen::Jump(_) => 0,
            Chosen::Command(_) => 1,
            Chosen::Number { .. } => 2,
            Chosen::Waba { .. } => 3,
        }
    }
}

/// Actions that move, answer or leave: not commands worth listing.
const NOT_COMMANDS: [KeyAction; 17] = [
    KeyAction::Up,
    KeyAction::Down,
    KeyAction::Top,
    KeyAction::Bottom,
    KeyAction::PageUp,
    KeyAction::PageDown,
    KeyAction::NextPane,
    KeyAction::PreviousPane,
    KeyAction::PaneLeft,
    KeyAction::PaneRight,
    KeyAction::Back,
    KeyAction::ForceQuit,
    KeyAction::Palette,
    KeyAction::Select,
    KeyAction::Yes,
    KeyAction::No,
    KeyAction::ResendCode,
];

/// The rows matching the query, best first: exact, then prefix, then the rest; screens
/// and commands before numbers and WABAs within a tier. An empty query lists the
/// screens, the commands and the WABAs (numbers need a query: a fleet can hold
/// thousands).
pub fn rows(state: &State, palette: &Palette) -> Vec<PaletteRow> {
    let query = palette.query.value();
    let digits = query_digits(query);
    let mut rows = Vec::new();
    if digits.is_none() {
        screens_and_commands(state, query, &mut rows);
    }
    wabas(state, query, digits.as_deref(), &mut rows);
    if !query.trim().is_empty() {
        numbers(state, query, digits.as_deref(), &mut rows);
    }
    rows.sort_by(|a, b| {
        (a.ranked.tier, -a.ranked.score, a.order(), &a.text).cmp(&(
            b.ranked.tier,
            -b.ranked.score,
            b.order(),
            &b.text,
        ))
    });
    rows.truncate(MAX_ROWS);
    rows
}

/// What a key did to the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteKey {
    /// Still open (typed, moved, or Enter with nothing to choose).
    Open,
    /// Esc: closed without a choice.
    Closed,
    /// Enter on a row: the palette closes and the dispatcher applies it.
    Chosen(Chosen),
}

/// A key while the palette is open.
pub fn on_key(state: &State, palette: &mut Palette, key: KeyEvent) -> PaletteKey {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let down = |palette: &mut Palette| {
        let last = rows(state, palette).len().saturating_sub(1);
        palette.cursor = (palette.cursor + 1).min(last);
    };
    match key.code {
        KeyCode::Esc => return PaletteKey::Closed,
        KeyCode::Enter => {
            if let Some(row) = rows(state, palette).into_iter().nth(palette.cursor) {
                return PaletteKey::Chosen(row.chosen);
            }
        }
        KeyCode::Up => palette.cursor = palette.cursor.saturating_sub(1),
        KeyCode::Char('p') if ctrl => palette.cursor = palette.cursor.saturating_sub(1),
        KeyCode::Down => down(palette),
        KeyCode::Char('n') if ctrl => down(palette),
        _ => {
            if let Some(request) = to_input_request(&crossterm::event::Event::Key(key))
                && palette.query.handle(request).is_some_and(|r| r.value)
            {
                palette.cursor = 0;
            }
        }
    }
    PaletteKey::Open
}

fn screens_and_commands(state: &State, query: &str, rows: &mut Vec<PaletteRow>) {
    for jump in Jump::ALL {
        let name = jump.name();
        if let Some(ranked) = match_words(query, name, name) {
            rows.push(PaletteRow {
                chosen: Chosen::Jump(jump),
                kind: text::KIND_SCREEN,
                text: name.to_string(),
                keys: String::new(),
                ranked,
            });
        }
    }
    let screen = state.screen();
    if screen == Screen::Wizard {
        return;
    }
    for (action, _) in state.keymap.bindings(screen) {
        if NOT_COMMANDS.contains(&action) {
            continue;
        }
        let name = strings::hint(action);
        let description = strings::describe(action);
        let row_text = if description.starts_with(name) {
            description.to_string()
        } else {
            format!("{name}: {description}")
        };
        if let Some(ranked) = match_words(query, name, &row_text) {
            rows.push(PaletteRow {
                chosen: Chosen::Command(action),
                kind: text::KIND_COMMAND,
                text: row_text,
                keys: state.keymap.keys_label(screen, action),
                ranked,
            });
        }
    }
}

fn wabas(state: &State, query: &str, digits: Option<&str>, rows: &mut Vec<PaletteRow>) {
    let Some(ids) = state.store.waba_ids.value() else {
        return;
    };
    for id in ids {
        let search = state.waba_search_text(id);
        let name = state
            .store
            .wabas
            .get(id)
            .and_then(|r| r.waba.value())
            .map_or(id.as_str(), |w| w.label());
        let ranked = match digits {
            // An id is typed whole or from its start: digits inside ids are noise.
            Some(digits) => match_digits(digits, id)
                .filter(|r| r.tier <= Tier::Prefix)
                .map(|mut ranked| {
                    // The id's digits sit after the name in the row's text.
                    let offset = search
                        .find(id.as_str())
                        .map_or(0, |b| search[..b].chars().count());
                    ranked.positions.iter_mut().for_each(|p| *p += offset);
                    ranked
                }),
            None => match_words(query, name, &search),
        };
        let Some(ranked) = ranked else {
            continue;
        };
        for (role, kind) in [
            (PickerKind::Source, text::KIND_SOURCE),
            (PickerKind::Destination, text::KIND_DESTINATION),
        ] {
            rows.push(PaletteRow {
                chosen: Chosen::Waba {
                    id: id.clone(),
                    role,
                },
                kind,
                text: search.clone(),
                keys: String::new(),
                ranked: ranked.clone(),
            });
        }
    }
}

/// The numbers known: every number of the board's last refresh, and those of the
/// WABAs read for the main screen.
fn numbers(state: &State, query: &str, digits: Option<&str>, rows: &mut Vec<PaletteRow>) {
    let mut seen = std::collections::HashSet::new();
    let mut consider = |waba_id: &str, number_id: &str, display: Option<&str>, text: String| {
        if !seen.insert(number_id.to_string()) {
            return;
        }
        let ranked = match digits {
            Some(digits) => match display {
                Some(display) => match_digits(digits, display),
                // Without a display number the row starts with its id.
                None => match_digits(digits, number_id),
            }
            .or_else(|| {
                // A phone number id, as `Y` copies it: exact or prefix only.
                let by_id = match_digits(digits, number_id)?;
                let offset = text.rfind(number_id).map(|b| text[..b].chars().count())?;
                (by_id.tier <= Tier::Prefix && display.is_some()).then(|| Ranked {
                    positions: by_id.positions.iter().map(|p| p + offset).collect(),
                    ..by_id
                })
            }),
            None => match_words(query, display.unwrap_or(number_id), &text),
        };
        if let Some(ranked) = ranked {
            rows.push(PaletteRow {
                chosen: Chosen::Number {
                    waba_id: waba_id.to_string(),
                    number_id: number_id.to_string(),
                },
                kind: text::KIND_NUMBER,
                text,
                keys: String::new(),
                ranked,
            });
        }
    };
    for row in state.board.fleet.rows() {
        if row.origin != crate::domain::fleet::RowOrigin::Graph {
            continue;
        }
        let text = text::number_row(
            row.label(),
            row.verified_name.as_deref(),
            row.waba_name.as_deref().unwrap_or(&row.waba_id),
            &row.id,
        );
        consider(
            &row.waba_id,
            &row.id,
            row.display_phone_number.as_deref(),
            text,
        );
    }
    for (waba_id, record) in &state.store.wabas {
        let Some(numbers) = record.numbers.value() else {
            continue;
        };
        let waba_name = record.waba.value().map_or(waba_id.as_str(), |w| w.label());
        for number in numbers {
            let text = text::number_row(
                number.label(),
                number.verified_name.as_deref(),
                waba_name,
                &number.id,
            );
            consider(
                waba_id,
                &number.id,
                number.display_phone_number.as_deref(),
                text,
            );
        }
    }
}

#[cfg(test)]
mod tests;
