//! The fleet board on screen: snapshots at 80x24 and 120x40 (demo fleet and the sandbox
//! portfolio), and the cells whose symbol and style carry meaning.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

use super::super::tests::{cell_of, default_theme, find_row, render, text};
use crate::app::action::{Action, Effect};
use crate::app::board::{BoardCommand, BoardEvent};
use crate::app::state::State;
use crate::app::update::update;
use crate::testkit::fleet::{board_state, fleet_rows, refresh_events};

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The demo board after a second refresh in which one number turned FLAGGED.
fn board_with_a_change(width: u16, height: u16) -> (State, String) {
    let mut state = board_state(&fleet_rows(40), width, height, Instant::now());
    let mut second = fleet_rows(40);
    let row = second
        .iter_mut()
        .find(|r| r.status.as_deref() == Some("CONNECTED"))
        .unwrap();
    row.status = Some("FLAGGED".into());
    let number = row.label().to_string();
    let effects = key(&mut state, KeyCode::Char('r'));
    let [Effect::Board(BoardCommand::Refresh(read))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    for event in refresh_events(read.request_id, &second) {
        update(&mut state, Action::Board(Box::new(event)));
    }
    (state, number)
}

#[test]
fn board_80x24() {
    let state = board_state(&fleet_rows(40), 80, 24, Instant::now());
    let screen = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("board_80x24", screen);
    assert!(screen.contains("40 numbers"), "{screen}");
}

#[test]
fn board_with_a_changed_cell_120x40() {
    let (state, _) = board_with_a_change(120, 40);
    insta::assert_snapshot!(
        "board_changed_120x40",
        text(&render(&state, &default_theme()))
    );
}

#[test]
fn a_flagged_status_has_its_symbol_and_warning_style_and_a_change_its_marker() {
    let (state, number) = board_with_a_change(120, 40);
    let buffer = render(&state, &default_theme());
    let (y, row) = find_row(&buffer, &number);
    assert!(row.contains("◆⚠ FLAGGED"), "{row}");
    let marker = cell_of(&buffer, y, "◆");
    assert_eq!(marker.fg, Color::Yellow);
    assert!(marker.modifier.contains(Modifier::BOLD));
    let warning = cell_of(&buffer, y, "⚠");
    assert_eq!(warning.fg, Color::Yellow, "FLAGGED is a warning");
    let (y, row) = find_row(&buffer, "✘ RESTRICTED");
    assert!(!row.contains('◆'), "unchanged cells carry no marker: {row}");
    assert_eq!(cell_of(&buffer, y, "✘").fg, Color::Red);
    let (_, status) = find_row(&buffer, "since the previous refresh");
    assert!(status.contains("1 changed (◆)"), "{status}");
}

#[test]
fn the_detail_view_shows_old_and_new_values() {
    let (mut state, number) = board_with_a_change(120, 40);
    let position = state
        .board
        .lines
        .iter()
        .position(|l| {
            matches!(l, crate::app::board::BoardLine::Row(i)
                if state.board.fleet.rows()[*i].label() == number)
        })
        .unwrap();
    state.board.cursor.selected = position;
    key(&mut state, KeyCode::Char('i'));
    let screen = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("board_detail_120x40", screen);
    assert!(screen.contains("◆ CONNECTED → ⚠ FLAGGED"), "{screen}");
}

#[test]
fn the_gauge_counts_wabas_and_shows_pacing_and_a_filter_error_its_sentence() {
    let mut state = board_state(&fleet_rows(40), 120, 40, Instant::now());
    let effects = key(&mut state, KeyCode::Char('r'));
    let [Effect::Board(BoardCommand::Refresh(read))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    for event in refresh_events(read.request_id, &fleet_rows(40))
        .into_iter()
        .take(4)
    {
        update(&mut state, Action::Board(Box::new(event)));
    }
    let paced = crate::app::board::BoardEvent::Refresh {
        request_id: read.request_id,
        progress: crate::ops::fleet_read::FleetEvent::Paced {
            usage_percent: 82,
            wait: std::time::Duration::from_secs(10),
        },
    };
    update(&mut state, Action::Board(Box::new(paced)));
    key(&mut state, KeyCode::Char('/'));
    for c in "stat:".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    let screen = text(&render(&state, &default_theme()));
    assert!(screen.contains("refreshing 3/7 WABAs"), "{screen}");
    assert!(
        screen.contains("API usage at 82%: waiting 10 s between batches"),
        "{screen}"
    );
    assert!(screen.contains("'stat' is not a filter field"), "{screen}");
    assert!(screen.contains("/stat:"), "{screen}");
}

#[test]
fn sandbox_portfolio_board_120x40() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = runtime.block_on(async {
        let connection = crate::connect::connect(&crate::testkit::demo::settings(), None)
            .await
            .expect("sandbox starts");
        let now = Instant::now();
        let mut state = crate::testkit::demo::first_frame_state(120, 40, now);
        update(
            &mut state,
            Action::Connected(crate::connect::BackendLabel::Sandbox {
                base_url: "http://127.0.0.1:4010".into(),
            }),
        );
        let effects = key(&mut state, KeyCode::Char('f'));
        let [Effect::Board(BoardCommand::Refresh(read))] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        let (sender, mut inbox) = tokio::sync::mpsc::channel(8);
        let data_dir = state_data_dir();
        let reading = crate::ops::fleet_read::read_fleet(
            &connection.graph,
            connection.hub.as_ref(),
            &data_dir,
            read.query.clone(),
            sender,
        );
        let collect = async {
            let mut events = Vec::new();
            while let Some(progress) = inbox.recv().await {
                events.push(BoardEvent::Refresh {
                    request_id: read.request_id,
                    progress,
                });
            }
            events
        };
        let ((), events) = tokio::join!(reading, collect);
        for event in events {
            update(&mut state, Action::Board(Box::new(event)));
        }
        state
    });
    let buffer = render(&state, &default_theme());
    let screen = text(&buffer);
    insta::assert_snapshot!("sandbox_board_120x40", screen);
    assert!(screen.contains("+1 631-555-0101"), "{screen}");
    assert_eq!(
        state.board.fleet.rows().len(),
        45,
        "40 numbers, 5 channels of their own"
    );
    assert!(
        state
            .board
            .fleet
            .rows()
            .iter()
            .any(|r| r.channel_status.is_some()),
        "the partner key is configured in sandbox mode, so channels join"
    );
}

/// The demo settings' data dir: it does not exist, so no journal is read.
fn state_data_dir() -> std::path::PathBuf {
    crate::testkit::demo::settings().data_dir
}
