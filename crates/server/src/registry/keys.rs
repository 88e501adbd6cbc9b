//! The hub's keys, one purpose each: per affiliate for the calls the hub
//! signs and the validators it mints (`hub_calls`), per receiving merchant
//! for its webhooks (`webhooks`). Tickets are verified with the affiliate's
//! own ticket keys (the `secrets` records) and nothing else, so a ticket key
//! leaked from a storefront signs no hub call. A key is made here, shown
//! once, staged until the merchant has configured it and activates it; the
//! most recently activated active key signs, older active ones stay valid on
//! the merchant's side until retired.

use serde::{Deserialize, Serialize};

pub(crate) use crate::domain::HubKeyStatus;
use crate::{
    config::Secret,
    db::Db,
    failure::Failure,
    ids::{new_secret_hex, now},
    store::{StoreError, hub_keys},
};

/// The most keys of one purpose a merchant keeps (retired ones aside).
const MAX_LIVE: i64 = 5;

/// What a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Purpose {
    /// The hub's calls to the affiliate and the validators in them.
    HubCalls,
    /// The hub's webhooks to the merchant.
    Webhooks,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::HubCalls => "hub_calls",
            Self::Webhooks => "webhooks",
        }
    }

    fn parse(raw: &str) -> Result<Self, Failure> {
        match raw {
            "hub_calls" => Ok(Self::HubCalls),
            "webhooks" => Ok(Self::Webhooks),
            other => Err(Failure::Internal(format!("stored key purpose {other}"))),
        }
    }
}

/// A key the hub signs with.
#[derive(Debug, Clone)]
pub(crate) struct SigningKey {
    pub(crate) key_id: String,
    pub(crate) secret: Secret,
}

/// A key as its merchant sees it, without the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct KeyInfo {
    pub(crate) key_id: String,
    pub(crate) purpose: Purpose,
    pub(crate) status: HubKeyStatus,
    /// Whether the hub signs with it now.
    pub(crate) signing: bool,
    pub(crate) created_at: i64,
}

/// A new key, with its secret shown this once (and never by `Debug`).
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct NewKey {
    pub(crate) key_id: String,
    pub(crate) purpose: Purpose,
    /// Configure it where you verify the hub's signatures, then activate it.
    pub(crate) secret: String,
    pub(crate) status: HubKeyStatus,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("key_id", &self.key_id)
            .field("purpose", &self.purpose)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Makes a staged key of `purpose` for `merchant`.
pub(crate) async fn create(db: &Db, merchant: &str, purpose: Purpose) -> Result<NewKey, Failure> {
    let key_id = format!("hk_{}", &new_secret_hex()[..16]);
    let secret = new_secret_hex();
    create_with(db, merchant, purpose, &key_id, &secret).await?;
    Ok(NewKey {
        key_id,
        purpose,
        secret,
        status: HubKeyStatus::Staged,
    })
}

/// Stores a staged key with a given id and secret (the demo's known keys).
pub(crate) async fn create_with(
    db: &Db,
    merchant: &str,
    purpose: Purpose,
    key_id: &str,
    secret: &str,
) -> Result<(), Failure> {
    let mut tx = db.writer.begin().await?;
    let live = hub_keys::live(&mut tx, merchant, purpose.as_str()).await?;
    if live >= MAX_LIVE {
        return Err(Failure::Conflict(format!(
            "at most {MAX_LIVE} {} keys at once; retire one first",
            purpose.as_str()
        )));
    }
    hub_keys::insert_staged(
        &mut tx,
        merchant,
        key_id,
        purpose.as_str(),
        &db.sealer.seal(&context(merchant, key_id), secret),
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Activates a staged (or re-activates an active) key: it signs from now on.
pub(crate) async fn activate(db: &Db, merchant: &str, key_id: &str) -> Result<(), Failure> {
    if hub_keys::activate(&db.writer, merchant, key_id, now_ms()).await? {
        Ok(())
    } else {
        Err(Failure::NotFound(format!("no live key '{key_id}'")))
    }
}

/// Retires a key; the key that signs now cannot be retired before another
/// is activated.
pub(crate) async fn retire(db: &Db, merchant: &str, key_id: &str) -> Result<(), Failure> {
    let keys = list(db, merchant).await?;
    let Some(key) = keys
        .iter()
        .find(|k| k.key_id == key_id && k.status != HubKeyStatus::Retired)
    else {
        return Err(Failure::NotFound(format!("no live key '{key_id}'")));
    };
    if key.signing {
        return Err(Failure::Conflict(
            "the hub signs with this key; activate another first".into(),
        ));
    }
    hub_keys::retire(&db.writer, merchant, key_id, now()).await?;
    Ok(())
}

/// The merchant's keys, newest first, without their secrets. The key that
/// signs a purpose is its most recently activated active key, as in
/// [`signing`].
pub(crate) async fn list(db: &Db, merchant: &str) -> Result<Vec<KeyInfo>, Failure> {
    let rows = hub_keys::of(&db.pool, merchant).await?;
    let mut keys = Vec::with_capacity(rows.len());
    // Per purpose: (activated_ms, key_id) of the latest activation.
    let mut latest: Vec<(Purpose, i64, String)> = Vec::new();
    for row in rows {
        let key = KeyInfo {
            purpose: Purpose::parse(&row.purpose)?,
            status: HubKeyStatus::parse(&row.status)?,
            signing: false,
            created_at: row.created_at,
            key_id: row.key_id,
        };
        if key.status == HubKeyStatus::Active {
            let at = row.activated_ms.unwrap_or(0);
            match latest.iter_mut().find(|(p, _, _)| *p == key.purpose) {
                Some(l) if (at, &key.key_id) > (l.1, &l.2) => {
                    *l = (key.purpose, at, key.key_id.clone())
                }
                Some(_) => {}
                None => latest.push((key.purpose, at, key.key_id.clone())),
            }
        }
        keys.push(key);
    }
    for key in &mut keys {
        key.signing = latest
            .iter()
            .any(|(p, _, id)| *p == key.purpose && *id == key.key_id);
    }
    Ok(keys)
}

/// The key the hub signs `purpose` with for `merchant`: the most recently
/// activated active one.
pub(crate) async fn signing(
    db: &Db,
    merchant: &str,
    purpose: Purpose,
) -> Result<Option<SigningKey>, Failure> {
    hub_keys::signing(&db.store, merchant, purpose.as_str())
        .await?
        .map(|(key_id, sealed)| {
            let secret = db
                .sealer
                .open(&context(merchant, &key_id), &sealed)
                .map_err(|e| Failure::Internal(format!("hub key {key_id}: {e}")))?;
            Ok(SigningKey {
                key_id,
                secret: Secret::new(secret),
            })
        })
        .transpose()
}

/// The row a key's sealed secret is bound to.
fn context(merchant: &str, key_id: &str) -> String {
    format!("hub_keys:{merchant}:{key_id}")
}

/// Seals the secrets of keys stored before sealing existed.
pub(crate) async fn seal_plaintext(db: &Db) -> Result<(), StoreError> {
    for (merchant, key_id, secret) in hub_keys::all_secrets(&db.pool).await? {
        if crate::seal::Sealer::is_sealed(&secret) {
            continue;
        }
        let sealed = db.sealer.seal(&context(&merchant, &key_id), &secret);
        hub_keys::reseal(&db.writer, &merchant, &key_id, &sealed).await?;
    }
    Ok(())
}
