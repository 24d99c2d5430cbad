//! The run: confirmation, optional edits, then one journaled creation call per row,
//! paced to the usage Meta reports; and its resume.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::graph::CreatedTemplate;
use crate::api::{ApiError, ErrorClass, GraphClient, pacing};
use crate::domain::journal::Backend;
use crate::domain::recreate::Action;
use crate::domain::recreate::rules::check;
use crate::ops::migration::CRASH_HOOK_ENV;
use crate::ops::template_migration::now_rfc3339;

use super::journal::{
    CallResult, Entry, MediaSlotRecord, PlannedRow, RunFailure, RunJournal, RunStopped,
    check_backend,
};
use super::media::attach_media;
use super::{
    CandidateRow, EditAnswer, Line, LineKind, Planned, Question, REFUSED_PREFIX, RecreateOperator,
    RecreateReport, SkippedRow, SubmittedRow,
};

/// Meta's "already exists" for a name and language (code 100, subcode 2388024).
const ALREADY_EXISTS_SUBCODE: i64 = 2_388_024;
/// Wait after a rate-limit refusal that named no time.
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(60);

/// Who runs and how.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub data_dir: PathBuf,
    pub operator_name: String,
    /// `--yes`: no question asked; recorded in the journal.
    pub yes: bool,
    /// `--edit`: offer each body to the operator before anything is sent.
    pub edit: bool,
    /// The Meta app the media samples are uploaded to.
    pub app_id: Option<String>,
    /// The backend the run belongs to (journaled; a resume elsewhere is refused).
    pub backend: Backend,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// `None` when nothing was journaled (declined, or nothing to submit).
    pub run_id: Option<String>,
    pub report: RecreateReport,
    /// Every row to submit has a final outcome.
    pub complete: bool,
    /// Why the run stopped early (resumable), when it did.
    pub problem: Option<String>,
}

/// Confirms, lets the operator edit, journals the plan and submits every row.
pub async fn execute(
    graph: &GraphClient,
    mut planned: Planned,
    settings: &RunSettings,
    operator: &impl RecreateOperator,
) -> Result<RunEnd, RunFailure> {
    let count = planned.plan.to_submit().count();
    let room = planned
        .plan
        .room
        .map_or("not reported".to_string(), |r| r.to_string());
    let dest = planned.request.destination_waba_id.clone();
    if count == 0 {
        operator.say(Line::info(
            "Nothing to submit: every candidate is skipped (see why above).",
        ));
        return Ok(RunEnd {
            run_id: None,
            report: RecreateReport::of_plan(&planned.request, &planned.plan),
            complete: true,
            problem: None,
        });
    }
    let question = format!(
        "Submit {count} templates to WABA {dest} for review (room in the destination: {room})?"
    );
    let confirmed = if settings.yes {
        operator.say(Line::info(format!("{question} Yes (--yes).")));
        "--yes"
    } else if operator.confirm(Question::yes_no(question)).await {
        "prompt"
    } else {
        return Ok(RunEnd {
            run_id: None,
            report: RecreateReport::of_plan(&planned.request, &planned.plan),
            complete: false,
            problem: Some("not confirmed: nothing was sent".to_string()),
        });
    };
    if settings.edit {
        edit_rows(&mut planned, operator).await;
    }
    let run_id = new_run_id();
    let rows: Vec<PlannedRow> = planned
        .plan
        .candidates
        .iter()
        .map(|c| PlannedRow {
            name: c.name.clone(),
            language: c.language.clone(),
            category: c.category.clone(),
            reason: c.reason.as_str().to_string(),
            risks: c.risks.clone(),
            submit: c.action == Action::Submit,
            skip_reason: c.skip_reason.clone(),
            body: c.body.clone(),
            media: c.media.iter().map(MediaSlotRecord::from).collect(),
        })
        .collect();
    let started = Entry::Started {
        run_id: run_id.clone(),
        source_waba_id: planned.request.source_waba_id.clone(),
        destination_waba_id: dest,
        room: planned.plan.room,
        operator: settings.operator_name.clone(),
        confirmed: confirmed.to_string(),
        rows,
        media: planned.request.media.clone(),
        backend: Some(settings.backend.clone()),
        at: now_rfc3339(),
    };
    let journal = RunJournal::create(&settings.data_dir, &run_id, &started)
        .map_err(RunFailure::CreateJournal)?;
    operator.say(Line::info(format!(
        "Run {run_id}: journal {} (resume with --resume {run_id}, follow with `wamigrate templates track {run_id}`).",
        journal.path().display()
    )));
    drive(graph, &run_id, journal, vec![started], settings, operator).await
}

/// Goes on with a run: reads back every row whose outcome is unknown, then submits the rest.
pub async fn resume(
    graph: &GraphClient,
    run_id: &str,
    settings: &RunSettings,
    operator: &impl RecreateOperator,
) -> Result<RunEnd, RunStopped> {
    let (journal, entries) = RunJournal::open(&settings.data_dir, run_id)?;
    if !matches!(entries.first(), Some(Entry::Started { .. })) {
        return Err(RunFailure::NoPlan(run_id.to_string()).into());
    }
    check_backend(run_id, &entries, &settings.backend)?;
    operator.say(Line::info(format!("Resuming run {run_id}.")));
    Ok(drive(graph, run_id, journal, entries, settings, operator).await?)
}

/// Where each row stands, from the journal.
#[derive(Debug, Clone, PartialEq)]
enum Progress {
    /// An intent without an outcome, or an unknown outcome: read back before sending.
    Unsure,
    /// Refused by a rate limit: send again.
    Retry,
    Final,
}

fn progress(entries: &[Entry]) -> HashMap<(String, String), Progress> {
    let mut map = HashMap::new();
    for entry in entries {
        match entry {
            Entry::Intent { name, language, .. } => {
                map.insert((name.clone(), language.clone()), Progress::Unsure);
            }
            Entry::Outcome {
                name,
                language,
                result,
                ..
            } => {
                let state = match result {
                    CallResult::Unknown { .. } => Progress::Unsure,
                    CallResult::RateLimited { .. } => Progress::Retry,
                    _ => Progress::Final,
                };
                map.insert((name.clone(), language.clone()), state);
            }
            Entry::Skipped { name, language, .. } => {
                map.insert((name.clone(), language.clone()), Progress::Final);
            }
            _ => {}
        }
    }
    map
}

async fn drive(
    graph: &GraphClient,
    run_id: &str,
    mut journal: RunJournal,
    mut entries: Vec<Entry>,
    settings: &RunSettings,
    operator: &impl RecreateOperator,
) -> Result<RunEnd, RunFailure> {
    let Some(Entry::Started {
        destination_waba_id: dest,
        rows,
        media,
        room,
        ..
    }) = entries.first().cloned()
    else {
        return Err(RunFailure::NoPlan(run_id.to_string()));
    };
    let states = progress(&entries);
    let created_so_far = entries
        .iter()
        .filter(|e| {
            matches!(
                e,
                Entry::Outcome {
                    result: CallResult::Created { .. },
                    ..
                }
            )
        })
        .count() as u64;
    let mut room_left = room.map(|r| r.saturating_sub(created_so_far));
    let mut destination = None;
    let mut sends = 0usize;
    let end = |entries: &[Entry], problem: Option<String>| RunEnd {
        run_id: Some(run_id.to_string()),
        report: report_from(entries),
        complete: problem.is_none(),
        problem,
    };
    for row in rows.iter().filter(|r| r.submit) {
        let key = (row.name.clone(), row.language.clone());
        let label = format!("{} ({})", row.name, row.language);
        match states.get(&key) {
            Some(Progress::Final) => continue,
            Some(Progress::Unsure) => {
                if destination.is_none() {
                    let read = graph.templates(&dest).await.map_err(RunFailure::ReadBack)?;
                    destination = Some(read);
                }
                let found = destination.as_ref().and_then(|d| {
                    d.templates
                        .iter()
                        .find(|t| t.name == row.name && t.language == row.language)
                });
                if let Some(found) = found {
                    operator.say(Line::new(
                        LineKind::ReadBack,
                        format!(
                            "{label} is in the destination (id {}): not sent again",
                            found.id
                        ),
                    ));
                    let result = CallResult::Present {
                        id: Some(found.id.clone()),
                    };
                    record(&mut journal, &mut entries, outcome(row, result))?;
                    continue;
                }
                operator.say(Line::new(
                    LineKind::ReadBack,
                    format!("{label} is not in the destination: sending it"),
                ));
            }
            Some(Progress::Retry) | None => {}
        }
        if operator.stopped() {
            return Ok(end(
                &entries,
                Some("stopped by the operator: resume to send the rest".to_string()),
            ));
        }
        if room_left == Some(0) {
            let reason = "the destination's template limit was reached during the run".to_string();
            record(&mut journal, &mut entries, skipped(row, reason))?;
            continue;
        }
        let Some(mut body) = row.body.clone() else {
            continue;
        };
        if let Err(reason) = attach_media(graph, settings, &media, &row.media, &mut body).await {
            operator.say(Line::problem(format!("{label}: {reason}")));
            record(&mut journal, &mut entries, skipped(row, reason.to_string()))?;
            continue;
        }
        let violations = check(&body);
        if !violations.is_empty() {
            let reason = format!(
                "not sent: {}",
                violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            operator.say(Line::problem(format!("{label}: {reason}")));
            record(&mut journal, &mut entries, skipped(row, reason))?;
            continue;
        }
        loop {
            let wait = pacing(graph.transport().last_usage());
            if !wait.is_zero() {
                operator.say(Line::info(format!(
                    "Pacing: Meta reports high usage; waiting {} s.",
                    wait.as_secs()
                )));
                tokio::time::sleep(wait).await;
            }
            let intent = Entry::Intent {
                name: row.name.clone(),
                language: row.language.clone(),
                body: body.clone(),
                at: now_rfc3339(),
            };
            record(&mut journal, &mut entries, intent)?;
            sends += 1;
            crash_hook("intent", sends);
            let answer = graph.create_template(&dest, &body).await;
            crash_hook("call", sends);
            let result = classify(answer);
            operator.say(Line::new(LineKind::Done, describe(&label, &result)));
            record(&mut journal, &mut entries, outcome(row, result.clone()))?;
            match result {
                CallResult::RateLimited { wait_secs } => {
                    tokio::time::sleep(Duration::from_secs(wait_secs)).await;
                }
                CallResult::Unknown { error } => {
                    return Ok(end(
                        &entries,
                        Some(format!(
                            "no answer for {label} ({error}): resume to read it back before anything is sent again"
                        )),
                    ));
                }
                CallResult::Created { .. } => {
                    room_left = room_left.map(|r| r.saturating_sub(1));
                    break;
                }
                CallResult::Present { .. } | CallResult::Refused { .. } => break,
            }
        }
    }
    record(
        &mut journal,
        &mut entries,
        Entry::Finished { at: now_rfc3339() },
    )?;
    Ok(end(&entries, None))
}

/// Turns the creation answer into what the journal records.
fn classify(answer: Result<CreatedTemplate, ApiError>) -> CallResult {
    match answer {
        Ok(created) => CallResult::Created {
            id: created.id,
            status: created.status,
            category: created.category,
        },
        Err(e) if e.subcode == Some(ALREADY_EXISTS_SUBCODE) => CallResult::Present { id: None },
        Err(e) if e.class == ErrorClass::RateLimited => CallResult::RateLimited {
            wait_secs: e.retry_after.unwrap_or(DEFAULT_RATE_WAIT).as_secs().max(1),
        },
        Err(e)
            if e.timed_out
                || matches!(
                    e.class,
                    ErrorClass::Transient | ErrorClass::Network | ErrorClass::UnexpectedBody
                ) =>
        {
            CallResult::Unknown {
                error: format!("{} [{}]", e.sentence, e.reference()),
            }
        }
        Err(e) => CallResult::Refused {
            reason: format!("{} [{}]", e.sentence, e.reference()),
        },
    }
}

fn describe(label: &str, result: &CallResult) -> String {
    match result {
        CallResult::Created { id, status, .. } => {
            format!(
                "{label}: submitted, id {id}, {}",
                status.as_deref().unwrap_or("PENDING")
            )
        }
        CallResult::Present { .. } => {
            format!("{label}: already exists in the destination (counts as present)")
        }
        CallResult::Refused { reason } => format!("{label}: {REFUSED_PREFIX}{reason}"),
        CallResult::RateLimited { wait_secs } => {
            format!("{label}: rate limited, nothing created; sending again in {wait_secs} s")
        }
        CallResult::Unknown { error } => format!("{label}: no answer ({error})"),
    }
}

fn outcome(row: &PlannedRow, result: CallResult) -> Entry {
    Entry::Outcome {
        name: row.name.clone(),
        language: row.language.clone(),
        result,
        at: now_rfc3339(),
    }
}

fn skipped(row: &PlannedRow, reason: String) -> Entry {
    Entry::Skipped {
        name: row.name.clone(),
        language: row.language.clone(),
        reason,
        at: now_rfc3339(),
    }
}

fn append(journal: &mut RunJournal, entry: &Entry) -> Result<(), RunFailure> {
    journal.append(entry).map_err(RunFailure::JournalWrite)
}

fn record(
    journal: &mut RunJournal,
    entries: &mut Vec<Entry>,
    entry: Entry,
) -> Result<(), RunFailure> {
    append(journal, &entry)?;
    entries.push(entry);
    Ok(())
}

/// Offers each body to submit for editing; an invalid edit is shown and offered again
/// by the operator's editor loop, a skip is recorded in the plan.
async fn edit_rows(planned: &mut Planned, operator: &impl RecreateOperator) {
    for at in 0..planned.plan.candidates.len() {
        let row = &planned.plan.candidates[at];
        let (true, Some(body)) = (row.action == Action::Submit, row.body.clone()) else {
            continue;
        };
        match operator.edit(&body).await {
            EditAnswer::Keep => {}
            EditAnswer::Replace(edited) => planned.plan.candidates[at].body = Some(edited),
            EditAnswer::Skip => planned
                .plan
                .skip(at, "skipped by the operator while editing"),
        }
    }
}

/// `recreate-20261125T100000Z-1a2b`.
fn new_run_id() -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default();
    format!("recreate-{stamp}-{:04x}", fastrand::u16(..))
}

/// Test hook (`WAMIGRATE_TEST_CRASH_AFTER=intent:recreate:N` or `call:recreate:N`): ends
/// the process right after the Nth creation intent is on disk, or right after its answer.
fn crash_hook(point: &str, sends: usize) {
    if std::env::var(CRASH_HOOK_ENV)
        .is_ok_and(|wanted| wanted == format!("{point}:recreate:{sends}"))
    {
        tracing::warn!(point, sends, "test crash hook: exiting");
        std::process::exit(137);
    }
}

/// The report of a run, from its journal alone.
pub(super) fn report_from(entries: &[Entry]) -> RecreateReport {
    let Some(Entry::Started {
        source_waba_id,
        destination_waba_id,
        room,
        rows,
        ..
    }) = entries.first()
    else {
        return RecreateReport {
            source_waba_id: String::new(),
            destination_waba_id: String::new(),
            room: None,
            candidates: Vec::new(),
            submitted: Vec::new(),
            skipped: Vec::new(),
        };
    };
    let mut submitted: Vec<SubmittedRow> = Vec::new();
    let mut skipped: Vec<SkippedRow> = rows
        .iter()
        .filter(|r| !r.submit)
        .map(|r| SkippedRow {
            name: r.name.clone(),
            language: r.language.clone(),
            skip_reason: r.skip_reason.clone().unwrap_or_default(),
        })
        .collect();
    for entry in entries {
        match entry {
            Entry::Outcome {
                name,
                language,
                result,
                ..
            } => {
                let row = |id: Option<String>, status: String| SubmittedRow {
                    name: name.clone(),
                    language: language.clone(),
                    id,
                    status,
                };
                match result {
                    CallResult::Created { id, status, .. } => submitted.push(row(
                        Some(id.clone()),
                        status.clone().unwrap_or_else(|| "PENDING".to_string()),
                    )),
                    CallResult::Present { id } => {
                        submitted.push(row(id.clone(), "ALREADY_EXISTS".to_string()))
                    }
                    CallResult::Refused { reason } => skipped.push(SkippedRow {
                        name: name.clone(),
                        language: language.clone(),
                        skip_reason: format!("{REFUSED_PREFIX}{reason}"),
                    }),
                    CallResult::RateLimited { .. } | CallResult::Unknown { .. } => {}
                }
            }
            Entry::Skipped {
                name,
                language,
                reason,
                ..
            } => skipped.push(SkippedRow {
                name: name.clone(),
                language: language.clone(),
                skip_reason: reason.clone(),
            }),
            Entry::Verdict {
                name,
                language,
                status,
                ..
            } => {
                if let Some(row) = submitted
                    .iter_mut()
                    .find(|s| &s.name == name && &s.language == language)
                {
                    row.status = status.clone();
                }
            }
            _ => {}
        }
    }
    let candidates = rows
        .iter()
        .map(|r| CandidateRow {
            name: r.name.clone(),
            language: r.language.clone(),
            category: r.category.clone(),
            reason: reason_str(&r.reason),
            risks: r.risks.clone(),
            action: if r.submit {
                Action::Submit
            } else {
                Action::Skip
            },
            skip_reason: r.skip_reason.clone(),
        })
        .collect();
    RecreateReport {
        source_waba_id: source_waba_id.clone(),
        destination_waba_id: destination_waba_id.clone(),
        room: *room,
        candidates,
        submitted,
        skipped,
    }
}

fn reason_str(reason: &str) -> &'static str {
    match reason {
        "quality" => "quality",
        "over_limit" => "over_limit",
        "not_approved" => "not_approved",
        _ => "other_business",
    }
}
