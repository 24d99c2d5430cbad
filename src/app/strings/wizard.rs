//! The wizard's texts: page titles, step marks, prompts around the runner's questions
//! and the sentences shown when a key cannot do what it asks.

/// Page titles.
pub const SCENARIOS_TITLE: &str = "Guided migration: choose a scenario";
pub const ABOUT_TITLE: &str = "About this scenario";
pub const PLAN_TITLE: &str = "The plan";
pub const STEPS_TITLE: &str = "Steps";
pub const STEP_TITLE: &str = "This step";
pub const RUN_LOG_TITLE: &str = "what wamigrate says";
pub const QUESTION_TITLE: &str = "Your answer";
pub const IN_PROGRESS_TITLE: &str = "In progress";
pub const OUTCOME_TITLE: &str = "Outcome";
pub const RESUME_TITLE: &str = "Unfinished migrations";
pub const REPORT_TITLE: &str = "Audit report";
/// Scenario details.
pub const KIND_MIGRATION: &str = "migration: new registration with a verification code";
pub const KIND_CONFIGURATION: &str = "configuration change: no new registration, no code";
pub const KIND_MIGRATION_SHORT: &str = "migration";
pub const KIND_CONFIGURATION_SHORT: &str = "config change";
pub const WHO_ACTS: &str = "Who acts: ";
pub const IMPACT_HEADING: &str = "What happens to the number's assets:";
pub const CARRIED: &str = "✔ carried    ";
pub const NOT_CARRIED: &str = "✘ not carried";
pub const NOTHING_REREGISTERED: &str = "No new registration: the number keeps its display name, quality rating, limits, templates and history.";
/// Plan page.
pub const NON_IDEMPOTENT: &str =
    "⚠ non-idempotent: journaled before and after, never repeated without you seeing why";
pub const CALL_PREFIX: &str = "call: ";
pub const VERIFIED_BY: &str = "verified by: ";
pub const NO_NUMBER: &str =
    "No number is selected: close the wizard (Esc twice) and choose one (n).";
pub const NO_DESTINATION: &str =
    "This scenario needs a destination WABA: close the wizard and choose one (d).";
pub const SAME_WABA: &str =
    "The source and the destination are the same WABA: choose another destination (d).";
pub const NOT_CONNECTED: &str =
    "Not connected to the API yet: wait for the panes to load, then start.";
/// The plan page's footer, when the run can start.
pub const PLAN_FOOTER: &str = "Enter starts the run: every step is explained, checked, confirmed and journaled as it goes. Nothing is sent before.";
/// Step marks: a symbol and a word, so state never rests on colour alone.
pub const MARK_DONE: &str = "✔ done ";
pub const MARK_CURRENT: &str = "▶ now  ";
pub const MARK_PENDING: &str = "· next ";
pub const MARK_FAILED: &str = "✘ fail ";
pub const MARK_PAUSED: &str = "‖ wait ";
/// Run page.
pub const STARTING: &str = "starting: writing the journal…";
pub const WORKING: &str = "wamigrate is working on this step…";
pub const BUSY_ESC: &str =
    "A call is under way; Esc stops at the next question (the journal stays resumable).";
pub const STOP_QUESTION: &str =
    "Stop the migration here? Nothing more is sent; the journal stays and J resumes it later.";
pub const TYPE_YES: &str = "Type yes and press Enter to go on, or n to decline.";
/// Enter on a yes/no question that sends a write.
pub const Y_TO_SEND: &str =
    "Press y to send this call (Enter alone does not), n or Esc to leave it for later.";
pub const CODE_DIGITS_ONLY: &str = "A verification code has digits only.";
pub const PIN_DIGITS_ONLY: &str = "A PIN has digits only.";
pub const PIN_MISMATCH: &str = "The two PINs differ: type the new PIN again.";
pub const PIN_FIRST: &str = "New 6-digit two-step PIN: ";
pub const PIN_SECOND: &str = "Repeat the PIN:            ";
pub const BACKUP_PATH: &str = "On-Premise backup file: ";
pub const BACKUP_PASSWORD: &str = "Backup password:        ";
pub const BACKUP_PATH_EMPTY: &str = "Give the path of the backup file.";
pub const REPORT_MISSING: &str = "No report was written for this run.";
/// Resume picker.
pub const LOADING_JOURNALS: &str = "reading the journals…";
pub const NO_UNFINISHED: &str = "No unfinished migration: every journal has ended.";

/// "6 digits are needed, 4 typed."
pub fn digits_needed(typed: usize) -> String {
    format!("6 digits are needed, {typed} typed.")
}

/// The resend hint: available, or the seconds left of the cooldown.
pub fn resend_hint(wait_secs: u64) -> String {
    match wait_secs {
        0 => "resend a code".to_string(),
        n => format!("resend in {n} s"),
    }
}

/// Why a resend was refused.
pub fn resend_wait(wait_secs: u64) -> String {
    format!("A new code can be requested in {wait_secs} s (Meta's cooldown).")
}

/// The log pane's title: "Migration m-… · to-new-waba · +16315550101: what wamigrate says".
pub fn run_title(migration_id: Option<&str>, scenario: &str, number: &str) -> String {
    format!(
        "Migration {} · {scenario} · {number}: {RUN_LOG_TITLE}",
        migration_id.unwrap_or("(starting)")
    )
}

/// Where the report went.
pub fn report_saved(markdown: &str, json: &str) -> String {
    format!("Report saved: {markdown} (and {json}).")
}

/// Why the report could not be written.
pub fn report_failed(error: &str) -> String {
    format!("The report could not be written: {error}. `wamigrate journal show ID` makes it again.")
}

/// The plan page's code options: "Verification code by SMS, language en_US ".
pub fn code_options(method: &str, language: &str) -> String {
    format!("Verification code by {method}, language {language} ")
}

/// How to switch the code method on the plan page.
pub const CODE_METHOD_KEY: &str = "(c: switch SMS/VOICE)";

/// The quit confirmation while a migration runs: where it is and how to go on later.
pub fn quit_during_run(migration_id: Option<&str>, number: &str, step: Option<&str>) -> String {
    let at = step.map_or_else(String::new, |s| format!(" at step {s}"));
    let id = migration_id.map_or_else(String::new, |id| format!(" {id}"));
    format!(
        "The migration{id} of {number} is running{at}. Quit wamigrate anyway? Its journal keeps the place: start wamigrate again and press J to resume it (a call in flight is read back before anything is sent again)."
    )
}
