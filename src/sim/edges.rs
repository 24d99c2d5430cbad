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

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::domain::number::PhoneNumber;
use crate::domain::waba::Waba;
use crate::sim::fields::{FieldRules, edge_item_kind, field_name, split_fields};
use crate::sim::portfolio::NodeKind;
use crate::sim::select::{Selected, Selection};
use crate::sim::state::World;
use crate::sim::templates::SimTemplate;
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

/// One edge of one node: how many items it has, and the items as the world holds them.
pub(crate) struct Edge<'w> {
    /// The node type of the items (their field catalog).
    pub item_kind: NodeKind,
    /// Their fields when the call names none.
    pub defaults: &'static str,
    pub total: usize,
    items: EdgeItems<'w>,
}

/// The items of an edge, borrowed from the world: written out as they are
/// (`sim::select`), never copied into `Value`s first (templates excepted: the sandbox
/// keeps them in its own shape, `SimTemplate::to_graph`).
enum EdgeItems<'w> {
    Wabas(Vec<&'w Waba>),
    Numbers(Vec<&'w PhoneNumber>),
    Templates(Vec<&'w SimTemplate>),
}

/// The edge `name` of node `id`, when the sandbox lists it.
pub(crate) fn edge<'w>(world: &'w World, kind: NodeKind, id: &str, name: &str) -> Option<Edge<'w>> {
    let portfolio = &world.portfolio;
    let item_kind = edge_item_kind(kind, name)?;
    let (defaults, items) = match item_kind {
        NodeKind::Waba => {
            let owned = name.starts_with("owned");
            let wabas = portfolio
                .wabas
                .iter()
                .filter(|w| {
                    if owned {
                        w.owner() == id
                    } else {
                        w.client_of.iter().any(|c| c == id)
                    }
                })
                .map(|w| &w.node)
                .collect();
            (DEFAULT_WABA_FIELDS, EdgeItems::Wabas(wabas))
        }
        NodeKind::Number => {
            let numbers = portfolio.numbers_of(id).into_iter().map(|n| &n.node);
            (DEFAULT_NUMBER_FIELDS, EdgeItems::Numbers(numbers.collect()))
        }
        NodeKind::Template => {
            let templates = portfolio.templates.iter().filter(|t| t.waba_id == id);
            (
                DEFAULT_TEMPLATE_FIELDS,
                EdgeItems::Templates(templates.collect()),
            )
        }
        NodeKind::Business => return None,
    };
    let total = match &items {
        EdgeItems::Wabas(items) => items.len(),
        EdgeItems::Numbers(items) => items.len(),
        EdgeItems::Templates(items) => items.len(),
    };
    Some(Edge {
        item_kind,
        defaults,
        total,
        items,
    })
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

/// One cursor page of an edge, `{"data":[…],"paging":{…},"summary"?:{…}}`, written
/// straight from the world's items with the page's fields.
pub(crate) struct Page<'w> {
    items: EdgeItems<'w>,
    range: Range<usize>,
    fields: String,
    paging: Option<Value>,
    /// The `summary` of an edge read on its own path, when it has one.
    pub summary: Option<Value>,
}

/// One cursor page of `edge`; `next_query` gives the query of the next page's URL from
/// the `limit` and `after` it must carry. `next` is present only when more items exist.
pub(crate) fn page<'w>(
    edge: Edge<'w>,
    request: &PageRequest,
    next_url: impl FnOnce(Vec<(String, String)>) -> String,
) -> Page<'w> {
    let start = request.start.min(edge.total);
    let end = (start + request.limit).min(edge.total);
    let paging = (start < end).then(|| {
        let mut paging = json!({ "cursors": {
            "before": encode_cursor(start),
            "after": encode_cursor(end - 1),
        }});
        if end < edge.total {
            let next = vec![
                ("limit".to_string(), request.limit.to_string()),
                ("after".to_string(), encode_cursor(end - 1)),
            ];
            paging["next"] = json!(next_url(next));
        }
        paging
    });
    Page {
        items: edge.items,
        range: start..end,
        fields: request.fields.clone(),
        paging,
        summary: None,
    }
}

impl Serialize for Page<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let selection = split_fields(&self.fields);
        let range = self.range.clone();
        let mut page = serializer.serialize_map(None)?;
        match &self.items {
            EdgeItems::Wabas(items) => {
                page.serialize_entry("data", &Data(&items[range], &selection))?;
            }
            EdgeItems::Numbers(items) => {
                page.serialize_entry("data", &Data(&items[range], &selection))?;
            }
            EdgeItems::Templates(items) => {
                let items: Vec<Value> = items[range].iter().map(|t| t.to_graph()).collect();
                page.serialize_entry("data", &Data(&items, &selection))?;
            }
        }
        if let Some(paging) = &self.paging {
            page.serialize_entry("paging", paging)?;
        }
        if let Some(summary) = &self.summary {
            page.serialize_entry("summary", summary)?;
        }
        page.end()
    }
}

/// The items of a page, each with the page's fields.
struct Data<'a, T>(&'a [T], &'a Selection<'a>);

impl<T: Serialize> Serialize for Data<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|item| Selected::new(item, self.1)))
    }
}

/// The edges named in `fields` of a node read, each expanded into its first page (or the
/// page its `.after()` names), keyed by the edge's name.
pub(crate) fn expand<'w>(
    world: &'w World,
    rules: &FieldRules,
    (kind, id): (NodeKind, &str),
    call: &Call,
    base_url: &str,
    fields: &str,
) -> Result<Vec<(String, Page<'w>)>, GraphError> {
    let mut expanded = Vec::new();
    for (entry, nested) in split_fields(fields) {
        let name = field_name(entry);
        let Some(edge) = edge(world, kind, id, name) else {
            continue;
        };
        let request = PageRequest::from_expansion(entry, nested, rules, &edge)?;
        let page = page(edge, &request, |mut query| {
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
