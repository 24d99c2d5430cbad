//! `wamigrate migrate`: the guided migration, headless, on the same plan engine and
//! journal as the TUI wizard. The terminal operator, batch files and `wamigrate
//! journal` live in the files beside this one.

mod batch;
mod journal;
pub(crate) mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::api::graph::{CodeMethod, is_not_readable};
use crate::cli::output::eprint_safe;
use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::{Connection, connect};
use crate::domain::plan::{PlanVariant, StepKind, plan_for};
use crate::domain::scenario::Scenario;
use crate::ops::fleet_read::select_wabas;
use crate::ops::migration::{
    JournalError, Migration, MigrationRequest, RunEnd, RunSettings, validate_request,
};
use crate::ops::report::Report;

pub use journal::{JournalArgs, JournalCommand, run_journal};
use terminal::TerminalOperator;

/// Arguments of `wamigrate migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// A phone number id or an E.164 number (for partner changes: the number, a channel
    /// id or the change request id).
    #[arg(required_unless_present_any = ["resume", "batch"])]
    pub number: Option<String>,
    /// Destination WABA id.
    #[arg(long = "to", value_name = "DEST_WABA", value_parser = crate::cli::graph_id)]
    pub to: Option<String>,
    /// Source WABA id (else the number is looked for in the WABAs in reach).
    #[arg(long = "from", value_name = "SRC_WABA", value_parser = crate::cli::graph_id)]
    pub from: Option<String>,
    /// The scenario.
    #[arg(long, value_enum, required_unless_present_any = ["resume", "batch"])]
    pub scenario: Option<Scenario>,
    /// Print the plan and stop; nothing is sent.
    #[arg(long)]
    pub plan: bool,
    /// How Meta sends the verification code.
    #[arg(long, value_enum, default_value_t = CodeMethodArg::Sms)]
    pub code_method: CodeMethodArg,
    /// Language of the code message.
    #[arg(long, default_value = "en_US")]
    pub language: String,
    /// File holding the new 6-digit two-step PIN (else WAMIGRATE_PIN, else a masked prompt).
    #[arg(long, value_name = "PATH")]
    pub pin_file: Option<PathBuf>,
    /// On-Premise backup file for hosting-type-change by an owner who holds the backup:
    /// the number is registered on the Cloud API through Graph (its password from
    /// WAMIGRATE_BACKUP_PASSWORD or a masked prompt). Without it a hosting type change
    /// is the 360dialog Hub's step and its follow-ups.
    #[arg(long, value_name = "PATH")]
    pub backup_file: Option<PathBuf>,
    /// Answer yes to every confirmation (warnings, register, template copy).
    #[arg(long)]
    pub yes: bool,
    /// Go on with an unfinished migration.
    #[arg(long, value_name = "ID", conflicts_with_all = ["number", "batch"])]
    pub resume: Option<String>,
    /// Migrate every row of a CSV file (columns: number, destination, scenario).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "number")]
    pub batch: Option<PathBuf>,
    /// Seconds between two reads while watching (the number leaving, a change request).
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub watch_interval: u64,
    /// Migrations in flight at once in batch mode.
    #[arg(long, default_value_t = 4)]
    pub batch_concurrency: usize,
}

/// `--code-method` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CodeMethodArg {
    Sms,
    Voice,
}

/// The clients of a headless command; a setup error is a usage error.
pub(crate) async fn open(settings: &Settings) -> Result<Connection, ExitCode> {
    connect(settings, None).await.map_err(|e| {
        eprintln!("wamigrate: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// The WABAs searched for a number when no source is given.
pub(crate) async fn candidates(
    settings: &Settings,
    connection: &Connection,
) -> Result<Vec<String>, ExitCode> {
    match select_wabas(&connection.graph, &settings.wabas, &settings.businesses).await {
        Ok(ids) => Ok(ids),
        // A token that may not list WABAs searches none: the number is then known by
        // its E.164 or --from, as when its source sits with another BSP.
        Err(e) if is_not_readable(&e) => Ok(Vec::new()),
        // Any other failure is a failed read, not "the number is nowhere" (exit 1).
        Err(e) => {
            eprintln!("wamigrate: could not find the WABAs to look for the number in: {e}");
            Err(ExitCode::from(EXIT_ERROR))
        }
    }
}

/// Runs `wamigrate migrate`: 0 completed, 3 blocked or paused (resumable) or ended
/// failed (the Hub failed a change, an object is gone), 1 a call failed (resumable),
/// 2 usage.
pub async fn run_migrate(settings: &Settings, args: MigrateArgs) -> ExitCode {
    if args.plan {
        let Some(scenario) = args.scenario else {
            eprintln!("wamigrate: --plan needs --scenario.");
            return ExitCode::from(EXIT_USAGE);
        };
        print_plan(scenario, variant_of(&args));
        return ExitCode::SUCCESS;
    }
    let pin = match read_pin_source(&args) {
        Ok(pin) => pin,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let connection = match open(settings).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let run_settings = RunSettings {
        code_method: match args.code_method {
            CodeMethodArg::Sms => CodeMethod::Sms,
            CodeMethodArg::Voice => CodeMethod::Voice,
        },
        language: args.language.clone(),
        candidates: if args.from.is_some() {
            Vec::new()
        } else {
            match candidates(settings, &connection).await {
                Ok(ids) => ids,
                Err(code) => return code,
            }
        },
        data_dir: settings.data_dir.clone(),
        watch_interval: Duration::from_secs(args.watch_interval.max(1)),
        watch_limit: Duration::from_secs(300),
        backend: connection.backend.clone(),
        in_flight: connection.call_timeout,
    };
    let prompts = Arc::new(tokio::sync::Mutex::new(()));
    let operator = TerminalOperator::new(
        args.yes,
        pin.clone(),
        args.backup_file.clone(),
        prompts.clone(),
        None,
    );
    if let Some(path) = &args.batch {
        return batch::run_batch(&connection, &run_settings, &args, path, pin, prompts).await;
    }
    let mut migration = if let Some(id) = &args.resume {
        Migration::resume(
            &connection.graph,
            connection.hub.as_ref(),
            &operator,
            &run_settings,
            id,
        )
    } else {
        let (Some(number), Some(scenario)) = (args.number.clone(), args.scenario) else {
            eprintln!("wamigrate: give NUMBER and --scenario, or --resume ID.");
            return ExitCode::from(EXIT_USAGE);
        };
        let request = MigrationRequest {
            scenario,
            variant: variant_of(&args),
            number,
            source_waba_id: args.from.clone(),
            destination_waba_id: args.to.clone(),
        };
        if let Err(e) = validate_request(&request) {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Migration::start(
            &connection.graph,
            connection.hub.as_ref(),
            &operator,
            &run_settings,
            &request,
        )
    };
    let migration = match migration.as_mut() {
        Ok(m) => m,
        Err(refused) => return refusal(refused),
    };
    eprintln!(
        "Migration {} (journal {}).",
        migration.id(),
        migration.journal_path().display()
    );
    let end = migration.run().await;
    finish(
        &connection,
        settings,
        migration.id(),
        migration.state(),
        end,
    )
    .await
}

async fn finish(
    connection: &Connection,
    settings: &Settings,
    id: &str,
    state: &crate::domain::journal::JournalState,
    end: Result<RunEnd, crate::ops::migration::JournalError>,
) -> ExitCode {
    let report = Report::with_current_number(&connection.graph, state).await;
    let saved = report.save(&settings.data_dir);
    let code = match end {
        Err(refused) => refusal(&refused),
        Ok(RunEnd::Completed) => {
            eprintln!(
                "Migration {id} completed{}.",
                report
                    .billing_cutover
                    .as_deref()
                    .map(|at| format!("; billing cut-over at {at}"))
                    .unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Ok(RunEnd::Blocked(blockers)) => {
            eprintln!("Migration {id} is blocked by the preflight checklist:");
            for b in blockers {
                eprint_safe(&format!("  ✘ {b}"));
            }
            eprintln!("Fix them, then `wamigrate migrate --resume {id}`.");
            ExitCode::from(EXIT_FINDINGS)
        }
        Ok(RunEnd::Paused { reason, .. }) => {
            eprint_safe(&format!("Migration {id} paused: {reason}."));
            ExitCode::from(EXIT_FINDINGS)
        }
        Ok(RunEnd::CannotContinue { step, reason }) => {
            // Not a pause: the journal records the run as ended, failed.
            eprint_safe(&format!(
                "Migration {id} failed at {}: {reason}. The run has ended (not resumable).",
                crate::ops::migration::step_name(step)
            ));
            ExitCode::from(EXIT_FINDINGS)
        }
        Ok(RunEnd::Failed { step, error }) => {
            eprintln!(
                "Migration {id} stopped at {}: {error}",
                crate::ops::migration::step_name(step)
            );
            eprintln!(
                "The journal is intact; `wamigrate migrate --resume {id}` goes on from there."
            );
            ExitCode::from(EXIT_ERROR)
        }
    };
    match saved {
        Ok((md, json)) => eprintln!("Report: {} and {}.", md.display(), json.display()),
        Err(e) => eprintln!("wamigrate: could not write the report: {e}."),
    }
    code
}

/// The exit of a run that could not be opened or go on: a completed migration is a
/// success (a retry loop ends cleanly), an id or backend mix-up is usage, the rest a
/// runtime failure. The sentence goes to stderr.
fn refusal(refused: &JournalError) -> ExitCode {
    match refused {
        JournalError::AlreadyCompleted { .. } => {
            eprintln!("{refused}");
            ExitCode::SUCCESS
        }
        JournalError::BadId(_)
        | JournalError::OtherBackend { .. }
        | JournalError::AlreadyEnded { .. } => {
            eprintln!("wamigrate: {refused}");
            ExitCode::from(EXIT_USAGE)
        }
        JournalError::Locked(_) | JournalError::Journal(_) | JournalError::NoStart(_) => {
            eprintln!("wamigrate: {refused}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The owner-backup way of a hosting type change when a backup file is given.
fn variant_of(args: &MigrateArgs) -> PlanVariant {
    match (args.scenario, &args.backup_file) {
        (Some(Scenario::HostingTypeChange), Some(_)) => PlanVariant::OwnerBackup,
        _ => PlanVariant::Standard,
    }
}

fn print_plan(scenario: Scenario, variant: PlanVariant) {
    println!(
        "{} ({}): {}",
        scenario.title(),
        scenario.id(),
        match scenario.kind() {
            crate::domain::scenario::ScenarioKind::Migration =>
                "migration, new registration with a verification code",
            crate::domain::scenario::ScenarioKind::ConfigurationChange =>
                "configuration change, no verification code",
        }
    );
    println!(
        "{}\nWho acts: {}.\n",
        scenario.explanation(),
        scenario.actors()
    );
    for (i, step) in plan_for(scenario, variant).iter().enumerate() {
        let kind = match step.kind {
            StepKind::Automatic => "automatic",
            StepKind::ManualVerified => "manual",
            StepKind::Watch => "watch",
        };
        println!("{:>2}. {} [{kind}, {}]", i + 1, step.title, step.actor);
        println!("    {}", step.explanation);
        if let Some(call) = step.call {
            println!(
                "    call: {call}{}",
                if step.non_idempotent {
                    " (journaled, never repeated blindly)"
                } else {
                    ""
                }
            );
        }
        if let Some(v) = step.verification {
            println!("    verified by: {v}");
        }
    }
    println!(
        "\nCarried: {}.",
        crate::domain::scenario::IMPACT
            .iter()
            .filter(|a| a.carried)
            .map(|a| a.asset)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "Not carried: {}.",
        crate::domain::scenario::IMPACT
            .iter()
            .filter(|a| !a.carried)
            .map(|a| a.asset)
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn read_pin_source(args: &MigrateArgs) -> Result<Option<SecretString>, String> {
    let raw = match &args.pin_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("could not read the PIN file {}: {e}.", path.display()))?,
        ),
        None => std::env::var("WAMIGRATE_PIN").ok(),
    };
    let Some(raw) = raw else { return Ok(None) };
    let pin = raw.trim().to_string();
    if pin.len() != 6 || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "the two-step PIN must be exactly 6 digits (from --pin-file or WAMIGRATE_PIN)."
                .to_string(),
        );
    }
    Ok(Some(SecretString::from(pin)))
}
