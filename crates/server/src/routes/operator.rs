//! `/v1/operator`: what only the hub's operator decides. A merchant's roles,
//! and whether two merchants that both say they are one corporate group
//! really are (the fact that lets a payment reference pass between them).

use super::auth::OperatorAuth;
use super::problem::ApiJson;
use axum::{
    Json,
    extract::{Path, RawQuery, State},
};
use serde::Deserialize;

use crate::{
    failure::Failure,
    registry::{
        Merchant, merchant,
        trust::{self, Affiliation, AffiliationStatus},
    },
    state::AppState,
};

/// A merchant's roles, as the operator sets them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Roles {
    pub(crate) affiliate: bool,
    pub(crate) upseller: bool,
}

/// `PUT /v1/operator/merchants/{id}/roles`.
#[utoipa::path(put, path = "/v1/operator/merchants/{id}/roles", tag = "operator", security(("operator_key" = [])), request_body = Roles,
    params(("id" = String, Path, description = "merchant id")),
    responses((status = 200, description = "the merchant with its new roles", body = Merchant), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %id))]
pub(crate) async fn set_roles(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(roles): ApiJson<Roles>,
) -> Result<Json<Merchant>, Failure> {
    if !roles.affiliate && !roles.upseller {
        return Err(Failure::invalid(
            "affiliate",
            "a merchant is an affiliate, an upseller or both",
        ));
    }
    merchant::set_roles(&state.db, &id, roles.affiliate, roles.upseller).await?;
    merchant::by_id(&state.db, &id)
        .await?
        .map(|m| Json((*m).clone()))
        .ok_or_else(|| Failure::NotFound(format!("no merchant '{id}'")))
}

/// Which affiliations to list (documentation; the handler reads the raw
/// query so that a bad one gets our problem answer).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct AffiliationFilter {
    /// `proposed`, `accepted` (waiting for the operator), `confirmed` or `revoked`.
    #[param(inline, value_type = Option<crate::registry::trust::AffiliationStatus>)]
    status: Option<String>,
}

/// `GET /v1/operator/affiliations`: every affiliation, or those in one status
/// (`?status=accepted` is what waits for the operator).
#[utoipa::path(get, path = "/v1/operator/affiliations", tag = "operator", security(("operator_key" = [])), params(AffiliationFilter),
    responses((status = 200, description = "affiliations, newest first", body = Vec<Affiliation>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_affiliations(
    State(state): State<AppState>,
    _: OperatorAuth,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Affiliation>>, Failure> {
    // `status=...`, and nothing else (an empty pair, as `a=b&` ends, is
    // no parameter).
    let mut wanted = None;
    for pair in query.as_deref().unwrap_or_default().split('&') {
        match pair.split_once('=') {
            _ if pair.is_empty() => {}
            Some(("status", value)) if wanted.is_none() => wanted = Some(value),
            _ => {
                return Err(Failure::invalid(
                    "status",
                    "the only query parameter is status, once",
                ));
            }
        }
    }
    let status = match wanted.map(AffiliationStatus::parse) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(_)) => {
            return Err(Failure::invalid(
                "status",
                format!(
                    "must be proposed, accepted, confirmed or revoked, not '{}'",
                    wanted
                        .unwrap_or_default()
                        .chars()
                        .take(32)
                        .collect::<String>()
                ),
            ));
        }
    };
    Ok(Json(
        trust::list_affiliations(&state.db, None, status).await?,
    ))
}

/// `POST /v1/operator/affiliations/{id}/confirm`: the operator confirms an
/// affiliation both merchants accepted.
#[utoipa::path(post, path = "/v1/operator/affiliations/{id}/confirm", tag = "operator", security(("operator_key" = [])),
    params(("id" = String, Path, description = "affiliation id")),
    responses((status = 200, description = "confirmed", body = Affiliation), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(affiliation = %id))]
pub(crate) async fn confirm_affiliation(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
) -> Result<Json<Affiliation>, Failure> {
    Ok(Json(trust::confirm(&state.db, &id).await?))
}

/// `DELETE /v1/operator/affiliations/{id}`: the operator ends an affiliation.
#[utoipa::path(delete, path = "/v1/operator/affiliations/{id}", tag = "operator", security(("operator_key" = [])),
    params(("id" = String, Path, description = "affiliation id")),
    responses((status = 200, description = "revoked", body = Affiliation), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(affiliation = %id))]
pub(crate) async fn revoke_affiliation(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
) -> Result<Json<Affiliation>, Failure> {
    Ok(Json(trust::revoke(&state.db, &id, None).await?))
}

/// `GET /v1/operator/merchants`: every merchant, with its roles.
#[utoipa::path(get, path = "/v1/operator/merchants", tag = "operator", security(("operator_key" = [])),
    responses((status = 200, description = "the merchants, by id", body = Vec<postsale_protocol::MerchantSummary>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn merchants(
    State(state): State<AppState>,
    _: OperatorAuth,
) -> Result<Json<Vec<postsale_protocol::MerchantSummary>>, Failure> {
    let rows = crate::store::merchants::summaries(&state.db.pool).await?;
    Ok(Json(
        rows.into_iter()
            .map(
                |(id, name, affiliate, upseller)| postsale_protocol::MerchantSummary {
                    id,
                    name,
                    affiliate: affiliate != 0,
                    upseller: upseller != 0,
                },
            )
            .collect(),
    ))
}

/// A merchant's declared origin that no challenge or operator proved yet.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct WaitingOrigin {
    pub(crate) merchant_id: String,
    pub(crate) origin: String,
    /// Where the merchant serves its challenge, to check before vouching.
    pub(crate) challenge_url: String,
}

/// `GET /v1/operator/origins`: the declared origins waiting to be proven,
/// which the operator may vouch for (`POST
/// /v1/operator/merchants/{id}/origins/approve`).
#[utoipa::path(get, path = "/v1/operator/origins", tag = "operator", security(("operator_key" = [])),
    responses((status = 200, description = "unproven origins, by merchant and origin", body = Vec<WaitingOrigin>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn origins(
    State(state): State<AppState>,
    _: OperatorAuth,
) -> Result<Json<Vec<WaitingOrigin>>, Failure> {
    let rows = crate::store::origins::unproven(&state.db.pool).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(merchant_id, origin)| WaitingOrigin {
                challenge_url: format!(
                    "{origin}{}",
                    crate::registry::addresses::ORIGIN_CHALLENGE_PATH
                ),
                merchant_id,
                origin,
            })
            .collect(),
    ))
}
