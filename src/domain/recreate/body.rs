//! The `POST /{dest_waba_id}/message_templates` request built from a template as it was
//! read: name, language, category, `parameter_format` and the components with their
//! `example` values as the read gave them ("Template fundamentals", Common syntax,
//! https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview).
//!
//! Two shapes differ between read and create:
//! - media headers: the read's `example.header_handle` points at Meta's copy of the
//!   sample, which another WABA cannot use; the request needs a handle from a new upload
//!   (Resumable Upload API), so the builder leaves a [`MediaSlot`] to fill;
//! - authentication templates: the read shows the preset text and the OTP button as a
//!   URL button; the request sends `add_security_recommendation`,
//!   `code_expiration_minutes` and an `OTP` button instead ("Note that in your template
//!   creation request the button type is designated as OTP, but upon creation the button
//!   type will be set to URL",
//!   https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/authentication-templates/copy-code-button-authentication-templates/).

use serde_json::{Map, Value, json};

use crate::domain::recreate::CreateBody;
use crate::domain::recreate::rules::parameters;
use crate::domain::template::{
    ComponentKind, Template, TemplateButton, TemplateCategory, TemplateComponent,
};

/// The preset sentences of an authentication template, as the read shows them.
pub const SECURITY_RECOMMENDATION: &str = "For your security, do not share this code.";
const VERIFICATION_PRESET: &str = "is your verification code.";
const EXPIRY_PREFIX: &str = "This code expires in ";

/// A media header that needs a sample: where in the body its handle goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSlot {
    /// `NAME` for the template's header, `NAME/cardN` for carousel card N.
    pub key: String,
    /// IMAGE, VIDEO or DOCUMENT.
    pub format: String,
    /// Component index, and the card index inside a CAROUSEL component.
    pub component: usize,
    pub card: Option<usize>,
}

/// A request body and the media samples it still needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub body: CreateBody,
    pub media: Vec<MediaSlot>,
    /// Why the body differs from the read (legacy category mapped, ...).
    pub notes: Vec<String>,
}

/// Why no creation request can be built from a template as read; `Display` is the
/// skip reason shown and journaled, with what the operator can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unbuildable {
    #[error(
        "category {0} is not one Meta accepts today and wamigrate knows no successor: choose one with --edit"
    )]
    UnknownCategory(String),
    #[error("the read gave no category: choose one with --edit")]
    NoCategory,
    #[error(
        "authentication template without the preset text: Meta accepts only OTP templates now; rebuild it with --edit"
    )]
    NotPresetAuthentication,
    #[error("footer {0:?} is not the preset expiry warning: fix it with --edit")]
    NotPresetExpiry(String),
    #[error("authentication template without its OTP button")]
    NoOtpButton,
}

/// Builds the creation request of a template read from the source WABA, or says why
/// none can be built (e.g. a legacy category wamigrate cannot map).
pub fn build(template: &Template) -> Result<Built, Unbuildable> {
    let mut notes = Vec::new();
    let category = match &template.category {
        Some(TemplateCategory::Unknown(raw)) => {
            let mapped =
                legacy_category(raw).ok_or_else(|| Unbuildable::UnknownCategory(raw.clone()))?;
            notes.push(format!("legacy category {raw} sent as {mapped}"));
            mapped.to_string()
        }
        Some(category) => category.as_str().to_string(),
        None => return Err(Unbuildable::NoCategory),
    };
    let named = template
        .parameter_format
        .as_ref()
        .map(|f| f.as_str() == "NAMED")
        .unwrap_or_else(|| {
            template
                .components
                .iter()
                .filter_map(|c| c.text.as_deref())
                .flat_map(parameters)
                .any(|p| !p.chars().all(|c| c.is_ascii_digit()))
        });
    let (components, media) = if category == "AUTHENTICATION" {
        (authentication_components(template)?, Vec::new())
    } else {
        standard_components(template)
    };
    Ok(Built {
        body: CreateBody {
            name: template.name.clone(),
            language: template.language.clone(),
            category,
            parameter_format: Some(if named { "NAMED" } else { "POSITIONAL" }.to_string()),
            components,
        },
        media,
        notes,
    })
}

/// Puts an uploaded sample's handle where a media slot points.
pub fn fill_media(body: &mut CreateBody, slot: &MediaSlot, handle: &str) {
    let Some(component) = body.components.get_mut(slot.component) else {
        return;
    };
    let sample = json!({ "header_handle": [handle] });
    let Some(card) = slot.card else {
        component.extra.insert("example".into(), sample);
        return;
    };
    let header = component
        .extra
        .get_mut("cards")
        .and_then(|cards| cards.get_mut(card))
        .and_then(|card| card.get_mut("components"))
        .and_then(Value::as_array_mut)
        .and_then(|parts| parts.iter_mut().find(|p| is_kind(p, "HEADER")))
        .and_then(Value::as_object_mut);
    if let Some(header) = header {
        header.insert("example".into(), sample);
    }
}

/// Categories of before 2023, mapped to today's three (Meta folded the transactional
/// ones into UTILITY and OTP into AUTHENTICATION); the copy is re-categorised anyway.
fn legacy_category(raw: &str) -> Option<&'static str> {
    match raw.to_ascii_uppercase().as_str() {
        "TRANSACTIONAL"
        | "ACCOUNT_UPDATE"
        | "ALERT_UPDATE"
        | "APPOINTMENT_UPDATE"
        | "ISSUE_RESOLUTION"
        | "PAYMENT_UPDATE"
        | "PERSONAL_FINANCE_UPDATE"
        | "RESERVATION_UPDATE"
        | "SHIPPING_UPDATE"
        | "TICKET_UPDATE"
        | "TRANSPORTATION_UPDATE"
        | "AUTO_REPLY" => Some("UTILITY"),
        "OTP" => Some("AUTHENTICATION"),
        _ => None,
    }
}

/// Components as read, with media samples replaced by slots to fill.
fn standard_components(template: &Template) -> (Vec<TemplateComponent>, Vec<MediaSlot>) {
    let mut media = Vec::new();
    let components = template
        .components
        .iter()
        .enumerate()
        .map(|(at, read)| {
            let mut component = read.clone();
            if let Some(format) = media_format(read) {
                component.extra.remove("example");
                media.push(MediaSlot {
                    key: template.name.clone(),
                    format,
                    component: at,
                    card: None,
                });
            }
            if component.kind == ComponentKind::Carousel {
                let cards = component
                    .extra
                    .get_mut("cards")
                    .and_then(Value::as_array_mut);
                for (card_at, card) in cards.into_iter().flatten().enumerate() {
                    let parts = card.get_mut("components").and_then(Value::as_array_mut);
                    for part in parts.into_iter().flatten() {
                        let format = part["format"]
                            .as_str()
                            .unwrap_or_default()
                            .to_ascii_uppercase();
                        if is_kind(part, "HEADER") && is_media(&format) {
                            if let Some(header) = part.as_object_mut() {
                                header.remove("example");
                            }
                            media.push(MediaSlot {
                                key: format!("{}/card{card_at}", template.name),
                                format,
                                component: at,
                                card: Some(card_at),
                            });
                        }
                    }
                }
            }
            component
        })
        .collect();
    (components, media)
}

/// Whether a component written as JSON (a carousel card's part) is of `kind`.
fn is_kind(part: &Value, kind: &str) -> bool {
    part["type"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

fn media_format(component: &TemplateComponent) -> Option<String> {
    let format = component.format.as_deref()?.to_ascii_uppercase();
    (component.kind == ComponentKind::Header && is_media(&format)).then_some(format)
}

fn is_media(format: &str) -> bool {
    matches!(format, "IMAGE" | "VIDEO" | "DOCUMENT")
}

/// A component of `kind` holding one field besides its type.
fn component_with(kind: ComponentKind, key: &str, value: Value) -> TemplateComponent {
    let mut component = TemplateComponent::new(kind);
    component.extra.insert(key.to_string(), value);
    component
}

/// BODY with `add_security_recommendation`, FOOTER with `code_expiration_minutes`, and
/// the OTP button, read back from the preset text and the URL button.
fn authentication_components(template: &Template) -> Result<Vec<TemplateComponent>, Unbuildable> {
    let body_text = template
        .component_text(&ComponentKind::Body)
        .unwrap_or_default();
    if !body_text.contains(VERIFICATION_PRESET) {
        return Err(Unbuildable::NotPresetAuthentication);
    }
    let mut components = vec![component_with(
        ComponentKind::Body,
        "add_security_recommendation",
        json!(body_text.contains(SECURITY_RECOMMENDATION)),
    )];
    if let Some(footer) = template.component_text(&ComponentKind::Footer) {
        let minutes = footer
            .strip_prefix(EXPIRY_PREFIX)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| Unbuildable::NotPresetExpiry(footer.to_string()))?;
        components.push(component_with(
            ComponentKind::Footer,
            "code_expiration_minutes",
            json!(minutes),
        ));
    }
    let button = template
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Buttons)
        .flat_map(|c| c.buttons.iter())
        .next()
        .ok_or(Unbuildable::NoOtpButton)?;
    let mut buttons = TemplateComponent::new(ComponentKind::Buttons);
    buttons.buttons.push(otp_button(button));
    components.push(buttons);
    Ok(components)
}

/// The read's URL button (`.../otp/code/?otp_type=COPY_CODE&code=otp{{1}}`) as the
/// creation's OTP button, keeping `text` and the one-tap fields the read gave.
fn otp_button(read: &TemplateButton) -> TemplateButton {
    let otp_type = read
        .extra
        .get("otp_type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            read.url
                .as_deref()?
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix("otp_type="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "COPY_CODE".to_string());
    let mut extra = Map::new();
    extra.insert("otp_type".into(), json!(otp_type.to_ascii_uppercase()));
    for (key, value) in &read.extra {
        if key != "otp_type" && key != "example" {
            extra.insert(key.clone(), value.clone());
        }
    }
    TemplateButton {
        kind: Some("OTP".to_string()),
        text: read.text.clone(),
        url: None,
        phone_number: None,
        extra,
    }
}

/// What Meta stores for an authentication request: the preset texts and a URL button.
/// The sandbox answers reads with it, as Meta does.
pub fn expand_authentication(components: &[TemplateComponent]) -> Vec<Value> {
    let part = |kind: ComponentKind| components.iter().find(|c| c.kind == kind);
    let mut text = format!("{{{{1}}}} {VERIFICATION_PRESET}");
    if part(ComponentKind::Body)
        .is_some_and(|b| b.extra.get("add_security_recommendation") == Some(&json!(true)))
    {
        text.push(' ');
        text.push_str(SECURITY_RECOMMENDATION);
    }
    let mut expanded = vec![json!({ "type": "BODY", "text": text })];
    let minutes = part(ComponentKind::Footer)
        .and_then(|f| f.extra.get("code_expiration_minutes"))
        .and_then(Value::as_u64);
    if let Some(minutes) = minutes {
        expanded.push(
            json!({ "type": "FOOTER", "text": format!("{EXPIRY_PREFIX}{minutes} minutes.") }),
        );
    }
    if let Some(otp) = part(ComponentKind::Buttons).and_then(|b| b.buttons.first()) {
        let otp_type = otp
            .extra
            .get("otp_type")
            .and_then(Value::as_str)
            .unwrap_or("COPY_CODE")
            .to_ascii_uppercase();
        let mut button = json!({
            "type": "URL",
            "text": otp.text.as_deref().unwrap_or("Copy code"),
            "url": format!("https://www.whatsapp.com/otp/code/?otp_type={otp_type}&code=otp{{{{1}}}}"),
        });
        for (key, value) in &otp.extra {
            if key != "otp_type" {
                button[key] = value.clone();
            }
        }
        expanded.push(json!({ "type": "BUTTONS", "buttons": [button] }));
    }
    expanded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::recreate::rules::check;

    fn read(category: &str, components: Value) -> Template {
        serde_json::from_value(json!({
            "id": "1", "name": "t", "language": "en_US", "category": category,
            "status": "APPROVED", "components": components
        }))
        .unwrap()
    }

    #[test]
    fn text_components_travel_as_read_with_their_examples() {
        let components = json!([
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["LS-1"]}},
            {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Maria"]]}},
            {"type": "FOOTER", "text": "Lucky Shrub"},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "View", "url": "https://x/{{1}}", "example": ["https://x/1"]},
                                            {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+16315550101"}]}
        ]);
        let built = build(&read("UTILITY", components.clone())).unwrap();
        assert_eq!(
            serde_json::to_value(&built.body.components).unwrap(),
            components
        );
        assert_eq!(built.body.parameter_format.as_deref(), Some("POSITIONAL"));
        assert!(built.media.is_empty() && check(&built.body).is_empty());
    }

    #[test]
    fn media_headers_leave_a_slot_and_the_handle_fills_it() {
        let built = build(&read(
            "MARKETING",
            json!([{"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://scontent.example/x.jpg"]}},
                   {"type": "BODY", "text": "Spring"}]),
        ))
        .unwrap();
        assert_eq!(built.media.len(), 1);
        assert_eq!(built.body.components[0].extra.get("example"), None);
        let mut body = built.body;
        fill_media(&mut body, &built.media[0], "4::aW1h");
        assert_eq!(
            body.components[0].extra["example"]["header_handle"][0],
            "4::aW1h"
        );
    }

    #[test]
    fn carousel_cards_each_need_a_sample() {
        let card = json!({"components": [{"type": "HEADER", "format": "VIDEO"}, {"type": "BODY", "text": "Olive"}]});
        let built = build(&read(
            "MARKETING",
            json!([{"type": "BODY", "text": "Picks"}, {"type": "CAROUSEL", "cards": [card.clone(), card]}]),
        ))
        .unwrap();
        let keys: Vec<&str> = built.media.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, vec!["t/card0", "t/card1"]);
        let mut body = built.body;
        fill_media(&mut body, &built.media[1], "h1");
        assert_eq!(
            body.components[1].extra["cards"][1]["components"][0]["example"]["header_handle"][0],
            "h1"
        );
    }

    #[test]
    fn authentication_reads_become_otp_requests_and_expand_back() {
        let read_components = json!([
            {"type": "BODY", "text": "{{1}} is your verification code. For your security, do not share this code."},
            {"type": "FOOTER", "text": "This code expires in 10 minutes."},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Copy code", "url": "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}"}]}
        ]);
        let built = build(&read("AUTHENTICATION", read_components.clone())).unwrap();
        assert_eq!(
            serde_json::to_value(&built.body.components).unwrap(),
            json!([{"type": "BODY", "add_security_recommendation": true},
                   {"type": "FOOTER", "code_expiration_minutes": 10},
                   {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]}])
        );
        assert!(check(&built.body).is_empty());
        assert_eq!(
            Value::Array(expand_authentication(&built.body.components)),
            read_components
        );
    }

    #[test]
    fn legacy_categories_map_or_ask_and_named_parameters_are_kept() {
        let mut t = read(
            "TRANSACTIONAL",
            json!([{"type": "BODY", "text": "Hi {{first_name}}"}]),
        );
        let built = build(&t).unwrap();
        assert_eq!(built.body.category, "UTILITY");
        assert_eq!(built.body.parameter_format.as_deref(), Some("NAMED"));
        assert_eq!(
            built.notes,
            vec!["legacy category TRANSACTIONAL sent as UTILITY"]
        );
        t.category = Some(TemplateCategory::parse("PROMO_2019"));
        let refused = build(&t).unwrap_err();
        assert_eq!(refused, Unbuildable::UnknownCategory("PROMO_2019".into()));
        assert!(refused.to_string().contains("--edit"));
    }
}
