//! Meta's rules for a template creation request, checked before anything is sent and
//! applied by the sandbox to what it receives (one set of rules for both).
//!
//! Sources:
//! - names: "Template fundamentals", Names: at most 512 characters, lowercase
//!   alphanumeric characters and underscores; a name is unique per language only
//!   (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview);
//! - categories AUTHENTICATION, MARKETING, UTILITY (same page, Categories);
//! - "If your templates use variables, you must include sample variable values upon
//!   template creation"; text header 1 parameter; `header_text` / `body_text` and the
//!   `*_named_params` forms
//!   (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components.md);
//! - content (body) at most 1,024 characters ("Create and Manage Templates", Limitations,
//!   https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates);
//! - buttons: at most 10 per template, at most 2 URL, 1 phone number, 1 copy code
//!   (components page, Buttons; restated by partners' copies of it);
//! - authentication: preset text, one OTP button (copy code, one tap or zero tap),
//!   `code_expiration_minutes` 1 to 90, no URLs, media or emojis
//!   (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/authentication-templates/copy-code-button-authentication-templates/).

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::recreate::CreateBody;
use crate::domain::template::{ComponentKind, TemplateButton, TemplateComponent};

/// Longest template name Meta accepts.
pub const MAX_NAME_CHARS: usize = 512;
/// Longest body text.
pub const MAX_BODY_CHARS: usize = 1024;
/// Longest header or footer text.
pub const MAX_HEADER_FOOTER_CHARS: usize = 60;
/// Most buttons a template may have, and per kind.
pub const MAX_BUTTONS: usize = 10;
const MAX_URL_BUTTONS: usize = 2;
const MAX_PHONE_BUTTONS: usize = 1;
const MAX_COPY_CODE_BUTTONS: usize = 1;

/// Which rule a request breaks; the sandbox answers each with its own error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Name,
    Language,
    Category,
    Body,
    TextLength,
    ParameterFormat,
    ParametersWithoutExamples,
    TooManyButtons,
    Authentication,
    MediaSample,
}

impl Rule {
    /// A title in the style of Meta's `error_user_title`.
    pub fn title(self) -> &'static str {
        match self {
            Rule::Name => "Invalid template name",
            Rule::Language => "Language missing",
            Rule::Category => "Invalid category",
            Rule::Body => "Body missing",
            Rule::TextLength => "Text too long",
            Rule::ParameterFormat => "Invalid parameters",
            Rule::ParametersWithoutExamples => "Sample values missing",
            Rule::TooManyButtons => "Too many buttons",
            Rule::Authentication => "Invalid authentication template",
            Rule::MediaSample => "Media sample missing",
        }
    }
}

/// One broken rule, with a sentence that says where and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn violation(rule: Rule, message: impl Into<String>) -> Violation {
    Violation {
        rule,
        message: message.into(),
    }
}

/// Every rule the request breaks (empty when Meta should accept its shape). Reads the
/// typed components in place: a plan checks thousands of bodies, so the happy path
/// allocates nothing.
pub fn check(body: &CreateBody) -> Vec<Violation> {
    let mut found = Vec::new();
    check_name(&body.name, &mut found);
    if body.language.trim().is_empty() {
        found.push(violation(
            Rule::Language,
            "language is empty: give a locale such as en_US",
        ));
    }
    let category = body.category.as_str();
    let is = |name: &str| category.eq_ignore_ascii_case(name);
    if !(is("AUTHENTICATION") || is("MARKETING") || is("UTILITY")) {
        found.push(violation(
            Rule::Category,
            format!(
                "category {} is not AUTHENTICATION, MARKETING or UTILITY",
                body.category
            ),
        ));
    }
    if is("AUTHENTICATION") {
        check_authentication(&body.components, &mut found);
        return found;
    }
    let bodies = body
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Body)
        .count();
    if bodies != 1 {
        found.push(violation(
            Rule::Body,
            format!("a template needs exactly one BODY component; this one has {bodies}"),
        ));
    }
    let named = body
        .parameter_format
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case("NAMED"));
    for (at, component) in body.components.iter().enumerate() {
        check_component(component, named, Place::Component(at), &mut found);
    }
    found
}

/// The parameters of a text, in order: `{{1}}` gives `1`, `{{first_name}}` gives `first_name`.
pub fn parameters(text: &str) -> Parameters<'_> {
    Parameters { rest: text }
}

/// The parameters of a text, read one by one without allocating (a plan reads the texts
/// of thousands of templates).
#[derive(Debug, Clone)]
pub struct Parameters<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Parameters<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = find_pair(self.rest, '{')?;
        let after = &self.rest[start + 2..];
        let Some(end) = find_pair(after, '}') else {
            self.rest = "";
            return None;
        };
        self.rest = &after[end + 2..];
        Some(after[..end].trim())
    }
}

/// Where a doubled `brace` (`{{` or `}}`) first starts: a one-character search (memchr)
/// finds the places to look at, much faster than a two-character pattern.
fn find_pair(text: &str, brace: char) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(brace) {
        let at = from + found;
        // The brace is one byte: the next character starts right after it.
        if text[at + 1..].starts_with(brace) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Where a component sits, named only when a rule is broken.
#[derive(Debug, Clone, Copy)]
enum Place {
    Component(usize),
    Card(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Component(at) => write!(f, "component {at}"),
            Place::Card(at) => write!(f, "card {at}"),
        }
    }
}

/// Which text of a component carries parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Body,
}

impl Part {
    fn label(self) -> &'static str {
        match self {
            Part::Header => "HEADER",
            Part::Body => "BODY",
        }
    }

    /// The `example` key of positional samples.
    fn positional_key(self) -> &'static str {
        match self {
            Part::Header => "header_text",
            Part::Body => "body_text",
        }
    }

    /// The `example` key of named samples.
    fn named_key(self) -> &'static str {
        match self {
            Part::Header => "header_text_named_params",
            Part::Body => "body_text_named_params",
        }
    }
}

fn check_name(name: &str, found: &mut Vec<Violation>) {
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        found.push(violation(
            Rule::Name,
            format!("name must have 1 to {MAX_NAME_CHARS} characters"),
        ));
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        found.push(violation(
            Rule::Name,
            format!("name {name:?} may hold only lowercase letters, digits and underscores"),
        ));
    }
}

fn check_component(
    component: &TemplateComponent,
    named: bool,
    place: Place,
    found: &mut Vec<Violation>,
) {
    let text = component.text.as_deref().unwrap_or_default();
    let format = component.format.as_deref().unwrap_or("TEXT");
    let media = ["IMAGE", "VIDEO", "DOCUMENT"]
        .into_iter()
        .find(|m| format.eq_ignore_ascii_case(m));
    match &component.kind {
        ComponentKind::Header if format.eq_ignore_ascii_case("TEXT") => {
            limit(text, MAX_HEADER_FOOTER_CHARS, "HEADER", found);
            let params = parameters(text);
            if params.clone().count() > 1 {
                found.push(violation(
                    Rule::ParameterFormat,
                    "a text header supports 1 parameter",
                ));
            }
            check_examples(component, params, named, Part::Header, found);
        }
        ComponentKind::Header => {
            if let Some(media) = media {
                let handle = example(component)["header_handle"][0]
                    .as_str()
                    .unwrap_or_default();
                if handle.trim().is_empty() {
                    found.push(violation(
                        Rule::MediaSample,
                        format!("{place}: a {media} header needs a sample uploaded with the Resumable Upload API (example.header_handle)"),
                    ));
                }
            }
        }
        ComponentKind::Body => {
            limit(text, MAX_BODY_CHARS, "BODY", found);
            check_examples(component, parameters(text), named, Part::Body, found);
        }
        ComponentKind::Footer => limit(text, MAX_HEADER_FOOTER_CHARS, "FOOTER", found),
        ComponentKind::Buttons => check_buttons(&component.buttons, found),
        ComponentKind::Carousel => {
            let cards = component.extra.get("cards").and_then(Value::as_array);
            for (card_at, card) in cards.into_iter().flatten().enumerate() {
                let parts = card["components"].as_array();
                for part in parts.into_iter().flatten() {
                    // Cards stay JSON inside the carousel; each part is read as a component.
                    match TemplateComponent::deserialize(part) {
                        Ok(part) => check_component(&part, named, Place::Card(card_at), found),
                        Err(e) => found.push(violation(
                            Rule::Body,
                            format!("card {card_at}: a part is not a template component ({e})"),
                        )),
                    }
                }
            }
        }
        _ => {}
    }
}

/// The component's `example`, or `null`.
fn example(component: &TemplateComponent) -> &Value {
    component.extra.get("example").unwrap_or(&Value::Null)
}

fn limit(text: &str, max: usize, what: &str, found: &mut Vec<Violation>) {
    let chars = text.chars().count();
    if chars > max {
        found.push(violation(
            Rule::TextLength,
            format!("{what} text has {chars} characters; at most {max}"),
        ));
    }
}

/// Parameters need sample values: positional ones numbered 1..n in order, named ones
/// each with a `param_name` entry.
fn check_examples(
    component: &TemplateComponent,
    params: Parameters<'_>,
    named: bool,
    part: Part,
    found: &mut Vec<Violation>,
) {
    let count = params.clone().count();
    if count == 0 {
        return;
    }
    let example = example(component);
    if named {
        let given = example[part.named_key()].as_array();
        let is_given = |name: &str| {
            given
                .into_iter()
                .flatten()
                .any(|p| p["param_name"].as_str() == Some(name))
        };
        let missing: Vec<String> = params
            .filter(|p| !is_given(p))
            .map(|p| format!("{{{{{p}}}}}"))
            .collect();
        if !missing.is_empty() {
            found.push(violation(
                Rule::ParametersWithoutExamples,
                format!(
                    "{} parameters {} have no sample value (example.{})",
                    part.label(),
                    missing.join(", "),
                    part.named_key()
                ),
            ));
        }
        return;
    }
    let in_order = params.enumerate().all(|(at, p)| is_number(p, at + 1));
    if !in_order {
        found.push(violation(
            Rule::ParameterFormat,
            format!(
                "{} parameters must be {{{{1}}}} to {{{{{}}}}} in order",
                part.label(),
                count
            ),
        ));
    }
    let samples = match part {
        Part::Header => &example[part.positional_key()],
        Part::Body => &example[part.positional_key()][0],
    }
    .as_array()
    .map_or(0, Vec::len);
    if samples < count {
        found.push(violation(
            Rule::ParametersWithoutExamples,
            format!(
                "{} has {} parameters but {samples} sample values (example.{})",
                part.label(),
                count,
                part.positional_key()
            ),
        ));
    }
}

/// Whether a positional parameter is written as the number `n` (`1`, not `01`).
fn is_number(param: &str, n: usize) -> bool {
    !param.starts_with('0') && param.bytes().all(|b| b.is_ascii_digit()) && param.parse() == Ok(n)
}

/// Whether a button is of `kind` (`URL`, `OTP`, ...), in any case.
fn button_is(button: &TemplateButton, kind: &str) -> bool {
    button
        .kind
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

fn check_buttons(buttons: &[TemplateButton], found: &mut Vec<Violation>) {
    let count = |kind: &str| buttons.iter().filter(|b| button_is(b, kind)).count();
    for (kind, max) in [
        ("URL", MAX_URL_BUTTONS),
        ("PHONE_NUMBER", MAX_PHONE_BUTTONS),
        ("COPY_CODE", MAX_COPY_CODE_BUTTONS),
    ] {
        if count(kind) > max {
            found.push(violation(
                Rule::TooManyButtons,
                format!(
                    "at most {max} {kind} button(s); this template has {}",
                    count(kind)
                ),
            ));
        }
    }
    if buttons.len() > MAX_BUTTONS {
        found.push(violation(
            Rule::TooManyButtons,
            format!(
                "at most {MAX_BUTTONS} buttons; this template has {}",
                buttons.len()
            ),
        ));
    }
    for button in buttons {
        let url_has_parameter = button
            .url
            .as_deref()
            .is_some_and(|url| parameters(url).next().is_some());
        let needs_example =
            (button_is(button, "URL") && url_has_parameter) || button_is(button, "COPY_CODE");
        if needs_example && button.extra.get("example").is_none_or(Value::is_null) {
            found.push(violation(
                Rule::ParametersWithoutExamples,
                format!(
                    "{} button {:?} has a parameter but no sample value (example)",
                    button
                        .kind
                        .as_deref()
                        .unwrap_or_default()
                        .to_ascii_uppercase(),
                    button.text.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
}

/// Authentication templates: preset text only, one OTP button.
fn check_authentication(components: &[TemplateComponent], found: &mut Vec<Violation>) {
    let buttons: Vec<&TemplateButton> = components
        .iter()
        .filter(|c| c.kind == ComponentKind::Buttons)
        .flat_map(|c| c.buttons.iter())
        .collect();
    let otp = buttons.iter().filter(|b| button_is(b, "OTP")).count();
    if buttons.len() != 1 || otp != 1 {
        found.push(violation(
            Rule::Authentication,
            "an authentication template has exactly one button, of type OTP (copy code, one tap or zero tap)",
        ));
    }
    if components.iter().any(|c| c.kind == ComponentKind::Header) {
        found.push(violation(
            Rule::Authentication,
            "authentication templates have no header (no media, URLs or emojis)",
        ));
    }
    if components
        .iter()
        .any(|c| c.kind == ComponentKind::Body && c.text.is_some())
    {
        found.push(violation(
            Rule::Authentication,
            "authentication body text is preset by WhatsApp: send add_security_recommendation, not text",
        ));
    }
    let expiry = components
        .iter()
        .find(|c| c.kind == ComponentKind::Footer)
        .and_then(|c| c.extra.get("code_expiration_minutes"));
    if let Some(minutes) = expiry
        && !minutes.as_u64().is_some_and(|m| (1..=90).contains(&m))
    {
        found.push(violation(
            Rule::Authentication,
            "code_expiration_minutes must be a whole number from 1 to 90",
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(name: &str, category: &str, components: Value) -> CreateBody {
        serde_json::from_value(json!({
            "name": name, "language": "en_US", "category": category, "components": components
        }))
        .unwrap()
    }

    fn rules(b: &CreateBody) -> Vec<Rule> {
        check(b).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn names_are_lowercase_digits_and_underscores_up_to_512() {
        let ok = body(
            "order_update_2",
            "UTILITY",
            json!([{"type": "BODY", "text": "Hello"}]),
        );
        assert!(check(&ok).is_empty());
        for bad in ["Order_update", "order-update", "", &"a".repeat(513)] {
            let b = body(bad, "UTILITY", json!([{"type": "BODY", "text": "Hello"}]));
            assert_eq!(rules(&b), vec![Rule::Name], "{bad}");
        }
    }

    #[test]
    fn parameters_need_samples_in_order() {
        let missing = body(
            "t",
            "MARKETING",
            json!([{"type": "BODY", "text": "Hi {{1}}, take {{2}} off"}]),
        );
        assert_eq!(rules(&missing), vec![Rule::ParametersWithoutExamples]);
        let gap = body(
            "t",
            "MARKETING",
            json!([{"type": "BODY", "text": "Hi {{1}} {{3}}", "example": {"body_text": [["a", "b"]]}}]),
        );
        assert_eq!(rules(&gap), vec![Rule::ParameterFormat]);
        let mut named = body(
            "t",
            "MARKETING",
            json!([{"type": "BODY", "text": "Hi {{first_name}}", "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Maria"}]}}]),
        );
        named.parameter_format = Some("NAMED".into());
        assert!(check(&named).is_empty());
        let url = body(
            "t",
            "UTILITY",
            json!([{"type": "BODY", "text": "Track"}, {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Go", "url": "https://x/{{1}}"}]}]),
        );
        assert_eq!(rules(&url), vec![Rule::ParametersWithoutExamples]);
    }

    #[test]
    fn too_many_buttons_and_the_authentication_shape() {
        let replies: Vec<Value> = (0..11)
            .map(|i| json!({"type": "QUICK_REPLY", "text": format!("r{i}")}))
            .collect();
        let many = body(
            "t",
            "MARKETING",
            json!([{"type": "BODY", "text": "Pick"}, {"type": "BUTTONS", "buttons": replies}]),
        );
        assert_eq!(rules(&many), vec![Rule::TooManyButtons]);
        let auth = body(
            "otp",
            "authentication",
            json!([{"type": "body", "add_security_recommendation": true},
                   {"type": "footer", "code_expiration_minutes": 10},
                   {"type": "buttons", "buttons": [{"type": "otp", "otp_type": "copy_code"}]}]),
        );
        assert!(check(&auth).is_empty(), "{:?}", check(&auth));
        let bad = body(
            "otp",
            "AUTHENTICATION",
            json!([{"type": "BODY", "text": "Your code is {{1}}"},
                   {"type": "FOOTER", "code_expiration_minutes": 120},
                   {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "ok"}]}]),
        );
        assert_eq!(rules(&bad), vec![Rule::Authentication; 3]);
    }

    #[test]
    fn media_headers_need_a_handle_also_on_carousel_cards() {
        let card = json!({"components": [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Olive tree"}]});
        let b = body(
            "t",
            "MARKETING",
            json!([{"type": "BODY", "text": "Our picks"}, {"type": "CAROUSEL", "cards": [card.clone(), card]}]),
        );
        assert_eq!(rules(&b), vec![Rule::MediaSample, Rule::MediaSample]);
        fn found(text: &str) -> Vec<&str> {
            parameters(text).collect()
        }
        assert_eq!(found("a {{ 1 }} b {{name}}"), vec!["1", "name"]);
        assert_eq!(found("{x} {{{1}}} a{b{{2}} {{open"), vec!["{1", "2"]);
        assert_eq!(found("é{{ü}}"), vec!["ü"]);
    }
}
