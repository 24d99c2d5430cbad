//! The fleet: one row per number across every WABA read and, when a 360dialog partner
//! key is configured, every partner channel. The fleet board and `wamigrate status`
//! share these pure operations: the join with channels, sorting, the filter language,
//! the summary, grouping and change detection. No I/O; 10,000 rows sort and filter in a
//! few milliseconds (see `wamigrate bench fleet`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::journal::JournalState;
use crate::domain::number::{NOT_READ, PhoneNumber};
use crate::domain::partner::Channel;
use crate::domain::waba::Waba;

mod snapshot;
pub use snapshot::FleetSnapshot;

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

impl TryFrom<String> for MigrationState {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "none" | "" => Ok(MigrationState::None),
            "done" => Ok(MigrationState::Done),
            "failed" => Ok(MigrationState::Failed),
            _ => match text.strip_prefix(IN_PROGRESS_PREFIX) {
                Some(step) => Ok(MigrationState::InProgress {
                    step: step.to_string(),
                }),
                None => Err(format!("'{text}' is not a migration state")),
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
    pub waba_name: Option<String>,
    /// The owning business (name, else id).
    pub business: Option<String>,
    pub display_phone_number: Option<String>,
    pub verified_name: Option<String>,
    pub name_status: Option<String>,
    pub new_name_status: Option<String>,
    pub code_verification_status: Option<String>,
    pub quality_rating: Option<String>,
    pub messaging_limit: Option<String>,
    pub platform_type: Option<String>,
    pub status: Option<String>,
    pub account_mode: Option<String>,
    pub is_pin_enabled: Option<bool>,
    pub is_on_biz_app: Option<bool>,
    pub is_official_business_account: Option<bool>,
    pub throughput_level: Option<String>,
    /// The 360dialog channel of this number, when one was joined.
    pub channel_id: Option<String>,
    pub channel_status: Option<String>,
    pub migration: MigrationState,
    /// When this row was read, RFC 3339 in UTC (e.g. `2026-11-25T16:01:02Z`).
    pub last_checked: String,
}

fn text<T: fmt::Display>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ToString::to_string)
}

impl FleetRow {
    /// A Graph number of `waba`, with its channel when the caller already knows it.
    pub fn new(
        waba: &Waba,
        number: &PhoneNumber,
        channel: Option<&Channel>,
        checked_at: &str,
    ) -> Self {
        // A field this Graph version lacks was not read: its value is unknown, not absent.
        let read = |value: Option<String>, field: &str| {
            value.or_else(|| (!number.was_read(field)).then(|| NOT_READ.to_string()))
        };
        let mut row = FleetRow {
            id: number.id.clone(),
            origin: RowOrigin::Graph,
            waba_id: waba.id.clone(),
            waba_name: waba.name.clone(),
            business: waba.owner_business_label().map(str::to_string),
            display_phone_number: number.display_phone_number.clone(),
            verified_name: read(number.verified_name.clone(), "verified_name"),
            name_status: read(text(&number.name_status), "name_status"),
            new_name_status: read(text(&number.new_name_status), "new_name_status"),
            code_verification_status: read(
                text(&number.code_verification_status),
                "code_verification_status",
            ),
            quality_rating: read(text(&number.quality_rating), "quality_rating"),
            messaging_limit: number.messaging_limit().map(str::to_string),
            platform_type: read(text(&number.platform_type), "platform_type"),
            status: read(text(&number.status), "status"),
            account_mode: read(text(&number.account_mode), "account_mode"),
            is_pin_enabled: number.is_pin_enabled,
            is_on_biz_app: number.is_on_biz_app,
            is_official_business_account: number.is_official_business_account,
            throughput_level: read(
                number.throughput_level().map(ToString::to_string),
                "throughput",
            ),
            last_checked: checked_at.to_string(),
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
            quality_rating: channel.current_quality_rating.clone(),
            messaging_limit: channel.current_limit.clone(),
            account_mode: text(&channel.account_mode),
            is_official_business_account: channel.is_oba,
            last_checked: checked_at.to_string(),
            ..FleetRow::default()
        };
        row.attach_channel(channel);
        row
    }

    /// Records the 360dialog channel of this number.
    pub fn attach_channel(&mut self, channel: &Channel) {
        self.channel_id = Some(channel.id.clone());
        self.channel_status = text(&channel.status);
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

/// Joins 360dialog channels to Graph rows by E.164 digits. A number present in several
/// WABAs (e.g. `MIGRATED` in the old one) takes the channel in the WABA the Hub names
/// (`waba_account.external_id`), else every copy takes it. A live channel wins over a
/// terminated one; channels matching no row become [`RowOrigin::PartnerOnly`] rows,
/// appended in the order given.
pub fn join_channels(rows: &mut Vec<FleetRow>, channels: &[Channel], checked_at: &str) {
    let mut by_digits: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(digits) = row.phone_digits() {
            by_digits.entry(digits).or_default().push(index);
        }
    }
    let (live, terminated): (Vec<&Channel>, Vec<&Channel>) = channels
        .iter()
        .partition(|c| c.terminated_at.as_deref().is_none_or(str::is_empty));
    let mut orphans = Vec::new();
    for channel in live.into_iter().chain(terminated) {
        let Some(matching) = channel.phone_digits().and_then(|d| by_digits.get(&d)) else {
            orphans.push(channel);
            continue;
        };
        let hub_waba = channel
            .waba_account
            .as_ref()
            .and_then(|w| w.external_id.as_deref());
        let in_hub_waba: Vec<usize> = matching
            .iter()
            .copied()
            .filter(|&i| Some(rows[i].waba_id.as_str()) == hub_waba)
            .collect();
        let targets = if in_hub_waba.is_empty() {
            matching.clone()
        } else {
            in_hub_waba
        };
        for index in targets {
            if rows[index].channel_id.is_none() {
                rows[index].attach_channel(channel);
            }
        }
    }
    rows.extend(
        orphans
            .into_iter()
            .map(|c| FleetRow::partner_only(c, checked_at)),
    );
}

/// A column of the fleet board: its filter key, its header and its value. The order of
/// [`Column::ALL`] is the board's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Number,
    VerifiedName,
    Waba,
    Business,
    NameStatus,
    Quality,
    Limit,
    Platform,
    Status,
    TwoFactor,
    Throughput,
    Channel,
    Migration,
    LastChecked,
}

impl Column {
    /// Every column, in board order.
    pub const ALL: [Column; 14] = [
        Column::Number,
        Column::VerifiedName,
        Column::Waba,
        Column::Business,
        Column::NameStatus,
        Column::Quality,
        Column::Limit,
        Column::Platform,
        Column::Status,
        Column::TwoFactor,
        Column::Throughput,
        Column::Channel,
        Column::Migration,
        Column::LastChecked,
    ];

    /// The name used in `field:value` filter terms and in change lines.
    pub fn key(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::VerifiedName => "name",
            Column::Waba => "waba",
            Column::Business => "business",
            Column::NameStatus => "name_status",
            Column::Quality => "quality",
            Column::Limit => "limit",
            Column::Platform => "platform",
            Column::Status => "status",
            Column::TwoFactor => "2fa",
            Column::Throughput => "throughput",
            Column::Channel => "channel",
            Column::Migration => "migration",
            Column::LastChecked => "checked",
        }
    }

    /// The header text of tables and the board.
    pub fn header(self) -> &'static str {
        match self {
            Column::Number => "NUMBER",
            Column::VerifiedName => "NAME",
            Column::Waba => "WABA",
            Column::Business => "BUSINESS",
            Column::NameStatus => "NAME STATUS",
            Column::Quality => "QUALITY",
            Column::Limit => "LIMIT",
            Column::Platform => "PLATFORM",
            Column::Status => "STATUS",
            Column::TwoFactor => "2FA",
            Column::Throughput => "THROUGHPUT",
            Column::Channel => "CHANNEL",
            Column::Migration => "MIGRATION",
            Column::LastChecked => "CHECKED",
        }
    }

    /// The column whose [`Column::key`] is `key` (case-insensitive).
    pub fn from_key(key: &str) -> Option<Column> {
        Column::ALL
            .into_iter()
            .find(|c| c.key().eq_ignore_ascii_case(key))
    }

    /// The next column, wrapping: what `o` on the board cycles through.
    pub fn next(self) -> Column {
        let position = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(position + 1) % Column::ALL.len()]
    }

    /// The cell text; empty when the API did not say. The WABA shows its name, else its
    /// id (marked `(360dialog only)` for a channel no WABA read has); 2FA shows `on`/`off`.
    pub fn value(self, row: &FleetRow) -> Cow<'_, str> {
        match self {
            Column::Number => Cow::Borrowed(row.label()),
            Column::VerifiedName => opt(&row.verified_name),
            Column::Waba => match (&row.waba_name, row.origin) {
                (Some(name), _) => Cow::Borrowed(name),
                (None, RowOrigin::Graph) => Cow::Borrowed(&row.waba_id),
                (None, RowOrigin::PartnerOnly) => Cow::Owned(
                    format!("{} (360dialog only)", row.waba_id)
                        .trim_start()
                        .to_string(),
                ),
            },
            Column::Business => opt(&row.business),
            Column::NameStatus => opt(&row.name_status),
            Column::Quality => opt(&row.quality_rating),
            Column::Limit => opt(&row.messaging_limit),
            Column::Platform => opt(&row.platform_type),
            Column::Status => opt(&row.status),
            Column::TwoFactor => Cow::Borrowed(match row.is_pin_enabled {
                Some(true) => "on",
                Some(false) => "off",
                None => "",
            }),
            Column::Throughput => opt(&row.throughput_level),
            Column::Channel => opt(&row.channel_status),
            Column::Migration => Cow::Owned(row.migration.to_string()),
            Column::LastChecked => Cow::Borrowed(&row.last_checked),
        }
    }

    /// Whether a `key:value` term value (lower case) names this cell: exact and
    /// case-insensitive, plus the WABA id for `waba`, the digits for `number` and the
    /// state without its step for `migration`.
    fn term_matches(self, row: &FleetRow, wanted: &str) -> bool {
        let exact = caseless_eq(&self.value(row), wanted);
        exact
            || match self {
                Column::Waba => row.waba_id.eq_ignore_ascii_case(wanted),
                Column::Number => {
                    let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
                    !digits.is_empty() && row.phone_digits().as_deref() == Some(digits.as_str())
                }
                Column::Migration => row.migration.kind() == wanted,
                _ => false,
            }
    }

    /// The values a term on this column may take, when the set is closed.
    fn allowed_values(self) -> Option<&'static [&'static str]> {
        match self {
            Column::TwoFactor => Some(&["on", "off"]),
            Column::Migration => Some(&["none", "in_progress", "done", "failed"]),
            _ => None,
        }
    }
}

fn opt(value: &Option<String>) -> Cow<'_, str> {
    Cow::Borrowed(value.as_deref().unwrap_or(""))
}

/// A cell for people: `-` when the API did not say.
pub fn or_dash(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

/// `a` equals `lower` (already lower case) ignoring case, Unicode included.
fn caseless_eq(a: &str, lower: &str) -> bool {
    a.eq_ignore_ascii_case(lower) || (!a.is_ascii() && a.to_lowercase() == lower)
}

/// Sorts rows by `column`, stably: equal cells keep their order, so sorting by status
/// after sorting by quality groups qualities within each status. Empty cells go last in
/// both directions; quality and messaging limit sort by meaning (GREEN before RED,
/// TIER_2K before TIER_10K), the rest by case-insensitive text.
pub fn sort(rows: &mut [FleetRow], column: Column, descending: bool) {
    rows.sort_by_cached_key(|row| SortKey::new(row, column, descending));
}

/// As [`sort`], for a view of row indices into `rows` (what the board keeps).
pub fn sort_indices(rows: &[FleetRow], indices: &mut [usize], column: Column, descending: bool) {
    indices.sort_by_cached_key(|&i| SortKey::new(&rows[i], column, descending));
}

/// The precomputed sort key of one cell; its order honours the direction, so the
/// (stable) standard sort keeps ties in their original order either way.
#[derive(PartialEq, Eq)]
struct SortKey {
    missing: bool,
    rank: u64,
    text: String,
    descending: bool,
}

impl SortKey {
    fn new(row: &FleetRow, column: Column, descending: bool) -> SortKey {
        let value = column.value(row);
        let text = match column {
            Column::Number => row.phone_digits().unwrap_or_else(|| value.to_lowercase()),
            _ => value.to_lowercase(),
        };
        SortKey {
            missing: value.is_empty(),
            rank: match column {
                Column::Quality => quality_rank(&value),
                Column::Limit => limit_rank(&value),
                _ => 0,
            },
            text,
            descending,
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.missing.cmp(&other.missing).then_with(|| {
            let order = (self.rank, &self.text).cmp(&(other.rank, &other.text));
            if self.descending {
                order.reverse()
            } else {
                order
            }
        })
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn quality_rank(value: &str) -> u64 {
    match value.to_ascii_uppercase().as_str() {
        "GREEN" => 0,
        "YELLOW" => 1,
        "RED" => 2,
        _ => 3,
    }
}

/// Messages per day of a limit tier (360dialog sends plain numbers); unknown last.
fn limit_rank(value: &str) -> u64 {
    match value.to_ascii_uppercase().as_str() {
        "TIER_50" => 50,
        "TIER_250" => 250,
        "TIER_1K" => 1_000,
        "TIER_2K" => 2_000,
        "TIER_10K" => 10_000,
        "TIER_100K" => 100_000,
        "TIER_UNLIMITED" | "UNTIERED" => u64::MAX - 1,
        other => other.parse().unwrap_or(u64::MAX),
    }
}

/// A parsed filter: free-text terms (case-insensitive substring of any cell) and
/// `field:value[,value...]` terms (one of the values, exact and case-insensitive). Every
/// term must hold. The same language serves the board's `/` and `status --filter` /
/// `--fail-on`, e.g. `status:FLAGGED,RESTRICTED quality:RED "Lucky Shrub"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterExpr {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// Lower-case text looked for in every cell.
    Text(String),
    /// Lower-case values, one of which the cell must equal.
    Field { column: Column, values: Vec<String> },
}

/// Why a filter expression was refused; the `Display` text is the operator sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    UnknownField(String),
    EmptyValue(String),
    BadValue { column: Column, value: String },
    UnclosedQuote,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::UnknownField(field) => {
                let keys: Vec<&str> = Column::ALL.iter().map(|c| c.key()).collect();
                write!(
                    f,
                    "'{field}' is not a filter field: use one of {} (e.g. status:FLAGGED quality:RED), or quote the text to search for it.",
                    keys.join(", ")
                )
            }
            FilterError::EmptyValue(field) => write!(
                f,
                "'{field}:' needs a value: write {field}:VALUE, or several separated by commas (e.g. status:FLAGGED,RESTRICTED)."
            ),
            FilterError::BadValue { column, value } => write!(
                f,
                "'{value}' is not a value of {}: use {}.",
                column.key(),
                column.allowed_values().unwrap_or_default().join(" or ")
            ),
            FilterError::UnclosedQuote => f.write_str(
                "The filter has a quote (\") that is not closed: close it, e.g. name:\"Lucky Shrub\".",
            ),
        }
    }
}

impl std::error::Error for FilterError {}

impl FilterExpr {
    /// Parses an expression; an empty one matches every row.
    pub fn parse(input: &str) -> Result<FilterExpr, FilterError> {
        let mut terms = Vec::new();
        for raw in split_outside_quotes(input, char::is_whitespace)? {
            if raw.is_empty() {
                continue;
            }
            if let Some(term) = parse_term(raw)? {
                terms.push(term);
            }
        }
        Ok(FilterExpr { terms })
    }

    /// True when the expression has no term (it matches everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The columns `field:` terms name, in term order (e.g. to read 360dialog channels
    /// only when a `channel:` term needs them).
    pub fn columns(&self) -> Vec<Column> {
        self.terms
            .iter()
            .filter_map(|t| match t {
                Term::Field { column, .. } => Some(*column),
                Term::Text(_) => None,
            })
            .collect()
    }

    /// Whether `row` satisfies every term.
    pub fn matches(&self, row: &FleetRow) -> bool {
        let needs_text = self.terms.iter().any(|t| matches!(t, Term::Text(_)));
        let search_text = if needs_text {
            search_text(row)
        } else {
            String::new()
        };
        self.matches_with(row, &search_text)
    }

    /// As [`FilterExpr::matches`] with the row's [`search_text`] computed beforehand.
    fn matches_with(&self, row: &FleetRow, search_text: &str) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Text(needle) => search_text.contains(needle.as_str()),
            Term::Field { column, values } => values.iter().any(|v| column.term_matches(row, v)),
        })
    }
}

/// Splits on `separator` characters outside double quotes; quotes stay in the parts,
/// empty parts are kept.
fn split_outside_quotes(
    input: &str,
    separator: fn(char) -> bool,
) -> Result<Vec<&str>, FilterError> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && separator(c) {
            parts.push(&input[start..i]);
            start = i + c.len_utf8();
        }
    }
    if quoted {
        return Err(FilterError::UnclosedQuote);
    }
    parts.push(&input[start..]);
    Ok(parts)
}

fn parse_term(raw: &str) -> Result<Option<Term>, FilterError> {
    let field_term = raw.split_once(':').filter(|(field, _)| {
        !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let Some((field, rest)) = field_term else {
        let needle = raw.replace('"', "").to_lowercase();
        return Ok((!needle.is_empty()).then_some(Term::Text(needle)));
    };
    let column = Column::from_key(field).ok_or_else(|| FilterError::UnknownField(field.into()))?;
    let mut values = Vec::new();
    for part in split_outside_quotes(rest, |c| c == ',')? {
        let value = part.replace('"', "").trim().to_lowercase();
        if value.is_empty() {
            return Err(FilterError::EmptyValue(column.key().to_string()));
        }
        if column
            .allowed_values()
            .is_some_and(|allowed| !allowed.contains(&value.as_str()))
        {
            return Err(FilterError::BadValue { column, value });
        }
        values.push(value);
    }
    Ok(Some(Term::Field { column, values }))
}

/// Every cell of a row in lower case, plus its ids, one per line: what free-text terms
/// search. Computed once per row by [`FleetSnapshot`].
pub fn search_text(row: &FleetRow) -> String {
    let mut text = String::with_capacity(160);
    for column in Column::ALL {
        text.push_str(&column.value(row));
        text.push('\n');
    }
    for id in [Some(&row.id), Some(&row.waba_id), row.channel_id.as_ref()]
        .into_iter()
        .flatten()
    {
        text.push_str(id);
        text.push('\n');
    }
    text.to_lowercase()
}

/// Counts per status and per quality, for the board's summary bar. Absent values are
/// counted under `-`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub total: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_quality: BTreeMap<String, usize>,
}

impl Summary {
    /// Counts `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a FleetRow>) -> Summary {
        let mut summary = Summary::default();
        for row in rows {
            summary.total += 1;
            for (counts, value) in [
                (&mut summary.by_status, &row.status),
                (&mut summary.by_quality, &row.quality_rating),
            ] {
                *counts
                    .entry(value.clone().unwrap_or_else(|| "-".to_string()))
                    .or_default() += 1;
            }
        }
        summary
    }
}

/// What the board groups rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Waba,
    Business,
}

/// One group of rows: its label and the row indices, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub label: String,
    pub rows: Vec<usize>,
}

/// Splits a view (indices into `rows`) into groups by WABA or business, groups ordered by
/// label, rows keeping the view's order inside each group. Rows without a business go
/// to `(no business)`.
pub fn group(rows: &[FleetRow], view: &[usize], by: Grouping) -> Vec<Group> {
    let mut groups: BTreeMap<Cow<'_, str>, Vec<usize>> = BTreeMap::new();
    for &index in view {
        let label = match by {
            Grouping::Waba => Column::Waba.value(&rows[index]),
            Grouping::Business => match Column::Business.value(&rows[index]) {
                b if b.is_empty() => Cow::Borrowed("(no business)"),
                b => b,
            },
        };
        groups.entry(label).or_default().push(index);
    }
    groups
        .into_iter()
        .map(|(label, rows)| Group {
            label: label.into_owned(),
            rows,
        })
        .collect()
}

/// One difference between two refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    /// [`FleetRow::id`] of the row.
    pub id: String,
    /// [`FleetRow::label`] of the row, for the change line.
    pub number: String,
    pub change: Change,
}

/// What changed about a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The number appeared.
    Added,
    /// The number is gone.
    Removed,
    /// A cell changed; the board shows `old` in its detail view.
    Value {
        column: Column,
        old: String,
        new: String,
    },
}

impl RowChange {
    /// A change of `row`.
    pub fn of(row: &FleetRow, change: Change) -> RowChange {
        RowChange {
            id: row.id.clone(),
            number: row.label().to_string(),
            change,
        }
    }
}

impl fmt::Display for RowChange {
    /// `+1 631-555-0101 status CONNECTED → FLAGGED`, `... added`, `... removed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Added => write!(f, "{} added", self.number),
            Change::Removed => write!(f, "{} removed", self.number),
            Change::Value { column, old, new } => write!(
                f,
                "{} {} {} → {}",
                self.number,
                column.key(),
                or_dash(old),
                or_dash(new)
            ),
        }
    }
}

/// What differs between two refreshes, rows matched by id: changed cells (every column
/// but the check time) in `current`'s order, then added rows, then removed ones.
pub fn changes(previous: &[FleetRow], current: &[FleetRow]) -> Vec<RowChange> {
    let before: HashMap<&str, &FleetRow> = previous.iter().map(|r| (r.id.as_str(), r)).collect();
    let now: HashSet<&str> = current.iter().map(|r| r.id.as_str()).collect();
    let mut values = Vec::new();
    let mut added = Vec::new();
    for row in current {
        match before.get(row.id.as_str()) {
            Some(old) => values.extend(snapshot::cell_changes(old, row, &Column::ALL)),
            None => added.push(RowChange::of(row, Change::Added)),
        }
    }
    let removed = previous
        .iter()
        .filter(|r| !now.contains(r.id.as_str()))
        .map(|r| RowChange::of(r, Change::Removed));
    values.into_iter().chain(added).chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::partner::{ChannelSetupInfo, ChannelStatus, ChannelWaba};

    fn row(id: &str, number: &str, status: &str, quality: &str) -> FleetRow {
        FleetRow {
            id: id.into(),
            waba_id: "w1".into(),
            waba_name: Some("Lucky Shrub".into()),
            business: Some("Lucky Shrub Inc".into()),
            display_phone_number: Some(number.into()),
            verified_name: Some(format!("Shop {id}")),
            status: Some(status.into()),
            quality_rating: Some(quality.into()),
            is_pin_enabled: Some(false),
            last_checked: "2026-11-25T16:00:00Z".into(),
            ..FleetRow::default()
        }
    }

    fn channel(id: &str, number: &str, waba: Option<&str>, status: &str) -> Channel {
        Channel {
            id: id.into(),
            status: Some(ChannelStatus::parse(status)),
            setup_info: Some(ChannelSetupInfo {
                phone_number: Some(number.into()),
                phone_name: Some("Hub name".into()),
            }),
            waba_account: waba.map(|w| ChannelWaba {
                external_id: Some(w.into()),
                ..ChannelWaba::default()
            }),
            ..Channel::default()
        }
    }

    fn fleet() -> Vec<FleetRow> {
        vec![
            row("1", "+1 631-555-0101", "CONNECTED", "GREEN"),
            row("2", "+1 631-555-0102", "FLAGGED", "RED"),
            row("3", "+49 30 1234567", "RESTRICTED", "YELLOW"),
            row("4", "+1 631-555-0104", "CONNECTED", "RED"),
        ]
    }

    fn ids(rows: &[FleetRow], indices: &[usize]) -> Vec<String> {
        indices.iter().map(|&i| rows[i].id.clone()).collect()
    }

    fn matching(expr: &str) -> Vec<String> {
        let snapshot = FleetSnapshot::new(fleet());
        let filter = FilterExpr::parse(expr).unwrap();
        let indices = snapshot.matching(&filter);
        let by_matches: Vec<String> = fleet()
            .into_iter()
            .filter(|r| filter.matches(r))
            .map(|r| r.id)
            .collect();
        assert_eq!(ids(snapshot.rows(), &indices), by_matches);
        by_matches
    }

    #[test]
    fn field_terms_or_within_and_across_and_text_is_a_substring_anywhere() {
        assert_eq!(matching(""), ["1", "2", "3", "4"]);
        assert_eq!(matching("status:flagged,RESTRICTED"), ["2", "3"]);
        assert_eq!(matching("status:CONNECTED quality:RED"), ["4"]);
        assert_eq!(matching("631-555 red"), ["2", "4"]);
        assert_eq!(matching("\"shop 3\""), ["3"]);
        assert_eq!(matching("name:\"Shop 2\",\"Shop 4\""), ["2", "4"]);
        assert_eq!(
            matching("waba:w1 business:\"lucky shrub inc\" 2fa:off"),
            ["1", "2", "3", "4"]
        );
        assert_eq!(matching("number:+493012345-67"), ["3"]);
        assert_eq!(matching("migration:none"), ["1", "2", "3", "4"]);
        assert_eq!(matching("migration:in_progress"), Vec::<String>::new());
        assert_eq!(
            matching("status:FLAG"),
            Vec::<String>::new(),
            "values match exactly"
        );
    }

    #[test]
    fn invalid_expressions_give_the_operator_sentence() {
        let error = |expr: &str| FilterExpr::parse(expr).unwrap_err().to_string();
        assert_eq!(
            error("stat:FLAGGED"),
            "'stat' is not a filter field: use one of number, name, waba, business, name_status, \
quality, limit, platform, status, 2fa, throughput, channel, migration, checked \
(e.g. status:FLAGGED quality:RED), or quote the text to search for it."
        );
        assert_eq!(
            error("quality:RED status:"),
            "'status:' needs a value: write status:VALUE, or several separated by commas (e.g. status:FLAGGED,RESTRICTED)."
        );
        assert_eq!(error("status:FLAGGED,,RED"), error("status:"));
        assert_eq!(
            error("2fa:yes"),
            "'yes' is not a value of 2fa: use on or off."
        );
        assert_eq!(
            error("name:\"Lucky Shrub"),
            "The filter has a quote (\") that is not closed: close it, e.g. name:\"Lucky Shrub\"."
        );
        assert!(
            FilterExpr::parse("\"16:01\"").is_ok(),
            "quoted text is free text"
        );
    }

    #[test]
    fn sort_is_stable_in_both_directions_with_empty_cells_last() {
        let mut rows = fleet();
        rows.push(FleetRow {
            status: None,
            ..row("5", "+1 631-555-0105", "", "GREEN")
        });
        sort(&mut rows, Column::Status, false);
        let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["1", "4", "2", "3", "5"], "ties keep their order");
        sort(&mut rows, Column::Status, true);
        let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            order,
            ["3", "2", "1", "4", "5"],
            "ties keep their order descending too"
        );

        let rows = fleet();
        let mut view: Vec<usize> = vec![3, 2, 1, 0];
        sort_indices(&rows, &mut view, Column::Quality, false);
        assert_eq!(
            ids(&rows, &view),
            ["1", "3", "4", "2"],
            "GREEN, YELLOW, then RED in view order"
        );
    }

    #[test]
    fn limits_sort_by_capacity_not_by_spelling() {
        let mut rows: Vec<FleetRow> = ["TIER_10K", "TIER_2K", "TIER_UNLIMITED", "TIER_250"]
            .iter()
            .enumerate()
            .map(|(i, limit)| FleetRow {
                messaging_limit: Some(limit.to_string()),
                ..row(&i.to_string(), "+1 555", "CONNECTED", "GREEN")
            })
            .collect();
        sort(&mut rows, Column::Limit, false);
        let limits: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.messaging_limit.as_deref())
            .collect();
        assert_eq!(
            limits,
            ["TIER_250", "TIER_2K", "TIER_10K", "TIER_UNLIMITED"]
        );
    }

    #[test]
    fn changes_list_cells_then_added_then_removed() {
        let previous = fleet();
        let mut current = fleet();
        current[1].status = Some("CONNECTED".into());
        current[1].last_checked = "2026-11-25T16:01:02Z".into();
        current[0].migration = MigrationState::InProgress {
            step: "verify_code".into(),
        };
        current.remove(2);
        current.push(row("9", "+1 631-555-0109", "PENDING", "UNKNOWN"));
        let lines: Vec<String> = changes(&previous, &current)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "+1 631-555-0101 migration none → in progress at step verify_code",
                "+1 631-555-0102 status FLAGGED → CONNECTED",
                "+1 631-555-0109 added",
                "+49 30 1234567 removed",
            ]
        );
        assert!(changes(&current, &current).is_empty());
    }

    #[test]
    fn channels_join_by_digits_prefer_the_hub_waba_and_orphans_get_rows() {
        let mut rows = fleet();
        let mut migrated = row("1-old", "+1 631-555-0101", "MIGRATED", "GREEN");
        migrated.waba_id = "w0".into();
        rows.push(migrated);
        let mut channels = vec![
            channel("oldCH", "16315550101", Some("w1"), "terminated"),
            channel("aCH", "+1 (631) 555-0101", Some("w1"), "ready"),
            channel("bCH", "+1 631 555 0102", None, "running"),
            channel(
                "zCH",
                "+44 20 7946 0000",
                Some("w7"),
                "pending_approval_by_meta",
            ),
        ];
        channels[0].terminated_at = Some("2026-01-01".into());
        join_channels(&mut rows, &channels, "2026-11-25T16:00:00Z");

        let by_id = |id: &str| rows.iter().find(|r| r.id == id).unwrap();
        assert_eq!(
            by_id("1").channel_id.as_deref(),
            Some("aCH"),
            "live channel wins"
        );
        assert_eq!(by_id("1").channel_status.as_deref(), Some("ready"));
        assert_eq!(
            by_id("1-old").channel_id,
            None,
            "the copy in another WABA is left alone"
        );
        assert_eq!(by_id("2").channel_status.as_deref(), Some("running"));
        assert_eq!(by_id("3").channel_id, None);

        let orphan = by_id("zCH");
        assert_eq!(orphan.origin, RowOrigin::PartnerOnly);
        assert_eq!(orphan.waba_id, "w7");
        assert_eq!(orphan.label(), "+44 20 7946 0000");
        assert_eq!(Column::Channel.value(orphan), "pending_approval_by_meta");
        assert_eq!(Column::Waba.value(orphan), "w7 (360dialog only)");
        assert_eq!(rows.len(), 6);
    }

    #[test]
    fn summary_and_groups() {
        let mut rows = fleet();
        rows[2].business = None;
        rows[2].waba_name = Some("Alpha".into());
        let summary = Summary::of(&rows);
        assert_eq!(summary.total, 4);
        assert_eq!(summary.by_status["CONNECTED"], 2);
        assert_eq!(summary.by_quality["RED"], 2);

        let groups = group(&rows, &[3, 2, 1, 0], Grouping::Waba);
        let shape: Vec<(&str, Vec<usize>)> = groups
            .iter()
            .map(|g| (g.label.as_str(), g.rows.clone()))
            .collect();
        assert_eq!(shape, [("Alpha", vec![2]), ("Lucky Shrub", vec![3, 1, 0])]);
        let groups = group(&rows, &[0, 1, 2, 3], Grouping::Business);
        assert_eq!(groups[0].label, "(no business)");
    }

    #[test]
    fn journals_give_the_migration_state_newest_first() {
        use crate::domain::plan::StepId;
        let journal = |number: &str, done: Vec<StepId>, finished: Option<bool>| JournalState {
            number: number.into(),
            plan: vec![StepId::Preflight, StepId::AddNumber, StepId::VerifyCode],
            done,
            finished: finished.map(|completed| crate::domain::journal::Ending {
                completed,
                abandoned: false,
                detail: String::new(),
                at: crate::domain::journal::Stamp::now(),
            }),
            ..JournalState::default()
        };
        let mut by_destination_id = journal("2", vec![], Some(true));
        by_destination_id.phone_number_id = Some("4".into());
        let journals = [
            journal("+1 (631) 555-0101", vec![StepId::Preflight], None),
            journal("+16315550101", vec![], Some(false)),
            journal("3", vec![], Some(false)),
            by_destination_id,
        ];
        let mut rows = fleet();
        apply_journals(&mut rows, &journals);
        let states: Vec<String> = rows.iter().map(|r| r.migration.to_string()).collect();
        assert_eq!(
            states,
            ["in progress at step add_number", "done", "failed", "done"],
            "the newest journal of a number wins"
        );
    }

    #[test]
    fn migration_state_round_trips_through_its_text() {
        for state in [
            MigrationState::None,
            MigrationState::InProgress {
                step: "register".into(),
            },
            MigrationState::Done,
            MigrationState::Failed,
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(
                serde_json::from_str::<MigrationState>(&json).unwrap(),
                state
            );
        }
        assert!(serde_json::from_str::<MigrationState>("\"maybe\"").is_err());
    }
}
