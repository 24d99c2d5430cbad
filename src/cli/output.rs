//! Output formats shared by the headless commands: aligned tables for people, JSON and
//! CSV for scripts.

use std::io::{IsTerminal, Write};

pub use crate::ops::export::{write_csv, write_json};

/// `--format` of the headless commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    /// The explicit choice, else a table on a terminal and JSON in a pipe.
    pub fn or_default(choice: Option<Format>) -> Format {
        choice.unwrap_or(if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Writes an aligned plain-text table; cells longer than `max_width` are cut with `…`.
pub fn write_table(
    out: &mut impl Write,
    headers: &[&str],
    rows: &[Vec<String>],
    max_width: usize,
) -> std::io::Result<()> {
    let cut = |cell: &str| -> String {
        if cell.chars().count() <= max_width {
            cell.to_string()
        } else {
            let mut s: String = cell.chars().take(max_width.saturating_sub(1)).collect();
            s.push('…');
            s
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(&mut headers.iter().copied()))?;
    for row in &rows {
        writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
