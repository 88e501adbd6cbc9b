//! Events from the payment processor (its webhooks): verified by the
//! gateway, acted on once per event id. An event only says which payment to
//! look at again; what is booked is what the processor answers when the hub
//! asks, through the same settlement the reconciler uses. So an outcome the
//! hub missed (a charge whose answer never came) is booked as soon as the
//! processor tells, and a forged or replayed event moves nothing.

use crate::{
    failure::Failure,
    gateway::{EventError, EventKind},
    ids::now,
    orders::settle,
    reconciler::load_pending,
    state::AppState,
    store::stripe as events,
};

/// Takes one event: its signature header and raw body.
pub(crate) async fn take(
    state: &AppState,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), Failure> {
    // Unsigned is refused before anything else, by every hub.
    let signature = signature.ok_or_else(|| {
        Failure::Unauthorized("the processor's signature header is missing".into())
    })?;
    let event = state
        .gateway
        .event(signature, body, now())
        .map_err(|err| match err {
            EventError::NotTaken => Failure::NotFound(err.to_string()),
            EventError::Signature => Failure::Unauthorized(err.to_string()),
            EventError::Malformed => Failure::Malformed {
                detail: err.to_string(),
                field: None,
            },
        })?;
    let kind = match &event.kind {
        EventKind::Payment { .. } => "payment",
        EventKind::Refunded { .. } => "refund",
        // Nothing to act on, nothing kept.
        EventKind::Other => return Ok(()),
    };
    if !events::note_event(&state.db.writer, &event.id, kind, now()).await? {
        tracing::info!(event = %event.id, "processor event seen before");
        return Ok(());
    }
    let acted = act(state, &event.kind).await;
    if acted.is_err() {
        // Not acted on: the processor's next delivery of it will be.
        events::forget_event(&state.db.writer, &event.id).await?;
    }
    acted
}

async fn act(state: &AppState, kind: &EventKind) -> Result<(), Failure> {
    match kind {
        EventKind::Payment { intent } => {
            let Some(order_id) = state.gateway.order_of(intent).await? else {
                // Not one of this hub's payments (another system on the
                // same account): nothing to do.
                return Ok(());
            };
            if let Some(order) = load_pending(state, &order_id).await? {
                tracing::info!(order = %order_id, "the processor told of a payment; settling");
                settle(state, &order, None).await?;
            }
            Ok(())
        }
        // Refunds this hub asked for and never heard back about.
        EventKind::Refunded { .. } => crate::refunds::retry_pending(state, 0).await,
        EventKind::Other => Ok(()),
    }
}
