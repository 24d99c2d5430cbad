//! The journals screen: the listing of this backend's journals (newest first), a
//! report, a resume into the wizard's run page, an abandonment after a yes (the same
//! ops call as `wamigrate journal abandon`), and snapshots at 80x24 and 120x40.

use std::path::Path;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::jobs::answer;
use super::*;
use crate::app::action::Action;
use crate::app::ui::tests::{default_theme, render, text};
use crate::app::update::update;
use crate::app::wizard::Page;
use crate::domain::journal::{Backend, MigrationId, Record, RunStatus, Stamp};
use crate::domain::plan::plan;
use crate::ops::journal_store::{self, JournalFile};
use crate::testkit::demo::{Portfolio, loaded_state};

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn backend(instance: &str) -> Backend {
    Backend::test_sandbox(instance)
}

/// Writes the first record of a migration of `number` started at `at` (seconds after
/// a fixed instant, so ids order as starts do).
fn journal(data_dir: &Path, at: i64, number: &str, of: &Backend) -> MigrationId {
    let start = time::OffsetDateTime::from_unix_timestamp(1_795_000_000 + at).unwrap();
    let id = MigrationId::new(start);
    let started = Record::Started {
        migration_id: id.to_string(),
        scenario: Scenario::ToNewWaba,
        number: number.into(),
        source_waba_id: Some("104996122399160".into()),
        destination_waba_id: Some("104996122399161".into()),
        plan: plan(Scenario::ToNewWaba).iter().map(|s| s.id).collect(),
        operator: "ops".into(),
        backend: Some(of.clone()),
        at: Stamp::now(),
    };
    drop(JournalFile::create(data_dir, &id, &started).unwrap());
    id
}

fn screen(width: u16, height: u16) -> State {
    loaded_state(&Portfolio::new(40), width, height, Instant::now())
}

/// The screen opened with `H`, answered by the worker's code on `data_dir`.
fn opened(data_dir: &Path, of: &Backend) -> State {
    let mut state = screen(120, 40);
    let effects = key(&mut state, KeyCode::Char('H'));
    assert_eq!(effects, vec![Effect::Journals(JournalsCommand::List)]);
    update(
        &mut state,
        Action::Journals(answer(JournalsCommand::List, data_dir, of)),
    );
    state
}

fn rows(state: &State) -> Vec<JournalRow> {
    match &state.journals.as_ref().unwrap().rows {
        Some(Ok(rows)) => rows.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_list_holds_this_backends_journals_newest_first() {
    let data_dir = tempfile::tempdir().unwrap();
    let ours = backend("world-a");
    let older = journal(data_dir.path(), 0, "+16315550101", &ours);
    let newer = journal(data_dir.path(), 60, "+16315550102", &ours);
    journal(data_dir.path(), 30, "+16315550103", &backend("world-b"));
    let state = opened(data_dir.path(), &ours);
    let rows = rows(&state);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [newer.as_str(), older.as_str()],
        "another world's is not listed"
    );
    assert_eq!(rows[0].number, "+16315550102");
    assert_eq!(rows[0].scenario, Some(Scenario::ToNewWaba));
    assert!(rows[0].open && rows[0].state.starts_with("in progress at "));
}

#[test]
fn enter_shows_the_report_and_r_resumes_in_the_wizards_run_page() {
    let data_dir = tempfile::tempdir().unwrap();
    let ours = backend("world-a");
    let id = journal(data_dir.path(), 0, "+16315550101", &ours);
    let mut state = opened(data_dir.path(), &ours);
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        vec![Effect::Journals(JournalsCommand::Report(id.to_string()))]
    );
    let event = answer(
        JournalsCommand::Report(id.to_string()),
        data_dir.path(),
        &ours,
    );
    update(&mut state, Action::Journals(event));
    let shown = text(&render(&state, &default_theme()));
    assert!(shown.contains(&format!("Audit report of {id}")), "{shown}");
    assert!(shown.contains("+16315550101"), "{shown}");
    key(&mut state, KeyCode::Esc);
    assert!(state.journals.as_ref().unwrap().report.is_none());

    // A batch between two numbers owns the runner: no resume meanwhile.
    state.board.batch.run = Some(crate::app::board::batch::BatchRun {
        labels: vec!["+16315550108".into()],
        outcomes: Vec::new(),
    });
    assert!(key(&mut state, KeyCode::Char('R')).is_empty());
    assert!(state.wizard.is_none());
    state.board.batch.run = None;
    let effects = key(&mut state, KeyCode::Char('R'));
    let [Effect::StartMigration(order)] = effects.as_slice() else {
        panic!("R resumes: {effects:?}");
    };
    assert_eq!(order.start, RunStart::Resume(id.to_string()));
    let wizard = state.wizard.as_ref().unwrap();
    assert_eq!(wizard.page, Page::Run);
    assert_eq!(wizard.run.as_ref().unwrap().number, "+16315550101");
}

#[test]
fn abandon_asks_first_then_ends_the_journal_for_good_and_the_list_says_so() {
    let data_dir = tempfile::tempdir().unwrap();
    let ours = backend("world-a");
    let id = journal(data_dir.path(), 0, "+16315550101", &ours);
    let mut state = opened(data_dir.path(), &ours);
    assert!(
        key(&mut state, KeyCode::Char('A')).is_empty(),
        "A only asks"
    );
    let asked = text(&render(&state, &default_theme()));
    assert!(
        asked.contains(&format!("Abandon migration {id}")),
        "{asked}"
    );
    assert!(key(&mut state, KeyCode::Char('n')).is_empty(), "n keeps it");
    key(&mut state, KeyCode::Char('A'));
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::Journals(JournalsCommand::Abandon(id.to_string()))]
    );
    let event = answer(
        JournalsCommand::Abandon(id.to_string()),
        data_dir.path(),
        &ours,
    );
    let effects = update(&mut state, Action::Journals(event));
    assert_eq!(effects, vec![Effect::Journals(JournalsCommand::List)]);
    let notice = state.journals.as_ref().unwrap().notice.clone().unwrap();
    assert!(notice.0.contains("is abandoned; report: "), "{notice:?}");
    let replayed = journal_store::read_state(data_dir.path(), &id).unwrap();
    assert_eq!(replayed.status(), RunStatus::Abandoned);

    update(
        &mut state,
        Action::Journals(answer(JournalsCommand::List, data_dir.path(), &ours)),
    );
    assert_eq!(rows(&state)[0].state, "abandoned");
    // An ended journal is neither resumed nor abandoned again.
    assert!(key(&mut state, KeyCode::Char('R')).is_empty());
    assert!(key(&mut state, KeyCode::Char('A')).is_empty());
    assert!(
        state
            .journals
            .as_ref()
            .unwrap()
            .confirming_abandon
            .is_none()
    );
    assert!(state.wizard.is_none());
}

#[test]
fn the_palette_opens_the_journals_screen() {
    let mut state = screen(120, 40);
    key(&mut state, KeyCode::Char(':'));
    for c in "journals".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::Journals(JournalsCommand::List)]);
    assert!(state.journals.is_some());
    key(&mut state, KeyCode::Esc);
    assert!(state.journals.is_none(), "Esc goes back to the main screen");
}

/// Fixed rows, so the snapshot does not depend on the clock.
fn fixed_rows() -> Vec<JournalRow> {
    let row = |id: &str, number: &str, state: &str, open: bool, started: &str| JournalRow {
        id: id.into(),
        number: number.into(),
        scenario: Some(Scenario::ToNewWaba),
        state: state.into(),
        open,
        started_at: started.into(),
    };
    vec![
        row(
            "m-20261201T030500-a1b2",
            "+16315550101",
            "in progress at Register",
            true,
            "2026-12-01T03:05:00Z",
        ),
        row(
            "m-20261130T170000-c3d4",
            "+16315550102",
            "completed",
            false,
            "2026-11-30T17:00:00Z",
        ),
        row(
            "m-20261129T090000-e5f6",
            "+4930123456",
            "abandoned",
            false,
            "2026-11-29T09:00:00Z",
        ),
    ]
}

#[test]
fn journals_screen_snapshots() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = screen(width, height);
        key(&mut state, KeyCode::Char('H'));
        update(
            &mut state,
            Action::Journals(JournalsEvent::Listed(Ok(fixed_rows()))),
        );
        let shown = text(&render(&state, &default_theme()));
        assert!(
            shown.contains("+16315550101") && shown.contains("abandoned"),
            "{shown}"
        );
        insta::assert_snapshot!(format!("journals_{width}x{height}"), shown);
    }
}
