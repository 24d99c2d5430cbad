//! Everything the checklist judges, read in one go: the number (found by id or E.164
//! among the WABAs in reach), the source and destination WABAs, the destination's
//! webhooks, numbers and templates. Shared by `check`, `migrate` and the wizard.

use std::path::Path;

use crate::api::{ApiError, GraphClient};
use crate::domain::checklist::{self, CheckInput, CheckResult};
use crate::domain::journal::Backend;
use crate::domain::number::PhoneNumber;
use crate::domain::phone::E164;
use crate::domain::scenario::Scenario;
use crate::domain::template::TemplateInventory;
use crate::domain::waba::{SubscribedApp, Waba};
use crate::ops::journal_store::register_attempts_within_window;

/// A number as the operator names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberRef {
    /// A Graph phone number id (digits, no `+`).
    Id(String),
    /// An E.164 number (`+4930...`).
    E164(E164),
}

impl NumberRef {
    /// Parses what the operator typed; the error is one sentence.
    pub fn parse(raw: &str) -> Result<NumberRef, String> {
        let trimmed = raw.trim();
        if trimmed.starts_with('+') {
            return E164::parse(trimmed)
                .map(NumberRef::E164)
                .map_err(|e| e.to_string());
        }
        if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Ok(NumberRef::Id(trimmed.to_string()));
        }
        Err(format!(
            "'{trimmed}' is neither a phone number id (digits only) nor an E.164 number (+ and the country code, e.g. +4930123456)"
        ))
    }

    fn matches(&self, number: &PhoneNumber) -> bool {
        match self {
            NumberRef::Id(id) => &number.id == id,
            NumberRef::E164(e164) => {
                number.e164_digits().as_deref() == Some(e164.digits().as_str())
            }
        }
    }
}

/// What a preflight read; `None` where a read failed (see `errors`).
#[derive(Debug, Clone, Default)]
pub struct PreflightData {
    pub number: Option<PhoneNumber>,
    pub number_found: bool,
    pub source_waba_id: Option<String>,
    pub destination_waba_id: Option<String>,
    pub source: Option<Waba>,
    pub destination: Option<Waba>,
    pub destination_apps: Option<Vec<SubscribedApp>>,
    pub destination_numbers: Option<Vec<PhoneNumber>>,
    pub source_templates: Option<TemplateInventory>,
    pub destination_templates: Option<TemplateInventory>,
    pub register_attempts_used: Option<u32>,
    /// Reads that failed: what was read, and why it failed.
    pub errors: Vec<(String, ApiError)>,
}

impl PreflightData {
    /// The checklist's view of this data.
    pub fn input(&self) -> CheckInput<'_> {
        CheckInput {
            number: self.number.as_ref(),
            number_found: self.number_found,
            source: self.source.as_ref(),
            destination: self.destination.as_ref(),
            destination_apps: self.destination_apps.as_deref(),
            destination_numbers: self.destination_numbers.as_deref(),
            source_templates: self.source_templates.as_ref(),
            destination_templates: self.destination_templates.as_ref(),
            register_attempts_used: self.register_attempts_used,
        }
    }

    /// The checklist of a scenario.
    pub fn checks(&self, scenario: Scenario) -> Vec<CheckResult> {
        checklist::evaluate_for(scenario, &self.input())
    }
}

/// Finds the number and reads everything the checklist needs. `candidates` are the
/// WABAs searched for the number when `source` is not given.
pub async fn gather(
    graph: &GraphClient,
    number: &NumberRef,
    source: Option<&str>,
    destination: Option<&str>,
    candidates: &[String],
    data_dir: &Path,
    backend: &Backend,
) -> Result<PreflightData, ApiError> {
    let mut data = PreflightData {
        destination_waba_id: destination.map(str::to_string),
        ..PreflightData::default()
    };
    let searched: Vec<String> = match source {
        Some(s) => vec![s.to_string()],
        None => candidates
            .iter()
            .filter(|c| Some(c.as_str()) != destination)
            .cloned()
            .collect(),
    };
    let lists =
        futures_util::future::join_all(searched.iter().map(|w| graph.phone_numbers(w))).await;
    for (waba_id, list) in searched.iter().zip(lists) {
        match list {
            Ok(numbers) => {
                if let Some(found) = numbers.into_iter().find(|n| number.matches(n)) {
                    data.number = Some(found);
                    data.source_waba_id = Some(waba_id.clone());
                    break;
                }
            }
            // With an explicit source, its failure is the answer; while searching, one
            // unreadable WABA must not hide the number in another.
            Err(e) if source.is_some() => return Err(e),
            Err(e) => data.errors.push((format!("numbers of WABA {waba_id}"), e)),
        }
    }
    data.number_found = data.number.is_some();
    let source_id = data.source_waba_id.clone();
    let (source_waba, source_templates) = match &source_id {
        Some(id) => {
            let (w, t) = tokio::join!(graph.waba(id), graph.templates(id));
            (Some(w), Some(t))
        }
        None => (None, None),
    };
    data.source = keep(&mut data.errors, "source WABA", source_waba);
    data.source_templates = keep(&mut data.errors, "source templates", source_templates);
    if let Some(dest) = destination {
        let (w, apps, numbers, templates) = tokio::join!(
            graph.waba(dest),
            graph.subscribed_apps(dest),
            graph.phone_numbers(dest),
            graph.templates(dest)
        );
        data.destination = keep(&mut data.errors, "destination WABA", Some(w));
        data.destination_apps = keep(&mut data.errors, "destination subscribed apps", Some(apps));
        data.destination_numbers = keep(&mut data.errors, "destination numbers", Some(numbers));
        data.destination_templates =
            keep(&mut data.errors, "destination templates", Some(templates));
    }
    data.register_attempts_used = data
        .number
        .as_ref()
        .and_then(PhoneNumber::e164_digits)
        .map(|digits| {
            register_attempts_within_window(
                data_dir,
                backend,
                &digits,
                time::OffsetDateTime::now_utc(),
            )
        })
        .filter(|used| *used > 0);
    Ok(data)
}

fn keep<T>(
    errors: &mut Vec<(String, ApiError)>,
    what: &str,
    result: Option<Result<T, ApiError>>,
) -> Option<T> {
    match result? {
        Ok(value) => Some(value),
        Err(e) => {
            errors.push((what.to_string(), e));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_ids_or_e164_and_anything_else_is_one_sentence() {
        assert_eq!(
            NumberRef::parse("106540352242922").unwrap(),
            NumberRef::Id("106540352242922".into())
        );
        assert!(matches!(
            NumberRef::parse(" +49 30 1234567 ").unwrap(),
            NumberRef::E164(_)
        ));
        let err = NumberRef::parse("0049-30-123").unwrap_err();
        assert!(err.contains("is neither a phone number id"), "{err}");
        assert!(
            NumberRef::parse("+49 30")
                .unwrap_err()
                .contains("8 to 15 digits")
        );
    }
}
