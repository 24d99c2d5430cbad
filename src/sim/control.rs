//! `/_sandbox/...`: controls for tests and demos that no real API has (read the OTP
//! "sent" to a number, count requests, move the sandbox clock, queue faults, reset, and
//! tell which world this is: `GET /_sandbox/instance` → `{"instance_id":"…"}`; a reset
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
