//! Accepts by their idempotency key: what an accept asked (its body's
//! digest) and, once settled, what it was answered, with its order.

use super::{Store, StoreError, plan::Statement};

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
    store: &Store,
    opportunity: &str,
    key: &str,
) -> Result<Option<EarlierAccept>, StoreError> {
    let query = Statement {
        sql: "SELECT a.request_sha256, a.response_status, a.response_body, o.status, \
              o.id AS order_id, o.amount_minor, o.currency, o.points FROM accepts a JOIN orders o ON o.id = a.order_id \
              WHERE a.opportunity_id = $1 AND a.idempotency_key = $2",
        values: vec![opportunity.into(), key.into()],
    };
    store
        .one(query, |row| {
            let status: Option<i64> = row.get("response_status")?;
            let body: Option<String> = row.get("response_body")?;
            Ok(EarlierAccept {
                request_sha256: row.get("request_sha256")?,
                response: status.zip(body),
                order_id: row.get("order_id")?,
                order_status: row.get("status")?,
                amount_minor: row.get("amount_minor")?,
                currency: row.get("currency")?,
                points: row.get("points")?,
            })
        })
        .await
}

/// The answer of the accept that made `order_id`, once its outcome was
/// recorded: its status code and body.
pub(crate) async fn answer_of(
    store: &Store,
    order_id: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    let query = Statement {
        sql: "SELECT response_status, response_body FROM accepts WHERE order_id = $1",
        values: vec![order_id.into()],
    };
    let found = store
        .one(query, |row| {
            let status: Option<i64> = row.get("response_status")?;
            let body: Option<String> = row.get("response_body")?;
            Ok(status.zip(body))
        })
        .await?;
    Ok(found.flatten())
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
