//! `POST /v1/opportunities` (the widget reports a purchase) and
//! `POST /v1/opportunities/{id}/decline`. One opportunity per order: a retry
//! with the same ticket gets the same answer; any other ticket for that order
//! is refused.

use super::problem::ApiJson;
use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use postsale_protocol::{
    Incentive, NO_OFFER_HEADER, Opportunity, OpportunityRequest, SignedTicket, TicketClaims,
};
use sqlx::Row;

use crate::{
    domain::OpportunityStatus,
    events,
    failure::Failure,
    ids::{new_ordered_id, now},
    registry::{
        self, Merchant, merchant,
        records::{IncentiveRecord, ReasonCodeRecord, SecretRecord, StyleRecord},
    },
    selection::{self, NoOffer},
    state::AppState,
    store::opportunities::{self, Ask, NewOpportunity, Opened, Stored},
};

/// How long an opportunity stays open.
pub(crate) const OPPORTUNITY_TTL_SECS: i64 = 30 * 60;

/// `POST /v1/opportunities`.
#[utoipa::path(post, path = "/v1/opportunities", tag = "widget", request_body = OpportunityRequest,
    responses((status = 201, description = "a new opportunity", body = Opportunity),
        (status = 200, description = "the same ticket again: the same opportunity", body = Opportunity),
        (status = 204, description = "nothing to show; the reason is in the postsale-no-offer header"),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpportunityRequest>,
) -> Result<Response, Failure> {
    let now = now();
    let (affiliate, claims) = verify_ticket(&state, &request.ticket, now).await?;
    check_origin(&headers, &affiliate)?;
    if claims.order_id != request.transaction.order_id {
        return Err(Failure::invalid(
            "transaction.order_id",
            "does not match the ticket's order id",
        ));
    }
    let purchase = selection::check_transaction(&request.transaction)?;
    let incentives = registry::list::<IncentiveRecord>(&state.db, &affiliate.id).await?;
    let incentive = request
        .incentive
        .clone()
        .or_else(|| claims.incentive.clone());
    if let Some(chosen) = &incentive
        && !incentives.iter().any(|i| &i.id == chosen)
    {
        return Err(Failure::invalid(
            "incentive",
            format!("'{chosen}' is not an incentive this affiliate offers"),
        ));
    }

    // Which reason code applies, its items and style are read from memory;
    // the store then finds the order's opportunity, counts the customer's
    // showings today and stores the new one, in one unit of work.
    let chosen = selection::reason_code(
        &state.db,
        &affiliate,
        claims.reason_code.as_ref(),
        &purchase,
    )
    .await;
    let mut cap = None;
    let plan = match chosen {
        Ok(Ok(code)) => {
            cap = Some((code.code.as_str().to_owned(), code.frequency_cap));
            candidate(&state, &affiliate, &code, &purchase, incentives, now).await
        }
        Ok(Err(why)) => Ok(Err(why)),
        Err(err) => Err(err),
    };
    let (answer, new, why_not) = match plan {
        // The answer is the stored body, serialised once.
        Ok(Ok(new)) => (Some(new.body.clone()), Some(new), None),
        Ok(Err(why)) => (None, None, Some(Ok(why))),
        Err(err) => (None, None, Some(Err(err))),
    };
    let ask = Ask {
        affiliate: affiliate.id.clone(),
        order_id: claims.order_id.clone(),
        nonce: claims.nonce.clone(),
        customer: claims.customer_token.clone(),
        incentive,
        now,
        cap,
        new,
    };
    match opportunities::open(&state.db.store, ask).await? {
        Opened::Stored(found) => {
            // The widget sends the purchase again once the customer picked
            // an incentive: the store recorded the pick on it.
            Ok(json(StatusCode::OK, reuse(found, &claims, now)?))
        }
        Opened::Capped => Ok(no_offer(NoOffer::FrequencyCap)),
        Opened::Created => answer
            .map(|body| json(StatusCode::CREATED, body))
            .ok_or_else(|| Failure::Internal("stored an opportunity without a body".into())),
        Opened::Nothing => match why_not {
            Some(Ok(why)) => Ok(no_offer(why)),
            Some(Err(err)) => Err(err),
            None => Err(Failure::Conflict(
                "this order already has an opportunity".into(),
            )),
        },
    }
}

/// The opportunity `code` would open for `purchase`, or why there is none;
/// read from the registry in memory, nothing stored.
async fn candidate(
    state: &AppState,
    affiliate: &Merchant,
    code: &ReasonCodeRecord,
    purchase: &selection::Purchase,
    incentives: Arc<Vec<IncentiveRecord>>,
    now: i64,
) -> Result<Result<NewOpportunity, NoOffer>, Failure> {
    let items = selection::items(&state.db, affiliate, code, purchase).await?;
    if items.is_empty() {
        return Ok(Err(NoOffer::NoEligibleItems));
    }
    let Some(style) = registry::get::<StyleRecord>(&state.db, &affiliate.id, &code.style).await?
    else {
        return Ok(Err(NoOffer::Incomplete));
    };
    let opportunity = Opportunity {
        id: new_ordered_id("opp"),
        presentation: code.presentation,
        teaser: code.teaser.clone(),
        style: style.to_wire(),
        expires_at: now + OPPORTUNITY_TTL_SECS,
        reason_code: code.code.clone(),
        incentives: incentives
            .iter()
            .map(|i| Incentive {
                id: i.id.clone(),
                label: i.label.clone(),
            })
            .collect(),
    };
    let skus: Vec<&str> = items.iter().map(|i| i.sku.as_str()).collect();
    let new = NewOpportunity {
        id: opportunity.id.clone(),
        reason_code: code.code.as_str().to_owned(),
        upseller: code.upseller.clone(),
        currency: purchase.total.currency().as_str().to_owned(),
        skus: serde_json::to_string(&skus).map_err(|e| Failure::Internal(e.to_string()))?,
        body: serde_json::to_string(&opportunity).map_err(|e| Failure::Internal(e.to_string()))?,
        expires_at: opportunity.expires_at,
    };
    Ok(Ok(new))
}

/// Parses the ticket, finds the affiliate and its secret by key id, verifies.
async fn verify_ticket(
    state: &AppState,
    raw: &str,
    now: i64,
) -> Result<(Arc<Merchant>, TicketClaims), Failure> {
    // The ticket is the request's credential: one that does not parse is
    // refused as one that does not verify is (401), saying why.
    let ticket =
        SignedTicket::parse(raw).map_err(|e| Failure::Unauthorized(format!("ticket: {e}")))?;
    let affiliate_id = &ticket.unverified_claims().affiliate_id;
    let forged = || Failure::Unauthorized("ticket signature does not verify".into());
    let affiliate = merchant::by_id(&state.db, affiliate_id)
        .await?
        .filter(|m| m.affiliate)
        .ok_or_else(forged)?;
    let secret = registry::get::<SecretRecord>(&state.db, &affiliate.id, ticket.key_id())
        .await?
        .ok_or_else(forged)?;
    // A bad signature reads as an unknown affiliate or key id does: the
    // answer never tells which affiliates and key ids exist.
    let claims = ticket
        .verify(secret.secret.as_bytes(), now)
        .map_err(|e| match e {
            postsale_protocol::TicketError::BadSignature => forged(),
            other => Failure::Unauthorized(format!("ticket: {other}")),
        })?;
    Ok((affiliate, claims))
}

/// A browser request must come from one of the affiliate's proven origins.
fn check_origin(headers: &HeaderMap, affiliate: &Merchant) -> Result<(), Failure> {
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) if !affiliate.verified_origins.iter().any(|o| o == origin) => {
            Err(Failure::Forbidden(format!(
                "origin {origin} is not a proven origin of this affiliate"
            )))
        }
        _ => Ok(()),
    }
}

/// The order's stored opportunity (its body as first answered), answered
/// again if the same ticket asks while it is open; a conflict for any other
/// ticket or a closed one.
fn reuse(found: Stored, claims: &TicketClaims, now: i64) -> Result<String, Failure> {
    if found.nonce != claims.nonce {
        return Err(Failure::Conflict(
            "this order already has an opportunity from another ticket".into(),
        ));
    }
    if found.status != OpportunityStatus::Open || found.expires_at <= now {
        return Err(Failure::Conflict(format!(
            "ticket already used: the opportunity is {}",
            found.status
        )));
    }
    Ok(found.body)
}

/// A JSON body the hub serialised itself, as is.
fn json(status: StatusCode, body: String) -> Response {
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
#[tracing::instrument(skip(state))]
pub(crate) async fn decline(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    let row =
        sqlx::query("SELECT affiliate_id, reason_code, status FROM opportunities WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or_else(|| Failure::NotFound(format!("no opportunity '{id}'")))?;
    match OpportunityStatus::parse(&row.try_get::<String, _>("status")?)? {
        OpportunityStatus::Declined => return Ok(StatusCode::NO_CONTENT),
        OpportunityStatus::Open => {}
        other => return Err(Failure::Conflict(format!("the opportunity is {other}"))),
    }
    let mut tx = state.db.writer.begin().await?;
    let changed = sqlx::query("UPDATE opportunities SET status = $2 WHERE id = $1 AND status = $3")
        .bind(&id)
        .bind(OpportunityStatus::Declined.as_str())
        .bind(OpportunityStatus::Open.as_str())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 1 {
        let affiliate: String = row.try_get("affiliate_id")?;
        let code: String = row.try_get("reason_code")?;
        events::record(
            &mut *tx,
            &id,
            &affiliate,
            &code,
            events::Kind::Declined,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/opportunities/{id}`: the opportunity as first answered (the
/// hub-origin frame starts from it: teaser, incentives, style).
#[utoipa::path(get, path = "/v1/opportunities/{id}", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the opportunity", body = Opportunity),
        (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip(state))]
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Opportunity>, Failure> {
    let row = sqlx::query("SELECT body, expires_at FROM opportunities WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no opportunity '{id}'")))?;
    if row.try_get::<i64, _>("expires_at")? <= now() {
        return Err(Failure::Gone("the opportunity has expired".into()));
    }
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body)
        .map(Json)
        .map_err(|e| Failure::Internal(format!("stored opportunity: {e}")))
}
