//! The configuration's own rules; the router is tested over HTTP in
//! `tests/handoff`.

use std::sync::Arc;

use postsale_protocol::{Address, CustomerRecord, Money};

use super::*;

struct Nobody;

impl CustomerDirectory for Nobody {
    fn ticket_nonce<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<String>> {
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
