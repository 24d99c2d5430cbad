//! `wamigrate check`: the checklist of moving one number to a destination, for people
//! and scripts. What the token cannot read is judged as such: unknown on the source side,
//! a fail on the destination side (see [`crate::domain::readability`]).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::text::one_line;
use crate::cli::migrate::{candidates, open};
use crate::cli::output::{ReportFormat, WaitNotices, report_unreadable, write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_USAGE};
use crate::config::Settings;
use crate::domain::checklist::{CheckResult, CheckStatus, is_blocked};
use crate::domain::scenario::Scenario;
use crate::domain::waba::Waba;
use crate::exit::EXIT_UNKNOWN;
use crate::ops::preflight::{NumberRef, gather};

/// Arguments of `wamigrate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A phone number id, or an E.164 number such as +4930123456.
    pub number: String,
    /// Destination WABA id.
    #[arg(long = "to", value_name = "DEST_WABA", value_parser = crate::cli::graph_id)]
    pub to: String,
    /// Source WABA id (else the number is looked for in the WABAs in reach).
    #[arg(long = "from", value_name = "SRC_WABA", value_parser = crate::cli::graph_id)]
    pub from: Option<String>,
    /// Which scenario's rules apply.
    #[arg(long, value_enum, default_value_t = Scenario::ToNewWaba)]
    pub scenario: Scenario,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
}

/// The JSON of `check` (a contract for scripts).
#[derive(Debug, Serialize)]
struct CheckReport<'a> {
    number: NumberJson,
    destination_waba_id: &'a str,
    scenario: &'static str,
    blocked: bool,
    checks: &'a [CheckResult],
}

#[derive(Debug, Serialize)]
struct NumberJson {
    id: Option<String>,
    display_phone_number: Option<String>,
    waba_id: Option<String>,
}

/// Runs `wamigrate check`: exit 0 when no rule fails and none is unknown, 3 when a rule
/// fails, 4 when none fails but some are unknown, 1 when a read failed for another reason
/// than access (network, 5xx, an unexpected body), 2 on usage errors.
pub async fn run_check(settings: &Settings, args: CheckArgs) -> ExitCode {
    let number = match NumberRef::parse(&args.number) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("wamigrate: {e}.");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let connection = match open(settings).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let _waits = WaitNotices::start(connection.graph.transport().clone());
    let searched = if args.from.is_some() {
        Vec::new()
    } else {
        match candidates(settings, &connection).await {
            Ok(ids) => ids,
            Err(code) => return code,
        }
    };
    let data = match gather(
        &connection.graph,
        &number,
        args.from.as_deref(),
        Some(&args.to),
        &searched,
        &settings.data_dir,
        &connection.backend,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("wamigrate: could not read the number: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    for (what, e) in &data.errors {
        eprintln!("wamigrate: could not read the {what}: {e}");
    }
    let checks = data.checks(args.scenario);
    let blocked = is_blocked(&checks);
    let report = CheckReport {
        number: NumberJson {
            id: data.number.as_ref().map(|n| n.id.clone()),
            display_phone_number: data
                .number
                .as_ref()
                .and_then(|n| n.display_phone_number.clone()),
            waba_id: data.source_waba_id.clone(),
        },
        destination_waba_id: &args.to,
        scenario: args.scenario.id(),
        blocked,
        checks: &checks,
    };
    let mut out = std::io::stdout().lock();
    let written = match ReportFormat::or_default(args.format) {
        ReportFormat::Json => write_json(&mut out, &report),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = checks
                .iter()
                .map(|c| {
                    vec![
                        symbol(c.status).to_string(),
                        c.rule.id().to_string(),
                        c.evidence.clone(),
                        c.fix.clone(),
                    ]
                })
                .collect();
            // The number as the API spells it: server text, so one safe line.
            // WABAs by name where the token read them, with their ids.
            let header = format!(
                "{} in {} → {}, scenario {}: {}",
                report
                    .number
                    .display_phone_number
                    .as_deref()
                    .unwrap_or(&args.number),
                report.number.waba_id.as_deref().map_or_else(
                    || "no WABA found".to_string(),
                    |id| named(data.source.as_ref(), id)
                ),
                named(data.destination.as_ref(), &args.to),
                args.scenario.id(),
                verdict_line(&checks)
            );
            writeln!(out, "{}", one_line(&header))
                .and_then(|_| write_table(&mut out, &["", "CHECK", "EVIDENCE", "FIX"], &rows, 70))
        }
    };
    if let Err(e) = written.and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("wamigrate: could not write the output: {e}.");
        return ExitCode::from(EXIT_ERROR);
    }
    // Items a list answered without their id make the lists incomplete: a failed read.
    let incomplete = report_unreadable(connection.graph.transport());
    ExitCode::from(check_exit_code(
        &checks,
        incomplete || !data.errors.is_empty(),
    ))
}

/// A failing rule is a finding whatever else happened; then a failed read (never 0
/// after one); then an unknown rule.
fn check_exit_code(checks: &[CheckResult], read_failed: bool) -> u8 {
    if is_blocked(checks) {
        EXIT_FINDINGS
    } else if read_failed {
        EXIT_ERROR
    } else if checks.iter().any(|c| c.status == CheckStatus::Unknown) {
        EXIT_UNKNOWN
    } else {
        0
    }
}

/// The headline of the table: blocked, unconfirmed, or clear.
fn verdict_line(checks: &[CheckResult]) -> String {
    let unknown = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Unknown)
        .count();
    if is_blocked(checks) {
        "BLOCKED".to_string()
    } else if unknown > 0 {
        format!("no blocker read, {unknown} rule(s) unknown: confirm them before migrating")
    } else {
        "no blocker".to_string()
    }
}

fn symbol(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "✔ pass",
        CheckStatus::Fail => "✘ FAIL",
        CheckStatus::Warn => "! warn",
        CheckStatus::Unknown => "? unknown",
    }
}

/// "Lucky Shrub Retail (104996122399160)" when the WABA was read, else its id alone.
fn named(waba: Option<&Waba>, id: &str) -> String {
    match waba.and_then(|w| w.name.as_deref()) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::RuleId;

    fn result(status: CheckStatus) -> CheckResult {
        CheckResult {
            rule: RuleId::TwoStepDisabled,
            status,
            evidence: String::new(),
            fix: String::new(),
        }
    }

    #[test]
    fn exit_codes_rank_fail_then_read_failure_then_unknown() {
        use CheckStatus::*;
        assert_eq!(check_exit_code(&[result(Pass), result(Warn)], false), 0);
        assert_eq!(check_exit_code(&[result(Pass), result(Unknown)], false), 4);
        assert_eq!(check_exit_code(&[result(Unknown)], true), 1);
        assert_eq!(check_exit_code(&[result(Fail), result(Unknown)], true), 3);
    }
}
