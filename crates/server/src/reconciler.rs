//! The reconciler: settles orders left `pending` by a hub that died between
//! storing an order and recording its outcome, and asks again about orders
//! in `pending_confirmation` (sent, no answer) until their outcome is known.
//! It claims each order with an optimistic lease (a conditional update of
//! `updated_at`), so replicas never settle the same order at once; the
//! gateway's and the affiliate's idempotency on the order id make a second
//! settlement charge nothing new.

use std::time::Duration;

use postsale_protocol::HandoffMode;
use sqlx::Row;

use crate::{
    failure::Failure,
    ids::now,
    orders::{PendingOrder, settle, stored_amount},
    state::AppState,
};

/// Reads a pending order back for settlement.
pub(crate) async fn load_pending(
    state: &AppState,
    order_id: &str,
) -> Result<Option<PendingOrder>, Failure> {
    let row = sqlx::query(
        "SELECT o.id, o.opportunity_id, o.affiliate_id, o.upseller_id, o.reason_code, o.customer_token, o.mode, o.items, \
         o.amount_minor, o.currency, o.points, o.payment_reference, o.confirm_attempts, \
         p.order_id AS affiliate_order_id, p.ticket_nonce \
         FROM orders o JOIN opportunities p ON p.id = o.opportunity_id \
         WHERE o.id = $1 AND o.status IN ($2, $3)",
    )
    .bind(order_id)
    .bind(postsale_protocol::OrderStatus::Pending.as_str())
    .bind(postsale_protocol::OrderStatus::PendingConfirmation.as_str())
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let bad = |what: &str| Failure::Internal(format!("order {order_id}: stored {what}"));
    Ok(Some(PendingOrder {
        id: row.try_get("id")?,
        opportunity_id: row.try_get("opportunity_id")?,
        affiliate_id: row.try_get("affiliate_id")?,
        upseller_id: row.try_get("upseller_id")?,
        reason_code: row.try_get("reason_code")?,
        customer_token: row.try_get("customer_token")?,
        affiliate_order_id: row.try_get("affiliate_order_id")?,
        ticket_nonce: row.try_get("ticket_nonce")?,
        mode: HandoffMode::parse(&row.try_get::<String, _>("mode")?).ok_or_else(|| bad("mode"))?,
        items: serde_json::from_str(&row.try_get::<String, _>("items")?)
            .map_err(|_| bad("items"))?,
        amount: stored_amount(&row, order_id)?,
        points: u32::try_from(row.try_get::<i64, _>("points")?).map_err(|_| bad("points"))?,
        payment_reference: row.try_get("payment_reference")?,
        resumed: true,
        confirm_attempts: row.try_get("confirm_attempts")?,
    }))
}

/// Settles orders that stayed `pending` longer than `after`, every second.
pub(crate) fn spawn(state: AppState, after: Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = reconcile_once(&state, after).await {
                tracing::warn!(error = %err, "reconciling pending orders failed");
            }
            let after_secs = i64::try_from(after.as_secs()).unwrap_or(30);
            if let Err(err) = crate::refunds::retry_pending(&state, after_secs).await {
                tracing::warn!(error = %err, "asking about pending refunds failed");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn reconcile_once(state: &AppState, after: Duration) -> Result<(), Failure> {
    let at = now();
    let cutoff = at - i64::try_from(after.as_secs()).unwrap_or(30);
    let rows = sqlx::query(
        "SELECT id, status, updated_at FROM orders WHERE (status = $3 AND updated_at <= $1) \
         OR (status = $4 AND next_check_at <= $2) LIMIT 20",
    )
    .bind(cutoff)
    .bind(at)
    .bind(postsale_protocol::OrderStatus::Pending.as_str())
    .bind(postsale_protocol::OrderStatus::PendingConfirmation.as_str())
    .fetch_all(&state.db.pool)
    .await?;
    for row in rows {
        let id: String = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        let seen: i64 = row.try_get("updated_at")?;
        // The lease: the next check moves out of reach while this one runs.
        let claimed = sqlx::query(
            "UPDATE orders SET updated_at = $1, next_check_at = $2 WHERE id = $3 AND updated_at = $4 AND status = $5",
        )
        .bind(now())
        .bind(now() + 60)
        .bind(&id)
        .bind(seen)
        .bind(&status)
        .execute(&state.db.writer)
        .await?;
        if claimed.rows_affected() == 1
            && let Some(order) = load_pending(state, &id).await?
        {
            tracing::info!(order = %id, %status, "settling an order left unsettled");
            settle(state, &order, None).await?;
        }
    }
    Ok(())
}
