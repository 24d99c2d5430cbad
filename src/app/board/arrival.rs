//! The board's side of a refresh: starting one when it is due, taking each WABA's rows
//! as they arrive, and marking the cells that changed since the last read.

use super::*;

impl Board {
    pub(super) fn refresh_if_due(&mut self, ctx: &mut Context) -> Handled {
        if self.refresh_wanted && ctx.ready {
            self.start_refresh(ctx)
        } else {
            Handled::ignored()
        }
    }

    /// `r`: reads the fleet again (a read under way is replaced: its answers become
    /// stale). Before the API is connected the read waits for it.
    pub(super) fn start_refresh(&mut self, ctx: &mut Context) -> Handled {
        if !ctx.ready {
            self.refresh_wanted = true;
            return Handled::done();
        }
        let request_id = ctx.store.take_request_id();
        self.refresh_wanted = false;
        self.next_auto_refresh = None;
        self.refresh = Some(RefreshRun {
            request_id,
            gathered: FleetGathered::default(),
            first: self.fleet.rows().is_empty(),
        });
        self.failures.clear();
        self.notice = None;
        // Marks say what this refresh changed, as it finds it.
        self.changed.clear();
        self.added.clear();
        self.removed = 0;
        let (wabas, businesses) = ctx.configured_wabas.clone();
        // Also started by ticks, which do not mark the screen dirty by themselves:
        // `done` redraws.
        Handled::effects(vec![Effect::Board(BoardCommand::Refresh(FleetRead {
            request_id,
            query: FleetQuery {
                waba_ids: ctx.store.waba_ids.value().cloned(),
                wabas,
                businesses,
            },
        }))])
    }

    pub(super) fn on_progress(
        &mut self,
        request_id: RequestId,
        progress: FleetEvent,
        ctx: &Context,
    ) -> Handled {
        let Some(run) = self.refresh.as_mut().filter(|r| r.request_id == request_id) else {
            // Stale: a newer refresh replaced this one, or it was cancelled.
            return Handled::ignored();
        };
        let absorbed = run.gathered.absorb(&mut self.fleet, progress);
        let (first, finished) = (run.first, run.gathered.finished());
        if !run.gathered.discovered() {
            self.refresh = None;
        }
        let mut handled = Handled::done();
        if let Some(failure) = absorbed.failure {
            let sentence = failure.to_string();
            handled.outcomes.push(Outcome::Log(LogEntry::Notice {
                text: sentence.clone(),
                is_error: true,
            }));
            self.failures.push(sentence);
        }
        if !first {
            self.mark(&absorbed.changes);
        }
        self.loaded |= finished || !self.fleet.rows().is_empty();
        // A removed row moves the others' indices: the view is rebuilt at once.
        let moved = absorbed.changes.iter().any(|c| c.change == Change::Removed);
        let due = self
            .view_built
            .is_none_or(|built| ctx.now.saturating_duration_since(built) >= VIEW_REBUILD);
        if finished {
            self.refresh = None;
            self.next_auto_refresh = ctx.auto_refresh.map(|period| ctx.now + period);
            handled.outcomes.push(Outcome::Synced(ctx.now));
        }
        if finished || moved || (due && !absorbed.changes.is_empty()) {
            self.refresh_view(ctx);
        } else if !absorbed.changes.is_empty() {
            self.view_stale = true;
        }
        handled
    }

    /// Marks what a refresh found changed: cells, new rows, removed rows.
    pub(super) fn mark(&mut self, changes: &[RowChange]) {
        for change in changes {
            match &change.change {
                Change::Added => {
                    self.added.insert(change.id.clone());
                }
                Change::Removed => self.removed += 1,
                Change::Value { column, old, .. } => self
                    .changed
                    .entry(change.id.clone())
                    .or_default()
                    .push(CellChange {
                        column: *column,
                        old: old.clone(),
                    }),
            }
        }
    }
}
