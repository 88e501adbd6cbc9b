//! `/v1/admin/orders` and `/v1/admin/webhooks`: what a merchant's upsell
//! orders came to, their consent receipts, refunds, and webhook deliveries.

use super::auth::MerchantAuth;
use super::problem::{RawBody, parse_json};
use axum::{
    Json,
    extract::{Path, RawQuery, State},
};
use postsale_protocol::OrderStatus;
use serde_json::Value;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::{
    failure::Failure,
    ids::now,
    state::AppState,
    store::{self, orders::OrderView},
};

use super::paging::{Cursor, Page};

/// `GET /v1/admin/orders`: the caller's orders, as affiliate or upseller, newest first.
#[utoipa::path(get, path = "/v1/admin/orders", tag = "admin", security(("api_key" = [])),
    responses((status = 200, description = "orders, newest first; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = Page::from_query(query.as_deref())?;
    let orders = store::orders::page(&state.db.pool, &me.id, page.before(), page.fetch()).await?;
    Ok(page.respond("/v1/admin/orders", orders, |o| Cursor {
        at: o.created_at,
        id: o.id.clone(),
    }))
}

async fn own_order(state: &AppState, me: &str, id: &str) -> Result<OrderView, Failure> {
    store::orders::owned(&state.db.pool, id, me)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no order '{id}'")))
}

/// An order as the admin API answers it, with what else it asks for.
fn order_json(order: &OrderView) -> Result<Value, Failure> {
    serde_json::to_value(order).map_err(|e| Failure::Internal(e.to_string()))
}

/// `GET /v1/admin/orders/{id}`: one order with its consent receipt.
#[utoipa::path(get, path = "/v1/admin/orders/{id}", tag = "admin", security(("api_key" = [])),
    params(("id" = String, Path, description = "order id")), responses((status = 200, description = "the order"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let mut order = order_json(&own_order(&state, &me.id, &id).await?)?;
    if let Some(receipt) = store::orders::receipt(&state.db.pool, &id).await? {
        order["consent_receipt"] =
            serde_json::to_value(receipt).map_err(|e| Failure::Internal(e.to_string()))?;
    }
    Ok(Json(order))
}

/// What a refund asks for: an amount, or the rest of the order.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefundRequest {
    /// Decimal, in the order's currency; the rest of the order when absent.
    amount: Option<String>,
}

/// `POST /v1/admin/orders/{id}/refund`: refunds a charged order, whole or in
/// part, by the merchant that received the money. `202` while the
/// processor has not confirmed it.
#[utoipa::path(post, path = "/v1/admin/orders/{id}/refund", tag = "admin", security(("api_key" = [])), request_body = RefundRequest,
    params(("id" = String, Path, description = "order id")), responses((status = 200, description = "refunded"), (status = 202, description = "the processor has not confirmed the refund yet"), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip(state, me, body), fields(merchant = %me.id))]
pub(crate) async fn refund(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    let asked: RefundRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RefundRequest::default()
    } else {
        parse_json(&body)?
    };
    let refund = crate::refunds::refund(&state, &me.id, &id, asked.amount.as_deref()).await?;
    let mut order = order_json(&own_order(&state, &me.id, &id).await?)?;
    let status = if refund.status == crate::domain::RefundStatus::Pending {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    order["refund"] =
        serde_json::to_value(&refund).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((status, Json(order)).into_response())
}

/// `GET /v1/admin/webhooks`: the caller's webhook deliveries, failures included.
#[utoipa::path(get, path = "/v1/admin/webhooks", tag = "admin", security(("api_key" = [])),
    responses((status = 200, description = "deliveries, newest first; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn webhooks(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = Page::from_query(query.as_deref())?;
    let deliveries =
        store::orders::deliveries(&state.db.pool, &me.id, page.before(), page.fetch()).await?;
    Ok(page.respond("/v1/admin/webhooks", deliveries, |d| Cursor {
        at: d.created_at,
        id: d.id.clone(),
    }))
}

/// `POST /v1/admin/webhooks/{id}/retry`: sends a delivery again now: one
/// the hub gave up on gets one more attempt, a pending one is not left to
/// wait for its next. `409` for one delivered, being sent, or erased.
#[utoipa::path(post, path = "/v1/admin/webhooks/{id}/retry", tag = "admin", security(("api_key" = [])),
    params(("id" = String, Path, description = "the delivery's id")),
    responses((status = 202, description = "due now: the outbox sends it within seconds"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip(state, me), fields(merchant = %me.id))]
pub(crate) async fn retry_webhook(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    if store::webhooks::retry(&state.db.writer, &me.id, &id, now()).await? {
        return Ok(StatusCode::ACCEPTED);
    }
    Err(
        match store::webhooks::standing(&state.db.pool, &me.id, &id).await? {
            None => Failure::NotFound(format!("no webhook delivery '{id}'")),
            Some((_, true)) => Failure::Conflict(
                "its data was erased after the retention: it cannot be sent again".into(),
            ),
            Some((status, false)) if status == "delivered" => {
                Failure::Conflict("it was delivered".into())
            }
            Some(_) => Failure::Conflict("it is being sent, or due within the minute".into()),
        },
    )
}

/// `POST /v1/admin/orders/{id}/fulfil`: the upseller confirms it shipped a charged order.
#[utoipa::path(post, path = "/v1/admin/orders/{id}/fulfil", tag = "admin", security(("api_key" = [])),
    params(("id" = String, Path, description = "order id")),
    responses((status = 200, description = "fulfilled"),
        (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip(state, me), fields(merchant = %me.id))]
pub(crate) async fn fulfil(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let order = own_order(&state, &me.id, &id).await?;
    if order.upseller_id != me.id {
        return Err(Failure::Forbidden(
            "only the upseller fulfils an order".into(),
        ));
    }
    let moved = store::orders::move_status(
        &state.db.writer,
        &id,
        OrderStatus::Charged,
        OrderStatus::Fulfilled,
        now(),
    )
    .await?;
    if !moved {
        return Err(Failure::Conflict(format!(
            "only a charged order can be fulfilled; this one is {}",
            order.status
        )));
    }
    order_json(&own_order(&state, &me.id, &id).await?).map(Json)
}

/// An erasure request for one of the affiliate's customers.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerRequest {
    /// The affiliate's customer token, as its tickets carry it: 1 to 128
    /// characters, no control characters.
    #[schema(pattern = "^[^\\x00-\\x1f\\x7f]{1,128}$")]
    customer_token: String,
}

/// `POST /v1/admin/customers/erase`: removes the customer's name, e-mail,
/// address and user agent from everything the hub keeps of the caller's
/// orders for that token, at once; the orders, amounts and consent receipts
/// stay.
#[utoipa::path(post, path = "/v1/admin/customers/erase", tag = "admin", security(("api_key" = [])), request_body = CustomerRequest,
    responses((status = 200, description = "what was erased", body = crate::privacy::Erased),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn erase(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    super::problem::ApiJson(request): super::problem::ApiJson<CustomerRequest>,
) -> Result<Json<crate::privacy::Erased>, Failure> {
    check_customer(&me, &request, "erase")?;
    crate::privacy::erase_customer(&state, &me.id, &request.customer_token)
        .await
        .map(Json)
}

/// Only an affiliate names its customers, by a token as its tickets carry it.
fn check_customer(
    me: &crate::registry::Merchant,
    request: &CustomerRequest,
    verb: &str,
) -> Result<(), Failure> {
    if !me.affiliate {
        return Err(Failure::Forbidden(format!(
            "customer tokens are the affiliate's: only it asks to {verb} one"
        )));
    }
    let token = &request.customer_token;
    if token.is_empty()
        || token.chars().count() > 128
        || token.chars().any(|c| c < ' ' || c == '\u{7f}')
    {
        return Err(Failure::invalid(
            "customer_token",
            "must be 1 to 128 characters without control characters, as tickets carry it",
        ));
    }
    Ok(())
}

/// A customer's loyalty points at the affiliate.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Points {
    customer_token: String,
    /// Every point credited, summed.
    balance: i64,
    /// The latest 100 credits, newest first.
    entries: Vec<crate::store::points::Entry>,
}

/// `POST /v1/admin/customers/points`: the caller's customer's points (the
/// token travels in the body, never in a URL that logs keep).
#[utoipa::path(post, path = "/v1/admin/customers/points", tag = "admin", security(("api_key" = [])), request_body = CustomerRequest,
    responses((status = 200, description = "the balance and the latest credits", body = Points),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn points(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    super::problem::ApiJson(request): super::problem::ApiJson<CustomerRequest>,
) -> Result<Json<Points>, Failure> {
    check_customer(&me, &request, "read the points of")?;
    let (balance, entries) =
        crate::store::points::of_customer(&state.db.store, &me.id, &request.customer_token, 100)
            .await?;
    Ok(Json(Points {
        customer_token: request.customer_token,
        balance,
        entries,
    }))
}
