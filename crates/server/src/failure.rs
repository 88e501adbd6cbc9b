//! What a service answers besides success, in the hub's words: a request
//! it refuses (naming the field at fault) or a failure inside the hub. It
//! knows nothing of HTTP; `routes::problem` turns each into a status and a
//! problem+json body. See `docs/ARCHITECTURE.md`, "The hub's layers".

/// Why a service did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The input is not of the expected shape.
    #[error("{detail}")]
    Malformed {
        detail: String,
        field: Option<String>,
    },
    /// A field holds a value that is not allowed.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    /// No credential, or a wrong one.
    #[error("{0}")]
    Unauthorized(String),
    /// The credential is fine but this is not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// A well-formed field names something that is not there: the request
    /// was fine, the world is not.
    #[error("{field}: {detail}")]
    Unknown { field: String, detail: String },
    /// A well-formed field names something not in the state the request
    /// needs.
    #[error("{field}: {detail}")]
    Refused { field: String, detail: String },
    /// The same request is being processed right now; retry in a second.
    #[error("{0}")]
    InFlight(String),
    /// Too many requests from this client or for this resource; retry in
    /// this many seconds.
    #[error("too many requests; retry in {0} s")]
    RateLimited(u64),
    /// The resource existed but has expired.
    #[error("{0}")]
    Gone(String),
    /// Something broke inside the hub; the cause is logged, never answered.
    #[error("internal error")]
    Internal(String),
}

impl Failure {
    /// A field whose value is not allowed.
    pub(crate) fn invalid(field: impl Into<String>, detail: impl ToString) -> Self {
        Self::Invalid {
            field: field.into(),
            detail: detail.to_string(),
        }
    }

    /// A field whose value names nothing.
    pub(crate) fn unknown(field: impl Into<String>, detail: impl ToString) -> Self {
        Self::Unknown {
            field: field.into(),
            detail: detail.to_string(),
        }
    }

    /// A field whose value is not in the state the request needs.
    pub(crate) fn conflict(field: impl Into<String>, detail: impl ToString) -> Self {
        Self::Refused {
            field: field.into(),
            detail: detail.to_string(),
        }
    }
}

impl From<crate::domain::UnknownStatus> for Failure {
    fn from(err: crate::domain::UnknownStatus) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(format!("database: {err}"))
    }
}
