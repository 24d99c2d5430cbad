//! A WABA and its numbers in one call, and many WABAs in one round trip: what a fleet
//! sweep needs to sit at the network's limit (two dependent round trips: find the WABAs,
//! read them).
//!
//! - Field expansion (https://developers.facebook.com/docs/graph-api/guides/field-expansion):
//!   `GET /{waba}?fields=<WABA fields>,phone_numbers.limit(N){<number fields>}` answers the
//!   WABA with its first page of numbers under `phone_numbers`, a page of its own with
//!   `paging`; its `next` is the edge's own URL, so further pages are read from
//!   `GET /{waba}/phone_numbers` with the `after` cursor (never by following the URL,
//!   which may name another host or carry a token).
//! - Batch requests (`batch`): several WABAs' expanded reads in one `POST`.
//!
//! Either may be refused by a Graph version (or a proxy in front of it): a refused
//! batch is read call by call, a refused expansion as the WABA plus its
//! `phone_numbers` edge, and the refusal is remembered (and logged once) for the session.
//! Fields this version lacks are dropped as for any read (`api::fields`), on the node
//! type Graph names.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::join_all;
use reqwest::Method;
use reqwest::header::HeaderMap;

use crate::api::error::ApiError;
use crate::api::fields::{FieldSet, nonexisting_field};
use crate::api::graph::batch::{MAX_BATCH, Operation, Outcome};
use crate::api::graph::{GraphClient, decode};
use crate::api::ids::{IdKind, checked};
use crate::api::paging::node_with_page;
use crate::domain::number::PhoneNumber;
use crate::domain::waba::Waba;

/// A WABA and every one of its numbers, read together.
#[derive(Debug, Clone)]
pub struct WabaNumbers {
    pub waba: Waba,
    pub numbers: Vec<PhoneNumber>,
}

/// What this Graph version refused in this session: once refused, the plain reads
/// are used (shared by every clone of the client).
#[derive(Debug, Default)]
pub(crate) struct Refusals {
    expansion: AtomicBool,
    batch: AtomicBool,
}

/// The first page of an expanded read.
struct FirstPage {
    waba: Waba,
    /// `None` when the answer has no `phone_numbers` at all.
    numbers: Option<Vec<PhoneNumber>>,
    unreadable: usize,
    next_after: Option<String>,
}

impl GraphClient {
    /// One WABA and its numbers, in one call where this Graph version allows it.
    pub async fn waba_with_numbers(&self, waba_id: &str) -> Result<WabaNumbers, ApiError> {
        let mut read = self.wabas_with_numbers(&[waba_id.to_string()]).await;
        match read.pop() {
            Some((_, result)) => result,
            None => lost_answer(waba_id),
        }
    }

    /// WABAs and their numbers, in the order given: in one batch of expanded reads when
    /// there are several (split past [`MAX_BATCH`]), else one expanded read; each WABA
    /// succeeds or fails on its own.
    pub async fn wabas_with_numbers(
        &self,
        waba_ids: &[String],
    ) -> Vec<(String, Result<WabaNumbers, ApiError>)> {
        let chunks = join_all(
            waba_ids
                .chunks(MAX_BATCH)
                .map(|chunk| self.read_chunk(chunk)),
        )
        .await;
        waba_ids
            .iter()
            .cloned()
            .zip(chunks.into_iter().flatten())
            .collect()
    }

    async fn read_chunk(&self, waba_ids: &[String]) -> Vec<Result<WabaNumbers, ApiError>> {
        let mut results: Vec<Option<Result<WabaNumbers, ApiError>>> = Vec::new();
        let mut pending = Vec::new();
        for (index, id) in waba_ids.iter().enumerate() {
            match checked(IdKind::Graph, id) {
                Ok(_) => {
                    results.push(None);
                    pending.push(index);
                }
                Err(e) => results.push(Some(Err(e))),
            }
        }
        let mut first_pages: Vec<(usize, FirstPage, Vec<String>)> = Vec::new();
        while !pending.is_empty() {
            if self.refusals.expansion.load(Ordering::Relaxed) {
                let plain = join_all(pending.iter().map(|&i| self.plain_read(&waba_ids[i]))).await;
                for (&i, result) in pending.iter().zip(plain) {
                    results[i] = Some(result);
                }
                break;
            }
            let asked = [
                (FieldSet::Waba, self.dropped.of(FieldSet::Waba)),
                (
                    FieldSet::PhoneNumber,
                    self.dropped.of(FieldSet::PhoneNumber),
                ),
            ];
            let ids: Vec<&str> = pending.iter().map(|&i| waba_ids[i].as_str()).collect();
            let bodies = self.expanded_bodies(&ids).await;
            let mut again = Vec::new();
            for (&i, body) in pending.iter().zip(bodies) {
                let endpoint = self.endpoint(&Method::GET, &[&waba_ids[i]]);
                match body.and_then(|b| self.first_page(&endpoint, &b)) {
                    Ok(page) => first_pages.push((i, page, not_asked(&asked[1].1))),
                    Err(e) if self.dropped.drop_refused(&e, &asked) => again.push(i),
                    Err(e) if refuses_expansion(&e) => {
                        self.refuse(&self.refusals.expansion, &e, "field expansion");
                        again.push(i);
                    }
                    Err(e) => results[i] = Some(Err(e)),
                }
            }
            pending = again;
        }
        let rest = join_all(
            first_pages
                .into_iter()
                .map(|(i, page, without)| async move {
                    (i, self.rest_of(&waba_ids[i], page, without).await)
                }),
        )
        .await;
        for (i, result) in rest {
            results[i] = Some(result);
        }
        results
            .into_iter()
            .zip(waba_ids)
            .map(|(result, id)| result.unwrap_or_else(|| lost_answer(id)))
            .collect()
    }

    /// The bodies of the expanded reads of `ids`: one batch for several (operations it
    /// did not complete, or that failed in a way a retry can mend, are read again on
    /// their own), one call each when batches are refused.
    async fn expanded_bodies(&self, ids: &[&str]) -> Vec<Result<Vec<u8>, ApiError>> {
        let fields = self.expansion_fields();
        if ids.len() == 1 || self.refusals.batch.load(Ordering::Relaxed) {
            return join_all(ids.iter().map(|id| self.expanded_body(id, &fields))).await;
        }
        let operations: Vec<Operation> = ids
            .iter()
            .map(|id| Operation {
                subject: id.to_string(),
                relative_url: format!(
                    "{id}?{}",
                    serde_urlencoded::to_string([("fields", fields.as_str())]).unwrap_or_default()
                ),
            })
            .collect();
        match self.batch(&operations).await {
            Ok(outcomes) => {
                join_all(outcomes.into_iter().zip(ids).map(|(outcome, id)| {
                    let fields = &fields;
                    async move {
                        match outcome {
                            Outcome::Answered(Err(e)) if !e.retry_can_help() => Err(e),
                            Outcome::Answered(Ok(body)) => Ok(body),
                            Outcome::Answered(Err(_)) | Outcome::NotCompleted => {
                                self.expanded_body(id, fields).await
                            }
                        }
                    }
                }))
                .await
            }
            Err(e) if refuses_batch(&e) => {
                self.refuse(&self.refusals.batch, &e, "batch requests");
                join_all(ids.iter().map(|id| self.expanded_body(id, &fields))).await
            }
            Err(e) => ids.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    /// One expanded read on its own.
    async fn expanded_body(&self, id: &str, fields: &str) -> Result<Vec<u8>, ApiError> {
        let query = [("fields", fields.to_string())];
        let (_, answer) = self.send(Method::GET, &[id], &query, None).await?;
        Ok(answer.body.bytes)
    }

    /// `<WABA fields>,phone_numbers.limit(N){<number fields>}` with the fields this
    /// version has; of a number's, those a fleet row shows.
    fn expansion_fields(&self) -> String {
        format!(
            "{},phone_numbers.limit({}){{{}}}",
            self.dropped.query(FieldSet::Waba),
            self.page_size,
            self.fleet_number_fields()
        )
    }

    /// [`PhoneNumber::FLEET_FIELDS`] this version has.
    fn fleet_number_fields(&self) -> String {
        self.dropped
            .query_of(FieldSet::PhoneNumber, PhoneNumber::FLEET_FIELDS)
    }

    /// Decodes an expanded answer in one pass: the WABA, and its first page of numbers.
    fn first_page(&self, endpoint: &str, body: &[u8]) -> Result<FirstPage, ApiError> {
        let (mut waba, page) =
            node_with_page::<Waba, PhoneNumber>(body, "phone_numbers", self.page_size as usize)
                .map_err(|_| {
                    // The error a read of the WABA alone would give, else the page's.
                    match decode::<Waba>(endpoint, &HeaderMap::new(), body) {
                        Err(e) => e,
                        Ok(_) => crate::api::graph::unexpected_page(endpoint, &HeaderMap::new()),
                    }
                })?;
        waba.fields_not_read = self.dropped.of(FieldSet::Waba);
        let Some(page) = page else {
            return Ok(FirstPage {
                waba,
                numbers: None,
                unreadable: 0,
                next_after: None,
            });
        };
        let next_after = page
            .paging
            .filter(|p| p.next.is_some())
            .and_then(|p| p.cursors)
            .and_then(|c| c.after);
        Ok(FirstPage {
            waba,
            numbers: Some(page.items.kept),
            unreadable: page.items.unreadable,
            next_after,
        })
    }

    /// The numbers after the first page, from the edge itself with its `after` cursor;
    /// an answer without `phone_numbers` reads the edge whole (a WABA without numbers,
    /// or a version that ignores the expansion: then it is not asked for again).
    async fn rest_of(
        &self,
        waba_id: &str,
        first: FirstPage,
        numbers_without: Vec<String>,
    ) -> Result<WabaNumbers, ApiError> {
        let edge_endpoint = self.endpoint(&Method::GET, &[waba_id, "phone_numbers"]);
        let mut numbers = match first.numbers {
            None => {
                let numbers = self.phone_numbers(waba_id).await?;
                if !numbers.is_empty() {
                    let ignored = ApiError::new(
                        crate::api::ErrorClass::UnexpectedBody,
                        &edge_endpoint,
                        "the WABA came back without its expanded phone_numbers",
                    );
                    self.refuse(&self.refusals.expansion, &ignored, "field expansion");
                }
                return Ok(WabaNumbers {
                    waba: first.waba,
                    numbers,
                });
            }
            Some(numbers) => numbers,
        };
        self.transport
            .note_unreadable(&edge_endpoint, first.unreadable);
        if let Some(after) = first.next_after {
            let fields = [("fields", self.fleet_number_fields())];
            let (more, _) = self
                .get_pages::<PhoneNumber>(&[waba_id, "phone_numbers"], &fields, Some(after))
                .await?;
            numbers.extend(more);
        }
        for number in &mut numbers {
            number.fields_not_read.clone_from(&numbers_without);
        }
        Ok(WabaNumbers {
            waba: first.waba,
            numbers,
        })
    }

    /// The WABA and its `phone_numbers` edge, two calls at once: the read without
    /// field expansion.
    async fn plain_read(&self, waba_id: &str) -> Result<WabaNumbers, ApiError> {
        let (waba, numbers) =
            futures_util::future::try_join(self.waba(waba_id), self.phone_numbers(waba_id)).await?;
        Ok(WabaNumbers { waba, numbers })
    }

    /// Remembers that this Graph version refused `what`, logging it the first time.
    fn refuse(&self, flag: &AtomicBool, e: &ApiError, what: &str) {
        if !flag.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                what,
                endpoint = e.endpoint,
                error = %e,
                "this Graph version refused it: reading without it for the rest of the session"
            );
        }
    }
}

/// The number fields a fleet read goes without: those this version lacks (`dropped`)
/// and those no fleet row shows.
fn not_asked(dropped: &[String]) -> Vec<String> {
    let mut without = dropped.to_vec();
    without.extend(PhoneNumber::fields_beyond_fleet().map(String::from));
    without
}

/// Whether Graph refused the expansion itself (not a field, not the WABA): the edge is
/// named as a field it does not have, or in a parameter error.
fn refuses_expansion(e: &ApiError) -> bool {
    nonexisting_field(e).as_deref() == Some("phone_numbers")
        || (e.code == Some(100)
            && e.server_message
                .as_deref()
                .is_some_and(|m| m.contains("phone_numbers")))
}

/// Whether a failed batch means batches are not taken here (an unknown path, a refused
/// parameter, an answer that is not the documented array), as opposed to a failure any
/// call would have had (token, network, rate limit, outage).
fn refuses_batch(e: &ApiError) -> bool {
    matches!(
        e.class,
        crate::api::ErrorClass::Validation | crate::api::ErrorClass::UnexpectedBody
    )
}

/// The error of a read that produced no result: a bug, said as one.
fn lost_answer<T>(waba_id: &str) -> Result<T, ApiError> {
    Err(ApiError::new(
        crate::api::ErrorClass::UnexpectedBody,
        format!("GET /{waba_id}"),
        "wamigrate lost the answer of this read: this is a bug; please report it.",
    ))
}

#[cfg(test)]
mod tests;
