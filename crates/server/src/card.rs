//! The card service: a card entered in the hub-origin frame (typed into the
//! sandbox's form, or a token from the processor's own fields) goes straight
//! to the gateway, which answers a reference; a number and CVC are never
//! stored, logged, or echoed in an error. A few cards per opportunity, then
//! card entry is closed. The HTTP side is `routes::card`.

use postsale_protocol::HandoffMode;

use crate::{
    failure::Failure,
    gateway::{CardError, CardInput},
    opportunity::load_open,
    state::AppState,
};

/// Cards that may be tried on one opportunity.
const MAX_CARD_ATTEMPTS: i64 = 5;
/// What `Retry-After` says once they are used: longer than an offer lives.
const CLOSED_FOR_SECS: u64 = 24 * 3600;

/// Turns `card`, typed for open opportunity `id` (in its frame, which the
/// caller checked), into the gateway's reference for the accept.
pub(crate) async fn enter(
    state: &AppState,
    id: &str,
    card: CardInput<'_>,
) -> Result<String, Failure> {
    let open = load_open(state, id).await?;
    if open.code.handoff_mode != HandoffMode::DirectEntry {
        return Err(Failure::Conflict(
            "this offer is not paid by card entry".into(),
        ));
    }
    // A few cards per opportunity, then card entry is closed: the frame is
    // no card-testing oracle, whichever processor sits behind it.
    let counted =
        crate::store::opportunities::count_card(&state.db.writer, &open.id, MAX_CARD_ATTEMPTS)
            .await?;
    if !counted {
        tracing::warn!("card entry closed after {MAX_CARD_ATTEMPTS} attempts");
        return Err(Failure::RateLimited(CLOSED_FOR_SECS));
    }
    state
        .gateway
        .tokenize(card, &open.id)
        .await
        .map_err(|e| match e {
            CardError::Number => Failure::invalid("card_number", e),
            CardError::Expiry => Failure::invalid("exp_month", e),
            CardError::Cvc => Failure::invalid("cvc", e),
            CardError::Refused(_) => Failure::invalid("token", e),
            CardError::OtherForm(_) => Failure::Malformed {
                detail: e.to_string(),
                field: None,
            },
            CardError::Unavailable => Failure::Internal("the payment processor failed".into()),
        })
}
