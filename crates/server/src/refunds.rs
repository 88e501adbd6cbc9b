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

use postsale_protocol::{CurrencyCode, HandoffMode, Money, OrderStatus};
use serde_json::json;

use crate::{
    domain::RefundStatus,
    failure::Failure,
    gateway::RefundError,
    ids::{new_id, now},
    orders::amount_of,
    registry::merchant,
    state::AppState,
    store::refunds::{self, ChargedRow, NewRefund},
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
    refunds::charged(&state.db.pool, order_id)
        .await?
        .map(charged_order)
        .transpose()
}

/// A stored order as a refund takes it.
fn charged_order(row: ChargedRow) -> Result<Charged, Failure> {
    let bad = |what: &str| Failure::Internal(format!("order {}: stored {what}", row.id));
    Ok(Charged {
        mode: HandoffMode::parse(&row.mode).ok_or_else(|| bad("mode"))?,
        amount: amount_of(row.amount_minor, &row.currency, &row.id)?,
        status: OrderStatus::parse(&row.status).ok_or_else(|| bad("status"))?,
        refunded_minor: row.refunded_minor,
        charge_id: row.charge_id,
        affiliate_id: row.affiliate_id,
        upseller_id: row.upseller_id,
        id: row.id,
    })
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
    let id = new_id("rfd");
    let reserved = refunds::reserve(
        &state.db.writer,
        &NewRefund {
            id: &id,
            order_id: &order.id,
            amount_minor: amount.minor(),
            currency: amount.currency().as_str(),
            refunded_by: me,
            at: now(),
        },
    )
    .await?;
    if !reserved {
        return Err(Failure::Conflict(
            "another refund of this order took what was left to refund".into(),
        ));
    }
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
    state.metrics.refund(match &moved {
        Ok(()) => "succeeded",
        Err(RefundError::Unknown) => "pending",
        Err(RefundError::Refused) => "refused",
    });
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
            refunds::release(
                &state.db.writer,
                refund_id,
                &order.id,
                amount.minor(),
                now(),
            )
            .await?;
            Err(Failure::Conflict(RefundError::Refused.to_string()))
        }
    }
}

/// Marks the refund succeeded, the order refunded once nothing is left
/// (with its points undone), and queues `order.refunded` for the upseller
/// (and, under merchant_of_record, the affiliate), all in one transaction.
async fn succeeded(
    state: &AppState,
    order: &Charged,
    refund_id: &str,
    amount: Money,
) -> Result<(), Failure> {
    // The upseller hears `order.refunded`; so does the affiliate that sold
    // under merchant_of_record (its processor gave the money back), and
    // any other affiliate hears `upsell.refunded` of the upsell it showed.
    let mut recipients = vec![(order.upseller_id.clone(), "order.refunded")];
    if order.affiliate_id != order.upseller_id {
        let event = match order.mode {
            HandoffMode::MerchantOfRecord => "order.refunded",
            _ => "upsell.refunded",
        };
        recipients.push((order.affiliate_id.clone(), event));
    }
    let mut urls = Vec::new();
    for (recipient, event) in recipients {
        if let Some(url) = merchant::by_id_stored(&state.db, &recipient)
            .await?
            .and_then(|m| m.webhook_url)
        {
            urls.push((recipient, url, event));
        }
    }
    let mut tx = state.db.writer.begin().await?;
    let Some(after) = refunds::succeed(&mut tx, refund_id, &order.id, now()).await? else {
        // Recorded by someone else (the reconciler on another replica).
        return Ok(());
    };
    if after.status == OrderStatus::Refunded.as_str() {
        // Wholly refunded: the points it spent come back, the points it
        // earned go (as many as the customer still holds).
        crate::store::points::refunded(&mut tx, &order.id, now()).await?;
    }
    let refunded = Money::from_minor(after.refunded_minor, amount.currency())
        .map_err(|e| Failure::Internal(e.to_string()))?;
    for (recipient, url, event) in &urls {
        let body = json!({
            "event": event,
            "order": {"id": order.id, "amount": order.amount.decimal(), "currency": order.amount.currency(),
                      "mode": order.mode, "refunded": refunded.decimal(),
                      "status": after.status},
            "refund": {"id": refund_id, "amount": amount.decimal(), "currency": amount.currency()},
        });
        crate::outbox::enqueuing(recipient, &order.id, url, &body)
            .run(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Asks the processor again about refunds it never answered, under their
/// own idempotency keys (called by the reconciler).
pub(crate) async fn retry_pending(state: &AppState, older_than_secs: i64) -> Result<(), Failure> {
    for unanswered in refunds::unanswered(&state.db.pool, now() - older_than_secs, 20).await? {
        // The lease: one replica asks at a time.
        let claimed = refunds::claim(&state.db.writer, &unanswered, now()).await?;
        if claimed && let Some(order) = charged(state, &unanswered.order_id).await? {
            let amount = Money::from_minor(unanswered.amount_minor, order.amount.currency())
                .map_err(|e| Failure::Internal(e.to_string()))?;
            // A refusal now frees the reservation; no answer waits again.
            let _ = settle(state, &order, &unanswered.id, amount).await;
        }
    }
    Ok(())
}
