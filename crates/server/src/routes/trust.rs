//! What merchants say about each other, through the admin API: corporate
//! affiliations (one proposes, the other accepts, the operator confirms in
//! `operator.rs`), the agreements an upseller gives affiliates, and the
//! settlement ledger both parties of an order read.

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
    registry::{
        agreements::{self, Agreement, AgreementTerms},
        merchant,
        trust::{self, Affiliation},
    },
    settlements::{self, Settlement},
    state::AppState,
    validate,
};

/// A merchant's proposal to be of one corporate group with another.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AffiliationProposal {
    /// The other merchant's id.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub(crate) partner: String,
}

/// `POST /v1/admin/affiliations`: proposes a corporate affiliation. It means
/// nothing until the partner accepts and the operator confirms it.
#[utoipa::path(post, path = "/v1/admin/affiliations", tag = "trust", security(("api_key" = [])), request_body = AffiliationProposal,
    responses((status = 201, description = "the proposal", body = Affiliation), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn propose(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    ApiJson(proposal): ApiJson<AffiliationProposal>,
) -> Result<Response, Failure> {
    validate::ident("partner", &proposal.partner)?;
    if proposal.partner == me.id {
        return Err(Failure::conflict(
            "partner",
            "a merchant is always affiliated with itself",
        ));
    }
    if merchant::by_id(&state.db, &proposal.partner)
        .await?
        .is_none()
    {
        return Err(Failure::unknown(
            "partner",
            format!("no merchant '{}'", proposal.partner),
        ));
    }
    let proposed = trust::propose(&state.db, &me.id, &proposal.partner).await?;
    Ok((StatusCode::CREATED, Json(proposed)).into_response())
}

/// `GET /v1/admin/affiliations`: the affiliations the caller is a party of.
#[utoipa::path(get, path = "/v1/admin/affiliations", tag = "trust", security(("api_key" = [])),
    responses((status = 200, description = "the caller's affiliations, newest first", body = Vec<Affiliation>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_affiliations(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<Json<Vec<Affiliation>>, Failure> {
    Ok(Json(
        trust::list_affiliations(&state.db, Some(&me.id), None).await?,
    ))
}

/// `POST /v1/admin/affiliations/{id}/accept`: the partner agrees; the
/// operator still has to confirm.
#[utoipa::path(post, path = "/v1/admin/affiliations/{id}/accept", tag = "trust", security(("api_key" = [])),
    params(("id" = String, Path, description = "affiliation id")),
    responses((status = 200, description = "accepted, waiting for the operator", body = Affiliation), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn accept_affiliation(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<Json<Affiliation>, Failure> {
    Ok(Json(trust::accept(&state.db, &id, &me.id).await?))
}

/// `DELETE /v1/admin/affiliations/{id}`: either party ends it; the next
/// payment that needed it is refused.
#[utoipa::path(delete, path = "/v1/admin/affiliations/{id}", tag = "trust", security(("api_key" = [])),
    params(("id" = String, Path, description = "affiliation id")),
    responses((status = 200, description = "revoked", body = Affiliation), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn revoke_affiliation(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<Json<Affiliation>, Failure> {
    Ok(Json(trust::revoke(&state.db, &id, Some(&me.id)).await?))
}

/// `GET /v1/admin/agreements`: the agreements the caller gave (as upseller)
/// or holds (as affiliate).
#[utoipa::path(get, path = "/v1/admin/agreements", tag = "trust", security(("api_key" = [])),
    responses((status = 200, description = "the caller's agreements", body = Vec<Agreement>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_agreements(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<Json<Vec<Agreement>>, Failure> {
    Ok(Json(agreements::agreements_of(&state.db, &me.id).await?))
}

/// `PUT /v1/admin/agreements/{affiliate}`: the upseller lets this affiliate
/// sell its items in the modes named (or changes the terms).
#[utoipa::path(put, path = "/v1/admin/agreements/{affiliate}", tag = "trust", security(("api_key" = [])), request_body = AgreementTerms,
    params(("affiliate" = String, Path, description = "the affiliate's merchant id")),
    responses((status = 200, description = "the agreement in force", body = Agreement), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn grant_agreement(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(affiliate): Path<String>,
    ApiJson(terms): ApiJson<AgreementTerms>,
) -> Result<Json<Agreement>, Failure> {
    if !me.upseller {
        return Err(Failure::Forbidden(
            "only upsellers give agreements; the operator sets roles".into(),
        ));
    }
    // A path that cannot name a merchant names none.
    if validate::ident("affiliate", &affiliate).is_err() {
        return Err(Failure::unknown("affiliate", "no such affiliate"));
    }
    if affiliate == me.id {
        return Err(Failure::conflict(
            "affiliate",
            "a merchant needs no agreement to sell its own items",
        ));
    }
    terms.check()?;
    if !merchant::by_id(&state.db, &affiliate)
        .await?
        .is_some_and(|m| m.affiliate)
    {
        return Err(Failure::unknown(
            "affiliate",
            format!("no affiliate '{affiliate}'"),
        ));
    }
    Ok(Json(
        agreements::grant(&state.db, &me.id, &affiliate, &terms).await?,
    ))
}

/// `DELETE /v1/admin/agreements/{affiliate}`: the upseller withdraws it; new
/// opportunities stop at once and open ones cannot be paid.
#[utoipa::path(delete, path = "/v1/admin/agreements/{affiliate}", tag = "trust", security(("api_key" = [])),
    params(("affiliate" = String, Path, description = "the affiliate's merchant id")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn withdraw_agreement(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(affiliate): Path<String>,
) -> Result<StatusCode, Failure> {
    if agreements::withdraw(&state.db, &me.id, &affiliate).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Failure::NotFound(format!(
            "no agreement in force for '{affiliate}'"
        )))
    }
}

/// `GET /v1/admin/settlements`: what the caller owes and is owed, per order.
#[utoipa::path(get, path = "/v1/admin/settlements", tag = "trust", security(("api_key" = [])),
    responses((status = 200, description = "ledger entries the caller is a party of, newest first; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header", body = Vec<Settlement>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_settlements(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<axum::response::Response, Failure> {
    let page = super::paging::Page::from_query(query.as_deref())?;
    let entries = settlements::of(&state.db, &me.id, page.before(), page.fetch()).await?;
    Ok(page.respond("/v1/admin/settlements", entries, |entry| {
        super::paging::Cursor {
            at: entry.at,
            id: entry.order_id.clone(),
        }
    }))
}
