//! Output formats shared by the headless commands: aligned tables for people, JSON and
//! CSV for scripts. Whatever reaches a terminal is terminal-safe: server text goes
//! through [`crate::api::text`], JSON escapes every control character (C1 and DEL too),
//! and CSV printed to a terminal has its control characters replaced.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use std::time::Duration;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::api::Transport;
use crate::api::text::{multi_line, one_line};
use crate::api::transport::WAIT_WORTH_SHOWING;
use crate::ops::export::OUTPUT_BUFFER;

pub use crate::ops::export::{write_csv, write_json};

/// `--format` of the commands whose output is a list of rows (`status`, `templates
/// diff`): a table, JSON or CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    /// The explicit choice, else a table on a terminal and JSON in a pipe.
    pub fn or_default(choice: Option<Format>) -> Format {
        choice.unwrap_or(if stdout_is_terminal() {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Whether stdout is a terminal (people) rather than a pipe or a file (scripts).
fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// `--format` of the commands whose output is one report rather than rows (`check`,
/// `doctor`, `templates migrate|recreate|track`): a table or JSON. A CSV of a report would not be
/// one table, so `--format csv` is refused by the parser (exit 2) instead of printing a
/// table a script did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

impl ReportFormat {
    /// The explicit choice, else a table on a terminal and JSON in a pipe.
    pub fn or_default(choice: Option<ReportFormat>) -> ReportFormat {
        choice.unwrap_or(if stdout_is_terminal() {
            ReportFormat::Table
        } else {
            ReportFormat::Json
        })
    }
}

/// Prints lines that quote server text (names, sentences) on stderr, every control
/// character replaced but newline and tab.
pub fn eprint_safe(text: &str) {
    eprintln!("{}", multi_line(text));
}

/// Prints `rows` as CSV on stdout: exact in a pipe or a file; on a terminal every
/// control character in a cell (ESC, CR, C1, ...) is replaced, as in tables, so a cell
/// cannot drive the terminal (newlines and tabs inside quoted cells stay).
pub fn print_csv<T: Serialize>(out: &mut impl Write, rows: &[T]) -> std::io::Result<()> {
    if !stdout_is_terminal() {
        return write_csv(out, rows);
    }
    let mut exact = Vec::new();
    write_csv(&mut exact, rows)?;
    out.write_all(multi_line(&String::from_utf8_lossy(&exact)).as_bytes())
}

/// Writes an aligned plain-text table; cells longer than `max_width` are cut with `…`,
/// and control characters in cells are replaced (see [`one_line`]).
pub fn write_table(
    out: &mut impl Write,
    headers: &[&str],
    rows: &[Vec<String>],
    max_width: usize,
) -> std::io::Result<()> {
    // Cells hold server text (verified names, statuses): no control character reaches
    // the terminal, and a newline cannot break the table.
    // Widths are display columns (a CJK character or an emoji takes two), so names in
    // any script line up.
    let cut = |cell: &str| -> String {
        let cell = one_line(cell);
        if cell.width() <= max_width {
            return cell.to_string();
        }
        let mut s = String::new();
        let mut used = 0;
        for c in cell.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > max_width.saturating_sub(1) {
                break;
            }
            used += w;
            s.push(c);
        }
        s.push('…');
        s
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        cells
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width()))))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    // One write per 64 KiB, not per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, out);
    writeln!(out, "{}", line(&mut headers.iter().copied()))?;
    for row in &rows {
        writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))?;
    }
    out.flush()
}

/// And says so again this often while it goes on waiting.
const WAIT_NOTICE_EVERY: Duration = Duration::from_secs(10);

/// Prints `waiting for GET /… (5 s so far)` on stderr while a call of `transport` waits
/// longer than a few seconds, so a slow or trickling server is never waited on in
/// silence. Stops when dropped.
pub struct WaitNotices(tokio::task::JoinHandle<()>);

impl WaitNotices {
    /// Starts watching the calls of `transport` (clones share the calls in flight).
    pub fn start(transport: Transport) -> Self {
        WaitNotices(tokio::spawn(async move {
            let mut last: Option<(String, Duration)> = None;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let Some(waiting) = transport.longest_wait() else {
                    continue;
                };
                if waiting.elapsed < WAIT_WORTH_SHOWING {
                    continue;
                }
                let due = match &last {
                    Some((endpoint, at)) if *endpoint == waiting.endpoint => {
                        waiting.elapsed >= *at + WAIT_NOTICE_EVERY
                    }
                    _ => true,
                };
                if due {
                    eprintln!(
                        "wamigrate: waiting for {} ({} s so far; gives up after {} s).",
                        waiting.endpoint,
                        waiting.elapsed.as_secs(),
                        transport.config().request_timeout.as_secs()
                    );
                    last = Some((waiting.endpoint, waiting.elapsed));
                }
            }
        }))
    }
}

impl Drop for WaitNotices {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Says on stderr how many items of which lists could not be read (no id, wrong type);
/// true when any, and the command then exits 1: its result is incomplete.
pub fn report_unreadable(transport: &Transport) -> bool {
    let unreadable = transport.unreadable_items();
    for items in &unreadable {
        eprintln!(
            "wamigrate: {} item(s) the API sent for {} could not be read (no id or a wrong type) and are not shown: the result is incomplete.",
            items.count, items.endpoint
        );
    }
    !unreadable.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::export::CountedWrites;

    #[test]
    fn a_long_table_reaches_a_line_buffered_stdout_in_a_few_large_writes() {
        let rows: Vec<Vec<String>> = (0..5_000)
            .map(|i| vec![format!("+1 555-{i:04}"), "GREEN".to_string()])
            .collect();
        let mut stdout = std::io::LineWriter::new(CountedWrites::default());
        write_table(&mut stdout, &["NUMBER", "QUALITY"], &rows, 40).unwrap();
        let written = stdout.get_ref();
        let text = String::from_utf8(written.bytes.clone()).unwrap();
        assert_eq!(text.lines().count(), 5_001);
        assert!(
            text.ends_with("+1 555-4999  GREEN\n"),
            "{}",
            &text[text.len() - 40..]
        );
        assert!(written.writes <= 3, "{} writes", written.writes);
    }

    #[test]
    fn table_aligns_wide_characters_by_display_columns() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["東京ショップ".to_string(), "GREEN".to_string()],
            vec!["Shop 🌿".into(), "RED".into()],
            vec!["plain".into(), "YELLOW".into()],
        ];
        write_table(&mut out, &["NAME", "QUALITY"], &rows, 28).unwrap();
        let text = String::from_utf8(out).unwrap();
        let columns: Vec<usize> = text
            .lines()
            .map(|l| {
                let name_end = l.find("  ").unwrap();
                let rest = &l[name_end..];
                l[..name_end].width() + rest.len() - rest.trim_start().len()
            })
            .collect();
        assert!(
            columns.windows(2).all(|w| w[0] == w[1]),
            "the second column starts at one display column on every line:\n{text}"
        );
        let mut cut = Vec::new();
        write_table(&mut cut, &["N"], &[vec!["東京東京東京".into()]], 5).unwrap();
        let cut = String::from_utf8(cut).unwrap();
        assert!(cut.lines().all(|l| l.width() <= 5), "{cut}");
    }

    #[test]
    fn table_aligns_columns_and_cuts_long_cells() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["1".to_string(), "a very long verified name".to_string()],
            vec!["22".into(), "x".into()],
        ];
        write_table(&mut out, &["ID", "NAME"], &rows, 10).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID  NAME\n1   a very lo…\n22  x\n"
        );
    }
}
