//! Merchant rows: the profile, roles (stored as 0 or 1), declared origins
//! (a JSON list, each with its own row and challenge in
//! `merchant_origins`), the proven ones, and the digest of the API key.

use super::{Store, StoreError, plan::Statement, read::Columns};
use crate::domain::{AffiliationStatus, AgreementStatus};

/// A merchant as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct MerchantRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) is_affiliate: i64,
    pub(crate) is_upseller: i64,
    /// The declared origins, as a JSON list.
    pub(crate) origins: String,
    pub(crate) handoff_url: Option<String>,
    pub(crate) webhook_url: Option<String>,
    /// The proven origins, as a JSON list.
    pub(crate) verified_origins: String,
    pub(crate) handoff_url_verified_at: Option<i64>,
    pub(crate) webhook_url_verified_at: Option<i64>,
    pub(crate) quote_url: Option<String>,
    pub(crate) quote_url_verified_at: Option<i64>,
    /// `json` or `xml`.
    pub(crate) handoff_format: String,
    /// The customer data it holds, as a JSON list.
    pub(crate) customer_data: String,
}

macro_rules! columns {
    () => {
        "id, name, is_affiliate, is_upseller, origins, handoff_url, webhook_url, \
         verified_origins, handoff_url_verified_at, webhook_url_verified_at, handoff_format, customer_data, \
         quote_url, quote_url_verified_at"
    };
}

const COLUMNS: &str = columns!();

impl MerchantRow {
    fn read(row: &Columns<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
            is_affiliate: row.get("is_affiliate")?,
            is_upseller: row.get("is_upseller")?,
            origins: row.get("origins")?,
            handoff_url: row.get("handoff_url")?,
            webhook_url: row.get("webhook_url")?,
            verified_origins: row.get("verified_origins")?,
            handoff_url_verified_at: row.get("handoff_url_verified_at")?,
            webhook_url_verified_at: row.get("webhook_url_verified_at")?,
            quote_url: row.get("quote_url")?,
            quote_url_verified_at: row.get("quote_url_verified_at")?,
            handoff_format: row.get("handoff_format")?,
            customer_data: row.get("customer_data")?,
        })
    }
}

/// A merchant's profile as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) affiliate: bool,
    pub(crate) upseller: bool,
    /// The declared origins, as a JSON list.
    pub(crate) origins: &'a str,
    pub(crate) handoff_url: Option<&'a str>,
    pub(crate) webhook_url: Option<&'a str>,
    pub(crate) quote_url: Option<&'a str>,
    /// `json` or `xml`.
    pub(crate) handoff_format: &'a str,
    /// The customer data it holds, as a JSON list.
    pub(crate) customer_data: &'a str,
}

/// Inside the caller's transaction: stores a new merchant with the digest
/// of its API key; false, storing nothing, when the id is taken.
pub(crate) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    profile: &Profile<'_>,
    api_key_sha256: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO merchants (id, name, is_affiliate, is_upseller, origins, handoff_url, webhook_url, api_key_sha256, created_at, updated_at, handoff_format, customer_data, quote_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(profile.id)
    .bind(profile.name)
    .bind(i64::from(profile.affiliate))
    .bind(i64::from(profile.upseller))
    .bind(profile.origins)
    .bind(profile.handoff_url)
    .bind(profile.webhook_url)
    .bind(api_key_sha256)
    .bind(at)
    .bind(profile.handoff_format)
    .bind(profile.customer_data)
    .bind(profile.quote_url)
    .execute(&mut **tx)
    .await;
    super::new_row(inserted)
}

/// Inside the caller's transaction: replaces the profile (a changed
/// callback URL loses its proof); false when there is no such merchant.
pub(crate) async fn update(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    profile: &Profile<'_>,
    at: i64,
) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE merchants SET name = $1, is_affiliate = $2, is_upseller = $3, origins = $4, \
         handoff_url_verified_at = CASE WHEN handoff_url IS NOT DISTINCT FROM $5 THEN handoff_url_verified_at ELSE NULL END, \
         webhook_url_verified_at = CASE WHEN webhook_url IS NOT DISTINCT FROM $6 THEN webhook_url_verified_at ELSE NULL END, \
         quote_url_verified_at = CASE WHEN quote_url IS NOT DISTINCT FROM $11 THEN quote_url_verified_at ELSE NULL END, \
         handoff_url = $5, webhook_url = $6, updated_at = $7, handoff_format = $9, customer_data = $10, quote_url = $11 \
         WHERE id = $8",
    )
    .bind(profile.name)
    .bind(i64::from(profile.affiliate))
    .bind(i64::from(profile.upseller))
    .bind(profile.origins)
    .bind(profile.handoff_url)
    .bind(profile.webhook_url)
    .bind(at)
    .bind(profile.id)
    .bind(profile.handoff_format)
    .bind(profile.customer_data)
    .bind(profile.quote_url)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Inside the caller's transaction: the merchant's declared origins keep
/// their rows (and proof) where still in `declared`; the others go, and
/// each one new gets a row with `challenge(origin)`, proven at once when
/// `approved` names who vouches (`Some((by, at))`).
pub(crate) async fn write_origins(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    declared: &[String],
    mut challenge: impl FnMut() -> String,
    approved: Option<(&str, i64)>,
) -> Result<(), StoreError> {
    let stored: Vec<(String,)> =
        sqlx::query_as("SELECT origin FROM merchant_origins WHERE merchant_id = $1")
            .bind(merchant)
            .fetch_all(&mut **tx)
            .await?;
    for (origin,) in stored {
        if !declared.contains(&origin) {
            sqlx::query("DELETE FROM merchant_origins WHERE merchant_id = $1 AND origin = $2")
                .bind(merchant)
                .bind(&origin)
                .execute(&mut **tx)
                .await?;
        }
    }
    for origin in declared {
        sqlx::query(
            "INSERT INTO merchant_origins (merchant_id, origin, challenge, verified_at, verified_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(merchant)
        .bind(origin)
        .bind(challenge())
        .bind(approved.map(|(_, at)| at))
        .bind(approved.map(|(by, _)| by))
        .execute(&mut **tx)
        .await?;
    }
    super::origins::refresh_verified(tx, merchant).await
}

/// Inside the caller's transaction: sets the merchant's roles; one that is
/// no longer an upseller ends the agreements it gave. False when there is
/// no such merchant.
pub(crate) async fn set_roles(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    affiliate: bool,
    upseller: bool,
    at: i64,
) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE merchants SET is_affiliate = $1, is_upseller = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(i64::from(affiliate))
    .bind(i64::from(upseller))
    .bind(at)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    if !upseller {
        sqlx::query(
            "UPDATE agreements SET status = $3, updated_at = $1 WHERE upseller_id = $2 AND status = $4",
        )
        .bind(at)
        .bind(id)
        .bind(AgreementStatus::Revoked.as_str())
        .bind(AgreementStatus::Active.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

/// Inside the caller's transaction: deletes a merchant with its records,
/// origins and complements, and ends its affiliations and agreements (a
/// merchant registered later under the same id inherits none of them).
/// False when there was no such merchant.
pub(crate) async fn delete(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    for sql in [
        "DELETE FROM records WHERE merchant_id = $1",
        "DELETE FROM merchant_origins WHERE merchant_id = $1",
        "DELETE FROM complements WHERE upseller_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    }
    sqlx::query(
        "UPDATE affiliations SET status = $3, revoked_at = $2, revoked_by = $1 \
         WHERE (proposer_id = $1 OR partner_id = $1) AND status <> $3",
    )
    .bind(id)
    .bind(at)
    .bind(AffiliationStatus::Revoked.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE agreements SET status = $3, updated_at = $2 WHERE (upseller_id = $1 OR affiliate_id = $1) AND status = $4",
    )
    .bind(id)
    .bind(at)
    .bind(AgreementStatus::Revoked.as_str())
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut **tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM merchants WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Every merchant's id, name and roles, by id.
pub(crate) async fn summaries(
    pool: &sqlx::AnyPool,
) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, name, is_affiliate, is_upseller FROM merchants ORDER BY id")
            .fetch_all(pool)
            .await?,
    )
}

/// The merchant with this id.
pub(crate) async fn by_id(store: &Store, id: &str) -> Result<Option<MerchantRow>, StoreError> {
    let query = Statement {
        sql: concat!("SELECT ", columns!(), " FROM merchants WHERE id = $1"),
        values: vec![id.into()],
    };
    store.one(query, MerchantRow::read).await
}

/// The merchant an API key that is not revoked opens, by the key's digest
/// (`store::api_keys`).
pub(crate) async fn by_api_key_sha256(
    pool: &sqlx::AnyPool,
    digest: &str,
) -> Result<Option<MerchantRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM merchants WHERE id = \
         (SELECT merchant_id FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL)"
    ))
    .bind(digest)
    .fetch_optional(pool)
    .await?)
}
