//! Message templates (`GET /{waba_id}/message_templates`) and their components.

use serde::{Deserialize, Serialize};

use crate::open_enum;

open_enum!(
    /// `status` of a template (webhooks add ARCHIVED, FLAGGED, LOCKED, ...).
    TemplateStatus {
        Approved = "APPROVED",
        Pending = "PENDING",
        Rejected = "REJECTED",
        Paused = "PAUSED",
        Disabled = "DISABLED",
        InAppeal = "IN_APPEAL",
        PendingDeletion = "PENDING_DELETION",
        Deleted = "DELETED",
        LimitExceeded = "LIMIT_EXCEEDED",
        Archived = "ARCHIVED",
        Flagged = "FLAGGED",
        Locked = "LOCKED",
        Reinstated = "REINSTATED",
    }
);

open_enum!(
    /// `category` of a template; legacy values (e.g. `TRANSACTIONAL`) still appear.
    TemplateCategory {
        Marketing = "MARKETING",
        Utility = "UTILITY",
        Authentication = "AUTHENTICATION",
    }
);

open_enum!(
    /// `quality_score.score` of a template.
    QualityScore {
        Green = "GREEN",
        Yellow = "YELLOW",
        Red = "RED",
        /// Not rated yet, e.g. the first 24 hours of a copy (Meta spells it `UNKNOWN`).
        Unrated = "UNKNOWN",
    }
);

open_enum!(
    /// `parameter_format` of a template body.
    ParameterFormat {
        Positional = "POSITIONAL",
        Named = "NAMED",
    }
);

open_enum!(
    /// `type` of a template component.
    ComponentKind {
        Header = "HEADER",
        Body = "BODY",
        Footer = "FOOTER",
        Buttons = "BUTTONS",
        Carousel = "CAROUSEL",
        LimitedTimeOffer = "LIMITED_TIME_OFFER",
    }
);

/// `quality_score` object of a template.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TemplateQuality {
    #[serde(default)]
    pub score: Option<QualityScore>,
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub date: Option<String>,
}

/// One button of a BUTTONS component.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TemplateButton {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Every other field as sent (`example`, `otp_type`, `supported_apps`, `flow_id`, ...),
    /// kept so a template can be re-created from what was read.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A HEADER, BODY, FOOTER, BUTTONS or other component; `format` is the header media kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateComponent {
    #[serde(rename = "type")]
    pub kind: ComponentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<TemplateButton>,
    /// Every other field as sent (`example`, `cards`, `add_security_recommendation`, ...),
    /// kept so a template can be re-created from what was read.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl TemplateComponent {
    /// A component of a kind with nothing else set.
    pub fn new(kind: ComponentKind) -> TemplateComponent {
        TemplateComponent {
            kind,
            format: None,
            text: None,
            buttons: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }
}

/// A message template. Every field but `id` and `name` may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub category: Option<TemplateCategory>,
    #[serde(default)]
    pub status: Option<TemplateStatus>,
    #[serde(default)]
    pub quality_score: Option<TemplateQuality>,
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub rejected_reason: Option<String>,
    #[serde(default)]
    pub parameter_format: Option<ParameterFormat>,
    #[serde(default)]
    pub components: Vec<TemplateComponent>,
}

impl Template {
    /// The `fields` list wamigrate asks for.
    pub const FIELDS: &'static str = "id,name,language,category,status,quality_score,rejected_reason,parameter_format,components";

    /// The quality score, flattened.
    pub fn quality(&self) -> Option<&QualityScore> {
        self.quality_score.as_ref().and_then(|q| q.score.as_ref())
    }

    /// The text of the first component of a kind (BODY, HEADER, FOOTER).
    pub fn component_text(&self, kind: &ComponentKind) -> Option<&str> {
        self.components
            .iter()
            .find(|c| &c.kind == kind)
            .and_then(|c| c.text.as_deref())
    }
}

/// The templates of a WABA with the capacity Meta reported in `summary`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TemplateInventory {
    pub templates: Vec<Template>,
    /// `summary.message_template_count`, when the API sent it.
    pub count: Option<u64>,
    /// `summary.message_template_limit`, when the API sent it. Never hard-coded: it
    /// differs by account.
    pub limit: Option<u64>,
}

impl TemplateInventory {
    /// Templates that still fit under the limit, when both figures are known.
    pub fn room(&self) -> Option<u64> {
        let count = self.count.unwrap_or(self.templates.len() as u64);
        self.limit.map(|limit| limit.saturating_sub(count))
    }
}

/// The answer of `POST /{dest_waba_id}/migrate_message_templates`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TemplateMigrationResult {
    #[serde(default)]
    pub migrated_templates: Vec<String>,
    /// Template id → reason, e.g. `"Incorrect category"`; `[]` and `{}` both mean none.
    #[serde(default, deserialize_with = "crate::domain::lenient::id_reasons")]
    pub failed_templates: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_template_list_entry_with_unknown_component_and_status() {
        let t: Template = serde_json::from_str(
            r#"{"name":"order_update","language":"en_US","status":"QUEUED_FOR_REVIEW",
                "category":"TRANSACTIONAL","id":"5821","quality_score":{"score":"GREEN","date":1700000000},
                "components":[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
                              {"type":"BODY","text":"Hi {{1}}, your order shipped."},
                              {"type":"CALL_PERMISSION_REQUEST"},
                              {"type":"BUTTONS","buttons":[{"type":"URL","text":"Track","url":"https://x/{{1}}"}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            t.status,
            Some(TemplateStatus::Unknown("QUEUED_FOR_REVIEW".into()))
        );
        assert_eq!(
            t.category,
            Some(TemplateCategory::Unknown("TRANSACTIONAL".into()))
        );
        assert_eq!(t.quality(), Some(&QualityScore::Green));
        assert_eq!(
            t.components[2].kind,
            ComponentKind::Unknown("CALL_PERMISSION_REQUEST".into())
        );
        assert_eq!(
            t.component_text(&ComponentKind::Body),
            Some("Hi {{1}}, your order shipped.")
        );
    }

    #[test]
    fn parses_documented_migration_response() {
        let r: TemplateMigrationResult = serde_json::from_str(
            r#"{"migrated_templates":["1","2"],"failed_templates":{"3":"Incorrect category"}}"#,
        )
        .unwrap();
        assert_eq!(r.migrated_templates, vec!["1", "2"]);
        assert_eq!(r.failed_templates["3"], "Incorrect category");
        for empty in ["[]", "{}", "null"] {
            let r: TemplateMigrationResult = serde_json::from_str(&format!(
                r#"{{"migrated_templates":["1"],"failed_templates":{empty}}}"#
            ))
            .unwrap();
            assert!(r.failed_templates.is_empty(), "{empty}");
        }
    }

    #[test]
    fn room_uses_summary_count_and_limit() {
        let inv = TemplateInventory {
            templates: vec![],
            count: Some(238),
            limit: Some(250),
        };
        assert_eq!(inv.room(), Some(12));
        let unknown = TemplateInventory {
            templates: vec![],
            count: Some(10),
            limit: None,
        };
        assert_eq!(unknown.room(), None);
    }
}
