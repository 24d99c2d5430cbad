//! Exit codes: a contract with scripts, shared by the headless commands and the TUI.
//! 0 success, 1 a read or runtime failure, 2 usage or configuration, 3 a "fail" verdict
//! (a check failed, `--fail-on` matched, a migration is blocked or paused), 4 nothing
//! failed but something could not be judged (`check`: a rule is unknown).

/// Exit code for runtime and API errors (never 0 after a failed read).
pub const EXIT_ERROR: u8 = 1;
/// Exit code for usage and configuration errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when a check, filter or migration found problems.
pub const EXIT_FINDINGS: u8 = 3;
/// Exit code of `check` when no rule fails but some are unknown (their evidence was not
/// readable with this token): someone who can see it must confirm them.
pub const EXIT_UNKNOWN: u8 = 4;
/// Exit code of the TUI after SIGTERM/SIGINT (128 + SIGTERM), so scripts can tell it
/// from `q`.
pub const EXIT_TERMINATED: u8 = 143;
