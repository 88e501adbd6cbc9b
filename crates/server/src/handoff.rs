//! The hub's signed server-to-server call to the affiliate when a customer
//! accepts, through the one outbound client. Each attempt has a timeout; a
//! call that cannot connect, times out or gets a 5xx is retried a bounded
//! number of times with jittered backoff. The affiliate uses the hub's order
//! id as its idempotency key, so a retry never charges twice.
//!
//! What the affiliate did is known only from an answer: when no attempt got
//! one and one of them may have arrived, the outcome is [`Unknown`], and the
//! reconciler asks with [`status`] until it is known.
//!
//! [`Unknown`]: HandoffError::Unknown

use std::time::Duration;

use postsale_protocol::{
    HANDOFF_KEY_ID_HEADER, HandoffRequest, HandoffResponse, HandoffStatusQuery, SIGNATURE_HEADER,
    sign_request, xml::XML_MEDIA_TYPE,
};
use rand::Rng;
use reqwest::Method;

use crate::{
    ids::now,
    outbound::{CallFailure, Outbound},
    registry::merchant::HandoffFormat,
};

/// Per-attempt timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts in all.
const ATTEMPTS: u32 = 3;

/// Why the affiliate's answer could not be had, as a kind: never the text
/// the affiliate sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HandoffError {
    /// Nothing reached the affiliate (refused address, no connection):
    /// nothing was done.
    #[error("the affiliate could not be reached ({0})")]
    NotSent(CallFailure),
    /// The affiliate answered with a status that refuses the order.
    #[error("the affiliate answered HTTP {0}")]
    Status(u16),
    /// The request may have arrived and no usable answer came back (a
    /// timeout, a broken connection, a 5xx, an answer too large or not a
    /// handoff answer): the affiliate may have acted.
    #[error("the affiliate's answer is not known yet ({0})")]
    Unknown(Unanswered),
}

/// Why an answer is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unanswered {
    /// The call failed after the request may have arrived.
    #[error("{0}")]
    Call(CallFailure),
    /// The affiliate answered 5xx.
    #[error("it answered HTTP {0}")]
    Status(u16),
    /// A 2xx whose body is not a handoff answer.
    #[error("its answer is not a handoff answer")]
    BadAnswer,
}

/// Signs and posts `body` (of media type `content_type`) once, asking for
/// an answer in `format`.
async fn post(
    outbound: &Outbound,
    url: &str,
    (key_id, secret): (&str, &[u8]),
    (content_type, body): (&str, &[u8]),
    format: HandoffFormat,
) -> Result<crate::outbound::Answer, CallFailure> {
    let signature = sign_request(body, secret, now());
    let accept = match format {
        HandoffFormat::Json => JSON,
        HandoffFormat::Xml => XML_MEDIA_TYPE,
    };
    outbound
        .send(
            Method::POST,
            url,
            &[
                ("content-type", content_type),
                ("accept", accept),
                (SIGNATURE_HEADER, &signature),
                (HANDOFF_KEY_ID_HEADER, key_id),
            ],
            Some(body.to_vec()),
            ATTEMPT_TIMEOUT,
        )
        .await
}

const JSON: &str = "application/json";

/// An affiliate's answer, in the form it came in: XML starts with markup
/// (the SDK answers JSON when it cannot write the XML form).
fn read_answer(body: &[u8]) -> Result<HandoffResponse, HandoffError> {
    let bad = |_| HandoffError::Unknown(Unanswered::BadAnswer);
    if body.trim_ascii_start().first() == Some(&b'<') {
        postsale_protocol::xml::response_from_xml(body).map_err(bad)
    } else {
        serde_json::from_slice(body).map_err(|_| HandoffError::Unknown(Unanswered::BadAnswer))
    }
}

/// Calls the affiliate's handoff URL in its `format`, signed with the
/// hub's key for it.
pub(crate) async fn call(
    outbound: &Outbound,
    url: &str,
    key: (&str, &[u8]),
    format: HandoffFormat,
    request: &HandoffRequest,
) -> Result<HandoffResponse, HandoffError> {
    let unwritable = |_| HandoffError::NotSent(CallFailure::NotConnected);
    let (content_type, body) = match format {
        HandoffFormat::Json => (
            JSON,
            serde_json::to_vec(request)
                .map_err(|_| HandoffError::NotSent(CallFailure::NotConnected))?,
        ),
        HandoffFormat::Xml => (
            XML_MEDIA_TYPE,
            postsale_protocol::xml::request_to_xml(request)
                .map_err(unwritable)?
                .into_bytes(),
        ),
    };
    let mut last = HandoffError::NotSent(CallFailure::NotConnected);
    let mut maybe_arrived = false;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            let base = 200_u64 << (attempt - 1);
            let jitter = rand::thread_rng().gen_range(0..=base / 2);
            tokio::time::sleep(Duration::from_millis(base + jitter)).await;
        }
        last = match post(outbound, url, key, (content_type, &body), format).await {
            Ok(answer) if (200..300).contains(&answer.status) => {
                return read_answer(&answer.body);
            }
            Ok(answer) if answer.status >= 500 => {
                maybe_arrived = true;
                HandoffError::Unknown(Unanswered::Status(answer.status))
            }
            // The affiliate's refusal, or a redirect the hub does not follow.
            Ok(answer) => return Err(HandoffError::Status(answer.status)),
            Err(CallFailure::TooLarge) => {
                return Err(HandoffError::Unknown(Unanswered::Call(
                    CallFailure::TooLarge,
                )));
            }
            Err(failure @ CallFailure::Refused(_)) => return Err(HandoffError::NotSent(failure)),
            Err(failure) if failure.maybe_arrived() => {
                maybe_arrived = true;
                HandoffError::Unknown(Unanswered::Call(failure))
            }
            Err(failure) => HandoffError::NotSent(failure),
        };
        tracing::warn!(attempt, error = %last, "affiliate handoff attempt failed");
    }
    // A later attempt that could not connect does not undo an earlier one
    // that may have arrived.
    Err(match last {
        HandoffError::NotSent(failure) if maybe_arrived => {
            HandoffError::Unknown(Unanswered::Call(failure))
        }
        other => other,
    })
}

/// Asks the affiliate for the answer it stored for hub order `order_id`:
/// `Ok(None)` when it has none (nothing done, or still being done).
pub(crate) async fn status(
    outbound: &Outbound,
    url: &str,
    key: (&str, &[u8]),
    format: HandoffFormat,
    order_id: &str,
) -> Result<Option<HandoffResponse>, HandoffError> {
    let query = HandoffStatusQuery {
        postsale_status: order_id.to_owned(),
    };
    let body =
        serde_json::to_vec(&query).map_err(|_| HandoffError::NotSent(CallFailure::NotConnected))?;
    // The question is always JSON; the answer comes in the affiliate's form.
    match post(outbound, url, key, (JSON, &body), format).await {
        Ok(answer) if answer.status == 200 => read_answer(&answer.body).map(Some),
        Ok(answer) if answer.status == 404 => Ok(None),
        Ok(answer) if answer.status >= 500 => {
            Err(HandoffError::Unknown(Unanswered::Status(answer.status)))
        }
        Ok(answer) => Err(HandoffError::Status(answer.status)),
        Err(failure) => Err(HandoffError::Unknown(Unanswered::Call(failure))),
    }
}
