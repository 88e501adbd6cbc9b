//! The audit trail's rows (see `audit`).

use super::StoreError;

/// One change, as kept and as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AuditEntry {
    pub(crate) id: String,
    pub(crate) at: i64,
    /// `user:<id>` or `api_key`.
    pub(crate) actor: String,
    /// The person's e-mail address then, or `API key`.
    pub(crate) actor_label: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) status: i64,
}

/// Keeps `entry` as `merchant`'s, while the merchant exists (the request
/// that deleted it leaves nothing behind).
pub(crate) async fn insert(
    writer: &sqlx::AnyPool,
    merchant: &str,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (id, merchant_id, at, actor, actor_label, method, path, status) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM merchants WHERE id = $2)",
    )
    .bind(&entry.id)
    .bind(merchant)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.actor_label)
    .bind(&entry.method)
    .bind(&entry.path)
    .bind(entry.status)
    .execute(writer)
    .await?;
    Ok(())
}

/// Up to `limit` of `merchant`'s entries, newest first, from before (`at`, `id`).
pub(crate) async fn page(
    pool: &sqlx::AnyPool,
    merchant: &str,
    (at, id): (i64, &str),
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, at, actor, actor_label, method, path, status FROM audit_log \
         WHERE merchant_id = $1 AND (at < $2 OR (at = $2 AND id < $3)) \
         ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(merchant)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Inside the caller's transaction: a merchant being deleted takes its
/// trail with it.
pub(crate) async fn delete_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM audit_log WHERE merchant_id = $1")
        .bind(merchant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
