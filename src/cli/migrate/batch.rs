//! `wamigrate migrate --batch FILE.csv`: every row checked before anything is sent
//! (scenario, number, destination), a number named twice (by id and by E.164) run
//! once, and the rows run side by side with one prompt at a time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use secrecy::SecretString;

use crate::cli::EXIT_FINDINGS;
use crate::cli::EXIT_USAGE;
use crate::cli::output::write_table;
use crate::connect::Connection;
use crate::domain::plan::PlanVariant;
use crate::domain::scenario::Scenario;
use crate::ops::migration::{Migration, MigrationRequest, RunEnd, RunSettings, validate_request};
use crate::ops::preflight::NumberRef;
use crate::ops::report::Report;

use super::MigrateArgs;
use super::terminal::TerminalOperator;

/// One row of a batch file.
#[derive(Debug, serde::Deserialize)]
struct BatchRow {
    number: String,
    destination: String,
    scenario: String,
}

pub(super) async fn run_batch(
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
            variant: PlanVariant::Standard,
            number: row.number.trim().to_string(),
            source_waba_id: None,
            destination_waba_id: (!destination.is_empty()).then(|| destination.to_string()),
        };
        if let Err(e) = validate_request(&request) {
            eprintln!("wamigrate: {} row {}: {e}", path.display(), line + 2);
            return ExitCode::from(EXIT_USAGE);
        }
        requests.push((line + 2, request));
    }
    let requests = once_per_number(connection, path, requests).await;
    let permits = Arc::new(tokio::sync::Semaphore::new(args.batch_concurrency.max(1)));
    let runs = requests.iter().map(|request| {
        let request = &request.1;
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
                Ok(RunEnd::CannotContinue { reason, .. }) => format!("failed: {reason}"),
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

/// The rows with each number once: a number named twice (by phone number id in one
/// row and by E.164 in another, or twice alike) runs in the first row that names it,
/// and the others are said to be left out. Ids are read to learn their E.164 number.
async fn once_per_number(
    connection: &Connection,
    path: &Path,
    rows: Vec<(usize, MigrationRequest)>,
) -> Vec<(usize, MigrationRequest)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut kept = Vec::new();
    for (line, request) in rows {
        let key = match NumberRef::parse(&request.number) {
            Ok(NumberRef::E164(e164)) => e164.digits(),
            Ok(NumberRef::Id(id)) => connection
                .graph
                .phone_number(&id)
                .await
                .ok()
                .and_then(|n| n.e164_digits())
                .unwrap_or(id),
            Err(_) => request.number.clone(),
        };
        match seen.iter().find(|(k, _)| *k == key) {
            Some((_, first)) => eprintln!(
                "wamigrate: {} row {line} names the same number as row {first}; it runs once, in row {first}.",
                path.display()
            ),
            None => {
                seen.push((key, line));
                kept.push((line, request));
            }
        }
    }
    kept
}
