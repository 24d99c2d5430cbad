//! `wamigrate completions bash|zsh|fish` and `wamigrate man`: each prints a script or a
//! page naming the commands, exits 0, and needs no config or backend.

use std::process::Command;

mod common;

fn run(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(common::binary())
        .args(args)
        // A config path that does not exist: these commands must not read one.
        .env("WAMIGRATE_CONFIG", dir.path().join("missing.toml"))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn completions_for_each_shell_name_the_subcommands_and_exit_zero() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef wamigrate"),
        ("fish", "complete -c wamigrate"),
    ] {
        let (code, script) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains(marker), "{shell}: {script}");
        for subcommand in ["status", "migrate", "journal", "completions", "man"] {
            assert!(script.contains(subcommand), "{shell} lacks {subcommand}");
        }
    }
    let (code, _) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn man_prints_the_page_and_writes_one_per_command_with_dir() {
    let (code, page) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") || page.contains(".TH wamigrate"),
        "{page}"
    );
    assert!(page.contains("completions"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let (code, _) = run(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(code, 0);
    for file in ["wamigrate.1", "wamigrate-status.1", "wamigrate-migrate.1"] {
        let text = std::fs::read_to_string(pages.join(file)).unwrap();
        assert!(text.contains(".TH"), "{file}: {text}");
    }
}
