//! The journals screen's texts.

/// The screen's title.
pub const TITLE: &str = "Journals";
/// Before the journals are read.
pub const READING: &str = "reading the journals…";
/// No journal of this backend.
pub const NONE: &str = "No migration journals for this backend yet.";
/// While the report is built.
/// The journals folder could not be listed: "Could not read <dir>: <reason>."
pub fn unreadable(error: &crate::ops::file_error::FileError) -> String {
    let sentence = error.to_string();
    let mut chars = sentence.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

pub const READING_REPORT: &str = "reading the journal…";
/// The list's column headers.
pub const HEADERS: [&str; 5] = ["STARTED", "NUMBER", "SCENARIO", "STATE", "MIGRATION"];

/// The report view's title.
pub fn report_title(id: &str) -> String {
    format!("Audit report of {id}")
}

/// The question before abandoning.
pub fn abandon_question(id: &str, number: &str) -> String {
    format!(
        "Abandon migration {id} of {number}? It ends for good: it can no longer be resumed, and its report says it was abandoned. Nothing is sent to the API."
    )
}

/// While the abandonment is written.
pub fn abandoning(id: &str) -> String {
    format!("abandoning {id}…")
}

/// After the abandonment.
pub fn abandoned(id: &str, report: Option<&str>) -> String {
    match report {
        Some(path) => format!("{id} is abandoned; report: {path}"),
        None => format!("{id} is abandoned (its report could not be saved)"),
    }
}

/// Resume or abandon on a journal that has ended.
pub fn already_ended(id: &str, state: &str) -> String {
    format!("{id} has ended ({state}): there is nothing to resume or abandon")
}
