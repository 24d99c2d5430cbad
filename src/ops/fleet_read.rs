//! The fleet read: every number of the chosen WABAs, joined with the partner's
//! 360dialog channels and the journaled migrations. One reader serves `status`,
//! `status --watch` and the fleet board: it reads WABA by WABA in batches (the transport
//! bounds requests in flight), waits between batches while Meta's usage header is high,
//! and streams each step as a [`FleetEvent`] over a channel as it happens, so a screen
//! can show progress and a failed WABA never holds up the others. [`read_all`] gathers
//! the events for a command that prints once.
//!
//! This is the seam for faster reads (field expansion, batch requests): callers see
//! only [`FleetQuery`] in and [`FleetEvent`]s out.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc;

use crate::api::transport::DEFAULT_CONCURRENCY;
use crate::api::{ApiError, ErrorClass, GraphClient, HubClient, pacing};
use crate::domain::fleet::{FleetRow, RowOrigin, apply_journals, join_channels};
use crate::domain::journal::JournalState;
use crate::domain::partner::Channel;
use crate::ops::journal_store;

/// WABAs read per batch; usage is checked (and the read paced) between batches.
const WABAS_PER_BATCH: usize = DEFAULT_CONCURRENCY;
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
    Journals(Result<Vec<JournalState>, String>),
    /// Meta reports high usage: the next batch of WABAs waits `wait`.
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
        "the migration journals could not be read ({0}): check the permissions of the data directory."
    )]
    Journals(String),
    #[error("Could not find the WABAs to read: {0}")]
    Discovery(ApiError),
}

/// What a fleet read has gathered so far: the board shows its progress, `status`
/// waits for all of it.
#[derive(Debug, Clone, Default)]
pub struct FleetGathered {
    /// How many WABAs the read covers, once known.
    pub wabas_total: Option<usize>,
    pub wabas_done: usize,
    /// The pause between batches while Meta reports high usage.
    pub paced: Option<(u8, Duration)>,
    rows: Vec<FleetRow>,
    failed_wabas: BTreeMap<String, ApiError>,
    channels: Option<(String, Vec<Channel>)>,
    channels_failed: Option<ApiError>,
    journals: Option<Vec<JournalState>>,
    journals_failed: Option<String>,
    discovery_failed: Option<ApiError>,
    finished: bool,
}

impl FleetGathered {
    /// Takes in one event; returns the failure it reports, if any.
    pub fn absorb(&mut self, event: FleetEvent) -> Option<ReadFailure> {
        match event {
            FleetEvent::Planned { wabas } => self.wabas_total = Some(wabas),
            FleetEvent::Waba { waba_id, result } => {
                self.wabas_done += 1;
                match result {
                    Ok(rows) => self.rows.extend(rows),
                    Err(error) => {
                        self.failed_wabas.insert(waba_id.clone(), error.clone());
                        return Some(ReadFailure::Waba(waba_id, error));
                    }
                }
            }
            FleetEvent::Channels { checked_at, result } => match result {
                Ok(channels) => self.channels = Some((checked_at, channels)),
                Err(error) => {
                    self.channels_failed = Some(error.clone());
                    return Some(ReadFailure::Channels(error));
                }
            },
            FleetEvent::Journals(result) => match result {
                Ok(journals) => self.journals = Some(journals),
                Err(error) => {
                    self.journals_failed = Some(error.clone());
                    return Some(ReadFailure::Journals(error));
                }
            },
            FleetEvent::Paced {
                usage_percent,
                wait,
            } => self.paced = Some((usage_percent, wait)),
            FleetEvent::Failed(error) => {
                self.discovery_failed = Some(error.clone());
                return Some(ReadFailure::Discovery(error));
            }
            FleetEvent::Finished => self.finished = true,
        }
        None
    }

    /// Whether the read found its WABAs (a discovery failure reads nothing).
    pub fn discovered(&self) -> bool {
        self.discovery_failed.is_none()
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

    /// The fleet of the read: the rows read, plus the `previous` rows of WABAs that
    /// failed (a failure is not a removal), sorted by WABA then number, joined with the
    /// channels and journals. A channel or journal read that failed keeps the previous
    /// values of its column.
    pub fn assemble(self, previous: &[FleetRow]) -> Vec<FleetRow> {
        let mut rows = self.rows;
        rows.extend(
            previous
                .iter()
                .filter(|r| {
                    r.origin == RowOrigin::Graph && self.failed_wabas.contains_key(&r.waba_id)
                })
                .cloned(),
        );
        rows.sort_by(|a, b| {
            (&a.waba_id, &a.display_phone_number).cmp(&(&b.waba_id, &b.display_phone_number))
        });
        if let Some((checked_at, channels)) = &self.channels {
            join_channels(&mut rows, channels, checked_at);
        }
        if self.channels_failed.is_some() {
            carry_previous(previous, &mut rows, |old, new| {
                new.channel_id.clone_from(&old.channel_id);
                new.channel_status.clone_from(&old.channel_status);
            });
            rows.extend(
                previous
                    .iter()
                    .filter(|r| r.origin == RowOrigin::PartnerOnly)
                    .cloned(),
            );
        }
        if let Some(journals) = &self.journals {
            apply_journals(&mut rows, journals);
        } else if self.journals_failed.is_some() {
            carry_previous(previous, &mut rows, |old, new| {
                new.migration.clone_from(&old.migration)
            });
        }
        rows
    }
}

/// The numbers read and the sources that could not be read.
#[derive(Debug)]
pub struct FleetReport {
    pub rows: Vec<FleetRow>,
    pub failures: Vec<ReadFailure>,
}

/// Reads the fleet of `query` and waits for all of it (`status`, `--watch`).
pub async fn read_all(
    graph: &GraphClient,
    hub: Option<&HubClient>,
    data_dir: &Path,
    query: FleetQuery,
) -> FleetReport {
    let (events, mut inbox) = mpsc::channel(EVENT_BUFFER);
    let gather = async {
        let mut gathered = FleetGathered::default();
        while let Some(event) = inbox.recv().await {
            gathered.absorb(event);
        }
        gathered
    };
    let ((), gathered) = tokio::join!(read_fleet(graph, hub, data_dir, query, events), gather);
    let failures = gathered.failures();
    FleetReport {
        rows: gathered.assemble(&[]),
        failures,
    }
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
        let result = match tokio::task::spawn_blocking(move || read_journals(&dir)).await {
            Ok(Ok(journals)) => Ok(journals),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        send(FleetEvent::Journals(result)).await;
    };
    let wabas = async {
        for batch in waba_ids.chunks(WABAS_PER_BATCH) {
            let usage = graph.transport().last_usage();
            let wait = pacing(usage);
            if let (Some(usage), false) = (usage, wait.is_zero()) {
                send(FleetEvent::Paced {
                    usage_percent: usage.percent,
                    wait,
                })
                .await;
                tokio::time::sleep(wait).await;
            }
            let mut reads: FuturesUnordered<_> = batch
                .iter()
                .map(|waba_id| async move {
                    // Meta reported this WABA's usage (or the app's) at 100 %: reading it
                    // again before the regain time only extends the block.
                    let result = match graph.transport().rest_left(waba_id) {
                        Some(left) => Err(resting(waba_id, left)),
                        None => read_waba(graph, waba_id).await,
                    };
                    (waba_id, result)
                })
                .collect();
            while let Some((waba_id, result)) = reads.next().await {
                let event = FleetEvent::Waba {
                    waba_id: waba_id.clone(),
                    result,
                };
                if !send(event).await {
                    return;
                }
            }
        }
    };
    tokio::join!(channels, journals, wabas);
    send(FleetEvent::Finished).await;
}

/// The failure of a WABA not read because Meta reported its usage at 100 %.
fn resting(waba_id: &str, left: Duration) -> ApiError {
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

/// One WABA (its name and business) and its numbers, as rows stamped with the time of
/// the read.
async fn read_waba(graph: &GraphClient, waba_id: &str) -> Result<Vec<FleetRow>, ApiError> {
    let (waba, numbers) =
        futures_util::future::try_join(graph.waba(waba_id), graph.phone_numbers(waba_id)).await?;
    let checked_at = now_utc_seconds();
    Ok(numbers
        .iter()
        .map(|n| FleetRow::new(&waba, n, None, &checked_at))
        .collect())
}

/// The readable migration journals under `data_dir`, newest first (what
/// [`apply_journals`] expects); unreadable ones are skipped, as `migrate` reports them.
pub fn read_journals(data_dir: &Path) -> std::io::Result<Vec<JournalState>> {
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

/// Copies values from each row's previous version (same id) with `carry`.
fn carry_previous(
    previous: &[FleetRow],
    rows: &mut [FleetRow],
    carry: impl Fn(&FleetRow, &mut FleetRow),
) {
    let by_id: HashMap<&str, &FleetRow> = previous.iter().map(|r| (r.id.as_str(), r)).collect();
    for row in rows {
        if let Some(old) = by_id.get(row.id.as_str()) {
            carry(old, row);
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::api::{HubAuth, RetryPolicy, Transport};
    use crate::config::{SANDBOX_HUB_KEY, SANDBOX_TOKEN};
    use crate::sim::{self, SANDBOX_PARTNER_ID, SimConfig};

    /// Against the sandbox: every WABA streams back on its own, a WABA that does not
    /// exist fails alone, channels and journals arrive, and `Finished` comes last.
    #[tokio::test]
    async fn a_read_streams_each_waba_and_a_failure_does_not_stop_the_others() {
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
        let query = FleetQuery {
            waba_ids: Some(asked.clone()),
            ..FleetQuery::default()
        };
        let (sender, mut inbox) = mpsc::channel(1);
        let collect = async {
            let mut events = Vec::new();
            while let Some(event) = inbox.recv().await {
                events.push(event);
            }
            events
        };
        let ((), events) = tokio::join!(
            read_fleet(&graph, Some(&hub), data_dir.path(), query.clone(), sender),
            collect
        );
        assert!(matches!(events[0], FleetEvent::Planned { wabas } if wabas == asked.len()));
        assert!(matches!(events.last(), Some(FleetEvent::Finished)));
        let (mut read_ok, mut failed, mut numbers) = (0, Vec::new(), 0);
        for event in &events {
            if let FleetEvent::Waba { waba_id, result } = event {
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
        assert!(events.iter().any(|e| matches!(
            e,
            FleetEvent::Channels { result: Ok(channels), .. } if !channels.is_empty()
        )));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, FleetEvent::Journals(Ok(j)) if j.is_empty()))
        );

        // Gathered for a command: the same rows, the one failure.
        let report = read_all(&graph, Some(&hub), data_dir.path(), query).await;
        assert_eq!(
            report
                .rows
                .iter()
                .filter(|r| r.origin == RowOrigin::Graph)
                .count(),
            40
        );
        assert_eq!(report.failures.len(), 1);
        assert!(matches!(&report.failures[0], ReadFailure::Waba(id, _) if id == "999000000000000"));
    }
}
