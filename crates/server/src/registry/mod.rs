//! The registry: merchants and the records they keep (offer items, reason
//! codes, rules, templates, styles, incentives, secrets). Records are checked
//! documents keyed by (merchant, kind, id); the complements index beside them
//! keeps offer assembly a keyed lookup however large a catalogue grows.

pub(crate) mod addresses;
pub(crate) mod agreements;
pub(crate) mod api_keys;
pub(crate) mod keys;
pub(crate) mod merchant;
pub(crate) mod records;
pub(crate) mod trust;

use std::sync::Arc;

use crate::{
    db::Db,
    failure::Failure,
    ids::now,
    store::{self, StoreError},
};
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
    store::records::body(&db.pool, merchant, R::KIND, id)
        .await?
        .map(|body| decode::<R>(db, merchant, &body))
        .transpose()
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
    list_after(db, merchant, None, i64::MAX).await
}

/// One page of a merchant's records of kind `R`, by id: at most `fetch`
/// of those after `after`.
pub(crate) async fn list_after<R: Record>(
    db: &Db,
    merchant: &str,
    after: Option<&str>,
    fetch: i64,
) -> Result<Vec<R>, Failure> {
    store::records::bodies(&db.pool, merchant, R::KIND, after.unwrap_or(""), fetch)
        .await?
        .iter()
        .map(|body| decode::<R>(db, merchant, body))
        .collect()
}

/// The row a record's sealed parts are bound to.
fn context(kind: &str, merchant: &str, id: &str) -> String {
    format!("{kind}:{merchant}:{id}")
}

fn decode<R: Record>(db: &Db, merchant: &str, body: &str) -> Result<R, Failure> {
    let mut record: R = serde_json::from_str(body)
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
    store::records::log_change(&mut tx, merchant.unwrap_or(""), now()).await?;
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
            let trimmed = store::records::trim_changes(&db.writer, now() - CHANGES_KEPT_SECS).await;
            if let Err(err) = trimmed {
                tracing::warn!(error = %err, "old registry changes not trimmed");
            }
        }
    }
}

async fn current_version(db: &Db) -> Result<i64, StoreError> {
    store::records::version(&db.pool).await
}

/// Evicts what the changes after `seen` name; the version now seen.
async fn catch_up(db: &Db, seen: i64) -> Result<i64, StoreError> {
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
    let changes = store::records::changes(&db.pool, seen, version).await?;
    // Versions are dense (one row lock hands them out): fewer rows than the
    // gap means the changes were trimmed.
    if i64::try_from(changes.len()).unwrap_or(i64::MAX) < version - seen {
        db.cache.evict(None);
        return Ok(version);
    }
    for merchant in changes {
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
    #[error(transparent)]
    Database(#[from] StoreError),
}

/// Makes the database's secrets sealed under this hub's master key: checks
/// the key against the database's check value (written on first start),
/// then seals any secret stored before sealing existed. A wrong key is an
/// error, so the hub does not start.
pub(crate) async fn seal_at_rest(db: &Db) -> Result<(), AtRestError> {
    use crate::seal::{SealError, Sealer};
    match store::records::seal_check(&db.pool).await? {
        Some(sealed) => {
            if !db.sealer.checks(&sealed) {
                return Err(SealError::WrongKey.into());
            }
        }
        None => store::records::write_seal_check(&db.writer, &db.sealer.check_value()).await?,
    }
    let kind = records::SecretRecord::KIND;
    for (merchant, id, body) in store::records::all_of_kind(&db.pool, kind).await? {
        let Ok(mut record) = serde_json::from_str::<records::SecretRecord>(&body) else {
            continue;
        };
        if Sealer::is_sealed(&record.secret) {
            continue;
        }
        record.seal(&db.sealer, &context(kind, &merchant, &id));
        let Ok(sealed) = serde_json::to_string(&record) else {
            continue;
        };
        store::records::replace(&db.writer, &merchant, kind, &id, &sealed, None).await?;
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
    let at = now();
    if create {
        if !store::records::insert(&mut tx, merchant, R::KIND, record.id(), &body, at).await? {
            return Err(Failure::Conflict(format!(
                "{} '{}' already exists",
                R::KIND,
                record.id()
            )));
        }
    } else if !store::records::replace(&mut *tx, merchant, R::KIND, record.id(), &body, Some(at))
        .await?
    {
        return Err(Failure::NotFound(format!(
            "no {} '{}'",
            R::KIND,
            record.id()
        )));
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
    let deleted = store::records::delete(&mut tx, merchant, kind, id).await?;
    reindex(&mut tx, merchant, kind, id, &[]).await?;
    commit(db, tx, Some(merchant)).await?;
    Ok(deleted)
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
    Ok(store::records::index_complements(tx, merchant, id, complements).await?)
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
    Ok(store::records::complementing(&db.pool, upseller, purchased_sku).await?)
}
