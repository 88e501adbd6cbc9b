//! `/v1/admin/keys`: the hub's keys for a merchant, one purpose each
//! (`registry/keys.rs`). Made by the hub and shown once; staged until the
//! merchant activates it, so that a rotation never signs with a key the
//! merchant's side does not know yet.

use super::auth::MerchantAuth;
use super::problem::ApiJson;
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    failure::Failure,
    registry::keys::{self, KeyInfo, NewKey, Purpose},
    state::AppState,
};

/// Which key to make.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyRequest {
    /// `hub_calls` (affiliates: the hub's calls and validators) or
    /// `webhooks` (upsellers: the hub's webhooks).
    pub(crate) purpose: Purpose,
}

/// `GET /v1/admin/keys`: the caller's hub keys, without secrets.
#[utoipa::path(get, path = "/v1/admin/keys", tag = "trust", security(("api_key" = [])),
    responses((status = 200, description = "the caller's keys, newest first", body = Vec<KeyInfo>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<Json<Vec<KeyInfo>>, Failure> {
    Ok(Json(keys::list(&state.db, &me.id).await?))
}

/// `POST /v1/admin/keys`: a new staged key; its secret is in this answer only.
#[utoipa::path(post, path = "/v1/admin/keys", tag = "trust", security(("api_key" = [])), request_body = KeyRequest,
    responses((status = 201, description = "the key, with its secret shown once", body = NewKey), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn create(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    ApiJson(asked): ApiJson<KeyRequest>,
) -> Result<Response, Failure> {
    match asked.purpose {
        Purpose::HubCalls if !me.affiliate => {
            return Err(Failure::Forbidden(
                "hub_calls keys are for affiliates, which the hub calls".into(),
            ));
        }
        Purpose::Webhooks if !me.upseller => {
            return Err(Failure::Forbidden(
                "webhooks keys are for upsellers, which get the hub's webhooks".into(),
            ));
        }
        _ => {}
    }
    let key = keys::create(&state.db, &me.id, asked.purpose).await?;
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

/// `POST /v1/admin/keys/{key_id}/activate`: the hub signs with it from now on.
#[utoipa::path(post, path = "/v1/admin/keys/{key_id}/activate", tag = "trust", security(("api_key" = [])),
    params(("key_id" = String, Path, description = "the key's id")),
    responses((status = 200, description = "the caller's keys", body = Vec<KeyInfo>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn activate(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(key_id): Path<String>,
) -> Result<Json<Vec<KeyInfo>>, Failure> {
    keys::activate(&state.db, &me.id, &key_id).await?;
    Ok(Json(keys::list(&state.db, &me.id).await?))
}

/// `DELETE /v1/admin/keys/{key_id}`: retires a key that no longer signs.
#[utoipa::path(delete, path = "/v1/admin/keys/{key_id}", tag = "trust", security(("api_key" = [])),
    params(("key_id" = String, Path, description = "the key's id")),
    responses((status = 204, description = "retired"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn retire(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(key_id): Path<String>,
) -> Result<StatusCode, Failure> {
    keys::retire(&state.db, &me.id, &key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
