//! Orders and their webhooks as merchants read them through the admin API:
//! a page of a merchant's orders, one order with its consent receipt, the
//! upseller's fulfilment, the webhook deliveries.

use postsale_protocol::OrderStatus;
use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, any::AnyRow};

use super::{StoreError, plan::Statement};

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
    /// Taken off the items by the customer's reward.
    pub(crate) discount_minor: i64,
    /// The shipping fee charged.
    pub(crate) shipping_minor: i64,
    /// The incentive the order was priced with.
    pub(crate) incentive: Option<String>,
    pub(crate) currency: String,
    pub(crate) points: i64,
    pub(crate) status: String,
    pub(crate) failure: Option<String>,
    pub(crate) refunded_minor: i64,
    pub(crate) created_at: i64,
}

const COLUMNS: &str = "id, opportunity_id, affiliate_id, upseller_id, reason_code, mode, items, \
     amount_minor, discount_minor, shipping_minor, incentive, currency, points, status, failure, \
     refunded_minor, created_at";

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
        discount_minor: row.try_get("discount_minor")?,
        shipping_minor: row.try_get("shipping_minor")?,
        incentive: row.try_get("incentive")?,
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

/// An order waiting for its payment's outcome, as stored, with what its
/// opportunity says of the affiliate's order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct PendingRow {
    pub(crate) id: String,
    pub(crate) opportunity_id: String,
    pub(crate) affiliate_id: String,
    pub(crate) upseller_id: String,
    pub(crate) reason_code: String,
    pub(crate) customer_token: String,
    pub(crate) mode: String,
    pub(crate) items: String,
    pub(crate) amount_minor: i64,
    pub(crate) discount_minor: i64,
    pub(crate) shipping_minor: i64,
    pub(crate) incentive: Option<String>,
    /// The address the customer confirmed, as JSON.
    pub(crate) ship_to: Option<String>,
    pub(crate) currency: String,
    pub(crate) points: i64,
    pub(crate) redeemed_points: i64,
    pub(crate) payment_reference: Option<String>,
    pub(crate) confirm_attempts: i64,
    pub(crate) affiliate_order_id: String,
    pub(crate) ticket_nonce: String,
}

/// `order_id`, if it is still `pending`, `pending_confirmation` or
/// `requires_action`.
pub(crate) async fn pending(
    pool: &sqlx::AnyPool,
    order_id: &str,
) -> Result<Option<PendingRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.opportunity_id, o.affiliate_id, o.upseller_id, o.reason_code, o.customer_token, o.mode, o.items, \
         o.amount_minor, o.discount_minor, o.shipping_minor, o.incentive, o.ship_to, o.currency, o.points, \
         o.redeemed_points, o.payment_reference, o.confirm_attempts, \
         p.order_id AS affiliate_order_id, p.ticket_nonce \
         FROM orders o JOIN opportunities p ON p.id = o.opportunity_id \
         WHERE o.id = $1 AND o.status IN ($2, $3, $4)",
    )
    .bind(order_id)
    .bind(OrderStatus::Pending.as_str())
    .bind(OrderStatus::PendingConfirmation.as_str())
    .bind(OrderStatus::RequiresAction.as_str())
    .fetch_optional(pool)
    .await?)
}

/// An order due for the reconciler: its id, status and `updated_at` (the
/// lease's version).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Due {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) updated_at: i64,
}

/// How many orders wait for their payment to be settled or its outcome
/// learnt (`pending`, `pending_confirmation`, `requires_action`).
pub(crate) async fn unsettled(pool: &sqlx::AnyPool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE status IN ($1, $2, $3)")
            .bind(OrderStatus::Pending.as_str())
            .bind(OrderStatus::PendingConfirmation.as_str())
            .bind(OrderStatus::RequiresAction.as_str())
            .fetch_one(pool)
            .await?,
    )
}

/// Up to `limit` orders `pending` since before `cutoff`, or in
/// `pending_confirmation` or `requires_action` whose next check is due at `at`.
pub(crate) async fn due(
    pool: &sqlx::AnyPool,
    cutoff: i64,
    at: i64,
    limit: i64,
) -> Result<Vec<Due>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, status, updated_at FROM orders WHERE (status = $3 AND updated_at <= $1) \
         OR (status IN ($4, $6) AND next_check_at <= $2) LIMIT $5",
    )
    .bind(cutoff)
    .bind(at)
    .bind(OrderStatus::Pending.as_str())
    .bind(OrderStatus::PendingConfirmation.as_str())
    .bind(limit)
    .bind(OrderStatus::RequiresAction.as_str())
    .fetch_all(pool)
    .await?)
}

/// Takes the lease on `due` until `next_check_at`: true when no other hub
/// moved the order since it was read.
pub(crate) async fn claim(
    writer: &sqlx::AnyPool,
    due: &Due,
    at: i64,
    next_check_at: i64,
) -> Result<bool, StoreError> {
    let claimed = sqlx::query(
        "UPDATE orders SET updated_at = $1, next_check_at = $2 WHERE id = $3 AND updated_at = $4 AND status = $5",
    )
    .bind(at)
    .bind(next_check_at)
    .bind(&due.id)
    .bind(due.updated_at)
    .bind(&due.status)
    .execute(writer)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Moves an unsettled order to `waiting` (`pending_confirmation` or
/// `requires_action`), or keeps it there, with its reason, attempt count
/// and next check; false when it was settled meanwhile.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn await_confirmation(
    writer: &sqlx::AnyPool,
    order_id: &str,
    waiting: OrderStatus,
    why: &str,
    attempts: i64,
    next_check_at: i64,
    at: i64,
) -> Result<bool, StoreError> {
    let updated = sqlx::query(
        "UPDATE orders SET status = $9, failure = $1, confirm_attempts = $2, next_check_at = $3, \
         updated_at = $4 WHERE id = $5 AND status IN ($6, $7, $8)",
    )
    .bind(why)
    .bind(attempts)
    .bind(next_check_at)
    .bind(at)
    .bind(order_id)
    .bind(OrderStatus::Pending.as_str())
    .bind(OrderStatus::PendingConfirmation.as_str())
    .bind(OrderStatus::RequiresAction.as_str())
    .bind(waiting.as_str())
    .execute(writer)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// An order about to be stored `pending`, before its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewOrder<'a> {
    pub(crate) id: &'a str,
    pub(crate) opportunity_id: &'a str,
    pub(crate) affiliate_id: &'a str,
    pub(crate) upseller_id: &'a str,
    pub(crate) reason_code: &'a str,
    pub(crate) customer_token: &'a str,
    /// The handoff mode's stored name.
    pub(crate) mode: &'static str,
    /// The items, as JSON.
    pub(crate) items: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) discount_minor: i64,
    pub(crate) shipping_minor: i64,
    pub(crate) incentive: Option<&'a str>,
    /// `direct_entry`: the address the customer confirmed, as JSON.
    pub(crate) ship_to: Option<&'a str>,
    pub(crate) currency: &'a str,
    pub(crate) points: u32,
    /// The customer's points spent on the reward.
    pub(crate) redeemed_points: u32,
    pub(crate) payment_reference: Option<&'a str>,
    pub(crate) at: i64,
}

/// Stores `order` as `pending`, as a statement of a write plan.
pub(crate) fn inserting_pending(order: &NewOrder<'_>) -> Statement {
    Statement {
        sql: "INSERT INTO orders (id, opportunity_id, affiliate_id, upseller_id, reason_code, customer_token, mode, items, \
              amount_minor, currency, points, payment_reference, status, created_at, updated_at, \
              discount_minor, shipping_minor, incentive, ship_to, redeemed_points) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        values: vec![
            order.id.into(),
            order.opportunity_id.into(),
            order.affiliate_id.into(),
            order.upseller_id.into(),
            order.reason_code.into(),
            order.customer_token.into(),
            order.mode.into(),
            order.items.into(),
            order.amount_minor.into(),
            order.currency.into(),
            i64::from(order.points).into(),
            order.payment_reference.map(str::to_owned).into(),
            OrderStatus::Pending.as_str().into(),
            order.at.into(),
            order.at.into(),
            order.discount_minor.into(),
            order.shipping_minor.into(),
            order.incentive.map(str::to_owned).into(),
            order.ship_to.map(str::to_owned).into(),
            i64::from(order.redeemed_points).into(),
        ],
    }
}

/// Records a payment's outcome on an order still waiting for it (changes
/// nothing once another hub recorded one).
pub(crate) fn recording_outcome(
    order_id: &str,
    status: OrderStatus,
    charge_id: Option<&str>,
    failure: Option<&str>,
    at: i64,
) -> Statement {
    Statement {
        sql: "UPDATE orders SET status = $1, charge_id = $2, failure = $3, updated_at = $4 \
              WHERE id = $5 AND status IN ($6, $7, $8)",
        values: vec![
            status.as_str().into(),
            charge_id.map(str::to_owned).into(),
            failure.map(str::to_owned).into(),
            at.into(),
            order_id.into(),
            OrderStatus::Pending.as_str().into(),
            OrderStatus::PendingConfirmation.as_str().into(),
            OrderStatus::RequiresAction.as_str().into(),
        ],
    }
}

/// The order of `opportunity_id` waiting for the customer to authenticate
/// its payment, and its affiliate.
pub(crate) async fn awaiting_authentication(
    pool: &sqlx::AnyPool,
    opportunity_id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, affiliate_id FROM orders WHERE opportunity_id = $1 AND status = $2",
    )
    .bind(opportunity_id)
    .bind(OrderStatus::RequiresAction.as_str())
    .fetch_optional(pool)
    .await?)
}

/// Removes the shipping addresses kept for `customer_token` of `affiliate`
/// (on its opportunities and orders); how many rows changed.
pub(crate) async fn forget_addresses_of_customer(
    writer: &sqlx::AnyPool,
    affiliate: &str,
    customer_token: &str,
) -> Result<u64, StoreError> {
    let mut changed = 0;
    for table in ["opportunities", "orders"] {
        changed += sqlx::query(&format!(
            "UPDATE {table} SET ship_to = NULL WHERE ship_to IS NOT NULL \
             AND affiliate_id = $1 AND customer_token = $2"
        ))
        .bind(affiliate)
        .bind(customer_token)
        .execute(writer)
        .await?
        .rows_affected();
    }
    Ok(changed)
}

/// Removes the shipping addresses of opportunities made by `cutoff` and of
/// orders made by then whose payment is settled (a pending one may still
/// need it for its webhook); how many rows changed.
pub(crate) async fn forget_addresses_by(
    writer: &sqlx::AnyPool,
    cutoff: i64,
) -> Result<u64, StoreError> {
    let opportunities = sqlx::query(
        "UPDATE opportunities SET ship_to = NULL WHERE ship_to IS NOT NULL AND created_at <= $1",
    )
    .bind(cutoff)
    .execute(writer)
    .await?
    .rows_affected();
    let orders = sqlx::query(
        "UPDATE orders SET ship_to = NULL WHERE ship_to IS NOT NULL AND created_at <= $1 \
         AND status NOT IN ($2, $3, $4)",
    )
    .bind(cutoff)
    .bind(OrderStatus::Pending.as_str())
    .bind(OrderStatus::PendingConfirmation.as_str())
    .bind(OrderStatus::RequiresAction.as_str())
    .execute(writer)
    .await?
    .rows_affected();
    Ok(opportunities + orders)
}
