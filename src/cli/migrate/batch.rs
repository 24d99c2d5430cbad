//! `wamigrate migrate --batch FILE.csv`: every row checked before anything is sent
//! (scenario, number, destination), a number named twice (by id and by E.164) run
//! once, and the rows run side by side with one prompt at a time.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use secrecy::SecretString;

use crate::cli::EXIT_FINDINGS;
use crate::cli::EXIT_USAGE;
use crate::cli::output::write_table;
use crate::connect::Connection;
use crate::domain::plan::PlanVariant;
use crate::domain::scenario::Scenario;
use crate::ops::migration::batch::{BatchItem, numbers_of_ids, once_per_number, validate_all};
use crate::ops::migration::{Migration, MigrationRequest, RunEnd, RunSettings};
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
    let mut items = Vec::new();
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
        items.push(BatchItem {
            origin: format!("row {}", line + 2),
            request: MigrationRequest {
                scenario,
                variant: PlanVariant::Standard,
                number: row.number.trim().to_string(),
                source_waba_id: None,
                destination_waba_id: (!destination.is_empty()).then(|| destination.to_string()),
            },
        });
    }
    if let Err(refused) = validate_all(&items) {
        eprintln!("wamigrate: {} {refused}", path.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let known = numbers_of_ids(&connection.graph, &items).await;
    let plan = once_per_number(items, &known);
    for left_out in &plan.left_out {
        eprintln!(
            "wamigrate: {} {} names the same number as {first}; it runs once, in {first}.",
            path.display(),
            left_out.origin,
            first = left_out.first,
        );
    }
    let requests = plan.runs;
    let permits = Arc::new(tokio::sync::Semaphore::new(args.batch_concurrency.max(1)));
    let runs = requests.iter().map(|request| {
        let request = &request.request;
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
