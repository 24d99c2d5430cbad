//! The log's levels, times, filter and call detail: pure rules, `update` transitions and
//! snapshots of the pane and the detail at 80x24 and 120x40.

use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::api::{CallRecord, RateUsage, error::ErrorClass};
use crate::app::action::{Action, Effect};
use crate::app::state::{Pane, Popup};
use crate::app::ui::tests::{default_theme, render, text};
use crate::app::update::update;
use crate::testkit::demo::{self, Portfolio};

/// 2026-11-25T16:01:02Z.
fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_622_462)
}

fn call(endpoint: &str, status: u16, attempt: u32) -> CallRecord {
    CallRecord {
        endpoint: endpoint.into(),
        http_status: Some(status),
        latency: Duration::from_millis(42),
        attempt,
        error: None,
        usage: None,
        finished_at: noon(),
        fbtrace_id: None,
    }
}

fn failed(endpoint: &str, status: u16, trace: &str) -> CallRecord {
    CallRecord {
        error: Some((
            ErrorClass::Validation,
            "The request was refused: (#100) Tried accessing nonexisting field.".into(),
        )),
        fbtrace_id: Some(trace.into()),
        ..call(endpoint, status, 1)
    }
}

fn logged(entry: LogEntry) -> Logged {
    Logged {
        at: Instant::now(),
        entry,
    }
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// A loaded main screen with the log shown and focused, holding a notice, a good call,
/// a retried one and a failed one.
fn with_log(width: u16, height: u16) -> State {
    let now = Instant::now();
    let mut state = demo::loaded_state(&Portfolio::new(40), width, height, now);
    state.wall_anchor = Some((state.now, noon()));
    state.log.clear();
    state.push_log(LogEntry::Notice {
        text: "Connected to the sandbox.".into(),
        is_error: false,
    });
    for record in [
        call("GET /v25.0/104000000000001/phone_numbers", 200, 1),
        call("GET /v25.0/104000000000002", 200, 2),
        failed(
            "GET /v25.0/104000000000001/message_templates",
            400,
            "AbCdTrace42",
        ),
    ] {
        update(&mut state, Action::Call(record));
    }
    state.log_visible = true;
    state.focus = Pane::Log;
    state
}

#[test]
fn levels_come_from_the_outcome_the_retries_and_the_rate_usage() {
    let notice = |is_error| {
        logged(LogEntry::Notice {
            text: "x".into(),
            is_error,
        })
    };
    assert_eq!(notice(true).level(), Level::Error);
    assert_eq!(notice(false).level(), Level::Info);
    assert_eq!(
        logged(LogEntry::Call(call("GET /a", 200, 1))).level(),
        Level::Info
    );
    assert_eq!(
        logged(LogEntry::Call(call("GET /a", 200, 3))).level(),
        Level::Warn
    );
    let busy = CallRecord {
        usage: Some(RateUsage {
            percent: 85,
            regain_after: None,
        }),
        ..call("GET /a", 200, 1)
    };
    assert_eq!(logged(LogEntry::Call(busy)).level(), Level::Warn);
    assert_eq!(
        logged(LogEntry::Call(failed("GET /a", 400, "t"))).level(),
        Level::Error
    );
}

#[test]
fn the_filter_takes_words_a_minimum_level_and_a_status_or_class() {
    let lines = [
        logged(LogEntry::Call(call("GET /v25.0/1/phone_numbers", 200, 1))),
        logged(LogEntry::Call(call("GET /v25.0/2", 200, 2))),
        logged(LogEntry::Call(failed(
            "GET /v25.0/1/message_templates",
            400,
            "t",
        ))),
        logged(LogEntry::Call(CallRecord {
            http_status: Some(429),
            ..failed("GET /v25.0/3", 429, "u")
        })),
    ];
    let kept = |filter: &str| -> Vec<usize> {
        let filter = LogFilter::parse(filter).unwrap();
        (0..lines.len())
            .filter(|i| filter.matches(&lines[*i]))
            .collect()
    };
    assert_eq!(kept(""), [0, 1, 2, 3]);
    assert_eq!(kept("phone_numbers"), [0]);
    assert_eq!(kept("level:warn"), [1, 2, 3], "warn and above");
    assert_eq!(kept("level:error"), [2, 3]);
    assert_eq!(kept("status:4xx"), [2, 3]);
    assert_eq!(kept("status:429"), [3]);
    assert_eq!(kept("status:2xx v25.0/2"), [1]);
    assert_eq!(
        kept("validation"),
        [2, 3],
        "the error class is searched too"
    );
    assert!(
        LogFilter::parse("level:loud")
            .unwrap_err()
            .contains("level:warn")
    );
    assert!(
        LogFilter::parse("status:6xx")
            .unwrap_err()
            .contains("status:4xx")
    );
}

#[test]
fn a_typed_filter_narrows_the_pane_and_an_error_keeps_the_last_valid_one() {
    let mut state = with_log(120, 40);
    press(&mut state, KeyCode::Char('/'));
    assert!(state.log_view.filter_editing);
    type_text(&mut state, "level:error");
    assert_eq!(visible(&state).len(), 1);
    state.log_view.filter_input = tui_input::Input::new("level:error status:9".into());
    press(&mut state, KeyCode::End);
    assert!(state.log_view.filter_error.is_some());
    assert_eq!(visible(&state).len(), 1, "the last valid filter stays");
    press(&mut state, KeyCode::Esc);
    assert!(!state.log_view.filter_editing);
    assert_eq!(visible(&state).len(), 4, "Esc clears the filter");
}

#[test]
fn enter_opens_the_selected_call_and_y_copies_its_fbtrace_id() {
    let mut state = with_log(120, 40);
    // The cursor starts on the newest line: the failed call.
    press(&mut state, KeyCode::Enter);
    let Some(Popup::LogDetail(line)) = &state.popup else {
        panic!("no detail: {:?}", state.popup);
    };
    assert!(matches!(&line.entry, LogEntry::Call(c) if c.http_status == Some(400)));
    assert_eq!(
        press(&mut state, KeyCode::Char('y')),
        [Effect::Copy("AbCdTrace42".into())]
    );
    assert!(state.flash.as_deref().unwrap().contains("AbCdTrace42"));
    press(&mut state, KeyCode::Esc);
    assert!(state.popup.is_none());
    // One line up: the retried call, which has no trace id to copy.
    press(&mut state, KeyCode::Up);
    press(&mut state, KeyCode::Enter);
    let Some(Popup::LogDetail(line)) = &state.popup else {
        panic!("no detail");
    };
    assert!(matches!(&line.entry, LogEntry::Call(c) if c.attempt == 2));
    assert!(press(&mut state, KeyCode::Char('y')).is_empty());
}

#[test]
fn method_and_path_never_keep_a_query_string() {
    assert_eq!(
        method_and_path("GET /v25.0/1/phone_numbers?access_token=secret"),
        ("GET", "/v25.0/1/phone_numbers")
    );
    assert_eq!(
        method_and_path("POST /v25.0/1/register"),
        ("POST", "/v25.0/1/register")
    );
}

#[test]
fn notices_are_timed_by_the_event_loop_clock_and_calls_by_their_own() {
    let now = Instant::now();
    let notice = Logged {
        at: now + Duration::from_secs(5),
        entry: LogEntry::Notice {
            text: "x".into(),
            is_error: false,
        },
    };
    assert_eq!(notice.wall_time(None), None);
    assert_eq!(clock(notice.wall_time(Some((now, noon())))), "16:01:07");
    let record = logged(LogEntry::Call(call("GET /a", 200, 1)));
    assert_eq!(clock(record.wall_time(None)), "16:01:02");
    assert_eq!(clock(None), "--:--:--");
}

#[test]
fn log_pane_with_times_levels_and_the_cursor_snapshots() {
    let theme = default_theme();
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = with_log(width, height);
        press(&mut state, KeyCode::Up);
        let screen = text(&render(&state, &theme));
        assert!(screen.contains("16:01:02 WRN"), "{screen}");
        insta::assert_snapshot!(format!("log_pane_{width}x{height}"), screen);
    }
}

#[test]
fn call_detail_snapshots_show_every_field_and_no_secret() {
    let theme = default_theme();
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = with_log(width, height);
        press(&mut state, KeyCode::Enter);
        let screen = text(&render(&state, &theme));
        for field in [
            "method",
            "GET",
            "path",
            "status",
            "400",
            "took",
            "fbtrace_id",
            "AbCdTrace42",
        ] {
            assert!(screen.contains(field), "{field} missing:\n{screen}");
        }
        assert!(!screen.contains("token"), "{screen}");
        insta::assert_snapshot!(format!("log_detail_{width}x{height}"), screen);
    }
}
