//! The README's key tables are the keymap's: each screen's table sits between
//! `<!-- keys:<screen> -->` and `<!-- /keys:<screen> -->` and must equal
//! [`markdown_table`] of the default keymap. `WAMIGRATE_UPDATE_README=1 cargo test --lib
//! readme` rewrites them after a change to `assets/keymap.toml`.

use std::path::Path;

use strum::IntoEnumIterator;

use super::markdown_table;
use crate::app::keymap::{Keymap, Screen};

/// The README with each screen's table replaced by the keymap's; the screens whose
/// table differed.
fn regenerated(readme: &str, keymap: &Keymap) -> (String, Vec<Screen>) {
    let mut text = readme.to_string();
    let mut stale = Vec::new();
    for screen in Screen::iter() {
        let (open, close) = (
            format!("<!-- keys:{screen} -->\n"),
            format!("<!-- /keys:{screen} -->"),
        );
        let start = text
            .find(&open)
            .unwrap_or_else(|| panic!("README.md has no {open}"))
            + open.len();
        let end = start
            + text[start..]
                .find(&close)
                .unwrap_or_else(|| panic!("README.md has no {close}"));
        let table = markdown_table(keymap, screen);
        if text[start..end] != table {
            stale.push(screen);
            text.replace_range(start..end, &table);
        }
    }
    (text, stale)
}

#[test]
fn the_readme_key_tables_are_the_keymap_s() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let keymap = Keymap::load(&toml::Table::new()).unwrap();
    let (text, stale) = regenerated(&readme, &keymap);
    if std::env::var_os("WAMIGRATE_UPDATE_README").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "README.md's key tables of {stale:?} differ from assets/keymap.toml; run \
         WAMIGRATE_UPDATE_README=1 cargo test --lib readme"
    );
}

#[test]
fn a_table_lists_every_key_of_its_screen_and_nothing_else() {
    let keymap = Keymap::load(&toml::Table::new()).unwrap();
    let board = markdown_table(&keymap, Screen::Board);
    assert!(board.starts_with("| key | action |\n|---|---|\n"));
    assert!(board.contains("| `G` | board: group rows"), "{board}");
    assert!(board.contains("| `↑` `k` |"), "{board}");
    assert_eq!(
        board.lines().count(),
        2 + keymap.bindings(Screen::Board).count()
    );
    assert!(!markdown_table(&keymap, Screen::Main).contains("board: group rows"));
}

#[test]
fn a_long_description_goes_on_under_itself_and_no_line_is_wider_than_the_popup() {
    use unicode_width::UnicodeWidthStr;

    use super::lines;
    use crate::app::keymap::KeyAction;
    use crate::app::strings::describe_on;

    let keymap = Keymap::load(&toml::Table::new()).unwrap();
    let width = 76;
    for screen in Screen::iter() {
        let shown: Vec<String> = lines(&keymap, screen, width)
            .iter()
            .map(|l| l.text())
            .collect();
        for line in &shown {
            assert!(line.width() <= width, "{screen}: {line:?}");
        }
        // Every description is there in full, its words in order.
        let words: Vec<&str> = shown.iter().flat_map(|l| l.split_whitespace()).collect();
        let all = words.join(" ");
        for (action, _) in keymap.bindings(screen) {
            let description = describe_on(screen, action);
            let wanted = description.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(all.contains(&wanted), "{screen}: {description:?} cut");
        }
    }
    // The case this test is for: a description longer than the room beside its keys.
    let recheck = describe_on(Screen::Main, KeyAction::Refresh);
    assert!(recheck.width() > width - 20, "{recheck}");
}
