//! Exports: the fleet rows of a view written to `<data dir>/exports/` as CSV or JSON
//! (`status --export` and the fleet board's `e`/`E`), and the JSON/CSV writers the
//! headless commands print with.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::fleet::FleetRow;

/// What `status --export` and the fleet board write files as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Writes the fleet rows of the current view (filter and sort applied) to
/// `<data_dir>/exports/fleet-<UTC time>.csv|json`, every column of [`FleetRow`], fsynced;
/// never overwrites an earlier export. Returns the path, for the operator to see.
pub fn export(
    rows: &[FleetRow],
    format: ExportFormat,
    data_dir: &Path,
) -> std::io::Result<PathBuf> {
    let dir = data_dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(std::io::Error::other)?;
    let extension = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    };
    let (path, file) = create_new_file(&dir, &format!("fleet-{stamp}"), extension)?;
    let mut out = BufWriter::new(&file);
    match format {
        ExportFormat::Csv => write_csv(&mut out, rows)?,
        ExportFormat::Json => write_json(&mut out, &rows)?,
    }
    out.flush()?;
    drop(out);
    file.sync_all()?;
    Ok(path)
}

/// Creates `<dir>/<stem>.<ext>`, or `<stem>-2.<ext>`, ... when it exists.
fn create_new_file(
    dir: &Path,
    stem: &str,
    extension: &str,
) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut attempt = 1;
    loop {
        let name = match attempt {
            1 => format!("{stem}.{extension}"),
            n => format!("{stem}-{n}.{extension}"),
        };
        let path = dir.join(name);
        match std::fs::File::create_new(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `rows` as pretty JSON (an array), streamed. The data stays exact, and the
/// text is terminal-safe: serde_json escapes C0 controls itself, this escapes DEL and
/// the C1 controls (U+0080–U+009F, e.g. CSI) too, so a JSON output printed on a
/// terminal or `cat` of an export cannot drive it.
pub fn write_json<T: Serialize>(out: &mut impl Write, rows: &T) -> std::io::Result<()> {
    // Buffered here: stdout is line-buffered and pretty JSON has a line per field, so
    // 10,000 numbers were some 180,000 writes (60 ms of CPU, half of `status`'s).
    let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, out);
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut out,
        TerminalSafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    rows.serialize(&mut serializer)?;
    writeln!(out)?;
    out.flush()
}

/// Bytes gathered before each write of a long output to a line-buffered stdout.
pub const OUTPUT_BUFFER: usize = 64 * 1024;

/// serde_json's pretty formatter, with DEL and C1 controls inside strings written as
/// `\u007f`…`\u009f` (JSON's own escape: a reader gets the same text back).
struct TerminalSafeJson(serde_json::ser::PrettyFormatter<'static>);

impl TerminalSafeJson {
    fn escapes(c: char) -> bool {
        ('\u{7f}'..='\u{9f}').contains(&c)
    }
}

/// Delegates layout to the pretty formatter; only string fragments differ.
impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices().filter(|(_, c)| Self::escapes(*c)) {
            writer.write_all(&fragment.as_bytes()[start..at])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            start = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `rows` as CSV with a header row named after the struct fields.
pub fn write_csv<T: Serialize>(out: &mut impl Write, rows: &[T]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for row in rows {
        writer.serialize(row).map_err(std::io::Error::other)?;
    }
    writer.flush()
}

/// Writes reaching a writer, counted: behind a `LineWriter` as stdout is, each is a
/// system call.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct CountedWrites {
    pub bytes: Vec<u8>,
    pub writes: usize,
}

#[cfg(test)]
impl Write for CountedWrites {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fleet::{MigrationState, RowOrigin};

    #[test]
    fn json_reaches_a_line_buffered_stdout_in_a_few_large_writes() {
        let rows: Vec<FleetRow> = fleet_rows().into_iter().cycle().take(2_000).collect();
        let mut stdout = std::io::LineWriter::new(CountedWrites::default());
        write_json(&mut stdout, &rows).unwrap();
        let written = stdout.get_ref();
        let lines = written.bytes.iter().filter(|&&b| b == b'\n').count();
        assert!(lines > 20_000, "{lines} lines");
        // A LineWriter passes each buffer on in two writes (up to its last newline).
        assert!(
            written.writes <= 2 * (written.bytes.len() / OUTPUT_BUFFER + 1),
            "{} writes for {} bytes",
            written.writes,
            written.bytes.len()
        );
        let back: Vec<FleetRow> = serde_json::from_slice(&written.bytes).unwrap();
        assert_eq!(back, rows);
    }

    fn fleet_rows() -> Vec<FleetRow> {
        let full = FleetRow {
            id: "1906385232743451".into(),
            origin: RowOrigin::Graph,
            waba_id: "104996".into(),
            waba_name: Some("Lucky Shrub".into()),
            business: Some("Lucky Shrub, Inc.".into()),
            display_phone_number: Some("+1 631-555-0101".into()),
            verified_name: Some("Jasper's \"Market\"".into()),
            name_status: Some("APPROVED".into()),
            new_name_status: Some("PENDING_REVIEW".into()),
            code_verification_status: Some("VERIFIED".into()),
            quality_rating: Some("GREEN".into()),
            messaging_limit: Some("TIER_2K".into()),
            platform_type: Some("CLOUD_API".into()),
            status: Some("SHINY_NEW_STATE".into()),
            account_mode: Some("LIVE".into()),
            is_pin_enabled: Some(true),
            is_on_biz_app: Some(false),
            is_official_business_account: Some(true),
            throughput_level: Some("HIGH".into()),
            channel_id: Some("aCH".into()),
            channel_status: Some("ready".into()),
            migration: MigrationState::InProgress {
                step: "verify_code".into(),
            },
            last_checked: "2026-11-25T16:01:02Z".into(),
        };
        let sparse = FleetRow {
            id: "zCH".into(),
            origin: RowOrigin::PartnerOnly,
            display_phone_number: Some("+44 20 7946 0000".into()),
            migration: MigrationState::Failed,
            last_checked: "2026-11-25T16:01:03Z".into(),
            ..FleetRow::default()
        };
        vec![full, sparse]
    }

    #[test]
    fn exported_csv_and_json_parse_back_to_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let rows = fleet_rows();

        let csv_path = export(&rows, ExportFormat::Csv, dir.path()).unwrap();
        assert_eq!(csv_path.parent().unwrap(), dir.path().join("exports"));
        let name = csv_path.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("fleet-") && name.ends_with("Z.csv"),
            "{name}"
        );
        let from_csv: Vec<FleetRow> = csv::Reader::from_path(&csv_path)
            .unwrap()
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(from_csv, rows);

        let json_path = export(&rows, ExportFormat::Json, dir.path()).unwrap();
        let from_json: Vec<FleetRow> =
            serde_json::from_reader(std::fs::File::open(&json_path).unwrap()).unwrap();
        assert_eq!(from_json, rows);

        let again = export(&rows, ExportFormat::Csv, dir.path()).unwrap();
        assert_ne!(again, csv_path, "an earlier export is never overwritten");
    }

    #[test]
    fn json_escapes_every_control_character_and_keeps_the_data() {
        let hostile = vec!["Shop\u{1b}[2J\u{9b}31m\u{85}\u{7f}\u{a0}é\n".to_string()];
        let mut out = Vec::new();
        write_json(&mut out, &hostile).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.chars()
                .all(|c| c == '\n' || !(c.is_control() || ('\u{80}'..='\u{9f}').contains(&c))),
            "{text:?}"
        );
        assert!(
            text.contains(r"Shop\u001b[2J\u009b31m\u0085\u007f"),
            "{text}"
        );
        let back: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, hostile);
        let mut pretty = Vec::new();
        write_json(&mut pretty, &serde_json::json!({"a": [1, {"b": null}]})).unwrap();
        assert_eq!(
            String::from_utf8(pretty).unwrap(),
            serde_json::to_string_pretty(&serde_json::json!({"a": [1, {"b": null}]})).unwrap()
                + "\n"
        );
    }
}
