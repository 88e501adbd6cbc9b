//! `POST /v1/opportunities/{id}/card`: card entry of the hub-origin frame,
//! the only place a card number reaches the hub; the HTTP side of the
//! `card` service. The body is never logged and errors never echo it.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use postsale_protocol::{CardEntry, CardReference};

use super::{frame_token, problem::RawBody};
use crate::{card, failure::Failure, state::AppState};

/// `POST /v1/opportunities/{id}/card`: from the hub-origin frame only; the
/// gateway turns the card into a reference at once. The body is never logged
/// and errors never echo what was typed.
#[utoipa::path(post, path = "/v1/opportunities/{id}/card", tag = "widget", request_body = CardEntry,
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 201, description = "the card's reference", body = CardReference), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 429, description = "card entry closed for this opportunity", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn card(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    // Only the hub's own frame may post a card: it carries the token of the
    // frame page it was served, which no page of the affiliate can read.
    crate::frame_tokens::verify(&state.db, frame_token(&headers), &id).await?;
    let entered: CardEntry = serde_json::from_slice(&body).map_err(|_| Failure::Malformed {
        detail: "expected {card_number, exp_month, exp_year, cvc}".into(),
        field: None,
    })?;
    let payment_reference = card::enter(&state, &id, &entered).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CardReference { payment_reference }),
    )
        .into_response())
}
