//! `POST /v1/opportunities/{id}/card`: card entry of the hub-origin frame,
//! the only place a card number reaches the hub; the HTTP side of the
//! `card` service. The body is never logged and errors never echo it.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use postsale_protocol::{CardEntry, CardReference, CardToken};

use super::{frame_token, problem::RawBody};
use crate::{card, failure::Failure, gateway::CardInput, state::AppState};

/// What the frame sends: the card typed into the sandbox's form, or the
/// token of the processor's own fields.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
enum CardBody {
    Typed(CardEntry),
    Token(CardToken),
}

/// `POST /v1/opportunities/{id}/card`: from the hub-origin frame only; the
/// gateway turns the card into a reference at once. The body is never logged
/// and errors never echo what was typed.
#[utoipa::path(post, path = "/v1/opportunities/{id}/card", tag = "widget", request_body(content = inline(CardBody), description = "the card typed into the sandbox's form, or the token of the processor's own fields"),
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
    let entered: CardBody = serde_json::from_slice(&body).map_err(|_| Failure::Malformed {
        detail: "expected {card_number, exp_month, exp_year, cvc} or {token}".into(),
        field: None,
    })?;
    let card = match &entered {
        CardBody::Typed(typed) => CardInput::Typed(typed),
        CardBody::Token(token) => CardInput::Token(&token.token),
    };
    let payment_reference = card::enter(&state, &id, card).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CardReference { payment_reference }),
    )
        .into_response())
}

/// The processor's secret for a payment the customer is to authenticate.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Authentication {
    /// For the processor's script in the hub's frame.
    client_secret: String,
}

/// `POST /v1/opportunities/{id}/authentication`: from the hub's frame page
/// opened for a payment that waits for 3-D Secure only (its frame token):
/// the processor's client secret for it, asked of the processor now.
#[utoipa::path(post, path = "/v1/opportunities/{id}/authentication", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the payment's client secret", body = Authentication), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "no payment waits for authentication", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn authentication(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<axum::Json<Authentication>, Failure> {
    crate::frame_tokens::verify(&state.db, frame_token(&headers), &id).await?;
    let client_secret = crate::authentication::client_secret(&state, &id).await?;
    Ok(axum::Json(Authentication { client_secret }))
}
