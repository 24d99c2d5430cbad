//! The documented payloads hold the client and the sandbox together
//! (`tests/fixtures/contract/`, see its README): every fixture parses with our domain
//! types, and the sandbox answers the same request with the same keys and value types.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use wamigrate::api::{RetryPolicy, Transport};
use wamigrate::domain::number::PhoneNumber;
use wamigrate::domain::partner::{Channel, PartnerChangeRequest};
use wamigrate::domain::template::TemplateMigrationResult;
use wamigrate::domain::waba::Waba;
use wamigrate::sim::{self, SimConfig};

/// One fixture file.
#[derive(Debug, Deserialize)]
struct Fixture {
    source: String,
    parse_as: String,
    #[serde(default)]
    request: Option<FixtureRequest>,
    #[serde(default)]
    extra_keys: BTreeMap<String, String>,
    #[serde(default)]
    missing_keys: BTreeMap<String, String>,
    /// Objects keyed by data (ids): their values compare with the first documented one.
    #[serde(default)]
    maps: Vec<String>,
    response: Value,
}

#[derive(Debug, Deserialize)]
struct FixtureRequest {
    method: String,
    path: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    body: Option<Value>,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract");
    let mut out: Vec<(String, Fixture)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let fixture: Fixture =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, fixture)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 10, "the fixtures are there");
    out
}

/// Parses a documented payload with the type the client uses for it.
fn parse(kind: &str, payload: &Value) -> Result<(), String> {
    let items = |v: &Value| -> Vec<Value> { v["data"].as_array().cloned().unwrap_or_default() };
    let result = match kind {
        "TemplateMigrationResult" => {
            serde_json::from_value::<TemplateMigrationResult>(payload.clone()).map(|_| ())
        }
        "Waba.data" => items(payload)
            .into_iter()
            .try_for_each(|w| serde_json::from_value::<Waba>(w).map(|_| ())),
        "PhoneNumber.data" => items(payload)
            .into_iter()
            .try_for_each(|n| serde_json::from_value::<PhoneNumber>(n).map(|_| ())),
        "PartnerChangeRequest" => {
            serde_json::from_value::<PartnerChangeRequest>(payload.clone()).map(|_| ())
        }
        "Channel" => serde_json::from_value::<Channel>(payload.clone()).map(|_| ()),
        "GraphError" => {
            return wamigrate::api::error::parse_graph_error(payload.to_string().as_bytes())
                .map(|_| ())
                .ok_or_else(|| "not a Graph error body".to_string());
        }
        "none" => Ok(()),
        other => return Err(format!("unknown parse_as {other}")),
    };
    result.map_err(|e| e.to_string())
}

#[test]
fn every_fixture_names_its_source_and_parses_with_our_types() {
    for (name, fixture) in fixtures() {
        assert!(
            fixture.source.starts_with("https://"),
            "{name}: source {}",
            fixture.source
        );
        parse(&fixture.parse_as, &fixture.response).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // What the parse gives is what the page says, not just "no error".
    let documented = |file: &str| {
        fixtures()
            .into_iter()
            .find(|(n, _)| n == file)
            .unwrap()
            .1
            .response
    };
    let result: TemplateMigrationResult =
        serde_json::from_value(documented("meta_template_migration.json")).unwrap();
    assert_eq!(
        (
            result.migrated_templates.len(),
            result.failed_templates.len()
        ),
        (3, 3)
    );
    let request: PartnerChangeRequest =
        serde_json::from_value(documented("d360_partner_change_request.json")).unwrap();
    assert_eq!(
        (
            request.client_id.as_deref(),
            request.target_client_id.as_deref()
        ),
        (Some("exampleCL"), Some("exnewCL"))
    );
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The differences in keys and value types between a documented payload and an answer.
fn shape_differences(
    documented: &Value,
    answer: &Value,
    path: &str,
    fixture: &Fixture,
    out: &mut Vec<String>,
) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (documented, answer) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(doc), Value::Object(got)) if fixture.maps.iter().any(|m| m == path) => {
            if let Some(first) = doc.values().next() {
                for value in got.values() {
                    shape_differences(first, value, &format!("{path}{{}}"), fixture, out);
                }
            }
        }
        (Value::Object(doc), Value::Object(got)) => {
            for (key, value) in doc {
                match got.get(key) {
                    Some(found) => shape_differences(value, found, &join(key), fixture, out),
                    None if fixture.missing_keys.contains_key(&join(key)) => {}
                    None => out.push(format!("{} is missing", join(key))),
                }
            }
            for key in got.keys() {
                if !doc.contains_key(key) && !fixture.extra_keys.contains_key(&join(key)) {
                    out.push(format!("{} is not in the documented payload", join(key)));
                }
            }
        }
        (Value::Array(doc), Value::Array(got)) => {
            if let (Some(d), Some(g)) = (doc.first(), got.first()) {
                shape_differences(d, g, &format!("{path}[]"), fixture, out);
            }
        }
        (d, g) if kind(d) == kind(g) => {}
        (d, g) => out.push(format!(
            "{path}: documented {}, sandbox {}",
            kind(d),
            kind(g)
        )),
    }
}

#[tokio::test]
async fn the_sandbox_answers_with_the_documented_shapes() {
    let sandbox = sim::start(SimConfig::default()).await.unwrap();
    let transport = Transport::new(Duration::from_secs(5), RetryPolicy::default()).unwrap();
    let http = transport.http();
    let mut report = Vec::new();
    for (name, fixture) in fixtures() {
        let Some(request) = &fixture.request else {
            continue;
        };
        let url = format!("{}{}", sandbox.base_url, request.path);
        let mut builder = http.request(request.method.parse().unwrap(), &url);
        builder = match &request.token {
            Some(token) => builder.bearer_auth(token),
            None => builder.header("x-api-key", "sandbox-hub-key"),
        };
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let answer: Value = builder.send().await.unwrap().json().await.unwrap();
        let mut differences = Vec::new();
        shape_differences(&fixture.response, &answer, "", &fixture, &mut differences);
        if !differences.is_empty() {
            report.push(format!("{name}: {differences:?}\n  answer: {answer}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn the_shape_comparison_catches_a_renamed_key_and_a_changed_type() {
    let fixture: Fixture = serde_json::from_value(serde_json::json!({
        "source": "https://example.org", "parse_as": "none",
        "extra_keys": {"paging": "ok"},
        "response": {"data": [{"id": "1", "n": 2}]}
    }))
    .unwrap();
    let mut out = Vec::new();
    let good = serde_json::json!({"data": [{"id": "9", "n": 5}], "paging": {}});
    shape_differences(&fixture.response, &good, "", &fixture, &mut out);
    assert!(out.is_empty(), "{out:?}");
    let bad = serde_json::json!({"data": [{"id": 9, "m": 5}]});
    shape_differences(&fixture.response, &bad, "", &fixture, &mut out);
    assert_eq!(
        out,
        vec![
            "data[].id: documented string, sandbox number",
            "data[].n is missing",
            "data[].m is not in the documented payload"
        ]
    );
}
