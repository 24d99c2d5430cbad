//! The Graph API surface: node reads with `fields`, cursor-paged edges, `debug_token`,
//! and dispatch of the migration writes. One id route serves businesses, WABAs, numbers
//! and templates, as on graph.facebook.com.

use std::time::Instant;

use axum::http::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::sim::SimConfig;
use crate::sim::access::Grants;
use crate::sim::edges::{
    self, DEFAULT_NUMBER_FIELDS, DEFAULT_TEMPLATE_FIELDS, DEFAULT_WABA_FIELDS, PageRequest,
};
use crate::sim::fields::{self, FieldRules, split_fields};
use crate::sim::portfolio::NodeKind;
use crate::sim::select::Selected;
use crate::sim::state::World;
use crate::sim::wire::{Call, GraphError, stable_hash, strip_nulls};
use crate::sim::{migration, template_create, templates, uploads};

/// Fields a business read returns when the call names none.
const DEFAULT_BUSINESS_FIELDS: &str = "id,name";

/// What a Graph call answers: a value, or a read already written out, its items straight
/// from the world (`sim::select`).
pub(crate) enum Answer {
    Value(Value),
    Written(Vec<u8>),
}

/// Answers one Graph call (auth, rate limits and faults were handled before).
pub(crate) fn handle(
    config: &SimConfig,
    base_url: &str,
    world: &mut World,
    grants: &Grants,
    call: &Call,
    now: Instant,
) -> Result<Answer, GraphError> {
    templates::apply_due_rechecks(world, now);
    template_create::apply_due_reviews(world);
    if call.method == Method::POST && uploads::is_upload(call) {
        return uploads::handle(world, call).map(Answer::Value);
    }
    let segs = call.segs();
    let (id, edge) = match segs.as_slice() {
        ["debug_token"] if call.method == Method::GET => {
            return Ok(Answer::Value(debug_token(config, world, call)));
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
    if call.method == Method::GET {
        match edge {
            None => return node(world, &rules, (kind, id), call, base_url).map(Answer::Written),
            Some(name) if fields::edge_item_kind(kind, name).is_some() => {
                return edge_page(world, &rules, (kind, id, name), call, base_url)
                    .map(Answer::Written);
            }
            Some(_) => {}
        }
    }
    match (&call.method, kind, edge) {
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
    .map(Answer::Value)
}

/// A path the Graph API does not have: 404 with a Graph error body.
pub(crate) fn no_such_path(call: &Call) -> GraphError {
    GraphError::new(
        803,
        format!("(#803) Unknown path components: {}", call.path),
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// `GET /{id}?fields=...` for any kind of node; edges named in `fields` are expanded
/// (`sim::edges`).
fn node(
    world: &World,
    rules: &FieldRules,
    (kind, id): (NodeKind, &str),
    call: &Call,
    base_url: &str,
) -> Result<Vec<u8>, GraphError> {
    let p = &world.portfolio;
    let default_fields = match kind {
        NodeKind::Business => DEFAULT_BUSINESS_FIELDS,
        NodeKind::Waba => DEFAULT_WABA_FIELDS,
        NodeKind::Number => DEFAULT_NUMBER_FIELDS,
        NodeKind::Template => DEFAULT_TEMPLATE_FIELDS,
    };
    let fields = match call.param("fields") {
        Some(fields) => {
            rules.check(kind, &fields)?;
            fields
        }
        None => rules.defaults(kind, default_fields),
    };
    let selection = split_fields(&fields);
    let written = match kind {
        NodeKind::Business => p.business(id).map(|b| {
            write(&Selected::new(
                &json!({ "id": b.id, "name": b.name }),
                &selection,
            ))
        }),
        NodeKind::Waba => p
            .waba(id)
            .map(|w| write(&Selected::new(&w.node, &selection))),
        NodeKind::Number => p
            .number(id)
            .map(|n| write(&Selected::new(&n.node, &selection))),
        NodeKind::Template => p
            .template(id)
            .map(|t| write(&Selected::new(&t.to_graph(), &selection))),
    };
    let mut answer = written.ok_or_else(|| GraphError::unknown_object(id, &call.method))??;
    for (name, page) in edges::expand(world, rules, (kind, id), call, base_url, &fields)? {
        add_member(&mut answer, &name, &page)?;
    }
    Ok(answer)
}

/// An answer written out.
fn write(answer: &impl Serialize) -> Result<Vec<u8>, GraphError> {
    serde_json::to_vec(answer).map_err(unwritable)
}

/// Adds `"name":value` to the JSON object written in `object`.
fn add_member(object: &mut Vec<u8>, name: &str, value: &impl Serialize) -> Result<(), GraphError> {
    if object.pop() != Some(b'}') {
        return Err(unwritable("the node was not written as an object"));
    }
    if object.len() > 1 {
        object.push(b',');
    }
    serde_json::to_writer(&mut *object, name).map_err(unwritable)?;
    object.push(b':');
    serde_json::to_writer(&mut *object, value).map_err(unwritable)?;
    object.push(b'}');
    Ok(())
}

/// A read the sandbox could not write out: its own bug, answered as Graph's unknown error.
fn unwritable(e: impl std::fmt::Display) -> GraphError {
    GraphError::new(1, format!("An unknown error occurred: {e}"))
        .with_status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `GET /{id}/{edge}`: one cursor page, with the `summary` Meta documents for the edge
/// (`total_count` of numbers; the templates' count and limit). `next` keeps the call's
/// query (fields, summary, token) with the next page's `limit` and `after`.
fn edge_page(
    world: &World,
    rules: &FieldRules,
    (kind, id, name): (NodeKind, &str, &str),
    call: &Call,
    base_url: &str,
) -> Result<Vec<u8>, GraphError> {
    let Some(edge) = edges::edge(world, kind, id, name) else {
        return Err(fields::nonexisting(name, kind));
    };
    let request = PageRequest::from_query(call, rules, &edge)?;
    let (item_kind, total) = (edge.item_kind, edge.total);
    let mut page = edges::page(edge, &request, |next| {
        let mut query: Vec<(String, String)> = call
            .query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "after" | "before" | "limit" | "access_token"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        query.extend(next);
        edges::edge_url(call, base_url, &[id, name], query)
    });
    let asked = call.list("summary").unwrap_or_default();
    let mut summary = Map::new();
    match item_kind {
        NodeKind::Number if asked.iter().any(|k| k == "total_count") => {
            summary.insert("total_count".into(), json!(total));
        }
        NodeKind::Template => {
            if asked.iter().any(|k| k == "message_template_count") {
                summary.insert("message_template_count".into(), json!(total));
            }
            if asked.iter().any(|k| k == "message_template_limit") {
                let limit = world.portfolio.waba(id).map_or(0, |w| w.template_limit);
                summary.insert("message_template_limit".into(), json!(limit));
            }
        }
        _ => {}
    }
    if !summary.is_empty() {
        page.summary = Some(Value::Object(summary));
    }
    write(&page)
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
