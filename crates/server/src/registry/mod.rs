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

use std::sync::Arc;

use sqlx::Row;

use crate::{db::Db, failure::Failure, ids::now};
pub(crate) use merchant::Merchant;
use records::Record;

/// One record of kind `R`, if the merchant has it (kept in memory until
/// the merchant's records change).
pub(crate) async fn get<R: Record>(
    db: &Db,
    merchant: &str,
    id: &str,
) -> Result<Option<Arc<R>>, Failure> {
    if id.is_empty() {
        // No record has an empty id; the cache keeps each kind's list there.
        return Ok(None);
    }
    db.cache
        .get_or_load_found(merchant, R::KIND, id, get_stored(db, merchant, id))
        .await
}

async fn get_stored<R: Record>(db: &Db, merchant: &str, id: &str) -> Result<Option<R>, Failure> {
    let row =
        sqlx::query("SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(R::KIND)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|row| decode::<R>(db, merchant, &row)).transpose()
}

/// Every record of kind `R` the merchant has, by id (kept in memory until
/// the merchant's records change).
pub(crate) async fn list<R: Record>(db: &Db, merchant: &str) -> Result<Arc<Vec<R>>, Failure> {
    // Under the kind's empty id, which no record has (see `get`).
    db.cache
        .get_or_load(merchant, R::KIND, "", list_stored(db, merchant))
        .await
}

async fn list_stored<R: Record>(db: &Db, merchant: &str) -> Result<Vec<R>, Failure> {
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
) -> Result<Vec<R>, Failure> {
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

fn decode<R: Record>(db: &Db, merchant: &str, row: &sqlx::any::AnyRow) -> Result<R, Failure> {
    let body: String = row.try_get("body")?;
    let mut record: R = serde_json::from_str(&body)
        .map_err(|e| Failure::Internal(format!("stored {} record: {e}", R::KIND)))?;
    let at = context(R::KIND, merchant, record.id());
    record
        .open(&db.sealer, &at)
        .map_err(|e| Failure::Internal(format!("{} record {}: {e}", R::KIND, record.id())))?;
    Ok(record)
}

/// Commits a registry write: the version row moves and the change names
/// `merchant` (`None`: the change can touch any merchant's reads, as roles,
/// affiliations, agreements, proven addresses and keys do) in the same
/// transaction, so other hubs see it (`follow_changes`), and this hub
/// forgets what it kept before answering, so the writer reads its write.
pub(crate) async fn commit(
    db: &Db,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    merchant: Option<&str>,
) -> Result<(), Failure> {
    let row = sqlx::query(
        "UPDATE registry_version SET version = version + 1 WHERE id = 'registry' RETURNING version",
    )
    .fetch_one(&mut *tx)
    .await?;
    let version: i64 = row.try_get("version")?;
    sqlx::query("INSERT INTO registry_changes (version, merchant_id, at) VALUES ($1, $2, $3)")
        .bind(version)
        .bind(merchant.unwrap_or(""))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.cache.evict(merchant);
    Ok(())
}

/// How often a hub looks for other hubs' registry writes.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How long changes are kept for hubs to read.
const CHANGES_KEPT_SECS: i64 = 86_400;

/// Follows the registry writes of every hub, for as long as the hub runs:
/// each change evicts what it names from this hub's cache within
/// `FOLLOW_EVERY`. A hub that fell further behind than the kept changes,
/// or cannot read them, forgets everything.
pub(crate) async fn follow_changes(db: Db) {
    let mut seen = match current_version(&db).await {
        Ok(version) => version,
        Err(err) => {
            tracing::warn!(error = %err, "registry version unreadable; following from 0");
            0
        }
    };
    // What start-up read before this point may predate a change made
    // elsewhere meanwhile, which is now below `seen`: start from nothing.
    db.cache.evict(None);
    let mut tick = tokio::time::interval(FOLLOW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_trim = std::time::Instant::now();
    loop {
        tick.tick().await;
        match catch_up(&db, seen).await {
            Ok(version) => seen = version,
            Err(err) => {
                tracing::warn!(error = %err, "registry changes unreadable; forgetting all");
                db.cache.evict(None);
            }
        }
        if last_trim.elapsed() > std::time::Duration::from_secs(600) {
            last_trim = std::time::Instant::now();
            let trimmed = sqlx::query("DELETE FROM registry_changes WHERE at < $1")
                .bind(now() - CHANGES_KEPT_SECS)
                .execute(&db.writer)
                .await;
            if let Err(err) = trimmed {
                tracing::warn!(error = %err, "old registry changes not trimmed");
            }
        }
    }
}

async fn current_version(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT version FROM registry_version WHERE id = 'registry'")
        .fetch_one(&db.pool)
        .await?
        .try_get("version")
}

/// Evicts what the changes after `seen` name; the version now seen.
async fn catch_up(db: &Db, seen: i64) -> Result<i64, sqlx::Error> {
    const PAGE: i64 = 1_000;
    let version = current_version(db).await?;
    if version == seen {
        return Ok(seen);
    }
    // The version went back (a restored database), or moved too far to
    // name each change: nothing kept can be trusted.
    if version < seen || version - seen > PAGE {
        db.cache.evict(None);
        return Ok(version);
    }
    let rows = sqlx::query(
        "SELECT version, merchant_id FROM registry_changes WHERE version > $1 AND version <= $2",
    )
    .bind(seen)
    .bind(version)
    .fetch_all(&db.pool)
    .await?;
    // Versions are dense (one row lock hands them out): fewer rows than the
    // gap means the changes were trimmed.
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) < version - seen {
        db.cache.evict(None);
        return Ok(version);
    }
    for row in rows {
        let merchant: String = row.try_get("merchant_id")?;
        db.cache
            .evict(Some(merchant.as_str()).filter(|m| !m.is_empty()));
    }
    Ok(version)
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
) -> Result<(), Failure> {
    let mut sealed = record.clone();
    sealed.seal(&db.sealer, &context(R::KIND, merchant, record.id()));
    let body = serde_json::to_string(&sealed).map_err(|e| Failure::Internal(e.to_string()))?;
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
            Err(err) if crate::store::is_unique_violation(&err) => {
                return Err(Failure::Conflict(format!(
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
            return Err(Failure::NotFound(format!(
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
    commit(db, tx, Some(merchant)).await
}

/// Deletes a record; false when there was none.
pub(crate) async fn delete(db: &Db, merchant: &str, kind: &str, id: &str) -> Result<bool, Failure> {
    let mut tx = db.writer.begin().await?;
    let deleted =
        sqlx::query("DELETE FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(kind)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    reindex(&mut tx, merchant, kind, id, &[]).await?;
    commit(db, tx, Some(merchant)).await?;
    Ok(deleted.rows_affected() > 0)
}

async fn reindex(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    kind: &str,
    id: &str,
    complements: &[String],
) -> Result<(), Failure> {
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

/// The upseller's item SKUs that complement `purchased_sku` (kept in
/// memory until the upseller's records change).
pub(crate) async fn complementing(
    db: &Db,
    upseller: &str,
    purchased_sku: &str,
) -> Result<Arc<Vec<String>>, Failure> {
    db.cache
        .get_or_load(
            upseller,
            "complements",
            purchased_sku,
            complementing_stored(db, upseller, purchased_sku),
        )
        .await
}

async fn complementing_stored(
    db: &Db,
    upseller: &str,
    purchased_sku: &str,
) -> Result<Vec<String>, Failure> {
    let rows = sqlx::query("SELECT item_sku FROM complements WHERE upseller_id = $1 AND purchased_sku = $2 ORDER BY item_sku")
        .bind(upseller)
        .bind(purchased_sku)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get("item_sku").map_err(Failure::from))
        .collect()
}
