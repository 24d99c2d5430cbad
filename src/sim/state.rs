//! The sandbox's mutable world: the portfolio plus everything calls change (migrations,
//! register attempts, template re-checks, Hub sessions and approvals) and the sandbox
//! clock. Sandbox time only moves when a test advances it (`POST /_sandbox/clock`), so
//! OTP expiry and the 72 h register window are deterministic.

use serde::{Deserialize, Serialize};

use crate::sim::hub::HubSession;
use crate::sim::migration::MigrationBook;
use crate::sim::portfolio::Portfolio;
use crate::sim::template_create::{CreationLog, Review};
use crate::sim::templates::Recheck;
use crate::sim::uploads::UploadSessions;

/// Sandbox time zero: 2026-01-15T09:00:00Z, in Unix seconds.
pub(crate) const SANDBOX_EPOCH: i64 = 1_768_467_600;

/// Everything a call can read or change, behind the sandbox's one mutex.
#[derive(Serialize, Deserialize)]
pub(crate) struct World {
    /// Random per fresh world (a start without a state file, or a reset) and kept with
    /// the world's state: journals record it to bind a run to this backend.
    pub instance_id: String,
    pub portfolio: Portfolio,
    pub seed: u64,
    /// Seconds the sandbox clock was advanced past [`SANDBOX_EPOCH`].
    pub clock_secs: u64,
    pub migrations: MigrationBook,
    pub rechecks: Vec<Recheck>,
    pub hub: HubSession,
    /// Template creations per WABA in the rate window (real time: not kept across
    /// restarts), submissions awaiting review, and open upload sessions.
    #[serde(skip)]
    pub creations: CreationLog,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub uploads: UploadSessions,
    serial: u64,
}

impl World {
    /// A fresh world over a portfolio (also what `/_sandbox/reset` builds).
    pub fn new(portfolio: Portfolio, seed: u64) -> World {
        World {
            instance_id: new_instance_id(),
            portfolio,
            seed,
            clock_secs: 0,
            migrations: MigrationBook::default(),
            rechecks: Vec::new(),
            hub: HubSession::default(),
            creations: CreationLog::default(),
            reviews: Vec::new(),
            uploads: UploadSessions::default(),
            serial: 0,
        }
    }

    /// Sandbox "now", Unix seconds.
    pub fn now_unix(&self) -> i64 {
        SANDBOX_EPOCH + self.clock_secs as i64
    }

    /// Sandbox "now" as Meta writes timestamps: `2026-01-15T09:00:00+0000`.
    pub fn now_meta(&self) -> String {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
        time::OffsetDateTime::from_unix_timestamp(self.now_unix())
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_default()
    }

    /// A fresh serial for new ids (numbers, template copies, tokens).
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

/// `sbx-` and 16 random hex digits, drawn from the thread's entropy-seeded generator (the
/// portfolio seed must not decide it: two sandboxes on one seed are different backends).
fn new_instance_id() -> String {
    format!("sbx-{:016x}", fastrand::u64(..))
}

/// Fixtures shared by the sandbox's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::Value;

    use super::World;
    use crate::sim::portfolio::Portfolio;
    use crate::sim::wire::Call;

    /// The seeded world, as `wamigrate sim` starts it.
    pub fn world() -> World {
        World::new(
            Portfolio::build(crate::sim::DEFAULT_SEED, None, None),
            crate::sim::DEFAULT_SEED,
        )
    }

    /// A POST to `path` with a JSON body.
    pub fn post(path: &str, body: Value) -> Call {
        Call::parse(
            axum::http::Method::POST,
            path,
            None,
            Default::default(),
            body.to_string().as_bytes(),
        )
    }
}
