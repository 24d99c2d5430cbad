//! TUI figures (printed, never asserted): full-frame render time, `update` latency,
//! key→frame latency while a 1,000-number refresh is in flight, the fleet board with
//! 10,000 and 100,000 numbers (one frame, a sort, a filter keystroke, resident memory), one frame of the template diff
//! view with 10,000 rows (target ≤ 2 ms), and, with the real binary in a
//! pseudo-terminal, time to first frame and idle CPU.
//!
//! Run: `cargo build --release && cargo bench --bench tui` (add `-- --quick` to skip the
//! process figures; `WAMIGRATE_TEST_BINARY=path` measures another binary).

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use wamigrate::app::action::Action;
use wamigrate::app::theme::Theme;
use wamigrate::app::ui;
use wamigrate::app::update::update;
use wamigrate::cli::bench::resident_memory_mb;
use wamigrate::domain::template::TemplateInventory;
use wamigrate::testkit::demo::{self, Portfolio};
use wamigrate::testkit::fleet::{board_state, fleet_rows};

fn main() {
    // As `wamigrate` itself starts (`cli::main`).
    wamigrate::api::memory::limit_arenas();
    let quick = std::env::args().any(|a| a == "--quick");
    let theme = Theme::load("default", &toml::Table::new(), false).expect("theme");
    let portfolio = Portfolio::new(1_000);
    let now = Instant::now();
    let mut state = demo::loaded_state(&portfolio, 120, 40, now);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");

    let render = sample(500, || {
        terminal
            .draw(|f| ui::draw(f, &state, &theme))
            .expect("draw");
    });
    report("render a full 120x40 frame (1,000 numbers)", &render);

    let down = Action::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    let step = sample(2_000, || {
        update(&mut state, down.clone());
    });
    report("update(): move down the 1,000-number list", &step);

    // A refresh in flight: every read of both WABAs and the number is awaited.
    let refreshing = update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
    );
    assert!(!refreshing.is_empty(), "a refresh is in flight");
    let key_to_frame = sample(500, || {
        update(&mut state, down.clone());
        terminal
            .draw(|f| ui::draw(f, &state, &theme))
            .expect("draw");
    });
    report("key→frame while a 1,000-number refresh runs", &key_to_frame);

    let answer = sample(200, || {
        let effects = update(
            &mut state,
            Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
        );
        demo::answer_all(&mut state, &portfolio, effects, now);
    });
    report("refresh answered: apply 1,000 numbers + headers", &answer);

    fleet_board_figures(&mut terminal, &theme, now);
    template_view_figures(&theme, now);

    if !quick {
        process_figures();
    }
}

/// The fleet board with 10,000 numbers: one frame (target ≤ 5 ms), and the `update`s
/// that re-sort and re-filter the whole fleet (they run between frames, never in one).
fn fleet_board_figures(terminal: &mut Terminal<TestBackend>, theme: &Theme, now: Instant) {
    let press = |state: &mut wamigrate::app::state::State, c: char| {
        let modifiers = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        update(
            state,
            Action::Key(KeyEvent::new(KeyCode::Char(c), modifiers)),
        );
    };
    for count in [10_000, 100_000] {
        let mut board = board_state(&fleet_rows(count), 120, 40, now);
        // As the app does when a refresh finishes (`app::run`).
        let kept = resident_memory_mb();
        wamigrate::api::memory::give_back_freed();
        assert_eq!(
            board.board.shown,
            count + count / 100,
            "numbers and 1% channels"
        );
        let frame = sample(500, || {
            terminal.draw(|f| ui::draw(f, &board, theme)).expect("draw");
        });
        report(
            &format!("board: one 120x40 frame, {count} numbers (≤ 5 ms)"),
            &frame,
        );
        // `o` moves to the next column: its first sort orders the column's cells once.
        let sort = sample(13, || press(&mut board, 'o'));
        report(
            &format!("board: o (first sort of {count} rows by the next column, ≤ 50 ms)"),
            &sort,
        );
        press(&mut board, '/');
        for c in "quality:RE".chars() {
            press(&mut board, c);
        }
        let keystroke = sample(50, || {
            press(&mut board, 'D');
            update(
                &mut board,
                Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
        });
        report(
            &format!("board: 2 filter keystrokes, {count} rows (≤ 2 × 20 ms)"),
            &keystroke,
        );
        if let (Some(kept), Some(mb)) = (kept, resident_memory_mb()) {
            println!(
                "board: resident memory with {count} numbers loaded: {mb:.1} MB after sorts and filters ({kept:.1} MB after the refresh, before its freed memory was given back) (≤ 150 MB at 100,000)"
            );
        }
    }
}

/// The template diff view over 10,000 source templates (2,000 in the destination, half
/// of them the same names): one frame, scrolling, and a mode toggle (new forecast).
fn template_view_figures(theme: &Theme, now: Instant) {
    let inventory = |templates: Vec<_>| TemplateInventory {
        count: Some(templates.len() as u64),
        limit: Some(12_000),
        templates,
    };
    let portfolio = Portfolio::new(10).with_templates(
        inventory(demo::generated_templates("s", 0..10_000, false)),
        inventory(demo::generated_templates("d", 9_000..11_000, true)),
    );
    let mut state = demo::loaded_state(&portfolio, 120, 40, now);
    let key = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    update(&mut state, key('t'));
    let rows = state.templates.as_ref().map_or(0, |v| v.visible.len());
    assert_eq!(
        rows, 11_000,
        "10,000 source rows and 1,000 destination-only rows"
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let frame = sample(500, || {
        terminal.draw(|f| ui::draw(f, &state, theme)).expect("draw");
    });
    report("template diff view: one 120x40 frame (11,000 rows)", &frame);
    update(&mut state, key('G'));
    let scroll = sample(500, || {
        update(&mut state, key('k'));
        terminal.draw(|f| ui::draw(f, &state, theme)).expect("draw");
    });
    report(
        "template diff view: key→frame scrolling at the end",
        &scroll,
    );
    let toggle = sample(50, || {
        update(&mut state, key('M'));
    });
    report("template diff view: mode toggle (forecast + sort)", &toggle);
}

/// Runs `f` `n` times and returns the durations, sorted.
fn sample(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn report(what: &str, sorted: &[Duration]) {
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "{what:<52} median {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        at(0.5),
        at(0.99),
        sorted[sorted.len() - 1]
    );
}

/// Start-up to first frame and idle CPU of the real binary in a pseudo-terminal.
fn process_figures() {
    // WAMIGRATE_TEST_BINARY (as in the end-to-end tests), else the release build.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let binary = std::env::var_os("WAMIGRATE_TEST_BINARY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| target_dir.join("release/wamigrate"));
    let binary = Some(binary).filter(|p| p.exists());
    let Some(binary) = binary else {
        println!("process figures skipped: build the release binary first (cargo build --release)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("config");
    let mut first_frames = Vec::new();
    for _ in 0..5 {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut command = CommandBuilder::new(&binary);
        command.env_remove("WAMIGRATE_GRAPH_TOKEN");
        command.env("WAMIGRATE_DATA_DIR", dir.path().join("data"));
        command.env("WAMIGRATE_CONFIG", &config);
        command.env("TERM", "xterm-256color");
        let started = Instant::now();
        let mut child = pair.slave.spawn_command(command).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("screen").process(&buf[..n]);
            }
        });
        while !screen
            .lock()
            .expect("screen")
            .screen()
            .contents()
            .contains("SANDBOX")
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        first_frames.push(started.elapsed());
        if first_frames.len() == 5 {
            std::thread::sleep(Duration::from_secs(3)); // let the sandbox load finish
            let pid = child.process_id().expect("pid");
            let before = cpu_ticks(pid);
            std::thread::sleep(Duration::from_secs(5));
            let after = cpu_ticks(pid);
            if let (Some(b), Some(a)) = (before, after) {
                println!(
                    "idle CPU over 5 s (after loading): {:.2}% of one core",
                    (a - b) as f64 / 100.0 / 5.0 * 100.0
                );
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    first_frames.sort();
    report(
        "process start → first frame (real binary, pty)",
        &first_frames,
    );
}

/// utime + stime of a process in clock ticks (Linux `/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
