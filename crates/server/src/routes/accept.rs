//! `POST /v1/opportunities/{id}/accept`: the HTTP side of the `accept`
//! service. The `Idempotency-Key` header is checked here and kept as its
//! digest; the answer, a replay's included, is the service's.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use postsale_protocol::{AcceptRequest, AcceptResponse};
use sha2::{Digest, Sha256};

use super::{
    frame_token,
    problem::{RawBody, parse_json},
};
use crate::{accept, failure::Failure, orders::Answer, state::AppState};

/// `POST /v1/opportunities/{id}/accept`.
#[utoipa::path(post, path = "/v1/opportunities/{id}/accept", tag = "widget", request_body = AcceptRequest,
    params(("id" = String, Path, description = "opportunity id"),
        ("Idempotency-Key" = String, Header, description = "one key per consent; a retry reuses it: 1 to 255 visible ASCII characters", pattern = "^[!-~]{1,255}$")),
    responses((status = 201, description = "the order", body = AcceptResponse),
        (status = 202, description = "the order, its payment's outcome being confirmed (status pending_confirmation); retry the same request later for the outcome", body = AcceptResponse),
        (status = 402, description = "payment failed", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem; with Retry-After while the first request with this key is still being processed", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    let key = idempotency_key(&headers)?;
    let request: AcceptRequest = parse_json(&body)?;
    let asked = accept::Asked {
        key: &key,
        request: &request,
        frame_token: frame_token(&headers),
        in_frame: headers.contains_key(postsale_protocol::FRAME_TOKEN_HEADER),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    };
    let answer = accept::accept(&state, &id, &asked).await?;
    Ok(respond(&answer))
}

/// The request's `Idempotency-Key`, checked, as the SHA-256 the hub keeps.
fn idempotency_key(headers: &HeaderMap) -> Result<String, Failure> {
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| Failure::Malformed {
            detail: "the Idempotency-Key header is required".into(),
            field: Some("Idempotency-Key".into()),
        })?
        .to_str()
        .unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::Malformed {
            detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
            field: Some("Idempotency-Key".into()),
        });
    }
    // Kept as its digest: whatever a client puts in its key (a random
    // number can look like a card number) is never stored.
    Ok(hex::encode(Sha256::digest(key.as_bytes())))
}

fn respond(answer: &Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, answer.body.clone()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
