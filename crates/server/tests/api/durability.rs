//! The hub as a process: killed between a charge and its commit it loses
//! nothing and charges once after a restart; told to stop, it finishes the
//! accept and the webhook in flight first; and a card typed into the frame
//! leaves no trace in the database file or the logs.

use std::{path::Path, process::Stdio, time::Duration};

use serde_json::Value;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    accept::{accept, accept_body, card_reference, frame_token, outdoor},
    helpers::{OPERATOR_KEY, fresh_database, seed},
};

pub(crate) struct Hub {
    pub(crate) child: tokio::process::Child,
    pub(crate) base: String,
    /// The widget build the hub serves its frame page from.
    _build: tempfile::TempDir,
}

pub(crate) async fn start_hub(database: &str, env: &[(&str, &str)], log: &Path) -> Hub {
    let log = std::fs::File::create(log).expect("log file");
    let build = crate::helpers::minimal_build();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database",
            database,
            "--operator-key",
            OPERATOR_KEY,
        ])
        .arg("--assets")
        .arg(build.path())
        .env("POSTSALE_MASTER_KEY", "7".repeat(64))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("hub starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(base) = line.strip_prefix("postsale hub listening on ") {
                return base.to_owned();
            }
        }
        panic!("the hub exited before listening");
    })
    .await
    .expect("the hub listens within 30 s");
    Hub {
        child,
        base,
        _build: build,
    }
}

pub(crate) async fn pool(database: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(database)
        .await
        .expect("test connects to the hub's database")
}

#[tokio::test]
async fn a_hub_killed_between_charge_and_commit_charges_once_after_restart() {
    let database = fresh_database().await;
    let dir = tempdir();
    let hub = start_hub(
        &database,
        &[("POSTSALE_FAULT_CRASH_AFTER_CHARGE", "true")],
        &dir.path().join("first.log"),
    )
    .await;
    let app = seed(hub.base.clone(), reqwest::Client::new()).await;
    let (id, offer) = outdoor(&app, "K-1").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    let died = app
        .client
        .post(format!("{}/v1/opportunities/{id}/accept", app.base))
        .header("idempotency-key", "crash-key")
        .header("postsale-frame-token", frame_token(&app, &id).await)
        .json(&body)
        .send()
        .await;
    assert!(died.is_err(), "the hub was to die before answering");
    let mut child = hub.child;
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(!status.success());

    let db = pool(&database).await;
    let pending: String = sqlx::query("SELECT status FROM orders")
        .fetch_one(&db)
        .await
        .expect("order stored")
        .get("status");
    assert_eq!(
        pending, "pending",
        "the order was stored before the money moved"
    );
    let receipts: i64 = sqlx::query("SELECT COUNT(*) AS n FROM consent_receipts")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(receipts, 1);

    let hub = start_hub(
        &database,
        &[("POSTSALE_RECOVERY_AFTER_SECS", "1")],
        &dir.path().join("second.log"),
    )
    .await;
    let app = crate::helpers::TestApp {
        base: hub.base.clone(),
        ..app
    };
    let mut status = String::new();
    for _ in 0..100 {
        status = sqlx::query("SELECT status FROM orders")
            .fetch_one(&db)
            .await
            .expect("order")
            .get("status");
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "charged", "the reconciler settled the order");
    let charges: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sandbox_charges")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(charges, 1, "the gateway charged once");

    // The customer's retry with the same key gets the settled order.
    let replay = accept(&app, &id, "crash-key", &body).await;
    assert_eq!(replay.status(), 201);
    let answer: Value = replay.json().await.expect("json");
    assert_eq!(answer["status"], "charged");
    let charges: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sandbox_charges")
        .fetch_one(&db)
        .await
        .expect("count")
        .get("n");
    assert_eq!(charges, 1);
    drop(hub);
}

#[tokio::test]
async fn a_typed_card_number_leaves_no_trace_in_the_database_or_the_logs() {
    let database = fresh_database().await;
    let dir = tempdir();
    let log = dir.path().join("hub.log");
    let hub = start_hub(&database, &[("RUST_LOG", "trace")], &log).await;
    let app = seed(hub.base.clone(), reqwest::Client::new()).await;
    let (id, offer) = outdoor(&app, "P-1").await;
    let reference = card_reference(&app, &id, "4242 4242 4242 4242").await;
    assert_eq!(
        accept(&app, &id, "pan-key", &accept_body(&offer, &reference))
            .await
            .status(),
        201
    );
    drop(hub);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let needles = ["4242424242424242", "4242 4242 4242 4242", "424242424242"];
    let log_text = std::fs::read_to_string(&log).expect("log");
    assert!(log_text.len() > 1000, "the log was written at trace level");
    for needle in needles {
        assert!(!log_text.contains(needle), "the log holds the card number");
    }
    if let Some(path) = database.strip_prefix("sqlite://") {
        for file in [path.to_owned(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for needle in needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{file} holds the card number"
                );
            }
        }
    } else {
        // PostgreSQL: every text column of every table, searched by the server.
        let db = pool(&database).await;
        for (table, columns) in [
            ("orders", "id || items || COALESCE(payment_reference, '')"),
            ("sandbox_methods", "reference || last4"),
            ("consent_receipts", "items || disclosure_text"),
        ] {
            let rows = sqlx::query(&format!("SELECT {columns} AS t FROM {table}"))
                .fetch_all(&db)
                .await
                .expect("rows");
            for row in rows {
                let text: String = row.get("t");
                assert!(
                    !text.contains("424242424242"),
                    "{table} holds the card number"
                );
            }
        }
    }
}

/// A directory for the hub's log, removed when the test ends.
pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("postsale-proc-")
        .tempdir()
        .expect("temp dir")
}

/// A hub process on a fresh database with the test merchants (loopback
/// URLs allowed): the process, the test app, its database URL, and the
/// directory of its log.
async fn seeded_process() -> (Hub, crate::helpers::TestApp, String, tempfile::TempDir) {
    let database = fresh_database().await;
    let dir = tempdir();
    let hub = start_hub(
        &database,
        &[("POSTSALE_ALLOW_LOOPBACK_HTTP", "true")],
        &dir.path().join("hub.log"),
    )
    .await;
    let mut app = seed(hub.base.clone(), reqwest::Client::new()).await;
    app.database = database.clone();
    (hub, app, database, dir)
}

/// Tells the hub process to stop, as an orchestrator does (SIGTERM).
pub(crate) fn terminate(child: &tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
}

#[tokio::test]
async fn a_hub_told_to_stop_finishes_the_accept_in_flight_and_takes_no_new_connection() {
    let (hub, app, _, _dir) = seeded_process().await;
    crate::handoff::add_care_plan(&app).await;
    let affiliate = crate::handoff::affiliate(&app).await;
    // The affiliate's charge takes two seconds: long enough to stop the hub
    // in the middle of it.
    affiliate
        .charger
        .delay_ms
        .store(2_000, std::sync::atomic::Ordering::SeqCst);
    let (id, offer) = crate::handoff::open(
        &app,
        &affiliate,
        &crate::helpers::claims("STOP-1", Some("CARE")),
    )
    .await;
    let body = crate::handoff::body_for(&offer);
    let in_flight = {
        let app = app.clone();
        let id = id.clone();
        tokio::spawn(async move { crate::accept::accept(&app, &id, "stop-1", &body).await })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut child = hub.child;
    terminate(&child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = reqwest::Client::new()
        .get(format!("{}/healthz", hub.base))
        .send()
        .await;
    assert!(refused.is_err(), "no new connection once told to stop");

    let answered = in_flight.await.expect("task");
    assert_eq!(answered.status(), 201, "the accept in flight finished");
    let answered: Value = answered.json().await.expect("json");
    assert_eq!(answered["status"], "charged");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits once drained")
        .expect("status");
    assert!(status.success(), "a clean stop: {status:?}");
    assert_eq!(
        affiliate
            .charger
            .charges
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn a_hub_told_to_stop_finishes_the_webhook_it_is_sending_before_it_exits() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    let (hub, app, database, _dir) = seeded_process().await;
    let affiliate = crate::handoff::affiliate(&app).await;
    // The upseller's endpoint answers the challenge at once, and takes two
    // seconds over an order: long enough to stop the hub while it sends.
    let sending = Arc::new(tokio::sync::Notify::new());
    let received = Arc::new(AtomicUsize::new(0));
    {
        let sending = sending.clone();
        let received = received.clone();
        crate::handoff::proven_webhook(&app, &app.lens_key, move |_| {
            let sending = sending.clone();
            let received = received.clone();
            async move {
                sending.notify_one();
                tokio::time::sleep(Duration::from_secs(2)).await;
                received.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await;
    }

    let (id, offer) = crate::handoff::open(
        &app,
        &affiliate,
        &crate::helpers::claims("STOP-HOOK", Some("CAMERA-HIGH")),
    )
    .await;
    let accepted = accept(&app, &id, "stop-hook", &crate::handoff::body_for(&offer)).await;
    assert_eq!(accepted.status(), 201);
    tokio::time::timeout(Duration::from_secs(10), sending.notified())
        .await
        .expect("the hub sends the order's webhook");

    let mut child = hub.child;
    terminate(&child);
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits once its round is done")
        .expect("status");
    assert!(status.success(), "a clean stop: {status:?}");
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "the webhook in flight was answered before the hub exited"
    );
    let row = sqlx::query("SELECT status, attempts FROM webhooks")
        .fetch_one(&pool(&database).await)
        .await
        .expect("the order's webhook");
    assert_eq!(row.get::<String, _>("status"), "delivered");
    assert_eq!(row.get::<i64, _>("attempts"), 1);
}
