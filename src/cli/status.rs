//! `wamigrate status`: every number of the selected WABAs, for people and scripts. With
//! `--filter`, `--fail-on` and `--watch` it is the fleet board without a screen, for cron
//! and CI monitoring; the rows, the filter language and the change lines are the board's
//! own ([`crate::domain::fleet`]).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::api::text::one_line;
use crate::api::{GraphClient, HubClient, pacing};
use crate::cli::output::{
    Format, WaitNotices, print_csv, report_unreadable, write_json, write_table,
};
use crate::config::Settings;
use crate::connect::connect;
use crate::domain::fleet::{
    Column, FilterExpr, FleetRow, FleetSnapshot, MigrationState, RowChange, RowOrigin, or_dash,
};
use crate::exit::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::ops::export::{ExportFormat, export};
use crate::ops::fleet_read::{
    FleetEvent, FleetGathered, FleetQuery, now_utc_seconds, read_all, read_fleet, select_wabas,
};

/// Arguments of `wamigrate status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// A WABA to read (repeatable).
    #[arg(long = "waba", value_name = "ID", value_parser = crate::cli::graph_id)]
    pub wabas: Vec<String>,
    /// A business whose owned and client WABAs are read (repeatable).
    #[arg(long = "business", value_name = "ID", value_parser = crate::cli::graph_id)]
    pub businesses: Vec<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = crate::api::transport::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Print only the numbers matching EXPR, in the fleet board's filter syntax: free
    /// text and field:value[,value] terms, all of which must hold
    /// (e.g. 'status:FLAGGED,RESTRICTED quality:RED').
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Exit 3 when any number printed matches EXPR (same syntax as --filter); each match
    /// is one line on stderr.
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Option<String>,
    /// Print everything once, then re-read every SECONDS [default: 60] and print only
    /// the changes, one line each, until Ctrl-C (with --fail-on: until a number matches).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "60")]
    pub watch: Option<u64>,
    /// Also write the numbers printed, every fleet column, to
    /// <data dir>/exports/fleet-<time>.csv|json.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub export: Option<ExportFormat>,
}

/// One number, as `status` prints it in JSON and CSV (a contract for scripts: values as
/// the API spells them, `null` if absent). A projection of [`FleetRow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StatusRow {
    pub waba_id: String,
    pub id: String,
    pub display_phone_number: Option<String>,
    pub verified_name: Option<String>,
    pub name_status: Option<String>,
    pub new_name_status: Option<String>,
    pub code_verification_status: Option<String>,
    pub quality_rating: Option<String>,
    pub messaging_limit: Option<String>,
    pub platform_type: Option<String>,
    pub status: Option<String>,
    pub account_mode: Option<String>,
    pub is_pin_enabled: Option<bool>,
    pub is_on_biz_app: Option<bool>,
    pub is_official_business_account: Option<bool>,
    pub throughput_level: Option<String>,
}

impl StatusRow {
    /// The Graph number of a fleet row; `None` for a 360dialog-only row, which the
    /// contract has no place for.
    pub fn from_fleet(row: &FleetRow) -> Option<Self> {
        (row.origin == RowOrigin::Graph).then(|| StatusRow {
            waba_id: row.waba_id.clone(),
            id: row.id.clone(),
            display_phone_number: row.display_phone_number.clone(),
            verified_name: row.verified_name.clone(),
            name_status: row.name_status.as_deref().map(str::to_string),
            new_name_status: row.new_name_status.as_deref().map(str::to_string),
            code_verification_status: row.code_verification_status.as_deref().map(str::to_string),
            quality_rating: row.quality_rating.as_deref().map(str::to_string),
            messaging_limit: row.messaging_limit.as_deref().map(str::to_string),
            platform_type: row.platform_type.as_deref().map(str::to_string),
            status: row.status.as_deref().map(str::to_string),
            account_mode: row.account_mode.as_deref().map(str::to_string),
            is_pin_enabled: row.is_pin_enabled,
            is_on_biz_app: row.is_on_biz_app,
            is_official_business_account: row.is_official_business_account,
            throughput_level: row.throughput_level.as_deref().map(str::to_string),
        })
    }
}

/// The expressions of one `status` run, parsed before anything is read.
struct Expressions {
    filter: FilterExpr,
    fail_on: Option<FilterExpr>,
}

impl Expressions {
    /// Parses `--filter` and `--fail-on`; the error is the sentence to print.
    fn parse(args: &StatusArgs) -> Result<Expressions, String> {
        let filter = FilterExpr::parse(args.filter.as_deref().unwrap_or(""))
            .map_err(|e| format!("--filter: {e}"))?;
        let fail_on = match args.fail_on.as_deref() {
            None => None,
            Some(raw) => match FilterExpr::parse(raw) {
                Ok(expr) if expr.is_empty() => {
                    return Err("--fail-on needs at least one term, e.g. --fail-on 'status:FLAGGED,RESTRICTED quality:RED'.".into());
                }
                Ok(expr) => Some(expr),
                Err(e) => return Err(format!("--fail-on: {e}")),
            },
        };
        Ok(Expressions { filter, fail_on })
    }

    /// Whether a term needs the 360dialog channel status.
    fn need_channels(&self) -> bool {
        std::iter::once(&self.filter)
            .chain(&self.fail_on)
            .any(|e| e.columns().contains(&Column::Channel))
    }

    /// The rows `--filter` selects.
    fn visible(&self, rows: &[FleetRow]) -> Vec<FleetRow> {
        rows.iter()
            .filter(|r| self.filter.matches(r))
            .cloned()
            .collect()
    }

    /// Lists the rows `--fail-on` matches on stderr; true when there is one.
    fn report_matches(&self, rows: &[FleetRow]) -> bool {
        let Some(fail_on) = &self.fail_on else {
            return false;
        };
        let mut shown = vec![Column::Status, Column::Quality];
        shown.extend(fail_on.columns());
        shown.retain(|c| !matches!(c, Column::Number | Column::Waba));
        shown.sort();
        shown.dedup();
        let mut any = false;
        for row in rows.iter().filter(|r| fail_on.matches(r)) {
            any = true;
            let cells: Vec<String> = shown
                .iter()
                .map(|c| format!("{} {}", c.key(), or_dash(&c.value(row))))
                .collect();
            // Cells are server text: one safe line.
            let line = format!(
                "--fail-on matched {} (WABA {}): {}",
                row.label(),
                or_dash(&Column::Waba.value(row)),
                cells.join(", ")
            );
            eprintln!("wamigrate: {}", one_line(&line));
        }
        any
    }
}

/// Runs `wamigrate status`. Exit 0 when every source was read, 1 when some failed (the
/// others are still printed), 2 on usage or configuration errors, 3 when a number
/// matches `--fail-on`. With `--watch`, runs until Ctrl-C (exit 0) or a `--fail-on`
/// match (exit 3).
pub async fn run(settings: &Settings, args: StatusArgs) -> ExitCode {
    if args.concurrency == 0 {
        eprintln!("wamigrate: --concurrency must be at least 1.");
        return ExitCode::from(EXIT_USAGE);
    }
    if args.watch == Some(0) {
        eprintln!("wamigrate: --watch needs an interval of at least 1 second.");
        return ExitCode::from(EXIT_USAGE);
    }
    let expressions = match Expressions::parse(&args) {
        Ok(e) => e,
        Err(sentence) => {
            eprintln!("wamigrate: {sentence}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(sandbox) = &connection.sandbox {
        let base_url = &sandbox.base_url;
        eprintln!(
            "wamigrate: no credentials configured; reading the embedded sandbox at {base_url}."
        );
    }
    let graph = connection.graph.clone().with_concurrency(args.concurrency);
    let _waits = WaitNotices::start(graph.transport().clone());
    let format = Format::or_default(args.format);
    // Channels feed the table's CHANNEL column and channel: terms; the JSON/CSV
    // contract has no place for them.
    let hub = connection
        .hub
        .as_ref()
        .filter(|_| format == Format::Table || expressions.need_channels());
    let (wabas, businesses) = if args.wabas.is_empty() && args.businesses.is_empty() {
        (settings.wabas.clone(), settings.businesses.clone())
    } else {
        (args.wabas.clone(), args.businesses.clone())
    };
    let waba_ids = match select_wabas(&graph, &wabas, &businesses).await {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("wamigrate: could not find the WABAs to read: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let query = FleetQuery {
        waba_ids: Some(waba_ids),
        ..FleetQuery::default()
    };
    let report = read_all(&graph, hub, &settings.data_dir, query.clone()).await;
    let visible = expressions.visible(&report.rows);
    if let Err(e) = print_rows(format, &visible, hub.is_some()) {
        eprintln!("wamigrate: could not write the output: {e}.");
        return ExitCode::from(EXIT_ERROR);
    }
    for failure in &report.failures {
        eprintln!("wamigrate: {failure}");
    }
    if let Some(export_format) = args.export {
        // The export fsyncs: off the async threads.
        let written = {
            let (rows, data_dir) = (visible.clone(), settings.data_dir.clone());
            tokio::task::spawn_blocking(move || export(&rows, export_format, &data_dir))
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e)))
        };
        match written {
            Ok(path) => eprintln!(
                "wamigrate: exported {} numbers to {}.",
                visible.len(),
                path.display()
            ),
            Err(e) => {
                eprintln!(
                    "wamigrate: could not write the export under {}: {e}.",
                    settings.data_dir.join("exports").display()
                );
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    if expressions.report_matches(&visible) {
        return ExitCode::from(EXIT_FINDINGS);
    }
    match args.watch {
        Some(seconds) => {
            let watch = Watch {
                graph: &graph,
                hub,
                query,
                data_dir: &settings.data_dir,
                interval: Duration::from_secs(seconds),
                expressions: &expressions,
            };
            watch.run(report.rows).await
        }
        None if report_unreadable(graph.transport()) => ExitCode::from(EXIT_ERROR),
        None if report.failures.is_empty() => ExitCode::SUCCESS,
        None => ExitCode::from(EXIT_ERROR),
    }
}

/// `status --watch`: re-reads at an interval (slower when the API usage is high) and
/// prints each change the moment the WABA that shows it arrives.
struct Watch<'a> {
    graph: &'a GraphClient,
    hub: Option<&'a HubClient>,
    query: FleetQuery,
    data_dir: &'a Path,
    interval: Duration,
    expressions: &'a Expressions,
}

impl Watch<'_> {
    /// Runs from the rows already printed until Ctrl-C (exit 0) or a `--fail-on` match
    /// (exit 3). Changes are those of numbers `--filter` selects before or after, so a
    /// number turning FLAGGED under `--filter status:FLAGGED` shows its old status. A
    /// WABA that fails keeps its previous rows (its failure is printed), so its numbers
    /// are not shown as removed and added again.
    async fn run(self, rows: Vec<FleetRow>) -> ExitCode {
        // Changes are filtered row by row: no search texts (`FleetSnapshot::unsearched`).
        let mut fleet = FleetSnapshot::unsearched(rows);
        loop {
            let usage = self.graph.transport().last_usage();
            let slowdown = pacing(usage);
            if let (Some(usage), false) = (usage, slowdown.is_zero()) {
                eprintln!(
                    "wamigrate: API usage at {}%: waiting {} s longer before the next read.",
                    usage.percent,
                    slowdown.as_secs()
                );
            }
            let cycle = async {
                tokio::time::sleep(self.interval + slowdown).await;
                self.read_once(&mut fleet).await
            };
            let printed = tokio::select! {
                _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
                printed = cycle => printed,
            };
            if let Err(e) = printed {
                eprintln!("wamigrate: could not write the output: {e}.");
                return ExitCode::from(EXIT_ERROR);
            }
            if self
                .expressions
                .report_matches(&self.expressions.visible(fleet.rows()))
            {
                return ExitCode::from(EXIT_FINDINGS);
            }
        }
    }

    /// One read folded into `fleet`, printing each failure and each change of a watched
    /// number as it arrives.
    async fn read_once(&self, fleet: &mut FleetSnapshot) -> std::io::Result<()> {
        let filter = &self.expressions.filter;
        let watched_before = watched(filter, fleet.rows().iter());
        let (events, mut inbox) = mpsc::channel(EVENT_BUFFER);
        let reading = read_fleet(
            self.graph,
            self.hub,
            self.data_dir,
            self.query.clone(),
            events,
        );
        let printing = async {
            let mut gathered = FleetGathered::default();
            while let Some(event) = inbox.recv().await {
                let waba = match &event {
                    FleetEvent::Waba { waba_id, .. } => Some(waba_id.clone()),
                    _ => None,
                };
                let absorbed = gathered.absorb(fleet, event);
                if let Some(failure) = absorbed.failure {
                    eprintln!("wamigrate: {failure}");
                }
                if absorbed.changes.is_empty() {
                    continue;
                }
                let watched_after = match &waba {
                    Some(waba_id) => watched(filter, fleet.waba_rows(waba_id)),
                    None => watched(filter, fleet.rows().iter()),
                };
                let lines: Vec<RowChange> = absorbed
                    .changes
                    .into_iter()
                    .filter(|c| watched_before.contains(&c.id) || watched_after.contains(&c.id))
                    .collect();
                print_changes(&lines)?;
            }
            Ok(())
        };
        let ((), printed) = tokio::join!(reading, printing);
        printed
    }
}

/// The ids of the rows `filter` selects.
fn watched<'r>(filter: &FilterExpr, rows: impl Iterator<Item = &'r FleetRow>) -> HashSet<String> {
    rows.filter(|r| filter.matches(r))
        .map(|r| r.id.clone())
        .collect()
}

/// Fleet events buffered between the reader and the printer.
const EVENT_BUFFER: usize = 64;

/// One line per change, stamped with the time it arrived.
fn print_changes(changes: &[RowChange]) -> std::io::Result<()> {
    let stamp = now_utc_seconds();
    let mut stdout = std::io::stdout().lock();
    for change in changes {
        // Old and new values are server text: one safe line each.
        writeln!(stdout, "{stamp} {}", one_line(&change.to_string()))?;
    }
    flush_ignoring_closed_pipe(&mut stdout)
}

/// Prints rows in `format`: JSON and CSV as [`StatusRow`]s, the table with the channel
/// column when channels were read and the migration column when a journal names a row.
fn print_rows(format: Format, rows: &[FleetRow], with_channels: bool) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let written = match format {
        Format::Json | Format::Csv => {
            let status_rows: Vec<StatusRow> =
                rows.iter().filter_map(StatusRow::from_fleet).collect();
            if format == Format::Json {
                write_json(&mut stdout, &status_rows)
            } else {
                print_csv(&mut stdout, &status_rows)
            }
        }
        Format::Table => write_status_table(&mut stdout, rows, with_channels),
    };
    written.or_else(ignore_closed_pipe)?;
    flush_ignoring_closed_pipe(&mut stdout)
}

fn flush_ignoring_closed_pipe(out: &mut impl Write) -> std::io::Result<()> {
    out.flush().or_else(ignore_closed_pipe)
}

/// A reader that stopped reading (`| head`) is not an error.
fn ignore_closed_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn write_status_table(
    out: &mut impl Write,
    rows: &[FleetRow],
    with_channels: bool,
) -> std::io::Result<()> {
    let mut columns = vec![
        Column::Waba,
        Column::Number,
        Column::VerifiedName,
        Column::NameStatus,
        Column::Quality,
        Column::Limit,
        Column::Platform,
        Column::Status,
        Column::TwoFactor,
    ];
    if with_channels {
        columns.push(Column::Channel);
    }
    if rows.iter().any(|r| r.migration != MigrationState::None) {
        columns.push(Column::Migration);
    }
    let headers: Vec<&str> = columns.iter().map(|c| c.header()).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| or_dash(&c.value(row)).to_string())
                .collect()
        })
        .collect();
    write_table(out, &headers, &cells, 28)?;
    writeln!(out, "{} numbers", rows.len())
}
