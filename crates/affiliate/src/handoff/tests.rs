//! The configuration's own rules; the router is tested over HTTP in
//! `tests/handoff`.

use std::sync::Arc;

use postsale_protocol::{Address, CustomerRecord, Money};

use super::*;

struct Nobody;

impl CustomerDirectory for Nobody {
    fn order<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<OrderTicket>> {
        Box::pin(async { None })
    }
    fn customer<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<CustomerRecord>> {
        Box::pin(async { None })
    }
    fn ship_to<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<Address>> {
        Box::pin(async { None })
    }
}

impl SavedPaymentCharger for Nobody {
    fn charge<'a>(
        &'a self,
        _: &'a str,
        _: Money,
        _: &'a str,
    ) -> BoxFuture<'a, Result<String, ChargeError>> {
        Box::pin(async { Err(ChargeError::Declined("no".into())) })
    }
}

fn config(keys: Vec<(&str, &str)>) -> Result<HandoffConfig, HandoffConfigError> {
    let keys = keys
        .into_iter()
        .map(|(id, secret)| (id.to_owned(), Secret::from(secret)))
        .collect();
    HandoffConfig::new(
        keys,
        Arc::new(Nobody),
        Arc::new(Nobody),
        Arc::new(MemoryStore::new()),
    )
}

const STRONG: &str = "a ticket secret of thirty-two b!";

#[test]
fn a_config_needs_a_key() {
    assert_eq!(config(vec![]).map(|_| ()), Err(HandoffConfigError::NoKeys));
}

#[test]
fn a_bad_key_id_a_weak_secret_or_a_duplicate_is_refused_by_name() {
    assert_eq!(
        config(vec![("k.1", STRONG)]).map(|_| ()),
        Err(HandoffConfigError::InvalidKeyId("k.1".into()))
    );
    assert_eq!(
        config(vec![("k1", "short")]).map(|_| ()),
        Err(HandoffConfigError::WeakSecret("k1".into()))
    );
    assert_eq!(
        config(vec![("k1", STRONG), ("k1", STRONG)]).map(|_| ()),
        Err(HandoffConfigError::DuplicateKeyId("k1".into()))
    );
}

#[test]
fn the_config_prints_key_ids_but_never_secrets() {
    let printed = format!(
        "{:?}",
        config(vec![("k2", STRONG), ("k1", STRONG)]).expect("valid")
    );
    assert!(printed.contains(r#"["k1", "k2"]"#), "{printed}");
    assert!(!printed.contains("thirty-two"), "{printed}");
}

mod customer_schema {
    use serde_json::Value;

    use super::*;

    fn schema() -> Value {
        serde_json::from_str(CUSTOMER_SCHEMA).expect("the schema is JSON")
    }

    fn full_address() -> Address {
        Address {
            line1: "1 Main St".into(),
            line2: Some("Apt 2".into()),
            city: "Springfield".into(),
            region: Some("IL".into()),
            postal_code: "62701".into(),
            country: "US".into(),
        }
    }

    fn sorted_keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn sorted_strings(value: &Value) -> Vec<String> {
        let mut items: Vec<String> = value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        items.sort();
        items
    }

    #[test]
    fn the_schema_names_exactly_the_fields_the_record_serialises() {
        let record = CustomerRecord {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            billing_address: full_address(),
            shipping_address: full_address(),
            payment_reference: "pm_1".into(),
        };
        let json = serde_json::to_value(&record).expect("serialises");
        let schema = schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(sorted_keys(&schema["properties"]), sorted_keys(&json));
        assert_eq!(sorted_strings(&schema["required"]), sorted_keys(&json));
        let address = &schema["$defs"]["address"];
        assert_eq!(
            sorted_keys(&address["properties"]),
            sorted_keys(&json["billing_address"])
        );
        assert_eq!(
            sorted_strings(&address["required"]),
            ["city", "country", "line1", "postal_code"]
        );
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(address["additionalProperties"], false);
    }

    #[test]
    fn the_schema_has_no_card_fields() {
        fn names(value: &Value, out: &mut Vec<String>) {
            if let Some(object) = value.as_object() {
                if let Some(properties) = object.get("properties").and_then(Value::as_object) {
                    out.extend(properties.keys().cloned());
                }
                object.values().for_each(|v| names(v, out));
            }
        }
        let mut all = Vec::new();
        names(&schema(), &mut all);
        assert!(all.len() >= 11, "{all:?}");
        for name in all {
            for banned in ["card", "pan", "cvv", "cvc", "expiry", "number"] {
                assert!(!name.contains(banned), "{name} looks like a card field");
            }
        }
    }
}
