//! `/_sandbox/...`: controls for tests and demos that no real API has (read the OTP
//! "sent" to a number, count requests, move the sandbox clock, queue faults, reset,
//! play the person who switches a number's hosting type in the 360dialog Hub, and tell
//! which world this is: `GET /_sandbox/instance` → `{"instance_id":"…"}`; a reset
//! builds a fresh world with a new id).
//! No auth, no latency, no faults.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::sim::faults::QueuedFault;
use crate::sim::state::World;
use crate::sim::wire::{Call, Reply};
use crate::sim::{Sim, SimState};

/// Answers one control call.
pub(crate) fn handle(sim: &Sim, state: &mut SimState, call: &Call) -> Reply {
    let segs = call.segs();
    match (&call.method, segs.as_slice()) {
        (&Method::GET, ["otp", id]) => match state.world.migrations.otp(id) {
            Some(code) => Reply::ok(json!({ "code": code })),
            None => not_found(&format!(
                "No code was requested for {id}, or its migration is complete."
            )),
        },
        (&Method::GET, ["instance"]) => {
            Reply::ok(json!({ "instance_id": state.world.instance_id }))
        }
        (&Method::GET, ["stats"]) => {
            Reply::ok(serde_json::to_value(&state.traffic.stats).unwrap_or_default())
        }
        (&Method::POST, ["clock"]) => match call
            .param("advance_secs")
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            Some(secs) => {
                state.world.clock_secs += secs;
                Reply::ok(
                    json!({ "clock_secs": state.world.clock_secs, "now": state.world.now_meta() }),
                )
            }
            None => bad_request("Send {\"advance_secs\": N} with N a non-negative integer."),
        },
        (&Method::POST, ["faults"]) => {
            match serde_json::from_value::<QueuedFault>(Value::Object(call.params.clone())) {
                Ok(fault) => Reply::ok(json!({ "queued": state.traffic.queue(fault) })),
                Err(e) => bad_request(&format!(
                    "Send {{\"path_contains\": \"...\", \"method\"?: \"GET\", \"kind\": \"drop|html|http500|graph_transient|rate_limit|apply_then_drop|apply_then_stall\", \"times\"?: 1}}: {e}"
                )),
            }
        }
        (&Method::POST, ["hub", "hosting_change"]) => match call.param("channel_id") {
            Some(channel) => match hosting_change(&mut state.world, &channel) {
                Ok(number) => {
                    Reply::ok(json!({ "phone_number_id": number, "platform_type": "CLOUD_API" }))
                }
                Err(why) => bad_request(&why.to_string()),
            },
            None => bad_request("Send {\"channel_id\": \"...CH\"}."),
        },
        (&Method::POST, ["reset"]) => {
            state.world = World::new(sim.seeded.clone(), sim.config.seed);
            state.traffic.reset();
            Reply::ok(json!({ "reset": true }))
        }
        _ => not_found(&format!(
            "No sandbox control at {} {}.",
            call.method, call.path
        )),
    }
}

fn not_found(message: &str) -> Reply {
    Reply::json(
        StatusCode::NOT_FOUND,
        json!({ "error": { "message": message } }),
    )
}

fn bad_request(message: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        json!({ "error": { "message": message } }),
    )
}

/// What a person does in the 360dialog Hub when switching a channel's hosting type to
/// the Cloud API (360dialog documents no endpoint for it): the channel's Graph number
/// moves to CLOUD_API. As 360dialog's page says, it needs a number connected and
/// registered On-Premise. Answers the Graph number's id, or why not.
fn hosting_change(world: &mut World, channel_id: &str) -> Result<String, HostingChangeRefused> {
    use crate::domain::number::{NumberStatus, PlatformType};
    let channel = || channel_id.to_string();
    let digits = world
        .portfolio
        .hub
        .channels
        .iter()
        .find(|c| c.id == channel_id)
        .ok_or_else(|| HostingChangeRefused::NoChannel(channel()))?
        .phone_digits()
        .ok_or_else(|| HostingChangeRefused::NoPhoneNumber(channel()))?;
    let number = world
        .portfolio
        .numbers
        .iter_mut()
        .find(|n| n.digits() == digits)
        .ok_or_else(|| HostingChangeRefused::NoGraphNumber(channel()))?;
    if number.node.platform_type != Some(PlatformType::OnPremise)
        || number.node.status != Some(NumberStatus::Connected)
    {
        return Err(HostingChangeRefused::NotOnPremise(channel()));
    }
    number.node.platform_type = Some(PlatformType::CloudApi);
    Ok(number.node.id.clone())
}

/// Why the Hub's hosting type change was refused; `Display` is the control answer.
#[derive(Debug, thiserror::Error)]
enum HostingChangeRefused {
    #[error("No channel {0}.")]
    NoChannel(String),
    #[error("Channel {0} has no phone number.")]
    NoPhoneNumber(String),
    #[error("Channel {0} has no Graph number.")]
    NoGraphNumber(String),
    #[error(
        "The hosting type change of {0} fails: the number must be connected and registered On-Premise."
    )]
    NotOnPremise(String),
}
