//! `wamigrate doctor`: what an operator checks first against a live account, read-only.
//! Is the token valid, until when, with which scopes; which WABAs it reads and may
//! manage; which of our fields this Graph version has; the 360dialog key and partner id;
//! the rate-limit headroom Meta reports. Each gap comes with its fix; nothing is written
//! (write access is derived from the token's scopes, never tried).
//!
//! Facts: `debug_token` (https://developers.facebook.com/docs/graph-api/reference/debug_token:
//! validity, expiry, scopes) and its `granular_scopes[].target_ids` ("Get shared WABA ID
//! with access token", solution-providers/manage-accounts); `whatsapp_business_management`
//! is the permission to read and manage WABAs, numbers and templates
//! (https://developers.facebook.com/documentation/business-messaging/whatsapp/permissions/);
//! usage headers: api-notes.md §1 ("Error body").

use serde::Serialize;

use crate::api::error::{ApiError, ErrorClass};
use crate::api::fields::FieldSet;
use crate::api::graph::{TokenInfo, is_not_readable};
use crate::api::{GraphClient, HubClient};

/// How one finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// In place.
    Ok,
    /// Missing for a migration: the fix says what to do.
    Gap,
    /// Worth knowing; not needed for every migration.
    Info,
}

/// One line of the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub status: Verdict,
    pub detail: String,
    /// What to do; empty when nothing is to be done.
    pub fix: String,
}

/// A WABA the token's scopes name, and what the token can do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WabaAccess {
    pub id: String,
    pub name: Option<String>,
    pub readable: bool,
    /// Granted `whatsapp_business_management` on it (debug_token does not show
    /// task-level limits such as a view-only system user: Meta answers 200 on a write then).
    pub may_manage: bool,
}

/// The whole diagnosis (the JSON of `doctor`).
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// True when nothing needed for a migration is missing.
    pub ready: bool,
    /// True when a read failed for a reason that is not the token's or key's fault
    /// (network, throttling, a temporary error, an answer that was not the API's): the
    /// diagnosis is incomplete, not a verdict: run it again. (`doctor` exits 1 for both,
    /// as issue 9 specifies; scripts tell them apart by this field.)
    pub read_failed: bool,
    pub findings: Vec<Finding>,
    pub wabas: Vec<WabaAccess>,
}

fn finding(id: &'static str, status: Verdict, detail: String, fix: &str) -> Finding {
    Finding {
        id,
        status,
        detail,
        fix: fix.to_string(),
    }
}

/// Reads what the diagnosis needs; `now` is Unix seconds (the token's expiry is judged
/// against it).
pub async fn diagnose(graph: &GraphClient, hub: Option<&HubClient>, now: u64) -> Diagnosis {
    let mut findings = Vec::new();
    let mut read_failed = false;
    let token = match graph.debug_token().await {
        Ok(info) => Some(info),
        Err(e) => {
            read_failed |= not_a_verdict(&e);
            findings.push(finding(
                "token",
                Verdict::Gap,
                format!("debug_token could not be read: {e}"),
                "Check the Graph URL and the token (WAMIGRATE_GRAPH_TOKEN or --token-file); create a new system-user token if it was revoked.",
            ));
            None
        }
    };
    let mut wabas = Vec::new();
    if let Some(info) = &token {
        findings.extend(token_findings(info, now));
        let (access, waba_read_failed) = waba_access(graph, info).await;
        wabas = access;
        read_failed |= waba_read_failed;
        findings.push(wabas_finding(&wabas));
        // One WABA's numbers probe the phone number fields (its failure shows elsewhere).
        if let Some(first) = wabas.iter().find(|w| w.readable) {
            let _ = graph.phone_numbers(&first.id).await;
        }
    }
    findings.push(fields_finding(graph));
    let (hub, hub_read_failed) = hub_finding(hub).await;
    findings.push(hub);
    findings.push(usage_finding(graph));
    Diagnosis {
        ready: findings.iter().all(|f| f.status != Verdict::Gap),
        read_failed: read_failed || hub_read_failed,
        findings,
        wabas,
    }
}

fn token_findings(info: &TokenInfo, now: u64) -> Vec<Finding> {
    let mut out = Vec::new();
    if info.is_valid != Some(true) {
        out.push(finding(
            "token",
            Verdict::Gap,
            "debug_token says the token is not valid".to_string(),
            "Create a new system-user token with whatsapp_business_management (Business Settings → System users → Generate token) and set WAMIGRATE_GRAPH_TOKEN.",
        ));
        return out;
    }
    out.push(match info.expires_at {
        Some(0) | None => finding("token", Verdict::Ok, "valid, does not expire".to_string(), ""),
        Some(at) if at <= now => finding(
            "token",
            Verdict::Gap,
            format!("expired (expires_at {at})"),
            "Create a new system-user token and set WAMIGRATE_GRAPH_TOKEN.",
        ),
        Some(at) if at - now < 7 * 24 * 3600 => finding(
            "token",
            Verdict::Info,
            format!("valid, expires in {} hour(s)", (at - now) / 3600),
            "A migration can take days (code, review): prefer a system-user token that does not expire.",
        ),
        Some(at) => finding(
            "token",
            Verdict::Ok,
            format!("valid, expires in {} day(s)", (at - now) / 86_400),
            "",
        ),
    });
    let management = info
        .scopes
        .iter()
        .any(|s| s == "whatsapp_business_management");
    out.push(finding(
        "scopes",
        if management { Verdict::Ok } else { Verdict::Gap },
        format!("scopes: {}", if info.scopes.is_empty() { "none".to_string() } else { info.scopes.join(", ") }),
        if management {
            ""
        } else {
            "Give the system user the whatsapp_business_management permission (and Advanced access for the app), then generate a new token."
        },
    ));
    out
}

/// Reads every WABA the token's scopes name (the WABA node only: a cheap read).
/// Each WABA the token's scopes name, and whether a read failed without a verdict.
async fn waba_access(graph: &GraphClient, info: &TokenInfo) -> (Vec<WabaAccess>, bool) {
    let managed = info.managed_waba_ids();
    let reads = futures_util::future::join_all(managed.iter().map(|id| graph.waba(id))).await;
    let read_failed = reads
        .iter()
        .any(|read| read.as_ref().is_err_and(not_a_verdict));
    let access = managed
        .into_iter()
        .zip(reads)
        .map(|(id, read)| match read {
            Ok(waba) => WabaAccess {
                id,
                name: waba.name,
                readable: true,
                may_manage: true,
            },
            Err(e) => {
                if !is_not_readable(&e) {
                    tracing::warn!(waba = id, error = %e, "doctor: a WABA read failed");
                }
                WabaAccess {
                    id,
                    name: None,
                    readable: false,
                    may_manage: true,
                }
            }
        })
        .collect();
    (access, read_failed)
}

fn wabas_finding(wabas: &[WabaAccess]) -> Finding {
    let readable = wabas.iter().filter(|w| w.readable).count();
    if readable == 0 {
        return finding(
            "wabas",
            Verdict::Gap,
            "the token reaches no WABA".to_string(),
            "Assign the destination WABA (and the source, if it is yours) to the system user: Business Settings → System users → Assign assets, with full control.",
        );
    }
    finding(
        "wabas",
        Verdict::Ok,
        format!(
            "{readable} of {} WABA(s) granted are readable; all granted may be managed (whatsapp_business_management)",
            wabas.len()
        ),
        "",
    )
}

/// Which of our fields this Graph version refused so far (the WABA reads and one WABA's
/// numbers above are the probe; template fields are probed when templates are read).
fn fields_finding(graph: &GraphClient) -> Finding {
    let dropped: Vec<String> = [FieldSet::Waba, FieldSet::PhoneNumber, FieldSet::Template]
        .into_iter()
        .flat_map(|set| graph.dropped_fields().of(set))
        .collect();
    if dropped.is_empty() {
        finding(
            "fields",
            Verdict::Ok,
            "this Graph version accepts every WABA and phone number field wamigrate reads"
                .to_string(),
            "",
        )
    } else {
        finding(
            "fields",
            Verdict::Info,
            format!(
                "this Graph version lacks: {} (their values show as unknown)",
                dropped.join(", ")
            ),
            "Nothing blocks; set --graph-version to a version that has them if you need their values.",
        )
    }
}

/// Whether a failed read says nothing about the account (the network, Meta's load, a
/// proxy's page), as opposed to a refused token or key, which is a gap to fix.
fn not_a_verdict(error: &ApiError) -> bool {
    error.class.retry_can_help() || error.class == ErrorClass::UnexpectedBody
}

/// The 360dialog finding, and whether its read failed without a verdict.
async fn hub_finding(hub: Option<&HubClient>) -> (Finding, bool) {
    let Some(hub) = hub else {
        let none = finding(
            "360dialog",
            Verdict::Info,
            "no 360dialog partner key configured".to_string(),
            "Needed only for 360dialog partner changes and channel status: set WAMIGRATE_HUB_API_KEY and WAMIGRATE_PARTNER_ID.",
        );
        return (none, false);
    };
    match hub.clients(None).await {
        Ok(clients) => (
            finding(
                "360dialog",
                Verdict::Ok,
                format!(
                    "partner {}: key accepted, {} client(s)",
                    hub.partner_id(),
                    clients.len()
                ),
                "",
            ),
            false,
        ),
        Err(e) => (
            finding(
                "360dialog",
                Verdict::Gap,
                format!("partner {}: {e}", hub.partner_id()),
                "Check the partner API key (Hub → Partner settings → API keys) and the partner id (ends in PA).",
            ),
            not_a_verdict(&e),
        ),
    }
}

fn usage_finding(graph: &GraphClient) -> Finding {
    match graph.transport().last_usage() {
        None => finding(
            "rate_limit",
            Verdict::Info,
            "Meta reported no usage in these answers: headroom unknown".to_string(),
            "",
        ),
        Some(usage) if usage.percent >= 80 => finding(
            "rate_limit",
            Verdict::Gap,
            format!("{} % of the rate limit used", usage.percent),
            "Wait before a migration: Meta throttles past 100 % (X-App-Usage / X-Business-Use-Case-Usage).",
        ),
        Some(usage) => finding(
            "rate_limit",
            Verdict::Ok,
            format!(
                "{} % of the rate limit used, {} % headroom",
                usage.percent,
                100 - usage.percent.min(100)
            ),
            "",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::graph::GranularScope;

    #[test]
    fn an_expired_or_scopeless_token_is_a_gap_with_its_fix() {
        let info = TokenInfo {
            is_valid: Some(true),
            expires_at: Some(100),
            scopes: vec!["business_management".into()],
            granular_scopes: vec![GranularScope::default()],
        };
        let findings = token_findings(&info, 200);
        assert!(
            findings.iter().all(|f| f.status == Verdict::Gap),
            "{findings:?}"
        );
        assert!(findings.iter().all(|f| !f.fix.is_empty()));
        let never = TokenInfo {
            expires_at: Some(0),
            scopes: vec!["whatsapp_business_management".into()],
            ..info
        };
        assert!(
            token_findings(&never, 200)
                .iter()
                .all(|f| f.status == Verdict::Ok)
        );
    }
}
