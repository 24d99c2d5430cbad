//! What the app has read from the API, and the one place where requests are asked,
//! answered and dropped as stale: every read has a slot ([`Remote`]) that waits for
//! exactly one request id; an answer to any other id is stale (the operator moved on,
//! or a newer read replaced it).

use std::collections::{BTreeMap, HashMap};

use crate::api::ApiError;
use crate::domain::number::PhoneNumber;
use crate::domain::template::TemplateInventory;
use crate::domain::waba::{SubscribedApp, Waba};

use super::action::{ApiEvent, ApiRequest, ApiResponse, Effect, RequestId};

/// A value read from the API: its loading state, value, or the failure to show.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Remote<T> {
    /// Not asked for.
    #[default]
    Idle,
    /// Asked for with `request`; `previous` stays on screen meanwhile.
    Loading {
        request: RequestId,
        previous: Option<T>,
    },
    Ready(T),
    /// The read failed; the error's sentence is shown where the value would be.
    Failed(ApiError),
}

impl<T> Remote<T> {
    /// The value to show: the current one, or the previous while reloading.
    pub fn value(&self) -> Option<&T> {
        match self {
            Remote::Ready(v) => Some(v),
            Remote::Loading { previous, .. } => previous.as_ref(),
            _ => None,
        }
    }

    /// The request this slot waits for, if any.
    pub fn awaited(&self) -> Option<RequestId> {
        match self {
            Remote::Loading { request, .. } => Some(*request),
            _ => None,
        }
    }

    /// Whether a read is under way.
    pub fn is_loading(&self) -> bool {
        matches!(self, Remote::Loading { .. })
    }

    /// The failure, if the last read failed.
    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Remote::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Marks the slot as waiting for `request`, keeping what is shown.
    pub fn start(&mut self, request: RequestId) {
        let previous = match std::mem::take(self) {
            Remote::Ready(v) => Some(v),
            Remote::Loading { previous, .. } => previous,
            _ => None,
        };
        *self = Remote::Loading { request, previous };
    }

    /// Forgets a read under way (its answer will be dropped as stale).
    pub fn abandon(&mut self) {
        if let Remote::Loading { previous, .. } = std::mem::take(self) {
            *self = previous.map_or(Remote::Idle, Remote::Ready);
        }
    }
}

/// What the app knows about one WABA.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WabaRecord {
    pub waba: Remote<Waba>,
    pub numbers: Remote<Vec<PhoneNumber>>,
    pub apps: Remote<Vec<SubscribedApp>>,
    pub templates: Remote<TemplateInventory>,
}

/// The data read and the requests awaited.
#[derive(Debug, Clone)]
pub struct Store {
    /// The WABAs to show (the profile's, or the token's).
    pub waba_ids: Remote<Vec<String>>,
    pub wabas: BTreeMap<String, WabaRecord>,
    /// A fresh read of the selected number (on re-check), preferred over the list's copy.
    pub number_detail: Remote<PhoneNumber>,
    /// Requests whose answers are still awaited; any other answer is stale.
    in_flight: HashMap<RequestId, ApiRequest>,
    next_request_id: RequestId,
}

impl Default for Store {
    fn default() -> Store {
        Store {
            waba_ids: Remote::Idle,
            wabas: BTreeMap::new(),
            number_detail: Remote::Idle,
            in_flight: HashMap::new(),
            next_request_id: 1,
        }
    }
}

impl Store {
    /// The record of a WABA, if it was ever listed.
    pub fn record(&self, waba_id: Option<&str>) -> Option<&WabaRecord> {
        self.wabas.get(waba_id?)
    }

    /// "Lucky Shrub Retail (104996122399160)": a WABA as confirmations and headers name
    /// it, or its id alone before its name is read.
    pub fn waba_label(&self, id: &str) -> String {
        match self.record(Some(id)).and_then(|r| r.waba.value()) {
            Some(waba) => format!("{} ({id})", waba.label()),
            None => id.to_string(),
        }
    }

    /// How many requests are awaited.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether the answer to `id` is still awaited.
    pub fn awaits(&self, id: RequestId) -> bool {
        self.in_flight.contains_key(&id)
    }

    /// A new request id (ids are never reused, so stale answers are recognised); also
    /// the ids of fleet refreshes and template runs.
    pub fn take_request_id(&mut self) -> RequestId {
        let id = self.next_request_id;
        self.next_request_id += 1;
        id
    }

    /// Registers a read as awaited, marks its slot loading, and returns the effect. A
    /// read of a slot already loading replaces the older read, whose answer becomes
    /// stale.
    pub fn ask(&mut self, request: ApiRequest) -> Effect {
        let id = self.take_request_id();
        let replaced = match &request {
            ApiRequest::DiscoverWabas { .. } => restart(&mut self.waba_ids, id),
            ApiRequest::Waba(w) => restart(&mut self.entry(w).waba, id),
            ApiRequest::Numbers(w) => restart(&mut self.entry(w).numbers, id),
            ApiRequest::SubscribedApps(w) => restart(&mut self.entry(w).apps, id),
            ApiRequest::Templates(w) => restart(&mut self.entry(w).templates, id),
            ApiRequest::Number(_) => restart(&mut self.number_detail, id),
        };
        if let Some(old) = replaced {
            self.in_flight.remove(&old);
        }
        self.in_flight.insert(id, request.clone());
        Effect::Api {
            request_id: id,
            request,
        }
    }

    /// Stores an answer in its slot; returns the request it answers, or `None` when it
    /// is stale.
    pub fn answer(&mut self, event: ApiEvent) -> Option<ApiRequest> {
        let id = event.request_id;
        let request = self.in_flight.remove(&id)?;
        let result = event.result;
        match request.clone() {
            ApiRequest::DiscoverWabas { .. } => settle(
                &mut self.waba_ids,
                id,
                pick(result, |r| match r {
                    ApiResponse::WabaIds(ids) => Some(ids),
                    _ => None,
                }),
            ),
            ApiRequest::Waba(waba_id) => settle(
                &mut self.entry(&waba_id).waba,
                id,
                pick(result, |r| match r {
                    ApiResponse::Waba(w) => Some(w),
                    _ => None,
                }),
            ),
            ApiRequest::Numbers(waba_id) => settle(
                &mut self.entry(&waba_id).numbers,
                id,
                pick(result, |r| match r {
                    ApiResponse::Numbers(n) => Some(n),
                    _ => None,
                }),
            ),
            ApiRequest::SubscribedApps(waba_id) => settle(
                &mut self.entry(&waba_id).apps,
                id,
                pick(result, |r| match r {
                    ApiResponse::SubscribedApps(a) => Some(a),
                    _ => None,
                }),
            ),
            ApiRequest::Templates(waba_id) => settle(
                &mut self.entry(&waba_id).templates,
                id,
                pick(result, |r| match r {
                    ApiResponse::Templates(t) => Some(t),
                    _ => None,
                }),
            ),
            ApiRequest::Number(_) => settle(
                &mut self.number_detail,
                id,
                pick(result, |r| match r {
                    ApiResponse::Number(n) => Some(n),
                    _ => None,
                }),
            ),
        }
        Some(request)
    }

    /// Forgets the read of the selected number (another number is selected).
    pub fn forget_number(&mut self) {
        forget(&mut self.in_flight, &mut self.number_detail);
        self.number_detail = Remote::Idle;
    }

    /// Drops the reads under way of a WABA that is no longer shown (its header stays:
    /// the pickers list it).
    pub fn release(&mut self, waba_id: &str) {
        let Some(record) = self.wabas.get_mut(waba_id) else {
            return;
        };
        forget(&mut self.in_flight, &mut record.numbers);
        forget(&mut self.in_flight, &mut record.apps);
        forget(&mut self.in_flight, &mut record.templates);
    }

    /// The connection failed: nothing more will be answered.
    pub fn abandon_all(&mut self) {
        self.in_flight.clear();
    }

    fn entry(&mut self, waba_id: &str) -> &mut WabaRecord {
        self.wabas.entry(waba_id.to_string()).or_default()
    }
}

/// Narrows a response to the variant its request expects.
fn pick<T>(
    result: Result<ApiResponse, ApiError>,
    narrow: fn(ApiResponse) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    result.map(narrow)
}

/// Stores an answer in its slot, if the slot still waits for exactly this request.
fn settle<T>(slot: &mut Remote<T>, id: RequestId, result: Result<Option<T>, ApiError>) {
    if slot.awaited() != Some(id) {
        return;
    }
    match result {
        Ok(Some(value)) => *slot = Remote::Ready(value),
        Ok(None) => slot.abandon(),
        Err(error) => *slot = Remote::Failed(error),
    }
}

/// Marks a slot loading for `id`; returns the request it waited for before, if any.
fn restart<T>(slot: &mut Remote<T>, id: RequestId) -> Option<RequestId> {
    let replaced = slot.awaited();
    slot.start(id);
    replaced
}

/// Forgets a read under way; its answer will be dropped as stale.
fn forget<T>(in_flight: &mut HashMap<RequestId, ApiRequest>, slot: &mut Remote<T>) {
    if let Some(id) = slot.awaited() {
        in_flight.remove(&id);
    }
    slot.abandon();
}
