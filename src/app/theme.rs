//! Styles as data: `assets/theme.toml` (embedded) picked by `settings.theme`, single
//! styles overridden from the config file's `[theme]`, colours dropped under NO_COLOR.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use strum::{EnumCount, IntoEnumIterator};

/// The embedded theme file; the source of every default style.
const THEMES: &str = include_str!("../../assets/theme.toml");

/// What a style means on screen; each role has one entry per theme in `theme.toml`,
/// named in snake case (`border_focused`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::EnumCount, strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Text,
    Muted,
    Title,
    Border,
    BorderFocused,
    Header,
    Selected,
    BadgeSandbox,
    BadgeLive,
    Pass,
    Fail,
    Warn,
    Unknown,
    Checking,
    Error,
    Key,
    Match,
    /// Words only in the source of a component diff.
    DiffRemoved,
    /// Words only in the destination of a component diff.
    DiffAdded,
    /// Template parameters (`{{1}}`, `{{name}}`).
    Placeholder,
}

impl Role {
    /// The key of the role in `theme.toml`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Why a theme could not be loaded: an operator sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ThemeError(String);

/// A resolved set of styles, one per [`Role`].
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    styles: [Style; Role::COUNT],
}

impl Theme {
    /// Loads theme `name` from the embedded file, applies `overrides` and, when
    /// `no_color` is set, removes every colour (modifiers stay, so does meaning).
    pub fn load(name: &str, overrides: &toml::Table, no_color: bool) -> Result<Theme, ThemeError> {
        let themes: toml::Table = toml::from_str(THEMES)
            .map_err(|e| ThemeError(format!("the embedded theme file is broken: {e}")))?;
        let base = themes
            .get(name)
            .and_then(toml::Value::as_table)
            .ok_or_else(|| {
                let known: Vec<&str> = themes.keys().map(String::as_str).collect();
                ThemeError(format!(
                    "There is no theme '{name}': known themes are {}.",
                    known.join(", ")
                ))
            })?;
        let mut styles = [Style::default(); Role::COUNT];
        for (slot, role) in styles.iter_mut().zip(Role::iter()) {
            let mut style = match base.get(role.name()) {
                Some(value) => parse_style(role.name(), value)?,
                None => Style::default(),
            };
            if let Some(value) = overrides.get(role.name()) {
                style = style.patch(parse_style(role.name(), value)?);
            }
            if no_color {
                style.fg = None;
                style.bg = None;
            }
            *slot = style;
        }
        if let Some(unknown) = overrides
            .keys()
            .find(|k| !Role::iter().any(|r| r.name() == k.as_str()))
        {
            return Err(ThemeError(format!(
                "The [theme] section names an unknown style '{unknown}': known styles are {}.",
                Role::iter().map(Role::name).collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(Theme { styles })
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        // Declaration order is the table's order: the discriminant is the index.
        self.styles[role as usize]
    }
}

/// Whether the NO_COLOR convention asks for no colours (set and non-empty).
pub fn no_color_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

fn parse_style(name: &str, value: &toml::Value) -> Result<Style, ThemeError> {
    style_of(name, value).map_err(ThemeError)
}

fn style_of(name: &str, value: &toml::Value) -> Result<Style, String> {
    let table = value
        .as_table()
        .ok_or_else(|| format!("Theme style '{name}' must be a table like {{ fg = \"red\" }}."))?;
    let mut style = Style::default();
    for (key, value) in table {
        let text = |v: &toml::Value| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("Theme style '{name}': {key} must be text."))
        };
        match key.as_str() {
            "fg" => style = style.fg(parse_color(name, &text(value)?)?),
            "bg" => style = style.bg(parse_color(name, &text(value)?)?),
            "modifiers" => {
                let list = value.as_array().ok_or_else(|| {
                    format!("Theme style '{name}': modifiers must be a list like [\"bold\"].")
                })?;
                for m in list {
                    style = style.add_modifier(parse_modifier(name, &text(m)?)?);
                }
            }
            other => {
                return Err(format!(
                    "Theme style '{name}' has an unknown key '{other}': use fg, bg or modifiers."
                ));
            }
        }
    }
    Ok(style)
}

fn parse_color(name: &str, raw: &str) -> Result<Color, String> {
    Color::from_str(raw).map_err(|_| {
        format!("Theme style '{name}': '{raw}' is not a colour (use a name like red or #rrggbb).")
    })
}

fn parse_modifier(name: &str, raw: &str) -> Result<Modifier, String> {
    Ok(match raw {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => {
            return Err(format!(
                "Theme style '{name}': '{raw}' is not a modifier (bold, dim, italic, underlined, reversed, crossed_out)."
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_embedded_themes_load_and_define_every_role() {
        let themes: toml::Table = toml::from_str(THEMES).unwrap();
        for name in ["default", "high-contrast"] {
            let table = themes[name].as_table().unwrap();
            for role in Role::iter() {
                assert!(
                    table.contains_key(role.name()),
                    "{name} lacks {}",
                    role.name()
                );
            }
            Theme::load(name, &toml::Table::new(), false).unwrap();
        }
    }

    #[test]
    fn overrides_patch_and_no_color_keeps_modifiers() {
        let overrides: toml::Table = toml::from_str("[fail]\nfg = \"magenta\"").unwrap();
        let theme = Theme::load("default", &overrides, false).unwrap();
        assert_eq!(theme.style(Role::Fail).fg, Some(Color::Magenta));
        assert!(
            theme
                .style(Role::Fail)
                .add_modifier
                .contains(Modifier::BOLD)
        );
        let plain = Theme::load("default", &overrides, true).unwrap();
        assert_eq!(plain.style(Role::Fail).fg, None);
        assert!(
            plain
                .style(Role::Fail)
                .add_modifier
                .contains(Modifier::BOLD)
        );
    }

    #[test]
    fn unknown_names_are_operator_sentences() {
        assert!(
            Theme::load("neon", &toml::Table::new(), false)
                .unwrap_err()
                .to_string()
                .contains("high-contrast")
        );
        let bad: toml::Table = toml::from_str("[failz]\nfg = \"red\"").unwrap();
        assert!(
            Theme::load("default", &bad, false)
                .unwrap_err()
                .to_string()
                .contains("failz")
        );
    }
}
