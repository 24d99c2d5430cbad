//! Running `migrate_message_templates` for a whole WABA: page sets of 500 with a small
//! concurrency bound, a read-back after a page whose answer was lost, a retry of the
//! missing templates on request, and a re-read of the destination to find copies that
//! turned REJECTED.
//!
//! Facts: Meta's "Template migration" page (api-notes.md §1,
//! https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-migration):
//! `page_number` is zero-based in sets of `count` (≤ 500) and pages may run in
//! parallel; lower `count` if a call times out at 30 s; `template_ids` (≤ 500) retries
//! specific templates. A page whose answer was lost (a timeout, a dropped connection)
//! may have been carried out: it is never sent again blind. Once it can no longer be in
//! flight (the call's timeout has passed since it left) the destination is read back
//! and only the expected templates still missing are sent, by id, in smaller calls
//! ([`settle_lost_pages`]). What arrived is counted from a fresh read of the destination
//! ([`crate::ops::template_tally`]), never from the ids the answers hold.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;

use crate::api::graph::TemplateMigrationPage;
use crate::api::{ApiError, GraphClient};
use crate::domain::eligibility::{Forecast, Outcome};
use crate::domain::template::TemplateInventory;
use crate::ops::template_tally::{self, SetAside, Tally};

/// Templates per page set and per id retry call (Meta's maximum).
pub const MAX_PER_CALL: u32 = 500;
/// Page calls in flight at once: Meta allows parallel pages, but kindly.
pub const PAGE_CONCURRENCY: usize = 3;
/// The smallest call the templates of a timed-out page are re-sent in.
const MIN_COUNT: u32 = 125;

/// What happened to one template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum TemplateResult {
    Migrated,
    Failed { reason: String },
}

/// One call sent, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLog {
    /// `page 0 (count 500)` or `retry of 12 ids`.
    pub request: String,
    pub migrated: usize,
    pub failed: usize,
    /// The operator sentence when the call itself failed.
    pub error: Option<String>,
}

/// A copy that Meta's re-check rejected after it was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedCopy {
    pub id: String,
    pub name: String,
    pub language: String,
    pub rejected_reason: Option<String>,
}

/// The record of a template migration run; saved as JSON under the data directory.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateRun {
    pub source_waba_id: String,
    pub destination_waba_id: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub calls: Vec<CallLog>,
    /// Source template id → result.
    pub results: BTreeMap<String, TemplateResult>,
    /// Page calls that failed as a whole (their templates' fate is unknown).
    pub failed_calls: usize,
    /// Of those, calls that got no answer (timeout, dropped connection): they may have
    /// taken effect, so a template runner reads back before sending them again.
    pub lost_answers: usize,
    pub rejected_on_recheck: Vec<RejectedCopy>,
    /// What the read-backs after lost answers found and sent, one sentence each.
    pub read_backs: Vec<String>,
    /// The operator stopped the run before every page was sent.
    pub stopped_by_operator: bool,
    /// Source template ids the forecast expected to migrate; empty when unknown.
    pub expected: Vec<String>,
    /// What the forecast set aside (never sent, never expected).
    pub set_aside: SetAside,
    /// The tally from the fresh read of the destination after the run; `None` until
    /// [`recheck`] succeeded.
    pub tally: Option<Tally>,
    pub note: &'static str,
    /// The pages whose answer was lost, not yet read back: when the last one left, and
    /// the smallest `count` among them.
    #[serde(skip)]
    lost_pages: Option<LostPages>,
}

/// Calls that got no answer at all (a timeout, a dropped connection), waiting for
/// their read-back.
#[derive(Debug, Clone, Copy)]
struct LostPages {
    last_sent: Instant,
    smallest_count: u32,
    calls: usize,
}

/// Whether a call got no answer at all, so it may still be carried out: a timeout or a
/// dropped connection. A call the server answered otherwise (a gateway's page, a 5xx,
/// a redirect wamigrate refuses to follow) is reported as failed and not sent again.
fn no_answer(error: &ApiError) -> bool {
    error.timed_out || error.class == crate::api::ErrorClass::Network
}

/// Progress of a run, for a progress bar: calls only. What arrived is counted after
/// the calls, from a fresh read of the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub calls_done: usize,
    pub calls_total: usize,
}

impl TemplateRun {
    /// An empty run between two WABAs, started now.
    pub fn new(source_waba_id: &str, destination_waba_id: &str) -> Self {
        TemplateRun {
            source_waba_id: source_waba_id.to_string(),
            destination_waba_id: destination_waba_id.to_string(),
            started_at: now_rfc3339(),
            finished_at: None,
            calls: Vec::new(),
            results: BTreeMap::new(),
            failed_calls: 0,
            lost_answers: 0,
            rejected_on_recheck: Vec::new(),
            read_backs: Vec::new(),
            stopped_by_operator: false,
            expected: Vec::new(),
            set_aside: SetAside::default(),
            tally: None,
            note: crate::domain::eligibility::COPY_QUALITY_NOTE,
            lost_pages: None,
        }
    }

    /// Records what the forecast expects to arrive, and what it set aside.
    pub fn expect(&mut self, forecast: &Forecast, source: &TemplateInventory) {
        self.expected = forecast.ids_with(source, Outcome::Migrate);
        self.set_aside = SetAside::of(forecast);
    }

    /// Calls that got no answer at all and wait for [`settle_lost_pages`].
    pub fn unanswered_calls(&self) -> usize {
        self.lost_pages.map_or(0, |l| l.calls)
    }

    /// Keeps a call whose answer was lost for its read-back: it left at `sent` and named
    /// `count` templates.
    fn note_lost(&mut self, sent: Instant, count: u32) {
        self.lost_pages = Some(match self.lost_pages {
            Some(l) => LostPages {
                last_sent: l.last_sent.max(sent),
                smallest_count: l.smallest_count.min(count),
                calls: l.calls + 1,
            },
            None => LostPages {
                last_sent: sent,
                smallest_count: count,
                calls: 1,
            },
        });
    }

    fn progress(&self, calls_total: usize) -> Progress {
        Progress {
            calls_done: self.calls.len(),
            calls_total,
        }
    }

    fn record(
        &mut self,
        request: String,
        result: Result<crate::domain::template::TemplateMigrationResult, ApiError>,
    ) {
        match result {
            Ok(answer) => {
                self.calls.push(CallLog {
                    request,
                    migrated: answer.migrated_templates.len(),
                    failed: answer.failed_templates.len(),
                    error: None,
                });
                for id in answer.migrated_templates {
                    self.results.insert(id, TemplateResult::Migrated);
                }
                for (id, reason) in answer.failed_templates {
                    // A template migrated by another page (or an earlier run) stays migrated.
                    self.results
                        .entry(id)
                        .or_insert(TemplateResult::Failed { reason });
                }
            }
            Err(e) => {
                self.failed_calls += 1;
                if crate::ops::migration::answer_lost(&e) {
                    self.lost_answers += 1;
                }
                self.calls.push(CallLog {
                    request,
                    migrated: 0,
                    failed: 0,
                    error: Some(e.to_string()),
                });
            }
        }
    }

    /// Writes the run as JSON to `<data_dir>/template-runs/`, fsynced; returns the path.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<PathBuf> {
        let dir = data_dir.join("template-runs");
        crate::ops::private_files::private_dir(&dir)?;
        let stamp = self.started_at.replace([':', '-'], "");
        let path = dir.join(format!(
            "{stamp}-{}-to-{}.json",
            self.source_waba_id, self.destination_waba_id
        ));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::ops::private_files::write_private(&path, &json)?;
        Ok(path)
    }
}

/// Migrates every page of the source's `source_total` templates into the destination.
pub async fn run_pages(
    graph: &GraphClient,
    run: &mut TemplateRun,
    source_total: usize,
    on_progress: &(dyn Fn(Progress) + Sync),
) {
    run_pages_until(graph, run, source_total, on_progress, || false).await;
}

/// [`run_pages`] that sends no new page once `stop()` answers true (the TUI's cancel).
/// Pages already sent are awaited and recorded: a call in flight cannot be taken back.
/// Generic so that a run can be spawned on another task when its callbacks are `Sync`.
pub async fn run_pages_until(
    graph: &GraphClient,
    run: &mut TemplateRun,
    source_total: usize,
    on_progress: impl Fn(Progress),
    stop: impl Fn() -> bool,
) {
    let pages = (source_total as u32).div_ceil(MAX_PER_CALL);
    let mut queue: VecDeque<u32> = (0..pages).collect();
    let calls_total = queue.len();
    let (dest, source) = (run.destination_waba_id.clone(), run.source_waba_id.clone());
    let (dest, source) = (dest.as_str(), source.as_str());
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < PAGE_CONCURRENCY && !stop() {
            let Some(page_number) = queue.pop_front() else {
                break;
            };
            let page = TemplateMigrationPage::Page {
                page_number,
                count: MAX_PER_CALL,
            };
            in_flight.push(async move {
                // Taken as the call leaves: its timeout runs from here.
                let sent = Instant::now();
                let result = graph.migrate_message_templates(dest, source, &page).await;
                (page_number, sent, result)
            });
        }
        let Some((page_number, sent, result)) = in_flight.next().await else {
            break;
        };
        let request = format!("page {page_number} (count {MAX_PER_CALL})");
        if let Err(e) = &result
            && no_answer(e)
        {
            // It may have been carried out: read back before anything is sent again.
            tracing::info!(
                page_number,
                "no answer to a template page; it will be read back"
            );
            run.note_lost(sent, MAX_PER_CALL);
        }
        run.record(request, result);
        on_progress(run.progress(calls_total));
    }
    run.stopped_by_operator = !queue.is_empty();
}

/// After calls that got no answer: waits until none can still be in flight (the
/// call timeout `in_flight` has passed since the last one left), reads the destination
/// back, and sends only the expected templates it does not hold, by id, in calls half
/// the size of a lost page (a call that timed out was too big). Never sends blind.
/// Returns how many templates were sent again; nothing to do when no answer was lost.
pub async fn settle_lost_pages(
    graph: &GraphClient,
    run: &mut TemplateRun,
    source: &TemplateInventory,
    in_flight: Duration,
    on_progress: impl Fn(Progress) + Sync,
) -> Result<usize, ApiError> {
    let Some(lost) = run.lost_pages else {
        return Ok(0);
    };
    tokio::time::sleep_until((lost.last_sent + in_flight).into()).await;
    let dest = graph.templates(&run.destination_waba_id).await?;
    run.lost_pages = None;
    let missing = template_tally::missing(run, source, &dest);
    run.read_backs.push(format!(
        "{} call(s) got no answer; read back once they could no longer be in flight ({} s): {} expected template(s) were missing{}",
        lost.calls,
        in_flight.as_secs(),
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            " and were sent again by id".to_string()
        }
    ));
    // The lost calls' effect is known now (read back): they no longer count as failed.
    run.failed_calls -= lost.calls;
    run.lost_answers -= lost.calls;
    let chunk = (lost.smallest_count / 2).max(MIN_COUNT) as usize;
    send_ids(graph, run, &missing, chunk, on_progress).await;
    Ok(missing.len())
}

/// Retries specific template ids, at most 500 per call.
pub async fn retry_ids(
    graph: &GraphClient,
    run: &mut TemplateRun,
    ids: &[String],
    on_progress: impl Fn(Progress) + Sync,
) {
    send_ids(graph, run, ids, MAX_PER_CALL as usize, on_progress).await;
}

/// Sends `ids` with `template_ids`, `chunk` per call.
async fn send_ids(
    graph: &GraphClient,
    run: &mut TemplateRun,
    ids: &[String],
    chunk: usize,
    on_progress: impl Fn(Progress) + Sync,
) {
    let chunks: Vec<&[String]> = ids.chunks(chunk.max(1)).collect();
    let calls_total = run.calls.len() + chunks.len();
    for chunk in chunks {
        for id in chunk {
            run.results.remove(id);
        }
        let page = TemplateMigrationPage::Ids(chunk.to_vec());
        let sent = Instant::now();
        let result = graph
            .migrate_message_templates(&run.destination_waba_id, &run.source_waba_id, &page)
            .await;
        if let Err(e) = &result
            && no_answer(e)
        {
            run.note_lost(sent, chunk.len() as u32);
        }
        run.record(format!("retry of {} ids", chunk.len()), result);
        on_progress(run.progress(calls_total));
    }
}

/// Re-reads the destination and counts the run by name and language: what arrived,
/// what failed (with Meta's reason when an answer gave one), which copies the re-check
/// turned REJECTED. Sets [`TemplateRun::tally`].
pub async fn recheck(
    graph: &GraphClient,
    run: &mut TemplateRun,
    source: &TemplateInventory,
) -> Result<(), ApiError> {
    let dest = graph.templates(&run.destination_waba_id).await?;
    let tally = template_tally::tally(run, source, &dest);
    run.rejected_on_recheck = tally.rejected_on_recheck.clone();
    run.tally = Some(tally);
    run.finished_at = Some(now_rfc3339());
    Ok(())
}

/// Source ids of the expected templates the destination does not hold after the pages,
/// from a fresh read: what a retry sends (never the ids the answers named).
pub async fn missing_after_pages(
    graph: &GraphClient,
    run: &TemplateRun,
    source: &TemplateInventory,
) -> Result<Vec<String>, ApiError> {
    let dest = graph.templates(&run.destination_waba_id).await?;
    Ok(template_tally::missing(run, source, &dest))
}

/// The current time as RFC 3339 (UTC), for records.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".to_string())
}
