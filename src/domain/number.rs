//! The phone number node of the Graph API, as read from
//! `GET /{waba_id}/phone_numbers?fields=...` and `GET /{phone_number_id}?fields=...`.

use serde::{Deserialize, Serialize};

use crate::open_enum;

open_enum!(
    /// `name_status` and `new_name_status`: the review state of a display name.
    NameStatus {
        Approved = "APPROVED",
        Declined = "DECLINED",
        Expired = "EXPIRED",
        PendingReview = "PENDING_REVIEW",
        None = "NONE",
        AvailableWithoutReview = "AVAILABLE_WITHOUT_REVIEW",
        NonExists = "NON_EXISTS",
    }
);

open_enum!(
    /// `code_verification_status`: whether the number proved ownership by OTP.
    CodeVerificationStatus {
        Verified = "VERIFIED",
        NotVerified = "NOT_VERIFIED",
        Expired = "EXPIRED",
    }
);

open_enum!(
    /// `quality_rating` of a number (`NA` has been seen in the wild).
    QualityRating {
        Green = "GREEN",
        Yellow = "YELLOW",
        Red = "RED",
        /// Not rated yet (Meta spells it `UNKNOWN`).
        Unrated = "UNKNOWN",
        NotAvailable = "NA",
    }
);

open_enum!(
    /// `status` of a number (`OFFLINE` has been seen in the wild).
    NumberStatus {
        Pending = "PENDING",
        Deleted = "DELETED",
        Migrated = "MIGRATED",
        Banned = "BANNED",
        Restricted = "RESTRICTED",
        RateLimited = "RATE_LIMITED",
        Flagged = "FLAGGED",
        Connected = "CONNECTED",
        Disconnected = "DISCONNECTED",
        /// Meta itself does not know (spelled `UNKNOWN`).
        Undetermined = "UNKNOWN",
        Unverified = "UNVERIFIED",
        Offline = "OFFLINE",
    }
);

open_enum!(
    /// `platform_type`: Cloud API or the (sunset) On-Premise API.
    PlatformType {
        CloudApi = "CLOUD_API",
        OnPremise = "ON_PREMISE",
        NotApplicable = "NOT_APPLICABLE",
    }
);

open_enum!(
    /// `account_mode`: test numbers issued by WhatsApp are in `SANDBOX` mode.
    AccountMode {
        Sandbox = "SANDBOX",
        Live = "LIVE",
    }
);

open_enum!(
    /// `throughput.level`.
    ThroughputLevel {
        Standard = "STANDARD",
        High = "HIGH",
        NotApplicable = "NOT_APPLICABLE",
    }
);

open_enum!(
    /// `messaging_limit_tier` (deprecated, still returned).
    MessagingLimitTier {
        Tier50 = "TIER_50",
        Tier250 = "TIER_250",
        Tier1K = "TIER_1K",
        Tier10K = "TIER_10K",
        Tier100K = "TIER_100K",
        TierUnlimited = "TIER_UNLIMITED",
    }
);

open_enum!(
    /// `whatsapp_business_manager_messaging_limit`, successor of `messaging_limit_tier`.
    ManagerMessagingLimit {
        Tier250 = "TIER_250",
        Tier2K = "TIER_2K",
        Tier10K = "TIER_10K",
        Tier100K = "TIER_100K",
        TierUnlimited = "TIER_UNLIMITED",
        Untiered = "UNTIERED",
    }
);

open_enum!(
    /// `health_status.can_send_message`, overall and per entity.
    CanSendMessage {
        Available = "AVAILABLE",
        Limited = "LIMITED",
        Blocked = "BLOCKED",
    }
);

/// `throughput` object of a number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Throughput {
    #[serde(default)]
    pub level: Option<ThroughputLevel>,
}

/// `health_status` of a number or WABA: can it send, and if not, which entity blocks it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HealthStatus {
    #[serde(default)]
    pub can_send_message: Option<CanSendMessage>,
    #[serde(default)]
    pub entities: Vec<HealthEntity>,
}

/// One entity (number, WABA, business, app) in a `health_status` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HealthEntity {
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub can_send_message: Option<CanSendMessage>,
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
}

/// A WhatsApp Business API phone number. Every field but `id` may be absent.
/// The value shown for a field that was not read (this Graph version lacks it): unknown,
/// as opposed to absent (`null`).
pub const NOT_READ: &str = "unknown";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub verified_name: Option<String>,
    #[serde(default)]
    pub name_status: Option<NameStatus>,
    #[serde(default)]
    pub new_name_status: Option<NameStatus>,
    #[serde(default)]
    pub code_verification_status: Option<CodeVerificationStatus>,
    #[serde(default)]
    pub quality_rating: Option<QualityRating>,
    #[serde(default)]
    pub status: Option<NumberStatus>,
    #[serde(default)]
    pub platform_type: Option<PlatformType>,
    #[serde(default)]
    pub account_mode: Option<AccountMode>,
    #[serde(default)]
    pub throughput: Option<Throughput>,
    #[serde(default)]
    pub is_official_business_account: Option<bool>,
    #[serde(default)]
    pub is_pin_enabled: Option<bool>,
    #[serde(default)]
    pub is_on_biz_app: Option<bool>,
    #[serde(default)]
    pub messaging_limit_tier: Option<MessagingLimitTier>,
    #[serde(default)]
    pub whatsapp_business_manager_messaging_limit: Option<ManagerMessagingLimit>,
    #[serde(default)]
    pub last_onboarded_time: Option<String>,
    #[serde(default)]
    pub health_status: Option<HealthStatus>,
    /// Fields of `FIELDS` this Graph version does not have, or that the token could not
    /// read: their values are unknown, not absent (set by wamigrate, never sent by the
    /// API; journaled with a snapshot so a resume knows it too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields_not_read: Vec<String>,
}

impl PhoneNumber {
    /// The `fields` list wamigrate asks for, so every screen has what it needs in one call.
    pub const FIELDS: &'static str = "id,display_phone_number,verified_name,name_status,new_name_status,\
code_verification_status,quality_rating,status,platform_type,account_mode,throughput,\
is_official_business_account,is_pin_enabled,is_on_biz_app,messaging_limit_tier,\
whatsapp_business_manager_messaging_limit,last_onboarded_time,health_status";

    /// The fields a fleet row shows (`domain::fleet::FleetRow::read`): what the fleet
    /// sweep asks for. [`Self::FIELDS`] without `last_onboarded_time` and `health_status`,
    /// the largest field (its entities name the number, its WABA, business and app, some
    /// 40 % of a number's bytes), which no fleet column shows: a sweep moves and decodes
    /// that much less. A number read with these marks the others as not read.
    pub const FLEET_FIELDS: &'static str = "id,display_phone_number,verified_name,name_status,\
new_name_status,code_verification_status,quality_rating,status,platform_type,account_mode,\
throughput,is_official_business_account,is_pin_enabled,is_on_biz_app,messaging_limit_tier,\
whatsapp_business_manager_messaging_limit";

    /// The fields of [`Self::FIELDS`] a fleet read does not ask for.
    pub fn fields_beyond_fleet() -> impl Iterator<Item = &'static str> {
        Self::FIELDS
            .split(',')
            .filter(|f| !Self::FLEET_FIELDS.split(',').any(|g| g == *f))
    }

    /// The messaging limit as the API spells it: the current field when present, else the
    /// deprecated tier; [`NOT_READ`] when a field this Graph version lacks left it
    /// unknown.
    pub fn messaging_limit(&self) -> Option<&str> {
        self.whatsapp_business_manager_messaging_limit
            .as_ref()
            .map(ManagerMessagingLimit::as_str)
            .or(self
                .messaging_limit_tier
                .as_ref()
                .map(MessagingLimitTier::as_str))
            .or_else(|| {
                let unread = !self.was_read("whatsapp_business_manager_messaging_limit")
                    || !self.was_read("messaging_limit_tier");
                unread.then_some(NOT_READ)
            })
    }

    /// A number the operator's token cannot read (it sits with another BSP or business):
    /// only the E.164 number the operator gave is known; no field was read.
    pub fn not_readable(e164: &crate::domain::phone::E164) -> PhoneNumber {
        PhoneNumber {
            display_phone_number: Some(format!("+{}", e164.digits())),
            fields_not_read: PhoneNumber::FIELDS.split(',').map(str::to_string).collect(),
            ..PhoneNumber::default()
        }
    }

    /// Whether `field` was asked for (false when this Graph version lacks it): an absent
    /// value of a field not read is unknown, not "none".
    pub fn was_read(&self, field: &str) -> bool {
        !self.fields_not_read.iter().any(|f| f == field)
    }

    /// `throughput.level`, flattened.
    pub fn throughput_level(&self) -> Option<&ThroughputLevel> {
        self.throughput.as_ref().and_then(|t| t.level.as_ref())
    }

    /// The display number, or the id when the API did not send one.
    pub fn label(&self) -> &str {
        self.display_phone_number.as_deref().unwrap_or(&self.id)
    }

    /// The E.164 digits of the display number (`"+1 631-555-1111"` → `"16315551111"`).
    pub fn e164_digits(&self) -> Option<String> {
        self.display_phone_number
            .as_deref()
            .map(|d| d.chars().filter(char::is_ascii_digit).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_payload_with_unknown_fields_and_values() {
        let raw = r#"{
            "verified_name": "Jasper's Market",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+1 631-555-5555",
            "quality_rating": "NA",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD", "burst": 9},
            "status": "SHINY_NEW_STATE",
            "is_pin_enabled": false,
            "messaging_limit_tier": "TIER_1K",
            "some_future_field": {"nested": [1, 2, 3]},
            "id": "1906385232743451"
        }"#;
        let n: PhoneNumber = serde_json::from_str(raw).unwrap();
        assert_eq!(n.quality_rating, Some(QualityRating::NotAvailable));
        assert_eq!(
            n.status,
            Some(NumberStatus::Unknown("SHINY_NEW_STATE".into()))
        );
        assert_eq!(n.throughput_level(), Some(&ThroughputLevel::Standard));
        assert_eq!(n.messaging_limit(), Some("TIER_1K"));
        assert_eq!(n.name_status, None);
        assert_eq!(n.e164_digits().as_deref(), Some("16315555555"));
    }

    #[test]
    fn current_messaging_limit_wins_over_the_deprecated_tier() {
        let n: PhoneNumber = serde_json::from_str(
            r#"{"id":"1","messaging_limit_tier":"TIER_1K","whatsapp_business_manager_messaging_limit":"TIER_2K"}"#,
        )
        .unwrap();
        assert_eq!(n.messaging_limit(), Some("TIER_2K"));
    }
}
