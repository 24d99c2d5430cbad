//! The WhatsApp Business Account node, its owning business and its subscribed apps.

use serde::{Deserialize, Serialize};

use crate::domain::number::HealthStatus;
use crate::open_enum;

open_enum!(
    /// `account_review_status` of a WABA.
    AccountReviewStatus {
        Approved = "APPROVED",
        Pending = "PENDING",
        Rejected = "REJECTED",
        Deferred = "DEFERRED",
    }
);

open_enum!(
    /// `business_verification_status` (Meta spells it in lower case).
    BusinessVerificationStatus {
        Verified = "verified",
        NotVerified = "not_verified",
        Pending = "pending",
        PendingNeedMoreInfo = "pending_need_more_info",
        PendingSubmission = "pending_submission",
        Rejected = "rejected",
        Failed = "failed",
        Expired = "expired",
        Revoked = "revoked",
    }
);

/// A business portfolio as it appears inside a WABA (`owner_business_info`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BusinessRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A WhatsApp Business Account. Every field but `id` may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Waba {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub timezone_id: Option<String>,
    #[serde(default)]
    pub message_template_namespace: Option<String>,
    #[serde(default)]
    pub account_review_status: Option<AccountReviewStatus>,
    #[serde(default)]
    pub business_verification_status: Option<BusinessVerificationStatus>,
    #[serde(default)]
    pub ownership_type: Option<String>,
    #[serde(default)]
    pub owner_business_info: Option<BusinessRef>,
    #[serde(default)]
    pub on_behalf_of_business_info: Option<BusinessRef>,
    /// Present when a payment method is attached; its value is an opaque id.
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub primary_funding_id: Option<String>,
    #[serde(default)]
    pub health_status: Option<HealthStatus>,
    /// Fields of `FIELDS` this Graph version does not have, so they were not asked for:
    /// their values are unknown, not absent (set by the client, never sent by the API).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields_not_read: Vec<String>,
}

impl Waba {
    /// The `fields` list wamigrate asks for.
    pub const FIELDS: &'static str = "id,name,currency,timezone_id,message_template_namespace,\
account_review_status,business_verification_status,ownership_type,owner_business_info,\
on_behalf_of_business_info,primary_funding_id,health_status";

    /// The WABA name, or its id when it has none.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The id of the business that owns the WABA, if the API said.
    pub fn owner_business_id(&self) -> Option<&str> {
        self.owner_business_info.as_ref()?.id.as_deref()
    }

    /// The client business the WABA serves: for an On-Behalf-Of WABA (owned by a partner
    /// for its client) `on_behalf_of_business_info`, else the owner. "Same business" in a
    /// migration means this one, not the partner that owns the WABA (api-notes.md §1,
    /// WABA node: https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account).
    pub fn client_business_id(&self) -> Option<&str> {
        let on_behalf_of = self
            .ownership_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("ON_BEHALF_OF"));
        if on_behalf_of {
            return self.on_behalf_of_business_info.as_ref()?.id.as_deref();
        }
        self.owner_business_id()
    }

    /// The owner business name, else its id.
    pub fn owner_business_label(&self) -> Option<&str> {
        let owner = self.owner_business_info.as_ref()?;
        owner.name.as_deref().or(owner.id.as_deref())
    }

    /// Whether `field` was asked for (false when this Graph version lacks it).
    pub fn was_read(&self, field: &str) -> bool {
        !self.fields_not_read.iter().any(|f| f == field)
    }

    /// Whether a payment method is attached (`primary_funding_id` present and non-empty).
    pub fn has_payment_method(&self) -> bool {
        self.primary_funding_id
            .as_deref()
            .is_some_and(|id| !id.is_empty())
    }
}

/// An app subscribed to a WABA's webhooks (`GET /{waba_id}/subscribed_apps`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubscribedApp {
    #[serde(default)]
    pub whatsapp_business_api_data: Option<AppData>,
    #[serde(default)]
    pub override_callback_uri: Option<String>,
}

/// The app inside a `subscribed_apps` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AppData {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
}

impl SubscribedApp {
    /// The app name, else its id, else a placeholder.
    pub fn label(&self) -> &str {
        self.whatsapp_business_api_data
            .as_ref()
            .and_then(|a| a.name.as_deref().or(a.id.as_deref()))
            .unwrap_or("(unnamed app)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_waba_with_numeric_timezone_and_lowercase_verification() {
        let w: Waba = serde_json::from_str(
            r#"{"id":"104996","name":"Lucky Shrub","timezone_id":1,"currency":"USD",
                "account_review_status":"APPROVED","business_verification_status":"pending_need_more_info",
                "owner_business_info":{"id":"506914","name":"Lucky Shrub Inc"},"unknown":true}"#,
        )
        .unwrap();
        assert_eq!(w.timezone_id.as_deref(), Some("1"));
        assert_eq!(
            w.business_verification_status,
            Some(BusinessVerificationStatus::PendingNeedMoreInfo)
        );
        assert_eq!(w.owner_business_id(), Some("506914"));
        assert!(!w.has_payment_method());
    }

    #[test]
    fn the_client_business_of_an_on_behalf_of_waba_is_not_its_partner_owner() {
        let partner_owned = Waba {
            id: "1".into(),
            ownership_type: Some("ON_BEHALF_OF".into()),
            owner_business_info: Some(BusinessRef {
                id: Some("PARTNER".into()),
                name: None,
            }),
            on_behalf_of_business_info: Some(BusinessRef {
                id: Some("CLIENT".into()),
                name: None,
            }),
            ..Waba::default()
        };
        assert_eq!(partner_owned.client_business_id(), Some("CLIENT"));
        let own = Waba {
            ownership_type: Some("SELF".into()),
            ..partner_owned.clone()
        };
        assert_eq!(own.client_business_id(), Some("PARTNER"));
    }
}
