//! The keys the hub signs its calls with, per merchant and purpose; each
//! secret is stored sealed (the caller seals and opens it).

use super::{Store, StoreError, plan::Statement};
use crate::domain::HubKeyStatus;

/// How many keys of `purpose` the merchant has that are not retired.
pub(crate) async fn live(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    purpose: &str,
) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) AS n FROM hub_keys WHERE merchant_id = $1 AND purpose = $2 AND status <> $3",
    )
    .bind(merchant)
    .bind(purpose)
    .bind(HubKeyStatus::Retired.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Inside the caller's transaction: stores a staged key.
pub(crate) async fn insert_staged(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    key_id: &str,
    purpose: &str,
    sealed_secret: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO hub_keys (merchant_id, key_id, purpose, secret, status, created_at) VALUES ($1, $2, $3, $4, $6, $5)",
    )
    .bind(merchant)
    .bind(key_id)
    .bind(purpose)
    .bind(sealed_secret)
    .bind(at)
    .bind(HubKeyStatus::Staged.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Activates a key that is not retired at `at_ms`; false when there is none.
pub(crate) async fn activate(
    writer: &sqlx::AnyPool,
    merchant: &str,
    key_id: &str,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let moved = sqlx::query(
        "UPDATE hub_keys SET status = $4, activated_ms = $1 WHERE merchant_id = $2 AND key_id = $3 AND status <> $5",
    )
    .bind(at_ms)
    .bind(merchant)
    .bind(key_id)
    .bind(HubKeyStatus::Active.as_str())
    .bind(HubKeyStatus::Retired.as_str())
    .execute(writer)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// Retires a key at `at`.
pub(crate) async fn retire(
    writer: &sqlx::AnyPool,
    merchant: &str,
    key_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE hub_keys SET status = $4, retired_at = $1 WHERE merchant_id = $2 AND key_id = $3",
    )
    .bind(at)
    .bind(merchant)
    .bind(key_id)
    .bind(HubKeyStatus::Retired.as_str())
    .execute(writer)
    .await?;
    Ok(())
}

/// A key as listed, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct KeyRow {
    pub(crate) key_id: String,
    pub(crate) purpose: String,
    pub(crate) status: String,
    pub(crate) created_at: i64,
    pub(crate) activated_ms: Option<i64>,
}

/// The merchant's keys, newest first.
pub(crate) async fn of(pool: &sqlx::AnyPool, merchant: &str) -> Result<Vec<KeyRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT key_id, purpose, status, created_at, activated_ms FROM hub_keys WHERE merchant_id = $1 \
         ORDER BY created_at DESC, key_id",
    )
    .bind(merchant)
    .fetch_all(pool)
    .await?)
}

/// The most recently activated active key of `purpose`: its id and sealed
/// secret.
pub(crate) async fn signing(
    store: &Store,
    merchant: &str,
    purpose: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let query = Statement {
        sql: "SELECT key_id, secret FROM hub_keys WHERE merchant_id = $1 AND purpose = $2 AND status = $3 \
              ORDER BY activated_ms DESC, key_id DESC LIMIT 1",
        values: vec![
            merchant.into(),
            purpose.into(),
            HubKeyStatus::Active.as_str().into(),
        ],
    };
    store
        .one(query, |row| Ok((row.get("key_id")?, row.get("secret")?)))
        .await
}

/// Every key's merchant, id and stored secret (to seal those stored before
/// sealing existed).
pub(crate) async fn all_secrets(
    pool: &sqlx::AnyPool,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT merchant_id, key_id, secret FROM hub_keys")
            .fetch_all(pool)
            .await?,
    )
}

/// Replaces a key's stored secret.
pub(crate) async fn reseal(
    writer: &sqlx::AnyPool,
    merchant: &str,
    key_id: &str,
    sealed_secret: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE hub_keys SET secret = $1 WHERE merchant_id = $2 AND key_id = $3")
        .bind(sealed_secret)
        .bind(merchant)
        .bind(key_id)
        .execute(writer)
        .await?;
    Ok(())
}
