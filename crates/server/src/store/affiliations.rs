//! Affiliation rows: one merchant's claim to be of one corporate group with
//! another, and how far it got. The pair is also kept ordered (`low_id`,
//! `high_id`), so that one live affiliation per pair is a unique key.

use super::{Store, StoreError, plan::Statement};
use crate::domain::AffiliationStatus;

/// An affiliation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct AffiliationRow {
    pub(crate) id: String,
    #[sqlx(rename = "proposer_id")]
    pub(crate) proposer: String,
    #[sqlx(rename = "partner_id")]
    pub(crate) partner: String,
    pub(crate) status: String,
    pub(crate) proposed_at: i64,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) confirmed_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

const COLUMNS: &str =
    "id, proposer_id, partner_id, status, proposed_at, accepted_at, confirmed_at, revoked_at";

/// The pair in the order it is stored in.
fn pair<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Stores a new proposal; false, storing nothing, when the pair already
/// has a live affiliation.
pub(crate) async fn propose(
    writer: &sqlx::AnyPool,
    id: &str,
    proposer: &str,
    partner: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let (low, high) = pair(proposer, partner);
    let inserted = sqlx::query(
        "INSERT INTO affiliations (id, proposer_id, partner_id, low_id, high_id, status, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $7, $6)",
    )
    .bind(id)
    .bind(proposer)
    .bind(partner)
    .bind(low)
    .bind(high)
    .bind(at)
    .bind(AffiliationStatus::Proposed.as_str())
    .execute(writer)
    .await;
    super::new_row(inserted)
}

/// Up to 500 affiliations `merchant` is a party of (all for `None`),
/// newest first, only those in `status` if given.
pub(crate) async fn list(
    pool: &sqlx::AnyPool,
    merchant: Option<&str>,
    status: Option<AffiliationStatus>,
) -> Result<Vec<AffiliationRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM affiliations \
         WHERE ($1 = '' OR proposer_id = $1 OR partner_id = $1) AND ($2 = '' OR status = $2) \
         ORDER BY proposed_at DESC, id LIMIT 500"
    ))
    .bind(merchant.unwrap_or(""))
    .bind(status.map_or("", AffiliationStatus::as_str))
    .fetch_all(pool)
    .await?)
}

/// The affiliation `id`.
pub(crate) async fn by_id(
    pool: &sqlx::AnyPool,
    id: &str,
) -> Result<Option<AffiliationRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM affiliations WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Inside the caller's transaction: moves affiliation `id` from one of
/// `from` to `to` at `at` (a revocation records `by`), in one conditional
/// update, so that two answers at once cannot both succeed. False when it
/// stood elsewhere; `to` never is `proposed`.
pub(crate) async fn advance(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    from: &[AffiliationStatus],
    to: AffiliationStatus,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let column = match to {
        AffiliationStatus::Accepted => "accepted_at",
        AffiliationStatus::Confirmed => "confirmed_at",
        AffiliationStatus::Revoked => "revoked_at",
        AffiliationStatus::Proposed => return Ok(false),
    };
    // The statuses it may move from, bound after the five values.
    let allowed = (0..from.len())
        .map(|n| format!("${}", n + 6))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE affiliations SET status = $1, {column} = $2, revoked_by = CASE WHEN $1 = $5 THEN $3 ELSE revoked_by END \
         WHERE id = $4 AND status IN ({allowed})"
    );
    let moved = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(at)
        .bind(by)
        .bind(id)
        .bind(AffiliationStatus::Revoked.as_str());
    let moved = from
        .iter()
        .fold(moved, |query, status| query.bind(status.as_str()))
        .execute(&mut **tx)
        .await?;
    Ok(moved.rows_affected() == 1)
}

/// Whether `a` and `b` have a confirmed affiliation.
pub(crate) async fn confirmed(store: &Store, a: &str, b: &str) -> Result<bool, StoreError> {
    let (low, high) = pair(a, b);
    let query = Statement {
        sql: "SELECT id FROM affiliations WHERE low_id = $1 AND high_id = $2 AND status = $3",
        values: vec![
            low.into(),
            high.into(),
            AffiliationStatus::Confirmed.as_str().into(),
        ],
    };
    let found = store.one(query, |row| row.get::<String>("id")).await?;
    Ok(found.is_some())
}
