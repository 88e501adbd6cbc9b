//! Where the hottest rows are written: the opportunity row on the request
//! path, on SQLite through [`lane::Lane`] (a thread and a connection of its
//! own, grouped commits), on PostgreSQL on the pool. The store answers typed
//! rows and its own error; what a caller makes of them is the caller's.
//! See `docs/ARCHITECTURE.md`, "Reading the registry, writing the hot rows".

pub(crate) mod accepts;
pub(crate) mod affiliations;
pub(crate) mod agreements;
pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod consent;
pub(crate) mod events;
pub(crate) mod frame_tokens;
pub(crate) mod hub_keys;
pub(crate) mod lane;
pub(crate) mod merchants;
pub(crate) mod opportunities;
pub(crate) mod orders;
pub(crate) mod origins;
pub(crate) mod people;
pub(crate) mod plan;
pub(crate) mod points;
pub(crate) mod previews;
pub(crate) mod read;
pub(crate) mod records;
pub(crate) mod refunds;
pub(crate) mod sandbox;
pub(crate) mod settlements;
pub(crate) mod stats;
pub(crate) mod stripe;
pub(crate) mod webhooks;

/// The store of one hub.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// Writes in the lane; reads on the hub's own read connections.
    Sqlite {
        lane: lane::Lane,
        readers: std::sync::Arc<read::Readers>,
    },
    Postgres(Postgres),
}

/// The PostgreSQL store: the pool, and the task that opens the
/// opportunities waiting at a moment in one statement.
#[derive(Debug, Clone)]
pub(crate) struct Postgres {
    pool: sqlx::AnyPool,
    opens: opportunities::Batches,
}

impl Store {
    /// The store on a SQLite file: `lane` writes, reads run beside it.
    pub(crate) fn sqlite(lane: lane::Lane, path: &std::path::Path) -> Self {
        Self::Sqlite {
            lane,
            readers: std::sync::Arc::new(read::Readers::new(path)),
        }
    }

    /// The store on a PostgreSQL pool; starts its batching task.
    pub(crate) fn postgres(pool: sqlx::AnyPool, options: sqlx::any::AnyConnectOptions) -> Self {
        Self::Postgres(Postgres {
            opens: opportunities::Batches::start(options),
            pool,
        })
    }
}

/// Why the store has no answer. None of it is for a customer's eyes.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Lane(#[from] lane::LaneError),
    #[error("stored row: {0}")]
    Row(#[from] crate::domain::UnknownStatus),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Lane(lane::LaneError::Sqlite(err))
    }
}

/// Whether an insert stored its row: false when its key was taken (and
/// nothing was stored), an error for any other failure.
pub(crate) fn new_row(
    inserted: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
) -> Result<bool, StoreError> {
    match inserted {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// True when a write failed on a unique constraint, on either engine.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation)
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
        }
        _ => false,
    }
}
