//! `POST /v1/opportunities` (the widget reports a purchase), `GET` of one
//! and `POST /v1/opportunities/{id}/decline`: the HTTP side of the
//! `opportunity` service.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use postsale_protocol::{NO_OFFER_HEADER, Opportunity, OpportunityRequest};

use super::problem::ApiJson;
use crate::{
    failure::Failure,
    ids::now,
    opportunity::{self, Opening},
    selection::NoOffer,
    state::AppState,
};

/// `POST /v1/opportunities`.
#[utoipa::path(post, path = "/v1/opportunities", tag = "widget", request_body = OpportunityRequest,
    responses((status = 201, description = "a new opportunity", body = Opportunity),
        (status = 200, description = "the same ticket again: the same opportunity", body = Opportunity),
        (status = 204, description = "nothing to show; the reason is in the postsale-no-offer header"),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
// No span of its own: made for every purchase, it cost more than its
// fields-less context is worth.
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpportunityRequest>,
) -> Result<Response, Failure> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let reporter = opportunity::Reporter {
        origin: header(header::ORIGIN),
        accept_language: header(header::ACCEPT_LANGUAGE),
    };
    // Boxed: each layer around the handler moves its future by value, and
    // the service's is a few KiB.
    let opening = Box::pin(opportunity::open(&state, &request, reporter, now())).await;
    state.metrics.opportunity(match &opening {
        Ok(Opening::Created(_)) => "created",
        Ok(Opening::Again(_)) => "again",
        Ok(Opening::NoOffer(why)) => why.as_str(),
        Err(_) => "refused",
    });
    Ok(match opening? {
        Opening::Created(body) => json(StatusCode::CREATED, body),
        Opening::Again(body) => json(StatusCode::OK, body),
        Opening::NoOffer(why) => no_offer(why),
    })
}

/// A JSON body the hub serialised itself, as is.
pub(super) fn json(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn no_offer(why: NoOffer) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(NO_OFFER_HEADER, HeaderValue::from_static(why.as_str()));
    response
}

/// `POST /v1/opportunities/{id}/decline`: the customer said no. Declining
/// twice is fine; declining an accepted opportunity is a conflict.
#[utoipa::path(post, path = "/v1/opportunities/{id}/decline", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 204, description = "declined"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn decline(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    opportunity::decline(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/opportunities/{id}/next`: the offer that follows an accepted
/// opportunity (its reason code's `next`) or a declined one (its
/// `downsell`), opened on the first ask and answered again after.
#[utoipa::path(post, path = "/v1/opportunities/{id}/next", tag = "widget",
    params(("id" = String, Path, description = "the opportunity accepted or declined")),
    responses((status = 200, description = "the follow-up opportunity", body = Opportunity),
        (status = 204, description = "nothing follows; the reason is in the postsale-no-offer header"),
        (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn next(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    Ok(match crate::follow_up::next(&state, &id).await? {
        crate::follow_up::Followed::Offer(body) => json(StatusCode::OK, body),
        crate::follow_up::Followed::Nothing(why) => no_offer(why),
    })
}

/// What the hub's frame sends when the customer picks an incentive.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pick {
    /// One of the opportunity's `incentives`.
    pub(crate) incentive: String,
}

/// `POST /v1/opportunities/{id}/incentive`: the customer's pick, from the
/// hub's own frame only (its token), which has no ticket to send again as
/// the pop-up does; one of the reason code's choices, while the offer is open.
#[utoipa::path(post, path = "/v1/opportunities/{id}/incentive", tag = "widget", request_body = Pick,
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 204, description = "recorded"),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn pick(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(pick): ApiJson<Pick>,
) -> Result<StatusCode, Failure> {
    crate::frame_tokens::verify(&state.db, super::frame_token(&headers), &id).await?;
    opportunity::pick(&state, &id, &pick.incentive).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/opportunities/{id}`: the opportunity as first answered (the
/// hub-origin frame starts from it: teaser, incentives, style). Only for
/// the frame (its page's token): it holds the customer's points and the
/// amounts of their earlier orders, and an id travels in URLs.
#[utoipa::path(get, path = "/v1/opportunities/{id}", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the opportunity", body = Opportunity),
        (status = 403, description = "not from the opportunity's frame page (no or another frame token, or no such opportunity)", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Opportunity>, Failure> {
    crate::frame_tokens::verify(&state.db, super::frame_token(&headers), &id).await?;
    opportunity::stored(&state, &id).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future a handler taking three arguments returns.
    fn future_of<A, B, C, F>(_: fn(A, B, C) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    #[test]
    fn the_offer_handler_future_stays_small_as_layers_move_it() {
        // Every layer between hyper and the handler moves its future by
        // value; the service's own is boxed once, inside.
        let size = future_of(create);
        assert!(size < 1024, "the handler's future is {size} bytes");
    }
}
