//! The SQLite lane: one thread that owns a connection of its own and runs
//! the hub's hottest statements there, grouped. Through sqlx every SQLite
//! statement is a message to a worker thread and one back (two thread
//! wake-ups each, which cost more than the statement); here a request hands
//! one unit of work over, the lane runs every unit waiting at that moment in
//! one transaction, each in a savepoint of its own, and answers them all
//! when the commit is on disk. A unit that fails or panics is rolled back to
//! its savepoint and answers its own error; the others in its group commit.
//! See `docs/ARCHITECTURE.md`, "Reading the registry, writing the hot rows".

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::Duration,
};

use rusqlite::Connection;
use tokio::sync::oneshot;

/// The most units one transaction takes.
const MAX_GROUP: usize = 256;

/// A group of at least this many units means requests are arriving
/// together: the next group waits [`LINGER`] for more before it begins.
const BUSY: usize = 4;

/// How long a group waits for company once the lane is busy. A commit costs
/// about as much as a few units (its log header, the pages every unit
/// appends to, the file locks); under load, waiting this long shares it
/// among several times more units, for a quarter of a millisecond more per
/// request. Alone, a unit never waits.
const LINGER: Duration = Duration::from_micros(250);

/// A group this large already shares its commit well: it does not wait.
const FULL_ENOUGH: usize = 32;

/// Why a unit of work has no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LaneError {
    /// A statement of the unit failed; the unit was rolled back.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The unit ran, but its group's commit failed: nothing of it is stored.
    #[error("database commit: {0}")]
    Commit(String),
    /// The lane's thread could not be started.
    #[error("cannot start the database lane: {0}")]
    Start(std::io::Error),
    /// The unit panicked, or the lane stopped before answering.
    #[error("the database lane did not answer")]
    Gone,
}

/// What a unit leaves behind: called once its group's commit is decided.
type Settle = Box<dyn FnOnce(Result<(), String>) + Send>;
/// One unit of work, as the lane thread runs it.
type Unit = Box<dyn FnOnce(&Connection) -> Settle + Send>;

/// A handle on the lane; the thread stops when the last handle drops.
#[derive(Clone)]
pub(crate) struct Lane {
    units: mpsc::Sender<Unit>,
}

impl std::fmt::Debug for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lane")
    }
}

impl Lane {
    /// Opens `path` (the SQLite file the pools use, migrated already) on a
    /// new thread.
    pub(crate) fn open(path: &Path) -> Result<Self, LaneError> {
        Self::open_with(path, LogUpkeep::default())
    }

    fn open_with(path: &Path, upkeep: LogUpkeep) -> Result<Self, LaneError> {
        let conn = connect(path)?;
        // The lane never copies the whole log back into the database itself:
        // a checkpoint on its thread would hold every unit waiting behind it.
        // A thread beside it does, for as long as the lane runs; the lane
        // copies only the last frames, when that thread asks it to.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpoints = connect(path)?;
        let restart = Arc::new(AtomicBool::new(false));
        let asks = Arc::clone(&restart);
        let (alive, lane_gone) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("postsale-sqlite-checkpoint".into())
            .spawn(move || checkpoint(&checkpoints, upkeep, &asks, &lane_gone))
            .map_err(LaneError::Start)?;
        let (units, queue) = mpsc::channel::<Unit>();
        std::thread::Builder::new()
            .name("postsale-sqlite-lane".into())
            .spawn(move || {
                let _alive = alive;
                run(conn, &queue, &restart);
            })
            .map_err(LaneError::Start)?;
        Ok(Self { units })
    }

    /// Runs `work` in the next group's transaction and answers what it
    /// returned once that transaction committed; an error `work` returns
    /// rolls back what it wrote. `work` must not block on anything but the
    /// database: the whole group waits for it.
    pub(crate) async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<LaneError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.send(work, Undo::Savepoint).await
    }

    /// Runs `work` as [`Lane::run`] does, for a unit that changes the
    /// database with one statement at most: SQLite undoes a statement that
    /// fails by itself, so such a unit needs no savepoint of its own (two
    /// statements fewer for each). A unit that writes twice must use `run`;
    /// one that panics after its write keeps it (and answers `Gone`).
    pub(crate) async fn run_one_write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<LaneError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.send(work, Undo::Statement).await
    }

    async fn send<T, E, F>(&self, work: F, undo: Undo) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<LaneError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let unit: Unit = Box::new(move |conn| {
            let outcome = match undo {
                Undo::Savepoint => in_savepoint(conn, work),
                Undo::Statement => caught(conn, work),
            };
            Box::new(move |committed| {
                let _ = answer.send(match (committed, outcome) {
                    (_, Err(err)) => Err(err),
                    (Err(commit), Ok(_)) => Err(E::from(LaneError::Commit(commit))),
                    (Ok(()), Ok(value)) => Ok(value),
                });
            })
        });
        self.units
            .send(unit)
            .map_err(|_| E::from(LaneError::Gone))?;
        answered.await.unwrap_or(Err(E::from(LaneError::Gone)))
    }
}

/// The lane's connection, set as the pools' are.
fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// When the write-ahead log is copied back and started over.
#[derive(Debug, Clone, Copy)]
struct LogUpkeep {
    /// How often the log is copied back into the database file.
    every: Duration,
    /// From how many frames on the log is started over.
    restart_at: i64,
}

impl Default for LogUpkeep {
    fn default() -> Self {
        // 4,096 frames of 4 KiB pages: a log of about 16 MiB, started over
        // every few seconds under full load.
        Self {
            every: Duration::from_millis(200),
            restart_at: 4096,
        }
    }
}

/// Copies the write-ahead log back into the database file every
/// `upkeep.every` until the lane stops. Passive: it copies what no reader
/// still needs and never waits for a reader or holds up a writer.
///
/// SQLite starts a log over only when a writer begins while every frame of
/// it is in the database file, which a lane that commits every millisecond
/// never does by itself: the log would grow without end, and every write
/// would take new blocks. So once the log is long, this thread asks the
/// lane to copy the few frames written since its pass (see [`run`]).
fn checkpoint(
    conn: &Connection,
    upkeep: LogUpkeep,
    restart: &AtomicBool,
    lane_gone: &mpsc::Receiver<()>,
) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = lane_gone.recv_timeout(upkeep.every) {
        match copy_back(conn) {
            Ok(log) if log.frames >= upkeep.restart_at => {
                // Each pass copies what the lane wrote during the one
                // before, so a few more passes leave the lane only a short
                // tail to copy while units wait.
                let mut copied = log.copied;
                for _ in 0..MAX_CATCH_UP {
                    match copy_back(conn) {
                        Ok(next) if next.copied - copied > TAIL_FRAMES => copied = next.copied,
                        _ => break,
                    }
                }
                restart.store(true, Ordering::Release);
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "the write-ahead log was not checkpointed"),
        }
    }
}

/// The most extra passes before the lane is asked to copy the rest.
const MAX_CATCH_UP: usize = 4;
/// A pass that copied no more than this many frames has caught up.
const TAIL_FRAMES: i64 = 256;

/// What a checkpoint found in the log.
#[derive(Debug, Clone, Copy)]
struct Log {
    /// The frames the log holds.
    frames: i64,
    /// Of those, how many are in the database file now.
    copied: i64,
}

/// A passive checkpoint.
fn copy_back(conn: &Connection) -> Result<Log, rusqlite::Error> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(Log {
            frames: row.get(1)?,
            copied: row.get(2)?,
        })
    })
}

/// How a unit's writes are undone when it fails.
#[derive(Debug, Clone, Copy)]
enum Undo {
    /// Rolled back to a savepoint taken before the unit.
    Savepoint,
    /// The unit writes with one statement, which SQLite undoes itself.
    Statement,
}

/// `work`, a panic answered as `Gone`.
fn caught<T, E: From<LaneError>>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| Err(E::from(LaneError::Gone)))
}

/// `work` between a savepoint and its release, rolled back if it fails or
/// panics.
fn in_savepoint<T, E: From<LaneError>>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    let sql = |statement: &str| kept(conn, statement).map_err(|e| E::from(LaneError::Sqlite(e)));
    sql("SAVEPOINT unit")?;
    let outcome = caught(conn, work);
    if outcome.is_err() {
        sql("ROLLBACK TO unit")?;
    }
    sql("RELEASE unit")?;
    outcome
}

/// Runs a statement without values that the lane runs over and over
/// (`BEGIN`, `SAVEPOINT`, ...): prepared once and kept, not parsed again.
fn kept(conn: &Connection, statement: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(statement)?.execute([]).map(|_| ())
}

/// The lane thread: waits for a unit, takes every unit waiting with it
/// (once the lane is busy, after [`LINGER`] for more to come), runs them in
/// one transaction, then answers each. When the checkpointer
/// asks, it then copies the log's last frames back itself, between two
/// groups, so that its next write starts the log over (a short pause: most
/// of the log was copied by the checkpointer already).
fn run(conn: Connection, queue: &mpsc::Receiver<Unit>, restart: &AtomicBool) {
    let mut busy = false;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        take_waiting(queue, &mut group);
        if busy && group.len() < FULL_ENOUGH {
            // A sleep, not a wait on the queue: each unit sent to a waiting
            // lane would wake it.
            std::thread::sleep(LINGER);
            take_waiting(queue, &mut group);
        }
        busy = group.len() >= BUSY;
        if let Err(err) = kept(&conn, "BEGIN IMMEDIATE") {
            // Nothing of the group ran; each unit answers `Gone`.
            tracing::error!(error = %err, "the SQLite lane cannot begin a transaction");
            drop(group);
            continue;
        }
        let settles: Vec<Settle> = group.into_iter().map(|unit| unit(&conn)).collect();
        let committed = kept(&conn, "COMMIT").map_err(|err| {
            tracing::error!(error = %err, "the SQLite lane's commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            err.to_string()
        });
        for settle in settles {
            settle(committed.clone());
        }
        if restart.swap(false, Ordering::Acquire) {
            // Busy (the checkpointer is copying) only means: next time.
            if let Err(err) = copy_back(&conn) {
                tracing::debug!(error = %err, "the lane did not copy the log's tail back");
            }
        }
    }
}

/// Moves the units waiting in `queue` into `group`, up to [`MAX_GROUP`].
fn take_waiting(queue: &mpsc::Receiver<Unit>, group: &mut Vec<Unit>) {
    while group.len() < MAX_GROUP {
        match queue.try_recv() {
            Ok(unit) => group.push(unit),
            Err(_) => break,
        }
    }
}

/// The file a `sqlite://PATH[?options]` URL names.
pub(crate) fn path_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane() -> (Lane, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("lane.db");
        let setup = Connection::open(&path).expect("a database");
        setup
            .execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
            .expect("a table");
        (Lane::open(&path).expect("a lane"), dir)
    }

    fn count(lane_dir: &tempfile::TempDir) -> i64 {
        Connection::open(lane_dir.path().join("lane.db"))
            .expect("a reader")
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("a count")
    }

    fn insert(key: &'static str) -> impl FnOnce(&Connection) -> Result<usize, LaneError> {
        move |conn| {
            Ok(conn
                .prepare_cached("INSERT INTO t (k, v) VALUES (?1, 1)")?
                .execute([key])?)
        }
    }

    #[tokio::test]
    async fn units_waiting_together_commit_and_each_gets_its_answer() {
        let (lane, dir) = lane();
        let keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let answers =
            futures_util::future::join_all(keys.iter().map(|k| lane.run(insert(k)))).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(1))), "{answers:?}");
        assert_eq!(count(&dir), 8);
    }

    #[tokio::test]
    async fn a_failing_unit_is_rolled_back_alone() {
        let (lane, dir) = lane();
        let failing = lane.run(|conn| -> Result<usize, LaneError> {
            // Its first statement lands, its second fails: neither stays.
            conn.execute("INSERT INTO t (k, v) VALUES ('mine', 1)", [])?;
            Ok(conn.execute("INSERT INTO t (k, v) VALUES ('mine', 2)", [])?)
        });
        let (ok, failed, other) =
            tokio::join!(lane.run(insert("x")), failing, lane.run(insert("y")));
        assert!(matches!(ok, Ok(1)) && matches!(other, Ok(1)));
        assert!(matches!(failed, Err(LaneError::Sqlite(_))), "{failed:?}");
        assert_eq!(count(&dir), 2);
    }

    #[tokio::test]
    async fn a_panicking_unit_answers_gone_and_the_lane_goes_on() {
        let (lane, dir) = lane();
        let panicking = lane.run(|conn| -> Result<(), LaneError> {
            conn.execute("INSERT INTO t (k, v) VALUES ('half', 1)", [])?;
            panic!("a unit that panics halfway")
        });
        let (panicked, ok) = tokio::join!(panicking, lane.run(insert("after")));
        assert!(matches!(panicked, Err(LaneError::Gone)), "{panicked:?}");
        assert!(matches!(ok, Ok(1)));
        assert!(matches!(lane.run(insert("later")).await, Ok(1)));
        assert_eq!(count(&dir), 2);
    }

    #[tokio::test]
    async fn the_log_is_copied_back_beside_the_lane_not_by_it() {
        let (lane, dir) = lane();
        let file = dir.path().join("lane.db");
        let before = std::fs::metadata(&file).expect("the file").len();
        for i in 0..200 {
            let key = format!("k{i:04}");
            lane.run(move |conn| -> Result<usize, LaneError> {
                Ok(conn.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(4000))", [&key])?)
            })
            .await
            .expect("stored");
        }
        // About 800 KiB went to the log; the checkpointer moves it into the
        // file within a few of its rounds.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let now = std::fs::metadata(&file).expect("the file").len();
            if now > before + 100_000 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the database file did not grow: {before} -> {now}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(count(&dir), 200);
    }

    #[tokio::test]
    async fn a_log_under_constant_writes_starts_over_instead_of_growing() {
        let (_, dir) = lane();
        let path = dir.path().join("lane.db");
        let upkeep = LogUpkeep {
            every: Duration::from_millis(10),
            restart_at: 64,
        };
        let lane = Lane::open_with(&path, upkeep).expect("a lane");
        // Units keep coming, eight at a time, for 1.2 s: 4 KiB each, well
        // over 20 MiB in all. A log that never starts over holds all of it.
        let started = std::time::Instant::now();
        let mut written = 0usize;
        while started.elapsed() < Duration::from_millis(1200) {
            let batch = (0..8).map(|i| {
                let key = format!("k{written}-{i}");
                lane.run(move |conn| -> Result<usize, LaneError> {
                    Ok(conn.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(4000))", [&key])?)
                })
            });
            for stored in futures_util::future::join_all(batch).await {
                stored.expect("stored");
            }
            written += 8;
        }
        let log = std::fs::metadata(dir.path().join("lane.db-wal"))
            .expect("the log")
            .len();
        let bytes = written as u64 * 4096;
        assert!(bytes > 20 << 20, "only {written} units were written");
        assert!(
            log < bytes / 4,
            "the log holds {log} bytes after {bytes} written: it never started over"
        );
        assert_eq!(count(&dir) as usize, written);
    }

    #[test]
    fn the_path_is_read_from_the_url() {
        assert_eq!(
            path_of("sqlite:///var/lib/postsale.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/postsale.db"))
        );
        assert_eq!(
            path_of("sqlite://postsale.db"),
            Some(PathBuf::from("postsale.db"))
        );
        assert_eq!(path_of("sqlite://"), None);
        assert_eq!(path_of("postgres://h/db"), None);
    }
}
