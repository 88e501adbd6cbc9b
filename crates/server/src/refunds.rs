//! Refunds, whole or in part, by the merchant that received the money: the
//! upseller where the hub's processor charged (direct_entry,
//! payment_reference), the affiliate under merchant_of_record (it charged
//! on its own processor and refunds there; the hub books it).
//!
//! A refund first reserves its amount on the order with one conditional
//! update (what was refunded plus this refund never exceeds what was
//! charged), so concurrent refunds cannot refund more than once; then the
//! processor refunds under the refund's id as idempotency key; then the
//! refund is marked succeeded and the parties' `order.refunded` webhooks are
//! queued in the same transaction. A processor that refuses frees the
//! reservation; one that does not answer leaves the refund `pending`, and
//! the reconciler asks again under the same key.

use postsale_protocol::{CurrencyCode, HandoffMode, Money};
use serde_json::json;
use sqlx::Row;

use crate::{
    domain::RefundStatus,
    failure::Failure,
    gateway::RefundError,
    ids::{new_id, now},
    registry::merchant,
    state::AppState,
};

/// A refund as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Refund {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) amount: String,
    pub(crate) currency: CurrencyCode,
    /// `pending` (the processor has not confirmed it yet) or `succeeded`.
    pub(crate) status: RefundStatus,
}

/// What a refund needs of its order.
#[derive(Debug, Clone)]
struct Charged {
    id: String,
    affiliate_id: String,
    upseller_id: String,
    mode: HandoffMode,
    charge_id: Option<String>,
    amount: Money,
    refunded_minor: i64,
    status: postsale_protocol::OrderStatus,
}

async fn charged(state: &AppState, order_id: &str) -> Result<Option<Charged>, Failure> {
    let row = sqlx::query(
        "SELECT id, affiliate_id, upseller_id, mode, charge_id, amount_minor, currency, refunded_minor, status \
         FROM orders WHERE id = $1",
    )
    .bind(order_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let stored = |what: &str| Failure::Internal(format!("order {order_id}: stored {what}"));
    Ok(Some(Charged {
        id: row.try_get("id")?,
        affiliate_id: row.try_get("affiliate_id")?,
        upseller_id: row.try_get("upseller_id")?,
        mode: HandoffMode::parse(&row.try_get::<String, _>("mode")?)
            .ok_or_else(|| stored("mode"))?,
        charge_id: row.try_get("charge_id")?,
        amount: crate::orders::stored_amount(&row, order_id)?,
        refunded_minor: row.try_get("refunded_minor")?,
        status: postsale_protocol::OrderStatus::parse(&row.try_get::<String, _>("status")?)
            .ok_or_else(|| stored("status"))?,
    }))
}

/// The merchant that holds the customer's money for an order.
fn receiver(order: &Charged) -> &str {
    match order.mode {
        HandoffMode::MerchantOfRecord => &order.affiliate_id,
        HandoffMode::PaymentReference | HandoffMode::DirectEntry => &order.upseller_id,
    }
}

/// Refunds `asked` (decimal, in the order's currency; the rest of the
/// order when `None`) of order `order_id` for merchant `me`.
pub(crate) async fn refund(
    state: &AppState,
    me: &str,
    order_id: &str,
    asked: Option<&str>,
) -> Result<Refund, Failure> {
    let order = charged(state, order_id)
        .await?
        .filter(|o| o.affiliate_id == me || o.upseller_id == me)
        .ok_or_else(|| Failure::NotFound(format!("no order '{order_id}'")))?;
    if receiver(&order) != me {
        return Err(Failure::Forbidden(
            "only the merchant that received the money refunds it".into(),
        ));
    }
    use postsale_protocol::OrderStatus;
    if !matches!(order.status, OrderStatus::Charged | OrderStatus::Fulfilled) {
        return Err(Failure::Conflict(format!(
            "only a charged order can be refunded; this one is {}",
            order.status.as_str()
        )));
    }
    let left = order.amount.minor() - order.refunded_minor;
    let amount = match asked {
        Some(text) => Money::parse(text, order.amount.currency())
            .map_err(|e| Failure::invalid("amount", e))?,
        None => Money::from_minor(left, order.amount.currency())
            .map_err(|e| Failure::Internal(e.to_string()))?,
    };
    if amount.minor() <= 0 || amount.minor() > left {
        return Err(if left == 0 {
            Failure::Conflict("this order is refunded in full already".into())
        } else {
            Failure::invalid(
                "amount",
                format!(
                    "must be more than 0 and at most the {} not refunded yet",
                    Money::from_minor(left, order.amount.currency())
                        .map_or_else(|_| left.to_string(), |m| m.decimal())
                ),
            )
        });
    }
    let refund_id = reserve(state, &order, amount, me).await?;
    settle(state, &order, &refund_id, amount).await
}

/// Reserves `amount` on the order and writes the pending refund, or
/// refuses: a concurrent refund took what was left.
async fn reserve(
    state: &AppState,
    order: &Charged,
    amount: Money,
    me: &str,
) -> Result<String, Failure> {
    let at = now();
    let id = new_id("rfd");
    let mut tx = state.db.writer.begin().await?;
    let reserved = sqlx::query(
        "UPDATE orders SET refunded_minor = refunded_minor + $1, updated_at = $2 \
         WHERE id = $3 AND status IN ($4, $5) AND refunded_minor + $1 <= amount_minor",
    )
    .bind(amount.minor())
    .bind(at)
    .bind(&order.id)
    .bind(postsale_protocol::OrderStatus::Charged.as_str())
    .bind(postsale_protocol::OrderStatus::Fulfilled.as_str())
    .execute(&mut *tx)
    .await?;
    if reserved.rows_affected() != 1 {
        return Err(Failure::Conflict(
            "another refund of this order took what was left to refund".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO refunds (id, order_id, amount_minor, currency, refunded_by, status, at) \
         VALUES ($1, $2, $3, $4, $5, $7, $6)",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(amount.minor())
    .bind(amount.currency().as_str())
    .bind(me)
    .bind(at)
    .bind(RefundStatus::Pending.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves the money back (where the hub's processor took it) and records
/// the outcome.
async fn settle(
    state: &AppState,
    order: &Charged,
    refund_id: &str,
    amount: Money,
) -> Result<Refund, Failure> {
    let moved = match (order.mode, &order.charge_id) {
        // The affiliate refunded on its own processor; the hub books it.
        (HandoffMode::MerchantOfRecord, _) => Ok(()),
        // A processor that hangs leaves the refund pending, for the reconciler.
        (_, Some(charge_id)) => tokio::time::timeout(
            crate::gateway::CHARGE_TIMEOUT,
            state.gateway.refund(charge_id, amount, refund_id),
        )
        .await
        .unwrap_or(Err(RefundError::Unknown)),
        (_, None) => Err(RefundError::Refused),
    };
    let shown = |status| Refund {
        id: refund_id.to_owned(),
        order_id: order.id.clone(),
        amount: amount.decimal(),
        currency: amount.currency(),
        status,
    };
    match moved {
        Ok(()) => {
            succeeded(state, order, refund_id, amount).await?;
            Ok(shown(RefundStatus::Succeeded))
        }
        Err(RefundError::Unknown) => {
            tracing::warn!(order = %order.id, refund = %refund_id, "refund outcome unknown; asked again later");
            Ok(shown(RefundStatus::Pending))
        }
        Err(RefundError::Refused) => {
            let mut tx = state.db.writer.begin().await?;
            let dropped = sqlx::query("DELETE FROM refunds WHERE id = $1 AND status = $2")
                .bind(refund_id)
                .bind(RefundStatus::Pending.as_str())
                .execute(&mut *tx)
                .await?;
            if dropped.rows_affected() == 1 {
                sqlx::query(
                    "UPDATE orders SET refunded_minor = refunded_minor - $1, updated_at = $2 WHERE id = $3",
                )
                .bind(amount.minor())
                .bind(now())
                .bind(&order.id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Err(Failure::Conflict(RefundError::Refused.to_string()))
        }
    }
}

/// Marks the refund succeeded, the order refunded once nothing is left, and
/// queues `order.refunded` for the upseller (and, under merchant_of_record,
/// the affiliate), all in one transaction.
async fn succeeded(
    state: &AppState,
    order: &Charged,
    refund_id: &str,
    amount: Money,
) -> Result<(), Failure> {
    let mut recipients = vec![order.upseller_id.clone()];
    if order.mode == HandoffMode::MerchantOfRecord && order.affiliate_id != order.upseller_id {
        recipients.push(order.affiliate_id.clone());
    }
    let mut urls = Vec::new();
    for recipient in recipients {
        if let Some(url) = merchant::by_id_stored(&state.db, &recipient)
            .await?
            .and_then(|m| m.webhook_url)
        {
            urls.push((recipient, url));
        }
    }
    let mut tx = state.db.writer.begin().await?;
    let marked = sqlx::query("UPDATE refunds SET status = $2 WHERE id = $1 AND status = $3")
        .bind(refund_id)
        .bind(RefundStatus::Succeeded.as_str())
        .bind(RefundStatus::Pending.as_str())
        .execute(&mut *tx)
        .await?;
    if marked.rows_affected() != 1 {
        // Recorded by someone else (the reconciler on another replica).
        return Ok(());
    }
    // Refunded in full once the refunds that went through cover the charge
    // (one still pending may yet be refused, and free its share again).
    sqlx::query(
        "UPDATE orders SET status = $3, updated_at = $1 WHERE id = $2 AND status IN ($4, $5) \
         AND (SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = $2 AND status = $6) >= amount_minor",
    )
    .bind(now())
    .bind(&order.id)
    .bind(postsale_protocol::OrderStatus::Refunded.as_str())
    .bind(postsale_protocol::OrderStatus::Charged.as_str())
    .bind(postsale_protocol::OrderStatus::Fulfilled.as_str())
    .bind(RefundStatus::Succeeded.as_str())
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT refunded_minor, status FROM orders WHERE id = $1")
        .bind(&order.id)
        .fetch_one(&mut *tx)
        .await?;
    let refunded = Money::from_minor(row.try_get("refunded_minor")?, amount.currency())
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let body = json!({
        "event": "order.refunded",
        "order": {"id": order.id, "amount": order.amount.decimal(), "currency": order.amount.currency(),
                  "mode": order.mode, "refunded": refunded.decimal(),
                  "status": row.try_get::<String, _>("status")?},
        "refund": {"id": refund_id, "amount": amount.decimal(), "currency": amount.currency()},
    });
    for (recipient, url) in &urls {
        crate::outbox::enqueue(&mut tx, recipient, &order.id, url, &body).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Asks the processor again about refunds it never answered, under their
/// own idempotency keys (called by the reconciler).
pub(crate) async fn retry_pending(state: &AppState, older_than_secs: i64) -> Result<(), Failure> {
    let rows = sqlx::query(
        "SELECT id, order_id, amount_minor, at FROM refunds WHERE status = $2 AND at <= $1 LIMIT 20",
    )
    .bind(now() - older_than_secs)
    .bind(RefundStatus::Pending.as_str())
    .fetch_all(&state.db.pool)
    .await?;
    for row in rows {
        let id: String = row.try_get("id")?;
        let seen: i64 = row.try_get("at")?;
        // The lease: one replica asks at a time.
        let claimed =
            sqlx::query("UPDATE refunds SET at = $1 WHERE id = $2 AND at = $3 AND status = $4")
                .bind(now())
                .bind(&id)
                .bind(seen)
                .bind(RefundStatus::Pending.as_str())
                .execute(&state.db.writer)
                .await?;
        let order_id: String = row.try_get("order_id")?;
        if claimed.rows_affected() == 1
            && let Some(order) = charged(state, &order_id).await?
        {
            let amount = Money::from_minor(row.try_get("amount_minor")?, order.amount.currency())
                .map_err(|e| Failure::Internal(e.to_string()))?;
            // A refusal now frees the reservation; no answer waits again.
            let _ = settle(state, &order, &id, amount).await;
        }
    }
    Ok(())
}
