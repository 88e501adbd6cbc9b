//! A write plan: the statements of one hot write with their values, and
//! what a statement that changes no row means, written once and run by
//! either engine: on SQLite in the lane (no thread hand-off per statement,
//! grouped commits), on PostgreSQL in a transaction on the pool. The
//! accept's pending order, the payment's outcome and the sandbox's charge
//! are plans; what a plan refuses is the caller's own type.

use rusqlite::{ToSql, types::ToSqlOutput};
use sqlx::Executor;

use super::{Store, StoreError};

/// One value bound to a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(Some(text.to_owned()))
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(Some(text))
    }
}

impl From<&String> for Value {
    fn from(text: &String) -> Self {
        Self::Text(Some(text.clone()))
    }
}

impl From<Option<String>> for Value {
    fn from(text: Option<String>) -> Self {
        Self::Text(text)
    }
}

impl From<&Option<String>> for Value {
    fn from(text: &Option<String>) -> Self {
        Self::Text(text.clone())
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Self::Int(Some(number))
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Self::Text(text) => text.to_sql(),
            Self::Int(number) => number.to_sql(),
        }
    }
}

/// What a statement that changes no row (or meets a taken unique key) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unchanged<R> {
    /// Nothing: the plan goes on.
    Fine,
    /// The plan ends here; what it wrote before stays.
    Stop,
    /// The plan is refused and nothing of it stays.
    Refuse(R),
}

/// One statement and its values, for a plan or to run alone.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sql: &'static str,
    pub(crate) values: Vec<Value>,
}

impl Statement {
    /// The statement as a sqlx query, for a caller's own transaction.
    pub(crate) fn query(
        self,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
        bound(self.sql, self.values)
    }

    /// Runs the statement alone, on a pool or in the caller's transaction.
    pub(crate) async fn run<'c>(
        self,
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    ) -> Result<(), StoreError> {
        db.execute(self.query()).await?;
        Ok(())
    }
}

fn bound(
    sql: &'static str,
    values: Vec<Value>,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    values
        .into_iter()
        .fold(sqlx::query(sql), |query, value| match value {
            Value::Text(text) => query.bind(text),
            Value::Int(number) => query.bind(number),
        })
}

#[derive(Debug, Clone)]
struct Step<R> {
    sql: &'static str,
    values: Vec<Value>,
    unchanged: Unchanged<R>,
}

/// The statements of one write, run in order in one transaction.
#[derive(Debug, Clone)]
pub(crate) struct Plan<R> {
    steps: Vec<Step<R>>,
}

/// How a plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done<R> {
    /// Every statement ran.
    All,
    /// A statement marked [`Plan::or_stop`] changed nothing.
    Stopped,
    /// A statement marked [`Plan::or_refuse`] changed nothing, or met a
    /// taken unique key: nothing of the plan is stored.
    Refused(R),
}

impl<R: Copy + Send + 'static> Plan<R> {
    pub(crate) fn new() -> Self {
        Self { steps: Vec::new() }
    }

    /// A statement whose changing nothing is fine.
    pub(crate) fn then(self, statement: Statement) -> Self {
        self.step(statement, Unchanged::Fine)
    }

    /// A statement that ends the plan (keeping what it wrote) when it
    /// changes nothing.
    pub(crate) fn or_stop(self, statement: Statement) -> Self {
        self.step(statement, Unchanged::Stop)
    }

    /// A statement that refuses the whole plan with `refusal` when it
    /// changes nothing or meets a taken unique key.
    pub(crate) fn or_refuse(self, statement: Statement, refusal: R) -> Self {
        self.step(statement, Unchanged::Refuse(refusal))
    }

    fn step(mut self, statement: Statement, unchanged: Unchanged<R>) -> Self {
        self.steps.push(Step {
            sql: statement.sql,
            values: statement.values,
            unchanged,
        });
        self
    }

    /// Runs the plan in one transaction, committed before this answers.
    pub(crate) async fn run(self, store: &Store) -> Result<Done<R>, StoreError> {
        match store {
            Store::Sqlite { lane, .. } => match lane.run(move |conn| self.in_lane(conn)).await {
                Ok(done) => Ok(done),
                Err(Failed::Refused(refusal)) => Ok(Done::Refused(refusal)),
                Err(Failed::Store(err)) => Err(err),
            },
            Store::Postgres(postgres) => self.on_pool(&postgres.pool).await,
        }
    }

    /// In the lane, a refusal is an error, so that the lane rolls the plan
    /// back.
    fn in_lane(self, conn: &rusqlite::Connection) -> Result<Done<R>, Failed<R>> {
        for step in self.steps {
            let changed = conn
                .prepare_cached(step.sql)
                .and_then(|mut statement| execute_numbered(&mut statement, &step.values));
            let taken = refuses(step.unchanged) && changed.as_ref().is_err_and(taken_in_sqlite);
            let changed = if taken { Ok(0) } else { changed };
            match verdict(
                changed.map_err(|e| Failed::Store(e.into()))? as u64,
                step.unchanged,
            ) {
                None => {}
                Some(Done::Refused(refusal)) => return Err(Failed::Refused(refusal)),
                Some(done) => return Ok(done),
            }
        }
        Ok(Done::All)
    }

    async fn on_pool(self, pool: &sqlx::AnyPool) -> Result<Done<R>, StoreError> {
        if let [step] = &self.steps[..] {
            // One statement is atomic by itself: no transaction around it
            // (one round trip instead of three).
            let step = step.clone();
            let changed = rows(
                pool.execute(bound(step.sql, step.values)).await,
                step.unchanged,
            )?;
            return Ok(verdict(changed, step.unchanged).unwrap_or(Done::All));
        }
        let mut tx = pool.begin().await?;
        for step in self.steps {
            let changed = rows(
                (&mut *tx).execute(bound(step.sql, step.values)).await,
                step.unchanged,
            )?;
            match verdict(changed, step.unchanged) {
                None => {}
                Some(Done::Refused(refusal)) => {
                    tx.rollback().await?;
                    return Ok(Done::Refused(refusal));
                }
                Some(done) => {
                    tx.commit().await?;
                    return Ok(done);
                }
            }
        }
        tx.commit().await?;
        Ok(Done::All)
    }
}

/// The rows a statement changed; a taken unique key changed none when the
/// statement refuses its plan for it, and is an error otherwise.
fn rows<R>(
    result: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
    unchanged: Unchanged<R>,
) -> Result<u64, StoreError> {
    match result {
        Err(err) if refuses(unchanged) && super::is_unique_violation(&err) => Ok(0),
        other => Ok(other?.rows_affected()),
    }
}

fn refuses<R>(unchanged: Unchanged<R>) -> bool {
    matches!(unchanged, Unchanged::Refuse(_))
}

/// What a statement that changed `changed` rows means for its plan: `None`
/// to go on.
fn verdict<R>(changed: u64, unchanged: Unchanged<R>) -> Option<Done<R>> {
    match (changed, unchanged) {
        (0, Unchanged::Stop) => Some(Done::Stopped),
        (0, Unchanged::Refuse(refusal)) => Some(Done::Refused(refusal)),
        _ => None,
    }
}

/// Why a plan in the lane did not finish.
enum Failed<R> {
    Refused(R),
    Store(StoreError),
}

impl<R> From<super::lane::LaneError> for Failed<R> {
    fn from(err: super::lane::LaneError) -> Self {
        Self::Store(err.into())
    }
}

/// Runs `statement` with its parameters bound (see [`bind_numbered`]).
fn execute_numbered(
    statement: &mut rusqlite::CachedStatement<'_>,
    values: &[Value],
) -> rusqlite::Result<usize> {
    bind_numbered(statement, values)?;
    statement.raw_execute()
}

/// Binds `$n` of `statement` to `values[n - 1]`. SQLite numbers a
/// statement's `$name` parameters in the order they first appear, so
/// `SET status = $2 WHERE id = $1` is bound by name, not by place.
pub(crate) fn bind_numbered(
    statement: &mut rusqlite::Statement<'_>,
    values: &[Value],
) -> rusqlite::Result<()> {
    for index in 1..=statement.parameter_count() {
        let value = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| values.get(n))
            .ok_or(rusqlite::Error::InvalidParameterCount(index, values.len()))?;
        statement.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

/// A SQLite unique or primary key constraint.
fn taken_in_sqlite(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Why {
        Taken,
        Closed,
    }

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("plan.db");
        rusqlite::Connection::open(&path)
            .expect("a database")
            .execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, status TEXT NOT NULL, note TEXT)")
            .expect("a table");
        let lane = super::super::lane::Lane::open(&path).expect("a lane");
        (Store::sqlite(lane, &path), dir)
    }

    fn rows(dir: &tempfile::TempDir) -> Vec<(String, String, Option<String>)> {
        let conn = rusqlite::Connection::open(dir.path().join("plan.db")).expect("a reader");
        let mut statement = conn
            .prepare("SELECT k, status, note FROM t ORDER BY k")
            .expect("a query");
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn statement(sql: &'static str, values: Vec<Value>) -> Statement {
        Statement { sql, values }
    }

    fn insert(key: &str) -> Plan<Why> {
        Plan::new().or_refuse(
            statement(
                "INSERT INTO t (k, status) VALUES ($1, 'open')",
                vec![key.into()],
            ),
            Why::Taken,
        )
    }

    #[tokio::test]
    async fn parameters_are_bound_by_their_number_not_their_place() {
        let (store, dir) = store();
        assert_eq!(insert("a").run(&store).await.ok(), Some(Done::All));
        let plan = Plan::<Why>::new().or_refuse(
            statement(
                "UPDATE t SET status = $2, note = $3 WHERE k = $1 AND status = 'open'",
                vec!["a".into(), "closed".into(), Value::Text(None)],
            ),
            Why::Closed,
        );
        assert_eq!(plan.run(&store).await.ok(), Some(Done::All));
        assert_eq!(rows(&dir), vec![("a".into(), "closed".into(), None)]);
    }

    #[tokio::test]
    async fn a_refusal_rolls_back_the_whole_plan_and_says_which() {
        let (store, dir) = store();
        assert_eq!(insert("a").run(&store).await.ok(), Some(Done::All));
        // Its first insert lands, then the key is taken: neither stays.
        let plan = insert("b").or_refuse(
            statement(
                "INSERT INTO t (k, status) VALUES ($1, 'open')",
                vec!["a".into()],
            ),
            Why::Taken,
        );
        assert_eq!(plan.run(&store).await.ok(), Some(Done::Refused(Why::Taken)));
        // An update that finds nothing refuses as well.
        let plan = insert("c").or_refuse(
            statement(
                "UPDATE t SET status = 'closed' WHERE k = $1 AND status = 'open'",
                vec!["nobody".into()],
            ),
            Why::Closed,
        );
        assert_eq!(
            plan.run(&store).await.ok(),
            Some(Done::Refused(Why::Closed))
        );
        assert_eq!(rows(&dir), vec![("a".into(), "open".into(), None)]);
    }

    #[tokio::test]
    async fn a_stop_keeps_what_came_before_and_skips_the_rest() {
        let (store, dir) = store();
        let plan = insert("a")
            .or_stop(statement(
                "UPDATE t SET note = 'x' WHERE k = $1",
                vec!["nobody".into()],
            ))
            .then(statement(
                "INSERT INTO t (k, status) VALUES ($1, 'open')",
                vec!["b".into()],
            ));
        assert_eq!(plan.run(&store).await.ok(), Some(Done::Stopped));
        assert_eq!(rows(&dir), vec![("a".into(), "open".into(), None)]);
    }
}
