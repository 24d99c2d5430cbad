//! 360dialog Partner API resources: clients, channels (numbers) and partner change
//! requests. Facts: https://docs.360dialog.com/partner/partner-api (api-notes.md §2).

use serde::{Deserialize, Serialize};

use crate::open_enum;

open_enum!(
    /// `status` of a 360dialog channel; the Hub has many more, kept as `Unknown`.
    ChannelStatus {
        Created = "created",
        Unverified = "unverified",
        Verified = "verified",
        Ready = "ready",
        Running = "running",
        Pending = "pending",
        Blocked = "blocked",
        Terminated = "terminated",
    }
);

open_enum!(
    /// `account_mode` of a 360dialog channel.
    ChannelAccountMode {
        Sandbox = "sandbox",
        Live = "live",
    }
);

open_enum!(
    /// `status` of a selective partner change request.
    PartnerChangeStatus {
        Created = "created",
        Pending = "pending",
        Completed = "completed",
        Failed = "failed",
    }
);

/// A 360dialog client (id ends in `CL`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartnerClient {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub partner_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `setup_info` of a channel: the number as the Hub knows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelSetupInfo {
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub phone_name: Option<String>,
}

/// `waba_account` of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelWaba {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub fb_account_status: Option<String>,
}

/// A 360dialog channel, i.e. one number of a client (id ends in `CH`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub account_mode: Option<ChannelAccountMode>,
    #[serde(default)]
    pub status: Option<ChannelStatus>,
    #[serde(default)]
    pub setup_info: Option<ChannelSetupInfo>,
    #[serde(default)]
    pub waba_account: Option<ChannelWaba>,
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub current_quality_rating: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::lenient::text")]
    pub current_limit: Option<String>,
    #[serde(default)]
    pub is_migrated: Option<bool>,
    #[serde(default)]
    pub is_oba: Option<bool>,
    #[serde(default)]
    pub terminated_at: Option<String>,
}

impl Channel {
    /// The digits of the channel's number, to join it to a Graph phone number.
    pub fn phone_digits(&self) -> Option<String> {
        let raw = self.setup_info.as_ref()?.phone_number.as_deref()?;
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    }
}

/// A selective partner change request: a client or some of its channels moving to
/// another 360dialog partner. Fields as 360dialog's "Partner Change Request Management"
/// reference names them
/// (https://docs.360dialog.com/partner/partner-api/api-reference/partner-change-request-management);
/// that page does not show the key of the channel id list, kept as `channel_ids`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartnerChangeRequest {
    pub id: String,
    #[serde(default)]
    pub status: Option<PartnerChangeStatus>,
    /// The original client (`source_client_id`; older payloads said `client_id`).
    #[serde(default, rename = "source_client_id", alias = "client_id")]
    pub client_id: Option<String>,
    /// The client's copy under the target partner (partial migrations only).
    #[serde(default)]
    pub target_client_id: Option<String>,
    #[serde(default)]
    pub is_full_migration: Option<bool>,
    #[serde(default)]
    pub channel_ids: Vec<String>,
    #[serde(default)]
    pub source_partner_id: Option<String>,
    #[serde(default)]
    pub target_partner_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_channel_with_unknown_status_and_numeric_limit() {
        let c: Channel = serde_json::from_str(
            r#"{"id":"abcCH","client_id":"xyzCL","status":"pending_approval_by_meta",
                "account_mode":"live","setup_info":{"phone_number":"+49 30 1234567","phone_name":"Shop"},
                "waba_account":{"id":"wCH","external_id":"1049","fb_account_status":"APPROVED"},
                "current_limit":1000,"is_oba":false,"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            c.status,
            Some(ChannelStatus::Unknown("pending_approval_by_meta".into()))
        );
        assert_eq!(c.current_limit.as_deref(), Some("1000"));
        assert_eq!(c.phone_digits().as_deref(), Some("49301234567"));
    }
}
