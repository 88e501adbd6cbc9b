//! What the statistics count: an affiliate's showings and events, grouped.

use sqlx::Row;

use super::StoreError;

/// How many of one kind (`shown`, or an event's kind) one reason code had
/// in one currency, and the amount they came to in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) reason_code: String,
    pub(crate) kind: String,
    pub(crate) currency: String,
    pub(crate) count: i64,
    pub(crate) amount_minor: i64,
}

/// The tallies of `affiliate`'s opportunities (each a showing) and events.
pub(crate) async fn tallies(
    pool: &sqlx::AnyPool,
    affiliate: &str,
) -> Result<Vec<Tally>, StoreError> {
    let rows = sqlx::query(
        "SELECT reason_code, 'shown' AS kind, currency, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount FROM opportunities \
         WHERE affiliate_id = $1 GROUP BY reason_code, currency \
         UNION ALL \
         SELECT reason_code, kind, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS amount FROM events \
         WHERE affiliate_id = $1 GROUP BY reason_code, kind, currency",
    )
    .bind(affiliate)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Tally {
                reason_code: row.try_get("reason_code")?,
                kind: row.try_get("kind")?,
                currency: row.try_get("currency")?,
                count: row.try_get("n")?,
                amount_minor: row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0),
            })
        })
        .collect()
}
