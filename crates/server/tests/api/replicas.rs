//! Two hubs on one database, as replicas behind a balancer. Each keeps what
//! it read of the registry in memory; a change made through one is seen by
//! that one at once and by the other within a second.

use std::time::{Duration, Instant};

use postsale_server::{Secret, Settings};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, claims, purchase, reason, spawn_configured, start, ticket};

/// The first hub and a second one on its database (the same master key,
/// as every replica has).
async fn two_hubs() -> (TestApp, TestApp) {
    let key = "ab".repeat(32);
    let first_key = key.clone();
    let app = spawn_configured(move |s| s.master_key = Some(Secret::from(first_key))).await;
    let (base, _) = start(Settings::for_tests(app.database.clone()), |s| {
        s.master_key = Some(Secret::from(key));
    })
    .await;
    let other = TestApp {
        base,
        ..app.clone()
    };
    (app, other)
}

/// What `hub` answers for a new order (its own customer, so no frequency
/// cap counts): the status and the no-offer reason.
async fn offer(hub: &TestApp, order: &str) -> (u16, String) {
    let mut c = claims(order, Some("CAMERA-HIGH"));
    c.customer_token = format!("cust-{order}");
    let response = hub.post_opportunity(&purchase(&ticket(&c), order)).await;
    let reason = response
        .headers()
        .get(postsale_protocol::NO_OFFER_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (response.status().as_u16(), reason)
}

/// Asks `hub` until it answers no offer for `why`; the time it took.
async fn until_no_offer(hub: &TestApp, why: &str) -> Duration {
    let started = Instant::now();
    for i in 0.. {
        match offer(hub, &format!("wait-{why}-{i}")).await {
            (204, reason) if reason == why => return started.elapsed(),
            (201, _) => {}
            other => panic!("unexpected answer {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the other hub still offers after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    unreachable!()
}

#[tokio::test]
async fn a_record_changed_through_one_hub_is_seen_by_it_at_once_and_by_another_within_a_second() {
    let (app, other) = two_hubs().await;
    // Both read the reason code (and keep it).
    assert_eq!(offer(&app, "R-1").await.0, 201);
    assert_eq!(offer(&other, "R-2").await.0, 201);

    let mut code = reason("CAMERA-HIGH", "lens", "payment_reference", "popup");
    code["active"] = json!(false);
    let saved = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/CAMERA-HIGH",
            Some(code),
        )
        .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(
        offer(&app, "R-3").await,
        (204, "inactive".into()),
        "the writer at once"
    );
    let waited = until_no_offer(&other, "inactive").await;
    assert!(waited < Duration::from_secs(1), "{waited:?}");
}

#[tokio::test]
async fn a_withdrawn_agreement_stops_the_offer_on_every_hub_within_a_second() {
    let (app, other) = two_hubs().await;
    assert_eq!(offer(&app, "W-1").await.0, 201);
    assert_eq!(offer(&other, "W-2").await.0, 201);

    let withdrawn = app
        .admin(Method::DELETE, &app.lens_key, "agreements/shop", None)
        .await;
    assert_eq!(withdrawn.status(), 204);
    assert_eq!(
        offer(&app, "W-3").await,
        (204, "not_permitted".into()),
        "the writer at once"
    );
    until_no_offer(&other, "not_permitted").await;
}

#[tokio::test]
async fn the_same_ticket_sent_to_both_hubs_at_once_opens_one_opportunity() {
    let (a, b) = two_hubs().await;
    for round in 0..5 {
        let order = format!("both-{round}");
        let mut c = claims(&order, Some("CAMERA-HIGH"));
        c.customer_token = format!("cust-{order}");
        let body = purchase(&ticket(&c), &order);
        let sends = (0..8).map(|i| {
            let hub = if i % 2 == 0 { &a } else { &b };
            hub.post_opportunity(&body)
        });
        let answers = futures_util::future::join_all(sends).await;
        let mut ids = std::collections::BTreeSet::new();
        let mut created = 0;
        for answer in answers {
            let status = answer.status().as_u16();
            assert!(status == 200 || status == 201, "status {status}");
            created += usize::from(status == 201);
            let body: serde_json::Value = answer.json().await.expect("json");
            ids.insert(body["id"].as_str().expect("an id").to_owned());
        }
        assert_eq!(ids.len(), 1, "one opportunity for one order");
        assert_eq!(created, 1, "one answer says it was created");
    }
    assert_eq!(a.shown().await, 5);
}
