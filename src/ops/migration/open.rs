//! Opening a run: a new migration (its journal, bound to the backend) or an unfinished
//! one (its journal read back under its lock, refused when it belongs to another
//! backend or has ended). The journal's lock and the number's are taken first and held
//! while the run is open; a lock left by a dead process is taken over and journaled.

use std::path::Path;

use crate::api::{GraphClient, HubClient};
use crate::domain::journal::{Backend, MigrationId, Record, Stamp, replay};
use crate::domain::plan::{StepId, plan_for};
use crate::ops::journal_store::JournalFile;
use crate::ops::preflight::NumberRef;
use crate::ops::run_lock::{HeldLock, LockError, LockKey, lock};

use super::{
    JournalError, Line, Migration, MigrationRequest, Operator, RunEnd, RunSettings, paused,
};

impl<'a, O: Operator> Migration<'a, O> {
    /// Creates the journal of a new migration (nothing is sent yet). Refused when
    /// another process works on the same number.
    pub fn start(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        request: &MigrationRequest,
    ) -> Result<Self, JournalError> {
        let data_dir = &settings.data_dir;
        let number = request.number.trim().to_string();
        let number_lock = take(data_dir, &LockKey::Number(number_key(&number)))?;
        let now = time::OffsetDateTime::now_utc();
        let id = MigrationId::new(now);
        let journal_lock = take(data_dir, &LockKey::Journal(id.clone()))?;
        let started = Record::Started {
            migration_id: id.to_string(),
            scenario: request.scenario,
            number,
            source_waba_id: request.source_waba_id.clone(),
            destination_waba_id: request.destination_waba_id.clone(),
            plan: plan_for(request.scenario, request.variant)
                .iter()
                .map(|s| s.id)
                .collect(),
            operator: std::env::var("USER").unwrap_or_else(|_| "unknown".to_string()),
            backend: Some(settings.backend.clone()),
            at: Stamp::At(now),
        };
        let journal = JournalFile::create(data_dir, &id, &started).map_err(|e| {
            JournalError::Journal(format!(
                "Could not create the journal under {}: {e}; nothing was sent.",
                data_dir.display()
            ))
        })?;
        let mut migration =
            Migration::over(graph, hub, operator, settings, journal, vec![started])?;
        migration.hold(vec![journal_lock, number_lock])?;
        Ok(migration)
    }

    /// Opens the journal of an unfinished migration to go on with it. Refused when
    /// another process holds it or its number, when it ran against another backend,
    /// and when it has ended (a completed one says so: nothing is left to do).
    pub fn resume(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        migration_id: &str,
    ) -> Result<Self, JournalError> {
        let data_dir = &settings.data_dir;
        let id = MigrationId::parse(migration_id.trim())?;
        let journal_lock = take(data_dir, &LockKey::Journal(id.clone()))?;
        let (journal, records) = JournalFile::open_for_append(data_dir, &id).map_err(|e| {
            JournalError::Journal(format!("Could not open the journal of migration {id}: {e}; `wamigrate journal list` shows the known ones."))
        })?;
        let state = replay(&records)
            .map_err(|e| JournalError::Journal(format!("The journal of {id} is damaged: {e}.")))?;
        if let Some(end) = &state.finished {
            return Err(if end.completed {
                JournalError::AlreadyCompleted { id: id.to_string() }
            } else {
                JournalError::AlreadyEnded {
                    id: id.to_string(),
                    status: state.status().label(),
                }
            });
        }
        let current = &settings.backend;
        match &state.backend {
            Some(recorded) if recorded.same_as(current) => {}
            recorded => {
                return Err(JournalError::OtherBackend {
                    id: id.to_string(),
                    recorded: Backend::describe_recorded(recorded.as_ref()),
                    current: current.describe(),
                });
            }
        }
        let mut keys = vec![number_key(&state.number)];
        keys.extend(crate::ops::journal_store::number_digits(&state));
        keys.dedup();
        let mut locks = vec![journal_lock];
        for key in keys {
            locks.push(take(data_dir, &LockKey::Number(key))?);
        }
        let mut migration = Migration::over(graph, hub, operator, settings, journal, records)?;
        migration.hold(locks)?;
        Ok(migration)
    }

    /// A migration over an open journal and its records, replayed.
    fn over(
        graph: &'a GraphClient,
        hub: Option<&'a HubClient>,
        operator: &'a O,
        settings: &'a RunSettings,
        journal: JournalFile,
        records: Vec<Record>,
    ) -> Result<Self, JournalError> {
        let state = replay(&records)?;
        Ok(Migration {
            graph,
            hub,
            operator,
            settings,
            journal,
            records,
            state,
            locks: Vec::new(),
        })
    }

    /// Keeps `locks` for the run, journaling any taken over from a dead process.
    fn hold(&mut self, locks: Vec<HeldLock>) -> Result<(), JournalError> {
        for held in &locks {
            if let Some(holder) = &held.took_over_from {
                let text = format!(
                    "took over a lock left by a wamigrate process that is no longer running ({holder})"
                );
                self.say(Line::info(text.clone()));
                self.append(Record::Note {
                    step: None,
                    text,
                    at: Stamp::now(),
                })?;
            }
        }
        self.locks.extend(locks);
        Ok(())
    }

    /// Locks the number by its E.164 digits once the preflight knows them (it may have
    /// been given as a phone number id); refused when another run holds it.
    pub(super) fn lock_digits(&mut self, digits: &str) -> Result<(), RunEnd> {
        let key = LockKey::Number(digits.to_string());
        if self.locks.iter().any(|held| held.key == key) {
            return Ok(());
        }
        let step = StepId::Preflight;
        let held = take(
            &self.settings.data_dir,
            &LockKey::Number(digits.to_string()),
        )
        .map_err(|e| paused(step, e.to_string()))?;
        self.hold(vec![held])
            .map_err(|e| paused(step, e.to_string()))
    }
}

/// What a number's lock is named by: E.164 digits for a `+` number, else the text
/// (a phone number id, a channel or change request id).
fn number_key(number: &str) -> String {
    match NumberRef::parse(number) {
        Ok(NumberRef::E164(e164)) => e164.digits(),
        _ => number.trim().to_string(),
    }
}

fn take(data_dir: &Path, key: &LockKey) -> Result<HeldLock, JournalError> {
    lock(data_dir, key).map_err(|e| match e {
        LockError::Held(refused) => JournalError::Locked(refused),
        other => JournalError::Journal(format!("{other}; nothing was sent.")),
    })
}
