//! A merchant's API keys: each kept as its SHA-256 with a label, until it
//! is revoked (see `registry::api_keys`).

use sqlx::{Any, Executor};

use super::StoreError;

/// An API key as its merchant sees it: never the key.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct ApiKey {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) created_by: String,
    pub(crate) created_at: i64,
    pub(crate) revoked_at: Option<i64>,
}

/// Stores a key of `merchant`'s by its digest.
pub(crate) async fn insert<'c>(
    conn: impl Executor<'c, Database = Any>,
    merchant: &str,
    key: &ApiKey,
    key_sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_keys (id, merchant_id, key_sha256, label, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.id)
    .bind(merchant)
    .bind(key_sha256)
    .bind(&key.label)
    .bind(&key.created_by)
    .bind(key.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// `merchant`'s keys, revoked ones too, newest first.
pub(crate) async fn of(pool: &sqlx::AnyPool, merchant: &str) -> Result<Vec<ApiKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, label, created_by, created_at, revoked_at FROM api_keys \
         WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(merchant)
    .fetch_all(pool)
    .await?)
}

/// Revokes one of `merchant`'s keys; false when it has no such key open.
pub(crate) async fn revoke(
    pool: &sqlx::AnyPool,
    merchant: &str,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let revoked = sqlx::query(
        "UPDATE api_keys SET revoked_at = $3 WHERE merchant_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(merchant)
    .bind(id)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(revoked.rows_affected() > 0)
}

/// Inside the caller's transaction: a deleted merchant's keys go with it.
pub(crate) async fn delete_of(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM api_keys WHERE merchant_id = $1")
        .bind(merchant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
