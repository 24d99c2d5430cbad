//! The command line: global options, subcommands, and the dispatch to the TUI or a
//! headless command. Exit codes: [`crate::exit`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::logging::LogLevel;

pub mod bench;
mod bench_recreate;
mod bench_status;
pub mod check;
pub mod doctor;
pub mod migrate;
pub mod output;
pub mod recreate;
pub mod shell;
pub mod sim;
pub mod status;
pub mod templates;

pub use crate::exit::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};

/// Checks a Graph id argument (`--to`, `--from`, `--waba`, `--business`) before anything
/// is read or sent: digits only, so `104996/../105112` never becomes another path (exit 2
/// with the sentence).
pub fn graph_id(raw: &str) -> Result<String, crate::api::ids::BadId> {
    let id = raw.trim();
    crate::api::ids::check_id(crate::api::ids::IdKind::Graph, id)?;
    Ok(id.to_string())
}

/// Migrate WhatsApp Business API numbers between WABAs, safely.
#[derive(Debug, Parser)]
#[command(name = "wamigrate", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Config file (default: the XDG config dir, wamigrate/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Profile from the config file (e.g. live); without one and without credentials
    /// wamigrate uses the embedded sandbox.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Graph API base URL [env: WAMIGRATE_GRAPH_URL] [default: https://graph.facebook.com].
    #[arg(long, global = true, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Graph API version [env: WAMIGRATE_GRAPH_VERSION] [default: v25.0].
    #[arg(long, global = true, value_name = "VERSION")]
    pub graph_version: Option<String>,
    /// File holding the Graph API access token (else WAMIGRATE_GRAPH_TOKEN or the profile).
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// 360dialog Hub base URL [env: WAMIGRATE_HUB_URL] [default: https://hub.360dialog.io].
    #[arg(long, global = true, value_name = "URL")]
    pub hub_url: Option<String>,
    /// 360dialog partner id (ends in PA) [env: WAMIGRATE_PARTNER_ID].
    #[arg(long, global = true)]
    pub partner_id: Option<String>,
    /// Where journals, reports, exports and logs go [env: WAMIGRATE_DATA_DIR].
    #[arg(long, global = true, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Accept a plain http base URL to a host that is not this machine (tokens, PINs and
    /// backup passwords then travel unencrypted; every command warns).
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// Longest one API call may take, body included, in seconds [default: 60; profile
    /// key request_timeout_secs].
    #[arg(long = "timeout", global = true, value_name = "SECS")]
    pub request_timeout: Option<f64>,
    /// Longest the API may send nothing before a call is given up, in seconds [default:
    /// 20; profile key stall_timeout_secs].
    #[arg(long, global = true, value_name = "SECS")]
    pub stall_timeout: Option<f64>,
    /// Largest API answer accepted, in MB [default: 32; profile key max_response_mb].
    #[arg(long, global = true, value_name = "MB")]
    pub max_response_mb: Option<f64>,
    /// How much goes into the log file (never secrets).
    #[arg(long, global = true, value_enum, default_value_t = LogLevel::Info)]
    pub log_level: LogLevel,
}

impl GlobalArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            config_path: self.config.clone(),
            profile: self.profile.clone(),
            graph_url: self.graph_url.clone(),
            graph_version: self.graph_version.clone(),
            token_file: self.token_file.clone(),
            hub_url: self.hub_url.clone(),
            partner_id: self.partner_id.clone(),
            data_dir: self.data_dir.clone(),
            allow_insecure_http: self.allow_insecure_http,
            request_timeout_secs: self.request_timeout,
            stall_timeout_secs: self.stall_timeout,
            max_response_mb: self.max_response_mb,
        }
    }
}

/// Headless commands; without one wamigrate opens the terminal UI.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every number of the selected WABAs with its state.
    Status(status::StatusArgs),
    /// Check, read-only, that the token, WABAs, fields and 360dialog key are ready for a migration.
    Doctor(doctor::DoctorArgs),
    /// Judge every limitation of moving NUMBER to DEST_WABA.
    Check(check::CheckArgs),
    /// Run a migration plan (guided, journaled, resumable).
    Migrate(migrate::MigrateArgs),
    /// List migration journals, or show one's audit report.
    Journal(migrate::JournalArgs),
    /// Template forecast (diff) between two WABAs.
    Templates(templates::TemplatesArgs),
    /// Print performance figures (status against a slow sandbox, template forecast, fleet board).
    Bench(bench::BenchArgs),
    /// Run the sandbox server (Graph API and 360dialog Partner API subset) on loopback.
    Sim(sim::SimArgs),
    /// Print the shell completion script (bash, zsh or fish).
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff), or write every command's page with --dir.
    Man(shell::ManArgs),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    crate::api::memory::limit_arenas();
    let cli = Cli::parse();
    // Generated from the parser's definition: no config, no runtime.
    match &cli.command {
        Some(Command::Completions(args)) => return shell::completions(args),
        Some(Command::Man(args)) => return shell::man(args),
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wamigrate: could not start the async runtime: {e}.");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match cli.command {
        Some(Command::Sim(args)) => return runtime.block_on(sim::run(args)),
        Some(Command::Bench(args)) => return runtime.block_on(bench::run(args)),
        _ => {}
    }
    let settings = match Settings::resolve(&cli.global.overrides()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wamigrate: {}", crate::api::text::one_line(&e.to_string()));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    for warning in &settings.warnings {
        eprintln!(
            "wamigrate: warning: {}",
            crate::api::text::one_line(warning)
        );
    }
    let _log = crate::logging::init(&settings.data_dir, cli.global.log_level);
    tracing::info!(profile = settings.profile, command = ?cli.command.as_ref().map(std::mem::discriminant), "start");
    match cli.command {
        Some(Command::Status(args)) => runtime.block_on(status::run(&settings, args)),
        Some(Command::Check(args)) => runtime.block_on(check::run_check(&settings, args)),
        Some(Command::Doctor(args)) => runtime.block_on(doctor::run(&settings, args)),
        Some(Command::Migrate(args)) => runtime.block_on(migrate::run_migrate(&settings, args)),
        Some(Command::Journal(args)) => runtime.block_on(migrate::run_journal(&settings, args)),
        Some(Command::Templates(args)) => runtime.block_on(templates::run(&settings, args)),
        Some(Command::Sim(_) | Command::Bench(_) | Command::Completions(_) | Command::Man(_)) => {
            unreachable!("handled above")
        }
        None => crate::app::main(runtime, settings),
    }
}
