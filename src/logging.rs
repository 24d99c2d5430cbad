//! Logs go to a file under the data directory, never to the screen (the screen is the UI).

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::LevelFilter;

/// `--log-level` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// Starts file logging at `<data_dir>/logs/wamigrate.log`; keep the guard alive until
/// exit so buffered lines are written. Returns `None` (and logs nothing) when the
/// directory cannot be created: logging must never stop the tool.
pub fn init(data_dir: &Path, level: LogLevel) -> Option<(WorkerGuard, PathBuf)> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "wamigrate.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(LevelFilter::from(level))
        .try_init()
        .ok()?;
    Some((guard, dir.join("wamigrate.log")))
}
