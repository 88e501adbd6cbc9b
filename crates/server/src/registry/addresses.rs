//! Proof that a merchant's addresses are its own: each declared origin with
//! its challenge and who proved it, the proven list kept beside the merchant,
//! and the proof of its handoff and webhook URLs (`verification.rs` asks the
//! other side; this is what the answer changes).

use std::collections::HashSet;

use serde::Serialize;

use crate::{
    cache::EVERYONE,
    db::Db,
    failure::Failure,
    ids::now,
    store::origins::{self, CallbackUrl},
};

/// One declared origin, how far its proof got, and its challenge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct OriginStatus {
    pub(crate) origin: String,
    pub(crate) verified: bool,
    /// Who proved it: `challenge` or `operator`.
    pub(crate) verified_by: Option<String>,
    /// Serve `postsale-verification=<challenge>` as a line of this file, then
    /// ask the hub to check it.
    pub(crate) challenge_url: String,
    pub(crate) challenge: String,
}

/// The merchant's declared origins with their proof.
pub(crate) async fn origins(db: &Db, merchant: &str) -> Result<Vec<OriginStatus>, Failure> {
    Ok(origins::of(&db.pool, merchant)
        .await?
        .into_iter()
        .map(|row| OriginStatus {
            challenge_url: format!("{}{ORIGIN_CHALLENGE_PATH}", row.origin),
            origin: row.origin,
            verified: row.verified_at.is_some(),
            verified_by: row.verified_by,
            challenge: row.challenge.unwrap_or_default(),
        })
        .collect())
}

/// Where an origin serves its challenge.
pub(crate) const ORIGIN_CHALLENGE_PATH: &str = "/.well-known/postsale-verification.txt";

/// Marks one declared origin proven (`by`: `challenge` or `operator`);
/// false when the merchant declared no such origin.
pub(crate) async fn prove_origin(
    db: &Db,
    merchant: &str,
    origin: &str,
    by: &str,
) -> Result<bool, Failure> {
    let mut tx = db.writer.begin().await?;
    if !origins::prove(&mut tx, merchant, origin, by, now()).await? {
        return Ok(false);
    }
    super::commit(db, tx, Some(merchant)).await?;
    Ok(true)
}

/// Which callback URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Callback {
    /// The affiliate's handoff URL.
    Handoff,
    /// The upseller's webhook URL.
    Webhook,
    /// The upseller's quote URL.
    Quote,
}

/// Marks the callback URL proven, if it is still `url` (a URL changed while
/// its challenge was out is not proven by it).
pub(crate) async fn prove_callback(
    db: &Db,
    merchant: &str,
    which: Callback,
    url: &str,
) -> Result<bool, Failure> {
    let which = match which {
        Callback::Handoff => CallbackUrl::Handoff,
        Callback::Webhook => CallbackUrl::Webhook,
        Callback::Quote => CallbackUrl::Quote,
    };
    let mut tx = db.writer.begin().await?;
    if !origins::prove_callback(&mut tx, merchant, which, url, now()).await? {
        return Ok(false);
    }
    super::commit(db, tx, Some(merchant)).await?;
    Ok(true)
}

/// Whether any merchant proved this origin (asked by every browser request
/// that names one): the set of all proven origins is read once and kept
/// until any merchant changes.
pub(crate) async fn origin_registered(db: &Db, origin: &str) -> Result<bool, Failure> {
    let proven = db
        .cache
        .get_or_load(EVERYONE, "proven-origins", "", proven_origins(db))
        .await?;
    Ok(proven.contains(origin))
}

async fn proven_origins(db: &Db) -> Result<HashSet<String>, Failure> {
    Ok(origins::proven(&db.pool).await?.into_iter().collect())
}
