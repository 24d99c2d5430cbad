//! `wamigrate templates recreate` and `wamigrate templates track`: re-create the
//! templates a migration leaves behind, submit them for approval, follow them to a
//! verdict. Exit codes: 0 every submitted template accepted for review (track: none
//! rejected), 3 some refused (track: some REJECTED), 1 a read or journal failure, 2 usage.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use secrecy::ExposeSecret;

use crate::cli::migrate::terminal::read_line;
use crate::cli::output::{ReportFormat, eprint_safe, write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::{BackendLabel, connect};
use crate::domain::recreate::rules::check;
use crate::domain::recreate::{CreateBody, Only};
use crate::ops::recreate::{
    EditAnswer, Line, Question, RecreateOperator, RecreateReport, RecreateRequest, RunEnd,
    RunSettings, RunStopped, TrackSummary, execute, read_and_plan, resume, track,
};

/// Arguments of `templates recreate`.
#[derive(Debug, clap::Args)]
pub struct RecreateArgs {
    /// Source WABA id.
    #[arg(
        long = "from",
        value_name = "SRC_WABA",
        required_unless_present = "resume"
    )]
    pub from: Option<String>,
    /// Destination WABA id.
    #[arg(
        long = "to",
        value_name = "DEST_WABA",
        required_unless_present = "resume"
    )]
    pub to: Option<String>,
    /// Which templates: quality not GREEN, over the limit, not approved, or all of them.
    #[arg(long, value_enum, default_value_t = Only::All)]
    pub only: Only,
    /// Also REJECTED, DISABLED and IN_APPEAL templates (left out by default).
    #[arg(long)]
    pub include_rejected: bool,
    /// Treat the WABAs as belonging to different businesses (every template) when their
    /// owners cannot be read.
    #[arg(long)]
    pub other_business: bool,
    /// Print the plan, send nothing.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Open $EDITOR on each body before it is sent (validated on save).
    #[arg(long)]
    pub edit: bool,
    /// Do not ask for confirmation (recorded in the journal).
    #[arg(long)]
    pub yes: bool,
    /// A media header sample: NAME=FILE (or NAME/cardN=FILE for carousel card N); an
    /// http(s) URL is fetched.
    #[arg(long = "media", value_name = "NAME=FILE", value_parser = parse_media)]
    pub media: Vec<(String, String)>,
    /// The Meta app media samples are uploaded to [env: WAMIGRATE_APP_ID]; the sandbox's
    /// own app on the sandbox.
    #[arg(long, env = "WAMIGRATE_APP_ID")]
    pub app_id: Option<String>,
    /// Go on with a run from its journal.
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["from", "to"])]
    pub resume: Option<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
}

/// Arguments of `templates track`.
#[derive(Debug, clap::Args)]
pub struct TrackArgs {
    /// The run id printed by `templates recreate`.
    pub run_id: String,
    /// Read again, pausing longer each time, until every template has a verdict.
    #[arg(long)]
    pub watch: bool,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
}

fn parse_media(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, source)) if !key.is_empty() && !source.is_empty() => {
            Ok((key.to_string(), source.to_string()))
        }
        _ => Err(format!(
            "{raw:?}: write NAME=FILE, e.g. spring_sale=./banner.jpg"
        )),
    }
}

/// Runs `templates recreate`.
pub async fn run_recreate(settings: &Settings, args: RecreateArgs) -> ExitCode {
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let app_id = args.app_id.clone().or_else(|| {
        let sandbox = matches!(connection.label, BackendLabel::Sandbox { .. })
            || crate::config::is_loopback(connection.graph.base_url().as_str());
        sandbox.then(|| crate::sim::SANDBOX_APP_ID.to_string())
    });
    let run_settings = RunSettings {
        data_dir: settings.data_dir.clone(),
        operator_name: std::env::var("USER").unwrap_or_else(|_| "unknown".to_string()),
        yes: args.yes,
        edit: args.edit,
        app_id,
        backend: connection.backend.clone(),
    };
    let operator = TerminalOperator {
        terminal: std::io::stdin().is_terminal(),
    };
    let graph = &connection.graph;
    let ended = if let Some(run_id) = &args.resume {
        match resume(graph, run_id, &run_settings, &operator).await {
            Ok(end) => Ok(end),
            Err(stopped) => return refusal(&stopped),
        }
    } else {
        let (Some(from), Some(to)) = (args.from.clone(), args.to.clone()) else {
            eprintln!("wamigrate: give --from and --to, or --resume RUN_ID.");
            return ExitCode::from(EXIT_USAGE);
        };
        if from == to {
            eprintln!(
                "wamigrate: --from and --to name the same WABA ({from}); give two different WABAs."
            );
            return ExitCode::from(EXIT_USAGE);
        }
        let request = RecreateRequest {
            source_waba_id: from.clone(),
            destination_waba_id: to.clone(),
            only: args.only,
            include_rejected: args.include_rejected,
            other_business: args.other_business,
            media: args.media.iter().cloned().collect::<BTreeMap<_, _>>(),
        };
        let planned = match read_and_plan(graph, request).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("wamigrate: could not read the templates of {from} and {to}: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        };
        let report = RecreateReport::of_plan(&planned.request, &planned.plan);
        if planned.plan.business == crate::domain::recreate::Business::Unknown {
            operator.say(Line::info(
                "The owner business of one WABA was not read: treated as one business (pass --other-business for every template).",
            ));
        }
        if args.dry_run {
            return print(&report, args.format, ExitCode::SUCCESS);
        }
        if args.format != Some(ReportFormat::Json) {
            let _ = write_report_table(&mut std::io::stderr().lock(), &report);
        }
        execute(graph, planned, &run_settings, &operator).await
    };
    match ended {
        Ok(RunEnd {
            report,
            problem,
            run_id,
            ..
        }) => {
            let code = if let Some(problem) = &problem {
                eprintln!("wamigrate: {problem}");
                if run_id.is_some() {
                    EXIT_ERROR
                } else {
                    EXIT_FINDINGS
                }
            } else if report.any_refused() {
                EXIT_FINDINGS
            } else {
                0
            };
            print(&report, args.format, ExitCode::from(code))
        }
        Err(sentence) => {
            eprintln!("wamigrate: {sentence}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs `templates track`.
pub async fn run_track(settings: &Settings, args: TrackArgs) -> ExitCode {
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if !crate::ops::recreate::valid_run_id(&args.run_id) {
        eprintln!(
            "wamigrate: {:?} is not a run id (recreate-… as `templates recreate` printed it).",
            args.run_id
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let operator = TerminalOperator {
        terminal: std::io::stdin().is_terminal(),
    };
    match track(
        &connection.graph,
        &settings.data_dir,
        &connection.backend,
        &args.run_id,
        args.watch,
        &operator,
    )
    .await
    {
        Ok(summary) => {
            let code = if summary.rejected() > 0 {
                EXIT_FINDINGS
            } else {
                0
            };
            let mut out = std::io::stdout().lock();
            let written = match ReportFormat::or_default(args.format) {
                ReportFormat::Json => write_json(&mut out, &track_json(&summary)),
                ReportFormat::Table => write_track_table(&mut out, &summary),
            };
            match written.and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_ERROR),
                _ => ExitCode::from(code),
            }
        }
        Err(stopped) => refusal(&stopped),
    }
}

/// The exit of a resume or a tracking that did not go on: a mix-up of id or backend is
/// usage (as for a migration), the rest a runtime failure. The sentence goes to stderr.
fn refusal(stopped: &RunStopped) -> ExitCode {
    eprintln!("wamigrate: {stopped}");
    ExitCode::from(match stopped {
        RunStopped::Usage(_) => EXIT_USAGE,
        RunStopped::Journal(_) | RunStopped::Failed(_) => EXIT_ERROR,
    })
}

fn print(report: &RecreateReport, format: Option<ReportFormat>, code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let written = match ReportFormat::or_default(format) {
        ReportFormat::Json => write_json(&mut out, report),
        ReportFormat::Table => write_report_table(&mut out, report),
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("wamigrate: could not write the output: {e}.");
            ExitCode::from(EXIT_ERROR)
        }
        _ => code,
    }
}

fn write_report_table(out: &mut impl Write, report: &RecreateReport) -> std::io::Result<()> {
    let room = report
        .room
        .map_or("not reported".to_string(), |r| r.to_string());
    writeln!(
        out,
        "{} → {}: {} candidates, room {room}",
        report.source_waba_id,
        report.destination_waba_id,
        report.candidates.len()
    )?;
    let rows: Vec<Vec<String>> = report
        .candidates
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.language.clone(),
                c.category.clone().unwrap_or_else(|| "-".to_string()),
                c.reason.to_string(),
                format!("{:?}", c.action).to_lowercase(),
                c.skip_reason.clone().unwrap_or_else(|| c.risks.join("; ")),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "NAME",
            "LANG",
            "CATEGORY",
            "REASON",
            "ACTION",
            "SKIP REASON / RISKS",
        ],
        &rows,
        70,
    )?;
    for s in &report.submitted {
        writeln!(
            out,
            "submitted {} ({}): {} {}",
            s.name,
            s.language,
            s.status,
            s.id.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

fn write_track_table(out: &mut impl Write, summary: &TrackSummary) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = summary
        .rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.language.clone(),
                r.id.clone().unwrap_or_default(),
                r.verdict(),
            ]
        })
        .collect();
    write_table(out, &["NAME", "LANG", "ID", "STATE"], &rows, 80)?;
    writeln!(
        out,
        "{} of {} decided, {} rejected",
        summary.rows.iter().filter(|r| r.decided()).count(),
        summary.rows.len(),
        summary.rejected()
    )
}

fn track_json(summary: &TrackSummary) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = summary
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name, "language": r.language, "id": r.id, "status": r.status,
                "category": r.category, "requested_category": r.requested_category,
                "rejected_reason": r.rejected_reason,
            })
        })
        .collect();
    serde_json::json!({ "run_id": summary.run_id, "templates": rows, "all_decided": summary.all_decided() })
}

/// Lines on stderr; questions and edits on the terminal.
struct TerminalOperator {
    terminal: bool,
}

impl RecreateOperator for TerminalOperator {
    fn say(&self, line: Line) {
        eprint_safe(&line.to_string());
    }

    async fn confirm(&self, question: Question) -> bool {
        if !self.terminal {
            eprint_safe(&format!(
                "{} no (stdin is not a terminal; pass --yes to agree)",
                question.text
            ));
            return false;
        }
        read_line(format!("{} [yes/no] ", question.text), false)
            .await
            .is_some_and(|a| a.expose_secret().trim().eq_ignore_ascii_case("yes"))
    }

    async fn edit(&self, body: &CreateBody) -> EditAnswer {
        let original = body.clone();
        let mut text = serde_json::to_string_pretty(body).unwrap_or_default();
        loop {
            let edited = tokio::task::spawn_blocking(move || open_editor(&text))
                .await
                .ok()
                .flatten();
            let Some(edited) = edited else {
                eprintln!(
                    "The editor did not run (set $EDITOR): {} kept as built.",
                    original.name
                );
                return EditAnswer::Keep;
            };
            let problems = match serde_json::from_str::<CreateBody>(&edited) {
                Ok(parsed) => {
                    let violations = check(&parsed);
                    if violations.is_empty() {
                        return if parsed == original {
                            EditAnswer::Keep
                        } else {
                            EditAnswer::Replace(parsed)
                        };
                    }
                    violations
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                }
                Err(e) => vec![format!("not a template body: {e}")],
            };
            for problem in &problems {
                eprintln!("  {problem}");
            }
            let again = self
                .confirm(Question::yes_no(
                    "The edited body breaks Meta's rules: edit again (no skips this template)?",
                ))
                .await;
            if !again {
                return EditAnswer::Skip;
            }
            text = edited;
        }
    }
}

/// Writes the JSON to a temporary file, runs $EDITOR (else $VISUAL, else vi) on it and
/// reads it back; `None` when the editor could not run or failed.
fn open_editor(text: &str) -> Option<String> {
    let editor = std::env::var("EDITOR")
        .or_else(|_| std::env::var("VISUAL"))
        .unwrap_or_else(|_| "vi".to_string());
    let file = tempfile_path();
    std::fs::write(&file, text).ok()?;
    let mut parts = editor.split_whitespace();
    let status = std::process::Command::new(parts.next()?)
        .args(parts)
        .arg(&file)
        .status()
        .ok()?;
    let edited = std::fs::read_to_string(&file).ok();
    let _ = std::fs::remove_file(&file);
    status.success().then_some(edited).flatten()
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "wamigrate-template-{}-{:08x}.json",
        std::process::id(),
        fastrand::u32(..)
    ))
}
