//! Refunds: only by the merchant that received the money, in parts up to
//! what was charged, once however many arrive at the same moment, and told
//! to the upseller by a signed `order.refunded` webhook.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, accept_body, card_reference, outdoor},
    handoff::put_url,
    helpers::{TestApp, assert_problem, database, spawn_app},
};

/// A charged direct_entry order of 99.00 USD sold for `trail`; its id.
pub(crate) async fn charged_order(app: &TestApp, order: &str) -> String {
    put_url(
        app,
        &app.trail_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let (id, offer) = outdoor(app, order).await;
    let reference = card_reference(app, &id, "4242424242424242").await;
    let response = accept(app, &id, order, &accept_body(&offer, &reference)).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.expect("json")["order_id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn refund(app: &TestApp, key: &str, order: &str, body: Option<Value>) -> reqwest::Response {
    app.admin(Method::POST, key, &format!("orders/{order}/refund"), body)
        .await
}

/// The settlement ledger's entry for `order`, as the affiliate reads it.
async fn settlement(app: &TestApp, order: &str) -> Value {
    let entries: Value = app
        .admin(Method::GET, &app.shop_key, "settlements", None)
        .await
        .json()
        .await
        .expect("json");
    entries
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["order_id"] == order)
        .cloned()
        .expect("an entry for the order")
}

/// The events queued for `order`, in order.
async fn events(app: &TestApp, order: &str) -> Vec<Value> {
    let pool = database(app).await;
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM webhooks WHERE order_id = $1 ORDER BY id")
            .bind(order)
            .fetch_all(&pool)
            .await
            .expect("webhooks");
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).expect("json"))
        .collect()
}

#[tokio::test]
async fn fifty_concurrent_refunds_refund_once() {
    let app = spawn_app().await;
    let order = charged_order(&app, "R-50").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (client, url, key) = (
            app.client.clone(),
            format!("{}/v1/admin/orders/{order}/refund", app.base),
            app.trail_key.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(key)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );

    let pool = database(&app).await;
    let processor: i64 = sqlx::query_scalar(
        "SELECT c.refunded_minor FROM sandbox_charges c JOIN orders o ON o.charge_id = c.charge_id WHERE o.id = $1",
    )
    .bind(&order)
    .fetch_one(&pool)
    .await
    .expect("charge");
    assert_eq!(processor, 9900, "the processor gave back 99.00 once");
    let refunds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refunds WHERE order_id = $1")
        .bind(&order)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(refunds, 1);
    let shown: Value = app
        .admin(
            Method::GET,
            &app.trail_key,
            &format!("orders/{order}"),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["status"], "refunded");
    assert_eq!(shown["refunded_minor"], 9900);
    let mut kinds: Vec<Value> = events(&app, &order)
        .await
        .iter()
        .map(|e| e["event"].clone())
        .collect();
    kinds.sort_by_key(ToString::to_string);
    assert_eq!(kinds, vec![json!("order.charged"), json!("order.refunded")]);
}

#[tokio::test]
async fn refunds_in_parts_never_exceed_the_charge_and_only_the_receiver_refunds() {
    let app = spawn_app().await;
    let order = charged_order(&app, "R-P").await;
    // The affiliate sold it but the upseller was paid: not the affiliate's to refund.
    assert_problem(refund(&app, &app.shop_key, &order, None).await, 403, None).await;
    // Another merchant does not see it at all.
    assert_problem(refund(&app, &app.lens_key, &order, None).await, 404, None).await;
    for (bad, status, field) in [
        (json!({"amount": "99.01"}), 422, Some("amount")),
        (json!({"amount": "0.00"}), 422, Some("amount")),
        (json!({"amount": "-5.00"}), 422, Some("amount")),
        (json!({"amount": "ten"}), 422, Some("amount")),
        (json!({"amount": "10.001"}), 422, Some("amount")),
        (json!({"amount": 10}), 400, Some("amount")),
        (json!({"amount": "1.00", "reason": "x"}), 400, None),
    ] {
        assert_problem(
            refund(&app, &app.trail_key, &order, Some(bad)).await,
            status,
            field,
        )
        .await;
    }
    let part = refund(
        &app,
        &app.trail_key,
        &order,
        Some(json!({"amount": "10.00"})),
    )
    .await;
    assert_eq!(part.status(), 200);
    let part: Value = part.json().await.expect("json");
    assert_eq!(part["status"], "charged", "partly refunded stays charged");
    assert_eq!(part["refunded_minor"], 1000);
    assert_eq!(part["refund"]["amount"], "10.00");
    assert_eq!(part["refund"]["status"], "succeeded");
    // More than is left is refused and changes nothing.
    assert_problem(
        refund(
            &app,
            &app.trail_key,
            &order,
            Some(json!({"amount": "89.01"})),
        )
        .await,
        422,
        Some("amount"),
    )
    .await;
    // The affiliate's commission (10%) shrinks with what was refunded.
    let ledger = settlement(&app, &order).await;
    assert_eq!(ledger["refunded"], "10.00", "{ledger}");
    assert_eq!(ledger["owed"], "8.90", "{ledger}");
    let rest: Value = refund(&app, &app.trail_key, &order, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["refund"]["amount"], "89.00");
    assert_eq!(rest["status"], "refunded");
    assert_eq!(rest["refunded_minor"], 9900);
    assert_problem(refund(&app, &app.trail_key, &order, None).await, 409, None).await;
    assert_eq!(settlement(&app, &order).await["owed"], "0.00");
    let mut refunded: Vec<Value> = events(&app, &order)
        .await
        .into_iter()
        .filter(|e| e["event"] == "order.refunded")
        .collect();
    refunded.sort_by_key(|e| e["order"]["refunded"].to_string());
    assert_eq!(refunded.len(), 2, "one event per refund");
    assert_eq!(refunded[0]["refund"]["amount"], "10.00");
    assert_eq!(refunded[0]["order"]["refunded"], "10.00");
    assert_eq!(refunded[1]["refund"]["amount"], "89.00");
    assert_eq!(refunded[1]["order"]["refunded"], "99.00");
    assert_eq!(refunded[1]["order"]["status"], "refunded");
}

#[tokio::test]
async fn the_affiliate_hears_of_the_upsell_it_showed_and_of_its_refund() {
    let app = spawn_app().await;
    put_url(
        &app,
        &app.shop_key,
        "webhook_url",
        "http://127.0.0.1:9/shop-hooks",
    )
    .await;
    let order = charged_order(&app, "AF-1").await;
    assert_eq!(
        refund(
            &app,
            &app.trail_key,
            &order,
            Some(json!({"amount": "9.00"}))
        )
        .await
        .status(),
        200
    );
    let pool = database(&app).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT upseller_id, body FROM webhooks WHERE order_id = $1 ORDER BY id")
            .bind(&order)
            .fetch_all(&pool)
            .await
            .expect("webhooks");
    let heard: Vec<(String, Value)> = rows
        .into_iter()
        .map(|(to, body)| (to, serde_json::from_str(&body).expect("json")))
        .collect();
    let mut events: Vec<(&str, &str)> = heard
        .iter()
        .map(|(to, body)| (to.as_str(), body["event"].as_str().unwrap_or("")))
        .collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            ("shop", "upsell.accepted"),
            ("shop", "upsell.refunded"),
            ("trail", "order.charged"),
            ("trail", "order.refunded"),
        ]
    );
    let event = |name: &str| {
        heard
            .iter()
            .map(|(_, body)| body)
            .find(|body| body["event"] == name)
            .expect("the event")
    };
    let upsell = &event("upsell.accepted")["upsell"];
    assert_eq!(upsell["order_id"], order.as_str());
    // What the affiliate needs to credit its customer and reconcile: its
    // own order and customer token, the amount, the points, the money owed.
    assert_eq!(upsell["affiliate_order_id"], "AF-1");
    assert_eq!(upsell["customer_token"], "cust-1");
    assert_eq!(upsell["reason_code"], "OUTDOOR");
    assert_eq!(upsell["amount"], "99.00");
    assert_eq!(upsell["points"], 50);
    assert_eq!(upsell["points_balance"], 50, "the first order's points");
    assert_eq!(upsell["settlement"]["collected_by"], "trail");
    assert!(
        upsell.get("ship_to").is_none() && upsell.get("customer").is_none(),
        "the affiliate is not sent the upseller's shipping data: {upsell}"
    );
    let refunded = event("upsell.refunded");
    assert_eq!(refunded["refund"]["amount"], "9.00");
    assert_eq!(refunded["order"]["refunded"], "9.00");
}

#[tokio::test]
async fn two_halves_refunded_at_the_same_moment_leave_the_order_refunded() {
    let app = spawn_app().await;
    // Three rounds: the customer's daily cap of the code.
    for n in 0..3 {
        let order = charged_order(&app, &format!("HALF-{n}")).await;
        let half = || {
            refund(
                &app,
                &app.trail_key,
                &order,
                Some(json!({"amount": "49.50"})),
            )
        };
        let (first, second) = tokio::join!(half(), half());
        assert_eq!(first.status(), 200, "the first half");
        assert_eq!(second.status(), 200, "the second half");
        let stored = app.order(&json!(order)).await;
        assert_eq!(stored["status"], "refunded", "round {n}: {stored}");
        assert_eq!(stored["refunded_minor"], 9900, "round {n}: {stored}");
    }
}
