//! The sandbox as strict as the real services, over raw HTTP on 127.0.0.1: what each
//! declared token may read and write, the instance id, strict `fields`, template
//! migration rules and shapes, the 360dialog endpoints and the persisted world.

mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wamigrate::api::{RetryPolicy, Transport};
use wamigrate::sim::{self, SANDBOX_PARTNER_ID, SimConfig, SimHandle};

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

    /// The source's numbers with every field the client asks for.
    async fn numbers_with_the_client_fields(&self) -> (StatusCode, Value) {
        let fields = wamigrate::domain::number::PhoneNumber::FIELDS;
        self.get(
            "sandbox-token",
            &format!("/{SOURCE}/phone_numbers?fields={fields}"),
        )
        .await
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
    assert_eq!(body["error"]["message"], "(#200) Permissions error");
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
    assert_eq!(targets(&broad, "whatsapp_business_management").len(), 8);
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
    for (path, field, node) in [
        (
            format!("/{READY_NUMBER}?fields=id,status,bogus_field"),
            "bogus_field",
            "WhatsAppBusinessPhoneNumber",
        ),
        (
            format!("/{SOURCE}/phone_numbers?fields=id,currency"),
            "currency",
            "WhatsAppBusinessPhoneNumber",
        ),
        (
            format!("/{SOURCE}?fields=name,verified_name"),
            "verified_name",
            "WhatsAppBusinessAccount",
        ),
    ] {
        let (status, body) = sandbox.get("sandbox-token", &path).await;
        assert_nonexisting_field(status, &body, field, node);
    }
    // Every field the client asks for exists.
    let (status, body) = sandbox.numbers_with_the_client_fields().await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_dropped_field_behaves_as_a_graph_version_without_it() {
    let sandbox = Raw::start(SimConfig {
        drop_fields: vec!["WhatsAppBusinessPhoneNumber.messaging_limit_tier".to_string()],
        ..SimConfig::default()
    })
    .await;
    let (status, body) = sandbox.numbers_with_the_client_fields().await;
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

#[tokio::test]
async fn template_migration_is_refused_across_businesses_with_the_cause_in_the_body() {
    let sandbox = Raw::default().await;
    let (status, body) = sandbox
        .post(
            "sandbox-token",
            &format!("/{DEST}/migrate_message_templates"),
            json!({"source_waba_id": KESTREL_WABA}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let error = &body["error"];
    assert!(error.get("error_subcode").is_none());
    for place in [
        &error["message"],
        &error["error_user_msg"],
        &error["error_data"]["details"],
    ] {
        assert!(
            place.as_str().unwrap().contains("same Meta business"),
            "{body}"
        );
    }
    // The partner token cannot name a source it was not given.
    let (status, body) = sandbox
        .post(
            PARTNER_TOKEN,
            &format!("/{DEST}/migrate_message_templates"),
            json!({"source_waba_id": SOURCE}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("you can access")
    );
}

#[tokio::test]
async fn failed_templates_comes_as_a_map_or_as_an_empty_list_or_object() {
    use wamigrate::domain::template::TemplateMigrationResult;
    use wamigrate::sim::EmptyFailedTemplates;
    for (empty, shape) in [
        (EmptyFailedTemplates::Array, json!([])),
        (EmptyFailedTemplates::Object, json!({})),
    ] {
        let sandbox = Raw::start(SimConfig {
            empty_failed_templates: empty,
            ..SimConfig::default()
        })
        .await;
        let path = format!("/{DEST}/migrate_message_templates");
        let (status, first) = sandbox
            .post(BUSINESS_TOKEN, &path, json!({"source_waba_id": SOURCE}))
            .await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert!(
            first["failed_templates"]
                .as_object()
                .is_some_and(|m| !m.is_empty())
        );
        // A call that names no template fails none: the empty shape the knob picks.
        let (status, again) = sandbox
            .post(
                BUSINESS_TOKEN,
                &path,
                json!({"source_waba_id": SOURCE, "template_ids": []}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["failed_templates"], shape, "{again}");
        let parsed: TemplateMigrationResult = serde_json::from_value(again).unwrap();
        assert!(parsed.failed_templates.is_empty());
        let parsed: TemplateMigrationResult = serde_json::from_value(first).unwrap();
        assert!(!parsed.failed_templates.is_empty());
    }
}

#[tokio::test]
async fn migration_blockers_carry_no_subcode_from_v16_on() {
    let sandbox = Raw::default().await;
    let add = json!({"cc": "1", "phone_number": "6315550101", "migrate_phone_number": true});
    let (status, body) = sandbox
        .post(
            "sandbox-token",
            "/104996122399163/phone_numbers",
            add.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = &body["error"];
    assert!(error.get("error_subcode").is_none(), "{body}");
    for place in [
        &error["message"],
        &error["error_user_msg"],
        &error["error_data"]["details"],
    ] {
        assert!(
            place
                .as_str()
                .unwrap()
                .starts_with("Webhooks have not been set up"),
            "{body}"
        );
    }
    // A v15 path still gets the subcode.
    let response = sandbox
        .http
        .post(sandbox.url("/v15.0/104996122399163/phone_numbers"))
        .bearer_auth("sandbox-token")
        .json(&add)
        .send()
        .await
        .unwrap();
    let old: Value = response.json().await.unwrap();
    assert_eq!(old["error"]["error_subcode"], 2388103);
}

#[tokio::test]
async fn the_partner_api_speaks_as_360dialog_documents_it() {
    let sandbox = Raw::default().await;
    let base = format!("/api/v2/partners/{SANDBOX_PARTNER_ID}");
    let (status, list) = sandbox
        .plain(
            reqwest::Method::GET,
            &format!("{base}/selective_partner_change_requests"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let kestrel = &list["selective_partner_change_requests"][0];
    assert_eq!(
        (
            kestrel["source_client_id"].as_str(),
            kestrel["target_client_id"].as_str()
        ),
        (Some("r8Tq2mCL"), Some("k3Wn8cCL"))
    );
    assert!(kestrel.get("client_id").is_none());
    // Channel statuses beyond our four.
    let (_, channels) = sandbox
        .plain(
            reqwest::Method::GET,
            &format!("{base}/channels?limit=100"),
            Value::Null,
        )
        .await;
    let statuses: Vec<&str> = channels["partner_channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["status"].as_str())
        .collect();
    for documented in [
        "ready_for_migration",
        "waiting_for_migration_code",
        "migration_code_requested",
        "imported",
    ] {
        assert!(statuses.contains(&documented), "{documented}");
    }
    // The cancellation request: a write that answers the channel.
    let cancel =
        format!("{base}/clients/c1Vd9sCL/channels/c021Hx00CH/control/cancellation_request");
    let (status, channel) = sandbox
        .plain(reqwest::Method::POST, &cancel, json!({"enabled": true}))
        .await;
    assert_eq!(
        (status, channel["id"].as_str()),
        (StatusCode::OK, Some("c021Hx00CH"))
    );
    let (status, body) = sandbox
        .plain(reqwest::Method::POST, &cancel, json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["meta"]["success"], false);
    let (status, _) = sandbox
        .plain(
            reqwest::Method::POST,
            &format!("{base}/clients/p2Lx5yCL/channels/c021Hx00CH/control/cancellation_request"),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a channel of another client");
    let (status, body) = sandbox
        .plain(
            reqwest::Method::GET,
            "/api/v2/partners/otherPA/channels",
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["meta"]["developer_message"],
        "Permission denied for partner otherPA"
    );
    let (_, stats) = sandbox
        .plain(reqwest::Method::GET, "/_sandbox/stats", Value::Null)
        .await;
    assert_eq!(
        stats["by_route"]["POST /api/v2/partners/{pid}/clients/{cid}/channels/{chid}/control/cancellation_request"],
        3
    );
}
