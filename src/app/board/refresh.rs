//! The worker side of the fleet board: reads the fleet WABA by WABA in batches (the
//! transport bounds requests in flight), slowing down between batches as Meta's usage
//! header rises, and streams each WABA's rows back as an owned event, so the board's
//! gauge moves and a failed WABA never holds up the others. Also writes exports.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

use crate::api::transport::DEFAULT_CONCURRENCY;
use crate::api::{GraphClient, HubClient, pacing};
use crate::cli::output::export;
use crate::cli::status::{ReadFailure, collect, now_utc_seconds, read_journals, select_wabas};
use crate::domain::fleet::FleetRow;

use super::super::action::Action;
use super::super::strings::board as text;
use super::{BoardCommand, BoardEvent, FleetRead, RefreshProgress};

/// WABAs read per batch; usage is checked (and the refresh paced) between batches.
const WABAS_PER_BATCH: usize = DEFAULT_CONCURRENCY;

/// Where the event loop sends the board's commands to the worker.
pub type BoardSender = UnboundedSender<BoardCommand>;

/// Serves the board's commands until the TUI is gone. One refresh runs at a time: a new
/// one (or a cancel) aborts the one under way.
pub async fn serve(
    graph: GraphClient,
    hub: Option<HubClient>,
    data_dir: PathBuf,
    mut inbox: UnboundedReceiver<BoardCommand>,
    answers: UnboundedSender<Action>,
) {
    let mut running: Option<JoinHandle<()>> = None;
    while let Some(command) = inbox.recv().await {
        match command {
            BoardCommand::Refresh(read) => {
                if let Some(previous) = running.take() {
                    previous.abort();
                }
                let (graph, hub, data_dir) = (graph.clone(), hub.clone(), data_dir.clone());
                let answers = answers.clone();
                running = Some(tokio::spawn(async move {
                    read_fleet(&graph, hub.as_ref(), &data_dir, read, &|event| {
                        let _ = answers.send(Action::Board(Box::new(event)));
                    })
                    .await
                }));
            }
            BoardCommand::CancelRefresh => {
                if let Some(previous) = running.take() {
                    previous.abort();
                }
            }
            BoardCommand::Export { rows, format } => {
                let (data_dir, answers) = (data_dir.clone(), answers.clone());
                tokio::task::spawn_blocking(move || {
                    let result = export(&rows, format, &data_dir).map_err(|e| {
                        text::export_failed(&data_dir.join("exports"), &e.to_string())
                    });
                    let event = BoardEvent::Exported {
                        rows: rows.len(),
                        result,
                    };
                    let _ = answers.send(Action::Board(Box::new(event)));
                });
            }
        }
    }
}

/// Reads the fleet of `read`, reporting every step to `report`: the WABAs planned, each
/// WABA (rows or failure), the channels, the journals, pauses, then `Finished`.
pub async fn read_fleet(
    graph: &GraphClient,
    hub: Option<&HubClient>,
    data_dir: &Path,
    read: FleetRead,
    report: &(dyn Fn(BoardEvent) + Sync),
) {
    let request_id = read.request_id;
    let send = |progress| {
        report(BoardEvent::Refresh {
            request_id,
            progress,
        })
    };
    let waba_ids = match read.waba_ids {
        Some(ids) => ids,
        None => match select_wabas(graph, &read.wabas, &read.businesses).await {
            Ok(ids) => ids,
            Err(error) => return send(RefreshProgress::Failed(error)),
        },
    };
    send(RefreshProgress::Planned {
        wabas: waba_ids.len(),
    });
    let channels = async {
        if let Some(hub) = hub {
            let checked_at = now_utc_seconds();
            let result = hub.channels(None).await;
            send(RefreshProgress::Channels { checked_at, result });
        }
    };
    let journals = async {
        let dir = data_dir.to_path_buf();
        let result = match tokio::task::spawn_blocking(move || read_journals(&dir)).await {
            Ok(Ok(journals)) => Ok(journals),
            Ok(Err(e)) => Err(ReadFailure::Journals(e).to_string()),
            Err(e) => Err(ReadFailure::Journals(std::io::Error::other(e)).to_string()),
        };
        send(RefreshProgress::Journals(result));
    };
    let wabas = async {
        for batch in waba_ids.chunks(WABAS_PER_BATCH) {
            let usage = graph.transport().last_usage();
            let wait = pacing(usage);
            if let (Some(usage), false) = (usage, wait.is_zero()) {
                send(RefreshProgress::Paced {
                    usage_percent: usage.percent,
                    wait,
                });
                tokio::time::sleep(wait).await;
            }
            let mut reads: FuturesUnordered<_> = batch
                .iter()
                .map(|waba_id| async move {
                    (waba_id, collect(graph, std::slice::from_ref(waba_id)).await)
                })
                .collect();
            while let Some((waba_id, mut read)) = reads.next().await {
                let result: Result<Vec<FleetRow>, _> = match read.failures.pop() {
                    Some(ReadFailure::Waba(_, error)) => Err(error),
                    _ => Ok(read.rows),
                };
                send(RefreshProgress::Waba {
                    waba_id: waba_id.clone(),
                    result,
                });
            }
        }
    };
    tokio::join!(channels, journals, wabas);
    send(RefreshProgress::Finished);
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use secrecy::SecretString;

    use super::*;
    use crate::api::{HubAuth, RetryPolicy, Transport};
    use crate::config::{SANDBOX_HUB_KEY, SANDBOX_TOKEN};
    use crate::sim::{self, SANDBOX_PARTNER_ID, SimConfig};

    /// Against the sandbox: every WABA streams back on its own, a WABA that does not
    /// exist fails alone, channels arrive, and `Finished` comes last.
    #[tokio::test]
    async fn a_refresh_streams_each_waba_and_a_failure_does_not_stop_the_others() {
        let sandbox = sim::start(SimConfig::default()).await.unwrap();
        let transport =
            Transport::new(std::time::Duration::from_secs(10), RetryPolicy::default()).unwrap();
        let graph = GraphClient::new(
            transport.clone(),
            &sandbox.base_url,
            "v25.0",
            SecretString::from(SANDBOX_TOKEN),
        )
        .unwrap();
        let hub = HubClient::new(
            transport,
            &sandbox.base_url,
            SANDBOX_PARTNER_ID,
            HubAuth::ApiKey(SecretString::from(SANDBOX_HUB_KEY)),
        )
        .unwrap();
        let wabas = select_wabas(&graph, &[], &[]).await.unwrap();
        let mut asked = wabas.clone();
        asked.push("999000000000000".into());
        let data_dir = tempfile::tempdir().unwrap();
        let events = Mutex::new(Vec::new());
        let read = FleetRead {
            request_id: 7,
            waba_ids: Some(asked.clone()),
            wabas: Vec::new(),
            businesses: Vec::new(),
        };
        read_fleet(&graph, Some(&hub), data_dir.path(), read, &|e| {
            events.lock().unwrap().push(e)
        })
        .await;
        let events = events.into_inner().unwrap();
        let progress: Vec<&RefreshProgress> = events
            .iter()
            .map(|e| match e {
                BoardEvent::Refresh {
                    request_id: 7,
                    progress,
                } => progress,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert!(matches!(progress[0], RefreshProgress::Planned { wabas } if *wabas == asked.len()));
        assert!(matches!(progress.last(), Some(RefreshProgress::Finished)));
        let (mut read_ok, mut failed, mut numbers) = (0, Vec::new(), 0);
        for step in &progress {
            if let RefreshProgress::Waba { waba_id, result } = step {
                match result {
                    Ok(rows) => {
                        read_ok += 1;
                        numbers += rows.len();
                    }
                    Err(_) => failed.push(waba_id.as_str()),
                }
            }
        }
        assert_eq!(read_ok, wabas.len());
        assert_eq!(failed, ["999000000000000"]);
        assert_eq!(numbers, 40, "the seeded portfolio's numbers");
        assert!(progress.iter().any(|p| matches!(
            p,
            RefreshProgress::Channels { result: Ok(channels), .. } if !channels.is_empty()
        )));
        assert!(
            progress
                .iter()
                .any(|p| matches!(p, RefreshProgress::Journals(Ok(j)) if j.is_empty()))
        );
    }
}
