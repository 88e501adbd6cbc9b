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

/// What a write returns, before it is handed back to its caller's type.
type Output = Box<dyn Any + Send>;
/// One write: statements on the connection it is given, inside a
/// transaction it does not own. It may run twice (its group failed), so it
/// keeps everything it needs itself.
type Job = Arc<
    dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<Output, sqlx::Error>>
        + Send
        + Sync,
>;

struct Pending {
    job: Job,
    answer: oneshot::Sender<Result<Output, sqlx::Error>>,
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
    /// on SQLite) and answers what it returned once that committed.
    #[allow(dead_code)] // the accept's writes move here next
    pub(crate) async fn write<T, F>(&self, job: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>
            + Send
            + Sync
            + 'static,
    {
        self.submit(job, true).await
    }

    /// [`Writes::write`] for a job of one statement, which is atomic by
    /// itself: on PostgreSQL it runs without a transaction around it (one
    /// round trip instead of three); on SQLite it is grouped all the same.
    pub(crate) async fn statement<T, F>(&self, job: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>
            + Send
            + Sync
            + 'static,
    {
        self.submit(job, false).await
    }

    async fn submit<T, F>(&self, job: F, several: bool) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>
            + Send
            + Sync
            + 'static,
    {
        let job: Job = Arc::new(move |conn| {
            let fut = job(conn);
            Box::pin(async move { fut.await.map(|t| Box::new(t) as Output) })
        });
        let output = match &self.inner {
            Inner::Each(pool) => {
                let mut conn = pool.acquire().await?;
                if several {
                    alone(&mut conn, &job).await?
                } else {
                    job(&mut conn).await?
                }
            }
            Inner::Grouped(queue) => {
                let (answer, answered) = oneshot::channel();
                queue
                    .send(Pending { job, answer })
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                answered.await.map_err(|_| sqlx::Error::PoolClosed)??
            }
        };
        output
            .downcast::<T>()
            .map(|t| *t)
            .map_err(|_| sqlx::Error::Protocol("a grouped write answered another type".into()))
    }
}

/// One write in a transaction of its own.
async fn alone(conn: &mut AnyConnection, job: &Job) -> Result<Output, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let output = job(&mut tx).await?;
    tx.commit().await?;
    Ok(output)
}

/// The writer task: takes what waits, up to `MAX_GROUP`, and commits it as
/// one; ends when every handle is gone.
async fn run(writer: AnyPool, mut queue: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let mut conn = match writer.acquire().await {
            Ok(conn) => conn,
            Err(err) => {
                let text = err.to_string();
                for pending in group.drain(..) {
                    let _ = pending
                        .answer
                        .send(Err(sqlx::Error::Protocol(text.clone())));
                }
                continue;
            }
        };
        if group.len() == 1 {
            let pending = group.remove(0);
            let _ = pending.answer.send(alone(&mut conn, &pending.job).await);
            continue;
        }
        match together(&mut conn, &group).await {
            Ok(outputs) => {
                for (pending, output) in group.drain(..).zip(outputs) {
                    let _ = pending.answer.send(Ok(output));
                }
            }
            Err(err) => {
                tracing::debug!(error = %err, writes = group.len(), "grouped write failed; each again alone");
                for pending in group.drain(..) {
                    let _ = pending.answer.send(alone(&mut conn, &pending.job).await);
                }
            }
        }
    }
}

/// The whole group in one transaction; any error rolls all of it back.
async fn together(conn: &mut AnyConnection, group: &[Pending]) -> Result<Vec<Output>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let mut outputs = Vec::with_capacity(group.len());
    for pending in group {
        outputs.push((pending.job)(&mut tx).await?);
    }
    tx.commit().await?;
    Ok(outputs)
}
