//! The one place that knows problem+json: how a service's [`Failure`] and
//! what only HTTP can go wrong with (a body too large or too slow, a method
//! a path does not take) are answered, each naming the field at fault. A
//! 500 tells the client only an id; the cause goes to the log under it. And
//! the body extractors whose refusals are such answers.

use axum::{
    Json,
    extract::{FromRequest, Request},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use postsale_protocol::Problem;
use serde::de::DeserializeOwned;

use crate::failure::Failure;

/// The largest request body the hub reads.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// The longest a request body may take to arrive in all (the listener's
/// read timeout bounds each pause; this bounds a body dripped byte by byte).
const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// What a request can be refused for before or beside any service.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// A service's answer (and a body's shape, read here).
    #[error(transparent)]
    Failure(#[from] Failure),
    /// The path exists but not for this method (405).
    #[error("{0} is not allowed here")]
    MethodNotAllowed(String),
    /// The body did not arrive within the read timeout (408).
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// The body is larger than the hub accepts (413).
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The hub cannot serve requests yet, or any more (503).
    #[error("{0}")]
    NotReady(String),
}

/// The status, the problem's type slug and its title.
fn parts(failure: &Failure) -> (StatusCode, &'static str, &'static str) {
    match failure {
        Failure::Unknown { .. } | Failure::NotFound(_) => {
            (StatusCode::NOT_FOUND, "not-found", "Not found")
        }
        Failure::Refused { .. } | Failure::Conflict(_) => {
            (StatusCode::CONFLICT, "conflict", "Conflict")
        }
        Failure::Malformed { .. } => (StatusCode::BAD_REQUEST, "malformed", "Malformed request"),
        Failure::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid field"),
        Failure::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
        Failure::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
        Failure::InFlight(_) => (StatusCode::CONFLICT, "in-flight", "Still being processed"),
        Failure::RateLimited(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
        ),
        Failure::Gone(_) => (StatusCode::GONE, "gone", "Gone"),
        Failure::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
    }
}

/// A problem+json answer.
fn problem(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    field: Option<String>,
) -> Response {
    let problem = Problem::new(slug, title, status.as_u16(), detail).on_field(field);
    let mut response = (status, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, slug, title) = parts(&self);
        let (detail, field) = match &self {
            Self::Internal(cause) => {
                let id = crate::ids::new_id("err");
                tracing::error!(error_id = %id, %cause, "internal error");
                (format!("internal error; reference {id}"), None)
            }
            Self::Malformed { detail, field } => (detail.clone(), field.clone()),
            Self::Invalid { field, detail }
            | Self::Unknown { field, detail }
            | Self::Refused { field, detail } => (detail.clone(), Some(field.clone())),
            other => (other.to_string(), None),
        };
        let mut response = problem(status, slug, title, detail, field);
        let retry_after = match self {
            Self::InFlight(_) => Some(1),
            Self::RateLimited(secs) => Some(secs.max(1)),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let detail = self.to_string();
        let (status, slug, title) = match self {
            Self::Failure(failure) => return failure.into_response(),
            Self::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "timeout", "Request timeout"),
            Self::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready"),
            Self::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
            ),
        };
        problem(status, slug, title, detail, None)
    }
}

/// `Json<T>` whose rejections are our problem+json, naming the field serde
/// stopped at, instead of axum's plain-text answer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| {
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !json {
            return Err(HttpError::Failure(Failure::Malformed {
                detail: "Content-Type must be application/json".into(),
                field: None,
            }));
        }
        let RawBody(body) = RawBody::from_request(req, state).await?;
        Ok(Self(parse_json(&body)?))
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// Parses a JSON body into `T`, naming the path of the first bad field.
/// A whole number written with a fraction (`3.0`) is the integer JSON
/// Schema says it is: a body refused for a type is read once more with
/// such numbers as integers.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    let strict = parse_strict(body);
    let float_for_integer = matches!(&strict, Err(Failure::Malformed { detail, .. })
        if detail.starts_with("invalid type: floating point"));
    if !float_for_integer {
        return strict;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return strict;
    };
    if !whole_numbers_as_integers(&mut value) {
        return strict;
    }
    serde_path_to_error::deserialize::<_, T>(value).or(strict)
}

fn parse_strict<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    // Most bodies are right: they are read once, without tracking where the
    // reader is. Only a refused one is read again, to name the field.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let detail = if inner.is_syntax() || inner.is_eof() {
            format!("body is not valid JSON: {inner}")
        } else {
            inner.to_string()
        };
        Failure::Malformed {
            detail,
            field: (path != ".").then_some(path),
        }
    })?;
    de.end().map_err(|e| Failure::Malformed {
        detail: format!("body is not valid JSON: {e}"),
        field: None,
    })?;
    Ok(value)
}

/// Rewrites every number with a zero fraction that fits 64 bits as an
/// integer; true when one was.
fn whole_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) else {
                return false;
            };
            // Exact only below 2^53; beyond, a float is not a whole count.
            if f.abs() >= 9_007_199_254_740_992.0 {
                return false;
            }
            #[allow(clippy::cast_possible_truncation)]
            let whole = f as i64;
            *value = Value::from(whole);
            true
        }
        Value::Array(items) => {
            let mut any = false;
            for item in items {
                any |= whole_numbers_as_integers(item);
            }
            any
        }
        Value::Object(fields) => {
            let mut any = false;
            for field in fields.values_mut() {
                any |= whole_numbers_as_integers(field);
            }
            any
        }
        _ => false,
    }
}

/// The raw request body; a body over the limit is our 413 problem.
#[derive(Debug)]
pub(crate) struct RawBody(pub(crate) axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        tokio::time::timeout(BODY_DEADLINE, axum::body::Bytes::from_request(req, state))
            .await
            .map_err(|_| HttpError::BodyTimeout)?
            .map(Self)
            .map_err(|rejection| unread(rejection.status()))
    }
}

/// A body that could not be read: over the limit, or not in time (a client
/// that stopped sending; the listener's read timeout cut it).
fn unread(status: StatusCode) -> HttpError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        HttpError::TooLarge(BODY_LIMIT)
    } else {
        HttpError::BodyTimeout
    }
}

#[cfg(test)]
mod whole_number_tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Line {
        quantity: u32,
        items: Vec<u8>,
    }

    #[test]
    fn a_whole_number_with_a_fraction_is_the_integer_it_is() {
        let line: Line = parse_json(br#"{"quantity": 3.0, "items": [1, 2.0]}"#).expect("whole");
        assert_eq!(
            line,
            Line {
                quantity: 3,
                items: vec![1, 2]
            }
        );
    }

    #[test]
    fn a_fraction_or_a_bad_body_is_still_refused_naming_the_field() {
        let half = parse_json::<Line>(br#"{"quantity": 2.5, "items": []}"#).expect_err("2.5");
        assert!(matches!(half, Failure::Malformed { field: Some(ref f), .. } if f == "quantity"));
        let huge = parse_json::<Line>(br#"{"quantity": 1e300, "items": []}"#).expect_err("1e300");
        assert!(matches!(huge, Failure::Malformed { field: Some(ref f), .. } if f == "quantity"));
        let broken = parse_json::<Line>(br#"{"quantity": 1, "items": [2"#).expect_err("syntax");
        assert!(
            matches!(broken, Failure::Malformed { ref detail, .. } if detail.starts_with("body is not valid JSON"))
        );
        let extra = parse_json::<Line>(br#"{"quantity": 1.0, "items": [], "x": 1}"#)
            .expect_err("unknown field");
        assert!(matches!(extra, Failure::Malformed { .. }));
    }
}
