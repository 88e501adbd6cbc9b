//! The loyalty points of each customer at each affiliate: a ledger of
//! entries (at most one per order and kind) and the balance that is their
//! sum, always written together in one transaction.
//!
//! - `earned`: credited in the write that records the payment
//!   (`orders::record`);
//! - `redeemed`: spent on a reward, in the write that stores the pending
//!   order (`accept::store_pending`), before any money moves; one
//!   conditional update of the balance, so concurrent redemptions never
//!   spend a point twice and the balance never goes below zero;
//! - `returned`: the spent points back, when the charge is declined or the
//!   order wholly refunded;
//! - `revoked`: the earned points taken back by a whole refund, never more
//!   than the customer still holds.

use super::{Store, StoreError, plan::Statement};
use crate::domain::PointsEntryKind as EntryKind;

/// One entry, as the affiliate reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Entry {
    /// The hub's order that moved the points.
    pub(crate) order_id: String,
    pub(crate) kind: EntryKind,
    /// Signed: what was spent or taken back is negative.
    pub(crate) points: i64,
    /// Unix seconds.
    pub(crate) at: i64,
}

/// The points of `customer_token` at `affiliate`: the balance and the
/// latest `limit` entries, newest first.
pub(crate) async fn of_customer(
    store: &Store,
    affiliate: &str,
    customer_token: &str,
    limit: i64,
) -> Result<(i64, Vec<Entry>), StoreError> {
    let balance = balance(store, affiliate, customer_token).await?;
    let query = Statement {
        sql: "SELECT order_id, kind, points, at FROM points_ledger WHERE affiliate_id = $1 \
              AND customer_token = $2 ORDER BY at DESC, order_id DESC, kind DESC LIMIT $3",
        values: vec![affiliate.into(), customer_token.into(), limit.into()],
    };
    let entries = store
        .all(query, |row| {
            Ok(Entry {
                order_id: row.get("order_id")?,
                kind: EntryKind::parse(&row.get::<String>("kind")?)?,
                points: row.get("points")?,
                at: row.get("at")?,
            })
        })
        .await?;
    Ok((balance, entries))
}

/// What `customer_token` holds at `affiliate` now.
pub(crate) async fn balance(
    store: &Store,
    affiliate: &str,
    customer_token: &str,
) -> Result<i64, StoreError> {
    let query = Statement {
        sql: "SELECT balance FROM points_balances WHERE affiliate_id = $1 AND customer_token = $2",
        values: vec![affiliate.into(), customer_token.into()],
    };
    Ok(store
        .one(query, |row| row.get("balance"))
        .await?
        .unwrap_or(0))
}

/// Whose points an order moves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Holder<'a> {
    pub(crate) order_id: &'a str,
    pub(crate) affiliate_id: &'a str,
    pub(crate) customer_token: &'a str,
}

/// The ledger entry of `holder`'s order.
fn entry(holder: Holder<'_>, kind: EntryKind, points: i64, at: i64) -> Statement {
    Statement {
        sql: "INSERT INTO points_ledger (id, affiliate_id, customer_token, order_id, kind, points, at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7)",
        values: vec![
            format!("pts_{}_{}", holder.order_id, kind.as_str()).into(),
            holder.affiliate_id.into(),
            holder.customer_token.into(),
            holder.order_id.into(),
            kind.as_str().into(),
            points.into(),
            at.into(),
        ],
    }
}

/// Adds `points` to the balance, opening it at the first credit.
fn adding(holder: Holder<'_>, points: i64) -> Statement {
    Statement {
        sql: "INSERT INTO points_balances (affiliate_id, customer_token, balance) VALUES ($1, $2, $3) \
              ON CONFLICT (affiliate_id, customer_token) \
              DO UPDATE SET balance = points_balances.balance + excluded.balance",
        values: vec![
            holder.affiliate_id.into(),
            holder.customer_token.into(),
            points.into(),
        ],
    }
}

/// Credits `points` of `kind` (earned, or returned): the entry, then the
/// balance, as two statements of the caller's write plan.
pub(crate) fn crediting(
    holder: Holder<'_>,
    kind: EntryKind,
    points: u32,
    at: i64,
) -> [Statement; 2] {
    let points = i64::from(points);
    [entry(holder, kind, points, at), adding(holder, points)]
}

/// Takes `points` off the balance; changes no row when it holds fewer.
fn taking(holder: Holder<'_>, points: i64) -> Statement {
    Statement {
        sql: "UPDATE points_balances SET balance = balance - $3 \
              WHERE affiliate_id = $1 AND customer_token = $2 AND balance >= $3",
        values: vec![
            holder.affiliate_id.into(),
            holder.customer_token.into(),
            points.into(),
        ],
    }
}

/// Spends `points` on the order's reward: first the balance, which changes
/// no row when it holds fewer (the caller's plan is then refused), then the
/// entry.
pub(crate) fn redeeming(holder: Holder<'_>, points: u32, at: i64) -> [Statement; 2] {
    let points = i64::from(points);
    [
        taking(holder, points),
        entry(holder, EntryKind::Redeemed, -points, at),
    ]
}

/// Undoes what wholly refunded order `order_id` did to its customer's
/// points, in the caller's transaction: the points it spent come back, and
/// the points it earned go, as many as are left (points already spent on
/// another order stay spent). Done once per order: the ledger's entries
/// are unique per order and kind.
pub(crate) async fn refunded(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let Some((affiliate_id, customer_token, redeemed)): Option<(String, String, i64)> =
        sqlx::query_as(
            "SELECT affiliate_id, customer_token, redeemed_points FROM orders WHERE id = $1",
        )
        .bind(order_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let holder = Holder {
        order_id,
        affiliate_id: &affiliate_id,
        customer_token: &customer_token,
    };
    let done: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM points_ledger WHERE order_id = $1 AND kind IN ($2, $3)",
    )
    .bind(order_id)
    .bind(EntryKind::Returned.as_str())
    .bind(EntryKind::Revoked.as_str())
    .fetch_one(&mut **tx)
    .await?;
    if done > 0 {
        return Ok(());
    }
    // The balance row is written first, whatever comes back: on PostgreSQL
    // that locks it until the commit, so what is read next stays true.
    adding(holder, redeemed).run(&mut **tx).await?;
    if redeemed > 0 {
        entry(holder, EntryKind::Returned, redeemed, at)
            .run(&mut **tx)
            .await?;
    }
    let earned: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger \
         WHERE order_id = $1 AND kind = $2",
    )
    .bind(order_id)
    .bind(EntryKind::Earned.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let held = balance_in(tx, holder).await?;
    let taken = earned.min(held);
    if taken > 0 {
        entry(holder, EntryKind::Revoked, -taken, at)
            .run(&mut **tx)
            .await?;
        taking(holder, taken).run(&mut **tx).await?;
    }
    Ok(())
}

async fn balance_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    holder: Holder<'_>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT balance FROM points_balances WHERE affiliate_id = $1 AND customer_token = $2",
    )
    .bind(holder.affiliate_id)
    .bind(holder.customer_token)
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or(0))
}
