//! A generated fleet and a stand-in for the worker's refresh, so board tests, snapshots
//! and the benchmark run the real `update` path with no network.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::cli::bench::generated_fleet;
use crate::domain::fleet::{FleetRow, MigrationState, ReadCells, join_channels};

use crate::app::action::{Action, Effect, RequestId};
use crate::app::board::{BoardCommand, BoardEvent};
use crate::app::state::State;
use crate::app::update::update;
use crate::ops::fleet_read::FleetEvent;

use super::demo::{Portfolio, loaded_state};

/// When the demo rows were read.
pub const CHECKED_AT: &str = "2026-11-25T16:00:00Z";

/// `count` numbers (plus 1% 360dialog-only channels) in every state, 50 per WABA but
/// at least 7 WABAs, joined with their channels, a few with a journaled migration.
pub fn fleet_rows(count: usize) -> Vec<FleetRow> {
    let (wabas, numbers, channels) = generated_fleet(count);
    let waba_count = (count / 50).clamp(7, wabas.len());
    // As a read makes them: the cells of a WABA's rows are shared.
    let mut cells: Vec<ReadCells> = wabas
        .iter()
        .map(|w| ReadCells::new(w, CHECKED_AT))
        .collect();
    let mut rows: Vec<FleetRow> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| FleetRow::read(&wabas[i % waba_count], n, None, &mut cells[i % waba_count]))
        .collect();
    join_channels(&mut rows, &channels, CHECKED_AT);
    let migrations = [
        (
            3,
            MigrationState::InProgress {
                step: "verify_code".into(),
            },
        ),
        (5, MigrationState::Done),
        (8, MigrationState::Failed),
    ];
    for (index, state) in migrations {
        if let Some(row) = rows.get_mut(index) {
            row.migration = state;
        }
    }
    rows
}

/// What the worker would report for a refresh that reads `rows`: the plan, one event
/// per WABA (in WABA order), then `Finished`.
pub fn refresh_events(request_id: RequestId, rows: &[FleetRow]) -> Vec<BoardEvent> {
    let mut by_waba: BTreeMap<&str, Vec<FleetRow>> = BTreeMap::new();
    for row in rows {
        by_waba.entry(&row.waba_id).or_default().push(row.clone());
    }
    let mut progress = vec![FleetEvent::Planned {
        wabas: by_waba.len(),
    }];
    progress.extend(by_waba.into_iter().map(|(waba_id, rows)| FleetEvent::Waba {
        waba_id: waba_id.to_string(),
        result: Ok(rows),
    }));
    progress.push(FleetEvent::Finished);
    progress
        .into_iter()
        .map(|progress| BoardEvent::Refresh {
            request_id,
            progress,
        })
        .collect()
}

/// Answers the board's refresh effects among `effects` with `rows`, through `update`.
pub fn answer_refresh(state: &mut State, effects: Vec<Effect>, rows: &[FleetRow]) {
    for effect in effects {
        if let Effect::Board(BoardCommand::Refresh(read)) = effect {
            for event in refresh_events(read.request_id, rows) {
                update(state, Action::Board(Box::new(event)));
            }
        }
    }
}

/// The demo app on a `width` x `height` terminal with the board open on `rows`.
pub fn board_state(rows: &[FleetRow], width: u16, height: u16, now: Instant) -> State {
    let mut state = loaded_state(&Portfolio::new(40), width, height, now);
    let f = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('f'),
        crossterm::event::KeyModifiers::NONE,
    );
    let effects = update(&mut state, Action::Key(f));
    answer_refresh(&mut state, effects, rows);
    state
}
