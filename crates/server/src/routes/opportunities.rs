//! `POST /v1/opportunities` (the widget reports a purchase) and
//! `POST /v1/opportunities/{id}/decline`. One opportunity per order: a retry
//! with the same ticket gets the same answer; any other ticket for that order
//! is refused.

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
    error::{ApiError, ApiJson},
    events,
    ids::{new_id, now},
    registry::{
        self, Merchant, merchant,
        records::{IncentiveRecord, SecretRecord, StyleRecord},
    },
    selection::{self, NoOffer},
    state::AppState,
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
) -> Result<Response, ApiError> {
    let now = now();
    let (affiliate, claims) = verify_ticket(&state, &request.ticket, now).await?;
    check_origin(&headers, &affiliate)?;
    if claims.order_id != request.transaction.order_id {
        return Err(ApiError::invalid(
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
        return Err(ApiError::invalid(
            "incentive",
            format!("'{chosen}' is not an incentive this affiliate offers"),
        ));
    }

    // Which reason code applies is read from memory; the order's stored
    // opportunity and the customer's showings today in one query.
    let chosen = selection::reason_code(
        &state.db,
        &affiliate,
        claims.reason_code.as_ref(),
        &purchase,
    )
    .await;
    let counted = match &chosen {
        Ok(Ok(code)) => code.code.as_str(),
        _ => "",
    };
    let (stored, seen) = lookup(&state, &affiliate.id, &claims, counted, now).await?;
    if let Some(existing) = stored {
        // The widget sends the purchase again once the customer picked an
        // incentive: the pick is recorded on the open opportunity.
        if let Some(chosen) = &incentive {
            sqlx::query("UPDATE opportunities SET incentive = $1 WHERE id = $2 AND status = $3")
                .bind(chosen)
                .bind(&existing.id)
                .bind(OpportunityStatus::Open.as_str())
                .execute(&state.db.writer)
                .await?;
        }
        return Ok((StatusCode::OK, Json(existing)).into_response());
    }

    let code = match chosen? {
        Ok(code) => code,
        Err(why) => return Ok(no_offer(why)),
    };
    if seen >= i64::from(code.frequency_cap) {
        return Ok(no_offer(NoOffer::FrequencyCap));
    }
    let items = selection::items(&state.db, &affiliate, &code, &purchase).await?;
    if items.is_empty() {
        return Ok(no_offer(NoOffer::NoEligibleItems));
    }
    let Some(style) = registry::get::<StyleRecord>(&state.db, &affiliate.id, &code.style).await?
    else {
        return Ok(no_offer(NoOffer::Incomplete));
    };

    let opportunity = Opportunity {
        id: new_id("opp"),
        presentation: code.presentation,
        teaser: code.teaser.clone(),
        style: style.into_wire(),
        expires_at: now + OPPORTUNITY_TTL_SECS,
        reason_code: code.code.clone(),
        incentives: incentives
            .into_iter()
            .map(|i| Incentive {
                id: i.id,
                label: i.label,
            })
            .collect(),
    };
    let skus: Vec<&str> = items.iter().map(|i| i.sku.as_str()).collect();
    let row = std::sync::Arc::new(NewOpportunity {
        id: opportunity.id.clone(),
        affiliate: affiliate.id.clone(),
        order_id: claims.order_id.clone(),
        nonce: claims.nonce.clone(),
        customer: claims.customer_token.clone(),
        reason_code: code.code.as_str().to_owned(),
        upseller: code.upseller.clone(),
        incentive,
        currency: purchase.total.currency().as_str().to_owned(),
        skus: serde_json::to_string(&skus).map_err(|e| ApiError::Internal(e.to_string()))?,
        body: serde_json::to_string(&opportunity).map_err(|e| ApiError::Internal(e.to_string()))?,
        at: now,
        expires_at: opportunity.expires_at,
    });
    let stored = state
        .db
        .writes
        .statement(move |conn| Box::pin(insert(conn, row.clone())))
        .await?;
    if !stored {
        // The same ticket sent twice at once: the first insert wins, and the
        // second answers what the first stored.
        return match existing(&state, &affiliate.id, &claims, now).await? {
            Some(existing) => Ok((StatusCode::OK, Json(existing)).into_response()),
            None => Err(ApiError::Conflict(
                "this order already has an opportunity".into(),
            )),
        };
    }
    Ok((StatusCode::CREATED, Json(opportunity)).into_response())
}

/// An opportunity as stored.
struct NewOpportunity {
    id: String,
    affiliate: String,
    order_id: String,
    nonce: String,
    customer: String,
    reason_code: String,
    upseller: String,
    incentive: Option<String>,
    currency: String,
    skus: String,
    body: String,
    at: i64,
    expires_at: i64,
}

/// The opportunity, which is also its showing (the statistics count
/// opportunities as showings); false when the order already had one.
async fn insert(
    conn: &mut sqlx::AnyConnection,
    new: std::sync::Arc<NewOpportunity>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, reason_code, upseller_id, \
         incentive, currency, item_skus, body, status, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14, $12, $13) \
         ON CONFLICT (affiliate_id, order_id) DO NOTHING",
    )
    .bind(&new.id)
    .bind(&new.affiliate)
    .bind(&new.order_id)
    .bind(&new.nonce)
    .bind(&new.customer)
    .bind(&new.reason_code)
    .bind(&new.upseller)
    .bind(&new.incentive)
    .bind(&new.currency)
    .bind(&new.skus)
    .bind(&new.body)
    .bind(new.at)
    .bind(new.expires_at)
    .bind(OpportunityStatus::Open.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Parses the ticket, finds the affiliate and its secret by key id, verifies.
async fn verify_ticket(
    state: &AppState,
    raw: &str,
    now: i64,
) -> Result<(Merchant, TicketClaims), ApiError> {
    // The ticket is the request's credential: one that does not parse is
    // refused as one that does not verify is (401), saying why.
    let ticket =
        SignedTicket::parse(raw).map_err(|e| ApiError::Unauthorized(format!("ticket: {e}")))?;
    let affiliate_id = &ticket.unverified_claims().affiliate_id;
    let forged = || ApiError::Unauthorized("ticket signature does not verify".into());
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
            other => ApiError::Unauthorized(format!("ticket: {other}")),
        })?;
    Ok((affiliate, claims))
}

/// A browser request must come from one of the affiliate's proven origins.
fn check_origin(headers: &HeaderMap, affiliate: &Merchant) -> Result<(), ApiError> {
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) if !affiliate.verified_origins.iter().any(|o| o == origin) => {
            Err(ApiError::Forbidden(format!(
                "origin {origin} is not a proven origin of this affiliate"
            )))
        }
        _ => Ok(()),
    }
}

/// The opportunity already stored for this order (as [`existing`]), and how
/// many opportunities of `reason_code` the customer was shown in the last
/// day, in one query.
async fn lookup(
    state: &AppState,
    affiliate: &str,
    claims: &TicketClaims,
    reason_code: &str,
    now: i64,
) -> Result<(Option<Opportunity>, i64), ApiError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM opportunities WHERE affiliate_id = $1 AND customer_token = $3 \
         AND reason_code = $4 AND created_at > $5) AS seen, o.ticket_nonce, o.status, o.expires_at, o.body \
         FROM (SELECT 1 AS one) AS x LEFT JOIN opportunities o ON o.affiliate_id = $1 AND o.order_id = $2",
    )
    .bind(affiliate)
    .bind(&claims.order_id)
    .bind(&claims.customer_token)
    .bind(reason_code)
    .bind(now - 86_400)
    .fetch_one(&state.db.pool)
    .await?;
    let seen: i64 = row.try_get("seen")?;
    Ok((stored(&row, claims, now)?, seen))
}

/// The opportunity already stored for this order, if the same ticket asks again
/// while it is open; a conflict for any other ticket or a closed opportunity.
async fn existing(
    state: &AppState,
    affiliate: &str,
    claims: &TicketClaims,
    now: i64,
) -> Result<Option<Opportunity>, ApiError> {
    let row = sqlx::query("SELECT ticket_nonce, status, expires_at, body FROM opportunities WHERE affiliate_id = $1 AND order_id = $2")
        .bind(affiliate)
        .bind(&claims.order_id)
        .fetch_optional(&state.db.pool)
        .await?;
    match row {
        Some(row) => stored(&row, claims, now),
        None => Ok(None),
    }
}

/// The stored opportunity a row holds (none when its columns are null).
fn stored(
    row: &sqlx::any::AnyRow,
    claims: &TicketClaims,
    now: i64,
) -> Result<Option<Opportunity>, ApiError> {
    let Some(nonce) = row.try_get::<Option<String>, _>("ticket_nonce")? else {
        return Ok(None);
    };
    let status = OpportunityStatus::parse(&row.try_get::<String, _>("status")?)?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if nonce != claims.nonce {
        return Err(ApiError::Conflict(
            "this order already has an opportunity from another ticket".into(),
        ));
    }
    if status != OpportunityStatus::Open || expires_at <= now {
        return Err(ApiError::Conflict(format!(
            "ticket already used: the opportunity is {status}"
        )));
    }
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body)
        .map(Some)
        .map_err(|e| ApiError::Internal(format!("stored opportunity: {e}")))
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
) -> Result<StatusCode, ApiError> {
    let row =
        sqlx::query("SELECT affiliate_id, reason_code, status FROM opportunities WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no opportunity '{id}'")))?;
    match OpportunityStatus::parse(&row.try_get::<String, _>("status")?)? {
        OpportunityStatus::Declined => return Ok(StatusCode::NO_CONTENT),
        OpportunityStatus::Open => {}
        other => return Err(ApiError::Conflict(format!("the opportunity is {other}"))),
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
) -> Result<Json<Opportunity>, ApiError> {
    let row = sqlx::query("SELECT body, expires_at FROM opportunities WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no opportunity '{id}'")))?;
    if row.try_get::<i64, _>("expires_at")? <= now() {
        return Err(ApiError::Gone("the opportunity has expired".into()));
    }
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body)
        .map(Json)
        .map_err(|e| ApiError::Internal(format!("stored opportunity: {e}")))
}
