//! The number-migration state machine on the destination side: add with
//! `migrate_phone_number`, request a code, verify it, register.
//!
//! Steps and error codes: Meta's "Migrating phone numbers among solution partners
//! programmatically" and the error-codes page, "Phone migration errors" and
//! "Registration" (digest in api-notes.md §1). The blocker texts start with the
//! descriptions of Meta's table where we could read them
//! (https://developers.facebook.com/docs/whatsapp/business-management-api/error-codes);
//! the others name the cause as api-notes.md lists it. A register call is precious: 10 per
//! number per 72 h moving window, the 11th answers 133016.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::number::{CodeVerificationStatus, NameStatus, NumberStatus, PlatformType};
use crate::domain::waba::AccountReviewStatus;
use crate::sim::portfolio::{PinDigest, SimNumber};
use crate::sim::state::World;
use crate::sim::templates;
use crate::sim::wire::{Call, GraphError, stable_hash};

/// How long an OTP stays valid, sandbox seconds.
const OTP_VALIDITY_SECS: u64 = 10 * 60;
/// The register budget: calls per number in the moving window.
const REGISTER_BUDGET: usize = 10;
const REGISTER_WINDOW_SECS: u64 = 72 * 3600;
/// Base of the ids numbers get in their destination WABA.
const NEW_NUMBER_ID_BASE: u64 = 119_000_000_000_000;

/// One number on its way into a destination WABA.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Migration {
    /// The id the add call answered: the number's id in the destination.
    pub new_id: String,
    pub source_id: String,
    pub dest_waba_id: String,
    otp: Option<Otp>,
    code_requests: u32,
    verified: bool,
    done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Otp {
    code: String,
    issued_at: u64,
}

/// All migrations and the register attempts per number (by E.164 digits, so the
/// source and destination ids of a number share one budget).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct MigrationBook {
    migrations: Vec<Migration>,
    register_calls: HashMap<String, VecDeque<u64>>,
}

impl MigrationBook {
    /// The pending (not yet registered) migration whose destination id is `id`.
    fn pending(&self, id: &str) -> Option<usize> {
        self.migrations
            .iter()
            .position(|m| m.new_id == id && !m.done)
    }

    /// The last code sent for a pending migration (what `/_sandbox/otp/{id}` shows).
    pub fn otp(&self, id: &str) -> Option<&str> {
        self.pending(id)
            .and_then(|i| self.migrations[i].otp.as_ref())
            .map(|o| o.code.as_str())
    }
}

/// `POST /{dest_waba_id}/phone_numbers` with `cc`, `phone_number`, `migrate_phone_number`.
pub(crate) fn add_number(
    world: &mut World,
    dest_id: &str,
    call: &Call,
) -> Result<Value, GraphError> {
    let digits_of = |key: &str| {
        call.param(key)
            .map(|v| v.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| !d.is_empty())
            .ok_or_else(|| GraphError::invalid_param(format!("The parameter {key} is required.")))
    };
    let digits = format!("{}{}", digits_of("cc")?, digits_of("phone_number")?);
    if !call.flag("migrate_phone_number") {
        return Err(GraphError::invalid_param(
            "The sandbox only adds numbers for migration: send migrate_phone_number=true.",
        ));
    }
    let book = &world.migrations;
    if let Some(m) = book
        .migrations
        .iter()
        .find(|m| !m.done && m.dest_waba_id == dest_id && number_digits(world, &m.new_id) == digits)
    {
        // Meta answers a repeated add of a pending migration with the same id.
        return Ok(json!({ "id": m.new_id }));
    }
    let pending_ids: Vec<&str> = book
        .migrations
        .iter()
        .filter(|m| !m.done)
        .map(|m| m.new_id.as_str())
        .collect();
    let Some(source) = world.portfolio.numbers.iter().find(|n| {
        n.digits() == digits
            && n.node.status != Some(NumberStatus::Migrated)
            && !pending_ids.contains(&n.node.id.as_str())
    }) else {
        return Err(GraphError::migration(
            2_388_103,
            "This phone number is eligible to be added directly, and does not need to use phone migration APIs: it is not registered on the WhatsApp Business API.",
        ));
    };
    if source.waba_id == dest_id {
        return Err(GraphError::migration(
            2_388_012,
            "The phone number you are trying to migrate is already present in your WhatsApp account.",
        ));
    }
    if let Some(text) = blocker(world, source, dest_id) {
        return Err(GraphError::migration(2_388_103, text));
    }
    let source_id = source.node.id.clone();
    let mut copy = source.clone();
    let new_id = (NEW_NUMBER_ID_BASE + world.next_serial()).to_string();
    copy.waba_id = dest_id.to_string();
    copy.pin = None;
    copy.node.id = new_id.clone();
    copy.node.status = Some(NumberStatus::Pending);
    copy.node.code_verification_status = Some(CodeVerificationStatus::NotVerified);
    copy.node.is_pin_enabled = Some(false);
    copy.node.health_status = Some(world.portfolio.number_health(&new_id, dest_id, "BLOCKED"));
    world.portfolio.numbers.push(copy);
    world.migrations.migrations.push(Migration {
        new_id: new_id.clone(),
        source_id,
        dest_waba_id: dest_id.to_string(),
        otp: None,
        code_requests: 0,
        verified: false,
        done: false,
    });
    Ok(json!({ "id": new_id }))
}

/// The first reason Meta would refuse this migration (number first, then destination).
fn blocker(world: &World, source: &SimNumber, dest_id: &str) -> Option<&'static str> {
    let n = &source.node;
    let dest = world.portfolio.waba(dest_id)?;
    let source_business = world
        .portfolio
        .waba(&source.waba_id)
        .and_then(|w| w.node.client_business_id());
    if n.account_mode == Some(crate::domain::number::AccountMode::Sandbox) {
        return Some("Test numbers issued by WhatsApp cannot be migrated.");
    }
    if n.is_on_biz_app == Some(true) {
        return Some(
            "This number is used with the WhatsApp Business App (coexistence) and cannot be migrated.",
        );
    }
    if n.name_status != Some(NameStatus::Approved)
        || n.new_name_status == Some(NameStatus::PendingReview)
    {
        return Some(
            "The business phone number must have an approved display name, and no display name change may be pending.",
        );
    }
    // "The source and destination WABAs must represent the same business" (2388103,
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
    // a WABA owned by another Business Manager qualifies when it messages on behalf of
    // the number's business (On-Behalf-Of), never when it represents another business.
    if source_business != dest.node.client_business_id() {
        return Some(
            "This phone number belongs to a different Business Manager account: the source and destination WABAs must represent the same business.",
        );
    }
    if dest.node.account_review_status != Some(AccountReviewStatus::Approved) {
        return Some("The destination WABA is not approved.");
    }
    if !dest.node.has_payment_method() {
        return Some("The destination WABA has no payment method.");
    }
    if n.platform_type != Some(PlatformType::OnPremise) && dest.subscribed_apps.is_empty() {
        return Some(
            "Webhooks have not been set up for the destination WhatsApp Business account: subscribe an app to it first.",
        );
    }
    None
}

fn number_digits(world: &World, id: &str) -> String {
    world
        .portfolio
        .number(id)
        .map(SimNumber::digits)
        .unwrap_or_default()
}

/// `POST /{phone_number_id}/request_code`.
pub(crate) fn request_code(world: &mut World, id: &str, call: &Call) -> Result<Value, GraphError> {
    let index = world.migrations.pending(id).ok_or_else(|| {
        GraphError::migration(2_388_091, "Phone ownership verification APIs are not available for this use case: the phone number is not being migrated.")
    })?;
    match call.param("code_method").as_deref() {
        Some("SMS" | "VOICE") => {}
        _ => {
            return Err(GraphError::invalid_param(
                "Param code_method must be one of {SMS, VOICE}.",
            ));
        }
    }
    if call.param("language").is_none_or(|l| l.trim().is_empty()) {
        return Err(GraphError::invalid_param(
            "The parameter language is required.",
        ));
    }
    let (seed, now) = (world.seed, world.clock_secs);
    let migration = &mut world.migrations.migrations[index];
    migration.code_requests += 1;
    let code = stable_hash(seed, &["otp", id, &migration.code_requests.to_string()]) % 1_000_000;
    migration.otp = Some(Otp {
        code: format!("{code:06}"),
        issued_at: now,
    });
    Ok(json!({ "success": true }))
}

/// `POST /{phone_number_id}/verify_code`.
pub(crate) fn verify_code(world: &mut World, id: &str, call: &Call) -> Result<Value, GraphError> {
    let index = world.migrations.pending(id).ok_or_else(|| {
        GraphError::migration(
            2_388_093,
            "Phone ownership verification APIs are not available for this use case: the phone number is not being migrated.",
        )
    })?;
    let now = world.clock_secs;
    let migration = &mut world.migrations.migrations[index];
    let valid = migration.otp.as_ref().is_some_and(|otp| {
        Some(otp.code.as_str()) == call.param("code").as_deref().map(str::trim)
            && now.saturating_sub(otp.issued_at) <= OTP_VALIDITY_SECS
    });
    if !valid {
        return Err(GraphError::new(
            136_025,
            "(#136025) Code couldn't be verified, You have entered the wrong code or the code has expired.",
        ));
    }
    migration.verified = true;
    if let Some(number) = world.portfolio.number_mut(id) {
        number.node.code_verification_status = Some(CodeVerificationStatus::Verified);
    }
    Ok(json!({ "success": true }))
}

/// `POST /{phone_number_id}/register`: completes a verified migration, or re-registers
/// a number in place. Every call spends one of the number's 10 per 72 h.
pub(crate) fn register(
    world: &mut World,
    id: &str,
    call: &Call,
    now: Instant,
) -> Result<Value, GraphError> {
    let digits = number_digits(world, id);
    let clock = world.clock_secs;
    let calls = world.migrations.register_calls.entry(digits).or_default();
    while calls
        .front()
        .is_some_and(|t| clock.saturating_sub(*t) >= REGISTER_WINDOW_SECS)
    {
        calls.pop_front();
    }
    if calls.len() >= REGISTER_BUDGET {
        return Err(GraphError::new(133_016, "(#133016) Account register deregister rate limit exceeded").with_details(
            "Too many register attempts for this phone number: 10 are allowed in 72 hours. Try again after the window has passed.",
        ));
    }
    calls.push_back(clock);
    if call.param("messaging_product").as_deref() != Some("whatsapp") {
        return Err(GraphError::invalid_param(
            "Param messaging_product must be 'whatsapp'.",
        ));
    }
    let pin = call.param("pin").unwrap_or_default();
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GraphError::invalid_param("Param pin must be 6 digits."));
    }
    let pin_mismatch = || GraphError::new(133_005, "(#133005) Two step verification PIN Mismatch");
    match world.migrations.pending(id) {
        Some(index) => {
            let migration = world.migrations.migrations[index].clone();
            if !migration.verified {
                return Err(GraphError::new(
                    133_006,
                    "(#133006) Phone number needs to be verified before registering.",
                ));
            }
            let source = world.portfolio.number(&migration.source_id).cloned();
            if let Some(source) = &source
                && source.node.is_pin_enabled == Some(true)
                && !source.pin.as_ref().is_some_and(|known| known.matches(&pin))
            {
                return Err(pin_mismatch());
            }
            complete(world, &migration, source.as_ref(), &pin, now);
            world.migrations.migrations[index].done = true;
        }
        None => {
            let number = world
                .portfolio
                .number_mut(id)
                .ok_or_else(|| GraphError::unknown_object(id, &call.method))?;
            if number.node.status == Some(NumberStatus::Migrated) {
                return Err(GraphError::invalid_param(
                    "This phone number was migrated to another WhatsApp Business Account.",
                ));
            }
            if number.node.is_pin_enabled == Some(true)
                && !number.pin.as_ref().is_some_and(|known| known.matches(&pin))
            {
                return Err(pin_mismatch());
            }
            // Registering an On-Premise number with its backup moves it to the Cloud API
            // ("Migrate from On-Premise API to Cloud API").
            if let Some(backup) = call.params.get("backup") {
                let field = |k: &str| {
                    backup
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                if field("data").is_empty() || field("password").is_empty() {
                    return Err(GraphError::invalid_param(
                        "Param backup must have data and password.",
                    ));
                }
                if number.node.platform_type != Some(PlatformType::OnPremise) {
                    return Err(GraphError::invalid_param(
                        "Only On-Premise numbers can be registered with a backup.",
                    ));
                }
                number.node.platform_type = Some(PlatformType::CloudApi);
                number.node.status = Some(NumberStatus::Connected);
            }
            number.pin = Some(PinDigest::of(&pin));
            number.node.is_pin_enabled = Some(true);
        }
    }
    Ok(json!({ "success": true }))
}

/// The number goes live in the destination, the source copy reads MIGRATED, and Meta
/// duplicates the source's approved GREEN templates.
fn complete(
    world: &mut World,
    migration: &Migration,
    source: Option<&SimNumber>,
    pin: &str,
    now: Instant,
) {
    let onboarded = world.now_meta();
    let new_health =
        world
            .portfolio
            .number_health(&migration.new_id, &migration.dest_waba_id, "AVAILABLE");
    let source_waba = world
        .portfolio
        .number(&migration.source_id)
        .map(|n| n.waba_id.clone())
        .unwrap_or_default();
    let old_health = world
        .portfolio
        .number_health(&migration.source_id, &source_waba, "BLOCKED");
    if let Some(number) = world.portfolio.number_mut(&migration.new_id) {
        number.pin = Some(PinDigest::of(pin));
        number.node.status = Some(NumberStatus::Connected);
        number.node.is_pin_enabled = Some(true);
        number.node.code_verification_status = Some(CodeVerificationStatus::Verified);
        number.node.last_onboarded_time = Some(onboarded);
        number.node.health_status = Some(new_health);
    }
    if let Some(number) = world.portfolio.number_mut(&migration.source_id) {
        number.node.status = Some(NumberStatus::Migrated);
        number.node.health_status = Some(old_health);
    }
    if let Some(source) = source {
        templates::duplicate_for_number_migration(
            world,
            &source.waba_id,
            &migration.dest_waba_id,
            now,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::test_support::world;

    const DEST: &str = "104996122399161";

    fn call(body: Value) -> Call {
        crate::sim::state::test_support::post("/v25.0/x/y", body)
    }

    fn add(w: &mut World, dest: &str, cc: &str, national: &str) -> Result<String, GraphError> {
        add_number(
            w,
            dest,
            &call(json!({"cc": cc, "phone_number": national, "migrate_phone_number": true})),
        )
        .map(|v| v["id"].as_str().unwrap().to_string())
    }

    fn verified(w: &mut World, id: &str) {
        request_code(
            w,
            id,
            &call(json!({"code_method": "SMS", "language": "en_US"})),
        )
        .unwrap();
        let code = w.migrations.otp(id).unwrap().to_string();
        verify_code(w, id, &call(json!({"code": code}))).unwrap();
    }

    #[test]
    fn the_happy_path_moves_the_number_and_keeps_its_attributes() {
        let mut w = world();
        let id = add(&mut w, DEST, "1", "6315550101").unwrap();
        assert_eq!(
            add(&mut w, DEST, "1", "6315550101").unwrap(),
            id,
            "a repeated add answers the same id"
        );
        let err = register(
            &mut w,
            &id,
            &call(json!({"messaging_product": "whatsapp", "pin": "123456"})),
            Instant::now(),
        )
        .unwrap_err();
        assert_eq!(err.code, 133_006);
        verified(&mut w, &id);
        register(
            &mut w,
            &id,
            &call(json!({"messaging_product": "whatsapp", "pin": "123456"})),
            Instant::now(),
        )
        .unwrap();
        let moved = w.portfolio.number(&id).unwrap();
        let source = w.portfolio.number("106540352240001").unwrap();
        assert_eq!(
            (moved.waba_id.as_str(), moved.node.status.clone()),
            (DEST, Some(NumberStatus::Connected))
        );
        assert_eq!(source.node.status, Some(NumberStatus::Migrated));
        assert_eq!(moved.node.verified_name, source.node.verified_name);
        assert_eq!(moved.node.quality_rating, source.node.quality_rating);
        assert_eq!(
            moved.node.is_official_business_account,
            source.node.is_official_business_account
        );
        assert_eq!(moved.node.is_pin_enabled, Some(true));
        assert!(
            w.migrations.otp(&id).is_none(),
            "done migrations have no code to show"
        );
        assert_eq!(
            add(&mut w, DEST, "1", "6315550101").unwrap_err().subcode,
            Some(2_388_012)
        );
        assert!(
            w.portfolio
                .templates
                .iter()
                .any(|t| t.waba_id == DEST && t.quality_date == w.now_unix())
        );
    }

    #[test]
    fn each_blocker_has_its_subcode_and_text() {
        let mut w = world();
        let case =
            |w: &mut World, dest: &str, cc: &str, nat: &str| add(w, dest, cc, nat).unwrap_err();
        let cases = [
            (DEST, "1", "6315550103", "display name"),
            (DEST, "1", "6315550104", "display name"),
            (DEST, "1", "6315550105", "name change may be pending"),
            (DEST, "1", "5551920106", "Test numbers"),
            (DEST, "1", "6315550107", "coexistence"),
            (DEST, "49", "4098765435", "different Business Manager"),
            (
                "104996122399163",
                "1",
                "6315550101",
                "Webhooks have not been set up",
            ),
            ("104996122399164", "1", "6315550101", "no payment method"),
            ("104996122399165", "1", "6315550101", "not approved"),
            (DEST, "1", "6315550199", "eligible to be added directly"),
        ];
        for (dest, cc, national, needle) in cases {
            let e = case(&mut w, dest, cc, national);
            assert_eq!((e.code, e.subcode), (100, Some(2_388_103)), "{national}");
            assert!(
                e.message.contains(needle) && e.user_msg.as_deref().unwrap().contains(needle),
                "{national}: {}",
                e.message
            );
        }
        assert_eq!(
            case(&mut w, DEST, "49", "3012345626").subcode,
            Some(2_388_012)
        );
        // On-Premise numbers need no webhooks on the destination.
        assert!(add(&mut w, "104996122399163", "1", "6315550108").is_ok());
    }

    #[test]
    fn codes_are_checked_and_expire() {
        let mut w = world();
        assert_eq!(
            request_code(
                &mut w,
                "106540352240001",
                &call(json!({"code_method": "SMS", "language": "en"}))
            )
            .unwrap_err()
            .subcode,
            Some(2_388_091)
        );
        assert_eq!(
            verify_code(&mut w, "106540352240001", &call(json!({"code": "1"})))
                .unwrap_err()
                .subcode,
            Some(2_388_093)
        );
        let id = add(&mut w, DEST, "1", "6315550101").unwrap();
        assert_eq!(
            request_code(
                &mut w,
                &id,
                &call(json!({"code_method": "FAX", "language": "en"}))
            )
            .unwrap_err()
            .code,
            100
        );
        request_code(
            &mut w,
            &id,
            &call(json!({"code_method": "VOICE", "language": "en"})),
        )
        .unwrap();
        let code = w.migrations.otp(&id).unwrap().to_string();
        assert_eq!(
            verify_code(&mut w, &id, &call(json!({"code": "000000x"})))
                .unwrap_err()
                .code,
            136_025
        );
        w.clock_secs += OTP_VALIDITY_SECS + 1;
        assert_eq!(
            verify_code(&mut w, &id, &call(json!({"code": code})))
                .unwrap_err()
                .code,
            136_025
        );
        request_code(
            &mut w,
            &id,
            &call(json!({"code_method": "SMS", "language": "en"})),
        )
        .unwrap();
        let fresh = w.migrations.otp(&id).unwrap().to_string();
        assert_ne!(fresh, code, "each request sends a new code");
        verify_code(&mut w, &id, &call(json!({"code": fresh}))).unwrap();
    }

    #[test]
    fn two_step_pin_of_the_source_must_match_and_the_budget_holds() {
        let mut w = world();
        let id = add(&mut w, DEST, "1", "6315550102").unwrap();
        verified(&mut w, &id);
        let reg = |w: &mut World, pin: &str| {
            register(
                w,
                &id,
                &call(json!({"messaging_product": "whatsapp", "pin": pin})),
                Instant::now(),
            )
        };
        assert_eq!(reg(&mut w, "111111").unwrap_err().code, 133_005);
        assert_eq!(reg(&mut w, "12345").unwrap_err().code, 100);
        for _ in 0..8 {
            assert_eq!(reg(&mut w, "111111").unwrap_err().code, 133_005);
        }
        assert_eq!(
            reg(&mut w, "482913").unwrap_err().code,
            133_016,
            "the 11th call is refused even with the right PIN"
        );
        w.clock_secs += REGISTER_WINDOW_SECS;
        reg(&mut w, "482913").unwrap();
    }
}
