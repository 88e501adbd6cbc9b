//! Grouped commits for SQLite. SQLite has one writer at a time, and each
//! commit writes every page its transaction touched to the log; so the hub
//! hands its hot writes (one per opportunity) to one task that runs all the
//! writes waiting at that moment in one transaction and answers each when it
//! commits. A write that fails (or a commit that does) sends the whole group
//! back and each of its writes runs again in a transaction of its own, so one
//! bad write costs its group a retry, never another write's answer.
//! PostgreSQL groups commits itself: there each write is its own transaction.

use std::{any::Any, sync::Arc};

use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

/// A future a write returns, borrowing the connection.
pub(crate) type BoxFuture<'c, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// What a write returns, or fails with, before it is handed back to its
/// caller's types.
type Output = Box<dyn Any + Send>;
/// One write: statements on the connection it is given, inside a
/// transaction it does not own. It may run twice (its group failed), so it
/// keeps everything it needs itself. An error rolls it back, whatever it
/// wrote before.
type Job = Arc<
    dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<Output, Output>> + Send + Sync,
>;
/// Turns a database error into the caller's error type.
type Fail = fn(sqlx::Error) -> Output;

struct Pending {
    job: Job,
    fail: Fail,
    answer: oneshot::Sender<Result<Output, Output>>,
}

/// The most writes one transaction takes.
const MAX_GROUP: usize = 256;

/// Where a hub's grouped writes go.
#[derive(Clone)]
pub(crate) struct Writes {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    /// SQLite: one task, one connection, groups.
    Grouped(mpsc::Sender<Pending>),
    /// PostgreSQL: a transaction per write on the pool.
    Each(AnyPool),
}

impl std::fmt::Debug for Writes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner {
            Inner::Grouped(_) => "Writes::Grouped",
            Inner::Each(_) => "Writes::Each",
        })
    }
}

impl Writes {
    /// Writes grouped on `writer` (the one SQLite connection), by a task
    /// that lives as long as any handle to it.
    pub(crate) fn grouped(writer: AnyPool) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(run(writer, rx));
        Self {
            inner: Inner::Grouped(tx),
        }
    }

    /// Each write in its own transaction on `pool`.
    pub(crate) fn each(pool: AnyPool) -> Self {
        Self {
            inner: Inner::Each(pool),
        }
    }

    /// Runs `job` in a transaction (shared with other writes of the moment
    /// on SQLite) and answers what it returned once that committed. A job
    /// that fails is rolled back and changes nothing.
    pub(crate) async fn write<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
    {
        self.submit(job, true).await
    }

    /// [`Writes::write`] for a job of one statement, which is atomic by
    /// itself: on PostgreSQL it runs without a transaction around it (one
    /// round trip instead of three); on SQLite it is grouped all the same.
    pub(crate) async fn statement<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
    {
        self.submit(job, false).await
    }

    async fn submit<T, E, F>(&self, job: F, several: bool) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
    {
        let job: Job = Arc::new(move |conn| {
            let fut = job(conn);
            Box::pin(async move {
                fut.await
                    .map(|t| Box::new(t) as Output)
                    .map_err(|e| Box::new(e) as Output)
            })
        });
        let fail: Fail = |err| Box::new(E::from(err));
        let answer = match &self.inner {
            Inner::Each(pool) => match pool.acquire().await {
                Err(err) => Err(fail(err)),
                Ok(mut conn) if several => alone(&mut conn, &job, fail).await,
                Ok(mut conn) => job(&mut conn).await,
            },
            Inner::Grouped(queue) => {
                let (answer, answered) = oneshot::channel();
                match queue.send(Pending { job, fail, answer }).await {
                    Ok(()) => answered
                        .await
                        .unwrap_or_else(|_| Err(fail(sqlx::Error::PoolClosed))),
                    Err(_) => Err(fail(sqlx::Error::PoolClosed)),
                }
            }
        };
        let unexpected = || {
            E::from(sqlx::Error::Protocol(
                "a write answered another type".into(),
            ))
        };
        match answer {
            Ok(output) => output.downcast::<T>().map(|t| *t).map_err(|_| unexpected()),
            Err(error) => Err(error.downcast::<E>().map_or_else(|_| unexpected(), |e| *e)),
        }
    }
}

/// One write in a transaction of its own.
async fn alone(conn: &mut AnyConnection, job: &Job, fail: Fail) -> Result<Output, Output> {
    let mut tx = conn.begin().await.map_err(fail)?;
    let output = job(&mut tx).await?;
    tx.commit().await.map_err(fail)?;
    Ok(output)
}

/// The writer task: takes what waits, up to `MAX_GROUP`, and commits it as
/// one; ends when every handle is gone. Each group runs in a task of its
/// own, so a panic in one costs that group's writes an error (their callers
/// see the writer gone), never the writer itself.
async fn run(writer: AnyPool, mut queue: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let batch = std::mem::replace(&mut group, Vec::with_capacity(MAX_GROUP));
        if let Err(err) = tokio::spawn(commit_group(writer.clone(), batch)).await {
            tracing::error!(error = %err, "a group of writes panicked; its writes failed");
        }
    }
}

/// One group: alone when it is one write, else together, and each alone
/// again when together failed.
async fn commit_group(writer: AnyPool, mut group: Vec<Pending>) {
    let mut conn = match writer.acquire().await {
        Ok(conn) => conn,
        Err(err) => {
            let text = err.to_string();
            for pending in group.drain(..) {
                let failed = (pending.fail)(sqlx::Error::Protocol(text.clone()));
                let _ = pending.answer.send(Err(failed));
            }
            return;
        }
    };
    if group.len() == 1 {
        let pending = group.remove(0);
        let answer = alone(&mut conn, &pending.job, pending.fail).await;
        let _ = pending.answer.send(answer);
        return;
    }
    match together(&mut conn, &group).await {
        Ok(outputs) => {
            for (pending, output) in group.drain(..).zip(outputs) {
                let _ = pending.answer.send(Ok(output));
            }
        }
        Err(()) => {
            tracing::debug!(
                writes = group.len(),
                "a grouped write failed; each again alone"
            );
            for pending in group.drain(..) {
                let answer = alone(&mut conn, &pending.job, pending.fail).await;
                let _ = pending.answer.send(answer);
            }
        }
    }
}

/// The whole group in one transaction; any error rolls all of it back.
async fn together(conn: &mut AnyConnection, group: &[Pending]) -> Result<Vec<Output>, ()> {
    let mut tx = conn.begin().await.map_err(|_| ())?;
    let mut outputs = Vec::with_capacity(group.len());
    for pending in group {
        outputs.push((pending.job)(&mut tx).await.map_err(|_| ())?);
    }
    tx.commit().await.map_err(|_| ())?;
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use sqlx::{Row, any::AnyPoolOptions};

    use super::*;

    /// The callers' error in these tests.
    #[derive(Debug, PartialEq, Eq)]
    struct Refused(String);

    impl From<sqlx::Error> for Refused {
        fn from(err: sqlx::Error) -> Self {
            Self(err.to_string())
        }
    }

    async fn pool() -> AnyPool {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("sqlite in memory");
        sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY)")
            .execute(&pool)
            .await
            .expect("table");
        pool
    }

    /// Writes `id`, then fails when `fail` is set: its row must not stay.
    fn job(
        id: i64,
        fail: bool,
    ) -> impl for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<i64, Refused>> + Send + Sync
    {
        move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (id) VALUES ($1)")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                if fail {
                    return Err(Refused(format!("write {id} refused")));
                }
                Ok(id)
            })
        }
    }

    #[tokio::test]
    async fn one_failed_write_costs_its_group_a_retry_and_nothing_else() {
        let pool = pool().await;
        let writes = Writes::grouped(pool.clone());
        let calls = (0..50_i64).map(|id| {
            let writes = writes.clone();
            tokio::spawn(async move { writes.write(job(id, id == 17)).await })
        });
        let answers = futures_util::future::join_all(calls).await;
        for (id, answer) in (0_i64..).zip(answers) {
            let answer = answer.expect("task");
            if id == 17 {
                assert_eq!(answer, Err(Refused("write 17 refused".to_owned())));
            } else {
                assert_eq!(answer, Ok(id));
            }
        }
        let ids: Vec<i64> = sqlx::query("SELECT id FROM t ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("read")
            .iter()
            .map(|r| r.try_get("id").expect("id"))
            .collect();
        let expected: Vec<i64> = (0..50).filter(|id| *id != 17).collect();
        assert_eq!(ids, expected, "the refused write left nothing");
    }

    #[tokio::test]
    async fn a_write_that_panics_fails_alone_and_the_writer_goes_on() {
        let pool = pool().await;
        let writes = Writes::grouped(pool);
        let panicked = writes
            .write(|_conn| -> BoxFuture<'_, Result<i64, Refused>> {
                Box::pin(async { panic!("a job that panics") })
            })
            .await;
        assert!(panicked.is_err(), "answered with an error");
        assert_eq!(
            writes.write(job(3, false)).await,
            Ok(3),
            "the writer still writes"
        );
    }

    #[tokio::test]
    async fn a_database_error_reaches_the_caller_as_its_own_error() {
        let pool = pool().await;
        let writes = Writes::grouped(pool.clone());
        writes.write(job(1, false)).await.expect("first");
        // The same key again: the database refuses it.
        let again = writes.write(job(1, false)).await;
        assert!(
            again.is_err_and(|Refused(e)| e.contains("UNIQUE")),
            "refused by the database"
        );
        let each = Writes::each(pool);
        assert_eq!(each.statement(job(2, false)).await, Ok(2));
    }
}
