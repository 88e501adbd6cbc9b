//! 3-D Secure for an accept sent from the pop-up on the merchant's page. The
//! card's issuer asks the customer to authenticate, which only the hub's own
//! frame can run (the processor's script, with the hub's key, where the
//! merchant's page cannot reach it). So the pop-up opens the hub's frame page
//! for this payment alone; its script asks here for the payment's client
//! secret, runs the processor's step, and tells the pop-up, which sends its
//! accept again: the hub then answers what the processor says.

use postsale_protocol::{AcceptResponse, OrderStatus};

use crate::{
    failure::Failure, orders::settle, reconciler::load_pending, registry::Merchant,
    registry::merchant, state::AppState, store,
};

/// The affiliate of opportunity `id`, whose order waits for the customer to
/// authenticate (its proven origins may frame the page).
pub(crate) async fn waiting(state: &AppState, id: &str) -> Result<Merchant, Failure> {
    let (_, affiliate) = store::orders::awaiting_authentication(&state.db.pool, id)
        .await?
        .ok_or_else(nothing)?;
    merchant::by_id_stored(&state.db, &affiliate)
        .await?
        .ok_or_else(|| Failure::Gone("this offer's merchant no longer exists".into()))
}

/// The processor's client secret of the payment waiting for the customer,
/// asked of the processor now (a payment already decided has none).
pub(crate) async fn client_secret(state: &AppState, id: &str) -> Result<String, Failure> {
    let (order_id, _) = store::orders::awaiting_authentication(&state.db.pool, id)
        .await?
        .ok_or_else(nothing)?;
    let order = load_pending(state, &order_id).await?.ok_or_else(nothing)?;
    let answer = settle(state, &order, None).await?;
    serde_json::from_str::<AcceptResponse>(&answer.body)
        .ok()
        .filter(|response| response.status == OrderStatus::RequiresAction)
        .and_then(|response| response.client_secret)
        .ok_or_else(nothing)
}

fn nothing() -> Failure {
    Failure::Conflict("no payment of this offer waits for the customer to authenticate".into())
}
