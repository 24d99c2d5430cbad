//! The worker side of the fleet board, as jobs (see `app::jobs`): a refresh runs the
//! fleet reader of `ops` and streams its events back as owned actions tagged with the
//! refresh's id, so the board's gauge moves WABA by WABA; an export writes the view's
//! rows off the async threads.

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::api::{GraphClient, HubClient};
use crate::app::action::Action;
use crate::app::jobs::JobContext;
use crate::domain::fleet::FleetRow;
use crate::ops::export::{ExportFormat, export};
use crate::ops::file_error::FileError;
use crate::ops::fleet_read::{FleetQuery, read_fleet};

use super::BoardEvent;

/// Fleet events buffered between the reader and the event loop.
const EVENT_BUFFER: usize = 64;

/// Reads the fleet of `query`, reporting every step as [`BoardEvent::Refresh`].
pub async fn refresh(
    graph: GraphClient,
    hub: Option<HubClient>,
    data_dir: PathBuf,
    query: FleetQuery,
    context: JobContext<(), Action>,
) {
    let reporter = &context.reporter;
    let (events, mut inbox) = mpsc::channel(EVENT_BUFFER);
    let forward = async {
        while let Some(progress) = inbox.recv().await {
            let event = BoardEvent::Refresh {
                request_id: reporter.id,
                progress,
            };
            if !reporter.report(Action::Board(Box::new(event))).await {
                break;
            }
        }
    };
    let reading = read_fleet(&graph, hub.as_ref(), &data_dir, query, events);
    tokio::join!(reading, forward);
}

/// Writes `rows` (the board's view) under `data_dir` and reports where, or why not.
pub async fn export_rows(
    rows: Vec<FleetRow>,
    format: ExportFormat,
    data_dir: PathBuf,
    context: JobContext<(), Action>,
) {
    let count = rows.len();
    let exports = data_dir.join("exports");
    let result = tokio::task::spawn_blocking(move || export(&rows, format, &data_dir))
        .await
        .map_err(|e| FileError::write(&exports, e))
        .and_then(|written| written.map_err(|e| FileError::write(&exports, e)));
    let event = BoardEvent::Exported {
        rows: count,
        result,
    };
    context
        .reporter
        .report(Action::Board(Box::new(event)))
        .await;
}
