//! Refund rows, and the order's refunded amount they reserve: a refund's
//! amount is reserved on its order by one conditional update (never more
//! than was charged), freed if the processor refuses, and counted into the
//! order's status once it went through.

use super::StoreError;
use crate::domain::RefundStatus;
use postsale_protocol::OrderStatus;

/// What a refund needs of its order, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct ChargedRow {
    pub(crate) id: String,
    pub(crate) affiliate_id: String,
    pub(crate) upseller_id: String,
    pub(crate) mode: String,
    pub(crate) charge_id: Option<String>,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) refunded_minor: i64,
    pub(crate) status: String,
}

/// The order `order_id`, as a refund reads it.
pub(crate) async fn charged(
    pool: &sqlx::AnyPool,
    order_id: &str,
) -> Result<Option<ChargedRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, affiliate_id, upseller_id, mode, charge_id, amount_minor, currency, refunded_minor, status \
         FROM orders WHERE id = $1",
    )
    .bind(order_id)
    .fetch_optional(pool)
    .await?)
}

/// A refund about to be reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewRefund<'a> {
    pub(crate) id: &'a str,
    pub(crate) order_id: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) refunded_by: &'a str,
    pub(crate) at: i64,
}

/// Reserves the refund's amount on its charged (or fulfilled) order and
/// stores it `pending`, in one transaction; false, storing nothing, when
/// what is left to refund is less.
pub(crate) async fn reserve(
    writer: &sqlx::AnyPool,
    refund: &NewRefund<'_>,
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await?;
    let reserved = sqlx::query(
        "UPDATE orders SET refunded_minor = refunded_minor + $1, updated_at = $2 \
         WHERE id = $3 AND status IN ($4, $5) AND refunded_minor + $1 <= amount_minor",
    )
    .bind(refund.amount_minor)
    .bind(refund.at)
    .bind(refund.order_id)
    .bind(OrderStatus::Charged.as_str())
    .bind(OrderStatus::Fulfilled.as_str())
    .execute(&mut *tx)
    .await?;
    if reserved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO refunds (id, order_id, amount_minor, currency, refunded_by, status, at) \
         VALUES ($1, $2, $3, $4, $5, $7, $6)",
    )
    .bind(refund.id)
    .bind(refund.order_id)
    .bind(refund.amount_minor)
    .bind(refund.currency)
    .bind(refund.refunded_by)
    .bind(refund.at)
    .bind(RefundStatus::Pending.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Drops a pending refund the processor refused and frees its amount on
/// the order, in one transaction (nothing if it is no longer pending).
pub(crate) async fn release(
    writer: &sqlx::AnyPool,
    refund_id: &str,
    order_id: &str,
    amount_minor: i64,
    at: i64,
) -> Result<(), StoreError> {
    let mut tx = writer.begin().await?;
    let dropped = sqlx::query("DELETE FROM refunds WHERE id = $1 AND status = $2")
        .bind(refund_id)
        .bind(RefundStatus::Pending.as_str())
        .execute(&mut *tx)
        .await?;
    if dropped.rows_affected() == 1 {
        sqlx::query(
            "UPDATE orders SET refunded_minor = refunded_minor - $1, updated_at = $2 WHERE id = $3",
        )
        .bind(amount_minor)
        .bind(at)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The order after a refund went through: what is refunded of it in all,
/// and its status.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Refunded {
    pub(crate) refunded_minor: i64,
    pub(crate) status: String,
}

/// Inside the caller's transaction: marks the pending refund succeeded and
/// its order refunded once the refunds that went through cover the charge
/// (one still pending may yet be refused, and free its share again). None
/// when the refund was not pending (recorded by someone else).
pub(crate) async fn succeed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    refund_id: &str,
    order_id: &str,
    at: i64,
) -> Result<Option<Refunded>, StoreError> {
    // The order's row first, locked until commit: two refunds of one order
    // completing at once then sum each other's (on PostgreSQL each would
    // otherwise see only its own, and neither would find the order whole).
    sqlx::query("UPDATE orders SET updated_at = updated_at WHERE id = $1")
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    let marked = sqlx::query("UPDATE refunds SET status = $2 WHERE id = $1 AND status = $3")
        .bind(refund_id)
        .bind(RefundStatus::Succeeded.as_str())
        .bind(RefundStatus::Pending.as_str())
        .execute(&mut **tx)
        .await?;
    if marked.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE orders SET status = $3, updated_at = $1 WHERE id = $2 AND status IN ($4, $5) \
         AND (SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = $2 AND status = $6) >= amount_minor",
    )
    .bind(at)
    .bind(order_id)
    .bind(OrderStatus::Refunded.as_str())
    .bind(OrderStatus::Charged.as_str())
    .bind(OrderStatus::Fulfilled.as_str())
    .bind(RefundStatus::Succeeded.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(Some(
        sqlx::query_as("SELECT refunded_minor, status FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&mut **tx)
            .await?,
    ))
}

/// A refund the processor has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Unanswered {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) amount_minor: i64,
    /// When it was last asked about: the lease's version.
    pub(crate) at: i64,
}

/// Up to `limit` refunds pending since `before` or earlier.
pub(crate) async fn unanswered(
    pool: &sqlx::AnyPool,
    before: i64,
    limit: i64,
) -> Result<Vec<Unanswered>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, order_id, amount_minor, at FROM refunds WHERE status = $2 AND at <= $1 LIMIT $3",
    )
    .bind(before)
    .bind(RefundStatus::Pending.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Takes the lease on asking about `refund` again: true when no other hub
/// took it since it was read.
pub(crate) async fn claim(
    writer: &sqlx::AnyPool,
    refund: &Unanswered,
    at: i64,
) -> Result<bool, StoreError> {
    let claimed =
        sqlx::query("UPDATE refunds SET at = $1 WHERE id = $2 AND at = $3 AND status = $4")
            .bind(at)
            .bind(&refund.id)
            .bind(refund.at)
            .bind(RefundStatus::Pending.as_str())
            .execute(writer)
            .await?;
    Ok(claimed.rows_affected() == 1)
}
