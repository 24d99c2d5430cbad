use serde_json::json;

use super::*;

fn batch_call(batch: &str) -> Call {
    let body = format!("batch={}", urlencoding(batch));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    Call::parse(Method::POST, "/v25.0/", None, headers, body.as_bytes())
}

fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).unwrap()[2..].to_string()
}

#[test]
fn operations_take_the_batch_version_unless_they_name_one() {
    let call = batch_call(
        r#"[{"method":"GET","relative_url":"104996?fields=id,name"},{"method":"get","relative_url":"/v19.0/104996/phone_numbers?limit=5"},{"method":"POST","relative_url":"104996/phone_numbers","body":"cc=1&phone_number=6315550101"}]"#,
    );
    assert!(is_batch(&call));
    let operations = operations(&call).unwrap();
    let calls: Vec<Call> = operations.iter().map(|o| o.call("v25.0")).collect();
    assert_eq!(calls[0].version.as_deref(), Some("v25.0"));
    assert_eq!(calls[0].segs(), ["104996"]);
    assert_eq!(calls[0].param("fields").as_deref(), Some("id,name"));
    assert_eq!(calls[1].version.as_deref(), Some("v19.0"));
    assert_eq!(calls[1].method, Method::GET);
    assert_eq!(calls[2].method, Method::POST);
    assert_eq!(calls[2].param("cc").as_deref(), Some("1"));
}

#[test]
fn a_batch_of_more_than_fifty_or_of_nothing_is_refused() {
    let one = r#"{"method":"GET","relative_url":"1"}"#;
    let many = format!("[{}]", vec![one; 51].join(","));
    assert!(
        operations(&batch_call(&many))
            .unwrap_err()
            .message
            .contains("limited to 50")
    );
    assert!(operations(&batch_call("[]")).is_err());
    assert!(operations(&batch_call("{\"not\":\"a list\"}")).is_err());
    let fifty = format!("[{}]", vec![one; 50].join(","));
    assert_eq!(operations(&batch_call(&fifty)).unwrap().len(), 50);
}

/// The sandbox over HTTP, and calls to it with a token.
struct Served {
    handle: crate::sim::SimHandle,
    http: reqwest::Client,
}

const SOURCE: &str = "104996122399160";
const DEST: &str = "104996122399161";

impl Served {
    async fn start(config: crate::sim::SimConfig) -> Served {
        // reqwest is built without a default crypto provider: run alone, these tests
        // would find none installed (the transport installs it for the app).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Served {
            handle: crate::sim::start(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path_and_query: &str, token: &str) -> (u16, Value) {
        let answer = self
            .http
            .get(format!("{}{path_and_query}", self.handle.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    }

    /// A batch posted as Meta's examples post it: form fields, `batch` holding JSON.
    async fn batch(
        &self,
        operations: Value,
        token: &str,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let answer = self
            .http
            .post(format!("{}/v25.0/", self.handle.base_url))
            .bearer_auth(token)
            .form(&[("batch", operations.to_string())])
            .send()
            .await
            .unwrap();
        let headers = answer.headers().clone();
        (
            answer.status().as_u16(),
            headers,
            answer.json().await.unwrap(),
        )
    }

    async fn stats(&self) -> Value {
        self.get("/_sandbox/stats", "").await.1
    }
}

/// The body string of a batch item, as JSON.
fn item_body(item: &Value) -> Value {
    serde_json::from_str(item["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn an_expanded_edge_is_a_cursor_page_whose_next_is_the_edge_itself() {
    let sandbox = Served::start(crate::sim::SimConfig::default()).await;
    let (status, answer) = sandbox
        .get(
            &format!("/v25.0/{SOURCE}?fields=id,name,phone_numbers.limit(10){{id,status}}"),
            "sandbox-token",
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["name"], "Lucky Shrub Retail");
    let page = &answer["phone_numbers"];
    let numbers = page["data"].as_array().unwrap();
    assert_eq!(numbers.len(), 10);
    assert_eq!(
        numbers[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "status"],
        "the nested field list applies to the items"
    );
    let next = page["paging"]["next"].as_str().unwrap();
    assert!(
        next.contains(&format!("/v25.0/{SOURCE}/phone_numbers?"))
            && next.contains("limit=10")
            && next.contains("fields=id%2Cstatus"),
        "{next}"
    );
    // The edge with the expansion's cursor goes on where the expansion stopped.
    let after = page["paging"]["cursors"]["after"].as_str().unwrap();
    let (_, second) = sandbox
        .get(
            &format!("/v25.0/{SOURCE}/phone_numbers?fields=id&limit=10&after={after}"),
            "sandbox-token",
        )
        .await;
    assert_ne!(second["data"][0]["id"], numbers[0]["id"]);
    assert_eq!(second["data"].as_array().unwrap().len(), 10);
    // `.after()` in the expansion itself, to the last page: no `next`.
    let last_cursor = second["paging"]["cursors"]["after"].as_str().unwrap();
    let (_, last) = sandbox
        .get(
            &format!("/v25.0/{SOURCE}?fields=phone_numbers.limit(10).after({last_cursor}){{id}}"),
            "sandbox-token",
        )
        .await;
    assert_eq!(last["phone_numbers"]["data"].as_array().unwrap().len(), 5);
    assert!(last["phone_numbers"]["paging"].get("next").is_none());
}

#[tokio::test]
async fn nested_fields_are_as_strict_as_top_level_ones_and_grants_hold() {
    let sandbox = Served::start(crate::sim::SimConfig {
        drop_fields: vec!["messaging_limit_tier".into()],
        ..crate::sim::SimConfig::default()
    })
    .await;
    for (fields, field, node) in [
        (
            "phone_numbers{id,bogus}",
            "bogus",
            "WhatsAppBusinessPhoneNumber",
        ),
        (
            "phone_numbers{id,messaging_limit_tier}",
            "messaging_limit_tier",
            "WhatsAppBusinessPhoneNumber",
        ),
        (
            "bogus,phone_numbers{id}",
            "bogus",
            "WhatsAppBusinessAccount",
        ),
    ] {
        let (status, answer) = sandbox
            .get(&format!("/v25.0/{SOURCE}?fields={fields}"), "sandbox-token")
            .await;
        assert_eq!(status, 400);
        assert_eq!(answer["error"]["code"], 100);
        assert_eq!(
            answer["error"]["message"],
            format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})")
        );
        assert!(
            answer.get("phone_numbers").is_none(),
            "no data with the error"
        );
    }
    let (status, answer) = sandbox
        .get(
            &format!("/v25.0/{SOURCE}?fields=phone_numbers.offset(3){{id}}"),
            "sandbox-token",
        )
        .await;
    assert_eq!((status, answer["error"]["code"].as_i64()), (400, Some(100)));
    // The partner token reaches the destination, not the source: expanding the source
    // answers as for an object that does not exist.
    let (status, answer) = sandbox
        .get(
            &format!("/v25.0/{SOURCE}?fields=phone_numbers{{id}}"),
            "partner-token",
        )
        .await;
    assert_eq!(
        (status, answer["error"]["error_subcode"].as_i64()),
        (400, Some(33))
    );
}

#[tokio::test]
async fn a_batch_answers_each_operation_in_order_with_its_own_error_token_and_count() {
    let sandbox = Served::start(crate::sim::SimConfig {
        rate_limit_per_hour: Some(3),
        ..crate::sim::SimConfig::default()
    })
    .await;
    let operations = json!([
        {"method": "GET", "relative_url": format!("{DEST}?fields=id,name,phone_numbers.limit(2){{id}}")},
        {"method": "GET", "relative_url": "999000000000001?fields=id"},
        {"method": "GET", "relative_url": format!("{SOURCE}?fields=id&access_token=partner-token")},
        {"method": "GET", "relative_url": format!("v19.0/{DEST}/phone_numbers?fields=id&limit=1")},
        {"method": "GET", "relative_url": format!("{DEST}?fields=id")},
        {"method": "GET", "relative_url": format!("{DEST}?fields=id")},
    ]);
    let (status, headers, answer) = sandbox.batch(operations, "sandbox-token").await;
    assert_eq!(status, 200);
    let items = answer.as_array().unwrap();
    assert_eq!(items.len(), 6, "one item per operation, in order");
    assert_eq!(items[0]["code"], 200);
    let first = item_body(&items[0]);
    assert_eq!(first["id"], DEST);
    assert_eq!(first["phone_numbers"]["data"].as_array().unwrap().len(), 2);
    let header_names: Vec<&str> = items[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(header_names.contains(&"Content-Type"));
    assert!(
        header_names.contains(&"x-business-use-case-usage"),
        "each operation counts toward the limit and says so: {header_names:?}"
    );
    // An object that does not exist fails in its own item; the others complete.
    assert_eq!(items[1]["code"], 400);
    assert_eq!(item_body(&items[1])["error"]["code"], 100);
    // The operation's own token, not the batch's: the partner cannot read the source.
    assert_eq!(item_body(&items[2])["error"]["error_subcode"], 33);
    assert_eq!(items[3]["code"], 200, "an operation may name its version");
    // Three calls to the destination fill its hourly limit of 3: the fourth is refused.
    assert_eq!(items[4]["code"], 200);
    assert_eq!(items[5]["code"], 400);
    assert_eq!(item_body(&items[5])["error"]["code"], 80_008);
    assert!(
        headers.contains_key("x-business-use-case-usage"),
        "the batch's answer carries the highest usage too"
    );
    let stats = sandbox.stats().await;
    assert_eq!(stats["by_route"]["POST /"], 1);
    assert_eq!(
        stats["by_route"]["GET /{id}"], 5,
        "each operation is counted"
    );
    assert_eq!(stats["by_route"]["GET /{id}/phone_numbers"], 1);
}

#[tokio::test]
async fn an_operation_that_did_not_complete_is_null_and_headers_can_be_left_out() {
    let sandbox = Served::start(crate::sim::SimConfig::default()).await;
    let queued = sandbox
        .http
        .post(format!("{}/_sandbox/faults", sandbox.handle.base_url))
        .json(&json!({"path_contains": format!("/{SOURCE}"), "kind": "drop"}))
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success());
    let answer: Value = sandbox
        .http
        .post(format!("{}/v25.0/", sandbox.handle.base_url))
        .bearer_auth("sandbox-token")
        .json(&json!({
            "batch": [
                {"method": "GET", "relative_url": format!("{SOURCE}?fields=id")},
                {"method": "GET", "relative_url": format!("{DEST}?fields=id")},
            ],
            "include_headers": false,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer[0].is_null(), "{answer}");
    assert_eq!(answer[1]["code"], 200);
    assert!(answer[1].get("headers").is_none(), "include_headers=false");
    assert_eq!(item_body(&answer[1])["id"], DEST);
    // Without a token for the batch, nothing is answered (the page: "You must include
    // an access token as a top level parameter").
    let (status, _, refused) = sandbox
        .batch(json!([{"method": "GET", "relative_url": DEST}]), "nope")
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_i64()),
        (401, Some(190))
    );
}

#[tokio::test]
async fn without_batch_requests_a_batch_post_is_an_unknown_path() {
    let sandbox = Served::start(crate::sim::SimConfig {
        batch_requests: false,
        ..crate::sim::SimConfig::default()
    })
    .await;
    let (status, _, answer) = sandbox
        .batch(
            json!([{"method": "GET", "relative_url": DEST}]),
            "sandbox-token",
        )
        .await;
    assert_eq!((status, answer["error"]["code"].as_i64()), (404, Some(803)));
}
