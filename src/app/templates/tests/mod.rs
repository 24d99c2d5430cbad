//! The template screen's update logic: open → loading → loaded, stale answers, filters,
//! sort and search, the mode toggle, the component diff, and a run's steps (confirmation,
//! progress, retry of exactly the failed ids, re-check, stop).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::action::{Action, ApiEvent, ApiResponse};
use crate::app::state::{Popup, State};
use crate::app::update::update;
use crate::domain::template::{TemplateCategory, TemplateStatus};
use crate::domain::template_diff::Section;
use crate::testkit::demo::{self, DESTINATION_WABA, Portfolio, SOURCE_WABA, generated_templates};

/// 40 source templates; the destination holds 10 of the same names (reworded) and 5 of
/// its own, counts 50 in all and has `room` left under its limit.
fn portfolio(room: u64) -> Portfolio {
    let mut destination = generated_templates("d", 30..40, true);
    destination.extend(generated_templates("d", 100..105, false));
    Portfolio::new(10).with_templates(
        TemplateInventory {
            templates: generated_templates("s", 0..40, false),
            count: Some(40),
            limit: Some(250),
        },
        TemplateInventory {
            templates: destination,
            count: Some(50),
            limit: Some(50 + room),
        },
    )
}

fn opened(room: u64) -> State {
    let mut state = demo::loaded_state(&portfolio(room), 120, 40, Instant::now());
    assert!(
        key(&mut state, KeyCode::Char('t')).is_empty(),
        "already loaded"
    );
    state
}

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn view(state: &State) -> &TemplateView {
    state
        .templates
        .as_ref()
        .expect("the template screen is open")
}

/// The visible rows' primary templates.
fn shown(state: &State) -> Vec<(Template, RowOutcome)> {
    let v = view(state);
    let (source, destination) = v.inventories(&state.store.wabas).unwrap();
    v.visible
        .iter()
        .map(|&i| {
            (
                v.rows[i].primary(source, destination).clone(),
                v.rows[i].outcome,
            )
        })
        .collect()
}

fn template_requests(effects: &[Effect]) -> Vec<(RequestId, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                request_id,
                request: ApiRequest::Templates(waba),
            } => Some((*request_id, waba.clone())),
            _ => None,
        })
        .collect()
}

fn answer(state: &mut State, request_id: RequestId, inventory: TemplateInventory) -> Vec<Effect> {
    update(
        state,
        Action::Api(Box::new(ApiEvent {
            request_id,
            result: Ok(ApiResponse::Templates(inventory)),
            received_at: state.now,
        })),
    )
}

fn run_event(state: &mut State, run: RequestId, update_: RunUpdate) -> Vec<Effect> {
    update(
        state,
        Action::TemplateRun(Box::new(RunEvent {
            run,
            update: update_,
        })),
    )
}

#[test]
fn opening_before_the_templates_arrive_shows_loading_then_the_aligned_rows() {
    let portfolio = portfolio(50);
    let mut state = demo::first_frame_state(120, 40, Instant::now());
    let mut effects = update(
        &mut state,
        Action::Connected(crate::connect::BackendLabel::Sandbox {
            base_url: String::new(),
        }),
    );
    let mut held = Vec::new();
    while let Some(effect) = effects.pop() {
        if let Effect::Api {
            request_id,
            request,
        } = effect
        {
            if matches!(request, ApiRequest::Templates(_)) {
                held.push((request_id, request));
                continue;
            }
            let event = ApiEvent {
                request_id,
                result: portfolio.answer(&request),
                received_at: state.now,
            };
            effects.extend(update(&mut state, Action::Api(Box::new(event))));
        }
    }
    assert_eq!(held.len(), 2, "both inventories are being read");
    assert!(
        key(&mut state, KeyCode::Char('t')).is_empty(),
        "reads under way are not repeated"
    );
    assert_eq!(
        view(&state).pair,
        Some((SOURCE_WABA.to_string(), DESTINATION_WABA.to_string()))
    );
    assert!(view(&state).forecast.is_none(), "loading");
    for (request_id, request) in held {
        let Ok(ApiResponse::Templates(inventory)) = portfolio.answer(&request) else {
            panic!("templates");
        };
        answer(&mut state, request_id, inventory);
    }
    let v = view(&state);
    assert!(v.forecast.is_some());
    assert_eq!(
        v.rows.len(),
        40 + 5,
        "10 pairs, 30 source only, 5 destination only"
    );
    assert_eq!(
        v.rows
            .iter()
            .filter(|r| r.source().is_some() && r.destination().is_some())
            .count(),
        10
    );
    assert_eq!(v.destination_only, 5);
    assert_eq!(v.visible.len(), v.rows.len());
}

#[test]
fn a_stale_inventory_answer_is_dropped_and_the_fresh_one_rebuilds() {
    let mut state = opened(50);
    let first = template_requests(&key(&mut state, KeyCode::Char('r')));
    let second = template_requests(&key(&mut state, KeyCode::Char('r')));
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 2);
    let rows_before = view(&state).rows.len();
    let (stale_id, _) = first.iter().find(|(_, w)| w == SOURCE_WABA).unwrap();
    answer(&mut state, *stale_id, TemplateInventory::default());
    assert!(!state.dirty, "a stale answer does not even redraw");
    assert_eq!(view(&state).rows.len(), rows_before);
    let (fresh_id, _) = second.iter().find(|(_, w)| w == SOURCE_WABA).unwrap();
    answer(&mut state, *fresh_id, TemplateInventory::default());
    assert_eq!(view(&state).rows.len(), 15, "the destination's rows alone");
}

#[test]
fn outcome_category_and_status_filters_cycle_and_combine() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('F'));
    assert_eq!(
        view(&state).filters.outcome,
        Some(RowOutcome::Forecast(Outcome::Migrate))
    );
    let rows = shown(&state);
    assert_eq!(rows.len(), view(&state).summary.migrate);
    assert!(
        rows.iter()
            .all(|(_, o)| *o == RowOutcome::Forecast(Outcome::Migrate))
    );
    for _ in 0..4 {
        key(&mut state, KeyCode::Char('F'));
    }
    assert_eq!(
        view(&state).filters.outcome,
        Some(RowOutcome::DestinationOnly)
    );
    assert_eq!(shown(&state).len(), 5);
    key(&mut state, KeyCode::Char('F'));
    assert_eq!(view(&state).filters.outcome, None);
    key(&mut state, KeyCode::Char('c'));
    assert_eq!(
        view(&state).filters.category.as_deref(),
        Some("AUTHENTICATION")
    );
    assert!(
        shown(&state)
            .iter()
            .all(|(t, _)| t.category == Some(TemplateCategory::Authentication))
    );
    key(&mut state, KeyCode::Char('S'));
    assert_eq!(view(&state).filters.status.as_deref(), Some("APPROVED"));
    key(&mut state, KeyCode::Char('S'));
    assert_eq!(view(&state).filters.status.as_deref(), Some("PAUSED"));
    let rows = shown(&state);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|(t, _)| t.status == Some(TemplateStatus::Paused)
                && t.category == Some(TemplateCategory::Authentication))
    );
    key(&mut state, KeyCode::Char('S'));
    assert_eq!(
        view(&state).filters.status,
        None,
        "past the last value: all"
    );
}

#[test]
fn search_narrows_by_name_and_esc_clears_it() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('/'));
    for c in "00012".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(view(&state).search_editing);
    let names: Vec<String> = shown(&state).into_iter().map(|(t, _)| t.name).collect();
    assert_eq!(names, ["template_00012"]);
    key(&mut state, KeyCode::Enter);
    assert!(!view(&state).search_editing);
    assert_eq!(shown(&state).len(), 1, "the search stays after Enter");
    key(&mut state, KeyCode::Esc);
    assert_eq!(shown(&state).len(), 45, "Esc clears the search first");
    key(&mut state, KeyCode::Esc);
    assert!(state.templates.is_none(), "then leaves the screen");
}

#[test]
fn sort_cycles_name_outcome_quality_and_reverses() {
    let mut state = opened(50);
    let names =
        |state: &State| -> Vec<String> { shown(state).into_iter().map(|(t, _)| t.name).collect() };
    let by_name = names(&state);
    assert!(by_name.windows(2).all(|w| w[0] <= w[1]));
    key(&mut state, KeyCode::Char('o'));
    assert_eq!(view(&state).sort, SortKey::Outcome);
    let ranks: Vec<u8> = shown(&state)
        .iter()
        .map(|(_, o)| outcome_rank(*o))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    key(&mut state, KeyCode::Char('o'));
    assert_eq!(view(&state).sort, SortKey::Quality);
    let qualities: Vec<u8> = shown(&state)
        .iter()
        .map(|(t, _)| quality_rank(t.quality()))
        .collect();
    assert!(qualities.windows(2).all(|w| w[0] <= w[1]));
    key(&mut state, KeyCode::Char('o'));
    key(&mut state, KeyCode::Char('O'));
    let mut reversed = names(&state);
    reversed.reverse();
    assert_eq!(reversed, by_name);
}

#[test]
fn the_mode_toggle_applies_the_other_rule_to_every_row() {
    let mut state = opened(200);
    // template_00001 is APPROVED with quality UNKNOWN: only the API's rule takes it.
    let outcome_of = |state: &State, name: &str| {
        shown(state)
            .into_iter()
            .find(|(t, _)| t.name == name)
            .unwrap()
            .1
    };
    assert_eq!(view(&state).mode, Mode::Number);
    assert_eq!(
        outcome_of(&state, "template_00001"),
        RowOutcome::Forecast(Outcome::Ineligible)
    );
    let number_migrate = view(&state).summary.migrate;
    key(&mut state, KeyCode::Char('M'));
    assert_eq!(view(&state).mode, Mode::Api);
    assert_eq!(
        outcome_of(&state, "template_00001"),
        RowOutcome::Forecast(Outcome::Migrate)
    );
    assert!(view(&state).summary.migrate > number_migrate);
}

#[test]
fn a_full_destination_forecasts_over_limit_rows() {
    let state = opened(1);
    let s = view(&state).summary;
    assert_eq!(s.migrate, 1, "one slot left");
    assert!(s.over_limit > 0);
}

#[test]
fn enter_opens_the_component_diff_of_a_reworded_pair_and_esc_closes_it() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('/'));
    for c in "00031".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Enter);
    let detail = view(&state).detail.as_ref().expect("detail open");
    assert!(detail.row.source().is_some() && detail.row.destination().is_some());
    let body = detail
        .sections
        .iter()
        .find(|s| s.section == Section::Body)
        .unwrap();
    assert!(body.changed());
    let header = detail
        .sections
        .iter()
        .find(|s| s.section == Section::Header)
        .unwrap();
    assert!(!header.changed());
    key(&mut state, KeyCode::Down);
    assert_eq!(view(&state).detail.as_ref().unwrap().scroll, 1);
    key(&mut state, KeyCode::Esc);
    assert!(view(&state).detail.is_none());
    assert!(
        state.templates.is_some(),
        "Esc closed the diff, not the screen"
    );
}

mod runs;
