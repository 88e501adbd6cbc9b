//! Orders and their webhooks as merchants read them through the admin API:
//! a page of a merchant's orders, one order with its consent receipt, the
//! upseller's fulfilment, the webhook deliveries.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, any::AnyRow};

use super::StoreError;

/// An order as a merchant sees it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OrderView {
    pub(crate) id: String,
    pub(crate) opportunity_id: String,
    pub(crate) affiliate_id: String,
    pub(crate) upseller_id: String,
    pub(crate) reason_code: String,
    pub(crate) mode: String,
    /// The items bought, as stored (`null` if what is stored does not read).
    pub(crate) items: Value,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) points: i64,
    pub(crate) status: String,
    pub(crate) failure: Option<String>,
    pub(crate) refunded_minor: i64,
    pub(crate) created_at: i64,
}

const COLUMNS: &str = "id, opportunity_id, affiliate_id, upseller_id, reason_code, mode, items, \
     amount_minor, currency, points, status, failure, refunded_minor, created_at";

fn order_view(row: &AnyRow) -> Result<OrderView, StoreError> {
    let items: String = row.try_get("items")?;
    Ok(OrderView {
        id: row.try_get("id")?,
        opportunity_id: row.try_get("opportunity_id")?,
        affiliate_id: row.try_get("affiliate_id")?,
        upseller_id: row.try_get("upseller_id")?,
        reason_code: row.try_get("reason_code")?,
        mode: row.try_get("mode")?,
        items: serde_json::from_str(&items).unwrap_or(Value::Null),
        amount_minor: row.try_get("amount_minor")?,
        currency: row.try_get("currency")?,
        points: row.try_get("points")?,
        status: row.try_get("status")?,
        failure: row.try_get("failure")?,
        refunded_minor: row.try_get("refunded_minor")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Up to `limit` orders `merchant` sold or received, newest first, from
/// before (`at`, `id`).
pub(crate) async fn page(
    pool: &sqlx::AnyPool,
    merchant: &str,
    (at, id): (i64, &str),
    limit: i64,
) -> Result<Vec<OrderView>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders WHERE (affiliate_id = $1 OR upseller_id = $1) \
         AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(merchant)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(order_view).collect()
}

/// Order `id`, if `merchant` sold or received it.
pub(crate) async fn owned(
    pool: &sqlx::AnyPool,
    id: &str,
    merchant: &str,
) -> Result<Option<OrderView>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders WHERE id = $1 AND (affiliate_id = $2 OR upseller_id = $2)"
    ))
    .bind(id)
    .bind(merchant)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(order_view)
    .transpose()
}

/// What the customer consented to for an order.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReceiptView {
    pub(crate) disclosure_sha256: String,
    pub(crate) disclosure_text: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) action: String,
    pub(crate) proof: Option<String>,
    pub(crate) at: i64,
}

/// Order `order_id`'s consent receipt.
pub(crate) async fn receipt(
    pool: &sqlx::AnyPool,
    order_id: &str,
) -> Result<Option<ReceiptView>, StoreError> {
    let Some(r) = sqlx::query(
        "SELECT disclosure_sha256, disclosure_text, amount_minor, currency, action, proof, at \
         FROM consent_receipts WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(ReceiptView {
        disclosure_sha256: r.try_get("disclosure_sha256")?,
        disclosure_text: r.try_get("disclosure_text")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        action: r.try_get("action")?,
        proof: r.try_get("proof")?,
        at: r.try_get("at")?,
    }))
}

/// Moves order `id` from `from` to `to` at `at`; false when it was not in
/// `from`.
pub(crate) async fn move_status(
    pool: &sqlx::AnyPool,
    id: &str,
    from: postsale_protocol::OrderStatus,
    to: postsale_protocol::OrderStatus,
    at: i64,
) -> Result<bool, StoreError> {
    let moved =
        sqlx::query("UPDATE orders SET status = $3, updated_at = $1 WHERE id = $2 AND status = $4")
            .bind(at)
            .bind(id)
            .bind(to.as_str())
            .bind(from.as_str())
            .execute(pool)
            .await?;
    Ok(moved.rows_affected() == 1)
}

/// A webhook delivery as its upseller sees it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryView {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) url: String,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) next_attempt_at: i64,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: i64,
}

/// Up to `limit` of `upseller`'s webhook deliveries, newest first, from
/// before (`at`, `id`).
pub(crate) async fn deliveries(
    pool: &sqlx::AnyPool,
    upseller: &str,
    (at, id): (i64, &str),
    limit: i64,
) -> Result<Vec<DeliveryView>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, order_id, url, status, attempts, next_attempt_at, last_error, created_at FROM webhooks \
         WHERE upseller_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(upseller)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeliveryView {
                id: r.try_get("id")?,
                order_id: r.try_get("order_id")?,
                url: r.try_get("url")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}
