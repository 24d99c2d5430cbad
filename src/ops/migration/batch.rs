//! A batch of migrations, as `migrate --batch FILE.csv` and the board's "migrate
//! selected" plan it: every request checked before anything is sent, and a number named
//! twice (by phone number id and by E.164, or twice alike) run once, in the first place
//! that names it. The runs themselves are ordinary [`super::Migration`]s, each with its
//! own journal, lock and confirmations.

use std::collections::HashMap;

use crate::api::GraphClient;
use crate::ops::preflight::NumberRef;

use super::{MigrationRequest, RequestProblem, validate_request};

/// One migration of a batch and where it was asked for ("row 3", "+1 631-555-0101"),
/// which is how the operator is told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    pub origin: String,
    pub request: MigrationRequest,
}

/// A request of the batch that cannot start: nothing of the batch is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {problem}")]
pub struct BatchRefused {
    pub origin: String,
    pub problem: RequestProblem,
}

/// A request left out because an earlier one names the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub origin: String,
    /// The origin of the request that runs the number.
    pub first: String,
}

/// What a batch runs: each number once, in the order asked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchPlan {
    pub runs: Vec<BatchItem>,
    pub left_out: Vec<LeftOut>,
}

/// Checks every request before anything is journaled or sent; the first one that
/// cannot start refuses the batch.
pub fn validate_all(items: &[BatchItem]) -> Result<(), BatchRefused> {
    items.iter().try_for_each(|item| {
        validate_request(&item.request).map_err(|problem| BatchRefused {
            origin: item.origin.clone(),
            problem,
        })
    })
}

/// The batch with each number once. A number is known by its E.164 digits: typed as
/// E.164, or an id whose digits `e164_of_id` knows; else by what was typed.
pub fn once_per_number(items: Vec<BatchItem>, e164_of_id: &HashMap<String, String>) -> BatchPlan {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut plan = BatchPlan::default();
    for item in items {
        let raw = &item.request.number;
        let key = match NumberRef::parse(raw) {
            Ok(NumberRef::E164(e164)) => e164.digits(),
            Ok(NumberRef::Id(id)) => e164_of_id.get(&id).cloned().unwrap_or(id),
            Err(_) => raw.clone(),
        };
        match seen.iter().find(|(k, _)| *k == key) {
            Some((_, first)) => plan.left_out.push(LeftOut {
                origin: item.origin,
                first: first.clone(),
            }),
            None => {
                seen.push((key, item.origin.clone()));
                plan.runs.push(item);
            }
        }
    }
    plan
}

/// The E.164 digits of the numbers the batch names by phone number id, read from
/// Graph (an id that cannot be read is left out: it is then known by its id).
pub async fn numbers_of_ids(graph: &GraphClient, items: &[BatchItem]) -> HashMap<String, String> {
    let mut digits = HashMap::new();
    for item in items {
        if let Ok(NumberRef::Id(id)) = NumberRef::parse(&item.request.number)
            && !digits.contains_key(&id)
            && let Some(found) = graph
                .phone_number(&id)
                .await
                .ok()
                .and_then(|n| n.e164_digits())
        {
            digits.insert(id, found);
        }
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::PlanVariant;
    use crate::domain::scenario::Scenario;

    fn item(origin: &str, number: &str, destination: Option<&str>) -> BatchItem {
        BatchItem {
            origin: origin.to_string(),
            request: MigrationRequest {
                scenario: Scenario::ToNewWaba,
                variant: PlanVariant::Standard,
                number: number.to_string(),
                source_waba_id: Some("100".to_string()),
                destination_waba_id: destination.map(str::to_string),
            },
        }
    }

    #[test]
    fn a_number_named_by_id_and_by_e164_runs_once_in_the_first_place() {
        let known = HashMap::from([("555".to_string(), "16315550101".to_string())]);
        let plan = once_per_number(
            vec![
                item("row 2", "555", Some("200")),
                item("row 3", "+16315550101", Some("200")),
                item("row 4", "+16315550102", Some("200")),
                item("row 5", "+16315550102", Some("200")),
            ],
            &known,
        );
        let runs: Vec<&str> = plan.runs.iter().map(|i| i.origin.as_str()).collect();
        assert_eq!(runs, ["row 2", "row 4"]);
        assert_eq!(
            plan.left_out,
            [
                LeftOut {
                    origin: "row 3".into(),
                    first: "row 2".into()
                },
                LeftOut {
                    origin: "row 5".into(),
                    first: "row 4".into()
                }
            ]
        );
    }

    #[test]
    fn one_request_that_cannot_start_refuses_the_batch_and_names_it() {
        let refused = validate_all(&[
            item("row 2", "+16315550101", Some("200")),
            item("row 3", "+16315550102", Some("100")),
        ])
        .unwrap_err();
        assert_eq!(refused.origin, "row 3");
        assert_eq!(refused.problem, RequestProblem::SameWaba);
        assert!(validate_all(&[item("row 2", "+16315550101", Some("200"))]).is_ok());
    }
}
