//! Board transitions through the real `update`: opening and loading with progress,
//! sorting, filtering, grouping, change marks, stale answers, export and Enter.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::api::ApiError;
use crate::app::action::{Action, ApiRequest};
use crate::app::state::{Pane, State};
use crate::app::update::update;
use crate::domain::fleet::sort_indices;
use crate::testkit::demo::{Portfolio, loaded_state};
use crate::testkit::fleet::{board_state, fleet_rows, refresh_events};

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn deliver(state: &mut State, event: BoardEvent) {
    update(state, Action::Board(Box::new(event)));
}

/// The one refresh a list of effects asks for.
fn refresh_read(effects: &[Effect]) -> &FleetRead {
    match effects {
        [Effect::Board(BoardCommand::Refresh(read))] => read,
        other => panic!("expected one refresh, got {other:?}"),
    }
}

fn board(count: usize) -> State {
    board_state(&fleet_rows(count), 120, 40, Instant::now())
}

/// Ids of the rows in view, in view order.
fn view_ids(state: &State) -> Vec<String> {
    state.board.view_rows().map(|r| r.id.clone()).collect()
}

fn selected_id(state: &State) -> String {
    state
        .board
        .selected_row()
        .expect("a row selected")
        .id
        .clone()
}

#[test]
fn f_opens_the_board_which_loads_waba_by_waba_with_progress() {
    let mut state = loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
    let effects = key(&mut state, KeyCode::Char('f'));
    assert!(state.board.open);
    let read = refresh_read(&effects).clone();
    assert_eq!(
        read.query.waba_ids.as_ref().map(Vec::len),
        Some(3),
        "the WABAs the main screen found"
    );
    assert!(!state.board.loaded && state.board.refresh.is_some());

    let rows = fleet_rows(40);
    let events = refresh_events(read.request_id, &rows);
    let (finished, progress) = events.split_last().unwrap();
    let rows_of = |event: &BoardEvent| match event {
        BoardEvent::Refresh {
            progress: FleetEvent::Waba {
                result: Ok(rows), ..
            },
            ..
        } => rows.len(),
        _ => 0,
    };
    for (step, event) in progress.iter().enumerate().take(4) {
        deliver(&mut state, event.clone());
        let run = state.board.refresh.as_ref().unwrap();
        assert_eq!(run.gathered.wabas_total, Some(7));
        assert_eq!(
            run.gathered.wabas_done, step,
            "one WABA per event after the plan"
        );
    }
    // Rows show as each WABA arrives, not when every source answered: the first WABA's
    // rows are in view at once (the view is built when it was not built lately).
    let arrived: usize = progress[..4].iter().map(rows_of).sum();
    assert!(arrived > 0 && arrived < rows.len());
    assert!(
        state.board.loaded,
        "the board shows rows before the read ends"
    );
    assert_eq!(state.board.fleet.rows().len(), arrived);
    assert!(state.board.shown > 0, "the first WABA's rows are in view");
    for event in &progress[4..] {
        deliver(&mut state, event.clone());
    }
    // Within the rebuild interval the next arrivals wait for a tick to be shown.
    update(&mut state, Action::Tick(Instant::now() + VIEW_REBUILD));
    assert!(state.board.refresh.is_some(), "not finished yet");
    assert_eq!(
        state.board.shown,
        rows.len(),
        "every WABA's rows, before Finished"
    );
    state.last_synced = None;
    state.now += std::time::Duration::from_secs(30);
    deliver(&mut state, finished.clone());
    assert!(state.board.loaded && state.board.refresh.is_none());
    assert_eq!(
        state.last_synced,
        Some(state.now),
        "the top bar's synced counts a board refresh"
    );
    assert_eq!(state.board.shown, rows.len());
    assert_eq!(state.board.summary.total, rows.len());
    assert!(
        state.board.changed.is_empty(),
        "a first load changes nothing"
    );

    key(&mut state, KeyCode::Esc);
    assert!(!state.board.open, "Esc goes back to the main screen");
    let again = key(&mut state, KeyCode::Char('f'));
    assert!(again.is_empty(), "reopening shows the fleet already read");
}

#[test]
fn before_the_api_is_connected_the_first_read_waits_for_it() {
    let mut state = crate::testkit::demo::first_frame_state(120, 40, Instant::now());
    assert!(key(&mut state, KeyCode::Char('f')).is_empty());
    update(
        &mut state,
        Action::Connected(crate::connect::BackendLabel::Sandbox {
            base_url: "http://x".into(),
        }),
    );
    let effects = update(&mut state, Action::Tick(Instant::now()));
    let read = refresh_read(&effects);
    assert_eq!(
        read.query.waba_ids, None,
        "no WABA list yet: the worker finds them"
    );
}

#[test]
fn o_cycles_the_sort_column_and_capital_o_reverses_it() {
    let mut state = board(200);
    assert_eq!(state.board.sort, Column::Waba);
    key(&mut state, KeyCode::Char('o'));
    assert_eq!(state.board.sort, Column::Business);
    key(&mut state, KeyCode::Char('o'));
    key(&mut state, KeyCode::Char('o'));
    assert_eq!(state.board.sort, Column::Quality);
    let rows = state.board.fleet.rows();
    let mut expected: Vec<usize> = (0..rows.len()).collect();
    sort_indices(rows, &mut expected, Column::Quality, false);
    let expected: Vec<String> = expected.iter().map(|&i| rows[i].id.clone()).collect();
    assert_eq!(view_ids(&state), expected);
    assert_eq!(
        state
            .board
            .view_rows()
            .next()
            .unwrap()
            .quality_rating
            .as_deref(),
        Some("GREEN")
    );

    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('O'), KeyModifiers::SHIFT)),
    );
    assert!(state.board.descending);
    let first = state.board.view_rows().next().unwrap();
    assert_ne!(first.quality_rating.as_deref(), Some("GREEN"));
    for _ in 0..Column::ALL.len() {
        key(&mut state, KeyCode::Char('o'));
    }
    assert_eq!(state.board.sort, Column::Quality, "the cycle wraps");
}

#[test]
fn the_filter_narrows_the_view_and_a_broken_one_keeps_the_last_valid_view() {
    let mut state = board(200);
    key(&mut state, KeyCode::Char('/'));
    assert!(state.board.filter_editing);
    chars(&mut state, "status:FLAGGED");
    let flagged = view_ids(&state);
    assert!(!flagged.is_empty() && flagged.len() < 200);
    assert!(
        state
            .board
            .view_rows()
            .all(|r| r.status.as_deref() == Some("FLAGGED"))
    );
    assert_eq!(state.board.summary.total, flagged.len());

    chars(&mut state, ",");
    let error = state.board.filter_error.as_deref().expect("an error");
    assert!(error.contains("needs a value"), "{error}");
    assert_eq!(view_ids(&state), flagged, "the last valid view stays");

    key(&mut state, KeyCode::Backspace);
    assert_eq!(state.board.filter_error, None);
    chars(&mut state, " x:");
    assert!(
        state
            .board
            .filter_error
            .as_deref()
            .is_some_and(|e| e.contains("'x' is not a filter field"))
    );
    assert_eq!(
        view_ids(&state),
        flagged,
        "a term in error is left out: the text typed on the way to it does not empty the view"
    );
    for _ in 0..3 {
        key(&mut state, KeyCode::Backspace);
    }
    assert_eq!(state.board.filter_error, None);
    chars(&mut state, " quality:RED");
    assert!(
        state
            .board
            .view_rows()
            .all(|r| r.quality_rating.as_deref() == Some("RED"))
    );
    key(&mut state, KeyCode::Enter);
    assert!(!state.board.filter_editing);
    assert!(state.board.open);

    key(&mut state, KeyCode::Esc);
    assert_eq!(state.board.shown, 202, "Esc clears the filter first");
    assert!(state.board.open);
    key(&mut state, KeyCode::Esc);
    assert!(!state.board.open, "then goes back");
}

#[test]
fn capital_g_groups_by_waba_then_business_then_not_at_all() {
    let mut state = board(200);
    let group_key = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    update(&mut state, Action::Key(group_key));
    assert_eq!(state.board.grouping, Some(Grouping::Waba));
    let headers: Vec<(String, usize)> = state
        .board
        .lines
        .iter()
        .filter_map(|l| match l {
            BoardLine::Group { label, count } => Some((label.clone(), *count)),
            BoardLine::Row(_) => None,
        })
        .collect();
    assert_eq!(headers.len(), 8, "7 WABAs and the 360dialog-only channels");
    assert_eq!(headers.iter().map(|(_, n)| n).sum::<usize>(), 202);
    assert!(matches!(state.board.lines[0], BoardLine::Group { .. }));
    assert!(
        state.board.selected_row().is_some(),
        "the cursor skips to a row"
    );
    // Each header is followed by its own rows.
    let rows = state.board.fleet.rows();
    let mut current = String::new();
    for line in &state.board.lines {
        match line {
            BoardLine::Group { label, .. } => current.clone_from(label),
            BoardLine::Row(i) => assert_eq!(Column::Waba.value(&rows[*i]), current),
        }
    }

    update(&mut state, Action::Key(group_key));
    assert_eq!(state.board.grouping, Some(Grouping::Business));
    update(&mut state, Action::Key(group_key));
    assert_eq!(state.board.grouping, None);
    assert_eq!(
        state.board.lines.len(),
        202,
        "200 numbers, 2 channels of their own"
    );
}

#[test]
fn a_second_refresh_marks_changed_cells_with_their_old_value() {
    let mut state = board(40);
    let mut second = fleet_rows(40);
    let index = second
        .iter()
        .position(|r| r.status.as_deref() == Some("CONNECTED"))
        .unwrap();
    second[index].status = Some("FLAGGED".into());
    let changed_id = second[index].id.clone();
    let removed = second.pop().unwrap();
    let effects = key(&mut state, KeyCode::Char('r'));
    let read = refresh_read(&effects).clone();
    for event in refresh_events(read.request_id, &second) {
        deliver(&mut state, event);
    }
    assert_eq!(
        state.board.changes_of(&changed_id),
        [CellChange {
            column: Column::Status,
            old: "CONNECTED".into()
        }]
    );
    assert_eq!(state.board.changed.len(), 1);
    assert_eq!(state.board.removed, 1);
    assert!(state.board.fleet.rows().iter().all(|r| r.id != removed.id));

    // A third refresh with nothing different clears the marks.
    let effects = key(&mut state, KeyCode::Char('r'));
    let read = refresh_read(&effects).clone();
    for event in refresh_events(read.request_id, &second) {
        deliver(&mut state, event);
    }
    assert!(state.board.changed.is_empty() && state.board.removed == 0);
}

#[test]
fn a_failed_waba_keeps_its_rows_and_says_why_while_the_others_load() {
    let mut state = board(40);
    let effects = key(&mut state, KeyCode::Char('r'));
    let request_id = refresh_read(&effects).request_id;
    let mut events = refresh_events(request_id, &fleet_rows(40));
    let failed_waba = match &mut events[1] {
        BoardEvent::Refresh {
            progress: FleetEvent::Waba { waba_id, result },
            ..
        } => {
            *result = Err(ApiError::new(
                crate::api::ErrorClass::Permission,
                "GET /v25.0/x",
                "The token lacks a permission.",
            ));
            waba_id.clone()
        }
        other => panic!("{other:?}"),
    };
    for event in events {
        deliver(&mut state, event);
    }
    assert_eq!(state.board.shown, 40, "the failed WABA's rows stay");
    assert_eq!(state.board.removed, 0, "a failure is not a removal");
    assert_eq!(state.board.failures.len(), 1);
    assert!(state.board.failures[0].contains(&failed_waba));
    assert!(state.board.failures[0].contains("The token lacks a permission."));
    assert!(state.log.iter().any(|line| matches!(
        &line.entry,
        LogEntry::Notice { is_error: true, text } if text.contains(&failed_waba)
    )));
}

#[test]
fn answers_of_a_replaced_or_cancelled_refresh_are_dropped() {
    let mut state = board(40);
    let first = refresh_read(&key(&mut state, KeyCode::Char('r'))).request_id;
    let second = refresh_read(&key(&mut state, KeyCode::Char('r'))).request_id;
    assert_ne!(first, second);
    let mut other = fleet_rows(40);
    other[0].status = Some("BANNED".into());
    for event in refresh_events(first, &other) {
        state.dirty = false;
        deliver(&mut state, event);
        assert!(!state.dirty, "a stale answer does not even redraw");
    }
    let run = state.board.refresh.as_ref().expect("still waiting");
    assert_eq!((run.request_id, run.gathered.wabas_done), (second, 0));
    assert!(state.board.changed.is_empty());

    assert_eq!(
        key(&mut state, KeyCode::Esc),
        [Effect::Board(BoardCommand::CancelRefresh)]
    );
    assert!(state.board.refresh.is_none() && state.board.open);
    for event in refresh_events(second, &other) {
        deliver(&mut state, event);
    }
    assert!(
        state.board.changed.is_empty(),
        "cancelled answers are dropped"
    );
}

#[test]
fn e_and_capital_e_export_the_filtered_sorted_view() {
    let mut state = board(200);
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "quality:RED");
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Char('o'));
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('O'), KeyModifiers::SHIFT)),
    );
    let shown = view_ids(&state);
    let effects = key(&mut state, KeyCode::Char('e'));
    let [
        Effect::Board(BoardCommand::Export {
            rows,
            format: ExportFormat::Csv,
        }),
    ] = effects.as_slice()
    else {
        panic!("expected a CSV export, got {effects:?}");
    };
    assert_eq!(rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), shown);
    assert!(rows.len() < 200);
    let effects = update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT)),
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::Board(BoardCommand::Export {
            format: ExportFormat::Json,
            ..
        })]
    ));
    deliver(
        &mut state,
        BoardEvent::Exported {
            rows: rows.len(),
            result: Ok(PathBuf::from("/data/exports/fleet-20261125T160000Z.csv")),
        },
    );
    let notice = state.board.notice.as_ref().unwrap();
    assert!(
        notice
            .text
            .contains("/data/exports/fleet-20261125T160000Z.csv")
    );
}

#[test]
fn enter_opens_the_number_in_the_main_screen_with_its_checklist() {
    let mut state = board(40);
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Down);
    let row = state.board.selected_row().unwrap().clone();
    let effects = key(&mut state, KeyCode::Enter);
    assert!(!state.board.open);
    assert_eq!(state.source.as_deref(), Some(row.waba_id.as_str()));
    assert_eq!(state.selected_number.as_deref(), Some(row.id.as_str()));
    assert_eq!(state.focus, Pane::Checklist);
    let requests: Vec<&ApiRequest> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api { request, .. } => Some(request),
            _ => None,
        })
        .collect();
    assert!(requests.contains(&&ApiRequest::Numbers(row.waba_id.clone())));
    assert!(requests.contains(&&ApiRequest::Number(row.id.clone())));
}

#[test]
fn enter_on_a_360dialog_only_channel_explains_instead() {
    let mut state = board(200);
    key(&mut state, KeyCode::Char('/'));
    chars(&mut state, "\"360dialog only\"");
    key(&mut state, KeyCode::Enter);
    assert!(state.board.shown > 0);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.board.open);
    assert!(
        state
            .board
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("360dialog channel")
    );
}

#[test]
fn the_cursor_keeps_its_number_across_sorts_and_the_detail_shows_it() {
    let mut state = board(200);
    key(&mut state, KeyCode::PageDown);
    let id = selected_id(&state);
    key(&mut state, KeyCode::Char('o'));
    assert_eq!(selected_id(&state), id);
    let layout = BoardLayout::compute(state.screen, false, false).unwrap();
    let cursor = state.board.cursor;
    assert!(cursor.selected >= cursor.offset);
    assert!(cursor.selected < cursor.offset + layout.body.height as usize);
    key(&mut state, KeyCode::Char('i'));
    assert!(state.board.detail_open);
    key(&mut state, KeyCode::Esc);
    assert!(!state.board.detail_open && state.board.open);
}

#[test]
fn the_board_refreshes_itself_at_the_configured_interval() {
    let now = Instant::now();
    let mut state = board_state(&fleet_rows(40), 120, 40, now);
    assert!(update(&mut state, Action::Tick(now + Duration::from_secs(600))).is_empty());
    state.auto_refresh = Some(Duration::from_secs(60));
    let effects = key(&mut state, KeyCode::Char('r'));
    let read = refresh_read(&effects).clone();
    for event in refresh_events(read.request_id, &fleet_rows(40)) {
        deliver(&mut state, event);
    }
    let later = state.now + Duration::from_secs(59);
    assert!(update(&mut state, Action::Tick(later)).is_empty());
    let due = update(&mut state, Action::Tick(later + Duration::from_secs(2)));
    refresh_read(&due);
}
