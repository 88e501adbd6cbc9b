//! `/v1/admin/orders` and `/v1/admin/webhooks`: what a merchant's upsell
//! orders came to, their consent receipts, refunds, and webhook deliveries.

use super::auth::MerchantAuth;
use super::problem::{RawBody, parse_json};
use axum::{
    Json,
    extract::{Path, RawQuery, State},
};
use serde_json::{Value, json};
use sqlx::Row;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::{failure::Failure, ids::now, state::AppState};

use super::paging::{Cursor, Page};

fn order_json(row: &sqlx::any::AnyRow) -> Result<Value, Failure> {
    let items: String = row.try_get("items")?;
    Ok(json!({
        "id": row.try_get::<String, _>("id")?,
        "opportunity_id": row.try_get::<String, _>("opportunity_id")?,
        "affiliate_id": row.try_get::<String, _>("affiliate_id")?,
        "upseller_id": row.try_get::<String, _>("upseller_id")?,
        "reason_code": row.try_get::<String, _>("reason_code")?,
        "mode": row.try_get::<String, _>("mode")?,
        "items": serde_json::from_str::<Value>(&items).unwrap_or(Value::Null),
        "amount_minor": row.try_get::<i64, _>("amount_minor")?,
        "currency": row.try_get::<String, _>("currency")?,
        "points": row.try_get::<i64, _>("points")?,
        "status": row.try_get::<String, _>("status")?,
        "failure": row.try_get::<Option<String>, _>("failure")?,
        "refunded_minor": row.try_get::<i64, _>("refunded_minor")?,
        "created_at": row.try_get::<i64, _>("created_at")?,
    }))
}

const ORDER_COLUMNS: &str = "id, opportunity_id, affiliate_id, upseller_id, reason_code, mode, items, amount_minor, currency, points, status, failure, charge_id, refunded_minor, created_at";

/// `GET /v1/admin/orders`: the caller's orders, as affiliate or upseller, newest first.
#[utoipa::path(get, path = "/v1/admin/orders", tag = "admin", security(("api_key" = [])),
    responses((status = 200, description = "orders, newest first; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = Page::from_query(query.as_deref())?;
    let (at, id) = page.before();
    let rows = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE (affiliate_id = $1 OR upseller_id = $1) \
         AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(&me.id)
    .bind(at)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(&state.db.pool)
    .await?;
    let orders = rows.iter().map(order_json).collect::<Result<Vec<_>, _>>()?;
    Ok(page.respond("/v1/admin/orders", orders, newest_first))
}

/// The position of an item of a newest-first list.
fn newest_first(item: &Value) -> Cursor {
    Cursor {
        at: item["created_at"].as_i64().unwrap_or(0),
        id: item["id"].as_str().unwrap_or_default().to_owned(),
    }
}

async fn own_order(state: &AppState, me: &str, id: &str) -> Result<sqlx::any::AnyRow, Failure> {
    sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND (affiliate_id = $2 OR upseller_id = $2)"))
        .bind(id)
        .bind(me)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no order '{id}'")))
}

/// `GET /v1/admin/orders/{id}`: one order with its consent receipt.
#[utoipa::path(get, path = "/v1/admin/orders/{id}", tag = "admin", security(("api_key" = [])),
    params(("id" = String, Path, description = "order id")), responses((status = 200, description = "the order"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let row = own_order(&state, &me.id, &id).await?;
    let mut order = order_json(&row)?;
    let receipt = sqlx::query("SELECT disclosure_sha256, disclosure_text, amount_minor, currency, action, proof, at FROM consent_receipts WHERE order_id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?;
    if let Some(r) = receipt {
        order["consent_receipt"] = json!({
            "disclosure_sha256": r.try_get::<String, _>("disclosure_sha256")?,
            "disclosure_text": r.try_get::<String, _>("disclosure_text")?,
            "amount_minor": r.try_get::<i64, _>("amount_minor")?,
            "currency": r.try_get::<String, _>("currency")?,
            "action": r.try_get::<String, _>("action")?,
            "proof": r.try_get::<Option<String>, _>("proof")?,
            "at": r.try_get::<i64, _>("at")?,
        });
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
    let row = own_order(&state, &me.id, &id).await?;
    let mut order = order_json(&row)?;
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
    let (at, id) = page.before();
    let rows = sqlx::query(
        "SELECT id, order_id, url, status, attempts, next_attempt_at, last_error, created_at FROM webhooks \
         WHERE upseller_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(&me.id)
    .bind(at)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(&state.db.pool)
    .await?;
    let deliveries = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.try_get::<String, _>("id")?,
                "order_id": r.try_get::<String, _>("order_id")?,
                "url": r.try_get::<String, _>("url")?,
                "status": r.try_get::<String, _>("status")?,
                "attempts": r.try_get::<i64, _>("attempts")?,
                "next_attempt_at": r.try_get::<i64, _>("next_attempt_at")?,
                "last_error": r.try_get::<Option<String>, _>("last_error")?,
                "created_at": r.try_get::<i64, _>("created_at")?,
            }))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    Ok(page.respond("/v1/admin/webhooks", deliveries, newest_first))
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
    let row = own_order(&state, &me.id, &id).await?;
    if row.try_get::<String, _>("upseller_id")? != me.id {
        return Err(Failure::Forbidden(
            "only the upseller fulfils an order".into(),
        ));
    }
    let moved =
        sqlx::query("UPDATE orders SET status = $3, updated_at = $1 WHERE id = $2 AND status = $4")
            .bind(now())
            .bind(&id)
            .bind(postsale_protocol::OrderStatus::Fulfilled.as_str())
            .bind(postsale_protocol::OrderStatus::Charged.as_str())
            .execute(&state.db.writer)
            .await?;
    if moved.rows_affected() != 1 {
        let status: String = row.try_get("status")?;
        return Err(Failure::Conflict(format!(
            "only a charged order can be fulfilled; this one is {status}"
        )));
    }
    let row = own_order(&state, &me.id, &id).await?;
    order_json(&row).map(Json)
}

/// An erasure request for one of the affiliate's customers.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EraseRequest {
    /// The affiliate's customer token, as its tickets carry it: 1 to 128
    /// characters, no control characters.
    #[schema(pattern = "^[^\\x00-\\x1f\\x7f]{1,128}$")]
    customer_token: String,
}

/// `POST /v1/admin/customers/erase`: removes the customer's name, e-mail,
/// address and user agent from everything the hub keeps of the caller's
/// orders for that token, at once; the orders, amounts and consent receipts
/// stay.
#[utoipa::path(post, path = "/v1/admin/customers/erase", tag = "admin", security(("api_key" = [])), request_body = EraseRequest,
    responses((status = 200, description = "what was erased", body = crate::privacy::Erased),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn erase(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    super::problem::ApiJson(request): super::problem::ApiJson<EraseRequest>,
) -> Result<Json<crate::privacy::Erased>, Failure> {
    if !me.affiliate {
        return Err(Failure::Forbidden(
            "customer tokens are the affiliate's: only it asks to erase one".into(),
        ));
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
    crate::privacy::erase_customer(&state, &me.id, &request.customer_token)
        .await
        .map(Json)
}
