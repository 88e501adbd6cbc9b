//! The webhook outbox: orders for upsellers, and upsells for the affiliates
//! that showed them, leave from rows written in the same transaction as the
//! order, so a killed hub loses none. A worker sends due rows, each signed
//! with its recipient's webhook key, and retries failures with exponential
//! backoff for a day before marking them failed.

use std::time::Duration;

use postsale_protocol::{SIGNATURE_HEADER, sign_request};
use rand::Rng;

use crate::{
    domain::WebhookStatus,
    failure::Failure,
    ids::{new_ordered_id, now},
    registry::keys::{self, Purpose},
    state::AppState,
    stop::Stop,
    store::{
        plan::Statement,
        webhooks::{self, NewWebhook},
    },
};

/// How long deliveries are retried.
const GIVE_UP_AFTER_SECS: i64 = 24 * 3600;
/// How soon a webhook waiting for its recipient's webhook URL to be proven
/// is looked at again.
const UNPROVEN_RECHECK_SECS: i64 = 2;
/// How long one delivery attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Queues `body` for merchant `recipient`: a statement for the caller's
/// transaction or write plan, so that the event and what it tells commit
/// together.
pub(crate) fn enqueuing(
    recipient: &str,
    order_id: &str,
    url: &str,
    body: &serde_json::Value,
) -> Statement {
    webhooks::enqueuing(&webhook(recipient, order_id, url, &body.to_string()))
}

/// A new webhook, due now.
fn webhook<'a>(
    recipient: &'a str,
    order_id: &'a str,
    url: &'a str,
    body: &'a str,
) -> NewWebhook<'a> {
    NewWebhook {
        id: new_ordered_id("whk"),
        recipient,
        order_id,
        url,
        body,
        at: now(),
    }
}

/// Starts the delivery worker.
pub(crate) fn spawn(state: AppState, mut stop: Stop) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // A round once begun is finished: each webhook sent is recorded.
        while !stop.asked() {
            let pause = match deliver_due(&state).await {
                Ok(0) => Duration::from_millis(500),
                Ok(_) => Duration::ZERO,
                Err(err) => {
                    tracing::warn!(error = %err, "webhook delivery round failed");
                    Duration::from_secs(1)
                }
            };
            if stop.pause(pause).await {
                break;
            }
        }
    })
}

/// The delay before attempt `n + 1`: 10 s, 20 s, 40 s ... at most an hour, with jitter.
pub(crate) fn backoff_secs(attempts: i64) -> i64 {
    let base = 10_i64.saturating_mul(1 << attempts.clamp(0, 9)).min(3600);
    base + rand::thread_rng().gen_range(0..=base / 5)
}

async fn deliver_due(state: &AppState) -> Result<usize, Failure> {
    let at = now();
    let mut sent = 0;
    for due in webhooks::due(&state.db.pool, at, 20).await? {
        // Lease the row so that another replica's worker skips it meanwhile.
        if !webhooks::lease(&state.db.writer, &due, at + 60).await? {
            continue;
        }
        sent += 1;
        let attempts = due.attempts + 1;
        // To the recipient's webhook URL as it stands, once proven: an order
        // waits for a URL that has not answered its challenge yet.
        let target = crate::registry::merchant::by_id_stored(&state.db, &due.recipient)
            .await?
            .filter(|m| m.webhook_url_verified)
            .and_then(|m| m.webhook_url);
        let Some(url) = target else {
            // Not an attempt: the order waits, checked again shortly.
            webhooks::postpone(
                &state.db.writer,
                &due.id,
                now() + UNPROVEN_RECHECK_SECS,
                "the recipient's webhook URL is not proven",
            )
            .await?;
            continue;
        };
        let result = send(state, &due.recipient, &url, &due.body).await;
        state.metrics.webhook(result.is_ok());
        let (status, next, error) = match result {
            Ok(()) => (WebhookStatus::Delivered, at, None),
            Err(err) if now() - due.created_at >= GIVE_UP_AFTER_SECS => {
                (WebhookStatus::Failed, at, Some(err))
            }
            Err(err) => (
                WebhookStatus::Pending,
                now() + backoff_secs(attempts - 1),
                Some(err),
            ),
        };
        webhooks::attempted(
            &state.db.writer,
            &due.id,
            status,
            attempts,
            next,
            error.as_deref(),
        )
        .await?;
    }
    Ok(sent)
}

async fn send(state: &AppState, recipient: &str, url: &str, body: &str) -> Result<(), String> {
    // The recipient's webhook key, made by the hub for this one purpose.
    let key = keys::signing(&state.db, recipient, Purpose::Webhooks)
        .await
        .map_err(|_| "the webhook key could not be read".to_owned())?
        .ok_or("the recipient has no active webhook key")?;
    let signature = sign_request(body.as_bytes(), key.secret.expose(), now());
    let answer = state
        .outbound
        .send(
            reqwest::Method::POST,
            url,
            &[
                ("content-type", "application/json"),
                (SIGNATURE_HEADER, &signature),
                (postsale_protocol::HANDOFF_KEY_ID_HEADER, &key.key_id),
            ],
            Some(body.as_bytes().to_vec()),
            ATTEMPT_TIMEOUT,
        )
        .await
        .map_err(|failure| failure.to_string())?;
    // Only a 2xx is a delivery: a redirect is not followed, so it is not one.
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        Err(format!("answered HTTP {}", answer.status))
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert!((10..=12).contains(&backoff_secs(0)));
        assert!((20..=24).contains(&backoff_secs(1)));
        assert!((3600..=4320).contains(&backoff_secs(20)));
    }
}
