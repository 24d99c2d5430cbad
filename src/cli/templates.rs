//! `wamigrate templates diff|migrate`: the template forecast and the template migration,
//! headless.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::output::{Format, write_csv, write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::connect;
use crate::domain::eligibility::{self, Forecast, Mode, Summary};
use crate::domain::template::TemplateInventory;

/// `wamigrate templates ...`
#[derive(Debug, clap::Args)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub command: TemplatesCommand,
}

/// The template subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TemplatesCommand {
    /// Predict which templates a move carries, and why the others are not.
    Diff(DiffArgs),
}

/// Arguments of `templates diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Source WABA id.
    #[arg(long = "from", value_name = "SRC_WABA")]
    pub from: String,
    /// Destination WABA id.
    #[arg(long = "to", value_name = "DEST_WABA")]
    pub to: String,
    /// Which of Meta's rules applies: `number` (duplication during a number migration)
    /// or `api` (the template migration endpoint).
    #[arg(long, value_enum, default_value_t = Mode::Number)]
    pub mode: Mode,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// The JSON document of `templates diff` (a contract for scripts).
#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub source_waba_id: String,
    pub destination_waba_id: String,
    pub mode: Mode,
    pub destination: Capacity,
    pub templates: Vec<DiffRow>,
    pub summary: Summary,
}

/// Destination count and limit from Meta's `summary`.
#[derive(Debug, Serialize)]
pub struct Capacity {
    pub count: u64,
    pub limit: Option<u64>,
}

/// One source template's forecast.
#[derive(Debug, Serialize)]
pub struct DiffRow {
    pub id: String,
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    pub status: Option<String>,
    pub quality: Option<String>,
    pub outcome: &'static str,
    pub reason: Option<String>,
}

impl DiffReport {
    /// Builds the report from the two inventories and their forecast.
    pub fn new(
        source_id: &str,
        dest_id: &str,
        source: &TemplateInventory,
        forecast: &Forecast,
    ) -> Self {
        let templates = forecast
            .predictions
            .iter()
            .map(|p| {
                let t = &source.templates[p.source_index];
                DiffRow {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    language: t.language.clone(),
                    category: t.category.as_ref().map(ToString::to_string),
                    status: t.status.as_ref().map(ToString::to_string),
                    quality: t.quality().map(ToString::to_string),
                    outcome: p.outcome.as_str(),
                    reason: p.reason.clone(),
                }
            })
            .collect();
        DiffReport {
            source_waba_id: source_id.to_string(),
            destination_waba_id: dest_id.to_string(),
            mode: forecast.mode,
            destination: Capacity {
                count: forecast.destination_count,
                limit: forecast.destination_limit,
            },
            templates,
            summary: forecast.summary(),
        }
    }
}

/// Runs a `templates` subcommand.
pub async fn run(settings: &Settings, args: TemplatesArgs) -> ExitCode {
    match args.command {
        TemplatesCommand::Diff(diff) => run_diff(settings, diff).await,
    }
}

async fn run_diff(settings: &Settings, args: DiffArgs) -> ExitCode {
    if args.from == args.to {
        eprintln!(
            "wamigrate: --from and --to name the same WABA ({}); give two different WABAs.",
            args.from
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (source, dest) = tokio::join!(
        connection.graph.templates(&args.from),
        connection.graph.templates(&args.to)
    );
    let (source, dest) = match (source, dest) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) => {
            eprintln!(
                "wamigrate: could not read the templates of source WABA {}: {e}",
                args.from
            );
            return ExitCode::from(EXIT_ERROR);
        }
        (_, Err(e)) => {
            eprintln!(
                "wamigrate: could not read the templates of destination WABA {}: {e}",
                args.to
            );
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let forecast = eligibility::predict(&source, &dest, args.mode);
    let report = DiffReport::new(&args.from, &args.to, &source, &forecast);
    let mut out = std::io::stdout().lock();
    let written = match Format::or_default(args.format) {
        Format::Json => write_json(&mut out, &report),
        Format::Csv => write_csv(&mut out, &report.templates),
        Format::Table => write_diff_table(&mut out, &report, &forecast),
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("wamigrate: could not write the output: {e}.");
            ExitCode::from(EXIT_ERROR)
        }
        _ => ExitCode::SUCCESS,
    }
}

fn write_diff_table(
    out: &mut impl Write,
    report: &DiffReport,
    forecast: &Forecast,
) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "{} → {} ({})",
        report.source_waba_id,
        report.destination_waba_id,
        forecast.mode.rule()
    )?;
    writeln!(
        out,
        "{}; migrate {}, ineligible {}, already in destination {}, over limit {}",
        forecast.capacity_line(),
        s.migrate,
        s.ineligible,
        s.already_in_destination,
        s.over_limit
    )?;
    writeln!(out)?;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let rows: Vec<Vec<String>> = report
        .templates
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.language.clone(),
                dash(&t.category),
                dash(&t.status),
                dash(&t.quality),
                t.outcome.to_string(),
                t.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "NAME", "LANG", "CATEGORY", "STATUS", "QUALITY", "OUTCOME", "REASON",
        ],
        &rows,
        60,
    )?;
    writeln!(out)?;
    if s.over_limit > 0 {
        writeln!(out, "Over limit: {}.", eligibility::OVER_LIMIT_ORDER)?;
    }
    writeln!(out, "Note: {}.", eligibility::COPY_QUALITY_NOTE)
}
