//! Every user-facing text of the TUI in one place, so wording stays consistent and the
//! help screen cannot drift from the keys.

use crate::app::keymap::{KeyAction, Screen};

pub mod batch;
pub mod board;
pub mod journals;
pub mod log;
pub mod palette;
pub mod wizard;

/// The application name in the top bar.
pub const APP_NAME: &str = "wamigrate";
/// Pane titles.
pub const SOURCE_TITLE: &str = "Source WABA";
pub const DESTINATION_TITLE: &str = "Destination WABA";
pub const CHECKLIST_TITLE: &str = "Checklist";
pub const LOG_TITLE: &str = "Log: API calls";
pub const HELP_TITLE: &str = "Help (Esc to close, ↑/↓ to scroll)";
/// The quit confirmation while a run is active.
pub const QUIT_TITLE: &str = "Quit while a run is active?";
pub const QUIT_KEYS: &str = "y quit · any other key: stay";
/// What a picker row already is.
pub const NOTE_CURRENT: &str = "current";
pub const NOTE_SOURCE: &str = "the source";
pub const NOTE_DESTINATION: &str = "the destination";

/// Enter on the other side's WABA in a picker: nothing changes until Enter again.
pub fn would_swap(other_side: &str) -> String {
    format!("⚠ that is {other_side}: Enter again swaps them")
}

/// After a pick of the other side's WABA: the two sides traded places.
pub const SWAPPED: &str = "⚠ source and destination swapped";

/// Picker titles.
pub const PICK_SOURCE: &str = "Choose the source WABA";
pub const PICK_DESTINATION: &str = "Choose the destination WABA";
pub const PICK_NUMBER: &str = "Choose a number";
/// Loading states, shown before any answer arrived.
pub const CONNECTING: &str = "connecting…";
pub const STARTING_SANDBOX: &str = "starting the embedded sandbox…";
pub const DISCOVERING: &str = "finding the WABAs this token may manage…";
pub const LOADING_WABA: &str = "loading WABA…";
pub const LOADING_NUMBERS: &str = "loading numbers…";
pub const NO_WABAS: &str = "This token manages no WABA: give the system user access to a WABA in Business Settings, or list WABAs in the profile (wabas = [...]).";
pub const NO_DESTINATION: &str = "No destination chosen: press d to choose one.";
pub const NO_SOURCE: &str = "No source chosen: press s to choose one.";
pub const NO_NUMBERS: &str = "This WABA has no phone numbers.";
pub const NO_MATCH: &str = "Nothing matches the filter.";
pub const NO_NUMBER_SELECTED: &str = "Choose a number in the source pane (n) to see its checklist.";
pub const NO_CALLS: &str = "No API calls yet.";
/// Pane headers.
pub const NUMBER_COLUMNS: [&str; 8] = [
    "Number",
    "Verified name",
    "Name",
    "Quality",
    "Limit",
    "Platform",
    "Status",
    "2FA",
];
pub const PAYMENT_PRESENT: &str = "✔ payment method present";
pub const PAYMENT_MISSING: &str = "✘ no payment method";
pub const NO_APPS: &str = "✘ no subscribed apps (webhooks)";
/// Checklist status words, next to their symbols.
pub const PASS: &str = "pass";
pub const FAIL: &str = "fail";
pub const WARN: &str = "warn";
pub const CHECKING: &str = "checking…";
pub const UNKNOWN: &str = "unknown";
pub const FIX_PREFIX: &str = "fix: ";
/// Prefix of a filter being typed or applied.
pub const FILTER_PROMPT: &str = "/";

/// The marker of a view with lines hidden: "↓ 12 more lines" below (and "↑" when some
/// are above), "↑ 5 lines above" at the end; none when everything shows.
pub fn scroll_marker(scroll: usize, viewport: usize, total: usize) -> Option<String> {
    let below = total.saturating_sub(scroll + viewport);
    let lines = |n: usize| if n == 1 { "line" } else { "lines" };
    match (scroll, below) {
        (0, 0) => None,
        (0, below) => Some(format!("↓ {below} more {}", lines(below))),
        (above, 0) => Some(format!("↑ {above} {} above", lines(above))),
        (_, below) => Some(format!("↑↓ {below} more {}", lines(below))),
    }
}

/// "1 number", "3 numbers": a count with its noun in the right number.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The first line of a screen's help.
pub fn help_heading(screen: Screen) -> &'static str {
    match screen {
        Screen::Main => "Main screen: source, destination, numbers, checklist, log",
        Screen::Board => "Fleet board: every number of every WABA and channel",
        Screen::Templates => "Template review: source and destination side by side",
        Screen::Wizard => "Guided migration: scenario, plan, run, report",
        Screen::Journals => "Journals: every migration of this backend, newest first",
    }
}

/// What else works on a screen besides its keys, for the end of its help.
pub fn help_notes(screen: Screen) -> &'static [&'static str] {
    match screen {
        Screen::Main => &[
            "Esc closes a popup or clears the filter; it never leaves the app: q does.",
            "Mouse: click a pane to focus it, click a number to select it, wheel to scroll.",
            "Pickers and the filter: type to narrow (digits match the number), ↑/↓, Enter.",
            "Keys and theme: [keys.<screen>] and [theme] in the config file; NO_COLOR is honoured.",
        ],
        Screen::Board => &[
            "Esc stops a refresh, clears the filter, then goes back to the main screen.",
            "Filter: free text and field:value terms, e.g. status:FLAGGED quality:RED;",
            "  a term with an error is shown under the filter and the last valid view stays.",
            "◆ marks a cell changed since the previous refresh, + a new number.",
            "● marks a row selected for a batch (Space, * for every row shown); m plans it,",
            "  d chooses its destination, Enter starts it: each number then runs in the wizard.",
        ],
        Screen::Templates => &[
            "Esc closes the diff or clears the search, then goes back to the main screen.",
            "/ searches names: an exact name first, then names starting with it, then the rest.",
            "During a run, Esc stops after the pages in flight.",
        ],
        Screen::Wizard => &[
            "Scenarios: type to filter, Enter for the plan; the plan: Enter starts the run.",
            "Questions: y/n; warnings want yes typed out; the code and the PIN are 6 digits.",
            "Esc at a question asks, then stops: the journal stays and J resumes it later.",
            "q asks before quitting while a run is active; the journal keeps its place.",
        ],
        Screen::Journals => &[
            "Enter shows the audit report (Esc closes it); R resumes an unfinished run here.",
            "A abandons an unfinished run after a yes: it ends for good, nothing is sent.",
            "The CLI has the same: wamigrate journal list|show|abandon.",
        ],
    }
}

/// What an action does on `screen`, for its help and the README's key tables: the
/// keys that mean something of their own there, else [`describe`].
pub fn describe_on(screen: Screen, action: KeyAction) -> &'static str {
    match (screen, action) {
        (Screen::Board, KeyAction::Select) => "open the number in the main screen (as source)",
        (Screen::Board, KeyAction::Filter) => "filter: free text and field:value terms",
        (Screen::Board, KeyAction::Refresh) => "refresh the fleet: every WABA, rows as they arrive",
        (Screen::Templates, KeyAction::Select) => "open the row's component diff",
        (Screen::Templates, KeyAction::Filter) => "search templates by name",
        (Screen::Templates, KeyAction::Refresh) => "re-read both template inventories",
        (Screen::Templates | Screen::Journals, KeyAction::Yes) => "confirm what is asked",
        (Screen::Templates | Screen::Journals, KeyAction::No) => "decline what is asked",
        (Screen::Wizard, KeyAction::Select) => {
            "choose the scenario, start the plan, open the report"
        }
        (Screen::Journals, KeyAction::Select) => "show the run's audit report",
        (Screen::Journals, KeyAction::Refresh) => "re-read the journals",
        _ => describe(action),
    }
}

/// What an action does, for the help screen and the status line.
pub fn describe(action: KeyAction) -> &'static str {
    match action {
        KeyAction::Quit => "quit wamigrate (asks first while a run is active)",
        KeyAction::Back => "back: close the popup, the filter or the screen",
        KeyAction::ForceQuit => "quit (asks first while a run is active)",
        KeyAction::NextPane => "focus the next pane",
        KeyAction::PreviousPane => "focus the previous pane",
        KeyAction::PaneLeft => "focus the pane to the left",
        KeyAction::PaneRight => "focus the pane to the right",
        KeyAction::Up => "move up",
        KeyAction::Down => "move down",
        KeyAction::Top => "go to the first row",
        KeyAction::Bottom => "go to the last row",
        KeyAction::PageUp => "page up",
        KeyAction::PageDown => "page down",
        KeyAction::Select => "select the row (checklist follows)",
        KeyAction::Filter => "filter the focused list",
        KeyAction::PickSource => "choose the source WABA",
        KeyAction::PickDestination => "choose the destination WABA",
        KeyAction::PickNumber => "choose a number",
        KeyAction::Refresh => "re-check: re-read number, WABAs, apps, templates (board: the fleet)",
        KeyAction::ToggleLog => "show or hide the API log",
        KeyAction::Help => "show this help",
        KeyAction::Migrate => "guided migration of the selected number (scenario, plan, run)",
        KeyAction::Journals => "resume an unfinished migration",
        KeyAction::FleetBoard => "fleet board: every number of every WABA and channel",
        KeyAction::SortColumn => "board, templates: sort by the next column",
        KeyAction::SortReverse => "board, templates: reverse the sort order",
        KeyAction::GroupRows => "board: group rows by none, WABA, business",
        KeyAction::ScrollLeft => "board: show the columns further left",
        KeyAction::ScrollRight => "board: show the columns further right (the number stays)",
        KeyAction::ExportCsv => "board: export the view (filter and sort applied) as CSV",
        KeyAction::ExportJson => "board: export the view as JSON",
        KeyAction::RowDetail => "board: the row's fields, old → new where changed",
        KeyAction::ToggleSelect => "board: select the row for a batch, or unselect it",
        KeyAction::SelectAll => "board: select every row shown (the filter applied), or none",
        KeyAction::MigrateSelected => {
            "board: migrate the selected numbers as one batch (destination, plan, asks first)"
        }
        KeyAction::OpenJournals => "journals: every migration of this backend, report, resume",
        KeyAction::Resume => "journals: resume the unfinished migration in the wizard",
        KeyAction::Abandon => "journals: abandon the unfinished migration (asks first)",
        KeyAction::OpenTemplates => "review templates: source vs destination, what a move carries",
        KeyAction::FilterOutcome => "templates: filter by outcome (cycles)",
        KeyAction::FilterCategory => "templates: filter by category (cycles)",
        KeyAction::FilterStatus => "templates: filter by status (cycles)",
        KeyAction::ToggleMode => "templates: rule of a number migration or of the API",
        KeyAction::MigrateTemplates => "templates: copy them to the destination (asks first)",
        KeyAction::RetryFailed => "templates: retry the failed copies (asks first)",
        KeyAction::MarkRecreate => "templates: mark the row for re-creation in the destination",
        KeyAction::RecreateMarked => "templates: submit the marked rows for approval (asks first)",
        KeyAction::Palette => {
            "command palette: go to a screen, run a command, pick a WABA or number"
        }
        KeyAction::Yank => "copy the number (E.164) or id in front to the clipboard (OSC 52)",
        KeyAction::YankId => "copy the id in front (phone number id, WABA id) to the clipboard",
        KeyAction::ToggleCodeMethod => "wizard: the code by SMS or by VOICE call",
        KeyAction::OpenReport => "wizard: open the audit report of the run",
        KeyAction::Yes => "answer yes",
        KeyAction::No => "answer no",
        KeyAction::ResendCode => "wizard: request a new code (once the cooldown shows 0)",
    }
}

/// One-word hint of an action for the status line.
pub fn hint(action: KeyAction) -> &'static str {
    match action {
        KeyAction::Quit => "quit",
        KeyAction::Back => "back",
        KeyAction::Select => "select",
        KeyAction::Filter => "filter",
        KeyAction::PickSource => "source",
        KeyAction::PickDestination => "destination",
        KeyAction::PickNumber => "number",
        KeyAction::Refresh => "re-check",
        KeyAction::ToggleLog => "log",
        KeyAction::Help => "help",
        KeyAction::NextPane => "next pane",
        KeyAction::Migrate => "migrate",
        KeyAction::Journals => "resume",
        KeyAction::FleetBoard => "fleet",
        KeyAction::SortColumn => "sort",
        KeyAction::SortReverse => "reverse",
        KeyAction::GroupRows => "group",
        KeyAction::ScrollLeft => "columns",
        KeyAction::ScrollRight => "columns",
        KeyAction::ExportCsv => "csv",
        KeyAction::ExportJson => "json",
        KeyAction::RowDetail => "detail",
        KeyAction::ToggleSelect => "select row",
        KeyAction::SelectAll => "all",
        KeyAction::MigrateSelected => "batch",
        KeyAction::OpenJournals => "journals",
        KeyAction::Resume => "resume",
        KeyAction::Abandon => "abandon",
        KeyAction::OpenTemplates => "templates",
        KeyAction::FilterOutcome => "outcome",
        KeyAction::FilterCategory => "category",
        KeyAction::FilterStatus => "status",
        KeyAction::ToggleMode => "mode",
        KeyAction::MigrateTemplates => "migrate",
        KeyAction::RetryFailed => "retry failed",
        KeyAction::MarkRecreate => "mark",
        KeyAction::RecreateMarked => "re-create marked",
        KeyAction::Palette => "palette",
        KeyAction::Yank => "copy",
        KeyAction::YankId => "copy id",
        KeyAction::ToggleCodeMethod => "SMS/VOICE",
        KeyAction::OpenReport => "open the report",
        KeyAction::Yes => "yes",
        KeyAction::No => "no",
        KeyAction::ResendCode => "resend",
        _ => describe(action),
    }
}

/// The status line after a copy: what was copied, and how.
pub fn copied(what: &str, text: &str) -> String {
    format!("copied the {what} {text} to the clipboard (OSC 52)")
}

/// What a copy was, in the sentence after it.
pub const YANK_NUMBER: &str = "number";
pub const YANK_NUMBER_ID: &str = "phone number id";
pub const YANK_WABA_ID: &str = "WABA id";
pub const YANK_CHANNEL_ID: &str = "360dialog channel id";

/// `y` with nothing in front to copy.
pub const NOTHING_TO_COPY: &str = "nothing to copy here: select a number or a WABA first";

/// The message shown instead of the UI on a terminal that is too small.
pub fn too_small(min: (u16, u16), have: (u16, u16)) -> String {
    format!(
        "terminal too small: need {}x{}, have {}x{}",
        min.0, min.1, have.0, have.1
    )
}

/// "synced 12s ago", coarse enough that an idle screen redraws rarely.
pub fn synced_ago(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("synced {seconds}s ago"),
        60..=3599 => format!("synced {}m ago", seconds / 60),
        _ => format!("synced {}h ago", seconds / 3600),
    }
}

/// "3 requests in flight".
pub fn in_flight(count: usize) -> String {
    match count {
        1 => "1 request in flight".to_string(),
        n => format!("{n} requests in flight"),
    }
}

/// "waiting 12 s for GET /v25.0/104996/phone_numbers": a call slower than usual.
pub fn waiting_for(endpoint: &str, elapsed: std::time::Duration) -> String {
    format!("waiting {} s for {endpoint}", elapsed.as_secs())
}

/// The connection failure line in the log.
pub fn connect_failed(sentence: &str) -> String {
    format!("Could not connect: {sentence}")
}

/// The template review screen (`t`).
pub mod templates {
    use crate::app::templates::{RowOutcome, SortKey};
    use crate::domain::eligibility::Outcome;

    /// The quit confirmation while a template run sends calls.
    pub const QUIT_DURING_RUN: &str = "A template run is sending calls. Quit wamigrate anyway? What was sent stays sent; the run's record is not written, so read the destination again (t, then r) to see what arrived.";

    pub const TITLE: &str = "Templates";
    pub const NO_PAIR: &str =
        "Choose a source and a destination WABA first: Esc, then s and d on the main screen.";
    pub const NO_TEMPLATES: &str = "Neither WABA has templates.";
    pub const ALL: &str = "all";
    pub const SEARCH: &str = "search";
    pub const COLUMNS: [&str; 10] = [
        "Name",
        "Lang",
        "Category",
        "Src status",
        "Src qual.",
        "Dst status",
        "Dst qual.",
        "Outcome",
        "Re-create",
        "Reason",
    ];
    pub const WILL_COPY: &str = "will be copied";
    pub const DESTINATION_ONLY_REASON: &str = "only in the destination: a move leaves it as it is";
    pub const RISK_MARK: &str = "⚑";
    pub const NOTE_PREFIX: &str = "note: ";
    pub const OVER_LIMIT_PREFIX: &str = "over limit: ";
    pub const ABSENT: &str = "—";
    /// The component diff.
    pub const DETAIL_SOURCE: &str = "Source";
    pub const DETAIL_DESTINATION: &str = "Destination";
    pub const NOT_IN_SOURCE: &str = "(not in the source)";
    pub const NOT_IN_DESTINATION: &str = "(not in the destination)";
    pub const SECTION_ABSENT: &str = "(none)";
    pub const CHANGED: &str = "changed";
    pub const DETAIL_KEYS: &str = "↑/↓ scroll · Esc back";
    /// The confirmation and the run.
    pub const CONFIRM_TITLE: &str = "Copy templates?";
    pub const RETRY_TITLE: &str = "Retry failed templates?";
    pub const RECREATE_TITLE: &str = "Re-create templates?";
    pub const CONFIRM_KEYS: &str = "y confirm · n or Esc cancel";
    pub const RUN_TITLE: &str = "Template migration";
    pub const READING_SOURCE: &str = "reading the source's templates…";
    pub const RECHECKING: &str =
        "re-reading the destination for copies the category re-check rejected…";
    pub const STOP_HINT: &str =
        "Esc stops after the pages in flight (a sent call cannot be taken back).";
    pub const STOPPING: &str = "stopping: no new page is sent; waiting for the pages in flight…";
    pub const DECIDE_HINT: &str =
        "R retry them once (asks first) · Enter or Esc finish without retrying";
    pub const NO_REJECTED: &str = "✔ no copy REJECTED on re-check so far (re-checks can land later: r re-reads the destination)";
    pub const QUALITY_NOTE: &str = "quality of every copy is UNKNOWN until 24 hours after the copy";
    pub const CLOSE_HINT: &str = "Esc close";
    pub const NOTHING_SENT: &str = "Nothing was sent.";

    /// The outcome badge: symbol and word, so colour is never the only signal.
    pub fn outcome(outcome: RowOutcome) -> &'static str {
        match outcome {
            RowOutcome::Forecast(Outcome::Migrate) => "✔ migrate",
            RowOutcome::Forecast(Outcome::AlreadyInDestination) => "= in dest",
            RowOutcome::Forecast(Outcome::OverLimit) => "⚠ over limit",
            RowOutcome::Forecast(Outcome::Ineligible) => "✘ ineligible",
            RowOutcome::DestinationOnly => "◇ dest only",
        }
    }

    /// The sort's name in the filter line.
    pub fn sort(key: SortKey) -> &'static str {
        match key {
            SortKey::Name => "name",
            SortKey::Outcome => "outcome",
            SortKey::Quality => "quality",
        }
    }

    /// The confirmation of a copy, one sentence per line.
    pub fn confirm_migrate(
        source: &str,
        destination: &str,
        expected: usize,
        total: usize,
        pages: u32,
    ) -> [String; 3] {
        [
            format!("Copy the templates of {source} into {destination} with migrate_message_templates?"),
            format!(
                "The endpoint's rule applies (APPROVED, quality GREEN or UNKNOWN): about {expected} of {total} templates are expected to be copied, in {} of up to 500.",
                super::plural(pages as usize, "page call", "page calls")
            ),
            "Copies are re-checked for category (some may turn REJECTED); their quality is UNKNOWN for 24 hours.".to_string(),
        ]
    }

    /// The confirmation of a retry.
    /// The question before a re-creation run.
    pub fn confirm_recreate(count: usize, destination: &str) -> String {
        format!(
            "Submit the {} to {destination} for approval? Each creation is journaled (template-recreate/); media headers are skipped here (the CLI takes --media).",
            super::plural(count, "marked template", "marked templates")
        )
    }

    pub fn confirm_retry(count: usize) -> String {
        format!(
            "Retry the {} by id (template_ids), once?",
            super::plural(count, "failed template", "failed templates")
        )
    }

    /// "3/5 calls" on the progress bar.
    pub fn calls(done: usize, total: usize) -> String {
        format!("{done}/{total} calls")
    }

    /// Under the progress bar: why no count shows while the calls go out.
    pub const COUNTED_AFTER: &str = "What arrived is counted once the calls are done, from a fresh read of the destination (by name and language).";

    const STOPPED: &str = " Stopped by you: the remaining pages were not sent.";

    /// The first line of a finished run counted against a fresh read of the destination.
    pub fn finished_tally(tally: &str, calls: usize, stopped: bool) -> String {
        let mut line = format!("Done: {tally}; {calls} call(s).");
        if stopped {
            line.push_str(STOPPED);
        }
        line
    }

    /// The first line of a finished run whose destination could not be re-read.
    pub fn finished_unknown(calls: usize, stopped: bool) -> String {
        let mut line = format!(
            "Done: {calls} call(s); what arrived is unknown (the destination could not be re-read: r re-reads it)."
        );
        if stopped {
            line.push_str(STOPPED);
        }
        line
    }

    /// The line before the missing templates when the run waits for a decision.
    pub fn awaiting(missing: usize) -> String {
        format!("Pages done; a fresh read of the destination lacks {missing} expected template(s):")
    }

    /// "… and 12 more in the run file".
    pub fn more(count: usize) -> String {
        format!("… and {count} more in the run file")
    }

    /// Where the record went.
    pub fn saved(path: &std::path::Path) -> String {
        format!("Run recorded in {}", path.display())
    }

    /// The run's record could not be written.
    pub fn not_saved(error: &crate::ops::file_error::FileError) -> String {
        format!("✘ the run was not recorded: {error}.")
    }

    /// A copy rejected by the re-check.
    pub fn rejected(name: &str, language: &str, reason: Option<&str>) -> String {
        format!(
            "✘ REJECTED on re-check: {name} ({language}): {}",
            reason.unwrap_or("no reason given")
        )
    }

    /// "155 of 165 shown".
    pub fn shown(shown: usize, total: usize) -> String {
        format!("{shown} of {total} shown")
    }

    /// "140 source, 40 destination templates".
    pub fn totals(source: usize, destination: usize) -> String {
        format!("{source} source, {destination} destination templates")
    }

    /// "reading the templates of 104996122399160…".
    pub fn reading(waba_id: &str) -> String {
        format!("reading the templates of {waba_id}…")
    }
}
