//! The terminal UI: start-up, terminal set-up and restore, and the event loop that feeds
//! actions to `update`, runs its effects and redraws when something changed.
//!
//! Module map: `state` (all state), `action` (inputs and effects), `update` (the only
//! writer: a dispatcher to the screen in front; quitting and help are its own), the
//! screens `main_screen`, `board`, `templates` and `wizard` (their state and handlers;
//! `screen` is what handlers get and give back), `store` (data read, requests asked and
//! answered), `derived` (views computed when their inputs change), `rich` (text with
//! roles, and documents that scroll to their end), `markdown` (the audit report drawn),
//! `help` (each screen's help), `layout` (geometry shared with drawing), `log_view` (the log's levels, times, filter
//! and call detail),
//! `worker` (runs effects as jobs on `jobs`, the one job runner: API reads, fleet
//! refreshes, template and migration runs, file work), `keymap`/`theme` (data in
//! `assets/`, a keymap per screen), `clipboard` (yank with OSC 52), `strings`
//! (user-facing text), `ui` (drawing, one file per pane).

use std::io;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{channel, unbounded_channel};

use crate::config::Settings;

pub mod action;
pub mod board;
pub mod clipboard;
pub mod derived;
pub mod fuzzy;
pub mod help;
pub mod jobs;
pub mod journals;
pub mod keymap;
pub mod layout;
pub mod log_view;
pub mod main_screen;
pub mod markdown;
pub mod palette;
pub mod rich;
pub mod screen;
pub mod state;
pub mod store;
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
use worker::Worker;

/// Shortest time between two frames (60 fps).
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// Tick period while requests are in flight (spinner speed).
const BUSY_TICK: Duration = Duration::from_millis(100);
/// Tick period when idle: only the "synced Ns ago" label and auto-refresh need it.
const IDLE_TICK: Duration = Duration::from_secs(1);

/// Opens the terminal UI on `settings`' backend and runs it until the operator quits.
pub fn main(runtime: tokio::runtime::Runtime, settings: Settings) -> ExitCode {
    // Hooks first: color-eyre's panic hook, then ratatui::init wraps it with a restore.
    let _ = color_eyre::install();
    let no_color = theme::no_color_requested(std::env::var("NO_COLOR").ok().as_deref());
    let prepared = Keymap::load(&settings.keys)
        .map_err(|e| e.to_string())
        .and_then(|keymap| {
            Theme::load(&settings.theme, &settings.theme_overrides, no_color)
                .map(|theme| (keymap, theme))
                .map_err(|e| e.to_string())
        });
    let (keymap, theme) = match prepared {
        Ok(ready) => ready,
        Err(sentence) => {
            eprintln!("wamigrate: {sentence}");
            return ExitCode::from(crate::exit::EXIT_USAGE);
        }
    };
    let recent = worker::load_recent(&settings.data_dir);
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
            ExitCode::from(crate::exit::EXIT_ERROR)
        }
    }
}

/// The event loop: one `select!` over terminal events, job results, call records,
/// the connection, ticks and signals; effects go to the worker, state changes only in
/// `update`.
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
    let size = terminal.size()?;
    let mut state = State::new(
        &settings,
        keymap,
        recent,
        Rect::new(0, 0, size.width, size.height),
        Instant::now(),
    );
    state.wall_anchor = Some((Instant::now(), std::time::SystemTime::now()));
    // First frame before anything else: connecting happens on its own task.
    terminal.draw(|f| ui::draw(f, &state, &theme))?;
    state.dirty = false;
    tracing::info!("first frame drawn");
    let (calls_tx, mut calls) = unbounded_channel();
    let (results_tx, mut results) = channel(worker::RESULTS_CAPACITY);
    let mut worker = Worker::new(settings.data_dir.clone(), results_tx);
    // Unfinished migrations are offered for resume as soon as they are read.
    worker.run(Effect::ListJournals);
    let mut connecting = Worker::connect(settings, calls_tx);
    let mut connect_answered = false;
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
            Some(action) = results.recv() => action,
            Some(record) = calls.recv() => Action::Call(record),
            joined = &mut connecting, if !connect_answered => {
                connect_answered = true;
                match joined.unwrap_or_else(|e| Err(e.to_string())) {
                    Ok(connection) => {
                        let label = connection.label.clone();
                        worker.connected(connection);
                        Action::Connected(label)
                    }
                    Err(sentence) => Action::ConnectFailed(sentence),
                }
            }
            _ = tokio::time::sleep_until(next_tick.into()) => {
                let now = Instant::now();
                next_tick = now + if state.is_busy() { BUSY_TICK } else { IDLE_TICK };
                Action::Tick(now)
            }
            _ = sigterm.recv() => Action::Terminate,
            _ = sigint.recv() => Action::Terminate,
            _ = tokio::time::sleep_until(frame_due.into()), if state.dirty => continue,
        };
        // A tick while busy also says which call waits longest, for the top bar.
        let waiting = (matches!(action, Action::Tick(_))
            && (state.is_busy() || state.slow_call.is_some()))
        .then(|| Action::Waiting(worker.longest_wait()));
        // The end of a fleet refresh drops the rows it replaced: their memory goes back
        // to the system, so the resident memory follows the fleet held.
        let refreshed = matches!(
            &action,
            Action::Board(event) if matches!(
                **event,
                board::BoardEvent::Refresh { progress: crate::ops::fleet_read::FleetEvent::Finished, .. }
            )
        );
        for action in std::iter::once(action).chain(waiting) {
            for effect in update::update(&mut state, action) {
                if let Some(code) = worker.run(effect) {
                    return Ok(code);
                }
            }
        }
        if refreshed {
            crate::api::memory::give_back_freed();
        }
        if state.is_busy() && next_tick > Instant::now() + BUSY_TICK {
            next_tick = Instant::now() + BUSY_TICK;
        }
    }
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
