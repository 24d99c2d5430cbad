//! Views derived from the data read and the main screen's selection: the numbers that
//! pass the filter and the checklist (with the lines it takes). `update` recomputes them
//! when their inputs change ([`refresh`]); drawing only reads them, so a spinner's tick
//! never re-evaluates the rules or the template forecast inside them.

use crate::api::graph::is_not_readable;
use crate::domain::checklist::{self, CheckInput, CheckResult};
use crate::domain::number::PhoneNumber;
use crate::domain::readability::NotReadable;
use crate::domain::scenario::Scenario;

use super::fuzzy::FuzzyMatch;
use super::layout::{ChecklistColumns, ScreenLayout};
use super::state::{State, number_match};
use super::store::WabaRecord;

/// The derived views and the inputs they were computed from.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    numbers_from: Option<NumbersInputs>,
    checklist_from: Option<ChecklistInputs>,
    /// The source's numbers that pass the filter (indices into its list), best match
    /// first when filtering.
    pub numbers: Vec<(usize, FuzzyMatch)>,
    /// The checklist of the selected number against the destination, from what is loaded.
    pub checklist: Option<Vec<CheckResult>>,
    /// Lines the checklist takes in its pane (the scrolling limit).
    pub checklist_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct NumbersInputs {
    generation: u64,
    source: Option<String>,
    filter: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ChecklistInputs {
    generation: u64,
    source: Option<String>,
    destination: Option<String>,
    number: Option<String>,
    scenario: Scenario,
    width: usize,
}

/// Recomputes what changed inputs make stale (cheap when nothing did).
pub fn refresh(state: &mut State) {
    refresh_numbers(state);
    let width = ScreenLayout::compute(state.screen, state.log_visible)
        .map_or(0, |l| l.checklist.width.saturating_sub(2) as usize);
    let inputs = ChecklistInputs {
        generation: state.data_generation,
        source: state.source.clone(),
        destination: state.destination.clone(),
        number: state.selected_number.clone(),
        scenario: state.scenario,
        width,
    };
    if state.derived.checklist_from.as_ref() == Some(&inputs) {
        return;
    }
    let checklist = evaluate_checklist(state);
    state.derived.checklist_lines = checklist.as_deref().map_or(0, |results| {
        ChecklistColumns::compute(results, width).line_count(results)
    });
    state.derived.checklist = checklist;
    state.derived.checklist_from = Some(inputs);
}

/// Recomputes the visible numbers if the list or the filter changed.
pub fn refresh_numbers(state: &mut State) {
    let inputs = NumbersInputs {
        generation: state.data_generation,
        source: state.source.clone(),
        filter: state.number_filter.value().to_string(),
    };
    if state.derived.numbers_from.as_ref() == Some(&inputs) {
        return;
    }
    state.derived.numbers = match state
        .record(state.source.as_deref())
        .and_then(|r| r.numbers.value())
    {
        Some(numbers) => visible(numbers, &inputs.filter),
        None => Vec::new(),
    };
    state.derived.numbers_from = Some(inputs);
}

/// The numbers passing `query`, best match first (all of them, in order, without one):
/// digits match a run of the number's digits; exact and prefix matches come first.
fn visible(numbers: &[PhoneNumber], query: &str) -> Vec<(usize, FuzzyMatch)> {
    if query.trim().is_empty() {
        return (0..numbers.len())
            .map(|i| (i, FuzzyMatch::everything()))
            .collect();
    }
    let mut rows: Vec<(usize, FuzzyMatch)> = numbers
        .iter()
        .enumerate()
        .filter_map(|(i, n)| number_match(query, n).map(|m| (i, m)))
        .collect();
    rows.sort_by_key(|(_, m)| m.rank());
    rows
}

/// The checklist of the selected number, judged like the CLI's preflight: what the
/// token could not read is a fact, not a gap. A source Graph refuses as not readable
/// turns its rules unknown (with whom to ask); a destination it refuses fails its rules
/// ("not readable with this token: it does not exist or was not shared with you").
fn evaluate_checklist(state: &State) -> Option<Vec<CheckResult>> {
    state.selected_number.as_ref()?;
    let source = state.record(state.source.as_deref());
    let destination = state.record(state.destination.as_deref());
    let number = state.selected_phone();
    let source_not_readable = source
        .filter(|r| refused_as_not_readable(r))
        .and(state.source.as_deref())
        .map(|id| {
            NotReadable::source(
                state.scenario,
                format!("the source WABA {id} does not exist or was not shared with this token"),
            )
        });
    let input = CheckInput {
        number,
        number_found: number.is_some(),
        source: source.and_then(|r| r.waba.value()),
        destination: destination.and_then(|r| r.waba.value()),
        destination_apps: destination.and_then(|r| r.apps.value()).map(Vec::as_slice),
        destination_numbers: destination
            .and_then(|r| r.numbers.value())
            .map(Vec::as_slice),
        source_templates: source.and_then(|r| r.templates.value()),
        destination_templates: destination.and_then(|r| r.templates.value()),
        register_attempts_used: number
            .and_then(PhoneNumber::e164_digits)
            .and_then(|digits| state.register_attempts.get(&digits).copied()),
        source_not_readable: source_not_readable.as_ref(),
        destination_not_readable: destination.is_some_and(refused_as_not_readable),
        requested_digits: None,
    };
    Some(checklist::evaluate_for(state.scenario, &input))
}

/// Whether Graph refused a read of this WABA as not readable with the token (the same
/// answer as for a WABA that does not exist).
fn refused_as_not_readable(record: &WabaRecord) -> bool {
    [
        record.waba.error(),
        record.numbers.error(),
        record.apps.error(),
        record.templates.error(),
    ]
    .into_iter()
    .flatten()
    .any(is_not_readable)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::api::{ApiError, ErrorClass};
    use crate::app::store::Remote;
    use crate::domain::checklist::CheckStatus;
    use crate::domain::readability::{DESTINATION_NOT_READABLE, NOT_READABLE};
    use crate::testkit::demo::{self, Portfolio};

    fn numbers(labels: &[&str]) -> Vec<PhoneNumber> {
        labels
            .iter()
            .enumerate()
            .map(|(i, label)| PhoneNumber {
                id: format!("20000000000000{i}"),
                display_phone_number: Some(label.to_string()),
                ..PhoneNumber::default()
            })
            .collect()
    }

    #[test]
    fn digits_find_a_run_of_the_number_s_digits_and_prefixes_rank_first() {
        let list = numbers(&["+1 631-555-0121", "+1 610-212-1000", "+1 21 555 0000"]);
        let found =
            |query| -> Vec<usize> { visible(&list, query).into_iter().map(|(i, _)| i).collect() };
        assert_eq!(
            found("0121"),
            vec![0],
            "0,1,2,1 scattered in another number is no match"
        );
        assert_eq!(
            found("121"),
            vec![2, 1, 0],
            "a prefix of the digits first, then runs, earlier runs first"
        );
        assert_eq!(found("+1 (631) 555-0121"), vec![0]);
        assert_eq!(found("shop"), Vec::<usize>::new());
    }

    /// Graph's answer to a WABA that does not exist or was not shared (100/33).
    fn not_readable() -> ApiError {
        let mut e = ApiError::new(
            ErrorClass::Validation,
            "GET /999",
            "Unsupported get request: the object does not exist or cannot be loaded",
        );
        e.code = Some(100);
        e.subcode = Some(33);
        e
    }

    fn refuse(record: &mut WabaRecord) {
        record.waba = Remote::Failed(not_readable());
        record.apps = Remote::Failed(not_readable());
        record.templates = Remote::Failed(not_readable());
    }

    #[test]
    fn the_checklist_judges_what_the_token_cannot_read_like_the_cli_preflight() {
        let mut state = demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
        state.scenario = Scenario::FromOtherBsp;
        let readable = evaluate_checklist(&state).expect("a number is selected");
        assert!(
            readable
                .iter()
                .all(|c| !c.evidence.starts_with(NOT_READABLE))
        );

        // The destination is written to: what cannot be read there fails.
        let destination = state.destination.clone().unwrap();
        let saved = state.store.wabas[&destination].clone();
        refuse(state.store.wabas.get_mut(&destination).unwrap());
        let checks = evaluate_checklist(&state).unwrap();
        let refused: Vec<&CheckResult> = checks
            .iter()
            .filter(|c| c.evidence == DESTINATION_NOT_READABLE)
            .collect();
        assert!(!refused.is_empty(), "{checks:?}");
        assert!(refused.iter().all(|c| c.status == CheckStatus::Fail));
        state.store.wabas.insert(destination, saved);

        // The source sits with another BSP: its rules are unknown, with whom to ask.
        let source = state.source.clone().unwrap();
        refuse(state.store.wabas.get_mut(&source).unwrap());
        let checks = evaluate_checklist(&state).unwrap();
        let unknown: Vec<&CheckResult> = checks
            .iter()
            .filter(|c| c.evidence.starts_with(NOT_READABLE))
            .collect();
        assert!(!unknown.is_empty(), "{checks:?}");
        for check in unknown {
            assert_eq!(check.status, CheckStatus::Unknown, "{check:?}");
            assert!(
                check
                    .evidence
                    .contains(&format!("the source WABA {source} does not exist"))
                    && check.evidence.contains("ask the number's current BSP"),
                "{}",
                check.evidence
            );
        }
    }
}
