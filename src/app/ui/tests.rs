//! Rendering tests: whole screens as insta snapshots at 80x24 and 120x40, plus text and
//! style assertions on the cells that carry meaning.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use crate::app::action::Action;
use crate::app::state::State;
use crate::app::theme::Theme;
use crate::app::update::update;
use crate::testkit::demo::{self, DESTINATION_WABA, PENDING_NUMBER, Portfolio};

pub(crate) fn render(state: &State, theme: &Theme) -> Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(state.screen.width, state.screen.height)).unwrap();
    terminal.draw(|f| super::draw(f, state, theme)).unwrap();
    terminal.backend().buffer().clone()
}

pub(crate) fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn default_theme() -> Theme {
    Theme::load("default", &toml::Table::new(), false).unwrap()
}

fn press(state: &mut State, code: KeyCode) {
    let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    demo::answer_all(state, &Portfolio::new(40), effects, state.now);
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// The row of the screen holding `needle`, and its y.
pub(super) fn find_row(buffer: &Buffer, needle: &str) -> (u16, String) {
    let screen = text(buffer);
    screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(y, l)| (y as u16, l.to_string()))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{screen}"))
}

/// The cell of the first `symbol` on row `y`.
pub(super) fn cell_of<'a>(buffer: &'a Buffer, y: u16, symbol: &str) -> &'a ratatui::buffer::Cell {
    (0..buffer.area.width)
        .map(|x| &buffer[(x, y)])
        .find(|c| c.symbol() == symbol)
        .unwrap_or_else(|| panic!("no {symbol} on row {y}"))
}

fn loaded(width: u16, height: u16) -> State {
    demo::loaded_state(&Portfolio::new(40), width, height, Instant::now())
}

fn with_pending_number(mut state: State) -> State {
    press(&mut state, KeyCode::Char('n'));
    type_text(&mut state, "PENDING_REVIEW");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.selected_number.as_deref(), Some(PENDING_NUMBER));
    state
}

#[test]
fn first_frame_shows_loading_states_before_any_answer() {
    let state = demo::first_frame_state(80, 24, Instant::now());
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("first_frame_80x24", text(&buffer));
    assert!(text(&buffer).contains("SANDBOX"));
}

#[test]
fn loaded_screen_80x24() {
    let state = loaded(80, 24);
    insta::assert_snapshot!("loaded_80x24", text(&render(&state, &default_theme())));
}

#[test]
fn loaded_screen_120x40() {
    let state = loaded(120, 40);
    insta::assert_snapshot!("loaded_120x40", text(&render(&state, &default_theme())));
}

#[test]
fn failing_checklist_row_shows_symbol_word_fix_and_error_colour() {
    let state = with_pending_number(loaded(120, 40));
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("failing_checklist_120x40", text(&buffer));
    let (y, row) = find_row(&buffer, "display_name_approved");
    assert!(row.contains("✘ fail"), "{row}");
    let cross = cell_of(&buffer, y, "✘");
    assert_eq!(cross.fg, Color::Red);
    assert!(cross.modifier.contains(Modifier::BOLD));
    let (_, fix) = find_row(&buffer, "fix: ");
    assert!(!fix.is_empty());
    let (pass_y, _) = find_row(&buffer, "✔ pass");
    assert_eq!(cell_of(&buffer, pass_y, "✔").fg, Color::Green);
}

#[test]
fn no_color_keeps_symbols_and_words_but_drops_colours() {
    let state = with_pending_number(loaded(120, 40));
    let theme = Theme::load("default", &toml::Table::new(), true).unwrap();
    let buffer = render(&state, &theme);
    let (y, row) = find_row(&buffer, "display_name_approved");
    assert!(row.contains("✘ fail"));
    assert_eq!(cell_of(&buffer, y, "✘").fg, Color::Reset);
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

#[test]
fn help_screen_lists_every_key_from_the_keymap() {
    let mut state = loaded(120, 40);
    press(&mut state, KeyCode::Char('?'));
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("help_120x40", text(&buffer));
    let screen = text(&buffer);
    let main = crate::app::keymap::Screen::Main;
    for (action, _) in state.keymap.bindings(main) {
        assert!(
            screen.contains(crate::app::strings::describe(action)),
            "{action:?} missing"
        );
    }
    let board_only = crate::app::keymap::KeyAction::GroupRows;
    assert!(
        !screen.contains(crate::app::strings::describe(board_only)),
        "the main screen's help lists the main screen's keys"
    );
}

#[test]
fn number_picker_filters_fuzzily_and_highlights_matches() {
    let mut state = loaded(120, 40);
    press(&mut state, KeyCode::Char('n'));
    type_text(&mut state, "pend");
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("number_picker_120x40", text(&buffer));
    let (y, row) = find_row(&buffer, "PENDING_REVIEW");
    assert!(row.contains("+1 631-555-0002"));
    assert_eq!(
        cell_of(&buffer, y, "P").fg,
        Color::Yellow,
        "matched letters use the match style"
    );
}

#[test]
fn picking_the_source_as_destination_warns_and_changes_nothing_80x24_and_120x40() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut state = loaded(width, height);
        let (source, destination) = (state.source.clone(), state.destination.clone());
        press(&mut state, KeyCode::Char('d'));
        type_text(&mut state, source.as_deref().unwrap());
        press(&mut state, KeyCode::Enter);
        assert_eq!(
            (&state.source, &state.destination),
            (&source, &destination),
            "nothing swapped yet"
        );
        let screen = text(&render(&state, &default_theme()));
        insta::assert_snapshot!(format!("destination_picker_swap_{width}x{height}"), screen);
        assert!(screen.contains("that is the source"), "{screen}");
    }
}

#[test]
fn a_failed_read_shows_its_operator_sentence_in_the_pane() {
    let mut portfolio = Portfolio::new(40);
    portfolio.failing.push(DESTINATION_WABA.into());
    let state = demo::loaded_state(&portfolio, 120, 40, Instant::now());
    let buffer = render(&state, &default_theme());
    let (y, row) = find_row(&buffer, "The token lacks a permission");
    assert!(row.contains('✘'));
    assert_eq!(cell_of(&buffer, y, "✘").fg, Color::Red);
    assert!(text(&buffer).contains("HTTP 403"));
}

#[test]
fn small_terminals_get_a_clear_message() {
    let state = demo::first_frame_state(59, 20, Instant::now());
    let screen = text(&render(&state, &default_theme()));
    assert!(
        screen.contains("terminal too small: need 60x20, have 59x20"),
        "{screen}"
    );
}

#[test]
fn high_contrast_theme_renders_the_same_text() {
    let state = loaded(80, 24);
    let theme = Theme::load("high-contrast", &toml::Table::new(), false).unwrap();
    assert_eq!(
        text(&render(&state, &theme)),
        text(&render(&state, &default_theme()))
    );
}

#[test]
fn long_names_are_cut_in_the_middle_so_names_that_start_alike_stay_apart() {
    use crate::app::layout::fit_middle;
    let retail = fit_middle("Lucky Shrub Retail", 14);
    let restaurants = fit_middle("Lucky Shrub Restaurants", 14);
    assert_eq!(retail, "Lucky S…Retail");
    assert_eq!(restaurants, "Lucky S…urants");
    assert_ne!(retail, restaurants);
    assert_eq!(fit_middle("Short", 14), "Short");
    assert_eq!(fit_middle("日本語の名前です", 7), "日…です");
}

#[test]
fn words_wrap_at_spaces_and_long_words_are_cut() {
    assert_eq!(
        super::wrap_words("fix the name then retry", 10),
        ["fix the", "name then", "retry"]
    );
    assert_eq!(
        super::wrap_words("abcdefghijkl", 5),
        ["abcde", "fghij", "kl"]
    );
    assert_eq!(super::wrap_words("", 5), [""]);
}

#[test]
fn sandbox_portfolio_screen_120x40() {
    let state = sandbox_state(120, 40);
    let buffer = render(&state, &default_theme());
    insta::assert_snapshot!("sandbox_120x40", text(&buffer));
    assert!(text(&buffer).contains("Lucky Shrub Retail EU"));
}

/// The state after loading the embedded sandbox's seeded portfolio over real HTTP,
/// shown 3 s after the answers (the badge's port fixed for stable snapshots).
pub(super) fn sandbox_state(width: u16, height: u16) -> State {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let connection = crate::connect::connect(&demo::settings(), None)
            .await
            .expect("sandbox starts");
        let now = Instant::now();
        let mut state = demo::first_frame_state(width, height, now);
        // A fixed port in the badge keeps the snapshot stable.
        let label = crate::connect::BackendLabel::Sandbox {
            base_url: "http://127.0.0.1:4010".into(),
        };
        let effects = update(&mut state, Action::Connected(label));
        demo::answer_from(&connection.graph, &mut state, effects, now).await;
        update(
            &mut state,
            Action::Tick(now + std::time::Duration::from_secs(3)),
        );
        state
    })
}

#[test]
fn the_checklist_line_count_update_scrolls_by_is_the_lines_drawn() {
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let state = loaded(width, height);
        let pane = crate::app::layout::ScreenLayout::compute(state.screen, state.log_visible)
            .unwrap()
            .checklist;
        let results = state.derived.checklist.as_deref().unwrap();
        let drawn = super::checklist::rows(
            &state,
            &|_| ratatui::style::Style::default(),
            results,
            pane.width.saturating_sub(2) as usize,
        );
        assert_eq!(
            state.derived.checklist_lines,
            drawn.len(),
            "{width}x{height}"
        );
    }
}

#[test]
fn a_failed_discovery_shows_its_sentence_not_a_spinner() {
    let mut state = demo::first_frame_state(120, 40, Instant::now());
    state.phase = crate::app::state::Phase::Ready;
    state.store.waba_ids = crate::app::state::Remote::Failed(crate::api::ApiError::new(
        crate::api::ErrorClass::Network,
        "GET /v25.0/debug_token",
        "Could not connect to the API: check the base URL, your network and any proxy, then retry.",
    ));
    let screen = text(&render(&state, &default_theme()));
    assert!(screen.contains("could not find the WABAs"), "{screen}");
    assert!(!screen.contains("finding the WABAs"), "{screen}");
}

#[test]
fn a_call_waiting_for_long_shows_its_endpoint_and_seconds_beside_the_spinner() {
    let now = Instant::now();
    let mut state = demo::first_frame_state(120, 40, now);
    state.phase = crate::app::state::Phase::Ready;
    let effects = update(
        &mut state,
        Action::Connected(crate::connect::BackendLabel::Sandbox {
            base_url: String::new(),
        }),
    );
    assert!(
        !effects.is_empty(),
        "discovery is in flight: the app is busy"
    );
    let waiting = |secs| {
        Action::Waiting(Some(crate::api::transport::Waiting {
            endpoint: "GET /v25.0/debug_token".into(),
            elapsed: std::time::Duration::from_secs(secs),
        }))
    };
    update(&mut state, waiting(1));
    let top = find_row(&render(&state, &default_theme()), "request").1;
    assert!(!top.contains("waiting"), "a short wait is ordinary: {top}");
    update(&mut state, waiting(12));
    let top = find_row(&render(&state, &default_theme()), "waiting").1;
    assert!(
        top.contains("waiting 12 s for GET /v25.0/debug_token"),
        "{top}"
    );
    update(&mut state, Action::Waiting(None));
    let screen = text(&render(&state, &default_theme()));
    assert!(!screen.contains("waiting 12 s"), "{screen}");
}
