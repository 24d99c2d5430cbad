//! The terminal UI: start-up, terminal set-up and restore, and the event loop that feeds
//! actions to `update`, runs its effects and redraws when something changed.
//!
//! Module map: `state` (all state), `action` (inputs and effects), `update` (the only
//! writer), `worker` (API calls on tokio tasks), `keymap`/`theme` (data in `assets/`),
//! `strings` (user-facing text), `ui` (one file per pane), `wizard` (the guided
//! migration: its state and update, and the bridge to the ops runner).

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::config::Settings;

pub mod action;
pub mod board;
pub mod demo;
pub mod fuzzy;
pub mod keymap;
pub mod state;
pub mod strings;
pub mod templates;
pub mod theme;
pub mod ui;
pub mod update;
pub mod wizard;
pub mod worker;

use action::{Action, Effect};
use keymap::Keymap;
use state::{Recent, State};
use theme::Theme;
use wizard::WizardEvent;
use wizard::runner::{RunBridge, RunJob, unfinished_journals};

/// Shortest time between two frames (60 fps).
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// Tick period while requests are in flight (spinner speed).
const BUSY_TICK: Duration = Duration::from_millis(100);
/// Tick period when idle: only the "synced Ns ago" label and auto-refresh need it.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// File under the data dir holding the recently used WABAs and numbers.
const RECENT_FILE: &str = "tui-recent.json";

/// Opens the terminal UI on `settings`' backend and runs it until the operator quits.
pub fn main(runtime: tokio::runtime::Runtime, settings: Settings) -> ExitCode {
    // Hooks first: color-eyre's panic hook, then ratatui::init wraps it with a restore.
    let _ = color_eyre::install();
    let no_color = theme::no_color_requested(std::env::var("NO_COLOR").ok().as_deref());
    let prepared = Keymap::load(&settings.keys).and_then(|keymap| {
        Theme::load(&settings.theme, &settings.theme_overrides, no_color)
            .map(|theme| (keymap, theme))
    });
    let (keymap, theme) = match prepared {
        Ok(ready) => ready,
        Err(sentence) => {
            eprintln!("wamigrate: {sentence}");
            return ExitCode::from(crate::cli::EXIT_USAGE);
        }
    };
    let recent = load_recent(&settings.data_dir);
    let mut terminal = ratatui::init();
    install_mouse_restore_hook();
    let _ = crossterm::execute!(io::stdout(), EnableMouseCapture);
    let outcome = runtime.block_on(run(&mut terminal, settings, keymap, theme, recent));
    restore();
    // The worker and the embedded sandbox may hold sockets; do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tracing::error!(error = %e, "terminal error");
            eprintln!("wamigrate: the terminal failed: {e}.");
            ExitCode::from(crate::cli::EXIT_ERROR)
        }
    }
}

/// The event loop: one `select!` over terminal events, API answers, call records,
/// ticks and signals; effects run here, state changes only in `update`.
async fn run(
    terminal: &mut DefaultTerminal,
    settings: Settings,
    keymap: Keymap,
    theme: Theme,
    recent: Recent,
) -> io::Result<u8> {
    // Signal handlers before the first frame: a SIGTERM the moment the app is visible
    // must still restore the terminal.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let data_dir = settings.data_dir.clone();
    let size = terminal.size()?;
    let mut state = State::new(
        &settings,
        keymap,
        recent,
        Rect::new(0, 0, size.width, size.height),
        Instant::now(),
    );
    // First frame before anything else: connecting happens in the worker.
    terminal.draw(|f| ui::draw(f, &state, &theme))?;
    state.dirty = false;
    tracing::info!("first frame drawn");
    let (calls_tx, mut calls) = unbounded_channel();
    let (answers_tx, mut answers) = unbounded_channel();
    let (runner_tx, mut runner_messages) = unbounded_channel();
    let mut run_bridge = RunBridge::default();
    // Unfinished migrations are offered for resume as soon as they are read.
    list_journals(&data_dir, &answers_tx);
    let (requests, runs, board_commands, template_runs) =
        worker::spawn(settings, calls_tx, answers_tx.clone());
    let mut events = EventStream::new();
    let mut last_frame = Instant::now();
    let mut next_tick = Instant::now() + BUSY_TICK;
    loop {
        let frame_due = last_frame + FRAME_INTERVAL;
        if state.dirty && Instant::now() >= frame_due {
            terminal.draw(|f| ui::draw(f, &state, &theme))?;
            state.dirty = false;
            last_frame = Instant::now();
        }
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match to_action(event) {
                    Some(action) => action,
                    None => continue,
                },
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            },
            Some(action) = answers.recv() => action,
            Some(record) = calls.recv() => Action::Call(record),
            Some(message) = runner_messages.recv() => run_bridge.receive(message),
            _ = tokio::time::sleep_until(next_tick.into()) => {
                let now = Instant::now();
                next_tick = now + if state.is_busy() { BUSY_TICK } else { IDLE_TICK };
                Action::Tick(now)
            }
            _ = sigterm.recv() => Action::Terminate,
            _ = sigint.recv() => Action::Terminate,
            _ = tokio::time::sleep_until(frame_due.into()), if state.dirty => continue,
        };
        for effect in update::update(&mut state, action) {
            match effect {
                Effect::Api {
                    request_id,
                    request,
                } => {
                    let _ = requests.send((request_id, request));
                }
                Effect::Board(command) => {
                    let _ = board_commands.send(command);
                }
                Effect::TemplateRun(command) => {
                    let _ = template_runs.send(command);
                }
                Effect::SaveRecent(recent) => {
                    tokio::task::spawn_blocking({
                        let data_dir = data_dir.clone();
                        move || save_recent(&data_dir, &recent)
                    });
                }
                Effect::Quit(code) => return Ok(code),
                Effect::StartMigration(order) => {
                    let _ = runs.send(RunJob {
                        order,
                        data_dir: data_dir.clone(),
                        messages: runner_tx.clone(),
                    });
                }
                Effect::AnswerMigration { question, answer } => run_bridge.answer(question, answer),
                Effect::ListJournals => list_journals(&data_dir, &answers_tx),
            }
        }
        if state.is_busy() && next_tick > Instant::now() + BUSY_TICK {
            next_tick = Instant::now() + BUSY_TICK;
        }
    }
}

/// Reads the unfinished journals off the event loop and delivers them as an action.
fn list_journals(data_dir: &Path, answers: &UnboundedSender<Action>) {
    let data_dir = data_dir.to_path_buf();
    let answers = answers.clone();
    tokio::task::spawn_blocking(move || {
        let journals = unfinished_journals(&data_dir);
        let _ = answers.send(Action::Wizard(WizardEvent::Journals(journals)));
        let attempts = crate::ops::journal_store::register_attempts_by_number(
            &data_dir,
            time::OffsetDateTime::now_utc(),
        );
        let _ = answers.send(Action::RegisterAttempts(attempts));
    });
}

/// Terminal events the app reacts to; focus and paste events are ignored.
fn to_action(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => Some(Action::Key(key)),
        Event::Mouse(mouse) => Some(Action::Mouse(mouse)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}

/// Leaves the alternate screen, raw mode and mouse capture.
fn restore() {
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// ratatui's panic hook restores the screen but not mouse capture; this adds it.
fn install_mouse_restore_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

fn recent_path(data_dir: &Path) -> PathBuf {
    data_dir.join(RECENT_FILE)
}

/// Reads the recently used list; a missing or broken file means an empty list.
fn load_recent(data_dir: &Path) -> Recent {
    std::fs::read(recent_path(data_dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes the recently used list; failures are logged, never shown (it is a nicety).
fn save_recent(data_dir: &Path, recent: &Recent) {
    let written = std::fs::create_dir_all(data_dir).and_then(|_| {
        let bytes = serde_json::to_vec_pretty(recent).map_err(io::Error::other)?;
        std::fs::write(recent_path(data_dir), bytes)
    });
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not save the recently used list");
    }
}
