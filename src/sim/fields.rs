//! Strict `fields`, as Graph has them: a field the node type does not have fails the whole
//! call (HTTP 400, code 100, "(#100) Tried accessing nonexisting field (NAME) on node type
//! (TYPE)", no data), and a field Meta removed in a later version behaves the same, which
//! `SimConfig::drop_fields` (`wamigrate sim --drop-field`) rehearses.
//!
//! Meta's pages do not print that error body; its text is the one Graph sends and the one
//! api-notes.md records. The field catalogs below are what we could read, node by node:
//! - WhatsAppBusinessAccount: the `Field` list of the Business SDK's generated class
//!   (facebook/facebook-python-business-sdk, facebook_business/adobjects/whatsappbusinessaccount.py)
//!   plus the WABA edges, which Graph accepts in `fields` (field expansion).
//! - WhatsAppBusinessPhoneNumber: the phone number fields of Meta's phone number reference
//!   as api-notes.md §1 lists them (the SDK has no class for this node, and the full Graph
//!   list was not readable here: a real field missing below would be refused, so the list
//!   errs on the side of what the client asks for).
//! - Templates and businesses: the fields of api-notes.md §1 and Meta's template pages;
//!   the template node's type name in Graph's error text is not documented (docs silent).

use crate::sim::portfolio::NodeKind;
use crate::sim::wire::GraphError;

const WABA_FIELDS: &[&str] = &[
    "account_review_status",
    "analytics",
    "business_verification_status",
    "country",
    "creation_time",
    "currency",
    "health_status",
    "id",
    "is_enabled_for_insights",
    "linked_commerce_account",
    "message_template_namespace",
    "name",
    "on_behalf_of_business_info",
    "owner_business",
    "owner_business_info",
    "ownership_type",
    "primary_funding_id",
    "purchase_order_number",
    "status",
    "timezone_id",
    // Edges, usable through field expansion.
    "assigned_users",
    "message_templates",
    "phone_numbers",
    "subscribed_apps",
];

const NUMBER_FIELDS: &[&str] = &[
    "account_mode",
    "code_verification_status",
    "display_phone_number",
    "health_status",
    "id",
    "is_official_business_account",
    "is_on_biz_app",
    "is_pin_enabled",
    "last_onboarded_time",
    "messaging_limit_tier",
    "name_status",
    "new_name_status",
    "platform_type",
    "quality_rating",
    "status",
    "throughput",
    "verified_name",
    "whatsapp_business_manager_messaging_limit",
];

const TEMPLATE_FIELDS: &[&str] = &[
    "category",
    "components",
    "id",
    "language",
    "name",
    "parameter_format",
    "quality_score",
    "rejected_reason",
    "status",
];

const BUSINESS_FIELDS: &[&str] = &[
    "id",
    "name",
    "client_whatsapp_business_accounts",
    "owned_whatsapp_business_accounts",
];

/// The type name Graph's errors give a node.
pub(crate) fn node_type(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Business => "Business",
        NodeKind::Waba => "WhatsAppBusinessAccount",
        NodeKind::Number => "WhatsAppBusinessPhoneNumber",
        // Docs silent on this one's type name (see the module doc).
        NodeKind::Template => "WhatsAppMessageTemplate",
    }
}

fn catalog(kind: NodeKind) -> &'static [&'static str] {
    match kind {
        NodeKind::Business => BUSINESS_FIELDS,
        NodeKind::Waba => WABA_FIELDS,
        NodeKind::Number => NUMBER_FIELDS,
        NodeKind::Template => TEMPLATE_FIELDS,
    }
}

/// The node types a `--drop-field NODE.NAME` may name.
pub fn node_type_names() -> [&'static str; 4] {
    [
        NodeKind::Business,
        NodeKind::Waba,
        NodeKind::Number,
        NodeKind::Template,
    ]
    .map(node_type)
}

/// What this Graph version has: the catalogs less the dropped fields (`NAME` on every
/// node type, `TYPE.NAME` on one).
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldRules {
    dropped: Vec<String>,
}

impl FieldRules {
    pub fn new(dropped: &[String]) -> FieldRules {
        FieldRules {
            dropped: dropped.to_vec(),
        }
    }

    /// Whether the node type has this field in this version.
    pub fn exists(&self, kind: NodeKind, field: &str) -> bool {
        let qualified = format!("{}.{field}", node_type(kind));
        catalog(kind).contains(&field)
            && !self.dropped.iter().any(|d| d == field || *d == qualified)
    }

    /// Refuses the call at the first field the node type does not have, nested
    /// selections of an edge included (`phone_numbers{id,bogus}` fails on `bogus` as a
    /// field of the phone number node, as a top-level `bogus` would: field expansion
    /// nests ordinary field lists, https://developers.facebook.com/docs/graph-api/guides/field-expansion).
    pub fn check(&self, kind: NodeKind, fields: &str) -> Result<(), GraphError> {
        for (entry, nested) in split_fields(fields) {
            let name = field_name(entry);
            if !self.exists(kind, name) {
                return Err(nonexisting(name, kind));
            }
            if let (Some(nested), Some(items)) = (nested, edge_item_kind(kind, name)) {
                self.check(items, nested)?;
            }
        }
        Ok(())
    }

    /// A default field list without the fields this version dropped.
    pub fn defaults(&self, kind: NodeKind, defaults: &str) -> String {
        defaults
            .split(',')
            .filter(|f| self.exists(kind, f))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The error Graph answers for a field the node type does not have.
pub(crate) fn nonexisting(field: &str, kind: NodeKind) -> GraphError {
    GraphError::invalid_param(format!(
        "Tried accessing nonexisting field ({field}) on node type ({})",
        node_type(kind)
    ))
}

/// The node type of an edge's items (what the fields of a nested selection name), for
/// the edges the sandbox lists; other edges' items have no catalog.
pub(crate) fn edge_item_kind(kind: NodeKind, edge: &str) -> Option<NodeKind> {
    match (kind, edge) {
        (NodeKind::Waba, "phone_numbers") => Some(NodeKind::Number),
        (NodeKind::Waba, "message_templates") => Some(NodeKind::Template),
        (
            NodeKind::Business,
            "owned_whatsapp_business_accounts" | "client_whatsapp_business_accounts",
        ) => Some(NodeKind::Waba),
        _ => None,
    }
}

/// `phone_numbers.limit(5)` → `phone_numbers`: the modifiers of field expansion.
pub(crate) fn field_name(entry: &str) -> &str {
    entry.split('.').next().unwrap_or(entry).trim()
}

/// `a,b{c,d},e` → `[(a, None), (b, Some("c,d")), (e, None)]`.
pub(crate) fn split_fields(fields: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut brace) = (0usize, 0usize, None);
    let mut push = |from: usize, to: usize, brace: Option<usize>| {
        let (name, nested) = match brace {
            Some(b) => {
                let inner = fields[b + 1..to].trim();
                (
                    &fields[from..b],
                    Some(inner.strip_suffix('}').unwrap_or(inner)),
                )
            }
            None => (&fields[from..to], None),
        };
        let name = name.trim();
        if !name.is_empty() {
            out.push((name, nested));
        }
    };
    for (i, c) in fields.char_indices() {
        match c {
            '{' => {
                if depth == 0 {
                    brace = Some(i);
                }
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                push(start, i, brace.take());
                start = i + 1;
            }
            _ => {}
        }
    }
    push(start, fields.len(), brace);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_split_at_the_top_level_only() {
        assert_eq!(
            split_fields("a, b{c,d{e}} ,f"),
            vec![("a", None), ("b", Some("c,d{e}")), ("f", None)]
        );
    }

    #[test]
    fn unknown_and_dropped_fields_fail_with_grahs_sentence() {
        let rules = FieldRules::new(&[
            "messaging_limit_tier".to_string(),
            "WhatsAppBusinessAccount.currency".to_string(),
        ]);
        assert!(
            rules
                .check(NodeKind::Number, "id,status,throughput{level}")
                .is_ok()
        );
        let err = rules
            .check(NodeKind::Number, "id,messaging_limit_tier")
            .unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                100,
                "(#100) Tried accessing nonexisting field (messaging_limit_tier) on node type (WhatsAppBusinessPhoneNumber)"
            )
        );
        assert!(rules.check(NodeKind::Waba, "name,currency").is_err());
        assert!(
            FieldRules::default()
                .check(NodeKind::Waba, "currency")
                .is_ok(),
            "qualified drops apply to their node type only"
        );
        assert!(rules.check(NodeKind::Template, "name,currency").is_err());
        assert!(
            rules
                .check(NodeKind::Waba, "phone_numbers.limit(5){id}")
                .is_ok()
        );
        let nested = rules
            .check(
                NodeKind::Waba,
                "name,phone_numbers.limit(5){id,messaging_limit_tier}",
            )
            .unwrap_err();
        assert!(
            nested
                .message
                .contains("(messaging_limit_tier) on node type (WhatsAppBusinessPhoneNumber)"),
            "nested fields are checked against the edge's node type: {}",
            nested.message
        );
        assert!(
            FieldRules::default()
                .check(NodeKind::Waba, "phone_numbers{id,currency}")
                .is_err(),
            "a WABA field is no phone number field"
        );
        assert_eq!(
            rules.defaults(NodeKind::Number, "id,messaging_limit_tier,status"),
            "id,status"
        );
    }

    #[test]
    fn every_field_the_client_asks_for_exists_in_graph() {
        use crate::domain::{number::PhoneNumber, template::Template, waba::Waba};
        let rules = FieldRules::default();
        for (kind, fields) in [
            (NodeKind::Waba, Waba::FIELDS),
            (NodeKind::Number, PhoneNumber::FIELDS),
            (NodeKind::Template, Template::FIELDS),
        ] {
            assert!(rules.check(kind, fields).is_ok(), "{fields}");
        }
    }
}
