//! The affiliate's side of an accept: the HTTP endpoint the hub calls,
//! server to server, when a customer takes an offer on the affiliate's order
//! page. It is where the affiliate's money moves, so it trusts nothing it has
//! not checked: the hub's signature over the raw body, then the validator the
//! hub minted for this accept, bound to the ticket the affiliate signed and to
//! the amount about to be charged. Only then does it charge (merchant of
//! record) or release a customer record (payment reference), once per hub
//! order, replaying the stored answer when the hub retries.
//!
//! A merchant builds a [`HandoffConfig`] from the hub's keys for it (the
//! `hub_calls` keys `POST /v1/admin/keys` shows once: never the ticket key,
//! which signs tickets only) and three small traits, and mounts [`router`]
//! next to its own routes. The router also answers the hub's signed
//! challenge when the hub proves the URL:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use postsale_affiliate::handoff::*;
//! # fn shop_routes() -> axum::Router { axum::Router::new() }
//! # fn demo(directory: Arc<dyn CustomerDirectory>, gateway: Arc<dyn SavedPaymentCharger>) {
//! let keys = vec![("k1".to_owned(), postsale_affiliate::Secret::from("a secret of at least 32 bytes....."))];
//! let config = HandoffConfig::new(keys, directory, gateway, Arc::new(MemoryStore::new()))
//!     .expect("valid keys");
//! // `/postsale/handoff` beside the shop's own routes; `.nest("/hooks", ...)`
//! // gives `/hooks/postsale/handoff` instead. Register that URL with the hub.
//! let app = shop_routes().merge(router(config));
//! # let _ = app;
//! # }
//! ```

mod answer;
mod error;
mod handler;
mod memory;
mod traits;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

pub use error::HandoffError;
pub use memory::MemoryStore;
pub use traits::{
    BoxFuture, ChargeError, CustomerDirectory, OrderTicket, Redemption, RedemptionStore, Replay,
    SavedPaymentCharger, StoreError,
};

use crate::Secret;

/// The path the router answers, relative to where it is mounted.
pub const HANDOFF_PATH: &str = "/postsale/handoff";

/// The largest request body accepted: a handoff request is a few hundred
/// bytes, so anything near this is not from the hub.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The JSON Schema (draft 2020-12) of the [`CustomerRecord`](postsale_protocol::CustomerRecord)
/// released under `payment_reference`, as published in
/// `crates/protocol/schema/customer.schema.json`: for merchants whose systems
/// validate or generate the record in another language.
pub const CUSTOMER_SCHEMA: &str = include_str!("../../../protocol/schema/customer.schema.json");

/// The shortest secret accepted: HMAC-SHA256 wants 256 bits of key.
const MIN_SECRET_LEN: usize = 32;

/// Why a [`HandoffConfig`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffConfigError {
    /// No (key id, secret) pair was given.
    #[error("at least one key is needed")]
    NoKeys,
    /// A key id is not 1 to 64 characters of `A-Z a-z 0-9 - _`; it is named.
    #[error("key id {0:?} must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_'")]
    InvalidKeyId(String),
    /// Two keys share one id; it is named.
    #[error("key id {0:?} is given twice")]
    DuplicateKeyId(String),
    /// The secret of the named key is shorter than 32 bytes.
    #[error("the secret of key {0:?} is shorter than 32 bytes")]
    WeakSecret(String),
}

/// What the handoff router needs: the affiliate's ticket keys (the hub signs
/// its calls and mints validators with the same ones) and the merchant's
/// directory, gateway and redemption store. `Debug` prints key ids only.
#[derive(Clone)]
pub struct HandoffConfig {
    keys: Arc<HashMap<String, Secret>>,
    directory: Arc<dyn CustomerDirectory>,
    charger: Arc<dyn SavedPaymentCharger>,
    store: Arc<dyn RedemptionStore>,
    clock: fn() -> i64,
}

impl HandoffConfig {
    /// A configuration accepting calls signed with any of `keys` (key id,
    /// secret): during a rotation, list the new key and the old one.
    pub fn new(
        keys: Vec<(String, Secret)>,
        directory: Arc<dyn CustomerDirectory>,
        charger: Arc<dyn SavedPaymentCharger>,
        store: Arc<dyn RedemptionStore>,
    ) -> Result<Self, HandoffConfigError> {
        if keys.is_empty() {
            return Err(HandoffConfigError::NoKeys);
        }
        let mut map = HashMap::with_capacity(keys.len());
        for (key_id, secret) in keys {
            let valid = (1..=64).contains(&key_id.len())
                && key_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(HandoffConfigError::InvalidKeyId(key_id));
            }
            if secret.expose().len() < MIN_SECRET_LEN {
                return Err(HandoffConfigError::WeakSecret(key_id));
            }
            if map.contains_key(&key_id) {
                return Err(HandoffConfigError::DuplicateKeyId(key_id));
            }
            map.insert(key_id, secret);
        }
        Ok(Self {
            keys: Arc::new(map),
            directory,
            charger,
            store,
            clock: crate::unix_now,
        })
    }

    /// The same configuration reading the time (unix seconds) from `clock`,
    /// for tests that pin it.
    pub fn with_clock(mut self, clock: fn() -> i64) -> Self {
        self.clock = clock;
        self
    }

    fn secret(&self, key_id: &str) -> Option<&Secret> {
        self.keys.get(key_id)
    }
}

impl fmt::Debug for HandoffConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("HandoffConfig")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

/// The router answering `POST /postsale/handoff` ([`HANDOFF_PATH`]) for the
/// hub. Mount it with `.merge(router(config))` beside the shop's routes, or
/// `.nest("/prefix", router(config))` under a prefix, and register the full
/// URL with the hub as the affiliate's handoff URL. Bodies over
/// [`MAX_BODY_BYTES`] are refused with 413. A request is read as JSON, or as
/// XML when its `Content-Type` says so (`postsale_protocol::xml`: the hub
/// sends that form to an affiliate whose `handoff_format` is `xml`); answers
/// are JSON, or XML to an `Accept: application/xml`; refusals are always
/// `application/problem+json`
/// ([`HandoffError`] lists them with their statuses).
pub fn router(config: HandoffConfig) -> Router {
    Router::new()
        .route(HANDOFF_PATH, post(handler::handle))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(handler::State::new(config)))
}

/// A short random id tying an answer to a log line.
pub(crate) fn reference_id() -> String {
    use rand::RngCore;
    let mut bytes = [0_u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
