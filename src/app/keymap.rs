//! Keys as data: `assets/keymap.toml` (embedded), one table of bindings per screen,
//! overridable from the config file's `[keys]`. A key means one thing per screen (the
//! loader refuses a conflict). The help screen and the status line read this map, so
//! what they show is what the keys do.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use strum::IntoEnumIterator;

/// The embedded default bindings.
const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// What a key press asks for, independent of which key it was. Declared in the order
/// the help screen lists them; the names are the keymap's (`pick_source`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum KeyAction {
    PickSource,
    PickDestination,
    PickNumber,
    Migrate,
    Journals,
    Select,
    /// The fleet board's row fields.
    RowDetail,
    /// The fleet board: mark the row for a batch, mark every row shown, migrate them.
    ToggleSelect,
    SelectAll,
    MigrateSelected,
    /// The journals screen, from the main screen; resume or abandon the journal there.
    OpenJournals,
    Resume,
    Abandon,
    Filter,
    Refresh,
    ToggleLog,
    /// The other screens, from the main screen.
    FleetBoard,
    OpenTemplates,
    SortColumn,
    SortReverse,
    /// The board: show the columns further left / right (the number stays).
    ScrollLeft,
    ScrollRight,
    GroupRows,
    ExportCsv,
    ExportJson,
    FilterOutcome,
    FilterCategory,
    FilterStatus,
    ToggleMode,
    MigrateTemplates,
    RetryFailed,
    /// Templates: mark the row for re-creation, and submit the marked rows.
    MarkRecreate,
    RecreateMarked,
    /// The command palette (`:`).
    Palette,
    /// Copy the number (E.164) in front, or its id, to the clipboard (OSC 52).
    Yank,
    YankId,
    /// The wizard's plan page: SMS or VOICE for the code.
    ToggleCodeMethod,
    /// The wizard's end of a run: the audit report.
    OpenReport,
    /// Answers to a yes/no question.
    Yes,
    No,
    /// The wizard's code page: a new code once the cooldown is over.
    ResendCode,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PreviousPane,
    PaneLeft,
    PaneRight,
    Help,
    Back,
    Quit,
    ForceQuit,
}

impl KeyAction {
    /// The action's name in `keymap.toml` and the config file.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The screens, each with its own bindings (`[keys.main]`, ...).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum Screen {
    Main,
    Board,
    Templates,
    Wizard,
    Journals,
}

/// Why the keymap could not be loaded; each is an operator sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("the embedded keymap is broken: {0}")]
    Embedded(String),
    #[error(
        "The [keys] section names an unknown action or screen '{name}': screens are {screens}; actions are {actions}."
    )]
    Unknown {
        name: String,
        screens: String,
        actions: String,
    },
    #[error(
        "[keys.{screen}] names '{action}', which that screen does not have: its actions are {actions}."
    )]
    NotOnScreen {
        screen: Screen,
        action: String,
        actions: String,
    },
    #[error("Keys for '{action}' must be a list, e.g. {action} = [\"x\", \"F5\"].")]
    NotAList { action: String },
    #[error("Keys for '{action}' must be text.")]
    NotText { action: String },
    #[error("Key for '{action}': {error}")]
    BadKey { action: String, error: KeySpecError },
    #[error(
        "On the {screen} screen, {key} is bound to both '{first}' and '{second}': a key means one thing per screen; change one of them under [keys.{screen}]."
    )]
    Conflict {
        screen: Screen,
        key: KeySpec,
        first: &'static str,
        second: &'static str,
    },
}

/// A key that the keymap syntax does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a key: use a character, a name like Enter, Esc, Tab, Up, PageDown, F5, optionally with ctrl- or alt-."
)]
pub struct KeySpecError(String);

/// One key with its modifiers, as written in the keymap (`ctrl-c`, `G`, `PageDown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    /// Parses the keymap syntax; the error is an operator sentence.
    pub fn parse(raw: &str) -> Result<KeySpec, KeySpecError> {
        let mut rest = raw;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                (ctrl, rest) = (true, r);
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                (alt, rest) = (true, r);
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest {
                "Enter" => KeyCode::Enter,
                "Esc" => KeyCode::Esc,
                "Tab" => KeyCode::Tab,
                "BackTab" => KeyCode::BackTab,
                "Up" => KeyCode::Up,
                "Down" => KeyCode::Down,
                "Left" => KeyCode::Left,
                "Right" => KeyCode::Right,
                "Home" => KeyCode::Home,
                "End" => KeyCode::End,
                "PageUp" => KeyCode::PageUp,
                "PageDown" => KeyCode::PageDown,
                "Backspace" => KeyCode::Backspace,
                "Space" => KeyCode::Char(' '),
                other => match function_key(other) {
                    Some(n) => KeyCode::F(n),
                    None => return Err(KeySpecError(raw.to_string())),
                },
            },
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    /// Whether this is a plain character (a letter, `?`): text while a field is typed.
    pub fn is_letter(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.ctrl && !self.alt
    }

    /// Whether a pressed key is this one. Shift is part of the character itself
    /// (`G`, `?`), so it is not compared for characters.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let code_matches = match (self.code, key.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && !key.modifiers.contains(KeyModifiers::SHIFT),
        };
        code_matches
            && self.ctrl == key.modifiers.contains(KeyModifiers::CONTROL)
            && self.alt == key.modifiers.contains(KeyModifiers::ALT)
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// `F1` .. `F12` as their number.
fn function_key(name: &str) -> Option<u8> {
    name.strip_prefix('F')
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=12).contains(n))
}

/// One screen's bindings: each action with its keys, in help order.
type Bindings = Vec<(KeyAction, Vec<KeySpec>)>;

/// The bindings in effect, per screen: the embedded defaults patched by the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    screens: HashMap<Screen, Bindings>,
}

impl Keymap {
    /// The embedded bindings with the config's `[keys]` applied: `[keys.<screen>]`
    /// tables replace an action's keys on that screen; an action directly under `[keys]`
    /// (the older, flat form) replaces its keys on every screen that has it.
    pub fn load(overrides: &toml::Table) -> Result<Keymap, KeymapError> {
        let embedded: toml::Table =
            toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError::Embedded(e.to_string()))?;
        let defaults = embedded
            .get("keys")
            .and_then(toml::Value::as_table)
            .ok_or_else(|| KeymapError::Embedded("no [keys] table".into()))?;
        let mut screens = HashMap::new();
        for screen in Screen::iter() {
            let table = defaults
                .get(screen.into())
                .and_then(toml::Value::as_table)
                .ok_or_else(|| KeymapError::Embedded(format!("no [keys.{screen}] table")))?;
            let mut bindings = Vec::new();
            for (name, value) in table {
                let action = KeyAction::from_str(name)
                    .map_err(|_| KeymapError::Embedded(format!("unknown action '{name}'")))?;
                bindings.push((action, parse_keys(name, value)?));
            }
            bindings.sort_by_key(|(action, _)| *action as usize);
            screens.insert(screen, bindings);
        }
        let mut keymap = Keymap { screens };
        keymap.apply(overrides)?;
        for screen in Screen::iter() {
            keymap.check_conflicts(screen)?;
        }
        Ok(keymap)
    }

    /// The action bound to a pressed key on `screen`, if any.
    pub fn action_for(&self, screen: Screen, key: &KeyEvent) -> Option<KeyAction> {
        self.bindings(screen)
            .find(|(_, keys)| keys.iter().any(|k| k.matches(key)))
            .map(|(action, _)| action)
    }

    /// A screen's actions with their keys, in help order.
    pub fn bindings(&self, screen: Screen) -> impl Iterator<Item = (KeyAction, &[KeySpec])> {
        self.screens
            .get(&screen)
            .into_iter()
            .flatten()
            .map(|(action, keys)| (*action, keys.as_slice()))
    }

    /// The keys of an action on `screen`, as the help screen writes them (`q`, `↑/k`);
    /// empty when the screen does not have it.
    pub fn keys_label(&self, screen: Screen, action: KeyAction) -> String {
        self.keys(screen, action)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of an action on `screen`, for short hints in the status line.
    pub fn first_key(&self, screen: Screen, action: KeyAction) -> String {
        self.keys(screen, action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The keys of an action on `screen`, in the keymap's order.
    pub fn keys_of(&self, screen: Screen, action: KeyAction) -> &[KeySpec] {
        self.keys(screen, action)
    }

    fn keys(&self, screen: Screen, action: KeyAction) -> &[KeySpec] {
        self.bindings(screen)
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, keys)| keys)
    }

    /// Applies the config's `[keys]`: per-screen tables and flat actions.
    fn apply(&mut self, overrides: &toml::Table) -> Result<(), KeymapError> {
        for (name, value) in overrides {
            if let (Ok(screen), Some(table)) = (Screen::from_str(name), value.as_table()) {
                for (action_name, keys) in table {
                    let action = self.known_action(action_name)?;
                    if !self.replace(screen, action, parse_keys(action_name, keys)?) {
                        return Err(KeymapError::NotOnScreen {
                            screen,
                            action: action_name.clone(),
                            actions: self.names(screen),
                        });
                    }
                }
            } else {
                let action = self.known_action(name)?;
                let keys = parse_keys(name, value)?;
                let mut bound = false;
                for screen in Screen::iter() {
                    bound |= self.replace(screen, action, keys.clone());
                }
                if !bound {
                    return Err(self.unknown(name));
                }
            }
        }
        Ok(())
    }

    /// Replaces an action's keys on a screen; false when the screen lacks the action.
    fn replace(&mut self, screen: Screen, action: KeyAction, keys: Vec<KeySpec>) -> bool {
        let slot = self
            .screens
            .get_mut(&screen)
            .and_then(|b| b.iter_mut().find(|(a, _)| *a == action));
        match slot {
            Some((_, old)) => {
                *old = keys;
                true
            }
            None => false,
        }
    }

    fn known_action(&self, name: &str) -> Result<KeyAction, KeymapError> {
        KeyAction::from_str(name).map_err(|_| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> KeymapError {
        KeymapError::Unknown {
            name: name.to_string(),
            screens: Screen::iter()
                .map(<&str>::from)
                .collect::<Vec<_>>()
                .join(", "),
            actions: KeyAction::iter()
                .map(KeyAction::name)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn names(&self, screen: Screen) -> String {
        self.bindings(screen)
            .map(|(a, _)| a.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A key bound to two actions of one screen would mean two things: refused.
    fn check_conflicts(&self, screen: Screen) -> Result<(), KeymapError> {
        let mut seen: HashMap<KeySpec, KeyAction> = HashMap::new();
        for (action, keys) in self.bindings(screen) {
            for key in keys {
                if let Some(first) = seen.insert(*key, action).filter(|f| *f != action) {
                    return Err(KeymapError::Conflict {
                        screen,
                        key: *key,
                        first: first.name(),
                        second: action.name(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn parse_keys(action: &str, value: &toml::Value) -> Result<Vec<KeySpec>, KeymapError> {
    let list = value.as_array().ok_or_else(|| KeymapError::NotAList {
        action: action.to_string(),
    })?;
    list.iter()
        .map(|v| {
            let raw = v.as_str().ok_or_else(|| KeymapError::NotText {
                action: action.to_string(),
            })?;
            KeySpec::parse(raw).map_err(|error| KeymapError::BadKey {
                action: action.to_string(),
                error,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_bind_every_action_somewhere_and_vim_keys() {
        let map = Keymap::load(&toml::Table::new()).unwrap();
        for action in KeyAction::iter() {
            assert!(
                Screen::iter().any(|s| !map.keys_label(s, action).is_empty()),
                "{action:?} unbound"
            );
        }
        let on_main = |code, modifiers| map.action_for(Screen::Main, &press(code, modifiers));
        assert_eq!(
            on_main(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(KeyAction::Down)
        );
        assert_eq!(
            on_main(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(KeyAction::Bottom)
        );
        assert_eq!(
            on_main(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(KeyAction::ForceQuit)
        );
        assert_eq!(
            on_main(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(KeyAction::PreviousPane)
        );
        assert_ne!(
            on_main(KeyCode::Char('c'), KeyModifiers::NONE),
            Some(KeyAction::ForceQuit),
            "modifiers are part of the key"
        );
        assert_eq!(
            map.action_for(
                Screen::Board,
                &press(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(KeyAction::GroupRows),
            "G groups on the board and goes to the bottom elsewhere"
        );
        assert_eq!(
            map.action_for(
                Screen::Wizard,
                &press(KeyCode::Char('c'), KeyModifiers::NONE)
            ),
            Some(KeyAction::ToggleCodeMethod)
        );
    }

    #[test]
    fn config_overrides_replace_keys_per_screen_or_everywhere_and_bad_keys_are_explained() {
        let flat: toml::Table = toml::from_str(r#"refresh = ["ctrl-r", "F6"]"#).unwrap();
        let map = Keymap::load(&flat).unwrap();
        for screen in [Screen::Main, Screen::Board, Screen::Templates] {
            assert_eq!(map.keys_label(screen, KeyAction::Refresh), "ctrl-r/F6");
        }
        assert_eq!(
            map.action_for(Screen::Main, &press(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
        let board_only: toml::Table = toml::from_str("[board]\nrefresh = [\"F6\"]").unwrap();
        let map = Keymap::load(&board_only).unwrap();
        assert_eq!(map.keys_label(Screen::Board, KeyAction::Refresh), "F6");
        assert_eq!(map.keys_label(Screen::Main, KeyAction::Refresh), "r/F5");

        let bad: toml::Table = toml::from_str(r#"refresh = ["Hyper"]"#).unwrap();
        assert!(
            Keymap::load(&bad)
                .unwrap_err()
                .to_string()
                .contains("'Hyper' is not a key")
        );
        let unknown: toml::Table = toml::from_str(r#"explode = ["x"]"#).unwrap();
        assert!(
            Keymap::load(&unknown)
                .unwrap_err()
                .to_string()
                .contains("explode")
        );
        let elsewhere: toml::Table = toml::from_str("[wizard]\nexport_csv = [\"e\"]").unwrap();
        assert!(matches!(
            Keymap::load(&elsewhere),
            Err(KeymapError::NotOnScreen {
                screen: Screen::Wizard,
                ..
            })
        ));
    }

    #[test]
    fn a_key_bound_to_two_actions_of_one_screen_is_refused() {
        let clash: toml::Table = toml::from_str("[board]\nexport_csv = [\"o\"]").unwrap();
        let error = Keymap::load(&clash).unwrap_err();
        assert!(matches!(
            error,
            KeymapError::Conflict {
                screen: Screen::Board,
                ..
            }
        ));
        assert!(
            error.to_string().contains("'sort_column' and 'export_csv'"),
            "{error}"
        );
        // The same key on two screens is fine: `r` refreshes here and resends a code there.
        let map = Keymap::load(&toml::Table::new()).unwrap();
        assert_eq!(map.first_key(Screen::Wizard, KeyAction::ResendCode), "r");
        assert_eq!(map.first_key(Screen::Main, KeyAction::Refresh), "r");
    }
}
