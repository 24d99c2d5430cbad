//! The log pane's reading aids: every line stamped with the time it was logged and a
//! level, a filter (`/` with the log focused: words, `level:warn`, `status:4xx`), and
//! the detail of one call (Enter: method, path, status, time, attempt, fbtrace_id).
//! Call records hold method and path only (the transport builds them from path
//! segments), so no query string and no token can reach the pane or the detail.

use std::time::{Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::clipboard::Copied;
use super::state::{LogEntry, Pane, Popup, State};
use super::strings::log as text;

/// How much a line matters, most first; a `level:` filter keeps its level and above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    /// The three letters of the pane's level column.
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "ERR",
            Level::Warn => "WRN",
            Level::Info => "INF",
        }
    }

    fn parse(word: &str) -> Option<Level> {
        match word.to_ascii_lowercase().as_str() {
            "error" | "err" => Some(Level::Error),
            "warn" | "warning" | "wrn" => Some(Level::Warn),
            "info" | "inf" => Some(Level::Info),
            _ => None,
        }
    }
}

/// A line of the log with when it was logged (the event loop's clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub at: Instant,
    pub entry: LogEntry,
}

impl Logged {
    /// A failed call or an error notice is an error; a call that needed a retry, or
    /// that brought the app's rate usage to 80 % or more, a warning.
    pub fn level(&self) -> Level {
        match &self.entry {
            LogEntry::Notice { is_error: true, .. } => Level::Error,
            LogEntry::Notice { .. } => Level::Info,
            LogEntry::Call(call) if call.error.is_some() => Level::Error,
            LogEntry::Call(call)
                if call.attempt > 1 || call.usage.is_some_and(|u| u.percent >= 80) =>
            {
                Level::Warn
            }
            LogEntry::Call(_) => Level::Info,
        }
    }

    /// The text words of a filter are looked for in (lower case).
    fn search_text(&self) -> String {
        match &self.entry {
            LogEntry::Notice { text, .. } => text.to_lowercase(),
            LogEntry::Call(call) => {
                let mut text = call.endpoint.to_lowercase();
                if let Some((class, sentence)) = &call.error {
                    text.push(' ');
                    text.push_str(class.label());
                    text.push(' ');
                    text.push_str(&sentence.to_lowercase());
                }
                text
            }
        }
    }

    /// The wall-clock time of the line: a call's own finish time, else the event
    /// loop's clock read against `anchor` (an instant and the wall time it was).
    pub fn wall_time(&self, anchor: Option<(Instant, SystemTime)>) -> Option<SystemTime> {
        if let LogEntry::Call(call) = &self.entry {
            return Some(call.finished_at);
        }
        let (instant, wall) = anchor?;
        Some(match self.at.checked_duration_since(instant) {
            Some(after) => wall + after,
            None => wall
                .checked_sub(instant.saturating_duration_since(self.at))
                .unwrap_or(wall),
        })
    }
}

/// A parsed log filter: every term must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    words: Vec<String>,
    level: Option<Level>,
    /// `status:429` (exact) or `status:4xx` (a class): the first digit, and the rest.
    status: Option<(u8, Option<u16>)>,
}

impl LogFilter {
    /// Parses `words level:warn status:4xx`; the error is the sentence to show.
    pub fn parse(input: &str) -> Result<LogFilter, String> {
        let mut filter = LogFilter::default();
        for term in input.split_whitespace() {
            if let Some(value) = term.strip_prefix("level:") {
                filter.level = Some(Level::parse(value).ok_or_else(|| text::bad_level(value))?);
            } else if let Some(value) = term.strip_prefix("status:") {
                filter.status = Some(parse_status(value).ok_or_else(|| text::bad_status(value))?);
            } else {
                filter.words.push(term.to_lowercase());
            }
        }
        Ok(filter)
    }

    /// Whether a line passes.
    pub fn matches(&self, line: &Logged) -> bool {
        if self.level.is_some_and(|level| line.level() > level) {
            return false;
        }
        if let Some((class, exact)) = self.status {
            let LogEntry::Call(call) = &line.entry else {
                return false;
            };
            let Some(status) = call.http_status else {
                return false;
            };
            let fits = match exact {
                Some(exact) => status == exact,
                None => status / 100 == u16::from(class),
            };
            if !fits {
                return false;
            }
        }
        if self.words.is_empty() {
            return true;
        }
        let haystack = line.search_text();
        self.words.iter().all(|w| haystack.contains(w.as_str()))
    }
}

/// `429` or `4xx`.
fn parse_status(value: &str) -> Option<(u8, Option<u16>)> {
    let lower = value.to_ascii_lowercase();
    if let Some(class) = lower.strip_suffix("xx") {
        let class: u8 = class.parse().ok().filter(|c| (1..=5).contains(c))?;
        return Some((class, None));
    }
    let exact: u16 = lower.parse().ok().filter(|s| (100..600).contains(s))?;
    Some(((exact / 100) as u8, Some(exact)))
}

/// The log pane's filter and what it keeps while the operator types.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    pub filter_input: Input,
    pub filter_editing: bool,
    /// The last filter that parsed: the pane keeps it while the input has an error.
    pub filter: LogFilter,
    pub filter_error: Option<String>,
}

/// The lines that pass the filter, oldest first.
pub fn visible(state: &State) -> Vec<&Logged> {
    state
        .log
        .iter()
        .filter(|line| state.log_view.filter.matches(line))
        .collect()
}

/// The line under the log's cursor (`log_scroll` lines back from the newest shown).
pub fn selected(state: &State) -> Option<&Logged> {
    let shown = visible(state);
    let index = shown.len().checked_sub(1 + state.log_scroll as usize)?;
    shown.get(index).copied()
}

/// `/` with the log focused: type a filter.
pub fn start_filter(state: &mut State) {
    state.log_view.filter_editing = true;
}

/// A key while the log filter is typed: Enter keeps it, Esc clears it.
pub fn on_filter_key(state: &mut State, key: KeyEvent) {
    let view = &mut state.log_view;
    match key.code {
        KeyCode::Enter => view.filter_editing = false,
        KeyCode::Esc => {
            view.filter_editing = false;
            view.filter_input.reset();
        }
        _ => {
            if let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) {
                view.filter_input.handle(request);
            }
        }
    }
    match LogFilter::parse(view.filter_input.value()) {
        Ok(filter) => {
            view.filter = filter;
            view.filter_error = None;
            state.log_scroll = 0;
        }
        Err(sentence) => view.filter_error = Some(sentence),
    }
}

/// Enter with the log focused: the selected line's detail, over the panes.
pub fn open_detail(state: &mut State) {
    if state.focus != Pane::Log {
        return;
    }
    if let Some(line) = selected(state).cloned() {
        state.popup = Some(Popup::LogDetail(Box::new(line)));
    }
}

/// `y` in a call's detail: its fbtrace_id, the id Meta's support asks for.
pub fn yank_target(line: &Logged) -> Option<Copied> {
    match &line.entry {
        LogEntry::Call(call) => call.fbtrace_id.clone().map(|id| Copied {
            what: text::FBTRACE_ID,
            text: id,
        }),
        LogEntry::Notice { .. } => None,
    }
}

/// `16:01:02` (UTC) of a line, or dashes when the time is not known.
pub fn clock(time: Option<SystemTime>) -> String {
    let format = time::macros::format_description!("[hour]:[minute]:[second]");
    time.and_then(|t| time::OffsetDateTime::from(t).format(&format).ok())
        .unwrap_or_else(|| text::NO_TIME.to_string())
}

/// `2026-11-25 16:01:02.123 UTC` of a line, for the detail.
pub fn timestamp(time: Option<SystemTime>) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
    );
    time.and_then(|t| time::OffsetDateTime::from(t).format(&format).ok())
        .unwrap_or_else(|| text::NO_TIME.to_string())
}

/// `GET /v25.0/1/phone_numbers` as method and path; anything after a `?` is dropped
/// (records never hold one; this keeps it so if that ever changed).
pub fn method_and_path(endpoint: &str) -> (&str, &str) {
    let endpoint = endpoint.split('?').next().unwrap_or_default();
    endpoint.split_once(' ').unwrap_or(("", endpoint))
}

#[cfg(test)]
mod tests;
