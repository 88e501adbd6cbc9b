//! `POST /v1/opportunities/{id}/card`: card entry of the hub-origin frame,
//! the only place a card number reaches the hub. It goes straight to the
//! gateway, which answers a reference; the number and CVC are never stored,
//! logged, or echoed in an error.

use super::frame_token;
use super::problem::RawBody;
use crate::opportunity::load_open;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use postsale_protocol::{CardEntry, CardReference, HandoffMode};

use crate::{failure::Failure, state::AppState};

/// Cards that may be tried on one opportunity.
const MAX_CARD_ATTEMPTS: i64 = 5;
/// What `Retry-After` says once they are used: longer than an offer lives.
const CLOSED_FOR_SECS: u64 = 24 * 3600;

/// `POST /v1/opportunities/{id}/card`: from the hub-origin frame only; the
/// gateway turns the card into a reference at once. The body is never logged
/// and errors never echo what was typed.
#[utoipa::path(post, path = "/v1/opportunities/{id}/card", tag = "widget", request_body = CardEntry,
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 201, description = "the card's reference", body = CardReference), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 429, description = "card entry closed for this opportunity", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(opportunity = %id))]
pub(crate) async fn card(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    // Only the hub's own frame may post a card: it carries the token of the
    // frame page it was served, which no page of the affiliate can read.
    crate::frame_tokens::verify(&state.db, frame_token(&headers), &id).await?;
    let card: CardEntry = serde_json::from_slice(&body).map_err(|_| Failure::Malformed {
        detail: "expected {card_number, exp_month, exp_year, cvc}".into(),
        field: None,
    })?;
    let open = load_open(&state, &id).await?;
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
    let payment_reference = state
        .gateway
        .tokenize(&card, &open.id)
        .await
        .map_err(|e| match e {
            crate::gateway::CardError::Number => Failure::invalid("card_number", e),
            crate::gateway::CardError::Expiry => Failure::invalid("exp_month", e),
            crate::gateway::CardError::Cvc => Failure::invalid("cvc", e),
            crate::gateway::CardError::Unavailable => {
                Failure::Internal("sandbox gateway storage".into())
            }
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CardReference { payment_reference }),
    )
        .into_response())
}
