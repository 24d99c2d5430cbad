//! Logs go to a file under the data directory, never to the screen (the screen is the UI).

use std::fs::File;
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

/// Starts file logging at `<data_dir>/logs/wamigrate.log` (0600 in a 0700 folder, like
/// journals and reports); keep the guard alive until exit so buffered lines are
/// written. Returns `None` (and logs nothing) when the file cannot be opened: logging
/// must never stop the tool.
pub fn init(data_dir: &Path, level: LogLevel) -> Option<(WorkerGuard, PathBuf)> {
    let path = data_dir.join("logs").join(LOG_FILE);
    let file = open_log_file(&path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_LINES_BUFFERED)
        .finish(file);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(LevelFilter::from(level))
        .try_init()
        .ok()?;
    Some((guard, path))
}

const LOG_FILE: &str = "wamigrate.log";

/// Lines waiting for the log's writer thread. tracing-appender's default (128,000)
/// allocates and touches a 4 MB queue at every start (1.6 ms of a `status`, 4 MB of the
/// TUI's memory); wamigrate logs a line or two per call, and a full queue drops lines
/// (the journal, not the log, is the record of a run).
const LOG_LINES_BUFFERED: usize = 8_192;

/// Opens the log for appending, private from its first byte; a log left by an older
/// version with wider permissions is narrowed too.
fn open_log_file(path: &Path) -> std::io::Result<File> {
    use crate::ops::private_files::{private_dir, private_options, restrict_file};
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let file = private_options().create(true).append(true).open(path)?;
    restrict_file(&file)?;
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_is_private_in_a_private_folder_and_an_older_one_is_narrowed() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("logs").join(LOG_FILE);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        open_log_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            path.parent().unwrap(),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(&path, "earlier line\n").unwrap();
        let mut file = open_log_file(&path).unwrap();
        std::io::Write::write_all(&mut file, b"next line\n").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier line\nnext line\n",
            "appended, never truncated"
        );
    }
}
