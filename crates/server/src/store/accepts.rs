//! Accepts by their idempotency key: what an accept asked (its body's
//! digest) and, once settled, what it was answered, with its order.

use sqlx::Row;

use super::{StoreError, plan::Statement};

/// An earlier accept of one opportunity with one key, and its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EarlierAccept {
    /// The digest of the body it was sent with.
    pub(crate) request_sha256: String,
    /// Its answer, once the payment's outcome was recorded.
    pub(crate) response: Option<(i64, String)>,
    pub(crate) order_id: String,
    pub(crate) order_status: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) points: i64,
}

/// The accept of `opportunity` made with `key` (kept as its digest), if
/// there was one.
pub(crate) async fn earlier(
    pool: &sqlx::AnyPool,
    opportunity: &str,
    key: &str,
) -> Result<Option<EarlierAccept>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT a.request_sha256, a.response_status, a.response_body, o.status, \
         o.id AS order_id, o.amount_minor, o.currency, o.points FROM accepts a JOIN orders o ON o.id = a.order_id \
         WHERE a.opportunity_id = $1 AND a.idempotency_key = $2",
    )
    .bind(opportunity)
    .bind(key)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let status: Option<i64> = row.try_get("response_status")?;
    let body: Option<String> = row.try_get("response_body")?;
    Ok(Some(EarlierAccept {
        request_sha256: row.try_get("request_sha256")?,
        response: status.zip(body),
        order_id: row.try_get("order_id")?,
        order_status: row.try_get("status")?,
        amount_minor: row.try_get("amount_minor")?,
        currency: row.try_get("currency")?,
        points: row.try_get("points")?,
    }))
}

/// The answer of the accept that made `order_id`, once its outcome was
/// recorded: its status code and body.
pub(crate) async fn answer_of(
    pool: &sqlx::AnyPool,
    order_id: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query("SELECT response_status, response_body FROM accepts WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let status: Option<i64> = row.try_get("response_status")?;
    let body: Option<String> = row.try_get("response_body")?;
    Ok(status.zip(body))
}

/// Claims the accept's key for its opportunity (refused, as a taken unique
/// key, when the opportunity was accepted under another key or this one).
pub(crate) fn claiming(
    opportunity: &str,
    key: &str,
    request_sha256: &str,
    order_id: &str,
    at: i64,
) -> Statement {
    Statement {
        sql: "INSERT INTO accepts (opportunity_id, idempotency_key, request_sha256, order_id, created_at) \
              VALUES ($1, $2, $3, $4, $5)",
        values: vec![
            opportunity.into(),
            key.into(),
            request_sha256.into(),
            order_id.into(),
            at.into(),
        ],
    }
}

/// Stores the answer of the accept that made `order_id`, to replay it.
pub(crate) fn answering(order_id: &str, status: u16, body: &str) -> Statement {
    Statement {
        sql: "UPDATE accepts SET response_status = $1, response_body = $2 WHERE order_id = $3",
        values: vec![i64::from(status).into(), body.into(), order_id.into()],
    }
}
