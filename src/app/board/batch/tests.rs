//! Multi-select on the board into a batch: Space and `*`, the batch page's plan (the
//! ops batch planner: validation and one run per number), the start of the batch in
//! the wizard, and the wizard opened again for each number as the job starts it.

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::{Action, Effect};
use crate::app::state::{LogEntry, PickerKind, Popup, State};
use crate::app::ui::tests::{default_theme, render, text};
use crate::app::update::update;
use crate::app::wizard::{Page, RunOutcome, RunStart, RunSummary, WizardEvent};
use crate::domain::fleet::{FleetRow, RowOrigin};
use crate::testkit::fleet::{board_state, fleet_rows};

/// A WABA no row belongs to: the batch's destination.
const DESTINATION: &str = "109999999999999";

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(state: &mut State, typed: &str) {
    for c in typed.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn board(width: u16, height: u16) -> State {
    board_state(&fleet_rows(40), width, height, Instant::now())
}

/// The first three rows of the view selected with Space.
fn three_selected(width: u16, height: u16) -> State {
    let mut state = board(width, height);
    for _ in 0..3 {
        key(&mut state, KeyCode::Char(' '));
        key(&mut state, KeyCode::Down);
    }
    state
}

fn shown_ids(state: &State) -> Vec<String> {
    state.board.view_rows().map(|r| r.id.clone()).collect()
}

#[test]
fn space_toggles_the_row_and_star_selects_every_row_the_filter_shows() {
    let mut state = board(120, 40);
    let first = shown_ids(&state)[0].clone();
    key(&mut state, KeyCode::Char(' '));
    assert!(state.board.selection.contains(&first));
    key(&mut state, KeyCode::Char(' '));
    assert!(state.board.selection.is_empty(), "Space again unselects");

    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "status:FLAGGED");
    key(&mut state, KeyCode::Enter);
    let flagged = shown_ids(&state);
    assert!(!flagged.is_empty() && flagged.len() < 40);
    key(&mut state, KeyCode::Char('*'));
    assert_eq!(state.board.selection.len(), flagged.len());
    assert!(flagged.iter().all(|id| state.board.selection.contains(id)));
    key(&mut state, KeyCode::Char('*'));
    assert!(state.board.selection.is_empty(), "* again unselects them");
}

#[test]
fn a_channel_without_a_graph_number_is_not_selectable() {
    // 1% of the generated fleet are 360dialog-only channels.
    let mut state = board_state(&fleet_rows(200), 120, 40, Instant::now());
    let position = state
        .board
        .view_rows()
        .position(|r| r.origin == RowOrigin::PartnerOnly)
        .expect("the demo fleet has a 360dialog-only channel");
    state.board.cursor.selected = position;
    key(&mut state, KeyCode::Char(' '));
    assert!(state.board.selection.is_empty());
    let notice = state.board.notice.clone().unwrap();
    assert!(
        notice.is_error && notice.text.contains("cannot migrate"),
        "{notice:?}"
    );
}

#[test]
fn migrate_selected_asks_for_a_selection_then_a_destination_with_the_picker() {
    let mut state = board(120, 40);
    state.destination = None;
    assert!(key(&mut state, KeyCode::Char('m')).is_empty());
    assert!(state.board.batch.page.is_none());
    assert!(
        state
            .board
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing selected")
    );

    let mut state = three_selected(120, 40);
    state.destination = None;
    key(&mut state, KeyCode::Char('m'));
    assert!(state.board.batch.page.is_some());
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "no destination: nothing starts"
    );
    let page = text(&render(&state, &default_theme()));
    assert!(page.contains("no destination WABA yet"), "{page}");
    key(&mut state, KeyCode::Char('d'));
    assert!(matches!(
        &state.popup,
        Some(Popup::Picker(p)) if p.kind == PickerKind::Destination
    ));
}

#[test]
fn enter_starts_one_batch_with_each_selected_number_to_the_destination() {
    let mut state = three_selected(120, 40);
    let selected: Vec<FleetRow> = state.board.selected_rows().into_iter().cloned().collect();
    state.destination = Some(DESTINATION.into());
    key(&mut state, KeyCode::Char('m'));
    let effects = key(&mut state, KeyCode::Enter);
    let [Effect::StartBatch(orders)] = effects.as_slice() else {
        panic!("one batch: {effects:?}");
    };
    let requests: Vec<_> = orders
        .iter()
        .map(|order| match &order.start {
            RunStart::New(request) => request.clone(),
            RunStart::Resume(id) => panic!("a batch starts new runs, not {id}"),
        })
        .collect();
    assert_eq!(requests.len(), 3);
    for (request, row) in requests.iter().zip(&selected) {
        assert_eq!(request.number, row.id);
        assert_eq!(
            request.source_waba_id.as_deref(),
            Some(row.waba_id.as_str())
        );
        assert_eq!(request.destination_waba_id.as_deref(), Some(DESTINATION));
        assert_eq!(request.scenario, state.scenario);
    }
    assert!(
        state.board.selection.is_empty(),
        "the selection went into the batch"
    );
    let wizard = state.wizard.as_ref().unwrap();
    assert_eq!(wizard.page, Page::Run);
    let run = wizard.run.as_ref().unwrap();
    assert!(run.log.iter().any(|l| l.contains("Batch: number 1 of 3")));
    assert_eq!(run.number, selected[0].label());
}

#[test]
fn a_number_selected_twice_runs_once_and_a_row_of_the_destination_refuses_the_batch() {
    let mut rows = fleet_rows(40);
    // Two Graph ids for one display number (as after a re-add in another WABA).
    let twin = rows[0].display_phone_number.clone();
    rows[1].display_phone_number = twin;
    let mut state = board_state(&rows, 120, 40, Instant::now());
    key(&mut state, KeyCode::Char('*'));
    let selectable = state.board.selected_rows().len();
    state.destination = Some(DESTINATION.into());
    let plan = super::plan(&state).unwrap();
    assert_eq!(plan.runs.len(), selectable - 1);
    assert_eq!(plan.left_out.len(), 1);

    // Every row's WABA is a source: one of them as destination is refused, with why.
    state.destination = Some(rows[0].waba_id.clone());
    let refused = super::plan(&state).unwrap_err();
    assert!(refused.contains("the same WABA"), "{refused}");
    key(&mut state, KeyCode::Char('m'));
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.wizard.is_none());
}

fn started(number: &str) -> WizardEvent {
    WizardEvent::Started {
        migration_id: format!("mig-{number}"),
        journal: PathBuf::from("/nonexistent/journal.jsonl"),
        scenario: None,
        number: number.to_string(),
        plan: Vec::new(),
        done: Vec::new(),
    }
}

fn ended(outcome: RunOutcome) -> WizardEvent {
    WizardEvent::Ended(RunSummary {
        outcome,
        report: None,
    })
}

#[test]
fn each_number_of_the_batch_opens_the_run_page_afresh_and_the_end_is_counted() {
    let mut state = three_selected(120, 40);
    state.destination = Some(DESTINATION.into());
    key(&mut state, KeyCode::Char('m'));
    key(&mut state, KeyCode::Enter);
    let labels = state.board.batch.run.as_ref().unwrap().labels.clone();

    update(&mut state, Action::Wizard(started(&labels[0])));
    update(&mut state, Action::Wizard(ended(RunOutcome::Completed)));
    assert!(
        state
            .wizard
            .as_ref()
            .unwrap()
            .run
            .as_ref()
            .unwrap()
            .end
            .is_some()
    );
    // The operator closes the finished page; the next number opens it again.
    key(&mut state, KeyCode::Esc);
    assert!(state.wizard.is_none());
    update(&mut state, Action::Wizard(started(&labels[1])));
    let run = state.wizard.as_ref().unwrap().run.as_ref().unwrap();
    assert!(run.end.is_none(), "a fresh run page");
    assert!(run.log.iter().any(|l| l.contains("Batch: number 2 of 3")));
    assert_eq!(run.number, format!("{} · 2 of 3 in the batch", labels[1]));
    update(
        &mut state,
        Action::Wizard(ended(RunOutcome::JournalError("locked".into()))),
    );
    // Without closing the page, the next start replaces it.
    update(&mut state, Action::Wizard(started(&labels[2])));
    let run = state.wizard.as_ref().unwrap().run.as_ref().unwrap();
    assert!(run.log.iter().any(|l| l.contains("Batch: number 3 of 3")));
    update(&mut state, Action::Wizard(ended(RunOutcome::Completed)));

    let batch = state.board.batch.run.as_ref().unwrap();
    assert!(!batch.is_running());
    assert_eq!(batch.outcomes[1], "not started: locked");
    let notice = state.board.notice.as_ref().unwrap();
    assert!(notice.text.contains("2 of 3 completed"), "{notice:?}");
    let logged = state
        .log
        .iter()
        .filter(
            |l| matches!(&l.entry, LogEntry::Notice { text, .. } if text.starts_with("batch: ")),
        )
        .count();
    assert_eq!(logged, 3, "each number's end is in the log");
}

#[test]
fn board_with_a_selection_snapshots() {
    for (width, height) in [(80, 24), (120, 40)] {
        let state = three_selected(width, height);
        let screen = text(&render(&state, &default_theme()));
        assert!(screen.contains("● 3 selected"), "{screen}");
        assert_eq!(
            screen.matches('●').count(),
            4,
            "three marks and the count: {screen}"
        );
        insta::assert_snapshot!(format!("board_selection_{width}x{height}"), screen);
    }
}

#[test]
fn batch_page_snapshot_120x40() {
    let mut state = three_selected(120, 40);
    state.destination = Some(DESTINATION.into());
    key(&mut state, KeyCode::Char('m'));
    let screen = text(&render(&state, &default_theme()));
    assert!(screen.contains("3 numbers · scenario"), "{screen}");
    insta::assert_snapshot!("batch_page_120x40", screen);
}
