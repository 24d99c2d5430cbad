//! `wamigrate doctor`: the first thing to run against a live account, read-only (see
//! [`crate::ops::doctor`]). Exit 0 when everything a migration needs is in place, 1
//! otherwise (issue 9 fixes this contract: each gap is printed with its fix; the JSON's
//! `read_failed` tells a failed read from a gap), 2 on usage errors.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::output::{ReportFormat, write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::connect;
use crate::ops::doctor::{Verdict, diagnose};

/// Arguments of `wamigrate doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
}

/// Runs `wamigrate doctor`.
pub async fn run(settings: &Settings, args: DoctorArgs) -> ExitCode {
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let diagnosis = diagnose(&connection.graph, connection.hub.as_ref(), now).await;
    let mut out = std::io::stdout().lock();
    let written = match ReportFormat::or_default(args.format) {
        ReportFormat::Json => write_json(&mut out, &diagnosis),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = diagnosis
                .findings
                .iter()
                .map(|f| {
                    vec![
                        match f.status {
                            Verdict::Ok => "✔ ok",
                            Verdict::Gap => "✘ GAP",
                            Verdict::Info => "· info",
                        }
                        .to_string(),
                        f.id.to_string(),
                        f.detail.clone(),
                        f.fix.clone(),
                    ]
                })
                .collect();
            let wabas: Vec<Vec<String>> = diagnosis
                .wabas
                .iter()
                .map(|w| {
                    vec![
                        w.id.clone(),
                        w.name.clone().unwrap_or_else(|| "-".to_string()),
                        if w.readable { "yes" } else { "no" }.to_string(),
                        if w.may_manage { "yes (scope)" } else { "no" }.to_string(),
                    ]
                })
                .collect();
            write_table(&mut out, &["", "CHECK", "DETAIL", "FIX"], &rows, 70)
                .and_then(|_| writeln!(out))
                .and_then(|_| {
                    write_table(&mut out, &["WABA", "NAME", "READ", "MANAGE"], &wabas, 40)
                })
                .and_then(|_| {
                    writeln!(
                        out,
                        "{}",
                        if diagnosis.ready {
                            "Ready: everything a migration needs is in place."
                        } else {
                            "Not ready: fix the gaps above."
                        }
                    )
                })
        }
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("wamigrate: could not write the output: {e}.");
        return ExitCode::from(EXIT_ERROR);
    }
    if diagnosis.ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ERROR)
    }
}
