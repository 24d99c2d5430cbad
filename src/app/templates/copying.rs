//! The template copy run's keys: the confirmation before it, the keys while it runs
//! (stop, retry exactly the failed ids, re-check), and the copies a fresh read lacks.

use super::*;

impl TemplateView {
    pub(super) fn on_confirm_key(
        &mut self,
        action: Option<KeyAction>,
        ctx: &mut Context,
    ) -> Vec<Effect> {
        match action {
            Some(KeyAction::Yes) => {}
            Some(KeyAction::No | KeyAction::Back) => {
                self.confirm = None;
                return Vec::new();
            }
            _ => return Vec::new(),
        }
        let (confirm, pair) = (self.confirm.take(), self.pair.clone());
        let current_run = self.run.as_ref().map(|r| r.id);
        let (id, command) = match (confirm, pair, current_run) {
            (Some(Confirm::Migrate { .. }), Some((source, destination)), _) => {
                let id = ctx.store.take_request_id();
                let command = RunCommand::Start {
                    run: id,
                    source_waba_id: source,
                    destination_waba_id: destination,
                };
                (id, command)
            }
            (Some(Confirm::Retry { ids }), _, Some(id)) => (id, RunCommand::Retry { run: id, ids }),
            (Some(Confirm::Recreate { .. }), Some((source, destination)), _) => {
                return self.start_recreation(source, destination, ctx);
            }
            _ => return Vec::new(),
        };
        self.run = Some(RunView {
            id,
            phase: RunPhase::Running {
                progress: None,
                stopping: false,
            },
        });
        vec![Effect::TemplateRun(command)]
    }

    pub(super) fn on_run_key(&mut self, action: KeyAction) -> Vec<Effect> {
        let Some(run) = self.run.as_mut() else {
            return Vec::new();
        };
        let leave = matches!(action, KeyAction::Back | KeyAction::Select);
        match &mut run.phase {
            RunPhase::Running { stopping, .. } if leave && !*stopping => {
                *stopping = true;
                vec![Effect::TemplateRun(RunCommand::Stop { run: run.id })]
            }
            RunPhase::AwaitingDecision { failures, .. } if action == KeyAction::RetryFailed => {
                self.confirm = Some(Confirm::Retry {
                    ids: failures.iter().map(|f| f.id.clone()).collect(),
                });
                Vec::new()
            }
            RunPhase::AwaitingDecision { .. } if leave => {
                let id = run.id;
                run.phase = RunPhase::Rechecking;
                vec![Effect::TemplateRun(RunCommand::Finish { run: id })]
            }
            RunPhase::Done { .. } | RunPhase::Failed(_) if leave => {
                self.run = None;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// `x`: asks before copying, with the figures of the endpoint's rule (mode api: the
    /// endpoint applies it whatever mode the screen shows).
    pub(super) fn ask_to_migrate(&mut self, ctx: &Context) {
        if self.run_in_progress() {
            return;
        }
        let Some((source, destination)) = self.inventories(&ctx.store.wabas) else {
            return;
        };
        let summary = eligibility::predict(source, destination, Mode::Api).summary();
        self.confirm = Some(Confirm::Migrate {
            expected: summary.migrate,
            total: summary.total,
            pages: (summary.total as u32).div_ceil(MAX_PER_CALL),
        });
    }
}

/// Expected templates a fresh read of the destination lacks, as the run shows them.
pub(super) fn failed_copies(failed: &[FailedTemplate]) -> Vec<FailedCopy> {
    failed
        .iter()
        .map(|f| FailedCopy {
            id: f.source_id.clone(),
            label: format!("{} ({})", f.name, f.language),
            reason: f.reason.clone(),
        })
        .collect()
}
