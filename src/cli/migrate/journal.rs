//! `wamigrate journal list|show|abandon`: the migrations on record. Listing and
//! showing only read; abandoning ends an unfinished run (under its lock) with a reason.

use std::io::Write;
use std::process::ExitCode;

use crate::api::text::{multi_line, one_line};
use crate::cli::output::{write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_USAGE};
use crate::config::Settings;
use crate::domain::journal::{MigrationId, replay};
use crate::ops::journal_store::{self, AbandonError, JournalReadError};
use crate::ops::report::{Report, abandon_with_report};

/// Arguments of `wamigrate journal`.
#[derive(Debug, clap::Args)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub command: JournalCommand,
}

/// Journal subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    /// Every migration journal, unfinished ones first (reads only).
    List,
    /// The audit report of one migration (reads only; runs save their reports).
    Show {
        id: String,
        /// The report as Markdown (for people) or JSON (for scripts).
        #[arg(long, value_enum, default_value_t = ShowFormat::Markdown)]
        format: ShowFormat,
    },
    /// Ends an unfinished migration that will not be resumed, with a reason on record.
    Abandon {
        id: String,
        /// Why it is abandoned (kept in the journal and the report).
        #[arg(long, default_value = "abandoned by the operator")]
        reason: String,
    },
}

/// `--format` of `journal show`; any other value is refused by the parser (exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Markdown,
    Json,
}

/// Runs `wamigrate journal list|show|abandon`.
pub async fn run_journal(settings: &Settings, args: JournalArgs) -> ExitCode {
    let data_dir = &settings.data_dir;
    match args.command {
        JournalCommand::List => list(data_dir),
        JournalCommand::Show { id, format } => {
            let Some(id) = checked_id(&id) else {
                return ExitCode::from(EXIT_USAGE);
            };
            let records = match journal_store::read(data_dir, &id) {
                Ok(records) => records,
                Err(e @ JournalReadError::Missing(_)) => {
                    eprintln!("wamigrate: {e}; `wamigrate journal list` shows the known ones.");
                    return ExitCode::from(EXIT_USAGE);
                }
                Err(e) => {
                    eprintln!("wamigrate: {e}.");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let state = match replay(&records) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("wamigrate: the journal '{id}' is damaged: {e}.");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let report = Report::new(&state, None);
            let mut out = std::io::stdout().lock();
            let written = match format {
                ShowFormat::Json => write_json(&mut out, &report),
                // Names and sentences in the report came from servers: no control
                // character but newline and tab reaches the terminal.
                ShowFormat::Markdown => out.write_all(multi_line(&report.markdown()).as_bytes()),
            };
            match written.and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("wamigrate: could not write the output: {e}.");
                    ExitCode::from(EXIT_ERROR)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        JournalCommand::Abandon { id, reason } => {
            let Some(id) = checked_id(&id) else {
                return ExitCode::from(EXIT_USAGE);
            };
            match abandon_with_report(data_dir, &id, &reason) {
                Ok(saved) => {
                    eprintln!("Migration {id} is abandoned: {}.", one_line(&reason));
                    if let Ok(md) = saved {
                        eprintln!("Report: {}.", md.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(
                    e @ (AbandonError::Ended { .. }
                    | AbandonError::Read(JournalReadError::Missing(_))),
                ) => {
                    eprintln!("wamigrate: {e}.");
                    ExitCode::from(EXIT_USAGE)
                }
                Err(e) => {
                    eprintln!("wamigrate: {e}.");
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
    }
}

fn checked_id(raw: &str) -> Option<MigrationId> {
    MigrationId::parse(raw.trim())
        .map_err(|e| eprintln!("wamigrate: {}.", one_line(&e.to_string())))
        .ok()
}

fn list(data_dir: &std::path::Path) -> ExitCode {
    let journals = match journal_store::list(data_dir) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("wamigrate: {e}.");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut rows: Vec<(bool, Vec<String>)> = journals
        .iter()
        .map(|(id, state)| match state {
            Ok(s) => {
                let (open, state) = journal_store::state_label(s);
                (
                    open,
                    vec![
                        id.to_string(),
                        s.scenario.map_or("-".to_string(), |sc| sc.id().to_string()),
                        s.number.clone(),
                        state,
                        s.started_at.to_string(),
                        s.backend.as_ref().map_or("-".to_string(), |b| b.describe()),
                    ],
                )
            }
            Err(e) => (
                false,
                vec![
                    id.to_string(),
                    "-".into(),
                    "-".into(),
                    format!("unreadable: {e}"),
                    "-".into(),
                    "-".into(),
                ],
            ),
        })
        .collect();
    rows.sort_by_key(|(open, _)| !*open);
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, row)| row).collect();
    let mut out = std::io::stdout().lock();
    let _ = write_table(
        &mut out,
        &["ID", "SCENARIO", "NUMBER", "STATE", "STARTED", "BACKEND"],
        &rows,
        60,
    );
    ExitCode::SUCCESS
}
