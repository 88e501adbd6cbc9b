//! Merchants' declared origins with their challenges and proof, the proven
//! list kept beside each merchant, and the proof of its callback URLs.

use super::StoreError;

/// Inside the caller's transaction: rewrites the merchant's list of proven
/// origins (a JSON list on its row) from its origin rows.
pub(crate) async fn refresh_verified(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
) -> Result<(), StoreError> {
    let proven: Vec<(String,)> = sqlx::query_as(
        "SELECT origin FROM merchant_origins WHERE merchant_id = $1 AND verified_at IS NOT NULL ORDER BY origin",
    )
    .bind(merchant)
    .fetch_all(&mut **tx)
    .await?;
    let proven: Vec<String> = proven.into_iter().map(|(origin,)| origin).collect();
    sqlx::query("UPDATE merchants SET verified_origins = $1 WHERE id = $2")
        .bind(serde_json::Value::from(proven).to_string())
        .bind(merchant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One declared origin as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct OriginRow {
    pub(crate) origin: String,
    pub(crate) challenge: Option<String>,
    pub(crate) verified_at: Option<i64>,
    pub(crate) verified_by: Option<String>,
}

/// Every merchant's declared origins that are not proven yet: merchant id
/// and origin, by merchant and origin.
pub(crate) async fn unproven(pool: &sqlx::AnyPool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT merchant_id, origin FROM merchant_origins WHERE verified_at IS NULL \
         ORDER BY merchant_id, origin",
    )
    .fetch_all(pool)
    .await?)
}

/// The merchant's declared origins, by origin.
pub(crate) async fn of(pool: &sqlx::AnyPool, merchant: &str) -> Result<Vec<OriginRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT origin, challenge, verified_at, verified_by FROM merchant_origins WHERE merchant_id = $1 ORDER BY origin",
    )
    .bind(merchant)
    .fetch_all(pool)
    .await?)
}

/// Inside the caller's transaction: marks one declared origin proven at
/// `at` by `by`, and the merchant's proven list with it; false when the
/// merchant declared no such origin.
pub(crate) async fn prove(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    origin: &str,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let moved = sqlx::query(
        "UPDATE merchant_origins SET verified_at = $1, verified_by = $2 WHERE merchant_id = $3 AND origin = $4",
    )
    .bind(at)
    .bind(by)
    .bind(merchant)
    .bind(origin)
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    refresh_verified(tx, merchant).await?;
    Ok(true)
}

/// Which callback URL of a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallbackUrl {
    Handoff,
    Webhook,
    Quote,
}

/// Inside the caller's transaction: marks the callback URL proven at `at`
/// if it is still `url`; false otherwise.
pub(crate) async fn prove_callback(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    which: CallbackUrl,
    url: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let sql = match which {
        CallbackUrl::Handoff => {
            "UPDATE merchants SET handoff_url_verified_at = $1 WHERE id = $2 AND handoff_url = $3"
        }
        CallbackUrl::Webhook => {
            "UPDATE merchants SET webhook_url_verified_at = $1 WHERE id = $2 AND webhook_url = $3"
        }
        CallbackUrl::Quote => {
            "UPDATE merchants SET quote_url_verified_at = $1 WHERE id = $2 AND quote_url = $3"
        }
    };
    let moved = sqlx::query(sql)
        .bind(at)
        .bind(merchant)
        .bind(url)
        .execute(&mut **tx)
        .await?;
    Ok(moved.rows_affected() == 1)
}

/// Every origin some merchant proved.
pub(crate) async fn proven(pool: &sqlx::AnyPool) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT origin FROM merchant_origins WHERE verified_at IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(origin,)| origin).collect())
}
