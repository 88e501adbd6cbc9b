//! The settlement ledger's rows: booked once per order in its settlement
//! transaction, read by both merchants with what was refunded of the order.

use super::{StoreError, plan::Statement};

/// One order's debt as booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Booking<'a> {
    pub(crate) order_id: &'a str,
    pub(crate) debtor: &'a str,
    pub(crate) creditor: &'a str,
    /// The handoff mode's stored name.
    pub(crate) mode: &'static str,
    pub(crate) order_amount_minor: i64,
    pub(crate) commission_bps: u32,
    pub(crate) owed_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) at: i64,
}

/// Books one order's debt (once per order: a second booking is nothing).
pub(crate) fn booking(entry: &Booking<'_>) -> Statement {
    Statement {
        sql: "INSERT INTO settlements (order_id, debtor_id, creditor_id, mode, order_amount_minor, commission_bps, owed_minor, currency, at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        values: vec![
            entry.order_id.into(),
            entry.debtor.into(),
            entry.creditor.into(),
            entry.mode.into(),
            entry.order_amount_minor.into(),
            i64::from(entry.commission_bps).into(),
            entry.owed_minor.into(),
            entry.currency.into(),
            entry.at.into(),
        ],
    }
}

/// A ledger entry as stored, with what was refunded of its order so far.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Entry {
    pub(crate) order_id: String,
    #[sqlx(rename = "debtor_id")]
    pub(crate) debtor: String,
    #[sqlx(rename = "creditor_id")]
    pub(crate) creditor: String,
    pub(crate) mode: String,
    pub(crate) order_amount_minor: i64,
    pub(crate) commission_bps: i64,
    pub(crate) owed_minor: i64,
    pub(crate) currency: String,
    pub(crate) at: i64,
    pub(crate) refunded_minor: i64,
}

/// The entries `merchant` owes or is owed, newest first: at most `fetch`
/// of those before `before` (time, order id).
pub(crate) async fn of(
    pool: &sqlx::AnyPool,
    merchant: &str,
    before: (i64, &str),
    fetch: i64,
) -> Result<Vec<Entry>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT s.order_id, s.debtor_id, s.creditor_id, s.mode, s.order_amount_minor, s.commission_bps, s.owed_minor, \
         s.currency, s.at, COALESCE(o.refunded_minor, 0) AS refunded_minor \
         FROM settlements s LEFT JOIN orders o ON o.id = s.order_id \
         WHERE (s.debtor_id = $1 OR s.creditor_id = $1) AND (s.at < $2 OR (s.at = $2 AND s.order_id < $3)) \
         ORDER BY s.at DESC, s.order_id DESC LIMIT $4",
    )
    .bind(merchant)
    .bind(before.0)
    .bind(before.1)
    .bind(fetch)
    .fetch_all(pool)
    .await?)
}
