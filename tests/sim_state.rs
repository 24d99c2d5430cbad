//! The sandbox keeps its world between runs: a migration paused against it resumes after
//! a restart as it would live, the instance id stays with the world, and a reset is
//! explicit (`SimConfig::reset_state`, `wamigrate sim --state FILE --reset`).

mod common;

use std::time::Duration;

use serde_json::{Value, json};
use wamigrate::api::{RetryPolicy, Transport};
use wamigrate::sim::{self, SimConfig, SimHandle};

const DEST: &str = "104996122399161";

fn http() -> reqwest::Client {
    Transport::new(Duration::from_secs(5), RetryPolicy::default())
        .unwrap()
        .http()
        .clone()
}

async fn call(
    sandbox: &SimHandle,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = http()
        .request(method, format!("{}{path}", sandbox.base_url))
        .bearer_auth("sandbox-token");
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn kept(path: &std::path::Path, reset: bool) -> SimConfig {
    SimConfig {
        state_file: Some(path.to_path_buf()),
        reset_state: reset,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn a_paused_migration_resumes_after_a_restart_and_a_reset_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("world.json");
    let first = sim::start(kept(&file, false)).await.unwrap();
    let add = json!({"cc": "1", "phone_number": "6315550101", "migrate_phone_number": true});
    let (_, added) = call(
        &first,
        reqwest::Method::POST,
        &format!("/v25.0/{DEST}/phone_numbers"),
        add,
    )
    .await;
    let new_id = added["id"].as_str().unwrap().to_string();
    let (status, _) = call(
        &first,
        reqwest::Method::POST,
        &format!("/v25.0/{new_id}/request_code"),
        json!({"code_method": "SMS", "language": "en_US"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, otp) = call(
        &first,
        reqwest::Method::GET,
        &format!("/_sandbox/otp/{new_id}"),
        Value::Null,
    )
    .await;
    let instance = first.instance_id.clone();
    first.shutdown().await;

    // The same world comes back: same instance id, the number still waiting for its code.
    let second = sim::start(kept(&file, false)).await.unwrap();
    assert_eq!(second.instance_id, instance);
    let (_, otp_again) = call(
        &second,
        reqwest::Method::GET,
        &format!("/_sandbox/otp/{new_id}"),
        Value::Null,
    )
    .await;
    assert_eq!(otp_again, otp);
    let (status, verified) = call(
        &second,
        reqwest::Method::POST,
        &format!("/v25.0/{new_id}/verify_code"),
        json!({"code": otp["code"]}),
    )
    .await;
    assert_eq!(
        (status, &verified["success"]),
        (200, &json!(true)),
        "{verified}"
    );
    let register = |pin: &str| json!({"messaging_product": "whatsapp", "pin": pin});
    let pin = "135792";
    let register_path = format!("/v25.0/{new_id}/register");
    let (status, registered) = call(
        &second,
        reqwest::Method::POST,
        &register_path,
        register(pin),
    )
    .await;
    assert_eq!(status, 200, "{registered}");
    second.shutdown().await;

    // The kept world holds no PIN in clear, and the PIN still counts after a restart.
    let world = std::fs::read_to_string(&file).unwrap();
    assert!(
        !world.contains(pin),
        "the kept world holds the PIN in clear"
    );
    let again = sim::start(kept(&file, false)).await.unwrap();
    let (status, wrong) = call(
        &again,
        reqwest::Method::POST,
        &register_path,
        register("000000"),
    )
    .await;
    assert_eq!(
        (status, &wrong["error"]["code"]),
        (400, &json!(133005)),
        "{wrong}"
    );
    let (status, right) = call(&again, reqwest::Method::POST, &register_path, register(pin)).await;
    assert_eq!(status, 200, "{right}");
    again.shutdown().await;

    // A reset is explicit: a new world with a new id, and the number is gone.
    let third = sim::start(kept(&file, true)).await.unwrap();
    let reset_instance = third.instance_id.clone();
    assert_ne!(reset_instance, instance);
    let (status, gone) = call(
        &third,
        reqwest::Method::GET,
        &format!("/v25.0/{new_id}"),
        Value::Null,
    )
    .await;
    assert_eq!((status, &gone["error"]["error_subcode"]), (400, &json!(33)));
    third.shutdown().await;
    let fourth = sim::start(kept(&file, false)).await.unwrap();
    assert_eq!(
        fourth.instance_id, reset_instance,
        "the reset world is the one kept"
    );
}

#[test]
fn sim_state_flag_keeps_the_world_and_reset_needs_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("standalone.json");
    let path = file.to_str().unwrap();
    let instance = |sandbox: &common::SimProcess| {
        let (status, body) = common::http_get(&format!("{}/_sandbox/instance", sandbox.url));
        assert_eq!(status, 200);
        serde_json::from_str::<Value>(&body).unwrap()["instance_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = instance(&common::SimProcess::start(&["--state", path]));
    assert_eq!(
        instance(&common::SimProcess::start(&["--state", path])),
        first
    );
    assert_ne!(
        instance(&common::SimProcess::start(&["--state", path, "--reset"])),
        first
    );
    let no_state = std::process::Command::new(common::binary())
        .args(["sim", "--port", "0", "--reset"])
        .output()
        .unwrap();
    assert_eq!(no_state.status.code(), Some(2));
    std::fs::write(&file, b"not json").unwrap();
    let corrupt = std::process::Command::new(common::binary())
        .args(["sim", "--port", "0", "--state", path])
        .output()
        .unwrap();
    assert_eq!(corrupt.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&corrupt.stderr).contains("--reset"));
}
