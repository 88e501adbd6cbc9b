//! Several hub processes on one PostgreSQL database, as replicas behind a
//! balancer: the same accept sent to every replica at once charges once; a
//! replica killed in the middle of an accept leaves an order another
//! replica settles once; webhooks are delivered once while replicas stop
//! and start. PostgreSQL only (replicas share nothing but the database, and
//! SQLite is one machine's): `cargo xtask test` runs these on its server.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use sqlx::Row;

use crate::{
    accept::{accept, accept_body, card_reference, outdoor},
    durability::{Hub, pool, start_hub, tempdir, terminate},
    helpers::{TestApp, fresh_database, seed},
};

/// A fresh PostgreSQL database; these tests mean nothing on one machine's
/// SQLite file.
async fn postgres_database() -> String {
    let database = fresh_database().await;
    assert!(
        database.starts_with("postgres"),
        "the fleet's tests run on PostgreSQL (POSTSALE_TEST_POSTGRES)"
    );
    database
}

/// `n` hub processes on `database`, each with `env`.
async fn replicas(
    database: &str,
    n: usize,
    env: &[(&str, &str)],
    dir: &std::path::Path,
) -> Vec<Hub> {
    let mut hubs = Vec::new();
    for i in 0..n {
        hubs.push(start_hub(database, env, &dir.join(format!("replica-{i}.log"))).await);
    }
    hubs
}

/// `app` as seen through `hub`.
fn through(app: &TestApp, hub: &Hub) -> TestApp {
    TestApp {
        base: hub.base.clone(),
        ..app.clone()
    }
}

/// Stops `hub` as an orchestrator does (SIGTERM), and waits for it.
async fn stop(mut hub: Hub) {
    terminate(&hub.child);
    let status = tokio::time::timeout(Duration::from_secs(40), hub.child.wait())
        .await
        .expect("stops")
        .expect("status");
    assert!(status.success(), "{status:?}");
}

async fn count(database: &str, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&pool(database).await)
        .await
        .expect("counted")
        .get(0)
}

#[tokio::test]
#[ignore = "PostgreSQL only: cargo xtask test runs it on its server"]
async fn the_same_accept_sent_to_every_replica_at_once_charges_once() {
    let database = postgres_database().await;
    let dir = tempdir();
    let env = [("POSTSALE_ALLOW_LOOPBACK_HTTP", "true")];
    let hubs = replicas(&database, 3, &env, dir.path()).await;
    let mut app = seed(hubs[0].base.clone(), reqwest::Client::new()).await;
    app.database = database.clone();
    let (id, offer) = outdoor(&app, "FLEET-1").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    // From inside the frame, as the widget sends it: three times through
    // each replica, all at once.
    let token = crate::accept::frame_token(&app, &id).await;
    let sends = hubs.iter().cycle().take(9).map(|hub| {
        let app = through(&app, hub);
        let id = id.clone();
        let body = body.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let response =
                crate::accept::accept_with(&app, &id, "fleet-key", &body, Some(&token)).await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.ok())
        })
    });
    let answers: Vec<(u16, Option<Value>)> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .map(|joined| joined.expect("task"))
        .collect();
    let mut orders = Vec::new();
    for (status, answer) in &answers {
        // Each is the charged order, or "still settling, retry".
        assert!(matches!(status, 201 | 409), "{status}: {answer:?}");
        if *status == 201 {
            let answer = answer.as_ref().expect("json");
            assert_eq!(answer["status"], "charged");
            orders.push(answer["order_id"].clone());
        }
    }
    assert!(!orders.is_empty(), "one at least was answered: {answers:?}");
    assert!(
        orders.iter().all(|o| *o == orders[0]),
        "one order: {orders:?}"
    );
    // A retry through any replica now gets the same order.
    for hub in &hubs {
        let replay = accept(&through(&app, hub), &id, "fleet-key", &body).await;
        assert_eq!(replay.status(), 201);
        assert_eq!(
            replay.json::<Value>().await.expect("json")["order_id"],
            orders[0]
        );
    }
    assert_eq!(count(&database, "SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        count(&database, "SELECT COUNT(*) FROM sandbox_charges").await,
        1,
        "charged once"
    );
}

#[tokio::test]
#[ignore = "PostgreSQL only: cargo xtask test runs it on its server"]
async fn a_replica_killed_mid_accept_leaves_an_order_another_settles_once() {
    let database = postgres_database().await;
    let dir = tempdir();
    let env = [
        ("POSTSALE_ALLOW_LOOPBACK_HTTP", "true"),
        ("POSTSALE_RECOVERY_AFTER_SECS", "1"),
    ];
    let mut hubs = replicas(&database, 2, &env, dir.path()).await;
    let mut app = seed(hubs[0].base.clone(), reqwest::Client::new()).await;
    app.database = database.clone();
    crate::handoff::add_care_plan(&app).await;
    let affiliate = crate::handoff::affiliate(&app).await;
    // The affiliate (merchant of record) takes two seconds over its charge.
    affiliate
        .charger
        .delay_ms
        .store(2_000, std::sync::atomic::Ordering::SeqCst);
    let (id, offer) = crate::handoff::open(
        &app,
        &affiliate,
        &crate::helpers::claims("FLEET-KILL", Some("CARE")),
    )
    .await;
    let body = crate::handoff::body_for(&offer);
    // As the widget sends it, through the first replica.
    let page = app
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", hubs[0].base))
        .send()
        .await
        .expect("sent");
    let token = if page.status() == 200 {
        Some(crate::accept::frame_token(&app, &id).await)
    } else {
        None
    };
    let in_flight = {
        let mut request = app
            .client
            .post(format!("{}/v1/opportunities/{id}/accept", hubs[0].base))
            .header("idempotency-key", "kill-key")
            .json(&body);
        if let Some(token) = token {
            request = request.header("postsale-frame-token", token);
        }
        tokio::spawn(request.send())
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut killed = hubs.remove(0);
    killed.child.start_kill().expect("SIGKILL");
    killed.child.wait().await.expect("died");
    let lost = in_flight.await.expect("task");
    assert!(lost.is_err(), "a killed replica answers nothing: {lost:?}");
    let mut status = String::new();
    for _ in 0..200 {
        status = sqlx::query("SELECT status FROM orders")
            .fetch_one(&pool(&database).await)
            .await
            .expect("the order was stored before the money moved")
            .get("status");
        if status == "charged" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "charged", "the other replica settled the order");
    assert_eq!(
        affiliate
            .charger
            .charges
            .load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the affiliate charged once"
    );
    // The customer's retry, through the replica left, gets the order.
    let replay = accept(&through(&app, &hubs[0]), &id, "kill-key", &body).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(
        replay.json::<Value>().await.expect("json")["status"],
        "charged"
    );
}

#[tokio::test]
#[ignore = "PostgreSQL only: cargo xtask test runs it on its server"]
async fn webhooks_are_delivered_once_while_replicas_stop_and_start() {
    let database = postgres_database().await;
    let dir = tempdir();
    let env = [("POSTSALE_ALLOW_LOOPBACK_HTTP", "true")];
    let mut hubs = replicas(&database, 3, &env, dir.path()).await;
    let mut app = seed(hubs[0].base.clone(), reqwest::Client::new()).await;
    app.database = database.clone();
    // The upseller's endpoint takes a fifth of a second over each order and
    // counts what it got, by order.
    let received: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    {
        let received = received.clone();
        crate::handoff::proven_webhook(&app, &app.trail_key, move |body| {
            let received = received.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let order = event["order"]["id"].as_str().unwrap_or("?").to_owned();
                *received.lock().expect("lock").entry(order).or_default() += 1;
            }
        })
        .await;
    }

    const ORDERS: usize = 8;
    let mut placed = Vec::new();
    for n in 0..ORDERS {
        let order = format!("FLEET-HOOK-{n}");
        let mut claims = crate::helpers::claims(&order, Some("OUTDOOR"));
        // Each its own customer: the reason code's daily cap is per customer.
        claims.customer_token = format!("fleet-customer-{n}");
        let response = app
            .post_opportunity(&crate::helpers::purchase(
                &crate::helpers::ticket(&claims),
                &order,
            ))
            .await;
        assert_eq!(response.status(), 201);
        let id = response.json::<Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let offer: Value = app.get_offer(&id).await.json().await.expect("json");
        let reference = card_reference(&app, &id, "4242424242424242").await;
        let answer = accept(
            &app,
            &id,
            &format!("hook-{n}"),
            &accept_body(&offer, &reference),
        )
        .await;
        assert_eq!(answer.status(), 201);
        placed.push(answer.json::<Value>().await.expect("json")["order_id"].clone());
        // Meanwhile replicas stop and others start.
        if n == 2 {
            stop(hubs.remove(1)).await;
        }
        if n == 4 {
            hubs.push(start_hub(&database, &env, &dir.path().join("replica-late.log")).await);
            stop(hubs.remove(1)).await;
        }
    }
    let mut delivered = 0;
    for _ in 0..300 {
        delivered = count(
            &database,
            "SELECT COUNT(*) FROM webhooks WHERE status = 'delivered'",
        )
        .await;
        if delivered == ORDERS as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered, ORDERS as i64, "every order's webhook delivered");
    let received = received.lock().expect("lock").clone();
    for order in &placed {
        let order = order.as_str().expect("order id");
        assert_eq!(received.get(order), Some(&1), "{order}: {received:?}");
    }
    assert_eq!(received.len(), ORDERS, "{received:?}");
}
