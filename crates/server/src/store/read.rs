//! Reads on the request path, written once for either engine. Through sqlx
//! every SQLite statement is a message to a worker thread and one back, and
//! an accept reads about ten rows: the thread wake-ups cost more than the
//! reads. So on SQLite a read runs where it is asked, on a read-only
//! connection the hub keeps for it (a point read on a local file takes
//! microseconds, and in WAL mode a reader never waits for the writer); on
//! PostgreSQL it runs on the pool. A read sees every unit the lane answered
//! before it began. See `docs/ARCHITECTURE.md`, "Reading the registry,
//! writing the hot rows".

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
    time::Duration,
};

use rusqlite::{Connection, OpenFlags};

use super::{
    Store, StoreError,
    plan::{Statement, bind_numbered},
};

/// The most idle read connections kept: one per thread that reads at once
/// is enough; more only hold file handles.
const KEPT: usize = 16;

/// The hub's read connections to its SQLite file, each used by one read at
/// a time on the thread that asked.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of `path` (opened when first needed).
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle connection, or a new one.
    fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        let found = read(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEPT {
            idle.push(conn);
        }
        found
    }
}

/// A connection that can only read (it still takes part in WAL's shared
/// memory, as every connection to the file does).
fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// One row a read found: its columns by name, on either engine.
pub(crate) enum Columns<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Any(&'r sqlx::any::AnyRow),
}

/// A value a column holds, as both engines decode it.
pub(crate) trait Cell: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>, name: &str) -> rusqlite::Result<Self>;
    fn from_any(row: &sqlx::any::AnyRow, name: &str) -> Result<Self, sqlx::Error>;
}

impl<T> Cell for T
where
    T: rusqlite::types::FromSql + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    fn from_sqlite(row: &rusqlite::Row<'_>, name: &str) -> rusqlite::Result<Self> {
        row.get(name)
    }

    fn from_any(row: &sqlx::any::AnyRow, name: &str) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, name)
    }
}

impl Columns<'_> {
    /// The column `name`.
    pub(crate) fn get<T: Cell>(&self, name: &str) -> Result<T, StoreError> {
        match self {
            Self::Sqlite(row) => Ok(T::from_sqlite(row, name)?),
            Self::Any(row) => Ok(T::from_any(row, name)?),
        }
    }
}

impl Store {
    /// The first row `query` finds, decoded, if it finds one.
    pub(crate) async fn one<T>(
        &self,
        query: Statement,
        decode: impl Fn(&Columns<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Self::Sqlite { readers, .. } => {
                Ok(readers.with(|conn| rows(conn, &query, &decode, 1))?.pop())
            }
            Self::Postgres(postgres) => query
                .query()
                .fetch_optional(&postgres.pool)
                .await?
                .map(|row| decode(&Columns::Any(&row)))
                .transpose(),
        }
    }

    /// Every row `query` finds, decoded, in the order it finds them.
    pub(crate) async fn all<T>(
        &self,
        query: Statement,
        decode: impl Fn(&Columns<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Sqlite { readers, .. } => {
                readers.with(|conn| rows(conn, &query, &decode, usize::MAX))
            }
            Self::Postgres(postgres) => query
                .query()
                .fetch_all(&postgres.pool)
                .await?
                .iter()
                .map(|row| decode(&Columns::Any(row)))
                .collect(),
        }
    }
}

/// The first `most` rows `query` finds on `conn`, decoded.
fn rows<T>(
    conn: &Connection,
    query: &Statement,
    decode: &impl Fn(&Columns<'_>) -> Result<T, StoreError>,
    most: usize,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(query.sql)?;
    bind_numbered(&mut statement, &query.values)?;
    let mut found = statement.raw_query();
    let mut decoded = Vec::new();
    while decoded.len() < most
        && let Some(row) = found.next()?
    {
        decoded.push(decode(&Columns::Sqlite(row))?);
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{lane::Lane, plan::Value};

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("read.db");
        let conn = Connection::open(&path).expect("a database");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("WAL");
        conn.execute_batch(
            "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT); \
             INSERT INTO t VALUES ('a', 1, NULL), ('b', 2, 'two');",
        )
        .expect("a table");
        let store = Store::sqlite(Lane::open(&path).expect("a lane"), &path);
        (store, dir)
    }

    fn row(columns: &Columns<'_>) -> Result<(String, i64, Option<String>), StoreError> {
        Ok((columns.get("k")?, columns.get("n")?, columns.get("note")?))
    }

    fn query(sql: &'static str, values: Vec<Value>) -> Statement {
        Statement { sql, values }
    }

    #[tokio::test]
    async fn a_read_binds_by_number_and_decodes_by_name() {
        let (store, _dir) = store();
        let found = store
            .one(
                query(
                    "SELECT note, n, k FROM t WHERE n > $2 AND k <> $1",
                    vec!["a".into(), 1.into()],
                ),
                row,
            )
            .await
            .expect("a read");
        assert_eq!(found, Some(("b".into(), 2, Some("two".into()))));
        let none = store
            .one(
                query("SELECT k, n, note FROM t WHERE k = $1", vec!["z".into()]),
                row,
            )
            .await
            .expect("a read");
        assert_eq!(none, None);
        let all = store
            .all(query("SELECT k, n, note FROM t ORDER BY k", vec![]), row)
            .await
            .expect("a read");
        assert_eq!(
            all,
            vec![("a".into(), 1, None), ("b".into(), 2, Some("two".into()))]
        );
    }

    #[tokio::test]
    async fn a_read_sees_what_the_lane_answered_and_cannot_write() {
        let (store, _dir) = store();
        let Store::Sqlite { lane, .. } = &store else {
            unreachable!("a SQLite store")
        };
        lane.run(|conn| {
            conn.execute("INSERT INTO t VALUES ('c', 3, NULL)", [])
                .map_err(StoreError::from)
        })
        .await
        .expect("a write");
        let found = store
            .one(
                query("SELECT k, n, note FROM t WHERE k = $1", vec!["c".into()]),
                row,
            )
            .await
            .expect("a read");
        assert_eq!(found, Some(("c".into(), 3, None)));
        let written = store
            .one(query("DELETE FROM t RETURNING k, n, note", vec![]), row)
            .await;
        assert!(written.is_err(), "a reader must not write: {written:?}");
    }

    #[tokio::test]
    async fn a_wrong_column_is_an_error_not_a_default() {
        let (store, _dir) = store();
        let wrong = store
            .one(query("SELECT k FROM t WHERE k = 'a'", vec![]), |c| {
                c.get::<i64>("k")
            })
            .await;
        assert!(wrong.is_err(), "text read as a number: {wrong:?}");
        let missing = store
            .one(query("SELECT k FROM t WHERE k = 'a'", vec![]), |c| {
                c.get::<String>("nothing")
            })
            .await;
        assert!(missing.is_err(), "no such column: {missing:?}");
    }
}
