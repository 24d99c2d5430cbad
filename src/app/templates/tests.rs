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

#[test]
fn copying_needs_the_confirmation_and_reports_progress_of_its_own_run_only() {
    let mut state = opened(50);
    assert!(
        key(&mut state, KeyCode::Char('y')).is_empty(),
        "no question, no copy"
    );
    assert!(key(&mut state, KeyCode::Char('x')).is_empty());
    let Some(Confirm::Migrate {
        expected,
        total,
        pages,
    }) = view(&state).confirm.clone()
    else {
        panic!("x asks first");
    };
    assert_eq!((total, pages), (40, 1));
    assert!(expected > 0);
    assert!(key(&mut state, KeyCode::Char('n')).is_empty());
    assert!(view(&state).confirm.is_none() && view(&state).run.is_none());
    key(&mut state, KeyCode::Char('x'));
    let effects = key(&mut state, KeyCode::Char('y'));
    let [
        Effect::TemplateRun(RunCommand::Start {
            run,
            source_waba_id,
            destination_waba_id,
        }),
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (source_waba_id.as_str(), destination_waba_id.as_str()),
        (SOURCE_WABA, DESTINATION_WABA)
    );
    let run = *run;
    assert!(state.is_busy());
    let progress = Progress {
        calls_done: 1,
        calls_total: 1,
    };
    run_event(&mut state, run + 100, RunUpdate::Progress(progress.clone()));
    assert!(!state.dirty, "another run's news is dropped");
    run_event(&mut state, run, RunUpdate::Progress(progress.clone()));
    assert!(matches!(
        &view(&state).run.as_ref().unwrap().phase,
        RunPhase::Running { progress: Some(p), stopping: false } if *p == progress
    ));
    assert!(
        key(&mut state, KeyCode::Char('q')).is_empty(),
        "q during a run asks before quitting"
    );
    assert!(matches!(state.popup, Some(Popup::ConfirmQuit { .. })));
    key(&mut state, KeyCode::Char('n'));
    assert!(state.popup.is_none(), "any other key stays");
    assert!(
        key(&mut state, KeyCode::Esc)
            .iter()
            .any(|e| matches!(e, Effect::TemplateRun(RunCommand::Stop { .. }))),
        "leaving during a run stops it instead"
    );
    assert!(state.templates.is_some());
    assert!(
        key(&mut state, KeyCode::Esc).is_empty(),
        "stop is sent once"
    );
    assert!(matches!(
        view(&state).run.as_ref().unwrap().phase,
        RunPhase::Running { stopping: true, .. }
    ));
}

fn missing_template(id: &str, name: &str, language: &str, reason: &str) -> FailedTemplate {
    FailedTemplate {
        name: name.into(),
        language: language.into(),
        source_id: id.into(),
        reason: reason.into(),
    }
}

#[test]
fn after_the_pages_only_what_a_fresh_read_lacks_is_offered_for_retry_then_the_tally_shows() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('x'));
    let Effect::TemplateRun(RunCommand::Start { run, .. }) =
        key(&mut state, KeyCode::Char('y')).remove(0)
    else {
        panic!("started");
    };
    let mut record = TemplateRun::new(SOURCE_WABA, DESTINATION_WABA);
    // What the fresh read lacks, with Meta's reason where an answer gave one; the ids
    // the answers named play no part.
    let missing = vec![
        missing_template("s2", "template_00002", "pt_BR", "Incorrect category"),
        missing_template("s5", "template_00005", "de", "Formatting error"),
    ];
    run_event(
        &mut state,
        run,
        RunUpdate::AwaitingDecision {
            record: record.clone(),
            missing: missing.clone(),
            saved: Ok("/tmp/run.json".into()),
        },
    );
    let RunPhase::AwaitingDecision { failures, .. } = &view(&state).run.as_ref().unwrap().phase
    else {
        panic!("waits for a decision");
    };
    assert_eq!(
        failures
            .iter()
            .map(|f| (f.label.as_str(), f.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            ("template_00002 (pt_BR)", "Incorrect category"),
            ("template_00005 (de)", "Formatting error")
        ]
    );
    assert!(
        key(&mut state, KeyCode::Char('R')).is_empty(),
        "R asks first"
    );
    assert_eq!(
        view(&state).confirm,
        Some(Confirm::Retry {
            ids: vec!["s2".into(), "s5".into()]
        })
    );
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::TemplateRun(RunCommand::Retry {
            run,
            ids: vec!["s2".into(), "s5".into()]
        })]
    );
    run_event(&mut state, run, RunUpdate::Rechecking);
    record
        .rejected_on_recheck
        .push(crate::ops::template_migration::RejectedCopy {
            id: "c1".into(),
            name: "template_00001".into(),
            language: "de".into(),
            rejected_reason: Some("INCORRECT_CATEGORY".into()),
        });
    record.tally = Some(crate::ops::template_tally::Tally {
        expected: 2,
        migrated: 1,
        failed: missing[1..].to_vec(),
        ..Default::default()
    });
    let effects = run_event(
        &mut state,
        run,
        RunUpdate::Finished {
            record,
            saved: Ok("/tmp/run.json".into()),
            recheck: Ok(()),
        },
    );
    let reread: Vec<String> = template_requests(&effects)
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    assert_eq!(
        reread,
        [SOURCE_WABA, DESTINATION_WABA],
        "the diff is re-read after the copies"
    );
    let RunPhase::Done {
        record, failures, ..
    } = &view(&state).run.as_ref().unwrap().phase
    else {
        panic!("done");
    };
    assert_eq!(record.rejected_on_recheck.len(), 1);
    assert_eq!(
        failures
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>(),
        ["template_00005 (de)"],
        "the failures are the tally's"
    );
    key(&mut state, KeyCode::Esc);
    assert!(view(&state).run.is_none(), "Esc closes a finished run");
}

#[test]
fn finishing_without_retry_sends_finish() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('x'));
    let Effect::TemplateRun(RunCommand::Start { run, .. }) =
        key(&mut state, KeyCode::Char('y')).remove(0)
    else {
        panic!("started");
    };
    let record = TemplateRun::new(SOURCE_WABA, DESTINATION_WABA);
    run_event(
        &mut state,
        run,
        RunUpdate::AwaitingDecision {
            record,
            missing: vec![missing_template("s2", "template_00002", "pt_BR", "x")],
            saved: Err(crate::app::file_error::FileError::write(
                std::path::Path::new("/data"),
                "disk full",
            )),
        },
    );
    assert_eq!(
        key(&mut state, KeyCode::Esc),
        [Effect::TemplateRun(RunCommand::Finish { run })]
    );
    assert!(matches!(
        view(&state).run.as_ref().unwrap().phase,
        RunPhase::Rechecking
    ));
}

/// Marks the first row (a PAUSED template), confirms the run, and ends it with one
/// submission: the key, the run's command, and the effects of its end.
fn recreate_first_row(
    state: &mut State,
) -> (
    recreate::TemplateKey,
    recreate::RecreateCommand,
    Vec<Effect>,
) {
    key(state, KeyCode::Home);
    let first = shown(state)[0].0.clone();
    assert_eq!(first.status, Some(TemplateStatus::Paused));
    key(state, KeyCode::Char('m'));
    let marked = (first.name.clone(), first.language.clone());
    assert_eq!(view(state).recreate.marked(), vec![marked.clone()]);
    key(state, KeyCode::Char('X'));
    assert_eq!(view(state).confirm, Some(Confirm::Recreate { count: 1 }));
    let effects = key(state, KeyCode::Char('y'));
    let Some(Effect::Recreate(command)) = effects.first().cloned() else {
        panic!("y starts the run: {effects:?}");
    };
    assert_eq!(command.marked, vec![marked.clone()]);
    assert_eq!(command.source_waba_id, SOURCE_WABA);
    let event = recreate::RecreateEvent {
        run: command.run,
        states: vec![(marked.clone(), recreate::Submission::Submitted)],
        news: recreate::RecreateNews::Ended(Ok("recreate-1".to_string())),
    };
    let effects = update(state, Action::Recreate(Box::new(event)));
    (marked, command, effects)
}

#[test]
fn closing_the_screen_stops_following_the_review_not_the_run() {
    let mut state = opened(50);
    let (_, command, _) = recreate_first_row(&mut state);
    assert_eq!(view(&state).recreate.following, Some(command.run));
    let effects = key(&mut state, KeyCode::Esc);
    assert!(state.templates.is_none(), "Esc closes the screen");
    assert_eq!(
        effects,
        vec![Effect::StopFollowingRecreation(command.run)],
        "the job is told to stop following"
    );
}

#[test]
fn rows_are_marked_for_recreation_submitted_after_y_and_their_state_shown() {
    let mut state = opened(50);
    for _ in 0..3 {
        key(&mut state, KeyCode::Down);
    }
    key(&mut state, KeyCode::Char('m'));
    assert!(
        view(&state).recreate.marked().is_empty(),
        "a GREEN template travels"
    );
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("travels")
    );
    let (marked, command, effects) = recreate_first_row(&mut state);
    assert!(
        template_requests(&effects)
            .iter()
            .any(|(_, w)| w == DESTINATION_WABA),
        "the destination is read again for Meta's review state"
    );
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("submitted")
    );
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("templates track recreate-1")
    );
    // The same job follows the run: each read updates the column.
    let reviewed = |state: &mut State, run, text: &str, in_review| {
        let event = recreate::RecreateEvent {
            run,
            states: vec![(
                marked.clone(),
                recreate::Submission::Reviewed(text.to_string()),
            )],
            news: recreate::RecreateNews::Reviewed {
                run_id: "recreate-1".to_string(),
                in_review,
            },
        };
        update(state, Action::Recreate(Box::new(event)));
    };
    reviewed(&mut state, command.run + 1000, "approved", 0);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("submitted"),
        "news of a run this screen does not follow is dropped"
    );
    reviewed(&mut state, command.run, "pending", 1);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("pending")
    );
    reviewed(&mut state, command.run, "rejected: INVALID_FORMAT", 0);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("rejected: INVALID_FORMAT")
    );
    assert_eq!(view(&state).recreate.following, None, "every verdict is in");
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("every submission has Meta's verdict")
    );
}
