//! The writes of a number migration and of template migration (Meta's "Migrating phone
//! numbers among solution partners programmatically" and "Template migration" pages).
//! None is retried automatically: each is journaled and confirmed by the runner first.

use super::*;

impl GraphClient {
    /// `POST /{dest_waba_id}/phone_numbers` with `migrate_phone_number=true`: starts a
    /// migration into the destination. Never retried automatically.
    pub async fn add_number_for_migration(
        &self,
        dest_waba_id: &str,
        number: &E164,
    ) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct Created {
            id: String,
        }
        let body = serde_json::json!({
            "cc": number.country_code,
            "phone_number": number.national,
            "migrate_phone_number": true,
        });
        let created: Created = self
            .post_json(
                &[checked(IdKind::Graph, dest_waba_id)?, "phone_numbers"],
                body,
            )
            .await?;
        Ok(created.id)
    }

    /// `POST /{phone_number_id}/request_code`. Never retried automatically.
    pub async fn request_code(
        &self,
        phone_number_id: &str,
        method: CodeMethod,
        language: &str,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "code_method": method.as_str(), "language": language });
        self.post_success(
            &[checked(IdKind::Graph, phone_number_id)?, "request_code"],
            body,
        )
        .await
    }

    /// `POST /{phone_number_id}/verify_code`. Never retried automatically.
    pub async fn verify_code(
        &self,
        phone_number_id: &str,
        code: &SecretString,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({ "code": code.expose_secret() });
        self.post_success(
            &[checked(IdKind::Graph, phone_number_id)?, "verify_code"],
            body,
        )
        .await
    }

    /// `POST /{phone_number_id}/register` with a new 6-digit PIN. A register call is
    /// precious (10 per 72 h): never retried automatically.
    pub async fn register(
        &self,
        phone_number_id: &str,
        pin: &SecretString,
    ) -> Result<(), ApiError> {
        let body =
            serde_json::json!({ "messaging_product": "whatsapp", "pin": pin.expose_secret() });
        self.post_success(
            &[checked(IdKind::Graph, phone_number_id)?, "register"],
            body,
        )
        .await
    }

    /// `POST /{phone_number_id}/register` with the On-Premise backup, moving the number
    /// to the Cloud API with its history (Meta's "Migrate from On-Premise to Cloud API").
    /// Never retried automatically.
    pub async fn register_with_backup(
        &self,
        phone_number_id: &str,
        pin: &SecretString,
        backup_data: &str,
        backup_password: &SecretString,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "pin": pin.expose_secret(),
            "backup": { "data": backup_data, "password": backup_password.expose_secret() },
        });
        self.post_success(
            &[checked(IdKind::Graph, phone_number_id)?, "register"],
            body,
        )
        .await
    }

    /// `POST /{dest_waba_id}/migrate_message_templates` for one page set or id list.
    pub async fn migrate_message_templates(
        &self,
        dest_waba_id: &str,
        source_waba_id: &str,
        page: &TemplateMigrationPage,
    ) -> Result<TemplateMigrationResult, ApiError> {
        let body = match page {
            TemplateMigrationPage::Page { page_number, count } => serde_json::json!({
                "source_waba_id": source_waba_id, "page_number": page_number, "count": count,
            }),
            TemplateMigrationPage::Ids(ids) => serde_json::json!({
                "source_waba_id": source_waba_id, "template_ids": ids,
            }),
        };
        checked(IdKind::Graph, source_waba_id)?;
        self.post_json(
            &[
                checked(IdKind::Graph, dest_waba_id)?,
                "migrate_message_templates",
            ],
            body,
        )
        .await
    }
}
