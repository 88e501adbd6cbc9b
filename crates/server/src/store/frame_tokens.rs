//! The frame tokens' digests: one stored per load of an opportunity's frame
//! page (the token itself is never stored; see `frame_tokens`).

use super::{Store, StoreError, plan::Statement};

/// What a stored digest is bound to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct FrameToken {
    pub(crate) opportunity_id: String,
    pub(crate) expires_at: i64,
}

/// Stores the digest of a token for `opportunity`, valid until `expires_at`.
pub(crate) async fn insert(
    writer: &sqlx::AnyPool,
    digest: &str,
    opportunity: &str,
    at: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO frame_tokens (token_sha256, opportunity_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(digest)
    .bind(opportunity)
    .bind(at)
    .bind(expires_at)
    .execute(writer)
    .await?;
    Ok(())
}

/// The token whose digest is `digest`, if one was stored.
pub(crate) async fn by_digest(
    store: &Store,
    digest: &str,
) -> Result<Option<FrameToken>, StoreError> {
    let query = Statement {
        sql: "SELECT opportunity_id, expires_at FROM frame_tokens WHERE token_sha256 = $1",
        values: vec![digest.into()],
    };
    store
        .one(query, |row| {
            Ok(FrameToken {
                opportunity_id: row.get("opportunity_id")?,
                expires_at: row.get("expires_at")?,
            })
        })
        .await
}
