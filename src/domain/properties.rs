//! Property tests of the domain parsers that meet the outside world (issue 10, item 9):
//! every payload type, every open enum, the fleet filter language and phone numbers.
//! Case counts are modest so the suite stays fast; `PROPTEST_CASES` raises them.

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::fleet::{Column, FilterExpr, FleetRow};
use crate::domain::number::*;
use crate::domain::partner::*;
use crate::domain::phone::E164;
use crate::domain::template::*;
use crate::domain::waba::*;

/// Cases per property: enough to find the shapes that break a parser, few enough that
/// the whole file runs in about a second.
fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        // No regression files written into the source tree; a failure prints its case.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every wire value of every open enum: values a parser branches on.
fn enum_words() -> Vec<String> {
    macro_rules! words {
        ($($ty:ty),+) => { vec![$(<$ty>::KNOWN.iter().map(|v| v.as_str().to_string()).collect::<Vec<_>>()),+].concat() };
    }
    words!(
        NameStatus,
        CodeVerificationStatus,
        QualityRating,
        NumberStatus,
        PlatformType,
        AccountMode,
        ThroughputLevel,
        MessagingLimitTier,
        ManagerMessagingLimit,
        CanSendMessage,
        ChannelStatus,
        ChannelAccountMode,
        PartnerChangeStatus,
        TemplateStatus,
        TemplateCategory,
        QualityScore,
        ParameterFormat,
        ComponentKind,
        AccountReviewStatus,
        BusinessVerificationStatus
    )
}

/// Field names of every payload type (from their serialised defaults), so generated
/// objects hit the fields a parser reads, not only keys it skips.
fn field_names() -> Vec<String> {
    fn keys<T: Serialize + Default>() -> Vec<String> {
        match serde_json::to_value(T::default()) {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
    let mut names = [
        keys::<PhoneNumber>(),
        keys::<Throughput>(),
        keys::<HealthStatus>(),
        keys::<HealthEntity>(),
        keys::<Waba>(),
        keys::<BusinessRef>(),
        keys::<SubscribedApp>(),
        keys::<AppData>(),
        keys::<Template>(),
        keys::<TemplateQuality>(),
        keys::<TemplateButton>(),
        keys::<TemplateMigrationResult>(),
        keys::<PartnerClient>(),
        keys::<Channel>(),
        keys::<ChannelSetupInfo>(),
        keys::<ChannelWaba>(),
        keys::<PartnerChangeRequest>(),
    ]
    .concat();
    names.extend(["type", "format", "buttons", "client_id", "extra"].map(String::from));
    names.sort();
    names.dedup();
    names
}

/// Text a server might send: enum words, printable text, or any characters at all
/// (control characters, escapes, astral planes).
fn server_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(enum_words()),
        2 => "\\PC{0,12}",
        2 => any::<String>(),
    ]
}

/// Any JSON value, objects keyed mostly by payload field names.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        server_text().prop_map(Value::String),
    ];
    let names = field_names();
    leaf.prop_recursive(3, 32, 6, move |inner| {
        let key = prop_oneof![4 => prop::sample::select(names.clone()), 1 => "\\PC{0,6}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A payload-like object: known fields with any values, and usually a string `id`.
fn payload() -> impl Strategy<Value = Value> {
    let names = field_names();
    (
        prop::collection::btree_map(prop::sample::select(names), json_value(), 0..10),
        prop::option::weighted(0.8, server_text()),
    )
        .prop_map(|(fields, id)| {
            let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
            if let Some(id) = id {
                object.insert("id".into(), Value::String(id));
            }
            Value::Object(object)
        })
}

/// Parsing `value` as `T` never panics, and what parses serialises to a value that
/// parses back to the same `T` (so what wamigrate journals and exports reads back).
fn round_trips<T>(value: &Value) -> Result<(), TestCaseError>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let _ = serde_json::from_str::<T>(&value.to_string());
    let Ok(parsed) = serde_json::from_value::<T>(value.clone()) else {
        return Ok(());
    };
    let written = serde_json::to_string(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_str(&written)
        .map_err(|e| TestCaseError::fail(format!("{e} in {written}")))?;
    prop_assert_eq!(back, parsed);
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn every_payload_type_takes_any_json_and_round_trips_what_it_parses(value in payload()) {
        round_trips::<PhoneNumber>(&value)?;
        round_trips::<Waba>(&value)?;
        round_trips::<SubscribedApp>(&value)?;
        round_trips::<Template>(&value)?;
        round_trips::<TemplateComponent>(&value)?;
        round_trips::<TemplateButton>(&value)?;
        round_trips::<TemplateMigrationResult>(&value)?;
        round_trips::<PartnerClient>(&value)?;
        round_trips::<Channel>(&value)?;
        round_trips::<PartnerChangeRequest>(&value)?;
        round_trips::<HealthStatus>(&value)?;
        round_trips::<FleetRow>(&value)?;
    }

    #[test]
    fn unknown_enum_values_survive_a_round_trip(raw in server_text()) {
        macro_rules! survives {
            ($($ty:ty),+) => {$(
                let parsed = <$ty>::parse(&raw);
                if parsed.is_unknown() {
                    prop_assert_eq!(parsed.as_str(), raw.as_str());
                } else {
                    prop_assert!(parsed.as_str().eq_ignore_ascii_case(&raw));
                }
                let json = serde_json::to_string(&parsed).unwrap();
                prop_assert_eq!(serde_json::from_str::<$ty>(&json).unwrap(), parsed);
            )+};
        }
        survives!(
            NameStatus, CodeVerificationStatus, QualityRating, NumberStatus, PlatformType,
            AccountMode, ThroughputLevel, MessagingLimitTier, ManagerMessagingLimit,
            CanSendMessage, ChannelStatus, ChannelAccountMode, PartnerChangeStatus,
            TemplateStatus, TemplateCategory, QualityScore, ParameterFormat, ComponentKind,
            AccountReviewStatus, BusinessVerificationStatus
        );
        // Inside its payload too: a number whose quality Meta renamed keeps the new word.
        let number: PhoneNumber =
            serde_json::from_value(serde_json::json!({"id": "1", "quality_rating": raw})).unwrap();
        let again = serde_json::to_value(&number).unwrap();
        prop_assert_eq!(
            again["quality_rating"].as_str().map(str::to_ascii_uppercase),
            Some(raw.to_ascii_uppercase())
        );
    }
}

/// A fleet row whose text cells are server text.
fn fleet_row() -> impl Strategy<Value = FleetRow> {
    let cell = || prop::option::of(server_text());
    (
        ("[0-9]{1,16}", "[0-9]{1,16}"),
        (cell(), cell(), cell(), cell(), cell(), cell()),
        (cell(), cell(), cell(), prop::option::of(any::<bool>())),
    )
        .prop_map(|((id, waba_id), a, b)| FleetRow {
            id,
            waba_id,
            waba_name: a.0.map(Into::into),
            business: a.1.map(Into::into),
            display_phone_number: a.2,
            verified_name: a.3,
            name_status: a.4.map(Into::into),
            quality_rating: a.5.map(Into::into),
            messaging_limit: b.0.map(Into::into),
            platform_type: b.1.map(Into::into),
            status: b.2.map(Into::into),
            is_pin_enabled: b.3,
            ..FleetRow::default()
        })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_filter_text_parses_or_is_refused_with_a_sentence(input in any::<String>()) {
        match FilterExpr::parse(&input) {
            Ok(expr) => {
                let _ = expr.matches(&FleetRow::default());
            }
            Err(e) => prop_assert!(e.to_string().ends_with('.'), "{e}"),
        }
    }

    #[test]
    fn a_field_term_made_from_a_cell_matches_its_row(
        row in fleet_row(),
        column in prop::sample::select(Column::ALL.to_vec()),
    ) {
        let value = column.value(&row).into_owned();
        // A term value is trimmed and cannot hold a quote; a closed column only takes
        // its own words.
        prop_assume!(!value.trim().is_empty() && value.trim() == value && !value.contains('"'));
        prop_assume!(!matches!(column, Column::TwoFactor | Column::Migration));
        let term = format!("{}:\"{value}\"", column.key());
        let expr = FilterExpr::parse(&term);
        prop_assert!(expr.is_ok(), "{term:?}: {:?}", expr);
        prop_assert!(expr.unwrap().matches(&row), "{term:?} does not match its own row");
    }

    #[test]
    fn a_quoted_piece_of_a_cell_finds_its_row(
        row in fleet_row(),
        column in prop::sample::select(vec![Column::VerifiedName, Column::Status, Column::Waba]),
        cut in (0usize..8, 1usize..8),
    ) {
        let value = column.value(&row).into_owned();
        let chars: Vec<char> = value.chars().collect();
        let start = cut.0.min(chars.len());
        let piece: String = chars[start..(start + cut.1).min(chars.len())].iter().collect();
        prop_assume!(!piece.trim().is_empty() && !piece.contains('"'));
        let expr = FilterExpr::parse(&format!("\"{piece}\""));
        prop_assert!(expr.is_ok());
        prop_assert!(expr.unwrap().matches(&row), "{piece:?} is in {value:?}");
    }

    #[test]
    fn terms_are_a_conjunction(row in fleet_row(), a in "[a-z:\" ]{0,10}", b in "[a-z:\" ]{0,10}") {
        let (Ok(left), Ok(right), Ok(both)) = (
            FilterExpr::parse(&a),
            FilterExpr::parse(&b),
            FilterExpr::parse(&format!("{a} {b}")),
        ) else {
            return Ok(());
        };
        prop_assume!(a.matches('"').count() % 2 == 0);
        prop_assert_eq!(both.matches(&row), left.matches(&row) && right.matches(&row));
    }

    #[test]
    fn phone_numbers_parse_or_are_refused_and_round_trip(input in any::<String>()) {
        if let Ok(number) = E164::parse(&input) {
            let digits = number.digits();
            prop_assert!((8..=15).contains(&digits.len()));
            prop_assert!(!number.national.is_empty());
            prop_assert_eq!(E164::parse(&number.to_string()), Ok(number));
        }
    }

    #[test]
    fn an_e164_number_written_any_usual_way_gives_the_same_digits(
        digits in "[1-9][0-9]{7,14}",
        separators in prop::collection::vec(prop::sample::select(vec!["", " ", "-", "(", ")", "."]), 16),
    ) {
        let written: String = std::iter::once("+".to_string())
            .chain(digits.chars().zip(&separators).map(|(d, s)| format!("{d}{s}")))
            .collect();
        let number = E164::parse(&format!("  {written} "));
        prop_assert!(number.is_ok(), "{written:?}: {:?}", number);
        let number = number.unwrap();
        prop_assert_eq!(number.digits(), digits);
        prop_assert!((1..=3).contains(&number.country_code.len()));
    }
}
