//! `wamigrate templates diff|migrate`: the template forecast and the template migration,
//! headless.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::graph::is_not_readable;
use crate::api::text::one_line;
use crate::cli::output::{
    Format, ReportFormat, WaitNotices, print_csv, report_unreadable, write_json, write_table,
};
use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::{Connection, connect};
use crate::domain::eligibility::{self, Forecast, Mode, Summary};
use crate::domain::template::TemplateInventory;
use crate::ops::template_migration::{self as run_ops, MAX_PER_CALL, Progress, TemplateRun};
use crate::ops::template_tally::{Tally, cross_business_refusal};

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
    /// Copy the source's eligible templates into the destination
    /// (`migrate_message_templates`, same business only).
    Migrate(MigrateArgs),
    /// Re-create in the destination the templates a migration leaves behind, submit
    /// them for approval (journaled, resumable).
    Recreate(crate::cli::recreate::RecreateArgs),
    /// Follow a re-creation run's submissions to APPROVED or REJECTED.
    Track(crate::cli::recreate::TrackArgs),
}

/// Arguments of `templates migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Source WABA id.
    #[arg(long = "from", value_name = "SRC_WABA", value_parser = crate::cli::graph_id)]
    pub from: String,
    /// Destination WABA id.
    #[arg(long = "to", value_name = "DEST_WABA", value_parser = crate::cli::graph_id)]
    pub to: String,
    /// Print the calls it would send, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal); failed ids are
    /// retried once.
    #[arg(long)]
    pub yes: bool,
    /// Output format of the tally [default: table on a terminal, json otherwise]; the
    /// JSON: `{"expected", "migrated", "failed": [{"name", "language", "source_id",
    /// "reason"}], "already_present", "not_eligible", "over_limit",
    /// "rejected_on_recheck": [...], "calls"}`.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
}

/// Arguments of `templates diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Source WABA id.
    #[arg(long = "from", value_name = "SRC_WABA", value_parser = crate::cli::graph_id)]
    pub from: String,
    /// Destination WABA id.
    #[arg(long = "to", value_name = "DEST_WABA", value_parser = crate::cli::graph_id)]
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
        TemplatesCommand::Migrate(migrate) => run_migrate(settings, migrate).await,
        TemplatesCommand::Recreate(args) => {
            crate::cli::recreate::run_recreate(settings, args).await
        }
        TemplatesCommand::Track(args) => crate::cli::recreate::run_track(settings, args).await,
    }
}

/// Connects and reads both WABAs' templates; on failure prints one sentence and gives
/// the exit code.
async fn read_pair(
    settings: &Settings,
    from: &str,
    to: &str,
) -> Result<(Connection, TemplateInventory, TemplateInventory), ExitCode> {
    if from == to {
        eprintln!(
            "wamigrate: --from and --to name the same WABA ({from}); give two different WABAs."
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    let connection = connect(settings, None).await.map_err(|e| {
        eprintln!("wamigrate: {e}");
        ExitCode::from(EXIT_USAGE)
    })?;
    let _waits = WaitNotices::start(connection.graph.transport().clone());
    let (source, dest) = tokio::join!(
        connection.graph.templates(from),
        connection.graph.templates(to)
    );
    match (source, dest) {
        (Ok(s), Ok(d)) => Ok((connection, s, d)),
        (Err(e), _) => {
            eprintln!("wamigrate: could not read the templates of source WABA {from}: {e}");
            Err(ExitCode::from(EXIT_ERROR))
        }
        (_, Err(e)) => {
            eprintln!("wamigrate: could not read the templates of destination WABA {to}: {e}");
            Err(ExitCode::from(EXIT_ERROR))
        }
    }
}

async fn run_diff(settings: &Settings, args: DiffArgs) -> ExitCode {
    let (connection, source, dest) = match read_pair(settings, &args.from, &args.to).await {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let forecast = eligibility::predict(&source, &dest, args.mode);
    let report = DiffReport::new(&args.from, &args.to, &source, &forecast);
    let mut out = std::io::stdout().lock();
    let written = match Format::or_default(args.format) {
        Format::Json => write_json(&mut out, &report),
        Format::Csv => print_csv(&mut out, &report.templates),
        Format::Table => write_diff_table(&mut out, &report, &forecast),
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("wamigrate: could not write the output: {e}.");
            ExitCode::from(EXIT_ERROR)
        }
        _ if report_unreadable(connection.graph.transport()) => ExitCode::from(EXIT_ERROR),
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

/// Runs `templates migrate`: exit 0 when every expected template is in the destination
/// afterwards (a fresh read, by name and language), 3 when some are not or the WABAs
/// belong to different businesses (refused before any call), 1 when a read failed or a
/// call failed as a whole and templates are missing, 2 on usage errors.
async fn run_migrate(settings: &Settings, args: MigrateArgs) -> ExitCode {
    let (connection, source, dest) = match read_pair(settings, &args.from, &args.to).await {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    if let Err(code) = same_business(&connection, &args.from, &args.to).await {
        return code;
    }
    let forecast = eligibility::predict(&source, &dest, Mode::Api);
    let summary = forecast.summary();
    let pages = (source.templates.len() as u32).div_ceil(MAX_PER_CALL);
    eprintln!(
        "{} → {}: {} templates, {} expected to migrate ({}); {} page call(s) of up to {MAX_PER_CALL}.",
        args.from,
        args.to,
        summary.total,
        summary.migrate,
        forecast.capacity_line(),
        pages
    );
    if args.dry_run {
        for page in 0..pages {
            println!(
                "POST /{}/migrate_message_templates source_waba_id={} page_number={page} count={MAX_PER_CALL}",
                args.to, args.from
            );
        }
        return ExitCode::SUCCESS;
    }
    if !args.yes {
        match confirm(&format!(
            "Copy the eligible templates of {} into {}? Type yes to go on: ",
            args.from, args.to
        )) {
            Some(true) => {}
            Some(false) => {
                eprintln!("wamigrate: nothing sent.");
                return ExitCode::SUCCESS;
            }
            None => {
                eprintln!(
                    "wamigrate: refusing to migrate templates without confirmation: stdin is not a terminal; pass --yes."
                );
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let graph = &connection.graph;
    let mut run = TemplateRun::new(&args.from, &args.to);
    run.expect(&forecast, &source);
    // Progress counts calls only: what arrived is counted after, from a fresh read.
    let show = |p: Progress| eprintln!("  {}/{} call(s) answered", p.calls_done, p.calls_total);
    run_ops::run_pages(graph, &mut run, source.templates.len(), &show).await;
    // A page whose answer was lost may have been carried out: it is read back once it
    // can no longer be in flight, and only what is missing is sent, never a page blind.
    if run.unanswered_calls() > 0 {
        eprintln!(
            "  {} page call(s) got no answer; reading the destination back once they can no longer be in flight ({} s)…",
            run.unanswered_calls(),
            connection.call_timeout.as_secs()
        );
        match run_ops::settle_lost_pages(graph, &mut run, &source, connection.call_timeout, &show)
            .await
        {
            Ok(resent) => eprintln!("  {resent} missing template(s) sent again by id."),
            Err(e) => eprintln!(
                "wamigrate: could not read the destination back after the lost page(s); nothing was sent again: {e}"
            ),
        }
    }
    // The retry names the expected templates a fresh read does not find, by name and
    // language: never the ids the answers held (the docs leave their meaning open).
    // A page call that failed as a whole (no answer, a refused redirect) is a runtime
    // failure, not Meta refusing templates: it is reported, not repeated.
    match run_ops::missing_after_pages(graph, &run, &source).await {
        Ok(missing)
            if !missing.is_empty()
                && run.failed_calls == 0
                && (args.yes
                    || confirm(&format!(
                        "{} expected templates are not in the destination. Retry them once? Type yes: ",
                        missing.len()
                    )) == Some(true)) =>
        {
            run_ops::retry_ids(graph, &mut run, &missing, &show).await;
        }
        Ok(_) => {}
        Err(e) => eprintln!("wamigrate: could not re-read the destination before the retry: {e}"),
    }
    let recheck = run_ops::recheck(graph, &mut run, &source).await;
    // The record is fsynced: off the async threads.
    let saved = {
        let (record, data_dir) = (run.clone(), settings.data_dir.clone());
        tokio::task::spawn_blocking(move || record.save(&data_dir))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    };
    match &saved {
        Ok(path) => eprintln!("Run recorded in {}.", path.display()),
        Err(e) => eprintln!(
            "wamigrate: could not record the run under {}: {e}.",
            settings.data_dir.display()
        ),
    }
    for call in run.calls.iter().filter(|c| c.error.is_some()) {
        let line = format!(
            "call failed  {}: {}",
            call.request,
            call.error.as_deref().unwrap_or_default()
        );
        eprintln!("wamigrate: {}", one_line(&line));
    }
    let tally = match (&recheck, &run.tally) {
        (Ok(()), Some(tally)) => tally,
        _ => {
            if let Err(e) = &recheck {
                eprintln!(
                    "wamigrate: could not re-read the destination, so what arrived is unknown: {e}"
                );
            }
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let written = match ReportFormat::or_default(args.format) {
        ReportFormat::Json => write_json(&mut std::io::stdout().lock(), tally),
        ReportFormat::Table => {
            print_run(&run, tally, &forecast);
            Ok(())
        }
    };
    if written.is_err() || saved.is_err() {
        return ExitCode::from(EXIT_ERROR);
    }
    if tally.all_arrived() {
        ExitCode::SUCCESS
    } else if run.failed_calls > 0 {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}

/// Refuses, before any call, a template migration between WABAs of different owners
/// (Meta's template-migration page, Limitations).
async fn same_business(connection: &Connection, from: &str, to: &str) -> Result<(), ExitCode> {
    let (source, dest) = tokio::join!(connection.graph.waba(from), connection.graph.waba(to));
    match (source, dest) {
        (Ok(source), Ok(dest)) => match cross_business_refusal(&source, &dest) {
            None => Ok(()),
            Some(why) => {
                eprintln!("wamigrate: refused: {}", one_line(&why));
                Err(ExitCode::from(EXIT_FINDINGS))
            }
        },
        (Err(e), _) | (_, Err(e)) if is_not_readable(&e) => {
            eprintln!(
                "wamigrate: refused: a WABA is not readable with this token (it does not exist or was not shared with you), so wamigrate cannot confirm both belong to the same business; nothing was sent. [{}]",
                e.reference()
            );
            Err(ExitCode::from(EXIT_FINDINGS))
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("wamigrate: could not read the WABAs' owners: {e}");
            Err(ExitCode::from(EXIT_ERROR))
        }
    }
}

fn print_run(run: &TemplateRun, tally: &Tally, forecast: &Forecast) {
    // Names, languages and reasons are server text: each line goes out as one safe line.
    let say = |line: String| println!("{}", one_line(&line));
    say(format!("{}; {} call(s).", tally.line(), tally.calls));
    for failed in &tally.failed {
        say(format!(
            "  failed  {} ({}) [{}]: {}",
            failed.name, failed.language, failed.source_id, failed.reason
        ));
    }
    for copy in &tally.rejected_on_recheck {
        say(format!(
            "  REJECTED on re-check  {} ({}): {}",
            copy.name,
            copy.language,
            copy.rejected_reason.as_deref().unwrap_or("no reason given")
        ));
    }
    if forecast.summary().over_limit > 0 {
        say(format!("Over limit: {}.", eligibility::OVER_LIMIT_ORDER));
    }
    say(format!("Note: {}.", run.note));
}

/// Asks a yes/no question on the terminal; `None` when stdin is not a terminal.
fn confirm(question: &str) -> Option<bool> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).ok()?;
    Some(answer.trim().eq_ignore_ascii_case("yes"))
}
