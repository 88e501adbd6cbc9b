//! The webhook outbox's rows: queued in the transaction of what they tell,
//! leased by one worker at a time, marked delivered, retried or failed.

use super::{StoreError, plan::Statement};
use crate::domain::WebhookStatus;

/// A webhook about to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewWebhook<'a> {
    pub(crate) id: String,
    pub(crate) recipient: &'a str,
    pub(crate) order_id: &'a str,
    pub(crate) url: &'a str,
    pub(crate) body: &'a str,
    pub(crate) at: i64,
}

/// Queues one webhook, due at once, as a statement of a write plan.
pub(crate) fn enqueuing(webhook: &NewWebhook<'_>) -> Statement {
    Statement {
        sql: "INSERT INTO webhooks (id, upseller_id, order_id, url, body, status, attempts, next_attempt_at, created_at) \
              VALUES ($1, $2, $3, $4, $5, $8, 0, $6, $7)",
        values: vec![
            (&webhook.id).into(),
            webhook.recipient.into(),
            webhook.order_id.into(),
            webhook.url.into(),
            webhook.body.into(),
            webhook.at.into(),
            webhook.at.into(),
            WebhookStatus::Pending.as_str().into(),
        ],
    }
}

/// A webhook due for an attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Due {
    pub(crate) id: String,
    #[sqlx(rename = "upseller_id")]
    pub(crate) recipient: String,
    pub(crate) body: String,
    pub(crate) attempts: i64,
    /// When it fell due: the lease's version.
    pub(crate) next_attempt_at: i64,
    pub(crate) created_at: i64,
}

/// How many webhooks are not yet delivered, and when the oldest was made
/// (none: `None`).
pub(crate) async fn backlog(pool: &sqlx::AnyPool) -> Result<(i64, Option<i64>), StoreError> {
    let (count, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM webhooks WHERE status = $1")
            .bind(WebhookStatus::Pending.as_str())
            .fetch_one(pool)
            .await?;
    Ok((count, oldest))
}

/// Up to `limit` pending webhooks due at `at`, the longest waiting first.
pub(crate) async fn due(pool: &sqlx::AnyPool, at: i64, limit: i64) -> Result<Vec<Due>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, upseller_id, body, attempts, next_attempt_at, created_at FROM webhooks \
         WHERE status = $2 AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3",
    )
    .bind(at)
    .bind(WebhookStatus::Pending.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Leases `due` until `until`, so that another replica's worker skips it
/// meanwhile: true when no one else took it since it was read.
pub(crate) async fn lease(
    writer: &sqlx::AnyPool,
    due: &Due,
    until: i64,
) -> Result<bool, StoreError> {
    let leased = sqlx::query(
        "UPDATE webhooks SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3 AND status = $4",
    )
    .bind(until)
    .bind(&due.id)
    .bind(due.next_attempt_at)
    .bind(WebhookStatus::Pending.as_str())
    .execute(writer)
    .await?;
    Ok(leased.rows_affected() == 1)
}

/// Brings `upseller`'s webhook `id` forward to `at`: a failed one is tried
/// once more, a pending one now (unless it is being sent, or due within the
/// minute). Its erased body (past the retention) is never sent again. True
/// when it was brought forward.
pub(crate) async fn retry(
    writer: &sqlx::AnyPool,
    upseller: &str,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhooks SET status = $1, next_attempt_at = $2 \
         WHERE id = $3 AND upseller_id = $4 AND erased_at IS NULL \
         AND (status = $5 OR (status = $1 AND next_attempt_at > $2 + 60))",
    )
    .bind(WebhookStatus::Pending.as_str())
    .bind(at)
    .bind(id)
    .bind(upseller)
    .bind(WebhookStatus::Failed.as_str())
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Where `upseller`'s webhook `id` stands: its status, and whether its body
/// was erased.
pub(crate) async fn standing(
    pool: &sqlx::AnyPool,
    upseller: &str,
    id: &str,
) -> Result<Option<(String, bool)>, StoreError> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT status, erased_at FROM webhooks WHERE id = $1 AND upseller_id = $2")
            .bind(id)
            .bind(upseller)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(status, erased)| (status, erased.is_some())))
}

/// Puts a webhook off until `until` without counting an attempt.
pub(crate) async fn postpone(
    writer: &sqlx::AnyPool,
    id: &str,
    until: i64,
    why: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE webhooks SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
        .bind(until)
        .bind(why)
        .bind(id)
        .execute(writer)
        .await?;
    Ok(())
}

/// Records an attempt's outcome: the webhook's status, attempt count, next
/// attempt and last error.
pub(crate) async fn attempted(
    writer: &sqlx::AnyPool,
    id: &str,
    status: WebhookStatus,
    attempts: i64,
    next_attempt_at: i64,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhooks SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(error)
    .bind(id)
    .execute(writer)
    .await?;
    Ok(())
}

/// A webhook whose body still holds the customer's personal data.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Unerased {
    pub(crate) id: String,
    pub(crate) body: String,
}

/// The unerased webhooks of `affiliate`'s orders for `customer_token`.
pub(crate) async fn unerased_of_customer(
    pool: &sqlx::AnyPool,
    affiliate: &str,
    customer_token: &str,
) -> Result<Vec<Unerased>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.body FROM webhooks w JOIN orders o ON o.id = w.order_id \
         WHERE w.erased_at IS NULL AND o.customer_token = $1 AND o.affiliate_id = $2",
    )
    .bind(customer_token)
    .bind(affiliate)
    .fetch_all(pool)
    .await?)
}

/// Up to `limit` unerased webhooks delivered or given up on by `cutoff`
/// (their `next_attempt_at` is when that happened).
pub(crate) async fn unerased_done_by(
    pool: &sqlx::AnyPool,
    cutoff: i64,
    limit: i64,
) -> Result<Vec<Unerased>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, body FROM webhooks WHERE erased_at IS NULL AND status IN ($2, $3) \
         AND next_attempt_at <= $1 LIMIT $4",
    )
    .bind(cutoff)
    .bind(WebhookStatus::Delivered.as_str())
    .bind(WebhookStatus::Failed.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Replaces a webhook's body with its erased copy, once: true when this
/// call erased it.
pub(crate) async fn erase(
    writer: &sqlx::AnyPool,
    id: &str,
    clean_body: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let erased = sqlx::query(
        "UPDATE webhooks SET body = $1, erased_at = $2 WHERE id = $3 AND erased_at IS NULL",
    )
    .bind(clean_body)
    .bind(at)
    .bind(id)
    .execute(writer)
    .await?;
    Ok(erased.rows_affected() == 1)
}
