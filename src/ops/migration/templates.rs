//! The templates step: what Meta duplicated during the move, and, only where both WABAs
//! are owned by the same business, a copy of the eligible templates still missing with
//! `migrate_message_templates` ("Templates can only be migrated between WABAs owned by
//! the same Meta business",
//! https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-migration).
//! Elsewhere it reports what the destination holds after Meta's duplication at
//! registration. The copy names exactly the missing templates (`template_ids`, 500 per
//! call), so a copy asked again after an interruption sends only what the destination
//! still lacks.

use crate::api::graph::is_not_readable;
use crate::domain::eligibility::{self, Mode, Outcome};
use crate::domain::journal::{CallOutcome, CallState};
use crate::domain::plan::StepId;
use crate::domain::template::TemplateInventory;
use crate::ops::template_migration::{self, TemplateRun};
use crate::ops::template_tally::cross_business_refusal;

use super::{Line, Migration, Operator, RunEnd, Step, Stop, Weight};

impl<O: Operator> Migration<'_, O> {
    /// Whether this step's copy call went out and its answer was lost (read back since
    /// as showing no effect).
    fn copy_outcome_was_lost(&self) -> bool {
        matches!(
            &self.state.call,
            Some(CallState::Known {
                step: StepId::Templates,
                outcome: CallOutcome::NoEffect { .. },
            })
        )
    }

    /// The source's and the destination's templates; `None` when no source is known.
    pub(super) async fn template_inventories(
        &self,
        step: StepId,
    ) -> Result<Option<(TemplateInventory, TemplateInventory)>, RunEnd> {
        let dest = self.destination(step)?;
        let Some(source_id) = self.state.source_waba_id.clone() else {
            return Ok(None);
        };
        let (source, destination) = tokio::join!(
            self.graph.templates(&source_id),
            self.graph.templates(&dest)
        );
        let source = source.map_err(|error| RunEnd::Failed { step, error })?;
        let destination = destination.map_err(|error| RunEnd::Failed { step, error })?;
        Ok(Some((source, destination)))
    }

    pub(super) async fn templates(&mut self) -> Step {
        let step = StepId::Templates;
        let dest = self.destination(step)?;
        let inventories = match self.template_inventories(step).await {
            // The source sits with another BSP or business: the template migration API
            // (same business only) is not for this move; report what the destination
            // holds after Meta's duplication at registration.
            Err(RunEnd::Failed { error, .. }) if is_not_readable(&error) => {
                return self
                    .duplicated_at_registration(step, &dest, None, NOT_READABLE_SOURCE)
                    .await;
            }
            other => other?,
        };
        let Some((source, destination)) = inventories else {
            // No source WABA known (the token could not find the number anywhere).
            return self
                .duplicated_at_registration(step, &dest, None, NOT_READABLE_SOURCE)
                .await;
        };
        let source_id = self.state.source_waba_id.clone().unwrap_or_default();
        if let Some(why) = self.other_owner(step, &source_id, &dest).await? {
            return self
                .duplicated_at_registration(step, &dest, Some(&source), &why)
                .await;
        }
        let forecast = eligibility::predict(&source, &destination, Mode::Api);
        let summary = forecast.summary();
        self.say(Line::info(format!(
            "Templates: {} of the source's {} are already in the destination (Meta duplicates APPROVED + GREEN during the move); {} more are eligible for the template migration API ({}).",
            summary.already_in_destination,
            summary.total,
            summary.migrate,
            forecast.capacity_line()
        )));
        if summary.migrate == 0 {
            return self.done(
                step,
                format!(
                    "{} already in the destination, none missing",
                    summary.already_in_destination
                ),
                None,
            );
        }
        if self.copy_outcome_was_lost() {
            // A template Meta refuses looks the same as one never sent: a copy whose
            // answer was lost is not sent again on that guess. The operator copies what
            // is missing with the template tools, which show each template's fate.
            return self.done(
                step,
                format!(
                    "{} eligible templates are still missing after a copy whose answer was lost; not sent again: check them and copy with `wamigrate templates migrate --from {source_id} --to {dest}`",
                    summary.migrate
                ),
                None,
            );
        }
        let missing = forecast.ids_with(&source, Outcome::Migrate);
        let call = format!(
            "POST /{dest}/migrate_message_templates for the {} missing eligible templates",
            missing.len()
        );
        self.confirm_write(
            step,
            Weight::YesNo,
            &call,
            Some(dest.clone()),
            "no attempt budget; templates already in the destination are skipped, copies are re-checked by Meta and start with quality UNKNOWN".to_string(),
        )
        .await?;
        self.intent(step, call)?;
        let mut run = TemplateRun::new(&source_id, &dest);
        run.expect(&forecast, &source);
        let operator = self.operator;
        let progress = |p: template_migration::Progress| {
            operator.say(Line::info(format!(
                "  {}/{} call(s) answered (what arrived is counted after, from a fresh read)",
                p.calls_done, p.calls_total
            )))
        };
        template_migration::retry_ids(self.graph, &mut run, &missing, progress).await;
        if run.lost_answers > 0 {
            self.outcome(
                step,
                CallOutcome::Unknown {
                    class: "network".to_string(),
                    sentence: format!(
                        "{} template call(s) got no answer; they may have taken effect",
                        run.lost_answers
                    ),
                    reference: String::new(),
                },
            )?;
            self.say(Line::problem(
                "A template call got no answer: reading the destination back before anything is sent again.",
            ));
            return Err(Stop::Again);
        }
        // What arrived is what a fresh read of the destination holds, by name and language.
        let recheck = template_migration::recheck(self.graph, &mut run, &source).await;
        let saved = run
            .save(&self.settings.data_dir)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("not saved: {e}"));
        let detail = match (recheck, &run.tally) {
            (Ok(()), Some(tally)) => {
                for failed in &tally.failed {
                    self.say(Line::problem(format!(
                        "  template {} ({}) [{}] failed: {}",
                        failed.name, failed.language, failed.source_id, failed.reason
                    )));
                }
                format!("{}; run recorded in {saved}", tally.line())
            }
            (result, _) => {
                let why = result.err().map_or_else(String::new, |e| e.to_string());
                self.say(Line::problem(format!(
                    "Could not re-read the destination to count what arrived: {why}"
                )));
                format!(
                    "{} call(s) sent; what arrived is unknown (the destination could not be re-read); run recorded in {saved}",
                    run.calls.len()
                )
            }
        };
        self.outcome(
            step,
            CallOutcome::Ok {
                detail: detail.clone(),
                phone_number_id: None,
            },
        )?;
        self.done(step, detail, None)
    }

    /// Why the template migration endpoint may not be used between the two WABAs:
    /// their owners differ, or an owner cannot be read (so a same business cannot be
    /// confirmed); `None` when both are owned by the same business.
    async fn other_owner(
        &self,
        step: StepId,
        source_id: &str,
        dest: &str,
    ) -> Result<Option<String>, RunEnd> {
        let (source, destination) = tokio::join!(self.graph.waba(source_id), self.graph.waba(dest));
        match (source, destination) {
            (Ok(source), Ok(destination)) => Ok(cross_business_refusal(&source, &destination)),
            (Err(e), _) | (_, Err(e)) if is_not_readable(&e) => Ok(Some(
                "a WABA's owner is not readable with this token, so a same business cannot be confirmed".to_string(),
            )),
            (Err(error), _) | (_, Err(error)) => Err(RunEnd::Failed { step, error }),
        }
    }

    /// What the destination holds now, read fresh, when the template migration API is
    /// not for this move (`why`): Meta duplicates the source's APPROVED + GREEN templates
    /// at registration, up to the destination's limit ("Migrating customers off a
    /// Multi-Partner Solution",
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/support/migrating-customers-off-solutions-via-meta-business-suite).
    /// With the source's templates at hand it says which of them arrived.
    async fn duplicated_at_registration(
        &mut self,
        step: StepId,
        dest: &str,
        source: Option<&TemplateInventory>,
        why: &str,
    ) -> Step {
        let held = self
            .graph
            .templates(dest)
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        let rejected = held
            .templates
            .iter()
            .filter(|t| t.status == Some(crate::domain::template::TemplateStatus::Rejected))
            .count();
        let mut detail = format!(
            "{}; the template migration API is not used. The destination holds {} template(s) after the move ({rejected} REJECTED on re-check)",
            why.trim_end_matches('.'),
            held.templates.len()
        );
        if let Some(source) = source {
            let summary = eligibility::predict(source, &held, Mode::Number).summary();
            detail.push_str(&format!(
                "; of the source's APPROVED + GREEN templates {} arrived with Meta's duplication and {} did not (re-create those with `wamigrate templates recreate`)",
                summary.already_in_destination,
                summary.migrate + summary.over_limit
            ));
        } else {
            detail.push_str(
                ", Meta's duplication of the source's APPROVED + GREEN templates included",
            );
        }
        self.done(step, detail, None)
    }
}

/// Why the template migration API is not used when the source cannot be read.
const NOT_READABLE_SOURCE: &str =
    "the source's templates are not readable with this token (or its WABA is unknown)";
