//! The reconciler: settles orders left `pending` by a hub that died between
//! storing an order and recording its outcome, and asks again about orders
//! in `pending_confirmation` (sent, no answer) until their outcome is known.
//! It claims each order with an optimistic lease (a conditional update of
//! `updated_at`), so replicas never settle the same order at once; the
//! gateway's and the affiliate's idempotency on the order id make a second
//! settlement charge nothing new.

use std::time::Duration;

use postsale_protocol::HandoffMode;

use crate::{
    failure::Failure,
    ids::now,
    orders::{Breakdown, PendingOrder, amount_of, settle},
    state::AppState,
    stop::Stop,
    store::orders::{self, PendingRow},
};

/// Reads a pending order back for settlement.
pub(crate) async fn load_pending(
    state: &AppState,
    order_id: &str,
) -> Result<Option<PendingOrder>, Failure> {
    orders::pending(&state.db.pool, order_id)
        .await?
        .map(pending_order)
        .transpose()
}

/// A stored pending order as settlement takes it.
fn pending_order(row: PendingRow) -> Result<PendingOrder, Failure> {
    let bad = |what: &str| Failure::Internal(format!("order {}: stored {what}", row.id));
    Ok(PendingOrder {
        mode: HandoffMode::parse(&row.mode).ok_or_else(|| bad("mode"))?,
        items: serde_json::from_str(&row.items).map_err(|_| bad("items"))?,
        amount: amount_of(row.amount_minor, &row.currency, &row.id)?,
        breakdown: Breakdown {
            discount_minor: row.discount_minor,
            shipping_minor: row.shipping_minor,
            incentive: row.incentive,
        },
        points: u32::try_from(row.points).map_err(|_| bad("points"))?,
        redeemed_points: u32::try_from(row.redeemed_points).map_err(|_| bad("redeemed_points"))?,
        ship_to: match &row.ship_to {
            Some(json) => Some(serde_json::from_str(json).map_err(|_| bad("ship_to"))?),
            None => None,
        },
        resumed: true,
        confirm_attempts: row.confirm_attempts,
        id: row.id,
        opportunity_id: row.opportunity_id,
        affiliate_id: row.affiliate_id,
        upseller_id: row.upseller_id,
        reason_code: row.reason_code,
        customer_token: row.customer_token,
        affiliate_order_id: row.affiliate_order_id,
        ticket_nonce: row.ticket_nonce,
        payment_reference: row.payment_reference,
    })
}

/// Settles orders that stayed `pending` longer than `after`, every second.
pub(crate) fn spawn(
    state: AppState,
    after: Duration,
    mut stop: Stop,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // A round once begun is finished: a payment being settled is settled.
        while !stop.asked() {
            if let Err(err) = reconcile_once(&state, after).await {
                tracing::warn!(error = %err, "reconciling pending orders failed");
            }
            let after_secs = i64::try_from(after.as_secs()).unwrap_or(30);
            if let Err(err) = crate::refunds::retry_pending(&state, after_secs).await {
                tracing::warn!(error = %err, "asking about pending refunds failed");
            }
            if stop.pause(Duration::from_secs(1)).await {
                break;
            }
        }
    })
}

async fn reconcile_once(state: &AppState, after: Duration) -> Result<(), Failure> {
    let at = now();
    let cutoff = at - i64::try_from(after.as_secs()).unwrap_or(30);
    for due in orders::due(&state.db.pool, cutoff, at, 20).await? {
        // The lease: the next check moves out of reach while this one runs.
        let claimed = orders::claim(&state.db.writer, &due, now(), now() + 60).await?;
        if claimed && let Some(order) = load_pending(state, &due.id).await? {
            tracing::info!(order = %due.id, status = %due.status, "settling an order left unsettled");
            settle(state, &order, None).await?;
        }
    }
    Ok(())
}
