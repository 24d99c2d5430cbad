//! The 360dialog Partner API surface: login, clients, channels and selective partner
//! change requests, with the Hub's `limit`/`offset`/`sort`/`filters` list envelope.
//!
//! Reference: https://docs.360dialog.com/partner/partner-api (auth by `X-API-Key` or the
//! legacy `POST /token` bearer) and "Partner Change Request Management"; api-notes.md §2.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::partner::PartnerChangeStatus;
use crate::sim::SimConfig;
use crate::sim::state::World;
use crate::sim::wire::{Call, HubError, stable_hash};

/// How long an approved change request stays `pending` (real time).
const APPROVAL_DELAY: Duration = Duration::from_secs(2);
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

/// Bearer tokens issued by `POST /token` and approvals under way.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct HubSession {
    /// Token → when it was issued, in real time and on the sandbox clock. Not kept with
    /// the world's state: after a restart clients log in again (refresh on 401).
    #[serde(skip)]
    tokens: HashMap<String, (Instant, u64)>,
    /// Approvals under way.
    approvals: Vec<PendingApproval>,
}

/// An approved change request and when it settles.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingApproval {
    request_id: String,
    #[serde(with = "crate::sim::persist::remaining")]
    due: Instant,
}

/// Answers one Partner API call.
pub(crate) fn handle(
    config: &SimConfig,
    world: &mut World,
    call: &Call,
    now: Instant,
) -> Result<Value, HubError> {
    settle_approvals(world, now);
    let segs = call.segs();
    if let (&Method::POST, ["token"]) = (&call.method, segs.as_slice()) {
        return login(config, world, call, now);
    }
    authenticate(config, world, call, now)?;
    let ["partners", pid, rest @ ..] = segs.as_slice() else {
        return Err(not_found(call));
    };
    if *pid != world.portfolio.hub.partner_id {
        // 360dialog's error reference lists this Partner API error as 403 "Permission
        // denied for partner x" (https://docs.360dialog.com/partner/support-and-updates/help-and-troubleshooting/error-messages).
        return Err(HubError::new(
            StatusCode::FORBIDDEN,
            format!("Permission denied for partner {pid}"),
        ));
    }
    let hub = &world.portfolio.hub;
    match (&call.method, rest) {
        (&Method::GET, ["clients"]) => {
            list(call, "clients", hub.clients.iter().map(to_json).collect())
        }
        (&Method::GET, ["channels"]) => list(
            call,
            "partner_channels",
            hub.channels.iter().map(to_json).collect(),
        ),
        (&Method::GET, ["selective_partner_change_requests"]) => list(
            call,
            "selective_partner_change_requests",
            hub.change_requests.iter().map(to_json).collect(),
        ),
        (&Method::POST, ["selective_partner_change_requests", id, "approve"]) => {
            approve(world, id, now)
        }
        (
            &Method::POST,
            [
                "clients",
                client,
                "channels",
                channel,
                "control",
                "cancellation_request",
            ],
        ) => cancellation_request(world, client, channel, call),
        _ => Err(not_found(call)),
    }
}

fn not_found(call: &Call) -> HubError {
    HubError::new(
        StatusCode::NOT_FOUND,
        format!("No route for {} {}.", call.method, call.path),
    )
}

fn to_json<T: serde::Serialize>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or_default()
}

/// `POST /token` with `{"username","password"}` (JSON or form).
fn login(
    config: &SimConfig,
    world: &mut World,
    call: &Call,
    now: Instant,
) -> Result<Value, HubError> {
    let (user, password) = &config.hub_login;
    if call.param("username").as_ref() != Some(user)
        || call.param("password").as_ref() != Some(password)
    {
        return Err(HubError::new(
            StatusCode::UNAUTHORIZED,
            "Wrong username or password.",
        ));
    }
    let serial = world.next_serial();
    let token = format!(
        "hubtok-{:016x}",
        stable_hash(world.seed, &["hub-token", &serial.to_string()])
    );
    world
        .hub
        .tokens
        .insert(token.clone(), (now, world.clock_secs));
    let expires_in = config.hub_token_ttl.as_secs().max(1);
    Ok(json!({ "access_token": token, "token_type": "bearer", "expires_in": expires_in }))
}

/// `X-API-Key`, or a bearer token from `/token` younger than `hub_token_ttl`. A token
/// ages in real time and with every advance of the sandbox clock, so a test can expire
/// it either with a short TTL or with `POST /_sandbox/clock`.
fn authenticate(
    config: &SimConfig,
    world: &World,
    call: &Call,
    now: Instant,
) -> Result<(), HubError> {
    let header_text = |name: &str| call.headers.get(name).and_then(|v| v.to_str().ok());
    if header_text("x-api-key") == Some(config.hub_api_key.as_str()) {
        return Ok(());
    }
    let bearer =
        header_text(header::AUTHORIZATION.as_str()).and_then(|v| v.strip_prefix("Bearer "));
    match bearer.and_then(|t| world.hub.tokens.get(t)) {
        Some((issued, clock_at_issue))
            if now.duration_since(*issued)
                + Duration::from_secs(world.clock_secs - clock_at_issue)
                < config.hub_token_ttl =>
        {
            Ok(())
        }
        Some(_) => Err(HubError::new(
            StatusCode::UNAUTHORIZED,
            "The access token has expired.",
        )),
        None => Err(HubError::new(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid X-API-Key or access token.",
        )),
    }
}

/// The Hub's list envelope over `items`, after `filters` and `sort`.
fn list(call: &Call, key: &str, mut items: Vec<Value>) -> Result<Value, HubError> {
    let bad = |what: &str| HubError::new(StatusCode::BAD_REQUEST, what.to_string());
    let number = |name: &str, default: usize| match call.param(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .map_err(|_| bad(&format!("{name} must be a non-negative integer."))),
    };
    let limit = number("limit", DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT);
    let offset = number("offset", 0)?;
    let filters = match call.param("filters") {
        None => json!({}),
        Some(raw) => serde_json::from_str::<Value>(&raw)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| bad("filters must be a URL-encoded JSON object."))?,
    };
    if let Some(wanted) = filters.as_object() {
        items.retain(|item| {
            wanted
                .iter()
                .all(|(path, value)| matches(lookup(item, path), value))
        });
    }
    let sort = call.param("sort");
    if let Some(sort) = sort.as_deref().filter(|s| !s.is_empty()) {
        let (field, descending) = sort.strip_prefix('-').map_or((sort, false), |f| (f, true));
        items.sort_by(|a, b| {
            let order = compare(lookup(a, field), lookup(b, field));
            if descending { order.reverse() } else { order }
        });
    }
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    // `sort` comes back as a list, as in 360dialog's Partner API reference
    // (`"sort": ["-created_at"]`, Partner Change Request Management).
    let sort: Vec<String> = sort.into_iter().filter(|s| !s.is_empty()).collect();
    let mut body = json!({
        "count": page.len(), "total": total, "limit": limit, "offset": offset,
        "sort": sort, "filters": filters,
    });
    body[key] = Value::Array(page);
    Ok(body)
}

/// Follows a dotted path (`setup_info.phone_number`).
fn lookup<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(item, |v, key| v.get(key))
}

/// Equality as the Hub's filters use it; text compares with numbers and booleans by
/// their written form.
fn matches(actual: Option<&Value>, wanted: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match actual {
        Some(a) => a == wanted || text(a) == text(wanted),
        None => wanted.is_null(),
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Null) | None, Some(Value::Null) | None) => Ordering::Equal,
        (Some(Value::Null) | None, _) => Ordering::Greater,
        (_, Some(Value::Null) | None) => Ordering::Less,
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

/// `POST /partners/{pid}/clients/{cid}/channels/{chid}/control/cancellation_request`
/// with `{"enabled": bool}`: sets or clears a channel's cancellation request and answers
/// the channel. 360dialog's public pages do not document this call (their "Managing your
/// clients" page says only the client may request a cancellation); its path, body and
/// answer are those of the public WABA360Dialog.NET SDK
/// (PartnerClient/Payloads/SetCancellationRequestOnChannel.cs). It is a write.
fn cancellation_request(
    world: &mut World,
    client: &str,
    channel_id: &str,
    call: &Call,
) -> Result<Value, HubError> {
    let Some(enabled) = call.params.get("enabled").and_then(|v| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse::<bool>().ok(),
        _ => None,
    }) else {
        return Err(HubError::new(
            StatusCode::BAD_REQUEST,
            "enabled is required and must be true or false.",
        ));
    };
    let hub = &mut world.portfolio.hub;
    let channel = hub
        .channels
        .iter()
        .find(|c| c.id == channel_id && c.client_id.as_deref() == Some(client))
        .ok_or_else(|| {
            HubError::new(
                StatusCode::NOT_FOUND,
                format!("Channel '{channel_id}' of client '{client}' does not exist."),
            )
        })?;
    if channel.terminated_at.is_some()
        || channel
            .status
            .as_ref()
            .is_some_and(|s| s.as_str() == "terminated")
    {
        return Err(HubError::new(
            StatusCode::BAD_REQUEST,
            format!("Channel '{channel_id}' is already terminated."),
        ));
    }
    let answer = to_json(channel);
    hub.cancellation_requests.retain(|id| id != channel_id);
    if enabled {
        hub.cancellation_requests.push(channel_id.to_string());
    }
    Ok(answer)
}

/// Approves a `created` request: it answers `pending`, then settles ~2 s later.
fn approve(world: &mut World, id: &str, now: Instant) -> Result<Value, HubError> {
    let partner_id = world.portfolio.hub.partner_id.clone();
    let request = world
        .portfolio
        .hub
        .change_requests
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            HubError::new(
                StatusCode::NOT_FOUND,
                format!("Partner change request '{id}' does not exist."),
            )
        })?;
    if request.target_partner_id.as_deref() != Some(partner_id.as_str()) {
        // The target partner approves (360dialog "Partner change"); docs silent on the
        // answer to anyone else.
        return Err(HubError::new(
            StatusCode::BAD_REQUEST,
            format!("Only the target partner can approve partner change request '{id}'."),
        ));
    }
    if request.status != Some(PartnerChangeStatus::Created) {
        let status = request.status.as_ref().map_or("unknown", |s| s.as_str());
        return Err(HubError::new(
            StatusCode::BAD_REQUEST,
            format!("Only created requests can be approved; this one is {status}."),
        ));
    }
    request.status = Some(PartnerChangeStatus::Pending);
    let answer = to_json(request);
    world.hub.approvals.push(PendingApproval {
        request_id: id.to_string(),
        due: now + APPROVAL_DELAY,
    });
    Ok(answer)
}

/// Approvals whose delay has passed become `completed`, or `failed` for the seeded
/// failing ones.
fn settle_approvals(world: &mut World, now: Instant) {
    let hub = &mut world.portfolio.hub;
    world.hub.approvals.retain(
        |PendingApproval {
             request_id: id,
             due,
         }| {
            if *due > now {
                return true;
            }
            let fails = hub.failing_change_requests.contains(id);
            if let Some(request) = hub.change_requests.iter_mut().find(|r| &r.id == id) {
                request.status = Some(if fails {
                    PartnerChangeStatus::Failed
                } else {
                    PartnerChangeStatus::Completed
                });
            }
            false
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::portfolio::Portfolio;

    fn world() -> World {
        World::new(
            Portfolio::build(crate::sim::DEFAULT_SEED, None, None),
            crate::sim::DEFAULT_SEED,
        )
    }

    fn get(path: &str, query: &str, key: &str) -> Call {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-api-key", key.parse().unwrap());
        Call::parse(Method::GET, path, Some(query), headers, b"")
    }

    #[test]
    fn lists_page_filter_and_sort() {
        let config = SimConfig::default();
        let mut w = world();
        let base = format!("/api/v2/partners/{}/channels", w.portfolio.hub.partner_id);
        let page = handle(
            &config,
            &mut w,
            &get(&base, "limit=10&offset=20", &config.hub_api_key),
            Instant::now(),
        )
        .unwrap();
        assert_eq!(
            (page["count"].as_u64(), page["total"].as_u64()),
            (Some(5), Some(25))
        );
        let filter = "filters=%7B%22setup_info.phone_number%22%3A%22%2B16315550101%22%7D";
        let one = handle(
            &config,
            &mut w,
            &get(&base, filter, &config.hub_api_key),
            Instant::now(),
        )
        .unwrap();
        assert_eq!(one["total"], 1);
        assert_eq!(
            one["partner_channels"][0]["waba_account"]["external_id"],
            "104996122399160"
        );
        let sorted = handle(
            &config,
            &mut w,
            &get(
                &base,
                "sort=-setup_info.phone_number&limit=100",
                &config.hub_api_key,
            ),
            Instant::now(),
        )
        .unwrap();
        let phones: Vec<&str> = sorted["partner_channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["setup_info"]["phone_number"].as_str().unwrap())
            .collect();
        assert!(phones.windows(2).all(|p| p[0] >= p[1]));
        let wrong_key =
            handle(&config, &mut w, &get(&base, "", "nope"), Instant::now()).unwrap_err();
        assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED);
        let wrong_partner = handle(
            &config,
            &mut w,
            &get("/api/v2/partners/otherPA/clients", "", &config.hub_api_key),
            Instant::now(),
        )
        .unwrap_err();
        assert_eq!(wrong_partner.status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn login_tokens_age_in_real_time_and_with_the_sandbox_clock() {
        let config = SimConfig {
            hub_token_ttl: Duration::from_secs(60),
            ..SimConfig::default()
        };
        let mut w = world();
        let now = Instant::now();
        let body =
            serde_json::json!({"username": "sandbox@example.com", "password": "sandbox-password"});
        let login_call = Call::parse(
            Method::POST,
            "/api/v2/token",
            None,
            Default::default(),
            body.to_string().as_bytes(),
        );
        let token = login(&config, &mut w, &login_call, now).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        let call = Call::parse(
            Method::GET,
            "/api/v2/partners/x/clients",
            None,
            headers,
            b"",
        );
        assert!(authenticate(&config, &w, &call, now + Duration::from_secs(59)).is_ok());
        assert!(authenticate(&config, &w, &call, now + Duration::from_secs(60)).is_err());
        w.clock_secs += 30;
        assert!(authenticate(&config, &w, &call, now + Duration::from_secs(30)).is_err());
        let wrong = Call::parse(
            Method::POST,
            "/api/v2/token",
            None,
            Default::default(),
            br#"{"username":"x","password":"y"}"#,
        );
        assert_eq!(
            login(&config, &mut w, &wrong, now).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn approvals_go_pending_then_settle() {
        let mut w = world();
        let now = Instant::now();
        assert_eq!(
            approve(&mut w, "pcr01Kst", now).unwrap()["status"],
            "pending"
        );
        assert_eq!(
            approve(&mut w, "pcr03Cas", now).unwrap()["status"],
            "pending"
        );
        assert_eq!(
            approve(&mut w, "pcr02Nrd", now).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        settle_approvals(&mut w, now + APPROVAL_DELAY);
        let status = |w: &World, id: &str| {
            w.portfolio
                .hub
                .change_requests
                .iter()
                .find(|r| r.id == id)
                .unwrap()
                .status
                .clone()
        };
        assert_eq!(status(&w, "pcr01Kst"), Some(PartnerChangeStatus::Completed));
        assert_eq!(status(&w, "pcr03Cas"), Some(PartnerChangeStatus::Failed));
    }
}
