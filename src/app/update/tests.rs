//! `update` transitions: navigation, selection, pickers, stale answers, errors.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::api::ApiError;
use crate::app::action::{ApiRequest, ApiResponse, RequestId};
use crate::app::layout::ScreenLayout;
use crate::app::state::{Candidate, Pane, Picker};
use crate::testkit::demo::{
    self, BARE_WABA, DESTINATION_WABA, PENDING_NUMBER, Portfolio, SOURCE_WABA,
};

fn loaded() -> State {
    demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now())
}

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn api_requests(effects: &[Effect]) -> Vec<(RequestId, ApiRequest)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                request_id,
                request,
            } => Some((*request_id, request.clone())),
            _ => None,
        })
        .collect()
}

fn answer(
    state: &mut State,
    request_id: RequestId,
    result: Result<ApiResponse, ApiError>,
) -> Vec<Effect> {
    update(
        state,
        Action::Api(Box::new(ApiEvent {
            request_id,
            result,
            received_at: state.now,
        })),
    )
}

#[test]
fn start_up_picks_a_source_a_different_destination_and_the_first_number() {
    let state = loaded();
    assert_eq!(state.source.as_deref(), Some(SOURCE_WABA));
    assert_eq!(state.destination.as_deref(), Some(DESTINATION_WABA));
    assert_eq!(state.selected_number.as_deref(), Some("200000000000001"));
    assert!(state.store.in_flight() == 0);
    assert!(
        state
            .derived
            .checklist
            .as_ref()
            .is_some_and(|c| !c.is_empty())
    );
}

#[test]
fn connecting_asks_for_the_waba_list_and_a_failed_connection_is_shown() {
    let mut state = demo::first_frame_state(120, 40, Instant::now());
    let effects = update(
        &mut state,
        Action::Connected(crate::connect::BackendLabel::Sandbox {
            base_url: "http://x".into(),
        }),
    );
    assert!(matches!(
        api_requests(&effects)[..],
        [(_, ApiRequest::DiscoverWabas { .. })]
    ));
    let mut failed = demo::first_frame_state(120, 40, Instant::now());
    update(
        &mut failed,
        Action::ConnectFailed("Could not start the sandbox.".into()),
    );
    assert_eq!(
        failed.phase,
        Phase::Failed("Could not start the sandbox.".into())
    );
    assert!(matches!(
        failed.log.back().map(|line| &line.entry),
        Some(LogEntry::Notice { is_error: true, .. })
    ));
}

#[test]
fn vim_keys_and_arrows_move_the_selection_and_the_checklist_follows() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('j'));
    assert_eq!(state.numbers_cursor.selected, 1);
    assert_eq!(state.selected_number.as_deref(), Some(PENDING_NUMBER));
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Char('k'));
    assert_eq!(state.numbers_cursor.selected, 1);
    key(&mut state, KeyCode::Char('G'));
    assert_eq!(state.numbers_cursor.selected, 39);
    let rows = ScreenLayout::compute(state.screen, false)
        .unwrap()
        .number_rows();
    assert_eq!(
        state.numbers_cursor.offset,
        40 - rows,
        "the last row is scrolled into view"
    );
    key(&mut state, KeyCode::Char('g'));
    assert_eq!(
        (state.numbers_cursor.selected, state.numbers_cursor.offset),
        (0, 0)
    );
    key(&mut state, KeyCode::Up);
    assert_eq!(
        state.numbers_cursor.selected, 0,
        "no wrap above the first row"
    );
}

#[test]
fn tab_cycles_panes_and_includes_the_log_only_when_shown() {
    let mut state = loaded();
    let mut seen = vec![];
    for _ in 0..3 {
        key(&mut state, KeyCode::Tab);
        seen.push(state.focus);
    }
    assert_eq!(seen, [Pane::Destination, Pane::Checklist, Pane::Numbers]);
    key(&mut state, KeyCode::Char('l'));
    assert!(state.log_visible);
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(state.focus, Pane::Log);
    key(&mut state, KeyCode::Char('l'));
    assert_eq!(
        state.focus,
        Pane::Numbers,
        "hiding the log moves focus away from it"
    );
}

#[test]
fn number_picker_filters_fuzzily_and_enter_selects_rereads_and_remembers() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('n'));
    chars(&mut state, "pndrvw");
    let Some(Popup::Picker(picker)) = &state.popup else {
        panic!("picker not open")
    };
    let candidates = state.picker_candidates(picker);
    assert_eq!(
        candidates.first().map(|c| c.key.as_str()),
        Some(PENDING_NUMBER)
    );
    let effects = key(&mut state, KeyCode::Enter);
    assert!(state.popup.is_none());
    assert_eq!(state.selected_number.as_deref(), Some(PENDING_NUMBER));
    assert_eq!(state.numbers_cursor.selected, 1);
    assert_eq!(state.focus, Pane::Checklist);
    assert!(
        matches!(&api_requests(&effects)[..], [(_, ApiRequest::Number(id))] if id == PENDING_NUMBER)
    );
    assert_eq!(
        state.recent.numbers.first().map(String::as_str),
        Some(PENDING_NUMBER)
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::SaveRecent(_))));
    assert!(
        state.checklist_pending(),
        "the fresh read shows as checking…"
    );
}

/// The picker in front and its highlighted row.
fn picked(state: &State) -> (Picker, Candidate) {
    let Some(Popup::Picker(picker)) = &state.popup else {
        panic!("picker not open")
    };
    let row = state.picker_candidates(picker)[picker.cursor].clone();
    (picker.clone(), row)
}

#[test]
fn waba_pickers_open_on_their_value_keep_recents_per_side_and_never_swap_silently() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('d'));
    assert_eq!(
        picked(&state).1.key,
        DESTINATION_WABA,
        "opens on the destination"
    );
    chars(&mut state, "lab");
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(state.destination.as_deref(), Some(BARE_WABA));
    let asked: Vec<ApiRequest> = api_requests(&effects).into_iter().map(|(_, r)| r).collect();
    assert!(asked.contains(&ApiRequest::SubscribedApps(BARE_WABA.into())));
    let now = state.now;
    demo::answer_all(&mut state, &Portfolio::new(40), effects, now);

    key(&mut state, KeyCode::Char('s'));
    let (picker, current) = picked(&state);
    assert_eq!(
        current.key, SOURCE_WABA,
        "opens on the source, not on a recent pick"
    );
    let destination_row = state
        .picker_candidates(&picker)
        .into_iter()
        .find(|c| c.key == BARE_WABA)
        .expect("the destination is listed");
    assert_eq!(destination_row.note, Some(strings::NOTE_DESTINATION));
    chars(&mut state, BARE_WABA);
    assert_eq!(picked(&state).1.key, BARE_WABA);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        (state.source.as_deref(), state.destination.as_deref()),
        (Some(SOURCE_WABA), Some(BARE_WABA)),
        "picking the destination as source changes nothing at once"
    );
    assert_eq!(
        picked(&state).0.swap.as_deref(),
        Some(BARE_WABA),
        "it says so"
    );
    key(&mut state, KeyCode::Enter);
    assert!(state.popup.is_none());
    assert_eq!(
        (state.source.as_deref(), state.destination.as_deref()),
        (Some(BARE_WABA), Some(SOURCE_WABA)),
        "Enter again swaps them, as the picker said"
    );
    assert_eq!(
        state.flash.as_deref(),
        Some(strings::SWAPPED),
        "and says so"
    );
    assert_eq!(
        state.recent.sources.first().map(String::as_str),
        Some(BARE_WABA)
    );
    assert_eq!(
        state.recent.destinations.first().map(String::as_str),
        Some(SOURCE_WABA)
    );
}

#[test]
fn a_palette_pick_of_the_other_side_swaps_and_says_so() {
    let mut state = loaded();
    crate::app::main_screen::choose_waba(
        &mut state,
        crate::app::state::PickerKind::Destination,
        SOURCE_WABA.into(),
    );
    assert_eq!(state.destination.as_deref(), Some(SOURCE_WABA));
    assert_eq!(state.flash.as_deref(), Some(strings::SWAPPED));
}

#[test]
fn a_swap_offer_is_forgotten_when_the_operator_moves_on() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('d'));
    chars(&mut state, SOURCE_WABA);
    key(&mut state, KeyCode::Enter);
    assert!(picked(&state).0.swap.is_some());
    key(&mut state, KeyCode::Backspace);
    assert!(picked(&state).0.swap.is_none());
    key(&mut state, KeyCode::Esc);
    assert_eq!(state.destination.as_deref(), Some(DESTINATION_WABA));
}

#[test]
fn an_answer_to_a_replaced_or_abandoned_request_changes_nothing() {
    let mut state = loaded();
    let first = api_requests(&key(&mut state, KeyCode::Char('r')));
    let second = api_requests(&key(&mut state, KeyCode::Char('r')));
    assert_eq!(first.len(), second.len());
    let (stale_id, _) = first
        .iter()
        .find(|(_, r)| *r == ApiRequest::Numbers(SOURCE_WABA.into()))
        .unwrap();
    let before = state.record(Some(SOURCE_WABA)).cloned();
    let effects = answer(&mut state, *stale_id, Ok(ApiResponse::Numbers(Vec::new())));
    assert!(effects.is_empty());
    assert_eq!(state.record(Some(SOURCE_WABA)).cloned(), before);
    assert!(!state.dirty, "a stale answer does not even cost a frame");
    // Switching the source away abandons reads of the old source's numbers.
    key(&mut state, KeyCode::Char('s'));
    chars(&mut state, "lab");
    key(&mut state, KeyCode::Enter);
    let (pending_id, _) = second
        .iter()
        .find(|(_, r)| *r == ApiRequest::Numbers(SOURCE_WABA.into()))
        .unwrap();
    assert!(!state.store.awaits(*pending_id));
    answer(
        &mut state,
        *pending_id,
        Ok(ApiResponse::Numbers(Vec::new())),
    );
    assert_eq!(
        state
            .record(Some(SOURCE_WABA))
            .and_then(|r| r.numbers.value())
            .map(Vec::len),
        Some(40)
    );
}

#[test]
fn a_failed_read_keeps_its_operator_sentence_for_the_pane() {
    let mut state = loaded();
    let requests = api_requests(&key(&mut state, KeyCode::Char('r')));
    let (id, _) = requests
        .iter()
        .find(|(_, r)| *r == ApiRequest::SubscribedApps(DESTINATION_WABA.into()))
        .unwrap();
    let error = ApiError::new(
        crate::api::ErrorClass::Network,
        "GET /v25.0/x/subscribed_apps",
        "Could not connect to the API: check the base URL.",
    );
    answer(&mut state, *id, Err(error.clone()));
    let apps = &state.record(Some(DESTINATION_WABA)).unwrap().apps;
    assert_eq!(apps.error(), Some(&error));
}

#[test]
fn filter_narrows_the_list_esc_clears_it_and_never_quits() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('/'));
    assert!(state.filter_editing);
    chars(&mut state, "0005");
    assert_eq!(state.visible_numbers().len(), 1);
    assert_eq!(state.selected_number.as_deref(), Some("200000000000005"));
    key(&mut state, KeyCode::Enter);
    assert!(!state.filter_editing);
    assert!(
        key(&mut state, KeyCode::Esc).is_empty(),
        "Esc first clears the filter"
    );
    assert_eq!(state.visible_numbers().len(), 40);
    assert_eq!(
        state.selected_number.as_deref(),
        Some("200000000000005"),
        "selection survives"
    );
    for _ in 0..3 {
        assert!(
            key(&mut state, KeyCode::Esc).is_empty(),
            "Esc never leaves the main screen"
        );
    }
    assert_eq!(key(&mut state, KeyCode::Char('q')), vec![Effect::Quit(0)]);
}

#[test]
fn esc_closes_popups_and_ctrl_c_quits_when_nothing_runs() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('?'));
    assert!(matches!(state.popup, Some(Popup::Help(_))));
    assert!(key(&mut state, KeyCode::Esc).is_empty());
    assert!(state.popup.is_none());
    key(&mut state, KeyCode::Char('s'));
    chars(&mut state, "q");
    assert!(state.popup.is_some(), "q is typed into the picker's filter");
    let ctrl_c = update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(ctrl_c, vec![Effect::Quit(0)]);
    assert_eq!(
        update(&mut state, Action::Terminate),
        vec![Effect::Quit(EXIT_TERMINATED)]
    );
}

#[test]
fn idle_ticks_do_not_redraw_but_busy_ones_turn_the_spinner() {
    let mut state = loaded();
    state.dirty = false;
    let now = state.now;
    update(&mut state, Action::Tick(now + Duration::from_millis(100)));
    assert!(
        !state.dirty,
        "same 'synced 12s ago' label, nothing in flight"
    );
    key(&mut state, KeyCode::Char('r'));
    state.dirty = false;
    let frame = state.spinner_frame;
    update(&mut state, Action::Tick(now + Duration::from_millis(200)));
    assert!(state.dirty);
    assert_eq!(state.spinner_frame, frame + 1);
}

#[test]
fn auto_refresh_re_reads_when_due_and_idle() {
    let mut state = loaded();
    state.auto_refresh = Some(Duration::from_secs(30));
    let now = state.now;
    assert!(
        update(&mut state, Action::Tick(now)).is_empty(),
        "first tick schedules"
    );
    assert!(update(&mut state, Action::Tick(now + Duration::from_secs(29))).is_empty());
    assert!(
        !api_requests(&update(
            &mut state,
            Action::Tick(now + Duration::from_secs(31))
        ))
        .is_empty()
    );
}

#[test]
fn clicking_a_number_row_focuses_the_pane_and_selects_it() {
    let mut state = loaded();
    state.focus = Pane::Checklist;
    let table = ScreenLayout::compute(state.screen, false)
        .unwrap()
        .numbers_table;
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: table.x + 3,
        row: table.y + 1 + 2,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut state, Action::Mouse(click));
    assert_eq!(state.focus, Pane::Numbers);
    assert_eq!(state.selected_number.as_deref(), Some("200000000000003"));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        ..click
    };
    update(&mut state, Action::Mouse(wheel));
    assert_eq!(state.numbers_cursor.selected, 3);
}

#[test]
fn call_records_feed_the_log_and_the_rate_figure() {
    let mut state = loaded();
    let record = crate::api::CallRecord {
        endpoint: "GET /v25.0/1/phone_numbers".into(),
        http_status: Some(200),
        latency: Duration::from_millis(12),
        attempt: 1,
        error: None,
        usage: Some(crate::api::RateUsage {
            percent: 42,
            regain_after: None,
        }),
        finished_at: std::time::SystemTime::UNIX_EPOCH,
        fbtrace_id: None,
    };
    update(&mut state, Action::Call(record.clone()));
    assert_eq!(state.rate_usage.map(|u| u.percent), Some(42));
    assert_eq!(
        state.log.back().map(|line| &line.entry),
        Some(&LogEntry::Call(record))
    );
}

#[test]
fn journaled_register_attempts_count_down_the_register_budget_of_the_selected_number() {
    let mut state = loaded();
    let digits = state
        .selected_phone()
        .and_then(crate::domain::number::PhoneNumber::e164_digits)
        .expect("a number is selected");
    let budget = |state: &State| {
        state
            .derived
            .checklist
            .clone()
            .unwrap()
            .into_iter()
            .find(|c| c.rule == crate::domain::checklist::RuleId::RegisterBudget)
            .unwrap()
    };
    let unread = budget(&state);
    assert_eq!(
        unread.status,
        crate::domain::checklist::CheckStatus::Unknown
    );
    assert!(unread.evidence.contains("invisible"), "{}", unread.evidence);
    update(
        &mut state,
        Action::RegisterAttempts([(digits, 10)].into_iter().collect()),
    );
    let exhausted = budget(&state);
    assert_eq!(
        exhausted.status,
        crate::domain::checklist::CheckStatus::Fail
    );
    assert!(
        exhausted
            .evidence
            .starts_with("0 of 10 left in the 72 h window"),
        "{}",
        exhausted.evidence
    );
}
