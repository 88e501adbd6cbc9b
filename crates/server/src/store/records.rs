//! The records merchants configure (items, reason codes, rules, templates,
//! styles, incentives, ticket keys), each a JSON body under (merchant,
//! kind, id), and the complements index the offer items' bodies name; the
//! registry's version row and change log, by which every hub learns of
//! another's writes; and the master key's check value.

use super::StoreError;

/// The body of record (`merchant`, `kind`, `id`).
pub(crate) async fn body(
    pool: &sqlx::AnyPool,
    merchant: &str,
    kind: &str,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(kind)
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(found.map(|(body,)| body))
}

/// The bodies of the merchant's records of `kind`, by id: at most `fetch`
/// of those after `after` (`""` for the first page).
pub(crate) async fn bodies(
    pool: &sqlx::AnyPool,
    merchant: &str,
    kind: &str,
    after: &str,
    fetch: i64,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT body FROM records WHERE merchant_id = $1 AND kind = $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(merchant)
    .bind(kind)
    .bind(after)
    .bind(fetch)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(body,)| body).collect())
}

/// Every record of `kind`: merchant, id and body.
pub(crate) async fn all_of_kind(
    pool: &sqlx::AnyPool,
    kind: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT merchant_id, id, body FROM records WHERE kind = $1")
            .bind(kind)
            .fetch_all(pool)
            .await?,
    )
}

/// Inside the caller's transaction, or on the writer: stores a new record;
/// false, storing nothing, when its id is taken.
pub(crate) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    kind: &str,
    id: &str,
    body: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO records (merchant_id, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(merchant)
    .bind(kind)
    .bind(id)
    .bind(body)
    .bind(at)
    .execute(&mut **tx)
    .await;
    super::new_row(inserted)
}

/// Replaces a record's body; false when there is no such record.
pub(crate) async fn replace<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    merchant: &str,
    kind: &str,
    id: &str,
    body: &str,
    at: Option<i64>,
) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE records SET body = $1, updated_at = COALESCE($2, updated_at) \
         WHERE merchant_id = $3 AND kind = $4 AND id = $5",
    )
    .bind(body)
    .bind(at)
    .bind(merchant)
    .bind(kind)
    .bind(id)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Inside the caller's transaction: deletes a record; false when there was
/// none.
pub(crate) async fn delete(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    kind: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let deleted =
        sqlx::query("DELETE FROM records WHERE merchant_id = $1 AND kind = $2 AND id = $3")
            .bind(merchant)
            .bind(kind)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Inside the caller's transaction: the upseller's item `item_sku`
/// complements exactly the SKUs in `purchased`.
pub(crate) async fn index_complements(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    upseller: &str,
    item_sku: &str,
    purchased: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM complements WHERE upseller_id = $1 AND item_sku = $2")
        .bind(upseller)
        .bind(item_sku)
        .execute(&mut **tx)
        .await?;
    for sku in purchased {
        sqlx::query(
            "INSERT INTO complements (upseller_id, purchased_sku, item_sku) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(upseller)
        .bind(sku)
        .bind(item_sku)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The upseller's item SKUs that complement `purchased_sku`, in order.
pub(crate) async fn complementing(
    pool: &sqlx::AnyPool,
    upseller: &str,
    purchased_sku: &str,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT item_sku FROM complements WHERE upseller_id = $1 AND purchased_sku = $2 ORDER BY item_sku",
    )
    .bind(upseller)
    .bind(purchased_sku)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(sku,)| sku).collect())
}

/// Inside the caller's transaction: moves the registry's version and logs
/// the change as naming `merchant` (`""`: any merchant) at `at`.
pub(crate) async fn log_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
    at: i64,
) -> Result<(), StoreError> {
    let (version,): (i64,) = sqlx::query_as(
        "UPDATE registry_version SET version = version + 1 WHERE id = 'registry' RETURNING version",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO registry_changes (version, merchant_id, at) VALUES ($1, $2, $3)")
        .bind(version)
        .bind(merchant)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The registry's version now.
pub(crate) async fn version(pool: &sqlx::AnyPool) -> Result<i64, StoreError> {
    let (version,): (i64,) =
        sqlx::query_as("SELECT version FROM registry_version WHERE id = 'registry'")
            .fetch_one(pool)
            .await?;
    Ok(version)
}

/// The merchants the changes after `seen` up to `upto` name (`""`: any).
pub(crate) async fn changes(
    pool: &sqlx::AnyPool,
    seen: i64,
    upto: i64,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, merchant_id FROM registry_changes WHERE version > $1 AND version <= $2",
    )
    .bind(seen)
    .bind(upto)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(_, merchant)| merchant).collect())
}

/// Forgets the changes logged before `before`.
pub(crate) async fn trim_changes(writer: &sqlx::AnyPool, before: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM registry_changes WHERE at < $1")
        .bind(before)
        .execute(writer)
        .await?;
    Ok(())
}

/// The master key's check value, if one was written.
pub(crate) async fn seal_check(pool: &sqlx::AnyPool) -> Result<Option<String>, StoreError> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT sealed FROM seal_check WHERE id = 'master'")
            .fetch_optional(pool)
            .await?;
    Ok(found.map(|(sealed,)| sealed))
}

/// Writes the master key's check value, unless one is there.
pub(crate) async fn write_seal_check(
    writer: &sqlx::AnyPool,
    sealed: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO seal_check (id, sealed) VALUES ('master', $1) ON CONFLICT DO NOTHING")
        .bind(sealed)
        .execute(writer)
        .await?;
    Ok(())
}
