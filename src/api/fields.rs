//! The fields fallback: Graph fails a whole read when one asked-for field does not exist
//! on the node in this version ("(#100) Tried accessing nonexisting field (X) on node
//! type (Y)", no data; seen e.g. in https://github.com/PipedreamHQ/pipedream/issues/9004),
//! and Meta deprecates and removes fields across versions (`messaging_limit_tier` is
//! deprecated: https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits,
//! as quoted in https://github.com/david-lev/pywa/issues/221). So on that error the
//! client drops the named field, retries once without it, and remembers the drop for the
//! rest of the session (per field set, shared by every clone of the client); the drop is
//! logged once, and the values read without it are shown as unknown.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use crate::api::error::ApiError;
use crate::domain::number::PhoneNumber;
use crate::domain::template::Template;
use crate::domain::waba::Waba;

/// The `fields` lists wamigrate asks for, one per node type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldSet {
    /// `WhatsAppBusinessAccount`: [`Waba::FIELDS`].
    Waba,
    /// `WhatsAppBusinessPhoneNumber`: [`PhoneNumber::FIELDS`].
    PhoneNumber,
    /// Message templates: [`Template::FIELDS`].
    Template,
}

impl FieldSet {
    /// Every field of the set, as wamigrate asks for them when the version has them all.
    pub fn all(self) -> &'static str {
        match self {
            FieldSet::Waba => Waba::FIELDS,
            FieldSet::PhoneNumber => PhoneNumber::FIELDS,
            FieldSet::Template => Template::FIELDS,
        }
    }

    /// The node type Graph names in its errors.
    pub fn node_type(self) -> &'static str {
        match self {
            FieldSet::Waba => "WhatsAppBusinessAccount",
            FieldSet::PhoneNumber => "WhatsAppBusinessPhoneNumber",
            FieldSet::Template => "message template",
        }
    }

    fn contains(self, field: &str) -> bool {
        self.all().split(',').any(|f| f == field)
    }
}

/// The fields this Graph version refused, per set, for the session.
#[derive(Debug, Clone, Default)]
pub struct DroppedFields(Arc<Mutex<HashMap<FieldSet, Vec<String>>>>);

impl DroppedFields {
    /// The fields of `set` known to be missing in this version.
    pub fn of(&self, set: FieldSet) -> Vec<String> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&set).cloned().unwrap_or_default()
    }

    /// Records a missing field; true the first time (the caller logs it then).
    fn insert(&self, set: FieldSet, field: &str) -> bool {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let dropped = map.entry(set).or_default();
        if dropped.iter().any(|d| d == field) {
            return false;
        }
        dropped.push(field.to_string());
        true
    }

    /// The `fields` parameter of `set` without the dropped fields.
    pub(crate) fn query(&self, set: FieldSet) -> String {
        self.query_of(set, set.all())
    }

    /// `fields` (some of `set`'s) without the dropped ones.
    pub(crate) fn query_of(&self, set: FieldSet, fields: &str) -> String {
        let dropped = self.of(set);
        fields
            .split(',')
            .filter(|f| !dropped.iter().any(|d| d == f))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Runs `read` with the fields of `set` this version has; on a nonexisting-field
    /// error naming one of ours, drops it and retries once without it (once per field,
    /// so a version missing two fields costs two retries). Returns the value and the
    /// fields it was read without.
    pub async fn read<T, F, Fut>(
        &self,
        set: FieldSet,
        read: F,
    ) -> Result<(T, Vec<String>), ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        loop {
            let asked_without = self.of(set);
            match read(self.query(set)).await {
                Ok(value) => return Ok((value, asked_without)),
                Err(e) if self.drop_refused(&e, &[(set, asked_without)]) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// When `e` is Graph's refusal of a field of one of `asked` (each set with the fields
    /// it was asked without), drops that field for the session and says so (logged once);
    /// false for any other error. With several sets (field expansion names the fields of
    /// two node types in one call), the node type Graph names picks the set.
    pub(crate) fn drop_refused(&self, e: &ApiError, asked: &[(FieldSet, Vec<String>)]) -> bool {
        let Some(field) = nonexisting_field(e) else {
            return false;
        };
        let node_type = e
            .server_message
            .as_deref()
            .and_then(|m| m.split("on node type (").nth(1))
            .and_then(|rest| rest.split(')').next());
        let refused = asked.iter().find(|(set, without)| {
            set.contains(&field)
                && !without.contains(&field)
                && node_type.is_none_or(|t| asked.len() == 1 || t == set.node_type())
        });
        let Some((set, _)) = refused else {
            return false;
        };
        if self.insert(*set, &field) {
            tracing::warn!(
                field,
                node_type = set.node_type(),
                endpoint = e.endpoint,
                "this Graph version has no such field: reading without it for the rest of the session (its values show as unknown)"
            );
        }
        true
    }
}

/// The field a "(#100) Tried accessing nonexisting field (X) on node type (Y)" error
/// names.
pub fn nonexisting_field(e: &ApiError) -> Option<String> {
    if e.code != Some(100) {
        return None;
    }
    let message = e.server_message.as_deref()?;
    let rest = &message[message.find("nonexisting field (")? + "nonexisting field (".len()..];
    let field = &rest[..rest.find(')')?];
    (!field.is_empty()).then(|| field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorClass;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn nonexisting(field: &str) -> ApiError {
        let mut e = ApiError::new(
            ErrorClass::Validation,
            "GET /v25.0/1/phone_numbers",
            "refused",
        );
        e.code = Some(100);
        e.server_message = Some(format!(
            "(#100) Tried accessing nonexisting field ({field}) on node type (WhatsAppBusinessPhoneNumber)"
        ));
        e
    }

    #[test]
    fn a_missing_field_is_dropped_retried_once_and_remembered_across_clones() {
        let dropped = DroppedFields::default();
        let calls = AtomicUsize::new(0);
        let read = |fields: String| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if fields.split(',').any(|f| f == "messaging_limit_tier") {
                    Err(nonexisting("messaging_limit_tier"))
                } else {
                    Ok(fields)
                }
            }
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (fields, without) = runtime
            .block_on(dropped.read(FieldSet::PhoneNumber, read))
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one retry");
        assert!(
            !fields.contains("messaging_limit_tier")
                && fields.contains("whatsapp_business_manager_messaging_limit")
        );
        assert_eq!(without, vec!["messaging_limit_tier".to_string()]);
        let clone = dropped.clone();
        runtime
            .block_on(clone.read(FieldSet::PhoneNumber, read))
            .unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "remembered: no second refusal"
        );
        assert!(dropped.of(FieldSet::Waba).is_empty(), "per field set");
    }

    #[test]
    fn with_two_node_types_the_one_graph_names_loses_the_field() {
        let dropped = DroppedFields::default();
        let asked = [
            (FieldSet::Waba, Vec::new()),
            (FieldSet::PhoneNumber, Vec::new()),
        ];
        // `health_status` is a field of both: the node type in the message decides.
        assert!(dropped.drop_refused(&nonexisting("health_status"), &asked));
        assert_eq!(dropped.of(FieldSet::PhoneNumber), vec!["health_status"]);
        assert!(dropped.of(FieldSet::Waba).is_empty());
        let already = [(FieldSet::PhoneNumber, vec!["health_status".to_string()])];
        assert!(
            !dropped.drop_refused(&nonexisting("health_status"), &already),
            "a field asked without already cannot be the cause: no loop"
        );
    }

    #[test]
    fn other_errors_and_foreign_fields_are_not_retried() {
        let dropped = DroppedFields::default();
        let calls = AtomicUsize::new(0);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = runtime
            .block_on(dropped.read(FieldSet::Waba, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(nonexisting("not_one_of_ours")) }
            }))
            .unwrap_err();
        assert_eq!(nonexisting_field(&err).as_deref(), Some("not_one_of_ours"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(dropped.of(FieldSet::Waba).is_empty());
    }
}
