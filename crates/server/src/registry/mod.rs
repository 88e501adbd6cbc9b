//! The registry: merchants and the records they keep (offer items, reason
//! codes, rules, templates, styles, incentives, secrets). Records are checked
//! documents keyed by (merchant, kind, id); the complements index beside them
//! keeps offer assembly a keyed lookup however large a catalogue grows.

pub(crate) mod addresses;
pub(crate) mod agreements;
pub(crate) mod keys;
pub(crate) mod merchant;
pub(crate) mod records;
pub(crate) mod trust;

use sqlx::Row;

use crate::{db::Db, error::ApiError, ids::now};
pub(crate) use merchant::Merchant;
use records::Record;

/// One record of kind `R`, if the merchant has it.
pub(crate) async fn get<R: Record>(
    db: &Db,
    merchant: &str,
    id: &str,
) -> Result<Option<R>, ApiError> {
    let row =
        sqlx::query("SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(R::KIND)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|row| decode::<R>(db, merchant, &row)).transpose()
}

/// Every record of kind `R` the merchant has, by id.
pub(crate) async fn list<R: Record>(db: &Db, merchant: &str) -> Result<Vec<R>, ApiError> {
    let rows =
        sqlx::query("SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 ORDER BY id")
            .bind(merchant)
            .bind(R::KIND)
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|row| decode::<R>(db, merchant, row))
        .collect()
}

/// One page of a merchant's records of kind `R`, by id: at most `fetch`
/// of those after `after`.
pub(crate) async fn list_after<R: Record>(
    db: &Db,
    merchant: &str,
    after: Option<&str>,
    fetch: i64,
) -> Result<Vec<R>, ApiError> {
    let rows = sqlx::query(
        "SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(merchant)
    .bind(R::KIND)
    .bind(after.unwrap_or(""))
    .bind(fetch)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| decode::<R>(db, merchant, row))
        .collect()
}

/// The row a record's sealed parts are bound to.
fn context(kind: &str, merchant: &str, id: &str) -> String {
    format!("{kind}:{merchant}:{id}")
}

fn decode<R: Record>(db: &Db, merchant: &str, row: &sqlx::any::AnyRow) -> Result<R, ApiError> {
    let body: String = row.try_get("body")?;
    let mut record: R = serde_json::from_str(&body)
        .map_err(|e| ApiError::Internal(format!("stored {} record: {e}", R::KIND)))?;
    let at = context(R::KIND, merchant, record.id());
    record
        .open(&db.sealer, &at)
        .map_err(|e| ApiError::Internal(format!("{} record {}: {e}", R::KIND, record.id())))?;
    Ok(record)
}

/// Why the secrets at rest could not be checked or sealed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AtRestError {
    /// The master key is not the one the database's secrets are sealed with.
    #[error(transparent)]
    Key(#[from] crate::seal::SealError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Makes the database's secrets sealed under this hub's master key: checks
/// the key against the database's check value (written on first start),
/// then seals any secret stored before sealing existed. A wrong key is an
/// error, so the hub does not start.
pub(crate) async fn seal_at_rest(db: &Db) -> Result<(), AtRestError> {
    use crate::seal::{SealError, Sealer};
    let stored = sqlx::query("SELECT sealed FROM seal_check WHERE id = 'master'")
        .fetch_optional(&db.pool)
        .await?;
    match stored {
        Some(row) => {
            let sealed: String = row.try_get("sealed")?;
            if !db.sealer.checks(&sealed) {
                return Err(SealError::WrongKey.into());
            }
        }
        None => {
            sqlx::query(
                "INSERT INTO seal_check (id, sealed) VALUES ('master', $1) ON CONFLICT DO NOTHING",
            )
            .bind(db.sealer.check_value())
            .execute(&db.writer)
            .await?;
        }
    }
    let rows = sqlx::query("SELECT merchant_id, id, body FROM records WHERE kind = $1")
        .bind(records::SecretRecord::KIND)
        .fetch_all(&db.pool)
        .await?;
    for row in rows {
        let (merchant, id, body): (String, String, String) = (
            row.try_get("merchant_id")?,
            row.try_get("id")?,
            row.try_get("body")?,
        );
        let Ok(mut record) = serde_json::from_str::<records::SecretRecord>(&body) else {
            continue;
        };
        if Sealer::is_sealed(&record.secret) {
            continue;
        }
        record.seal(
            &db.sealer,
            &context(records::SecretRecord::KIND, &merchant, &id),
        );
        let Ok(sealed) = serde_json::to_string(&record) else {
            continue;
        };
        sqlx::query(
            "UPDATE records SET body = $1 WHERE merchant_id = $2 AND kind = $3 AND id = $4",
        )
        .bind(sealed)
        .bind(&merchant)
        .bind(records::SecretRecord::KIND)
        .bind(&id)
        .execute(&db.writer)
        .await?;
    }
    keys::seal_plaintext(db).await?;
    Ok(())
}

/// Stores a checked record: `create` refuses an existing id (409), an update
/// refuses a missing one (404). The complements index moves with it.
pub(crate) async fn put<R: Record>(
    db: &Db,
    merchant: &str,
    record: &R,
    create: bool,
) -> Result<(), ApiError> {
    let mut sealed = record.clone();
    sealed.seal(&db.sealer, &context(R::KIND, merchant, record.id()));
    let body = serde_json::to_string(&sealed).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut tx = db.writer.begin().await?;
    if create {
        let inserted = sqlx::query("INSERT INTO records (merchant_id, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(merchant)
            .bind(R::KIND)
            .bind(record.id())
            .bind(&body)
            .bind(now())
            .execute(&mut *tx)
            .await;
        match inserted {
            Err(err) if Db::is_unique_violation(&err) => {
                return Err(ApiError::Conflict(format!(
                    "{} '{}' already exists",
                    R::KIND,
                    record.id()
                )));
            }
            other => {
                other?;
            }
        }
    } else {
        let updated = sqlx::query("UPDATE records SET body = $1, updated_at = $2 WHERE merchant_id = $3 AND kind = $4 AND id = $5")
            .bind(&body)
            .bind(now())
            .bind(merchant)
            .bind(R::KIND)
            .bind(record.id())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(ApiError::NotFound(format!(
                "no {} '{}'",
                R::KIND,
                record.id()
            )));
        }
    }
    reindex(
        &mut tx,
        merchant,
        R::KIND,
        record.id(),
        record.complements(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a record; false when there was none.
pub(crate) async fn delete(
    db: &Db,
    merchant: &str,
    kind: &str,
    id: &str,
) -> Result<bool, ApiError> {
    let mut tx = db.writer.begin().await?;
    let deleted =
        sqlx::query("DELETE FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(kind)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    reindex(&mut tx, merchant, kind, id, &[]).await?;
    tx.commit().await?;
    Ok(deleted.rows_affected() > 0)
}

async fn reindex(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    kind: &str,
    id: &str,
    complements: &[String],
) -> Result<(), ApiError> {
    if kind != records::OfferItemRecord::KIND {
        return Ok(());
    }
    sqlx::query("DELETE FROM complements WHERE upseller_id = $1 AND item_sku = $2")
        .bind(merchant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for sku in complements {
        sqlx::query(
            "INSERT INTO complements (upseller_id, purchased_sku, item_sku) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(merchant)
        .bind(sku)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The upseller's item SKUs that complement `purchased_sku`.
pub(crate) async fn complementing(
    db: &Db,
    upseller: &str,
    purchased_sku: &str,
) -> Result<Vec<String>, ApiError> {
    let rows = sqlx::query("SELECT item_sku FROM complements WHERE upseller_id = $1 AND purchased_sku = $2 ORDER BY item_sku")
        .bind(upseller)
        .bind(purchased_sku)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get("item_sku").map_err(ApiError::from))
        .collect()
}
