//! The fleet read: every number of the chosen WABAs, joined with the partner's
//! 360dialog channels and the journaled migrations. One reader serves `status`,
//! `status --watch` and the fleet board. After the WABAs are found it reads them in as
//! few round trips as the transport's concurrency allows: each call reads a WABA with
//! its numbers (Graph field expansion) and several WABAs go in one Graph batch when
//! there are more WABAs than calls in flight (`api::graph`). It waits before a call
//! while Meta's usage header is high, and streams each step as a [`FleetEvent`] the
//! moment it happens: a screen shows each WABA's rows as they arrive, and a failed WABA
//! never holds up the others. [`FleetGathered`] folds the events into a
//! [`FleetSnapshot`] as they come, reporting what changed; [`read_all`] gathers them for
//! a command that prints once.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::api::graph::{MAX_BATCH, WabaNumbers};
use crate::api::{ApiError, ErrorClass, GraphClient, HubClient, pacing};
use crate::domain::fleet::{
    Column, FleetRow, FleetSnapshot, MigrationState, ReadCells, RowChange, RowOrigin,
    apply_journals, join_channels,
};
use crate::domain::journal::JournalState;
use crate::domain::partner::Channel;
use crate::ops::file_error::FileError;
use crate::ops::journal_store;

/// Events buffered between the reader and its consumer before the reader waits.
const EVENT_BUFFER: usize = 64;

/// Which WABAs to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FleetQuery {
    /// The WABAs already found (e.g. by the main screen), or `None` to find them from
    /// `wabas` and `businesses` ([`select_wabas`]).
    pub waba_ids: Option<Vec<String>>,
    pub wabas: Vec<String>,
    pub businesses: Vec<String>,
}

/// One step of a fleet read, sent as it happens.
#[derive(Debug, Clone)]
pub enum FleetEvent {
    /// The WABAs to read are known.
    Planned { wabas: usize },
    /// One WABA was read (its rows, stamped with the time of the read), or failed.
    Waba {
        waba_id: String,
        result: Result<Vec<FleetRow>, ApiError>,
    },
    /// The partner's 360dialog channels (only when a partner client is given).
    Channels {
        checked_at: String,
        result: Result<Vec<Channel>, ApiError>,
    },
    /// The migration journals under the data dir, or why they could not be read.
    Journals(Result<Vec<JournalState>, FileError>),
    /// Meta reports high usage: the next call waits `wait`.
    Paced { usage_percent: u8, wait: Duration },
    /// The WABAs to read could not be found: nothing was read.
    Failed(ApiError),
    /// Every source answered.
    Finished,
}

/// A source that could not be read; the rows of the others are still there.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadFailure {
    #[error("WABA {0} could not be read: {1}")]
    Waba(String, ApiError),
    #[error("the 360dialog channels could not be read: {0}")]
    Channels(ApiError),
    #[error(
        "the migration journals were not read ({0}): check the permissions of the data directory."
    )]
    Journals(FileError),
    #[error("Could not find the WABAs to read: {0}")]
    Discovery(ApiError),
}

/// What one event did: the failure it reports, and how the fleet changed.
#[derive(Debug, Default)]
pub struct Absorbed {
    pub failure: Option<ReadFailure>,
    pub changes: Vec<RowChange>,
}

/// Where a fleet read stands, while its events are folded into a [`FleetSnapshot`]
/// (the board's fleet, the previous read of `--watch`, or an empty one): each WABA's
/// rows replace its previous ones as they arrive; at the end, WABAs no longer read lose
/// their rows and the channels and journals of the read are joined to the whole fleet.
/// A WABA, channel or journal read that failed keeps what the fleet had (a failure is
/// not a removal).
#[derive(Debug, Clone, Default)]
pub struct FleetGathered {
    /// How many WABAs the read covers, once known.
    pub wabas_total: Option<usize>,
    pub wabas_done: usize,
    /// The pause before a call while Meta reports high usage.
    pub paced: Option<(u8, Duration)>,
    read_wabas: HashSet<String>,
    failed_wabas: BTreeMap<String, ApiError>,
    channels: Option<(String, Vec<Channel>)>,
    channels_failed: Option<ApiError>,
    journals: Option<Vec<JournalState>>,
    journals_failed: Option<FileError>,
    discovery_failed: Option<ApiError>,
    finished: bool,
}

impl FleetGathered {
    /// Folds one event into `fleet`.
    pub fn absorb(&mut self, fleet: &mut FleetSnapshot, event: FleetEvent) -> Absorbed {
        let mut absorbed = Absorbed::default();
        match event {
            FleetEvent::Planned { wabas } => self.wabas_total = Some(wabas),
            FleetEvent::Waba { waba_id, result } => {
                self.wabas_done += 1;
                match result {
                    Ok(rows) => {
                        absorbed.changes = fleet.replace_waba(&waba_id, rows);
                        self.read_wabas.insert(waba_id);
                    }
                    Err(error) => {
                        self.failed_wabas.insert(waba_id.clone(), error.clone());
                        absorbed.failure = Some(ReadFailure::Waba(waba_id, error));
                    }
                }
            }
            FleetEvent::Channels { checked_at, result } => match result {
                Ok(channels) => self.channels = Some((checked_at, channels)),
                Err(error) => {
                    self.channels_failed = Some(error.clone());
                    absorbed.failure = Some(ReadFailure::Channels(error));
                }
            },
            FleetEvent::Journals(result) => match result {
                Ok(journals) => self.journals = Some(journals),
                Err(error) => {
                    self.journals_failed = Some(error.clone());
                    absorbed.failure = Some(ReadFailure::Journals(error));
                }
            },
            FleetEvent::Paced {
                usage_percent,
                wait,
            } => self.paced = Some((usage_percent, wait)),
            FleetEvent::Failed(error) => {
                self.discovery_failed = Some(error.clone());
                absorbed.failure = Some(ReadFailure::Discovery(error));
            }
            FleetEvent::Finished => {
                self.finished = true;
                absorbed.changes = self.finish(fleet);
            }
        }
        absorbed
    }

    /// Whether the read found its WABAs (a discovery failure reads nothing).
    pub fn discovered(&self) -> bool {
        self.discovery_failed.is_none()
    }

    /// Whether every source answered.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Every failure, in a stable order: WABAs by id, channels, journals.
    pub fn failures(&self) -> Vec<ReadFailure> {
        let discovery = self.discovery_failed.clone().map(ReadFailure::Discovery);
        let wabas = self
            .failed_wabas
            .iter()
            .map(|(id, e)| ReadFailure::Waba(id.clone(), e.clone()));
        let channels = self.channels_failed.clone().map(ReadFailure::Channels);
        let journals = self.journals_failed.clone().map(ReadFailure::Journals);
        discovery
            .into_iter()
            .chain(wabas)
            .chain(channels)
            .chain(journals)
            .collect()
    }

    /// The end of the read: the rows of WABAs it neither read nor failed to read are
    /// gone; the channels (a 360dialog-only row for each channel no number has) and
    /// the journals are joined to every row.
    fn finish(&self, fleet: &mut FleetSnapshot) -> Vec<RowChange> {
        let mut changes = fleet.retain(|row| {
            row.origin != RowOrigin::Graph
                || self.read_wabas.contains(&row.waba_id)
                || self.failed_wabas.contains_key(&row.waba_id)
        });
        let mut columns = Vec::new();
        if self.channels.is_some() {
            columns.push(Column::Channel);
        }
        // No journal and no row showing a migration (a fleet before its first
        // migration): the join would change nothing, and the whole-fleet edit is spared.
        if let Some(journals) = &self.journals
            && (!journals.is_empty()
                || fleet
                    .rows()
                    .iter()
                    .any(|r| r.migration != MigrationState::None))
        {
            columns.push(Column::Migration);
        }
        if columns.is_empty() {
            return changes;
        }
        changes.extend(fleet.edit(&columns, |rows| {
            let channels = self
                .channels
                .as_ref()
                .map(|(at, c)| (at.as_str(), c.as_slice()));
            rejoin(rows, channels, self.journals.as_deref());
        }));
        changes
    }
}

/// Joins the rows again with what a read found beside them: the 360dialog channels read
/// at the given time (the previous join and its 360dialog-only rows are dropped first)
/// and the migration journals; `None` leaves that join as it was.
pub fn rejoin(
    rows: &mut Vec<FleetRow>,
    channels: Option<(&str, &[Channel])>,
    journals: Option<&[JournalState]>,
) {
    if let Some((checked_at, channels)) = channels {
        rows.retain(|r| r.origin == RowOrigin::Graph);
        for row in rows.iter_mut() {
            row.channel_id = None;
            row.channel_status = None;
        }
        join_channels(rows, channels, checked_at);
    }
    if let Some(journals) = journals {
        for row in rows.iter_mut() {
            row.migration = Default::default();
        }
        apply_journals(rows, journals);
    }
}

/// The numbers read and the sources that could not be read.
#[derive(Debug)]
pub struct FleetReport {
    /// Sorted by WABA then number, the 360dialog-only rows last in the Hub's order.
    pub rows: Vec<FleetRow>,
    pub failures: Vec<ReadFailure>,
}

/// Reads the fleet of `query` and waits for all of it (`status`).
pub async fn read_all(
    graph: &GraphClient,
    hub: Option<&HubClient>,
    data_dir: &Path,
    query: FleetQuery,
) -> FleetReport {
    let (events, mut inbox) = mpsc::channel(EVENT_BUFFER);
    let gather = async {
        let mut gathered = FleetGathered::default();
        // A command prints once: no search texts (`FleetSnapshot::unsearched`).
        let mut fleet = FleetSnapshot::unsearched(Vec::new());
        while let Some(event) = inbox.recv().await {
            gathered.absorb(&mut fleet, event);
        }
        (gathered, fleet)
    };
    let ((), (gathered, fleet)) =
        tokio::join!(read_fleet(graph, hub, data_dir, query, events), gather);
    let mut rows = fleet.into_rows();
    sort_for_output(&mut rows);
    FleetReport {
        rows,
        failures: gathered.failures(),
    }
}

/// The order commands print: Graph rows by WABA then number, then the 360dialog-only
/// rows in the order the Hub listed them (a stable sort keeps it).
pub fn sort_for_output(rows: &mut [FleetRow]) {
    rows.sort_by(|a, b| match (a.origin, b.origin) {
        (RowOrigin::Graph, RowOrigin::Graph) => {
            (&a.waba_id, &a.display_phone_number).cmp(&(&b.waba_id, &b.display_phone_number))
        }
        (RowOrigin::Graph, RowOrigin::PartnerOnly) => std::cmp::Ordering::Less,
        (RowOrigin::PartnerOnly, RowOrigin::Graph) => std::cmp::Ordering::Greater,
        (RowOrigin::PartnerOnly, RowOrigin::PartnerOnly) => std::cmp::Ordering::Equal,
    });
}

/// Reads the fleet of `query`, sending every step to `events`: the WABAs planned, each
/// WABA (rows or failure), the channels, the journals, pauses, then `Finished`. Stops
/// early when the receiver is gone.
pub async fn read_fleet(
    graph: &GraphClient,
    hub: Option<&HubClient>,
    data_dir: &Path,
    query: FleetQuery,
    events: mpsc::Sender<FleetEvent>,
) {
    let send = |event| {
        let events = events.clone();
        async move { events.send(event).await.is_ok() }
    };
    let waba_ids = match query.waba_ids {
        Some(ids) => ids,
        None => match select_wabas(graph, &query.wabas, &query.businesses).await {
            Ok(ids) => ids,
            Err(error) => {
                send(FleetEvent::Failed(error)).await;
                return;
            }
        },
    };
    if !send(FleetEvent::Planned {
        wabas: waba_ids.len(),
    })
    .await
    {
        return;
    }
    let channels = async {
        if let Some(hub) = hub {
            let checked_at = now_utc_seconds();
            let result = hub.channels(None).await;
            send(FleetEvent::Channels { checked_at, result }).await;
        }
    };
    let journals = async {
        let dir = data_dir.to_path_buf();
        let result = tokio::task::spawn_blocking(move || read_journals(&dir))
            .await
            .unwrap_or_else(|e| Err(FileError::read(&journal_store::journals_dir(data_dir), e)));
        send(FleetEvent::Journals(result)).await;
    };
    let wabas = read_wabas(graph, &waba_ids, &events);
    tokio::join!(channels, journals, wabas);
    send(FleetEvent::Finished).await;
}

/// WABAs per call when `count` WABAs are read with `concurrency` calls in flight: one
/// each while they fit in one round, else spread evenly over the calls (Graph batches of
/// at most [`MAX_WABAS_PER_BATCH`]), so the read takes as few round trips as memory allows.
pub fn wabas_per_call(count: usize, concurrency: usize) -> usize {
    count
        .div_ceil(concurrency.max(1))
        .clamp(1, MAX_WABAS_PER_BATCH)
}

/// The most WABAs one batch reads, below Graph's [`MAX_BATCH`] of 50: a batch's answer
/// holds each WABA's first page of numbers, so 50 WABAs of 50 numbers answered about
/// 1.9 MB (when the sweep read every number field; some 1.35 MB with the fleet fields),
/// and 16 such answers in flight (with their copies while decoded) raised a
/// 100,000-number refresh's peak from 131 to 150 MiB. 20 keep an answer near 0.55 MB;
/// fleets of more than 320 WABAs pay round trips for it (2,000 WABAs: 7 rounds, not 3).
const MAX_WABAS_PER_BATCH: usize = 20;
const _: () = assert!(MAX_WABAS_PER_BATCH <= MAX_BATCH);

/// One call's WABAs: each WABA's rows (stamped with the time of the read) or failure.
type WabaRows = Vec<(String, Result<Vec<FleetRow>, ApiError>)>;

/// Reads the WABAs, up to the transport's concurrency calls in flight, each call
/// [`wabas_per_call`] WABAs; sends each WABA's event as its call answers. Before a call,
/// when Meta's usage is high, the calls in flight are let finish and the read waits.
///
/// Each call runs as a task of its own, its answer decoded and its rows built there:
/// polled together in one task, the answers of a round were decoded one after another on
/// one core (10,000 numbers: some 37 ms of the sweep, the other core idle). The tasks
/// are aborted when this read stops (`JoinSet` on drop).
async fn read_wabas(graph: &GraphClient, waba_ids: &[String], events: &mpsc::Sender<FleetEvent>) {
    let concurrency = graph.transport().concurrency();
    let mut groups = waba_ids.chunks(wabas_per_call(waba_ids.len(), concurrency));
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.len() < concurrency {
            let Some(group) = groups.next() else { break };
            let usage = graph.transport().last_usage();
            let wait = pacing(usage);
            if let (Some(usage), false) = (usage, wait.is_zero()) {
                while let Some(answers) = in_flight.join_next().await {
                    if !send_wabas(events, finished(answers)).await {
                        return;
                    }
                }
                let paced = FleetEvent::Paced {
                    usage_percent: usage.percent,
                    wait,
                };
                if events.send(paced).await.is_err() {
                    return;
                }
                tokio::time::sleep(wait).await;
            }
            // Meta reported these WABAs' usage (or the app's) at 100 %: reading them
            // again before the regain time only extends the block.
            let (resting, to_read): (Vec<&String>, Vec<&String>) = group
                .iter()
                .partition(|id| graph.transport().rest_left(id).is_some());
            let rested = resting.into_iter().map(|id| {
                let left = graph.transport().rest_left(id).unwrap_or_default();
                (id.clone(), Err(resting_error(id, left)))
            });
            if !send_wabas(events, rested.collect()).await {
                return;
            }
            let to_read: Vec<String> = to_read.into_iter().cloned().collect();
            if !to_read.is_empty() {
                let graph = graph.clone();
                in_flight.spawn(async move { waba_rows(graph.wabas_with_numbers(&to_read).await) });
            }
        }
        let Some(answers) = in_flight.join_next().await else {
            return;
        };
        if !send_wabas(events, finished(answers)).await {
            return;
        }
    }
}

/// A call task's rows; a panic in it goes on in the reader, as if it had run there.
fn finished(joined: Result<WabaRows, tokio::task::JoinError>) -> WabaRows {
    match joined {
        Ok(rows) => rows,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only aborted tasks end this way, and only the reader aborts them (when it
            // stops, after which nothing is joined).
            Err(_) => Vec::new(),
        },
    }
}

/// Each WABA's rows, stamped now and sorted by number, or its failure.
fn waba_rows(answers: Vec<(String, Result<WabaNumbers, ApiError>)>) -> WabaRows {
    answers
        .into_iter()
        .map(|(waba_id, result)| {
            let checked_at = now_utc_seconds();
            let result = result.map(|read| {
                let mut cells = ReadCells::new(&read.waba, &checked_at);
                let mut rows: Vec<FleetRow> = read
                    .numbers
                    .iter()
                    .map(|n| FleetRow::read(&read.waba, n, None, &mut cells))
                    .collect();
                rows.sort_by(|a, b| a.display_phone_number.cmp(&b.display_phone_number));
                rows
            });
            (waba_id, result)
        })
        .collect()
}

/// Sends each WABA's rows or failure; false once the receiver is gone.
async fn send_wabas(events: &mpsc::Sender<FleetEvent>, answers: WabaRows) -> bool {
    for (waba_id, result) in answers {
        if events
            .send(FleetEvent::Waba { waba_id, result })
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

/// The failure of a WABA not read because Meta reported its usage at 100 %.
fn resting_error(waba_id: &str, left: Duration) -> ApiError {
    let mut error = ApiError::new(
        ErrorClass::RateLimited,
        format!("GET /{waba_id}"),
        format!(
            "not read: Meta reported the API usage of this WABA at 100 %; it is read again in {} s, when Meta's regain time has passed.",
            left.as_secs().max(1)
        ),
    );
    error.retry_after = Some(left);
    error
}

/// Which WABAs to read: explicit ids, businesses, the profile's lists, else every WABA
/// the token may manage (`debug_token`).
pub async fn select_wabas(
    graph: &GraphClient,
    wabas: &[String],
    businesses: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = wabas.to_vec();
    let discovered =
        futures_util::future::join_all(businesses.iter().map(|b| graph.business_wabas(b))).await;
    for result in discovered {
        ids.extend(result?.into_iter().map(|w| w.id));
    }
    if wabas.is_empty() && businesses.is_empty() {
        ids = graph.token_waba_ids().await?;
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The readable migration journals under `data_dir`, newest first (what
/// [`apply_journals`] expects); unreadable ones are skipped, as `migrate` reports them.
pub fn read_journals(data_dir: &Path) -> Result<Vec<JournalState>, FileError> {
    Ok(journal_store::list(data_dir)?
        .into_iter()
        .filter_map(|(_, j)| j.ok())
        .collect())
}

/// Now, RFC 3339 in UTC to the second: the `last_checked` of rows and the stamp of
/// change lines.
pub fn now_utc_seconds() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".to_string())
}

#[cfg(test)]
#[path = "fleet_read_tests.rs"]
mod tests;
