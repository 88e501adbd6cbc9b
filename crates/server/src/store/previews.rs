//! The merchants' previews (see `preview`): the digest of each one's token,
//! what it shows and the reward picked in it.

use super::StoreError;

/// A stored preview.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Preview {
    pub(crate) merchant_id: String,
    /// The checked request, as JSON.
    pub(crate) choice: String,
    pub(crate) incentive: Option<String>,
    pub(crate) expires_at: i64,
}

/// Stores a preview under its token's digest.
pub(crate) async fn insert(
    writer: &sqlx::AnyPool,
    digest: &str,
    preview: &Preview,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO previews (token_sha256, merchant_id, choice, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest)
    .bind(&preview.merchant_id)
    .bind(&preview.choice)
    .bind(at)
    .bind(preview.expires_at)
    .execute(writer)
    .await?;
    Ok(())
}

/// The preview whose token's digest is `digest`, unless it ended before `at`.
pub(crate) async fn live(
    pool: &sqlx::AnyPool,
    digest: &str,
    at: i64,
) -> Result<Option<Preview>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT merchant_id, choice, incentive, expires_at FROM previews WHERE token_sha256 = $1 AND expires_at > $2",
    )
    .bind(digest)
    .bind(at)
    .fetch_optional(pool)
    .await?)
}

/// Remembers the reward picked in a preview.
pub(crate) async fn pick(
    writer: &sqlx::AnyPool,
    digest: &str,
    incentive: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE previews SET incentive = $2 WHERE token_sha256 = $1")
        .bind(digest)
        .bind(incentive)
        .execute(writer)
        .await?;
    Ok(())
}

/// Forgets the previews that ended before `before`.
pub(crate) async fn sweep(writer: &sqlx::AnyPool, before: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM previews WHERE expires_at < $1")
        .bind(before)
        .execute(writer)
        .await?;
    Ok(done.rows_affected())
}

/// Inside the caller's transaction: a merchant being deleted takes its
/// previews with it.
pub(crate) async fn delete_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    merchant: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM previews WHERE merchant_id = $1")
        .bind(merchant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
