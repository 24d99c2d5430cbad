//! `wamigrate check`, `wamigrate migrate` and `wamigrate journal`: the checklist and the
//! guided migration, headless, on the same plan engine and journal as the TUI wizard.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::api::graph::CodeMethod;
use crate::cli::output::{write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::{Connection, connect};
use crate::domain::plan::{StepKind, plan};
use crate::domain::scenario::Scenario;
use crate::ops::fleet_read::select_wabas;
use crate::ops::journal_store;
use crate::ops::migration::{
    CodeAnswer, Line, Migration, MigrationRequest, Operator, Question, RunEnd, RunSettings, Weight,
    validate_request,
};
use crate::ops::report::Report;

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
    /// On-Premise backup file for hosting-type-change (its password from
    /// WAMIGRATE_BACKUP_PASSWORD or a masked prompt).
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

/// Arguments of `wamigrate journal`.
#[derive(Debug, clap::Args)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub command: JournalCommand,
}

/// Journal subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    /// Every migration journal, unfinished ones first.
    List,
    /// The audit report of one migration (also written under the data directory).
    Show {
        id: String,
        /// `markdown` (default) or `json`.
        #[arg(long, default_value = "markdown")]
        format: String,
    },
}

/// The clients of a headless command; a setup error is a usage error.
pub(crate) async fn open(settings: &Settings) -> Result<Connection, ExitCode> {
    connect(settings, None).await.map_err(|e| {
        eprintln!("wamigrate: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

/// The WABAs searched for a number when no source is given.
pub(crate) async fn candidates(settings: &Settings, connection: &Connection) -> Vec<String> {
    select_wabas(&connection.graph, &settings.wabas, &settings.businesses)
        .await
        .unwrap_or_default()
}

/// Runs `wamigrate migrate`: 0 completed, 3 blocked or paused (resumable), 1 a call
/// failed, 2 usage.
pub async fn run_migrate(settings: &Settings, args: MigrateArgs) -> ExitCode {
    if args.plan {
        let Some(scenario) = args.scenario else {
            eprintln!("wamigrate: --plan needs --scenario.");
            return ExitCode::from(EXIT_USAGE);
        };
        print_plan(scenario);
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
            candidates(settings, &connection).await
        },
        data_dir: settings.data_dir.clone(),
        watch_interval: Duration::from_secs(args.watch_interval.max(1)),
        watch_limit: Duration::from_secs(300),
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
        return run_batch(&connection, &run_settings, &args, path, pin, prompts).await;
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
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
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
        Err(e) => {
            eprintln!("wamigrate: {e}");
            ExitCode::from(EXIT_ERROR)
        }
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
                eprintln!("  ✘ {b}");
            }
            eprintln!("Fix them, then `wamigrate migrate --resume {id}`.");
            ExitCode::from(EXIT_FINDINGS)
        }
        Ok(RunEnd::Paused { reason, .. }) => {
            eprintln!("Migration {id} paused: {reason}.");
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

fn print_plan(scenario: Scenario) {
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
    for (i, step) in plan(scenario).iter().enumerate() {
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

/// Answers the runner from the terminal, or from stdin and flags when there is none.
struct TerminalOperator {
    yes: bool,
    terminal: bool,
    pin: Option<SecretString>,
    backup_file: Option<PathBuf>,
    /// One prompt at a time across a batch.
    prompts: Arc<tokio::sync::Mutex<()>>,
    /// Prefix of every line in batch mode.
    label: Option<String>,
}

impl TerminalOperator {
    fn new(
        yes: bool,
        pin: Option<SecretString>,
        backup_file: Option<PathBuf>,
        prompts: Arc<tokio::sync::Mutex<()>>,
        label: Option<String>,
    ) -> Self {
        TerminalOperator {
            yes,
            terminal: std::io::stdin().is_terminal(),
            pin,
            backup_file,
            prompts,
            label,
        }
    }

    fn prefix(&self) -> String {
        self.label
            .as_ref()
            .map(|l| format!("[{l}] "))
            .unwrap_or_default()
    }
}

impl Operator for TerminalOperator {
    fn interactive(&self) -> bool {
        self.terminal
    }

    fn say(&self, line: Line) {
        eprintln!("{}{line}", self.prefix());
    }

    async fn confirm(&self, question: Question) -> bool {
        let text = question.text;
        if self.yes {
            self.say(Line::info(format!("{text} yes (--yes)")));
            return true;
        }
        if !self.terminal {
            self.say(Line::info(format!(
                "{text} no (stdin is not a terminal; pass --yes to agree)"
            )));
            return false;
        }
        let _turn = self.prompts.lock().await;
        // A terminal always takes the word typed out; a typed-yes question says so.
        let hint = match question.weight {
            Weight::TypedYes => "[type yes/no]",
            Weight::YesNo => "[yes/no]",
        };
        let prompt = format!("{}{text} {hint} ", self.prefix());
        read_line(prompt, false)
            .await
            .is_some_and(|a| a.expose_secret().trim().eq_ignore_ascii_case("yes"))
    }

    async fn code(&self, prompt: &str) -> CodeAnswer {
        let _turn = self.prompts.lock().await;
        let prompt = format!("{}{prompt} ", self.prefix());
        match read_line(prompt, self.terminal).await {
            None => CodeAnswer::Stop,
            Some(answer) => {
                let text = answer.expose_secret().trim();
                if text.is_empty() || text.eq_ignore_ascii_case("resend") {
                    CodeAnswer::Resend
                } else {
                    CodeAnswer::Code(SecretString::from(text.to_string()))
                }
            }
        }
    }

    async fn pin(&self) -> Option<SecretString> {
        if let Some(pin) = &self.pin {
            return Some(pin.clone());
        }
        if !self.terminal {
            self.say(Line::problem(
                "The new two-step PIN is needed: pass --pin-file PATH or set WAMIGRATE_PIN.",
            ));
            return None;
        }
        let _turn = self.prompts.lock().await;
        for _ in 0..3 {
            let first =
                read_line(format!("{}New 6-digit two-step PIN: ", self.prefix()), true).await?;
            if first.expose_secret().len() != 6
                || !first.expose_secret().chars().all(|c| c.is_ascii_digit())
            {
                eprintln!("{}The PIN must be exactly 6 digits.", self.prefix());
                continue;
            }
            let second = read_line(format!("{}Repeat the PIN: ", self.prefix()), true).await?;
            if first.expose_secret() == second.expose_secret() {
                return Some(first);
            }
            eprintln!("{}The two PINs differ; try again.", self.prefix());
        }
        None
    }

    async fn backup(&self) -> Option<(String, SecretString)> {
        let Some(path) = &self.backup_file else {
            self.say(Line::problem("The On-Premise backup is needed: pass --backup-file PATH (and WAMIGRATE_BACKUP_PASSWORD)."));
            return None;
        };
        let data = match std::fs::read_to_string(path) {
            Ok(d) => d.trim().to_string(),
            Err(e) => {
                self.say(Line::problem(format!(
                    "Could not read the backup file {}: {e}.",
                    path.display()
                )));
                return None;
            }
        };
        let password = match std::env::var("WAMIGRATE_BACKUP_PASSWORD") {
            Ok(p) => SecretString::from(p),
            Err(_) if self.terminal => {
                let _turn = self.prompts.lock().await;
                read_line(format!("{}Backup password: ", self.prefix()), true).await?
            }
            Err(_) => {
                self.say(Line::problem(
                    "The backup password is needed: set WAMIGRATE_BACKUP_PASSWORD.",
                ));
                return None;
            }
        };
        Some((data, password))
    }
}

/// Reads one line from stdin off the async threads; `masked` reads it without echo on a
/// terminal (codes and PINs never appear on screen). `None` at end of input.
pub(crate) async fn read_line(prompt: String, masked: bool) -> Option<SecretString> {
    tokio::task::spawn_blocking(move || {
        if std::io::stdin().is_terminal() {
            eprint!("{prompt}");
        } else {
            // A script answering on stdin reads prompts line by line.
            eprintln!("{prompt}");
        }
        let _ = std::io::stderr().flush();
        if masked && std::io::stdin().is_terminal() {
            return read_masked();
        }
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(SecretString::from(
                line.trim_end_matches(['\r', '\n']).to_string(),
            )),
        }
    })
    .await
    .ok()
    .flatten()
}

/// A line typed in raw mode, echoed as `*`; Ctrl-C or Esc gives `None`.
fn read_masked() -> Option<SecretString> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode().ok()?;
    let mut typed = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Enter => break Some(SecretString::from(std::mem::take(&mut typed))),
                KeyCode::Esc => break None,
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => break None,
                KeyCode::Backspace if typed.pop().is_some() => eprint!("\u{8} \u{8}"),
                KeyCode::Char(c) => {
                    typed.push(c);
                    eprint!("*");
                }
                _ => {}
            },
            Ok(_) => {}
            Err(_) => break None,
        }
        let _ = std::io::stderr().flush();
    };
    let _ = crossterm::terminal::disable_raw_mode();
    eprintln!();
    result
}

/// One row of a batch file.
#[derive(Debug, serde::Deserialize)]
struct BatchRow {
    number: String,
    destination: String,
    scenario: String,
}

async fn run_batch(
    connection: &Connection,
    run_settings: &RunSettings,
    args: &MigrateArgs,
    path: &PathBuf,
    pin: Option<SecretString>,
    prompts: Arc<tokio::sync::Mutex<()>>,
) -> ExitCode {
    let rows: Vec<BatchRow> = match csv::Reader::from_path(path)
        .and_then(|mut r| r.deserialize().collect::<Result<Vec<_>, _>>())
    {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!(
                "wamigrate: {} is not a batch file with the columns number, destination, scenario: {e}.",
                path.display()
            );
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut requests = Vec::new();
    for (line, row) in rows.iter().enumerate() {
        let Some(scenario) = Scenario::from_id(row.scenario.trim()) else {
            eprintln!(
                "wamigrate: {} row {}: '{}' is not a scenario id.",
                path.display(),
                line + 2,
                row.scenario
            );
            return ExitCode::from(EXIT_USAGE);
        };
        let destination = row.destination.trim();
        let request = MigrationRequest {
            scenario,
            number: row.number.trim().to_string(),
            source_waba_id: None,
            destination_waba_id: (!destination.is_empty()).then(|| destination.to_string()),
        };
        if let Err(e) = validate_request(&request) {
            eprintln!("wamigrate: {} row {}: {e}", path.display(), line + 2);
            return ExitCode::from(EXIT_USAGE);
        }
        requests.push(request);
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(args.batch_concurrency.max(1)));
    let runs = requests.iter().map(|request| {
        let operator = TerminalOperator::new(
            args.yes,
            pin.clone(),
            args.backup_file.clone(),
            prompts.clone(),
            Some(request.number.clone()),
        );
        let permits = permits.clone();
        async move {
            let _permit = permits.acquire().await.ok();
            let mut migration = match Migration::start(
                &connection.graph,
                connection.hub.as_ref(),
                &operator,
                run_settings,
                request,
            ) {
                Ok(m) => m,
                Err(e) => {
                    return (
                        request.number.clone(),
                        "-".to_string(),
                        format!("not started: {e}"),
                    );
                }
            };
            let end = migration.run().await;
            let outcome = match &end {
                Ok(RunEnd::Completed) => "completed".to_string(),
                Ok(RunEnd::Blocked(b)) => {
                    format!("blocked: {}", b.first().cloned().unwrap_or_default())
                }
                Ok(RunEnd::Paused { reason, .. }) => format!("paused: {reason}"),
                Ok(RunEnd::Failed { error, .. }) => format!("failed: {}", error.sentence),
                Err(e) => format!("journal error: {e}"),
            };
            let report = Report::new(migration.state(), None);
            let _ = report.save(&run_settings.data_dir);
            (request.number.clone(), migration.id().to_string(), outcome)
        }
    });
    let results = futures_util::future::join_all(runs).await;
    let table: Vec<Vec<String>> = results
        .iter()
        .map(|(n, id, o)| vec![n.clone(), id.clone(), o.clone()])
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = write_table(&mut out, &["NUMBER", "MIGRATION", "OUTCOME"], &table, 90);
    if results.iter().all(|(_, _, o)| o == "completed") {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}

/// Runs `wamigrate journal list|show`.
pub async fn run_journal(settings: &Settings, args: JournalArgs) -> ExitCode {
    match args.command {
        JournalCommand::List => {
            let journals = match journal_store::list(&settings.data_dir) {
                Ok(j) => j,
                Err(e) => {
                    eprintln!(
                        "wamigrate: could not read {}: {e}.",
                        journal_store::journals_dir(&settings.data_dir).display()
                    );
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let mut rows: Vec<Vec<String>> = journals
                .iter()
                .map(|(id, state)| match state {
                    Ok(s) => vec![
                        id.clone(),
                        s.scenario.map_or("-".to_string(), |sc| sc.id().to_string()),
                        s.number.clone(),
                        match &s.finished {
                            Some((true, _, _)) => "completed".to_string(),
                            Some((false, _, _)) => "failed".to_string(),
                            None => format!(
                                "unfinished at {}",
                                s.next_step().map_or("-", crate::ops::migration::step_name)
                            ),
                        },
                        s.started_at.clone(),
                    ],
                    Err(e) => vec![
                        id.clone(),
                        "-".into(),
                        "-".into(),
                        format!("unreadable: {e}"),
                        "-".into(),
                    ],
                })
                .collect();
            rows.sort_by_key(|r| !r[3].starts_with("unfinished"));
            let mut out = std::io::stdout().lock();
            let _ = write_table(
                &mut out,
                &["ID", "SCENARIO", "NUMBER", "STATE", "STARTED"],
                &rows,
                60,
            );
            ExitCode::SUCCESS
        }
        JournalCommand::Show { id, format } => {
            let (_, records) = match journal_store::JournalFile::open(&settings.data_dir, &id) {
                Ok(j) => j,
                Err(e) => {
                    eprintln!(
                        "wamigrate: no readable journal '{id}' ({e}); `wamigrate journal list` shows the known ones."
                    );
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let state = match crate::domain::journal::replay(&records) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("wamigrate: the journal '{id}' is damaged: {e}.");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let report = Report::new(&state, None);
            let _ = report.save(&settings.data_dir);
            if format == "json" {
                let _ = write_json(&mut std::io::stdout().lock(), &report);
            } else {
                print!("{}", report.markdown());
            }
            ExitCode::SUCCESS
        }
    }
}
