//! Keys as data: `assets/keymap.toml` (embedded), overridable per action from the
//! config file's `[keys]`. The help screen and the status line read this map, so what
//! they show is what the keys do.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The embedded default bindings.
const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// What a key press asks for, independent of which key it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAction {
    Quit,
    Back,
    ForceQuit,
    NextPane,
    PreviousPane,
    PaneLeft,
    PaneRight,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Select,
    Filter,
    PickSource,
    PickDestination,
    PickNumber,
    Refresh,
    ToggleLog,
    Help,
    Migrate,
    Journals,
    /// The fleet board and its keys.
    FleetBoard,
    SortColumn,
    SortReverse,
    GroupRows,
    ExportCsv,
    ExportJson,
    RowDetail,
    /// The template review screen and its keys.
    OpenTemplates,
    FilterOutcome,
    FilterCategory,
    FilterStatus,
    ToggleMode,
    MigrateTemplates,
    RetryFailed,
}

impl KeyAction {
    /// Every action, in the order the help screen lists them.
    pub const ALL: [KeyAction; 37] = [
        KeyAction::PickSource,
        KeyAction::PickDestination,
        KeyAction::PickNumber,
        KeyAction::Migrate,
        KeyAction::Journals,
        KeyAction::Select,
        KeyAction::Filter,
        KeyAction::Refresh,
        KeyAction::ToggleLog,
        KeyAction::OpenTemplates,
        KeyAction::FilterOutcome,
        KeyAction::FilterCategory,
        KeyAction::FilterStatus,
        KeyAction::ToggleMode,
        KeyAction::MigrateTemplates,
        KeyAction::RetryFailed,
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
        KeyAction::Help,
        KeyAction::Back,
        KeyAction::Quit,
        KeyAction::ForceQuit,
        KeyAction::FleetBoard,
        KeyAction::SortColumn,
        KeyAction::SortReverse,
        KeyAction::GroupRows,
        KeyAction::ExportCsv,
        KeyAction::ExportJson,
        KeyAction::RowDetail,
    ];

    /// The action's name in `keymap.toml` and the config file.
    pub fn name(self) -> &'static str {
        match self {
            KeyAction::Quit => "quit",
            KeyAction::Back => "back",
            KeyAction::ForceQuit => "force_quit",
            KeyAction::NextPane => "next_pane",
            KeyAction::PreviousPane => "previous_pane",
            KeyAction::PaneLeft => "pane_left",
            KeyAction::PaneRight => "pane_right",
            KeyAction::Up => "up",
            KeyAction::Down => "down",
            KeyAction::Top => "top",
            KeyAction::Bottom => "bottom",
            KeyAction::PageUp => "page_up",
            KeyAction::PageDown => "page_down",
            KeyAction::Select => "select",
            KeyAction::Filter => "filter",
            KeyAction::PickSource => "pick_source",
            KeyAction::PickDestination => "pick_destination",
            KeyAction::PickNumber => "pick_number",
            KeyAction::Refresh => "refresh",
            KeyAction::ToggleLog => "toggle_log",
            KeyAction::Help => "help",
            KeyAction::Migrate => "migrate",
            KeyAction::Journals => "journals",
            KeyAction::FleetBoard => "fleet_board",
            KeyAction::SortColumn => "sort_column",
            KeyAction::SortReverse => "sort_reverse",
            KeyAction::GroupRows => "group_rows",
            KeyAction::ExportCsv => "export_csv",
            KeyAction::ExportJson => "export_json",
            KeyAction::RowDetail => "row_detail",
            KeyAction::OpenTemplates => "open_templates",
            KeyAction::FilterOutcome => "filter_outcome",
            KeyAction::FilterCategory => "filter_category",
            KeyAction::FilterStatus => "filter_status",
            KeyAction::ToggleMode => "toggle_mode",
            KeyAction::MigrateTemplates => "migrate_templates",
            KeyAction::RetryFailed => "retry_failed",
        }
    }
}

/// One key with its modifiers, as written in the keymap (`ctrl-c`, `G`, `PageDown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    /// Parses the keymap syntax; the error is an operator sentence.
    pub fn parse(raw: &str) -> Result<KeySpec, String> {
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
                f if f.starts_with('F')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().expect("checked above"))
                }
                _ => {
                    return Err(format!(
                        "'{raw}' is not a key: use a character, a name like Enter, Esc, Tab, Up, PageDown, F5, optionally with ctrl- or alt-."
                    ));
                }
            },
        };
        Ok(KeySpec { code, ctrl, alt })
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

/// The bindings in effect: for each action, its keys (defaults patched by the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(KeyAction, Vec<KeySpec>)>,
}

impl Keymap {
    /// The embedded bindings with `overrides` (action name → list of keys) applied.
    pub fn load(overrides: &toml::Table) -> Result<Keymap, String> {
        let defaults: toml::Table = toml::from_str(DEFAULT_KEYMAP)
            .map_err(|e| format!("the embedded keymap is broken: {e}"))?;
        if let Some(unknown) = overrides
            .keys()
            .find(|k| !KeyAction::ALL.iter().any(|a| a.name() == k.as_str()))
        {
            return Err(format!(
                "The [keys] section names an unknown action '{unknown}': known actions are {}.",
                KeyAction::ALL.map(KeyAction::name).join(", ")
            ));
        }
        let bindings = KeyAction::ALL
            .iter()
            .map(|action| {
                let value = overrides
                    .get(action.name())
                    .or_else(|| defaults.get(action.name()))
                    .ok_or_else(|| format!("the embedded keymap lacks '{}'", action.name()))?;
                Ok((*action, parse_keys(action.name(), value)?))
            })
            .collect::<Result<_, String>>()?;
        Ok(Keymap { bindings })
    }

    /// The action bound to a pressed key, if any (first match in help order).
    pub fn action_for(&self, key: &KeyEvent) -> Option<KeyAction> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.matches(key)))
            .map(|(action, _)| *action)
    }

    /// Whether `key` is one of `action`'s keys. A screen that gives a key its own meaning
    /// (the fleet board's `G`) asks this first, as `action_for` returns only the first
    /// action bound to a key.
    pub fn is_bound(&self, action: KeyAction, key: &KeyEvent) -> bool {
        self.bindings
            .iter()
            .any(|(a, keys)| *a == action && keys.iter().any(|k| k.matches(key)))
    }

    /// The keys of an action, as the help screen writes them (`q`, `↑/k`).
    pub fn keys_label(&self, action: KeyAction) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, keys)| {
                keys.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// The first key of an action, for short hints in the status line.
    pub fn first_key(&self, action: KeyAction) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, keys)| keys.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

fn parse_keys(action: &str, value: &toml::Value) -> Result<Vec<KeySpec>, String> {
    let list = value.as_array().ok_or_else(|| {
        format!("Keys for '{action}' must be a list, e.g. {action} = [\"x\", \"F5\"].")
    })?;
    list.iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| format!("Keys for '{action}' must be text."))
                .and_then(|raw| KeySpec::parse(raw).map_err(|e| format!("Key for '{action}': {e}")))
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
    fn defaults_cover_every_action_and_vim_keys() {
        let map = Keymap::load(&toml::Table::new()).unwrap();
        for action in KeyAction::ALL {
            assert!(!map.keys_label(action).is_empty(), "{action:?} unbound");
        }
        assert_eq!(
            map.action_for(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(KeyAction::Down)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(KeyAction::Bottom)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(KeyAction::ForceQuit)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(KeyAction::PreviousPane)
        );
        assert_ne!(
            map.action_for(&press(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(KeyAction::ForceQuit),
            "modifiers are part of the key"
        );
    }

    #[test]
    fn config_overrides_replace_an_actions_keys_and_bad_keys_are_explained() {
        let overrides: toml::Table = toml::from_str(r#"refresh = ["ctrl-r", "F6"]"#).unwrap();
        let map = Keymap::load(&overrides).unwrap();
        assert_eq!(map.keys_label(KeyAction::Refresh), "ctrl-r/F6");
        assert_eq!(
            map.action_for(&press(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
        let bad: toml::Table = toml::from_str(r#"refresh = ["Hyper"]"#).unwrap();
        assert!(
            Keymap::load(&bad)
                .unwrap_err()
                .contains("'Hyper' is not a key")
        );
        let unknown: toml::Table = toml::from_str(r#"explode = ["x"]"#).unwrap();
        assert!(Keymap::load(&unknown).unwrap_err().contains("explode"));
    }
}
