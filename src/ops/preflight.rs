//! Everything the checklist judges, read in one go: the number (found by id or E.164
//! among the WABAs in reach), the source and destination WABAs, the destination's
//! webhooks, numbers and templates. Shared by `check`, `migrate` and the wizard.
//!
//! It also learns what the token can read on each side: a read Graph refuses as
//! not readable (100/33 or a permission error, [`is_not_readable`]) is not a failure but a
//! fact the checklist judges ([`crate::domain::readability`]): source rules become
//! unknown, destination rules fail. Any other failed read is kept in `errors`.

use std::path::Path;

use crate::api::graph::is_not_readable;
use crate::api::{ApiError, GraphClient};
use crate::domain::checklist::{self, CheckInput, CheckResult};
use crate::domain::journal::Backend;
use crate::domain::number::PhoneNumber;
use crate::domain::phone::{E164, PhoneError};
use crate::domain::readability::NotReadable;
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

/// Why what the operator typed names no number; `Display` is the sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadNumberRef {
    /// It starts with `+` but is not a valid E.164 number.
    #[error(transparent)]
    E164(#[from] PhoneError),
    #[error(
        "'{0}' is neither a phone number id (digits only) nor an E.164 number (+ and the country code, e.g. +4930123456)"
    )]
    Neither(String),
}

impl NumberRef {
    /// Parses what the operator typed.
    pub fn parse(raw: &str) -> Result<NumberRef, BadNumberRef> {
        let trimmed = raw.trim();
        if trimmed.starts_with('+') {
            return Ok(NumberRef::E164(E164::parse(trimmed)?));
        }
        if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Ok(NumberRef::Id(trimmed.to_string()));
        }
        Err(BadNumberRef::Neither(trimmed.to_string()))
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
    /// Why the token could not read the source side (the number or its WABA), when it
    /// could not.
    pub source_not_readable: Option<String>,
    /// The destination WABA does not exist or was not shared with this token.
    pub destination_not_readable: bool,
    /// The E.164 digits the operator gave (none for a phone number id).
    pub requested_digits: Option<String>,
    /// Reads that failed for another reason (network, 5xx, an unexpected body): what was
    /// read, and why it failed.
    pub errors: Vec<(String, ApiError)>,
}

impl PreflightData {
    /// The checklist's view of this data (without the source's readability, which needs
    /// the scenario: see [`PreflightData::checks`]).
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
            source_not_readable: None,
            destination_not_readable: self.destination_not_readable,
            requested_digits: self.requested_digits.as_deref(),
        }
    }

    /// The checklist of a scenario.
    pub fn checks(&self, scenario: Scenario) -> Vec<CheckResult> {
        let source = self
            .source_not_readable
            .as_ref()
            .map(|why| NotReadable::source(scenario, why.clone()));
        let input = CheckInput {
            source_not_readable: source.as_ref(),
            ..self.input()
        };
        checklist::evaluate_for(scenario, &input)
    }
}

/// Finds the number and reads everything the checklist needs. `candidates` are the
/// WABAs searched for the number when `source` is not given. Fails only when an explicit
/// source could not be read for a reason other than access.
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
        requested_digits: match number {
            NumberRef::E164(e164) => Some(e164.digits()),
            NumberRef::Id(_) => None,
        },
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
    let mut readable = 0;
    for (waba_id, list) in searched.iter().zip(lists) {
        match list {
            Ok(numbers) => {
                readable += 1;
                if let Some(found) = numbers.into_iter().find(|n| number.matches(n)) {
                    data.number = Some(found);
                    data.source_waba_id = Some(waba_id.clone());
                    break;
                }
            }
            Err(e) if is_not_readable(&e) => {
                if source.is_some() {
                    data.source_not_readable = Some(format!(
                        "the source WABA {waba_id} does not exist or was not shared with this token"
                    ));
                }
            }
            // With an explicit source, its failure is the answer; while searching, one
            // unreadable WABA must not hide the number in another.
            Err(e) if source.is_some() => return Err(e),
            Err(e) => data.errors.push((format!("numbers of WABA {waba_id}"), e)),
        }
    }
    data.number_found = data.number.is_some();
    if source.is_none() && !data.number_found {
        // Not finding it where we can look is no evidence that it is nowhere.
        data.source_not_readable = Some(format!(
            "the number is in none of the {readable} WABA(s) this token can read"
        ));
    }
    let source_id = data.source_waba_id.clone();
    if let Some(id) = &source_id {
        let (waba, templates) = tokio::join!(graph.waba(id), graph.templates(id));
        data.source = keep(&mut data, Side::Source(id), "source WABA", waba);
        data.source_templates = keep(&mut data, Side::Source(id), "source templates", templates);
    }
    if let Some(dest) = destination {
        let (waba, apps, numbers, templates) = tokio::join!(
            graph.waba(dest),
            graph.subscribed_apps(dest),
            graph.phone_numbers(dest),
            graph.templates(dest)
        );
        data.destination = keep(&mut data, Side::Destination, "destination WABA", waba);
        data.destination_apps = keep(
            &mut data,
            Side::Destination,
            "destination subscribed apps",
            apps,
        );
        data.destination_numbers =
            keep(&mut data, Side::Destination, "destination numbers", numbers);
        data.destination_templates = keep(
            &mut data,
            Side::Destination,
            "destination templates",
            templates,
        );
    }
    data.register_attempts_used = data
        .number
        .as_ref()
        .and_then(PhoneNumber::e164_digits)
        .or_else(|| data.requested_digits.clone())
        .and_then(|digits| {
            let now = time::OffsetDateTime::now_utc();
            // Not counted is unknown, as for a number with no history: never zero.
            register_attempts_within_window(data_dir, backend, &digits, now)
                .inspect_err(|e| tracing::warn!("register attempts not counted: {e}"))
                .ok()
        })
        .filter(|used| *used > 0);
    Ok(data)
}

/// Which side a read belongs to, so a refusal as not readable lands on the right flag.
enum Side<'a> {
    Source(&'a str),
    Destination,
}

/// The value of a read; a refusal as not readable marks its side, any other failure
/// goes to `errors`.
fn keep<T>(
    data: &mut PreflightData,
    side: Side,
    what: &str,
    result: Result<T, ApiError>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) if is_not_readable(&e) => {
            match side {
                Side::Source(id) => {
                    data.source_not_readable.get_or_insert_with(|| {
                        format!("the source WABA {id} was not shared with this token")
                    });
                }
                Side::Destination => data.destination_not_readable = true,
            }
            None
        }
        Err(e) => {
            data.errors.push((what.to_string(), e));
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
        assert_eq!(err, BadNumberRef::Neither("0049-30-123".into()));
        assert!(
            err.to_string().contains("is neither a phone number id"),
            "{err}"
        );
        let short = NumberRef::parse("+49 30").unwrap_err();
        assert!(matches!(
            short,
            BadNumberRef::E164(PhoneError::WrongLength(_, 4))
        ));
        assert!(short.to_string().contains("8 to 15 digits"));
    }
}
