//! The steps that move a number through the Graph API: preflight, two-step
//! verification, add, code request and verification, register, post-checks and the
//! reminder to switch apps.

use secrecy::{ExposeSecret, SecretString};

use crate::domain::checklist::{CheckResult, CheckStatus, REGISTER_BUDGET, RuleId, is_blocked};
use crate::domain::journal::{Record, Stamp};
use crate::domain::number::{NumberStatus, PhoneNumber, PlatformType};
use crate::domain::phone::E164;
use crate::domain::plan::StepId;
use crate::domain::readability::{NOT_READABLE, source_confirmer};
use crate::domain::scenario::Scenario;
use crate::ops::journal_store::register_attempts_within_window;
use crate::ops::preflight::{NumberRef, gather};

use super::{
    CodeAnswer, Line, LineKind, Migration, Operator, Question, RunEnd, Step, Stop,
    WRONG_CODES_LIMIT, Weight, paused,
};

impl<O: Operator> Migration<'_, O> {
    pub(super) async fn preflight(&mut self) -> Step {
        let step = StepId::Preflight;
        let scenario = self.state.scenario.unwrap_or(Scenario::ToNewWaba);
        let number =
            NumberRef::parse(&self.state.number).map_err(|e| paused(step, e.to_string()))?;
        let data = gather(
            self.graph,
            &number,
            self.state.source_waba_id.as_deref(),
            self.state.destination_waba_id.as_deref(),
            &self.settings.candidates,
            &self.settings.data_dir,
            &self.settings.backend,
        )
        .await
        .map_err(|error| RunEnd::Failed { step, error })?;
        for (what, e) in &data.errors {
            self.say(Line::problem(format!("Could not read the {what}: {e}")));
        }
        // A read that failed for another reason than access (network, 5xx, a body that
        // is not the API's) leaves rules without evidence: nothing is judged or sent on
        // that, the run stops here (resumable, exit 1), never "blocked" by a rule that
        // was not read nor confirmed by --yes.
        if let Some((what, error)) = data.errors.first() {
            let mut error = error.clone();
            error.sentence = format!(
                "The preflight could not read the {what}, so nothing was sent: {}",
                error.sentence
            );
            return Err(RunEnd::Failed { step, error }.into());
        }
        let mut checks = data.checks(scenario);
        // A plan without a register call (the 360dialog Hub's hosting change) spends no
        // register attempt: the budget is not its concern.
        if !self
            .state
            .plan
            .iter()
            .any(|s| matches!(s, StepId::Register | StepId::RegisterWithBackup))
        {
            checks.retain(|c| c.rule != RuleId::RegisterBudget);
        }
        for c in &checks {
            let mark = match c.status {
                CheckStatus::Pass => "✔",
                CheckStatus::Fail => "✘",
                CheckStatus::Warn => "!",
                CheckStatus::Unknown => "?",
            };
            self.say(Line::new(
                LineKind::Check,
                format!("  {mark} {:<30} {}", c.rule.id(), c.evidence),
            ));
        }
        // A source with another BSP or business is not readable with the operator's
        // token: the number is known by the E.164 the operator gave, and every rule the
        // token could not judge is confirmed below before the first write.
        let found = match (data.number.clone(), &data.source_not_readable, &number) {
            (Some(found), _, _) => found,
            (None, Some(_), NumberRef::E164(e164)) => PhoneNumber::not_readable(e164),
            _ => {
                return Err(RunEnd::Blocked(vec![format!(
                    "{} was not found in any WABA in reach: give it as an E.164 number (+...) when its source cannot be read with this token, give --from, or check that the token can see its WABA",
                    self.state.number
                )])
                .into());
            }
        };
        if let Some(digits) = found.e164_digits() {
            self.lock_digits(&digits)?;
        }
        self.append_in(
            step,
            Record::Snapshot {
                number: Box::new(found),
                source_waba_id: data.source_waba_id.clone(),
                checks: checks.clone(),
                at: Stamp::now(),
            },
        )?;
        if is_blocked(&checks) {
            return Err(RunEnd::Blocked(
                checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Fail)
                    .map(|c| format!("{} ({}): {}", c.rule.id(), c.evidence, c.fix))
                    .collect(),
            )
            .into());
        }
        let confirmed = self.confirm_unknown_rules(step, scenario, &checks).await?;
        let warnings: Vec<&str> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Warn)
            .map(|c| c.rule.id())
            .collect();
        if !warnings.is_empty() {
            self.confirm_or_pause(
                step,
                Question::typed_yes(format!(
                    "Accept {} warning(s) ({})? Type yes to go on:",
                    warnings.len(),
                    warnings.join(", ")
                )),
                "the operator did not accept the warnings",
            )
            .await?;
        }
        let detail = format!(
            "{} checks, {} warning(s) accepted, {confirmed} unknown rule(s) confirmed",
            checks.len(),
            warnings.len()
        );
        self.done(step, detail, None)
    }

    /// Asks the operator to confirm, one by one and typed, each rule whose evidence could
    /// not be read (never a pass, never a fail), and journals each confirmation with who
    /// gave it and when. Nothing has been written yet. Returns how many were confirmed.
    async fn confirm_unknown_rules(
        &mut self,
        step: StepId,
        scenario: Scenario,
        checks: &[CheckResult],
    ) -> Result<usize, Stop> {
        let unknown: Vec<&CheckResult> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Unknown)
            .collect();
        for check in &unknown {
            let whom = if check.evidence.starts_with(NOT_READABLE) {
                source_confirmer(scenario)
            } else {
                "someone who can see it"
            };
            self.confirm_or_pause(
                step,
                Question::typed_yes(format!(
                    "{} could not be judged ({}). Has {whom} confirmed that {}? Type yes only then:",
                    check.rule.title(),
                    check.evidence,
                    check.rule.claim()
                )),
                &format!("{} is not confirmed", check.rule.id()),
            )
            .await?;
            let by = if self.operator.confirms_by_flag() {
                "--yes"
            } else {
                "the operator"
            };
            self.note(
                step,
                Line::info(format!(
                    "{} confirmed by {by} (for {whom}): {}; evidence not read: {}",
                    check.rule.id(),
                    check.rule.claim(),
                    check.evidence
                )),
            )?;
        }
        Ok(unknown.len())
    }

    /// Between Business Managers the destination messages on behalf of the number's
    /// business once that business accepted its "Messaging For" request (Meta's
    /// programmatic migration page, "Preparing the destination WABA"; until then the
    /// add answers 2388103).
    pub(super) async fn messaging_for_accepted(&mut self) -> Step {
        let step = StepId::MessagingForAccepted;
        let dest = self.destination(step)?;
        let on_behalf_of = self.graph.waba(&dest).await.ok().and_then(|w| {
            let business = w.on_behalf_of_business_info?;
            Some(format!(
                "{} ({})",
                business.name.unwrap_or_default(),
                business.id.unwrap_or_default()
            ))
        });
        self.say(Line::info(format!(
            "The destination WABA {dest} belongs to another Business Manager and messages on behalf of {}. An admin of the number's business accepts its \"Messaging For\" request in Meta Business Suite (Business settings → Requests); until then Meta refuses the migration (2388103).",
            on_behalf_of.as_deref().unwrap_or("the number's business (not readable here)")
        )));
        self.manual(
            step,
            Question::yes_no("Has the number's business accepted the \"Messaging For\" request?"),
        )
        .await
    }

    pub(super) async fn two_step_off(&mut self) -> Step {
        let step = StepId::TwoStepOff;
        let source_number = self.snapshot()?;
        if !source_number.was_read("is_pin_enabled") {
            return self.done(
                step,
                "not readable with this token; confirmed by the operator in the preflight",
                None,
            );
        }
        loop {
            let now = self.read_number(step, &source_number.id).await?;
            match now.is_pin_enabled {
                Some(false) => return self.done(step, "is_pin_enabled = false", None),
                state => {
                    let seen = state.map_or("not reported".to_string(), |on| format!("= {on}"));
                    self.say(Line::info(format!(
                        "Two-step verification is still on (is_pin_enabled {seen}). Send this to the owner of the source WABA:\n  \"Please turn off two-step verification for {} in WhatsApp Manager: Phone numbers → {} → Settings → Two-step verification → Turn off. There is no API for this, and we cannot migrate the number until it is off.\"",
                        source_number.label(),
                        source_number.label()
                    )));
                    if !self.operator.interactive()
                        || !self
                            .operator
                            .confirm(Question::yes_no("Re-check two-step verification now?"))
                            .await
                    {
                        return Err(self
                            .paused_until_resumed(
                                step,
                                "two-step verification is still on",
                                "once the owner turned it off",
                            )
                            .into());
                    }
                }
            }
        }
    }

    /// The destination WABA and the number's E.164 from the snapshot: what the add
    /// call sends and what its read-back looks for.
    pub(super) fn add_target(&self, step: StepId) -> Result<(String, E164), RunEnd> {
        let dest = self.destination(step)?;
        let e164 = self
            .snapshot()?
            .display_phone_number
            .as_deref()
            .map(|d| E164::parse(&format!("+{}", d.trim_start_matches('+'))))
            .transpose()
            .map_err(|e| {
                paused(
                    step,
                    format!("the display number of the snapshot is not E.164: {e}"),
                )
            })?
            .ok_or_else(|| paused(step, "the snapshot has no display number".to_string()))?;
        Ok((dest, e164))
    }

    pub(super) async fn add_number(&mut self) -> Step {
        let step = StepId::AddNumber;
        let (dest, e164) = self.add_target(step)?;
        let label = format!("POST /{dest}/phone_numbers migrate_phone_number=true");
        self.confirm_write(
            step,
            Weight::YesNo,
            &label,
            Some(dest.clone()),
            "no attempt budget; it starts the migration in the destination (Meta refuses with 2388xxx when a precondition is not met)".to_string(),
        )
        .await?;
        let graph = self.graph;
        match self
            .call(
                step,
                &label,
                graph.add_number_for_migration(&dest, &e164),
                |id| (format!("added as {id}"), Some(id.clone())),
            )
            .await
        {
            Ok(id) => self.done(step, format!("phone number id {id}"), None),
            Err(Stop::End(RunEnd::Failed { error, .. }))
                if error.subcode == Some(2388012) || error.code == Some(2388012) =>
            {
                // Already in the destination: continue with verification on that id.
                let id = self
                    .find_in_destination(step, &dest, &e164)
                    .await?
                    .ok_or(RunEnd::Failed { step, error })?;
                self.reconciled(
                    step,
                    format!("already in the destination as {id}"),
                    Some(id.clone()),
                )?;
                self.done(step, format!("phone number id {id} (already there)"), None)
            }
            Err(stop) => Err(stop),
        }
    }

    pub(super) async fn find_in_destination(
        &self,
        step: StepId,
        dest: &str,
        e164: &E164,
    ) -> Result<Option<String>, RunEnd> {
        let numbers = self
            .graph
            .phone_numbers(dest)
            .await
            .map_err(|error| RunEnd::Failed { step, error })?;
        Ok(numbers
            .into_iter()
            .find(|n| n.e164_digits().as_deref() == Some(e164.digits().as_str()))
            .map(|n| n.id))
    }

    pub(super) async fn request_code(&mut self) -> Step {
        let step = StepId::RequestCode;
        let id = self.new_number_id(step)?;
        let label = self.code_request_label(&id);
        let dest = self.state.destination_waba_id.clone();
        self.confirm_write(
            step,
            Weight::YesNo,
            &label,
            dest,
            "Meta sends a 6-digit code to the phone; a new request voids the earlier code and has a cooldown of about a minute".to_string(),
        )
        .await?;
        self.send_code_request(&id).await?;
        self.done(
            step,
            format!("code requested by {}", self.settings.code_method.as_str()),
            None,
        )
    }

    fn code_request_label(&self, id: &str) -> String {
        format!(
            "POST /{id}/request_code {}",
            self.settings.code_method.as_str()
        )
    }

    /// Sends a code request (journaled under the request-code step, also when the
    /// code prompt asks for a new one).
    async fn send_code_request(&mut self, id: &str) -> Step {
        let graph = self.graph;
        let (method, language) = (self.settings.code_method, self.settings.language.clone());
        let label = self.code_request_label(id);
        self.call(
            StepId::RequestCode,
            &label,
            graph.request_code(id, method, &language),
            |_| ("code requested".to_string(), None),
        )
        .await?;
        self.say(Line::info(format!("Meta is sending a 6-digit code by {} to the number; it may take a few minutes. A new request has a cooldown of about a minute.", method.as_str())));
        Ok(())
    }

    /// Asks for the code and sends it. Typing the code is the confirmation of the
    /// verify call; its prompt says which call, number and WABA, and how many wrong
    /// codes this migration has sent (they count across resumes; the run stops at
    /// three).
    pub(super) async fn verify_code(&mut self) -> Step {
        let step = StepId::VerifyCode;
        let id = self.new_number_id(step)?;
        let display = self.snapshot()?.label().to_string();
        let dest = self.state.destination_waba_id.clone().unwrap_or_default();
        loop {
            if self.state.wrong_codes >= WRONG_CODES_LIMIT {
                return Err(paused(step, format!("{WRONG_CODES_LIMIT} wrong verification codes were sent for this number; more can block its verification for hours, so wamigrate sends no other. Wait, then start a new migration (`wamigrate journal abandon {}` ends this one)", self.id())).into());
            }
            let prompt = format!(
                "Enter the 6-digit code sent to {display} (phone number id {id}), or 'resend' for a new code. It is sent with POST /{id}/verify_code into WABA {dest}; wrong codes so far: {} of {WRONG_CODES_LIMIT}:",
                self.state.wrong_codes
            );
            let code = match self.operator.code(&prompt).await {
                CodeAnswer::Code(code) => code,
                CodeAnswer::Resend => {
                    self.send_code_request(&id).await?;
                    continue;
                }
                CodeAnswer::Stop => {
                    return Err(
                        paused(step, "waiting for the verification code".to_string()).into(),
                    );
                }
            };
            let digits = code.expose_secret().trim();
            if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
                self.say(Line::problem(
                    "A verification code is exactly 6 digits; nothing was sent.",
                ));
                if !self.operator.interactive() {
                    return Err(paused(step, "the code given was not 6 digits".to_string()).into());
                }
                continue;
            }
            let code = SecretString::from(digits.to_string());
            let graph = self.graph;
            match self
                .call(
                    step,
                    &format!("POST /{id}/verify_code"),
                    graph.verify_code(&id, &code),
                    |_| ("verified".to_string(), None),
                )
                .await
            {
                Ok(()) => return self.done(step, "code_verification_status = VERIFIED", None),
                Err(Stop::End(RunEnd::Failed { error, .. }))
                    if error.class == crate::api::ErrorClass::Registration =>
                {
                    let wrong = self.state.wrong_codes;
                    self.say(Line::problem(format!("{} (wrong code {wrong} of {WRONG_CODES_LIMIT} for this migration; repeated wrong codes can block verification for hours.)", error.sentence)));
                    if wrong >= WRONG_CODES_LIMIT || !self.operator.interactive() {
                        return Err(RunEnd::Failed { step, error }.into());
                    }
                }
                Err(stop) => return Err(stop),
            }
        }
    }

    pub(super) async fn register(&mut self) -> Step {
        let step = StepId::Register;
        let id = self.new_number_id(step)?;
        let left = self.register_attempts_left()?;
        let Some(pin) = self.operator.pin().await else {
            return Err(paused(step, "waiting for the new two-step PIN".to_string()).into());
        };
        let label = format!("POST /{id}/register");
        let dest = self.state.destination_waba_id.clone();
        self.confirm_write(step, Weight::TypedYes, &label, dest, register_cost(left))
            .await?;
        let graph = self.graph;
        self.call(step, &label, graph.register(&id, &pin), |_| {
            ("registered".to_string(), None)
        })
        .await?;
        self.done(step, "registered; this is the billing cut-over", None)
    }

    /// Register calls left for the number in Meta's 72-hour window, from every journal
    /// of this backend (and those that record none); pauses the run when none is left.
    pub(super) fn register_attempts_left(&self) -> Result<u32, RunEnd> {
        let step = self.state.next_step().unwrap_or(StepId::Register);
        let digits = self.snapshot()?.e164_digits().unwrap_or_default();
        let used = register_attempts_within_window(
            &self.settings.data_dir,
            &self.settings.backend,
            &digits,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| {
            paused(step, format!("the register attempts of this number could not be counted ({e}); nothing was sent: make the journals readable and resume"))
        })?;
        // The intent of the call about to be made is not written yet; `used` counts every
        // earlier one, including this journal's.
        let left = REGISTER_BUDGET.saturating_sub(used);
        // Only wamigrate's own journals of this backend are counted: Meta does not report
        // register attempts, so calls made elsewhere are invisible and `left` is a ceiling.
        self.say(Line::info(format!("Register attempts left for this number: at most {left} of {REGISTER_BUDGET} in the 72-hour window (counted from wamigrate's journals; attempts made elsewhere are invisible).")));
        if left == 0 {
            return Err(paused(step, "no register attempt is left in the 72-hour window (133016); wait for the window to move".to_string()));
        }
        Ok(left)
    }

    pub(super) async fn post_checks(&mut self) -> Step {
        let step = StepId::PostChecks;
        let id = self.new_number_id(step)?;
        let before = self.snapshot()?;
        let after = self.read_number(step, &id).await?;
        let mut findings = Vec::new();
        if after.status != Some(NumberStatus::Connected) {
            findings.push(format!(
                "status is {} (expected CONNECTED)",
                after
                    .status
                    .as_ref()
                    .map_or("not reported".to_string(), ToString::to_string)
            ));
        }
        let compared = [
            (
                "display name",
                before.verified_name.clone(),
                after.verified_name.clone(),
            ),
            (
                "quality rating",
                before.quality_rating.as_ref().map(ToString::to_string),
                after.quality_rating.as_ref().map(ToString::to_string),
            ),
            (
                "messaging limit",
                before.messaging_limit().map(str::to_string),
                after.messaging_limit().map(str::to_string),
            ),
        ];
        // A snapshot the token could not read has nothing to compare with.
        for (what, old, new) in compared {
            if before.fields_not_read.is_empty() && old != new {
                findings.push(format!(
                    "{what} changed: {} → {}",
                    old.unwrap_or_else(|| "-".into()),
                    new.unwrap_or_else(|| "-".into())
                ));
            }
        }
        if let Some(dest) = self.state.destination_waba_id.clone()
            && after.platform_type != Some(PlatformType::OnPremise)
        {
            match self.graph.subscribed_apps(&dest).await {
                Ok(apps) if apps.is_empty() => {
                    findings.push("no app is subscribed to the destination's webhooks".to_string())
                }
                Ok(_) => {}
                Err(e) => findings.push(format!("could not read subscribed apps: {e}")),
            }
        }
        if findings.is_empty() {
            self.done(step, "CONNECTED; display name, quality rating and messaging limit unchanged; webhooks subscribed", None)
        } else {
            for f in &findings {
                self.note(step, Line::problem(format!("Post-check: {f}")))?;
            }
            self.done(
                step,
                format!("{} finding(s): {}", findings.len(), findings.join("; ")),
                None,
            )
        }
    }

    pub(super) async fn switch_apps(&mut self) -> Step {
        let step = StepId::SwitchApps;
        let old = Some(self.snapshot()?.id)
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| "not readable with this token".to_string());
        let new = self.new_number_id(step)?;
        self.say(Line::info(format!(
            "Apps must now use phone number id {new} (was {old}) and WABA {} (was {}): webhook handlers, CRMs and senders using the old ids will fail.",
            self.state.destination_waba_id.as_deref().unwrap_or("-"),
            self.state.source_waba_id.as_deref().unwrap_or("-")
        )));
        self.confirm_or_pause(
            step,
            Question::yes_no("Noted (the apps are switched or the owners are told)?"),
            "the operator has not confirmed that the apps are switched or their owners told",
        )
        .await?;
        self.done(
            step,
            format!("reminded: phone number id {old} → {new}"),
            None,
        )
    }
}

/// What a register call costs: one of the number's attempts in Meta's window.
pub(super) fn register_cost(left: u32) -> String {
    format!(
        "1 of at most {left} register attempts left for this number in Meta's 72-hour window ({REGISTER_BUDGET} per 72 hours; past them registration is blocked for 72 hours)"
    )
}
