//! Edges: the lists a node has (a WABA's numbers and templates, a business's WABAs), read
//! on their own path (`GET /{id}/{edge}?fields=…&limit=…&after=…`) or through field
//! expansion (`GET /{id}?fields=…,edge.limit(N){…}`), with the same cursor pages.
//!
//! Field expansion (https://developers.facebook.com/docs/graph-api/guides/field-expansion):
//! an edge named in `fields` comes back under its name as a page of its own,
//! `{"data":[…],"paging":{…}}`, limited by `.limit(n)`, started at `.after(cursor)`, its
//! items' fields in braces; the page's `next` is the edge's own URL ("the response
//! included a `next` field and URL which you can use to fetch the next page"). Cursor
//! pages: "Paginated results" (https://developers.facebook.com/docs/graph-api/results/).
//! The docs are silent on an expanded edge without items; the sandbox answers
//! `{"data":[]}`.

use std::ops::Range;

use serde_json::{Map, Value, json};

use crate::sim::fields::{FieldRules, edge_item_kind, field_name, select_split, split_fields};
use crate::sim::portfolio::NodeKind;
use crate::sim::state::World;
use crate::sim::wire::{Call, GraphError};

/// Page size when the call sends no `limit`, and the most a call may ask for.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: usize = 100;
/// Fields an edge's items answer when the call names none.
pub(crate) const DEFAULT_WABA_FIELDS: &str = "id,name";
/// Numbers without `fields` answer these four, as Meta's "Retrieve Phone Numbers" example
/// shows (https://developers.facebook.com/docs/whatsapp/business-management-api/manage-phone-numbers).
pub(crate) const DEFAULT_NUMBER_FIELDS: &str =
    "id,display_phone_number,verified_name,quality_rating";
pub(crate) const DEFAULT_TEMPLATE_FIELDS: &str = "id,name,language,status,category,components";

/// One edge of one node: how many items it has and how to build a range of them.
pub(crate) struct Edge<'w> {
    /// The node type of the items (their field catalog).
    pub item_kind: NodeKind,
    /// Their fields when the call names none.
    pub defaults: &'static str,
    pub total: usize,
    render: Box<dyn Fn(Range<usize>) -> Vec<Value> + 'w>,
}

/// The edge `name` of node `id`, when the sandbox lists it.
pub(crate) fn edge<'w>(world: &'w World, kind: NodeKind, id: &str, name: &str) -> Option<Edge<'w>> {
    let portfolio = &world.portfolio;
    let item_kind = edge_item_kind(kind, name)?;
    let owned_id = id.to_string();
    match item_kind {
        NodeKind::Waba => {
            let owned = name.starts_with("owned");
            let wabas: Vec<Value> = portfolio
                .wabas
                .iter()
                .filter(|w| {
                    if owned {
                        w.owner() == owned_id
                    } else {
                        w.client_of.contains(&owned_id)
                    }
                })
                .map(|w| serde_json::to_value(&w.node).unwrap_or_default())
                .collect();
            Some(Edge {
                item_kind,
                defaults: DEFAULT_WABA_FIELDS,
                total: wabas.len(),
                render: Box::new(move |r| wabas[r].to_vec()),
            })
        }
        NodeKind::Number => {
            let numbers = portfolio.numbers_of(id);
            Some(Edge {
                item_kind,
                defaults: DEFAULT_NUMBER_FIELDS,
                total: numbers.len(),
                render: Box::new(move |r| {
                    numbers[r]
                        .iter()
                        .map(|n| serde_json::to_value(&n.node).unwrap_or_default())
                        .collect()
                }),
            })
        }
        NodeKind::Template => {
            let templates: Vec<_> = portfolio
                .templates
                .iter()
                .filter(|t| t.waba_id == id)
                .collect();
            Some(Edge {
                item_kind,
                defaults: DEFAULT_TEMPLATE_FIELDS,
                total: templates.len(),
                render: Box::new(move |r| templates[r].iter().map(|t| t.to_graph()).collect()),
            })
        }
        NodeKind::Business => None,
    }
}

/// Which page of an edge a call asks for, and with which fields (already checked).
pub(crate) struct PageRequest {
    fields: String,
    /// The fields as the call wrote them (for `next`), when it wrote any.
    asked_fields: Option<String>,
    limit: usize,
    start: usize,
}

impl PageRequest {
    /// From the query of `GET /{id}/{edge}`: `fields`, `limit`, `after`.
    pub fn from_query(call: &Call, rules: &FieldRules, edge: &Edge) -> Result<Self, GraphError> {
        let asked_fields = call.param("fields");
        PageRequest::new(
            rules,
            edge,
            asked_fields,
            call.param("limit").as_deref(),
            call.param("after").as_deref(),
        )
    }

    /// From a field-expansion entry: `edge.limit(5).after(CURSOR)` and its braces.
    pub fn from_expansion(
        entry: &str,
        nested: Option<&str>,
        rules: &FieldRules,
        edge: &Edge,
    ) -> Result<Self, GraphError> {
        let (mut limit, mut after) = (None, None);
        for modifier in entry.split('.').skip(1) {
            let modifier = modifier.trim();
            let argument = |name: &str| {
                modifier
                    .strip_prefix(name)
                    .and_then(|m| m.strip_prefix('('))
                    .and_then(|m| m.strip_suffix(')'))
            };
            if let Some(n) = argument("limit") {
                limit = Some(n);
            } else if let Some(cursor) = argument("after") {
                after = Some(cursor);
            } else {
                // The docs show `.limit()`, `.after()` and (elsewhere) `.as()`; the
                // sandbox refuses the others rather than ignore them. Docs silent on the
                // error Graph gives.
                return Err(GraphError::invalid_param(format!(
                    "Unsupported field expansion modifier ({modifier}) on field ({})",
                    field_name(entry)
                )));
            }
        }
        PageRequest::new(rules, edge, nested.map(str::to_string), limit, after)
    }

    fn new(
        rules: &FieldRules,
        edge: &Edge,
        asked_fields: Option<String>,
        limit: Option<&str>,
        after: Option<&str>,
    ) -> Result<Self, GraphError> {
        let fields = match &asked_fields {
            Some(fields) => {
                rules.check(edge.item_kind, fields)?;
                fields.clone()
            }
            None => rules.defaults(edge.item_kind, edge.defaults),
        };
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(0) => DEFAULT_PAGE_SIZE,
                Ok(n) => n.min(MAX_PAGE_SIZE),
                Err(_) => {
                    return Err(GraphError::invalid_param(
                        "Param limit must be a positive integer.",
                    ));
                }
            },
        };
        let start = match after {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .map(|last| last + 1)
                .ok_or_else(|| GraphError::invalid_param("The after cursor is not valid."))?,
        };
        Ok(PageRequest {
            fields,
            asked_fields,
            limit,
            start,
        })
    }
}

/// One cursor page of `edge`; `next_query` gives the query of the next page's URL from
/// the `limit` and `after` it must carry. `next` is present only when more items exist.
pub(crate) fn page(
    edge: &Edge,
    request: &PageRequest,
    next_url: impl FnOnce(Vec<(String, String)>) -> String,
) -> Value {
    let start = request.start.min(edge.total);
    let end = (start + request.limit).min(edge.total);
    let selection = split_fields(&request.fields);
    let data: Vec<Value> = (edge.render)(start..end)
        .into_iter()
        .map(|item| select_split(item, &selection))
        .collect();
    // Moved in, not through `json!`, which would copy every item and drop the original.
    let mut page = Value::Object(Map::from_iter([("data".to_string(), Value::Array(data))]));
    if start < end {
        page["paging"] = json!({ "cursors": {
            "before": encode_cursor(start),
            "after": encode_cursor(end - 1),
        }});
        if end < edge.total {
            let next = vec![
                ("limit".to_string(), request.limit.to_string()),
                ("after".to_string(), encode_cursor(end - 1)),
            ];
            page["paging"]["next"] = json!(next_url(next));
        }
    }
    page
}

/// The edges named in `fields` of a node read, each expanded into its first page (or the
/// page its `.after()` names), keyed by the edge's name.
pub(crate) fn expand(
    world: &World,
    rules: &FieldRules,
    (kind, id): (NodeKind, &str),
    call: &Call,
    base_url: &str,
    fields: &str,
) -> Result<Vec<(String, Value)>, GraphError> {
    let mut expanded = Vec::new();
    for (entry, nested) in split_fields(fields) {
        let name = field_name(entry);
        let Some(edge) = edge(world, kind, id, name) else {
            continue;
        };
        let request = PageRequest::from_expansion(entry, nested, rules, &edge)?;
        let page = page(&edge, &request, |mut query| {
            if let Some(fields) = &request.asked_fields {
                query.insert(0, ("fields".to_string(), fields.clone()));
            }
            edge_url(call, base_url, &[id, name], query)
        });
        expanded.push((name.to_string(), page));
    }
    Ok(expanded)
}

/// The absolute URL of `segments` in the call's Graph version with `query`, plus the
/// call's `access_token` when it sent one in its query (Graph's `next` URLs carry it).
pub(crate) fn edge_url(
    call: &Call,
    base_url: &str,
    segments: &[&str],
    mut query: Vec<(String, String)>,
) -> String {
    if let Some(token) = call.query.get("access_token") {
        query.push(("access_token".to_string(), token.clone()));
    }
    let version = call.version.as_deref().unwrap_or("v25.0");
    format!(
        "{base_url}/{version}/{}?{}",
        segments.join("/"),
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

/// Cursors are opaque to clients: hex of `cursor:<index>`, so nobody pages by arithmetic.
fn encode_cursor(index: usize) -> String {
    format!("cursor:{index}")
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("cursor:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(137)), Some(137));
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("41"), None);
    }
}
