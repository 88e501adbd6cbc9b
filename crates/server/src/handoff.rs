//! The hub's calls out: the signed server-to-server call to the affiliate when
//! a customer accepts. Each attempt has a timeout; network failures and 5xx
//! answers are retried a bounded number of times with jittered backoff. The
//! affiliate uses the hub's order id as its idempotency key, so a retry never
//! charges twice.

use std::time::Duration;

use postsale_protocol::{
    HANDOFF_KEY_ID_HEADER, HandoffRequest, HandoffResponse, SIGNATURE_HEADER, sign_request,
};
use rand::Rng;

use crate::ids::now;

/// Per-attempt timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts in all.
const ATTEMPTS: u32 = 3;

/// Why the affiliate's answer could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HandoffError {
    /// No answer within the attempts' timeouts.
    #[error("the affiliate did not answer in time")]
    Timeout,
    /// The affiliate answered with an error status.
    #[error("the affiliate answered {0}")]
    Status(u16),
    /// The affiliate's answer is not a handoff response.
    #[error("the affiliate's answer is not valid: {0}")]
    BadAnswer(String),
    /// The affiliate cannot be reached.
    #[error("the affiliate cannot be reached")]
    Unreachable,
}

/// Calls the affiliate's handoff URL, signed with one of its secrets.
pub(crate) async fn call(
    client: &reqwest::Client,
    url: &str,
    key_id: &str,
    secret: &[u8],
    request: &HandoffRequest,
) -> Result<HandoffResponse, HandoffError> {
    let body = serde_json::to_vec(request).map_err(|e| HandoffError::BadAnswer(e.to_string()))?;
    let mut last = HandoffError::Unreachable;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            let base = 200_u64 << (attempt - 1);
            let jitter = rand::thread_rng().gen_range(0..=base / 2);
            tokio::time::sleep(Duration::from_millis(base + jitter)).await;
        }
        let sent = client
            .post(url)
            .timeout(ATTEMPT_TIMEOUT)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign_request(&body, secret, now()))
            .header(HANDOFF_KEY_ID_HEADER, key_id)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|_| HandoffError::Unreachable)?;
                return serde_json::from_slice(&bytes)
                    .map_err(|e| HandoffError::BadAnswer(e.to_string()));
            }
            Ok(response) if response.status().is_server_error() => {
                last = HandoffError::Status(response.status().as_u16())
            }
            Ok(response) => return Err(HandoffError::Status(response.status().as_u16())),
            Err(err) if err.is_timeout() => last = HandoffError::Timeout,
            Err(_) => last = HandoffError::Unreachable,
        }
        tracing::warn!(attempt, error = %last, "affiliate handoff attempt failed");
    }
    Err(last)
}
