//! Proof that a merchant's addresses are its own: each declared origin with
//! its challenge and who proved it, the proven list kept beside the merchant,
//! and the proof of its handoff and webhook URLs (`verification.rs` asks the
//! other side; this is what the answer changes).

use std::collections::HashSet;

use serde::Serialize;
use sqlx::Row;

use crate::{cache::EVERYONE, db::Db, failure::Failure, ids::now};

/// Rewrites the merchant's list of proven origins from its origin rows.
pub(super) async fn refresh_verified(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
) -> Result<(), Failure> {
    let rows = sqlx::query(
        "SELECT origin FROM merchant_origins WHERE merchant_id = $1 AND verified_at IS NOT NULL ORDER BY origin",
    )
    .bind(merchant)
    .fetch_all(&mut **tx)
    .await?;
    let proven = rows
        .iter()
        .map(|r| r.try_get::<String, _>("origin"))
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query("UPDATE merchants SET verified_origins = $1 WHERE id = $2")
        .bind(serde_json::to_string(&proven).map_err(|e| Failure::Internal(e.to_string()))?)
        .bind(merchant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

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
    let rows = sqlx::query(
        "SELECT origin, challenge, verified_at, verified_by FROM merchant_origins WHERE merchant_id = $1 ORDER BY origin",
    )
    .bind(merchant)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let origin: String = row.try_get("origin")?;
            Ok(OriginStatus {
                challenge_url: format!("{origin}{ORIGIN_CHALLENGE_PATH}"),
                origin,
                verified: row.try_get::<Option<i64>, _>("verified_at")?.is_some(),
                verified_by: row.try_get("verified_by")?,
                challenge: row
                    .try_get::<Option<String>, _>("challenge")?
                    .unwrap_or_default(),
            })
        })
        .collect()
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
    let moved = sqlx::query(
        "UPDATE merchant_origins SET verified_at = $1, verified_by = $2 WHERE merchant_id = $3 AND origin = $4",
    )
    .bind(now())
    .bind(by)
    .bind(merchant)
    .bind(origin)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    refresh_verified(&mut tx, merchant).await?;
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
}

/// Marks the callback URL proven, if it is still `url` (a URL changed while
/// its challenge was out is not proven by it).
pub(crate) async fn prove_callback(
    db: &Db,
    merchant: &str,
    which: Callback,
    url: &str,
) -> Result<bool, Failure> {
    let sql = match which {
        Callback::Handoff => {
            "UPDATE merchants SET handoff_url_verified_at = $1 WHERE id = $2 AND handoff_url = $3"
        }
        Callback::Webhook => {
            "UPDATE merchants SET webhook_url_verified_at = $1 WHERE id = $2 AND webhook_url = $3"
        }
    };
    let mut tx = db.writer.begin().await?;
    let moved = sqlx::query(sql)
        .bind(now())
        .bind(merchant)
        .bind(url)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() == 0 {
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
    let rows =
        sqlx::query("SELECT DISTINCT origin FROM merchant_origins WHERE verified_at IS NOT NULL")
            .fetch_all(&db.pool)
            .await?;
    let origins = rows
        .iter()
        .map(|row| row.try_get::<String, _>("origin"))
        .collect::<Result<HashSet<_>, _>>()?;
    Ok(origins)
}
