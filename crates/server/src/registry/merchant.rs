//! Merchants: who they are, what they may do (affiliate, upseller or both),
//! which origins may embed the widget for them, and their API key (stored as
//! its SHA-256 only). Roles are the operator's to set; corporate affiliation
//! is not a field here at all but a confirmed fact of its own (`trust.rs`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{
    db::Db,
    domain::{AffiliationStatus, AgreementStatus},
    failure::Failure,
    ids::{new_api_key, new_secret_hex, now, sha256_hex},
    validate,
};

/// A merchant as the hub knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Merchant {
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub(crate) id: String,
    /// 1 to 120 characters, not all blank, no control characters but line breaks.
    #[schema(
        max_length = 120,
        pattern = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub(crate) name: String,
    pub(crate) affiliate: bool,
    pub(crate) upseller: bool,
    /// Web origins whose pages may show this affiliate's offers.
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<OriginText>)]
    pub(crate) origins: Vec<String>,
    /// Where the hub calls the affiliate when a customer accepts.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f][^\\s\\x00-\\x1f\\x7f-\\x9f]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?([/?#][^\\s\\x00-\\x1f\\x7f-\\x9f]*)?)$"
    )]
    pub(crate) handoff_url: Option<String>,
    /// Where the hub sends this upseller's orders.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f][^\\s\\x00-\\x1f\\x7f-\\x9f]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?([/?#][^\\s\\x00-\\x1f\\x7f-\\x9f]*)?)$"
    )]
    pub(crate) webhook_url: Option<String>,
    /// The origins proven by a challenge served on them or approved by the
    /// operator: the only ones CORS, the origin check and `frame-ancestors`
    /// use. Read-only: ignored in a request body.
    #[serde(default)]
    pub(crate) verified_origins: Vec<String>,
    /// Whether `handoff_url` answered the hub's signed challenge; the hub
    /// calls it for nothing else before. Read-only.
    #[serde(default)]
    pub(crate) handoff_url_verified: bool,
    /// Whether `webhook_url` answered the hub's signed challenge; orders wait
    /// in the outbox until it has. Read-only.
    #[serde(default)]
    pub(crate) webhook_url_verified: bool,
}

/// A web origin as the schema states it: scheme and host (and port), an
/// `https` one, or `http` on this machine's loopback.
pub(crate) struct OriginText;

impl utoipa::PartialSchema for OriginText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(2048))
            .pattern(Some("^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f]+|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?)$"))
            .into()
    }
}

impl utoipa::ToSchema for OriginText {}

impl Merchant {
    /// Field checks.
    pub(crate) fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        validate::text("name", &self.name, 120)?;
        if !self.affiliate && !self.upseller {
            return Err(Failure::invalid(
                "affiliate",
                "a merchant is an affiliate, an upseller or both",
            ));
        }
        if self.origins.len() > 20 {
            return Err(Failure::invalid("origins", "at most 20 origins"));
        }
        for (i, origin) in self.origins.iter().enumerate() {
            validate::origin(&format!("origins[{i}]"), origin)?;
        }
        if let Some(url) = &self.handoff_url {
            validate::url("handoff_url", url)?;
        }
        if let Some(url) = &self.webhook_url {
            validate::url("webhook_url", url)?;
        }
        Ok(())
    }
}

const COLUMNS: &str = "id, name, is_affiliate, is_upseller, origins, handoff_url, webhook_url, \
     verified_origins, handoff_url_verified_at, webhook_url_verified_at";

fn decode(row: &sqlx::any::AnyRow) -> Result<Merchant, Failure> {
    let origins: String = row.try_get("origins")?;
    Ok(Merchant {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        affiliate: row.try_get::<i64, _>("is_affiliate")? != 0,
        upseller: row.try_get::<i64, _>("is_upseller")? != 0,
        origins: serde_json::from_str(&origins)
            .map_err(|e| Failure::Internal(format!("stored origins: {e}")))?,
        handoff_url: row.try_get("handoff_url")?,
        webhook_url: row.try_get("webhook_url")?,
        verified_origins: serde_json::from_str(&row.try_get::<String, _>("verified_origins")?)
            .map_err(|e| Failure::Internal(format!("stored verified origins: {e}")))?,
        handoff_url_verified: row
            .try_get::<Option<i64>, _>("handoff_url_verified_at")?
            .is_some(),
        webhook_url_verified: row
            .try_get::<Option<i64>, _>("webhook_url_verified_at")?
            .is_some(),
    })
}

/// Creates a merchant and returns its API key, shown this once.
pub(crate) async fn create(db: &Db, merchant: &Merchant) -> Result<String, Failure> {
    create_with_key(db, merchant, &new_api_key()).await
}

/// Creates a merchant with a given API key (the demo data uses known keys).
pub(crate) async fn create_with_key(
    db: &Db,
    merchant: &Merchant,
    api_key: &str,
) -> Result<String, Failure> {
    let mut tx = db.writer.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO merchants (id, name, is_affiliate, is_upseller, origins, handoff_url, webhook_url, api_key_sha256, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&merchant.id)
    .bind(&merchant.name)
    .bind(i64::from(merchant.affiliate))
    .bind(i64::from(merchant.upseller))
    .bind(serde_json::to_string(&merchant.origins).map_err(|e| Failure::Internal(e.to_string()))?)
    .bind(&merchant.handoff_url)
    .bind(&merchant.webhook_url)
    .bind(sha256_hex(api_key))
    .bind(now())
    .execute(&mut *tx)
    .await;
    if let Err(err) = inserted {
        return Err(if crate::store::is_unique_violation(&err) {
            Failure::Conflict(format!("merchant '{}' already exists", merchant.id))
        } else {
            err.into()
        });
    }
    // The operator names these origins as it registers the merchant.
    write_origins(&mut tx, merchant, Some("operator")).await?;
    super::commit(db, tx, Some(&merchant.id)).await?;
    Ok(api_key.to_owned())
}

/// Replaces a merchant's profile (not its id or key).
pub(crate) async fn update(db: &Db, merchant: &Merchant) -> Result<(), Failure> {
    let mut tx = db.writer.begin().await?;
    let updated = sqlx::query(
        "UPDATE merchants SET name = $1, is_affiliate = $2, is_upseller = $3, origins = $4, \
         handoff_url_verified_at = CASE WHEN handoff_url IS NOT DISTINCT FROM $5 THEN handoff_url_verified_at ELSE NULL END, \
         webhook_url_verified_at = CASE WHEN webhook_url IS NOT DISTINCT FROM $6 THEN webhook_url_verified_at ELSE NULL END, \
         handoff_url = $5, webhook_url = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&merchant.name)
    .bind(i64::from(merchant.affiliate))
    .bind(i64::from(merchant.upseller))
    .bind(serde_json::to_string(&merchant.origins).map_err(|e| Failure::Internal(e.to_string()))?)
    .bind(&merchant.handoff_url)
    .bind(&merchant.webhook_url)
    .bind(now())
    .bind(&merchant.id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Failure::NotFound(format!("no merchant '{}'", merchant.id)));
    }
    // Origins still declared keep their proof; dropped ones go; new ones
    // wait for theirs.
    let stored = sqlx::query("SELECT origin FROM merchant_origins WHERE merchant_id = $1")
        .bind(&merchant.id)
        .fetch_all(&mut *tx)
        .await?;
    for row in stored {
        let origin: String = row.try_get("origin")?;
        if !merchant.origins.contains(&origin) {
            sqlx::query("DELETE FROM merchant_origins WHERE merchant_id = $1 AND origin = $2")
                .bind(&merchant.id)
                .bind(&origin)
                .execute(&mut *tx)
                .await?;
        }
    }
    write_origins(&mut tx, merchant, None).await?;
    super::commit(db, tx, Some(&merchant.id)).await?;
    Ok(())
}

/// Adds the merchant's origins not yet stored, each with a fresh challenge;
/// `approved_by` marks them proven at once (the operator naming them when it
/// registers the merchant). Then refreshes the merchant's proven list.
async fn write_origins(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &Merchant,
    approved_by: Option<&str>,
) -> Result<(), Failure> {
    for origin in &merchant.origins {
        sqlx::query(
            "INSERT INTO merchant_origins (merchant_id, origin, challenge, verified_at, verified_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&merchant.id)
        .bind(origin)
        .bind(new_secret_hex())
        .bind(approved_by.map(|_| now()))
        .bind(approved_by)
        .execute(&mut **tx)
        .await?;
    }
    super::addresses::refresh_verified(tx, &merchant.id).await
}

/// Sets a merchant's roles (the operator's call, never the merchant's).
pub(crate) async fn set_roles(
    db: &Db,
    id: &str,
    affiliate: bool,
    upseller: bool,
) -> Result<(), Failure> {
    let mut tx = db.writer.begin().await?;
    let updated = sqlx::query(
        "UPDATE merchants SET is_affiliate = $1, is_upseller = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(i64::from(affiliate))
    .bind(i64::from(upseller))
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Failure::NotFound(format!("no merchant '{id}'")));
    }
    if !upseller {
        // No longer an upseller: the agreements it gave end.
        sqlx::query(
            "UPDATE agreements SET status = $3, updated_at = $1 WHERE upseller_id = $2 AND status = $4",
        )
        .bind(now())
        .bind(id)
        .bind(AgreementStatus::Revoked.as_str())
        .bind(AgreementStatus::Active.as_str())
        .execute(&mut *tx)
        .await?;
    }
    // Roles and the agreements they end are read for other merchants too.
    super::commit(db, tx, None).await
}

/// Deletes a merchant and everything it keeps.
pub(crate) async fn delete(db: &Db, id: &str) -> Result<bool, Failure> {
    let mut tx = db.writer.begin().await?;
    for table in ["records", "merchant_origins"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE merchant_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM complements WHERE upseller_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // Its affiliations and agreements end with it: a merchant registered
    // later under the same id inherits none of them.
    sqlx::query(
        "UPDATE affiliations SET status = $3, revoked_at = $2, revoked_by = $1 \
         WHERE (proposer_id = $1 OR partner_id = $1) AND status <> $3",
    )
    .bind(id)
    .bind(now())
    .bind(AffiliationStatus::Revoked.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE agreements SET status = $3, updated_at = $2 WHERE (upseller_id = $1 OR affiliate_id = $1) AND status = $4",
    )
    .bind(id)
    .bind(now())
    .bind(AgreementStatus::Revoked.as_str())
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM merchants WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    super::commit(db, tx, None).await?;
    Ok(deleted.rows_affected() > 0)
}

/// The merchant with this id (kept in memory until it changes).
pub(crate) async fn by_id(db: &Db, id: &str) -> Result<Option<Arc<Merchant>>, Failure> {
    db.cache
        .get_or_load_found(id, "merchant", "", by_id_stored(db, id))
        .await
}

/// The merchant as stored now, for the calls that move money or customer
/// data (where to send a handoff or a webhook): never a cached answer.
pub(crate) async fn by_id_stored(db: &Db, id: &str) -> Result<Option<Merchant>, Failure> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM merchants WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The merchant whose API key this is.
pub(crate) async fn by_api_key(db: &Db, api_key: &str) -> Result<Option<Merchant>, Failure> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM merchants WHERE api_key_sha256 = $1"
    ))
    .bind(sha256_hex(api_key))
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(decode).transpose()
}
