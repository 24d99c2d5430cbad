//! The sandbox as strict as the real services, over raw HTTP on 127.0.0.1: what each
//! declared token may read and write, the instance id, strict `fields`, template
//! migration rules and shapes, the 360dialog endpoints and the persisted world.

mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wamigrate::api::{RetryPolicy, Transport};
use wamigrate::sim::{self, SimConfig, SimHandle};

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";
const KESTREL_WABA: &str = "210448776512093";
const MAIN_BUSINESS: &str = "506914307656634";
const READY_NUMBER: &str = "106540352240001";
const BUSINESS_TOKEN: &str = "lucky-shrub-business-token";
const PARTNER_TOKEN: &str = "partner-token";
const KESTREL_TOKEN: &str = "kestrel-business-token";

/// A sandbox and a plain HTTP client for it.
struct Raw {
    handle: SimHandle,
    http: reqwest::Client,
}

impl Raw {
    async fn start(config: SimConfig) -> Raw {
        Raw {
            handle: sim::start(config).await.expect("sandbox starts"),
            // The project's transport builds the client (it installs the TLS provider).
            http: Transport::new(Duration::from_secs(5), RetryPolicy::default())
                .unwrap()
                .http()
                .clone(),
        }
    }

    async fn default() -> Raw {
        Raw::start(SimConfig::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url)
    }

    /// `GET /v25.0{path}` with a bearer token: status and JSON body.
    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(self.url(&format!("/v25.0{path}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// `POST /v25.0{path}` with a bearer token and a JSON body.
    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url(&format!("/v25.0{path}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// A `/_sandbox/...` or `/api/v2/...` call without Graph auth.
    async fn plain(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .header("x-api-key", "sandbox-hub-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

fn assert_unsupported_get(status: StatusCode, body: &Value, id: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = &body["error"];
    assert_eq!(
        (error["code"].as_u64(), error["error_subcode"].as_u64()),
        (Some(100), Some(33)),
        "{body}"
    );
    assert_eq!(error["type"], "GraphMethodException");
    assert!(
        error["message"].as_str().unwrap().starts_with(&format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
        )),
        "{body}"
    );
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn each_token_reads_only_what_was_shared_with_it() {
    let sandbox = Raw::default().await;
    // Granted: the partner reads its destination, the business reads its own source.
    let (status, waba) = sandbox
        .get(PARTNER_TOKEN, &format!("/{DEST}?fields=name"))
        .await;
    assert_eq!(
        (status, waba["name"].as_str()),
        (StatusCode::OK, Some("Lucky Shrub Retail EU"))
    );
    let (status, numbers) = sandbox
        .get(BUSINESS_TOKEN, &format!("/{SOURCE}/phone_numbers"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(numbers["data"].as_array().unwrap().len(), 25);
    // Not granted: the same answer as an id that does not exist, for nodes and edges.
    for (token, id, path) in [
        (PARTNER_TOKEN, SOURCE, format!("/{SOURCE}")),
        (PARTNER_TOKEN, SOURCE, format!("/{SOURCE}/phone_numbers")),
        (
            PARTNER_TOKEN,
            READY_NUMBER,
            format!("/{READY_NUMBER}?fields=status"),
        ),
        (PARTNER_TOKEN, MAIN_BUSINESS, format!("/{MAIN_BUSINESS}")),
        (
            BUSINESS_TOKEN,
            KESTREL_WABA,
            format!("/{KESTREL_WABA}/message_templates"),
        ),
        (KESTREL_TOKEN, DEST, format!("/{DEST}")),
        (PARTNER_TOKEN, "999", "/999".to_string()),
    ] {
        let (status, body) = sandbox.get(token, &path).await;
        assert_unsupported_get(status, &body, id);
    }
    // The broad sandbox token still reads everything.
    let (status, _) = sandbox
        .get("sandbox-token", &format!("/{KESTREL_WABA}"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_write_on_an_object_not_shared_is_a_permission_error() {
    let sandbox = Raw::default().await;
    let add = json!({"cc": "1", "phone_number": "6315550101", "migrate_phone_number": true});
    let (status, body) = sandbox
        .post(
            KESTREL_TOKEN,
            &format!("/{DEST}/phone_numbers"),
            add.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], 200);
    assert_eq!(body["error"]["message"], "(#200) API Permission");
    assert!(body["error"].get("error_subcode").is_none());
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .starts_with("Permission is either not granted or has been removed")
    );
    // A write on an id that does not exist stays 100/33 ("Unsupported post request").
    let (status, body) = sandbox
        .post(KESTREL_TOKEN, "/999/phone_numbers", add.clone())
        .await;
    assert_eq!(
        (status, body["error"]["error_subcode"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(33))
    );
    // Nothing was added by the refused write; the partner may write its destination.
    let (status, body) = sandbox
        .post(PARTNER_TOKEN, &format!("/{DEST}/phone_numbers"), add)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id"].as_str().is_some());
}

#[tokio::test]
async fn debug_token_lists_only_the_granted_targets() {
    let sandbox = Raw::default().await;
    let targets = |body: &Value, scope: &str| -> Vec<String> {
        body["data"]["granular_scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scope"] == scope)
            .unwrap()["target_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let (_, partner) = sandbox
        .get(
            PARTNER_TOKEN,
            &format!("/debug_token?input_token={PARTNER_TOKEN}"),
        )
        .await;
    assert_eq!(partner["data"]["is_valid"], true);
    let wabas = targets(&partner, "whatsapp_business_management");
    assert!(wabas.contains(&DEST.to_string()) && !wabas.contains(&SOURCE.to_string()));
    assert!(targets(&partner, "business_management").is_empty());
    let (_, kestrel) = sandbox
        .get(
            PARTNER_TOKEN,
            &format!("/debug_token?input_token={KESTREL_TOKEN}"),
        )
        .await;
    assert_eq!(
        targets(&kestrel, "whatsapp_business_management"),
        vec![KESTREL_WABA]
    );
    let (_, broad) = sandbox
        .get("sandbox-token", "/debug_token?input_token=sandbox-token")
        .await;
    assert_eq!(targets(&broad, "whatsapp_business_management").len(), 7);
    let (_, invalid) = sandbox
        .get("sandbox-token", "/debug_token?input_token=nope")
        .await;
    assert_eq!(invalid["data"]["is_valid"], false);
    let (status, _) = sandbox.get("nope", &format!("/{DEST}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_instance_id_names_the_world_and_changes_on_reset() {
    let sandbox = Raw::default().await;
    let (status, body) = sandbox
        .plain(reqwest::Method::GET, "/_sandbox/instance", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["instance_id"], sandbox.handle.instance_id.as_str());
    assert!(sandbox.handle.instance_id.starts_with("sbx-"));
    let other = Raw::default().await;
    assert_ne!(
        other.handle.instance_id, sandbox.handle.instance_id,
        "random per world, not per seed"
    );
    sandbox
        .plain(reqwest::Method::POST, "/_sandbox/reset", json!({}))
        .await;
    let (_, after) = sandbox
        .plain(reqwest::Method::GET, "/_sandbox/instance", Value::Null)
        .await;
    assert_ne!(after["instance_id"], body["instance_id"]);
}

fn assert_nonexisting_field(status: StatusCode, body: &Value, field: &str, node: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], 100);
    assert_eq!(
        body["error"]["message"],
        format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})")
    );
    assert!(body.get("data").is_none(), "no data with the error");
}

#[tokio::test]
async fn a_field_the_node_does_not_have_fails_the_whole_call() {
    let sandbox = Raw::default().await;
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{READY_NUMBER}?fields=id,status,bogus_field"),
        )
        .await;
    assert_nonexisting_field(status, &body, "bogus_field", "WhatsAppBusinessPhoneNumber");
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{SOURCE}/phone_numbers?fields=id,currency"),
        )
        .await;
    assert_nonexisting_field(status, &body, "currency", "WhatsAppBusinessPhoneNumber");
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{SOURCE}?fields=name,verified_name"),
        )
        .await;
    assert_nonexisting_field(status, &body, "verified_name", "WhatsAppBusinessAccount");
    // Every field the client asks for exists.
    let fields = wamigrate::domain::number::PhoneNumber::FIELDS;
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{SOURCE}/phone_numbers?fields={fields}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_dropped_field_behaves_as_a_graph_version_without_it() {
    let sandbox = Raw::start(SimConfig {
        drop_fields: vec!["WhatsAppBusinessPhoneNumber.messaging_limit_tier".to_string()],
        ..SimConfig::default()
    })
    .await;
    let fields = wamigrate::domain::number::PhoneNumber::FIELDS;
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{SOURCE}/phone_numbers?fields={fields}"),
        )
        .await;
    assert_nonexisting_field(
        status,
        &body,
        "messaging_limit_tier",
        "WhatsAppBusinessPhoneNumber",
    );
    let (status, body) = sandbox
        .get(
            "sandbox-token",
            &format!("/{READY_NUMBER}?fields=id,whatsapp_business_manager_messaging_limit"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("whatsapp_business_manager_messaging_limit")
            .is_some()
    );
}

#[test]
fn sim_drop_field_flag_reaches_the_server_and_bad_names_are_usage_errors() {
    let sandbox = common::SimProcess::start(&["--drop-field", "messaging_limit_tier"]);
    let output = std::process::Command::new(common::binary())
        .args(["sim", "--port", "0", "--drop-field", "PhoneNumber.status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("WhatsAppBusinessPhoneNumber"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = Transport::new(Duration::from_secs(5), RetryPolicy::default()).unwrap();
        let response = http
            .http()
            .get(format!(
                "{}/v25.0/{READY_NUMBER}?fields=messaging_limit_tier",
                sandbox.url
            ))
            .bearer_auth("sandbox-token")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_nonexisting_field(
            status,
            &body,
            "messaging_limit_tier",
            "WhatsAppBusinessPhoneNumber",
        );
    });
}
