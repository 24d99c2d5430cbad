//! The fleet: one row per number across every WABA read and, when a 360dialog partner
//! key is configured, every partner channel. The fleet board and `wamigrate status`
//! share these pure operations: the join with channels, sorting, the filter language,
//! the summary, grouping and change detection. No I/O; 10,000 rows sort and filter in a
//! few milliseconds (see `wamigrate bench fleet`).
//!
//! Files: this one (rows, their migration state, the join with channels), `column`
//! (what each column shows and how a term names it), `filter` (the filter language),
//! `sort`, `view` (the board's snapshot, summary and groups) and `changes` (between two
//! refreshes).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::journal::JournalState;
use crate::domain::number::{NOT_READ, PhoneNumber};
use crate::domain::partner::Channel;
use crate::domain::waba::Waba;

mod changes;
mod column;
mod filter;
mod snapshot;
mod sort;
mod view;

pub use changes::{Change, RowChange, changes};
pub use column::{Column, or_dash};
pub use filter::{FilterError, FilterExpr, search_text};
pub use snapshot::FleetSnapshot;
pub use sort::{sort, sort_indices};
pub use view::{Group, Grouping, Summary, group};

/// Where a row's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOrigin {
    /// A Graph phone number, joined to its 360dialog channel when one matches.
    #[default]
    Graph,
    /// A 360dialog channel whose number no WABA read here has: the board shows it so a
    /// number the partner bills for is never invisible.
    PartnerOnly,
}

/// Where a number stands in a migration, from the journal (filled by the journal reader;
/// [`MigrationState::None`] until then). Written as its [`fmt::Display`] text in exports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum MigrationState {
    /// No migration journaled for this number.
    #[default]
    None,
    /// A migration is under way; `step` names the journal step reached.
    InProgress {
        step: String,
    },
    Done,
    Failed,
}

impl MigrationState {
    /// The state without its step, as `migration:` filter terms name it.
    pub fn kind(&self) -> &'static str {
        match self {
            MigrationState::None => "none",
            MigrationState::InProgress { .. } => "in_progress",
            MigrationState::Done => "done",
            MigrationState::Failed => "failed",
        }
    }
}

impl MigrationState {
    /// Where a journaled migration stands: done or failed once it finished, else in
    /// progress at the first step of its plan not done yet.
    pub fn from_journal(journal: &JournalState) -> MigrationState {
        match &journal.finished {
            Some(end) if end.completed => MigrationState::Done,
            Some(_) => MigrationState::Failed,
            None => MigrationState::InProgress {
                step: journal
                    .next_step()
                    .and_then(|s| serde_json::to_value(s).ok())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "end".to_string()),
            },
        }
    }
}

/// Fills each row's migration state from the journals, given newest first (as the
/// journal store lists them): a row takes the newest journal naming its phone number id
/// (source or destination) or its E.164 digits.
pub fn apply_journals(rows: &mut [FleetRow], journals: &[JournalState]) {
    let mut by_id: HashMap<&str, MigrationState> = HashMap::new();
    let mut by_digits: HashMap<String, MigrationState> = HashMap::new();
    for journal in journals {
        let state = MigrationState::from_journal(journal);
        let typed = journal.number.trim();
        let mut ids = vec![journal.phone_number_id.as_deref()];
        let mut digits = vec![];
        if typed.starts_with('+') {
            digits.push(Some(typed.chars().filter(char::is_ascii_digit).collect()));
        } else {
            ids.push(Some(typed));
        }
        if let Some((number, _)) = &journal.snapshot {
            ids.push(Some(number.id.as_str()));
            digits.push(number.e164_digits());
        }
        for id in ids.into_iter().flatten() {
            by_id.entry(id).or_insert_with(|| state.clone());
        }
        for key in digits.into_iter().flatten() {
            by_digits.entry(key).or_insert_with(|| state.clone());
        }
    }
    for row in rows {
        let found = by_id
            .get(row.id.as_str())
            .or_else(|| row.phone_digits().and_then(|d| by_digits.get(&d)));
        if let Some(state) = found {
            row.migration = state.clone();
        }
    }
}

const IN_PROGRESS_PREFIX: &str = "in progress at step ";

impl fmt::Display for MigrationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrationState::InProgress { step } => write!(f, "{IN_PROGRESS_PREFIX}{step}"),
            other => f.write_str(other.kind()),
        }
    }
}

impl From<MigrationState> for String {
    fn from(state: MigrationState) -> String {
        state.to_string()
    }
}

/// A `migration` cell that names no state (in a fleet file read back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a migration state")]
pub struct NotAMigrationState(String);

impl TryFrom<String> for MigrationState {
    type Error = NotAMigrationState;

    fn try_from(text: String) -> Result<Self, NotAMigrationState> {
        match text.as_str() {
            "none" | "" => Ok(MigrationState::None),
            "done" => Ok(MigrationState::Done),
            "failed" => Ok(MigrationState::Failed),
            _ => match text.strip_prefix(IN_PROGRESS_PREFIX) {
                Some(step) => Ok(MigrationState::InProgress {
                    step: step.to_string(),
                }),
                None => Err(NotAMigrationState(text)),
            },
        }
    }
}

/// One number of the fleet, owned and flat: values as the API spells them (unknown
/// values verbatim), `None` where absent. A superset of what `status` prints, so the
/// command's rows are a projection of these.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FleetRow {
    /// Graph phone number id; for a [`RowOrigin::PartnerOnly`] row, the channel id.
    pub id: String,
    pub origin: RowOrigin,
    /// The WABA the number was read from; for a partner-only row the channel's Meta
    /// WABA id (`waba_account.external_id`), else empty.
    pub waba_id: String,
    /// Shared by the rows of one WABA read ([`ReadCells`]), as the business and the
    /// check time are: 100,000 rows hold 2,000 copies, not 100,000.
    pub waba_name: Option<Arc<str>>,
    /// The owning business (name, else id).
    pub business: Option<Arc<str>>,
    pub display_phone_number: Option<String>,
    pub verified_name: Option<String>,
    pub name_status: Option<Arc<str>>,
    pub new_name_status: Option<Arc<str>>,
    pub code_verification_status: Option<Arc<str>>,
    pub quality_rating: Option<Arc<str>>,
    pub messaging_limit: Option<Arc<str>>,
    pub platform_type: Option<Arc<str>>,
    pub status: Option<Arc<str>>,
    pub account_mode: Option<Arc<str>>,
    pub is_pin_enabled: Option<bool>,
    pub is_on_biz_app: Option<bool>,
    pub is_official_business_account: Option<bool>,
    pub throughput_level: Option<Arc<str>>,
    /// The 360dialog channel of this number, when one was joined.
    pub channel_id: Option<String>,
    pub channel_status: Option<Arc<str>>,
    pub migration: MigrationState,
    /// When this row was read, RFC 3339 in UTC (e.g. `2026-11-25T16:01:02Z`).
    pub last_checked: Arc<str>,
}

/// The cells every row of one WABA read shares, made once per WABA, and the
/// status-like values of its numbers (a handful of distinct ones), each kept once.
#[derive(Debug, Clone)]
pub struct ReadCells {
    waba_name: Option<Arc<str>>,
    business: Option<Arc<str>>,
    checked_at: Arc<str>,
    values: Interner,
}

impl ReadCells {
    /// The cells of `waba`'s rows read at `checked_at`.
    pub fn new(waba: &Waba, checked_at: &str) -> Self {
        ReadCells {
            waba_name: waba.name.as_deref().map(Arc::from),
            business: waba.owner_business_label().map(Arc::from),
            checked_at: Arc::from(checked_at),
            values: Interner::default(),
        }
    }
}

/// Values kept once and shared: the rows of one read (or one join) hold the same
/// `Arc<str>` for `CONNECTED`, `GREEN`, `running`... Bounded by what one read holds.
/// Looked up by the text itself: a row's cells cost no allocation once their value is
/// kept (10 per row: 100,000 strings made and dropped per 10,000 rows before).
#[derive(Debug, Clone, Default)]
struct Interner(HashSet<Arc<str>, FastHash>);

/// A fast hasher for the fleet's maps, rebuilt on every read and keyed by ids and values
/// of our own rows (no outside party chooses them to collide).
type FastHash = foldhash::fast::RandomState;

impl Interner {
    fn get(&mut self, value: Option<&str>) -> Option<Arc<str>> {
        let value = value?;
        if let Some(kept) = self.0.get(value) {
            return Some(kept.clone());
        }
        let kept: Arc<str> = Arc::from(value);
        self.0.insert(kept.clone());
        Some(kept)
    }
}

/// An open enum's text as the API spells it.
fn wire<T: AsRef<str>>(value: &Option<T>) -> Option<&str> {
    value.as_ref().map(AsRef::as_ref)
}

/// `value`, or [`NOT_READ`] when `field` was not read (this Graph version lacks it, or
/// the read did not ask for it): unknown, not absent.
fn known<'a>(number: &PhoneNumber, value: Option<&'a str>, field: &str) -> Option<&'a str> {
    value.or_else(|| (!number.was_read(field)).then_some(NOT_READ))
}

impl FleetRow {
    /// A Graph number of `waba`, with its channel when the caller already knows it; the
    /// cells it shares with the WABA's other rows come from `cells`. The number is
    /// borrowed and its texts copied on purpose: moved out of the decoded answer, they
    /// stay scattered among the answer's freed memory, and the TUI's peak during a
    /// refresh of 100,000 numbers rose from 125 to 163 MiB (the copies are made after the
    /// decode, packed together).
    pub fn read(
        waba: &Waba,
        number: &PhoneNumber,
        channel: Option<&Channel>,
        cells: &mut ReadCells,
    ) -> Self {
        let read = |value, field| known(number, value, field);
        let mut shared = |value| cells.values.get(value);
        let mut row = FleetRow {
            id: number.id.clone(),
            origin: RowOrigin::Graph,
            waba_id: waba.id.clone(),
            waba_name: cells.waba_name.clone(),
            business: cells.business.clone(),
            display_phone_number: number.display_phone_number.clone(),
            verified_name: read(number.verified_name.as_deref(), "verified_name").map(String::from),
            name_status: shared(read(wire(&number.name_status), "name_status")),
            new_name_status: shared(read(wire(&number.new_name_status), "new_name_status")),
            code_verification_status: shared(read(
                wire(&number.code_verification_status),
                "code_verification_status",
            )),
            quality_rating: shared(read(wire(&number.quality_rating), "quality_rating")),
            messaging_limit: shared(number.messaging_limit()),
            platform_type: shared(read(wire(&number.platform_type), "platform_type")),
            status: shared(read(wire(&number.status), "status")),
            account_mode: shared(read(wire(&number.account_mode), "account_mode")),
            is_pin_enabled: number.is_pin_enabled,
            is_on_biz_app: number.is_on_biz_app,
            is_official_business_account: number.is_official_business_account,
            throughput_level: shared(read(
                number.throughput_level().map(AsRef::as_ref),
                "throughput",
            )),
            last_checked: cells.checked_at.clone(),
            ..FleetRow::default()
        };
        if let Some(channel) = channel {
            row.attach_channel(channel);
        }
        row
    }

    /// A 360dialog channel with no Graph number read here: what the Hub says of it.
    pub fn partner_only(channel: &Channel, checked_at: &str) -> Self {
        let setup = channel.setup_info.as_ref();
        let waba = channel.waba_account.as_ref();
        let mut row = FleetRow {
            id: channel.id.clone(),
            origin: RowOrigin::PartnerOnly,
            waba_id: waba.and_then(|w| w.external_id.clone()).unwrap_or_default(),
            display_phone_number: setup.and_then(|s| s.phone_number.clone()),
            verified_name: setup.and_then(|s| s.phone_name.clone()),
            quality_rating: channel.current_quality_rating.as_deref().map(Arc::from),
            messaging_limit: channel.current_limit.as_deref().map(Arc::from),
            account_mode: wire(&channel.account_mode).map(Arc::from),
            is_official_business_account: channel.is_oba,
            last_checked: Arc::from(checked_at),
            ..FleetRow::default()
        };
        row.attach_channel(channel);
        row
    }

    /// Records the 360dialog channel of this number.
    pub fn attach_channel(&mut self, channel: &Channel) {
        self.attach_shared(channel, &mut Interner::default());
    }

    /// As [`FleetRow::attach_channel`], the status shared with the other rows joined.
    fn attach_shared(&mut self, channel: &Channel, values: &mut Interner) {
        self.channel_id = Some(channel.id.clone());
        self.channel_status = values.get(wire(&channel.status));
    }

    /// The display number, else the id: how a row is named in lines and messages.
    pub fn label(&self) -> &str {
        self.display_phone_number.as_deref().unwrap_or(&self.id)
    }

    /// The E.164 digits of the display number, the key of the join with channels.
    pub fn phone_digits(&self) -> Option<String> {
        let digits: String = self
            .display_phone_number
            .as_deref()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (!digits.is_empty()).then_some(digits)
    }
}

/// The digits of a phone number as one integer after a leading 1 (so `0049…` and `49…`
/// stay apart): the join key, made without an allocation. `None` without digits, or with
/// more than 38 (no phone number has that many).
fn digits_key(raw: &str) -> Option<u128> {
    let mut key: u128 = 1;
    let mut count = 0;
    for digit in raw.bytes().filter(u8::is_ascii_digit) {
        count += 1;
        if count > 38 {
            return None;
        }
        key = key * 10 + u128::from(digit - b'0');
    }
    (count > 0).then_some(key)
}

/// Joins 360dialog channels to Graph rows by E.164 digits. A number present in several
/// WABAs (e.g. `MIGRATED` in the old one) takes the channel in the WABA the Hub names
/// (`waba_account.external_id`), else every copy takes it. A live channel wins over a
/// terminated one; channels matching no row become [`RowOrigin::PartnerOnly`] rows,
/// appended in the order given.
pub fn join_channels(rows: &mut Vec<FleetRow>, channels: &[Channel], checked_at: &str) {
    // Sorted (digits, row) pairs, not a map of digit strings: at 100,000 rows the
    // map's strings and lists were a large part of a refresh's peak and time.
    let mut by_digits: Vec<(u128, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(index, row)| Some((digits_key(row.display_phone_number.as_deref()?)?, index)))
        .collect();
    by_digits.sort_unstable();
    let rows_with = |key: u128| {
        let start = by_digits.partition_point(|&(k, _)| k < key);
        by_digits[start..]
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, index)| index)
    };
    let (live, terminated): (Vec<&Channel>, Vec<&Channel>) = channels
        .iter()
        .partition(|c| c.terminated_at.as_deref().is_none_or(str::is_empty));
    let mut orphans = Vec::new();
    let mut statuses = Interner::default();
    for channel in live.into_iter().chain(terminated) {
        let key = channel
            .setup_info
            .as_ref()
            .and_then(|s| s.phone_number.as_deref())
            .and_then(digits_key);
        let Some(key) = key.filter(|&key| rows_with(key).next().is_some()) else {
            orphans.push(channel);
            continue;
        };
        let hub_waba = channel
            .waba_account
            .as_ref()
            .and_then(|w| w.external_id.as_deref());
        let any_in_hub = rows_with(key).any(|i| Some(rows[i].waba_id.as_str()) == hub_waba);
        for index in rows_with(key) {
            let target = !any_in_hub || Some(rows[index].waba_id.as_str()) == hub_waba;
            if target && rows[index].channel_id.is_none() {
                rows[index].attach_shared(channel, &mut statuses);
            }
        }
    }
    rows.extend(
        orphans
            .into_iter()
            .map(|c| FleetRow::partner_only(c, checked_at)),
    );
}

#[cfg(test)]
mod tests;
