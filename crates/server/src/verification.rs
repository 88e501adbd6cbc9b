//! Proving that an address belongs to the merchant that registered it,
//! before the hub trusts it: an origin serves the merchant's challenge under
//! `/.well-known/`, a callback URL answers a signed challenge with the same
//! challenge. The answers are read only as far as a challenge needs, and
//! what went wrong is told as a kind and a status, never as the text the
//! other side sent.

use std::time::Duration;

use postsale_protocol::{CallbackChallenge, HANDOFF_KEY_ID_HEADER, SIGNATURE_HEADER, sign_request};
use reqwest::Method;

use crate::{
    ids::now,
    outbound::{Answer, CallFailure, Outbound, Refused},
};

/// How long the other side has to answer.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The most of an answer read: a challenge file or answer is a line.
const MAX_ANSWER_BYTES: usize = 4 * 1024;

/// Why an address did not prove itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unproven {
    /// The address is not one the hub calls.
    #[error("it {0}")]
    Refused(Refused),
    /// No answer in time, or no connection.
    #[error("it could not be reached within 5 s")]
    Unreachable,
    /// It answered with a status other than 2xx (redirects are not followed).
    #[error("it answered HTTP {0}")]
    Status(u16),
    /// It answered, but not with this merchant's challenge.
    #[error("its answer does not hold this merchant's current challenge")]
    Mismatch,
}

/// The answer's body when it is a 2xx of at most `MAX_ANSWER_BYTES`.
fn body_of(sent: Result<Answer, CallFailure>) -> Result<Vec<u8>, Unproven> {
    let answer = sent.map_err(|failure| match failure {
        CallFailure::Refused(refused) => Unproven::Refused(refused),
        CallFailure::TooLarge => Unproven::Mismatch,
        _ => Unproven::Unreachable,
    })?;
    if !(200..300).contains(&answer.status) {
        return Err(Unproven::Status(answer.status));
    }
    if answer.body.len() > MAX_ANSWER_BYTES {
        return Err(Unproven::Mismatch);
    }
    Ok(answer.body)
}

/// Whether `origin` serves `postsale-verification=<challenge>` as a line of
/// its challenge file.
pub(crate) async fn origin_serves(
    outbound: &Outbound,
    origin: &str,
    challenge: &str,
) -> Result<(), Unproven> {
    let url = format!(
        "{origin}{}",
        crate::registry::addresses::ORIGIN_CHALLENGE_PATH
    );
    let body = body_of(outbound.send(Method::GET, &url, &[], None, TIMEOUT).await)?;
    let expected = format!("postsale-verification={challenge}");
    let holds = String::from_utf8_lossy(&body)
        .lines()
        .any(|line| line.trim() == expected);
    if holds {
        Ok(())
    } else {
        Err(Unproven::Mismatch)
    }
}

/// Whether `url` answers a challenge signed with the merchant's key by
/// sending the same challenge back.
pub(crate) async fn callback_answers(
    outbound: &Outbound,
    url: &str,
    key_id: &str,
    secret: &[u8],
) -> Result<(), Unproven> {
    let challenge = CallbackChallenge {
        postsale_challenge: crate::ids::new_secret_hex(),
    };
    let body = serde_json::to_vec(&challenge).map_err(|_| Unproven::Mismatch)?;
    let signature = sign_request(&body, secret, now());
    let headers = [
        ("content-type", "application/json"),
        (SIGNATURE_HEADER, signature.as_str()),
        (HANDOFF_KEY_ID_HEADER, key_id),
    ];
    let answer = body_of(
        outbound
            .send(Method::POST, url, &headers, Some(body), TIMEOUT)
            .await,
    )?;
    match CallbackChallenge::parse(&answer) {
        Some(echo) if echo == challenge => Ok(()),
        _ => Err(Unproven::Mismatch),
    }
}
