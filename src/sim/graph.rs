//! The Graph API surface: node reads with `fields`, cursor-paged edges, `debug_token`,
//! and dispatch of the migration writes. One id route serves businesses, WABAs, numbers
//! and templates, as on graph.facebook.com.

use std::ops::Range;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::sim::SimConfig;
use crate::sim::access::Grants;
use crate::sim::fields::{self, FieldRules, select_fields};
use crate::sim::portfolio::NodeKind;
use crate::sim::state::World;
use crate::sim::wire::{Call, GraphError, stable_hash, strip_nulls};
use crate::sim::{migration, template_create, templates, uploads};

/// Page size when the call sends no `limit`, and the most a call may ask for.
const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: usize = 100;
/// Fields a node read returns when the call names none.
const DEFAULT_WABA_FIELDS: &str = "id,name";
/// Numbers without `fields` answer these four, as Meta's "Retrieve Phone Numbers" example
/// shows (https://developers.facebook.com/docs/whatsapp/business-management-api/manage-phone-numbers).
const DEFAULT_NUMBER_FIELDS: &str = "id,display_phone_number,verified_name,quality_rating";
const DEFAULT_TEMPLATE_FIELDS: &str = "id,name,language,status,category,components";
const DEFAULT_BUSINESS_FIELDS: &str = "id,name";

/// Answers one Graph call (auth, rate limits and faults were handled before).
pub(crate) fn handle(
    config: &SimConfig,
    base_url: &str,
    world: &mut World,
    grants: &Grants,
    call: &Call,
    now: Instant,
) -> Result<Value, GraphError> {
    templates::apply_due_rechecks(world, now);
    template_create::apply_due_reviews(world);
    if call.method == Method::POST && uploads::is_upload(call) {
        return uploads::handle(world, call);
    }
    let segs = call.segs();
    let (id, edge) = match segs.as_slice() {
        ["debug_token"] if call.method == Method::GET => {
            return Ok(debug_token(config, world, call));
        }
        [id] => (*id, None),
        [id, edge] => (*id, Some(*edge)),
        _ => return Err(no_such_path(call)),
    };
    let kind = world
        .portfolio
        .kind_of(id)
        .ok_or_else(|| GraphError::unknown_object(id, &call.method))?;
    let rules = FieldRules::new(&config.drop_fields);
    if !grants.object(&world.portfolio, id, kind) {
        // A read cannot tell "not shared" from "does not exist"; a write on an object
        // that exists but was not shared is a permission error (see `sim::access`).
        return Err(if call.method == Method::GET {
            GraphError::unknown_object(id, &call.method)
        } else {
            GraphError::permission(id)
        });
    }
    match (&call.method, kind, edge) {
        (&Method::GET, kind, None) => node(world, &rules, kind, id, call),
        (
            &Method::GET,
            NodeKind::Business,
            Some(edge @ ("owned_whatsapp_business_accounts" | "client_whatsapp_business_accounts")),
        ) => {
            let owned = edge.starts_with("owned");
            let wabas: Vec<Value> = world
                .portfolio
                .wabas
                .iter()
                .filter(|w| {
                    if owned {
                        w.owner() == id
                    } else {
                        w.client_of.iter().any(|b| b == id)
                    }
                })
                .map(|w| serde_json::to_value(&w.node).unwrap_or_default())
                .collect();
            paged(
                call,
                base_url,
                wabas.len(),
                (&rules, NodeKind::Waba, DEFAULT_WABA_FIELDS),
                |r| wabas[r].to_vec(),
            )
        }
        (&Method::GET, NodeKind::Waba, Some("phone_numbers")) => {
            let numbers: Vec<&_> = world
                .portfolio
                .numbers
                .iter()
                .filter(|n| n.waba_id == id)
                .collect();
            let mut page = paged(
                call,
                base_url,
                numbers.len(),
                (&rules, NodeKind::Number, DEFAULT_NUMBER_FIELDS),
                |r| {
                    numbers[r]
                        .iter()
                        .map(|n| serde_json::to_value(&n.node).unwrap_or_default())
                        .collect()
                },
            )?;
            if call
                .list("summary")
                .is_some_and(|s| s.iter().any(|k| k == "total_count"))
            {
                page["summary"] = json!({ "total_count": numbers.len() });
            }
            Ok(page)
        }
        (&Method::GET, NodeKind::Waba, Some("message_templates")) => {
            let list: Vec<&_> = world
                .portfolio
                .templates
                .iter()
                .filter(|t| t.waba_id == id)
                .collect();
            let mut page = paged(
                call,
                base_url,
                list.len(),
                (&rules, NodeKind::Template, DEFAULT_TEMPLATE_FIELDS),
                |r| list[r].iter().map(|t| t.to_graph()).collect(),
            )?;
            let asked = call.list("summary").unwrap_or_default();
            let mut summary = Map::new();
            if asked.iter().any(|k| k == "message_template_count") {
                summary.insert("message_template_count".into(), json!(list.len()));
            }
            if asked.iter().any(|k| k == "message_template_limit") {
                let limit = world.portfolio.waba(id).map_or(0, |w| w.template_limit);
                summary.insert("message_template_limit".into(), json!(limit));
            }
            if !summary.is_empty() {
                page["summary"] = Value::Object(summary);
            }
            Ok(page)
        }
        (&Method::GET, NodeKind::Waba, Some("subscribed_apps")) => {
            let apps = &world
                .portfolio
                .waba(id)
                .map(|w| w.subscribed_apps.clone())
                .unwrap_or_default();
            let data: Vec<Value> = apps.iter().map(|a| json!({ "whatsapp_business_api_data": strip_nulls(serde_json::to_value(a).unwrap_or_default()) })).collect();
            Ok(json!({ "data": data }))
        }
        (&Method::POST, NodeKind::Waba, Some("phone_numbers")) => {
            migration::add_number(world, id, call)
        }
        (&Method::POST, NodeKind::Waba, Some("migrate_message_templates")) => {
            let source = call.param("source_waba_id").unwrap_or_default();
            if world.portfolio.waba(&source).is_some() && !grants.waba(&world.portfolio, &source) {
                // The docs are silent on a source the token cannot reach; the sandbox
                // answers as for a source that does not exist.
                return Err(templates::inaccessible_source(&source));
            }
            templates::migrate(world, id, call, (now, config.empty_failed_templates))
        }
        (&Method::POST, NodeKind::Waba, Some("message_templates")) => {
            template_create::create(world, id, call, (config.rate_window, now))
        }
        (&Method::POST, NodeKind::Number, Some("request_code")) => {
            migration::request_code(world, id, call)
        }
        (&Method::POST, NodeKind::Number, Some("verify_code")) => {
            migration::verify_code(world, id, call)
        }
        (&Method::POST, NodeKind::Number, Some("register")) => {
            migration::register(world, id, call, now)
        }
        (_, kind, Some(edge)) if call.method == Method::GET => Err(fields::nonexisting(edge, kind)),
        _ => Err(GraphError::unknown_object(id, &call.method)),
    }
}

/// A path the Graph API does not have: 404 with a Graph error body.
pub(crate) fn no_such_path(call: &Call) -> GraphError {
    GraphError::new(
        803,
        format!("(#803) Unknown path components: {}", call.path),
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// `GET /{id}?fields=...` for any kind of node.
fn node(
    world: &World,
    rules: &FieldRules,
    kind: NodeKind,
    id: &str,
    call: &Call,
) -> Result<Value, GraphError> {
    let p = &world.portfolio;
    let (full, default_fields) = match kind {
        NodeKind::Business => (
            p.business(id)
                .map(|b| json!({ "id": b.id, "name": b.name })),
            DEFAULT_BUSINESS_FIELDS,
        ),
        NodeKind::Waba => (
            p.waba(id).and_then(|w| serde_json::to_value(&w.node).ok()),
            DEFAULT_WABA_FIELDS,
        ),
        NodeKind::Number => (
            p.number(id)
                .and_then(|n| serde_json::to_value(&n.node).ok()),
            DEFAULT_NUMBER_FIELDS,
        ),
        NodeKind::Template => (
            p.template(id).map(|t| t.to_graph()),
            DEFAULT_TEMPLATE_FIELDS,
        ),
    };
    let fields = requested_fields(rules, kind, call, default_fields)?;
    Ok(select_fields(full.unwrap_or_default(), &fields))
}

/// The call's `fields` once every one of them exists on the node type, or the defaults
/// this Graph version still has.
fn requested_fields(
    rules: &FieldRules,
    kind: NodeKind,
    call: &Call,
    default_fields: &str,
) -> Result<String, GraphError> {
    match call.param("fields") {
        Some(fields) => {
            rules.check(kind, &fields)?;
            Ok(fields)
        }
        None => Ok(rules.defaults(kind, default_fields)),
    }
}

/// `GET /debug_token?input_token=...`: what the token may manage, as Meta documents under
/// "Get shared WABA ID with access token"
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/solution-providers/manage-accounts):
/// `granular_scopes[].target_ids` lists only the granted WABAs (and businesses).
fn debug_token(config: &SimConfig, world: &World, call: &Call) -> Value {
    let input = call.param("input_token").unwrap_or_default();
    let grants = Grants::resolve(&input, &config.graph_token, &world.portfolio);
    let mut data = json!({
        "app_id": "1290112233445566",
        "type": "SYSTEM_USER",
        "application": "wamigrate sandbox",
        "is_valid": grants.is_some(),
        "data_access_expires_at": 0,
        "expires_at": 0,
        "scopes": ["whatsapp_business_management", "business_management"],
    });
    if let Some(grants) = grants {
        data["user_id"] =
            json!((stable_hash(0, &["system-user", &input]) % 10u64.pow(15)).to_string());
        let (wabas, businesses) = grants.target_ids(&world.portfolio);
        data["granular_scopes"] = json!([
            { "scope": "whatsapp_business_management", "target_ids": wabas },
            { "scope": "business_management", "target_ids": businesses },
        ]);
    } else {
        data["error"] = json!({ "code": 190, "message": "Invalid OAuth access token." });
    }
    json!({ "data": data })
}

/// A cursor page over `total` items; `render` builds the raw items of a range, which
/// then get `fields` applied. `next` is absolute and present only when more pages exist
/// (Graph API "Paginated results", cursor-based pagination).
fn paged(
    call: &Call,
    base_url: &str,
    total: usize,
    (rules, kind, default_fields): (&FieldRules, NodeKind, &str),
    render: impl FnOnce(Range<usize>) -> Vec<Value>,
) -> Result<Value, GraphError> {
    let fields = requested_fields(rules, kind, call, default_fields)?;
    let limit = match call.param("limit") {
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
    let start = match call.param("after") {
        None => 0,
        Some(cursor) => decode_cursor(&cursor)
            .map(|last| last + 1)
            .ok_or_else(|| GraphError::invalid_param("The after cursor is not valid."))?,
    }
    .min(total);
    let end = (start + limit).min(total);
    let data: Vec<Value> = render(start..end)
        .into_iter()
        .map(|item| select_fields(item, &fields))
        .collect();
    let mut page = json!({ "data": data });
    if start < end {
        page["paging"] = json!({ "cursors": { "before": encode_cursor(start), "after": encode_cursor(end - 1) } });
        if end < total {
            let mut query: Vec<(String, String)> = call
                .query
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "after" | "before" | "limit"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            query.push(("limit".into(), limit.to_string()));
            query.push(("after".into(), encode_cursor(end - 1)));
            let version = call.version.as_deref().unwrap_or("v25.0");
            let next = format!(
                "{base_url}/{version}/{}?{}",
                call.segments.join("/"),
                serde_urlencoded::to_string(&query).unwrap_or_default()
            );
            page["paging"]["next"] = json!(next);
        }
    }
    Ok(page)
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
