//! The loyalty points ledger: one entry per paid order, credited in the
//! transaction that records the payment (`orders::crediting_points`), read
//! back per customer of an affiliate.

use super::StoreError;

/// One credit, as the affiliate reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Entry {
    /// The hub's order that earned it.
    pub(crate) order_id: String,
    pub(crate) points: i64,
    /// Unix seconds.
    pub(crate) at: i64,
}

/// The points of `customer_token` at `affiliate`: the balance and the
/// latest `limit` entries, newest first.
pub(crate) async fn of_customer(
    pool: &sqlx::AnyPool,
    affiliate: &str,
    customer_token: &str,
    limit: i64,
) -> Result<(i64, Vec<Entry>), StoreError> {
    let balance: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger \
         WHERE affiliate_id = $1 AND customer_token = $2",
    )
    .bind(affiliate)
    .bind(customer_token)
    .fetch_one(pool)
    .await?;
    let entries = sqlx::query_as(
        "SELECT order_id, points, at FROM points_ledger WHERE affiliate_id = $1 \
         AND customer_token = $2 ORDER BY at DESC, order_id DESC LIMIT $3",
    )
    .bind(affiliate)
    .bind(customer_token)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok((balance, entries))
}

/// The balance of `customer_token` at `affiliate` from every order but
/// `order_id`: what it holds before that order's credit.
pub(crate) async fn balance_before(
    pool: &sqlx::AnyPool,
    affiliate: &str,
    customer_token: &str,
    order_id: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger \
         WHERE affiliate_id = $1 AND customer_token = $2 AND order_id <> $3",
    )
    .bind(affiliate)
    .bind(customer_token)
    .bind(order_id)
    .fetch_one(pool)
    .await?)
}
