//! Every way the handoff router refuses the hub's call, and the problem+json
//! answer each one gets. The hub reads the status (it retries only 5xx); the
//! detail is for the people reading the hub's logs, so it names what was
//! wrong but never echoes a secret or the store's own error text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postsale_protocol::{Problem, SignatureError, ValidatorError};

use super::traits::Replay;

/// Why the router refused a call from the hub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// The body is larger than the router's limit (413).
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    /// A required header is missing or not text (401); the name is the header's.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// The key id names none of the affiliate's configured secrets (401).
    #[error("key id is not one of this affiliate's keys")]
    UnknownKeyId,
    /// The `Postsale-Signature` header is malformed, stale or does not match (401).
    #[error("{0}")]
    Signature(SignatureError),
    /// The body is not a handoff request (400); `field` is the JSON path serde stopped at.
    #[error("{detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
        /// The offending field, when one is to blame.
        field: Option<String>,
    },
    /// The hub asked for `direct_entry`, which it never asks affiliates for (400).
    #[error("direct_entry is handled by the hub; an affiliate is never asked for it")]
    DirectEntry,
    /// No ticket is known for the request's `affiliate_order_id`, so the
    /// validator cannot be bound to one (401).
    #[error("no ticket was signed for this affiliate_order_id")]
    UnknownOrder,
    /// The validator is malformed, forged, expired or bound to something else (401).
    #[error("{0}")]
    Validator(ValidatorError),
    /// `payment_reference` for an upseller the hub does not state to be affiliated (403).
    #[error("a payment reference is released only to an affiliated upseller")]
    NotAffiliated,
    /// A status query for a hub order this router gave no answer to (404).
    #[error("no answer was given to this hub order")]
    NoSuchOrder,
    /// The token, validator or hub order id was already used otherwise (409).
    #[error("{0}")]
    Replay(Replay),
    /// The merchant's store or gateway is down (503, the hub retries); the
    /// cause is logged, never sent.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

impl HandoffError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
            ),
            Self::MissingHeader(_)
            | Self::UnknownKeyId
            | Self::Signature(_)
            | Self::UnknownOrder
            | Self::Validator(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Self::Malformed { .. } | Self::DirectEntry => {
                (StatusCode::BAD_REQUEST, "malformed", "Malformed request")
            }
            Self::NotAffiliated => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::NoSuchOrder => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Replay(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
            ),
        }
    }

    /// The field to name in the problem, when one is to blame.
    fn field(&self) -> Option<String> {
        match self {
            Self::Malformed { field, .. } => field.clone(),
            Self::MissingHeader(name) => Some((*name).to_owned()),
            Self::DirectEntry => Some("mode".into()),
            Self::UnknownOrder => Some("affiliate_order_id".into()),
            Self::Validator(_) => Some("validator".into()),
            Self::NotAffiliated => Some("upseller_affiliated".into()),
            _ => None,
        }
    }
}

impl IntoResponse for HandoffError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let detail = match &self {
            Self::Unavailable(cause) => {
                let id = super::reference_id();
                tracing::error!(error_id = %id, %cause, "handoff unavailable");
                format!("temporarily unavailable; reference {id}")
            }
            other => other.to_string(),
        };
        if status.is_client_error() {
            tracing::warn!(status = status.as_u16(), %detail, "handoff refused");
        }
        let problem = Problem::new(slug, title, status.as_u16(), detail).on_field(self.field());
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_signature_is_unauthorized_and_says_why() {
        let err = HandoffError::Signature(SignatureError::OutsideTolerance);
        assert_eq!(err.parts().0, StatusCode::UNAUTHORIZED);
        assert!(err.to_string().contains("300 seconds"), "{err}");
    }

    #[test]
    fn a_replay_is_a_conflict_and_an_outage_is_retryable() {
        assert_eq!(
            HandoffError::Replay(Replay::TokenRedeemed).parts().0,
            StatusCode::CONFLICT
        );
        assert!(
            HandoffError::Unavailable("db down".into())
                .parts()
                .0
                .is_server_error()
        );
    }
}
