//! The one place that knows which database the hub runs on. SQLite (a file,
//! the default) and PostgreSQL share the same migrations and the same queries
//! through sqlx's `Any` driver: the SQL sticks to what both understand
//! (TEXT, BIGINT, `$n` parameters, `ON CONFLICT`).

use std::str::FromStr;

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl,
    /// The database refused the connection or a query.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// The SQLite lane could not open the file.
    #[error("database: {0}")]
    Lane(String),
    /// A statement of the hub's start-up failed.
    #[error("database: {0}")]
    Store(String),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// The hub's connections: `pool` for reads, `writer` for every write. On
/// SQLite the writer is one connection, so writes queue in the hub instead
/// of meeting SQLite's lock and its busy-wait sleeps; on PostgreSQL both are
/// the same pool.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) writer: AnyPool,
    /// Seals the secrets stored here under the operator's master key.
    pub(crate) sealer: crate::seal::Sealer,
    /// What this hub read of the registry, until a change evicts it.
    pub(crate) cache: std::sync::Arc<crate::cache::Cache>,
    /// The hot writes: opportunities, accepts, payment outcomes (on
    /// SQLite, the lane).
    pub(crate) store: crate::store::Store,
}

/// The hub's migrations, built into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The backend `url` names, and the URL as the driver wants it (SQLite's
/// file created if missing).
pub(crate) fn backend_of(url: &str) -> Result<(Backend, String), DbError> {
    sqlx::any::install_default_drivers();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let url = if path.contains('?') {
            url.to_owned()
        } else {
            format!("{url}?mode=rwc")
        };
        Ok((Backend::Sqlite, url))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_owned()))
    } else {
        Err(DbError::UnsupportedUrl)
    }
}

/// `url` with its password, if any, hidden: for messages and summaries.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Applies the migrations to the database `url` names, and nothing else.
pub(crate) async fn migrate(url: &str) -> Result<(), DbError> {
    let (backend, url) = backend_of(url)?;
    let pool = Db::pool(backend, 1)
        .connect_with(AnyConnectOptions::from_str(&url)?)
        .await?;
    MIGRATOR.run(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Why the hub is not ready for requests.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotReady {
    /// The database did not answer.
    #[error("the database does not answer")]
    Unreachable(#[source] sqlx::Error),
    /// A migration this build knows is not applied.
    #[error("the database lacks migration {0}")]
    Behind(i64),
}

impl Db {
    /// Whether the database answers and has every migration this build
    /// knows applied (a newer replica may have applied more).
    pub(crate) async fn ready(&self) -> Result<(), NotReady> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .map_err(NotReady::Unreachable)?;
        match MIGRATOR
            .iter()
            .map(|m| m.version)
            .find(|version| !applied.contains(version))
        {
            Some(missing) => Err(NotReady::Behind(missing)),
            None => Ok(()),
        }
    }

    /// Opens (and for SQLite creates) the database and applies the migrations.
    pub(crate) async fn connect(url: &str, sealer: crate::seal::Sealer) -> Result<Self, DbError> {
        let (backend, url) = backend_of(url)?;
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = Self::pool(backend, if backend == Backend::Sqlite { 8 } else { 16 })
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let writer = match backend {
            Backend::Sqlite => Self::pool(backend, 1).connect_with(options.clone()).await?,
            Backend::Postgres => pool.clone(),
        };
        let store = match backend {
            Backend::Sqlite => {
                let path = crate::store::lane::path_of(&url).ok_or(DbError::UnsupportedUrl)?;
                let lane = crate::store::lane::Lane::open(&path)
                    .map_err(|e| DbError::Lane(e.to_string()))?;
                crate::store::Store::sqlite(lane, &path)
            }
            Backend::Postgres => crate::store::Store::postgres(pool.clone(), options),
        };
        Ok(Self {
            pool,
            writer,
            sealer,
            cache: std::sync::Arc::default(),
            store,
        })
    }

    fn pool(backend: Backend, size: u32) -> AnyPoolOptions {
        AnyPoolOptions::new()
            .max_connections(size)
            // No round trip to check a connection before each use (a SQLite
            // connection is a file in this process; a PostgreSQL one that
            // died fails the one query that finds out, and the pool drops
            // it); idle ones are closed before a server or proxy would.
            .test_before_acquire(false)
            .idle_timeout(std::time::Duration::from_secs(60))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; the busy
                        // timeout makes writers queue instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
    }
}
