//! `POST /v1/processor/events`: the payment processor's webhooks, the HTTP
//! side of the `processor` service. The body is read raw: its signature is
//! over the exact bytes.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};

use super::problem::RawBody;
use crate::{failure::Failure, processor, state::AppState};

/// `POST /v1/processor/events`: an event from the payment processor
/// (Stripe: `payment_intent.succeeded`, `payment_intent.payment_failed`,
/// `charge.refunded`), signed with the endpoint's secret.
#[utoipa::path(post, path = "/v1/processor/events", tag = "processor",
    params(("Stripe-Signature" = String, Header, description = "t=UNIX,v1=HMAC-SHA256 hex over `t.body`")),
    request_body(content = String, description = "the processor's event, as it signed it", content_type = "application/json"),
    responses((status = 204, description = "taken (acted on once)"), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "bad or old signature", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "this hub takes no processor events", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<StatusCode, Failure> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    processor::take(&state, signature, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
