//! Proving a merchant's addresses: its web origins (used for CORS, the
//! origin check and `frame-ancestors` only once proven) and its handoff and
//! webhook URLs (called for nothing but a challenge until proven). The
//! operator may approve an origin instead of its challenge.

use super::auth::{MerchantAuth, OperatorAuth};
use super::problem::ApiJson;
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

use crate::{
    failure::Failure,
    registry::{
        Merchant,
        addresses::{self, Callback, OriginStatus},
        keys::{self, Purpose},
        merchant,
    },
    state::AppState,
    verification::{self, Unproven},
};

/// One of the caller's declared origins.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OriginRequest {
    /// As declared, e.g. `https://shop.example`.
    pub(crate) origin: String,
}

/// One of the caller's callback URLs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallbackRequest {
    /// `handoff` or `webhook`.
    pub(crate) callback: Callback,
}

/// The address did not prove itself: the request was fine, the address
/// is not (yet) in the state it must be.
fn unproven(field: &str, what: &str, why: &Unproven) -> Failure {
    Failure::conflict(field, format!("{what} is not proven: {why}"))
}

/// `GET /v1/admin/origins`: the caller's declared origins, whether each is
/// proven, and the challenge to serve for those that are not.
#[utoipa::path(get, path = "/v1/admin/origins", tag = "trust", security(("api_key" = [])),
    responses((status = 200, description = "the caller's origins", body = Vec<OriginStatus>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn origins(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<Json<Vec<OriginStatus>>, Failure> {
    Ok(Json(addresses::origins(&state.db, &me.id).await?))
}

/// `POST /v1/admin/origins/verify`: the hub reads the origin's challenge
/// file (`/.well-known/postsale-verification.txt`, no redirects) and proves
/// the origin when it holds the caller's challenge.
#[utoipa::path(post, path = "/v1/admin/origins/verify", tag = "trust", security(("api_key" = [])), request_body = OriginRequest,
    responses((status = 200, description = "proven", body = Vec<OriginStatus>), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn verify_origin(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    ApiJson(asked): ApiJson<OriginRequest>,
) -> Result<Json<Vec<OriginStatus>>, Failure> {
    let declared = addresses::origins(&state.db, &me.id).await?;
    let Some(found) = declared.iter().find(|o| o.origin == asked.origin) else {
        return Err(Failure::unknown(
            "origin",
            "is not one of this merchant's origins (add it with PUT /v1/admin/merchant first)",
        ));
    };
    if !found.verified {
        verification::origin_serves(&state.outbound, &found.origin, &found.challenge)
            .await
            .map_err(|why| unproven("origin", &found.challenge_url, &why))?;
        addresses::prove_origin(&state.db, &me.id, &found.origin, "challenge").await?;
    }
    Ok(Json(addresses::origins(&state.db, &me.id).await?))
}

/// `POST /v1/admin/callbacks/verify`: the hub posts a signed challenge to the
/// caller's handoff, webhook or quote URL and proves it when the same challenge
/// comes back.
#[utoipa::path(post, path = "/v1/admin/callbacks/verify", tag = "trust", security(("api_key" = [])), request_body = CallbackRequest,
    responses((status = 200, description = "proven: the caller's profile", body = Merchant), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn verify_callback(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    ApiJson(asked): ApiJson<CallbackRequest>,
) -> Result<Json<Merchant>, Failure> {
    let (field, url) = match asked.callback {
        Callback::Handoff => ("handoff_url", &me.handoff_url),
        Callback::Webhook => ("webhook_url", &me.webhook_url),
        Callback::Quote => ("quote_url", &me.quote_url),
    };
    let Some(url) = url else {
        return Err(Failure::conflict(
            field,
            "is not set (PUT /v1/admin/merchant)",
        ));
    };
    let purpose = match asked.callback {
        Callback::Handoff => Purpose::HubCalls,
        Callback::Webhook | Callback::Quote => Purpose::Webhooks,
    };
    let key = keys::signing(&state.db, &me.id, purpose)
        .await?
        .ok_or_else(|| {
            Failure::Conflict(
                "the challenge is signed with the hub's key for this URL: create and activate one (POST /v1/admin/keys)"
                    .into(),
            )
        })?;
    verification::callback_answers(&state.outbound, url, &key.key_id, key.secret.expose())
        .await
        .map_err(|why| unproven(field, url, &why))?;
    if !addresses::prove_callback(&state.db, &me.id, asked.callback, url).await? {
        return Err(Failure::Conflict(format!(
            "{field} changed while its challenge was out; ask again"
        )));
    }
    merchant::by_id(&state.db, &me.id)
        .await?
        .map(|m| Json((*m).clone()))
        .ok_or_else(|| Failure::NotFound(format!("no merchant '{}'", me.id)))
}

/// `POST /v1/operator/merchants/{id}/origins/approve`: the operator vouches
/// for one of a merchant's declared origins.
#[utoipa::path(post, path = "/v1/operator/merchants/{id}/origins/approve", tag = "operator", security(("operator_key" = [])), request_body = OriginRequest,
    params(("id" = String, Path, description = "merchant id")),
    responses((status = 200, description = "the merchant's origins", body = Vec<OriginStatus>), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %id))]
pub(crate) async fn approve_origin(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(asked): ApiJson<OriginRequest>,
) -> Result<Json<Vec<OriginStatus>>, Failure> {
    if !addresses::prove_origin(&state.db, &id, &asked.origin, "operator").await? {
        return Err(Failure::unknown(
            "origin",
            "is not one of this merchant's declared origins",
        ));
    }
    Ok(Json(addresses::origins(&state.db, &id).await?))
}
