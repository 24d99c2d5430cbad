use serde_json::{Value, json};

use super::*;
use crate::domain::number::{
    CanSendMessage, HealthEntity, HealthStatus, PhoneNumber, QualityRating, Throughput,
};

fn selected(value: &impl Serialize, fields: &str) -> Value {
    let selection = split_fields(fields);
    serde_json::from_slice(&serde_json::to_vec(&Selected::new(value, &selection)).unwrap()).unwrap()
}

#[test]
fn fields_are_selected_with_nesting_and_id_always_present() {
    let item = json!({"id":"1","name":"n","owner_business_info":{"id":"b","name":"B","x":null},"currency":"USD","x":null});
    assert_eq!(
        selected(&item, "name,owner_business_info{name},x"),
        json!({"id":"1","name":"n","owner_business_info":{"id":"b","name":"B"}})
    );
    assert_eq!(
        selected(&item, "currency"),
        json!({"id":"1","currency":"USD"})
    );
    assert_eq!(
        selected(&item, "owner_business_info"),
        json!({"id":"1","owner_business_info":{"id":"b","name":"B"}}),
        "a member asked for without braces comes whole, without its nulls"
    );
}

/// A struct is shaped as its JSON would be: what was asked for, no nulls at any depth
/// (array items stay, their objects lose their nulls), `id` always.
#[test]
fn a_struct_is_written_as_its_json_shaped_would_be() {
    let number = PhoneNumber {
        id: "7".into(),
        display_phone_number: Some("+1 555".into()),
        quality_rating: Some(QualityRating::Unknown("PURPLE".into())),
        throughput: Some(Throughput { level: None }),
        health_status: Some(HealthStatus {
            can_send_message: Some(CanSendMessage::Available),
            entities: vec![HealthEntity {
                entity_type: Some("PHONE_NUMBER".into()),
                id: None,
                can_send_message: None,
                errors: vec![Value::Null, json!({"a": null, "b": 1})],
            }],
        }),
        ..PhoneNumber::default()
    };
    assert_eq!(
        selected(
            &number,
            "display_phone_number,verified_name,quality_rating,throughput,health_status"
        ),
        json!({
            "id": "7",
            "display_phone_number": "+1 555",
            "quality_rating": "PURPLE",
            "throughput": {},
            "health_status": {
                "can_send_message": "AVAILABLE",
                "entities": [{"entity_type": "PHONE_NUMBER", "errors": [null, {"b": 1}]}],
            },
        })
    );
    assert_eq!(
        selected(&number, "health_status{entities}"),
        json!({"id": "7", "health_status": {"entities": [{"entity_type": "PHONE_NUMBER", "errors": [null, {"b": 1}]}]}}),
        "braces select inside an object; an array's items come whole"
    );
}
