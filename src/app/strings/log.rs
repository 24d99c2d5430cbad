//! The log pane's texts: the filter's refusals, the call detail's labels.

/// What `y` copies from a call's detail.
pub const FBTRACE_ID: &str = "fbtrace_id";
/// The call detail popup's title.
pub const DETAIL_TITLE: &str = "Log line";
/// The detail's keys.
pub const DETAIL_KEYS: &str = "y copy the fbtrace_id · Esc close";
/// The detail's labels, in order.
pub const TIME: &str = "time";
pub const LEVEL: &str = "level";
pub const METHOD: &str = "method";
pub const PATH: &str = "path";
pub const STATUS: &str = "status";
pub const TOOK: &str = "took";
pub const ATTEMPT: &str = "attempt";
pub const ERROR: &str = "error";
pub const FBTRACE: &str = "fbtrace_id";
pub const RATE: &str = "rate usage";
pub const NOTICE: &str = "notice";
/// Values the detail shows when there is none.
pub const NO_STATUS: &str = "no answer";
pub const NO_TRACE: &str = "none (Meta gives one with an error answer)";
/// The time of a line logged before the clock was known.
pub const NO_TIME: &str = "--:--:--";
/// The filter's prompt and its hint.
pub const FILTER_PROMPT: &str = "/";
pub const FILTER_HINT: &str = "words, level:error|warn|info, status:4xx or status:429";
/// Nothing passes the filter.
pub const NOTHING_MATCHES: &str = "No line matches the filter (/ then Esc clears it).";

/// A `level:` value the filter does not know.
pub fn bad_level(value: &str) -> String {
    format!("'{value}' is not a level: use level:error, level:warn or level:info.")
}

/// A `status:` value the filter does not know.
pub fn bad_status(value: &str) -> String {
    format!("'{value}' is not an HTTP status: use status:429 or status:4xx.")
}

/// "took 123 ms".
pub fn took(latency: std::time::Duration, attempt: u32) -> String {
    match attempt {
        1 => format!("{} ms", latency.as_millis()),
        n => format!(
            "{} ms (attempt {n}: the earlier ones were retried)",
            latency.as_millis()
        ),
    }
}

/// The pane's title: counts of what is shown.
pub fn title(shown: usize, total: usize, errors: usize) -> String {
    if shown == total {
        format!(
            " {} ({total} entries, {errors} errors) (l) ",
            crate::app::strings::LOG_TITLE
        )
    } else {
        format!(
            " {} ({shown} of {total} entries, {errors} errors) (l) ",
            crate::app::strings::LOG_TITLE
        )
    }
}
