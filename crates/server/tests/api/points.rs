//! Loyalty points spent as well as earned: a redemption is offered only to
//! a customer who holds its points and only as the customer's own pick; it
//! is a fixed amount off, spent at the accept, given back when the charge
//! is declined or the order wholly refunded (and the order's earned points
//! taken back); concurrent redemptions never spend a point twice.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, card_reference, orders},
    helpers::{
        TestApp, assert_problem, claims, purchase, reason, spawn_app, spawn_configured, ticket,
    },
    incentives::{buy, open, points_of, reward, tripod},
};

/// "Use 500 points: 5.00 off".
fn use_500() -> Value {
    json!({"id": "use-500", "label": "Use 500 points: $5.00 off", "kind": "redeem",
        "points": 500, "amount_off": "5.00", "currency": "USD"})
}

/// OUTDOOR earns `points` per order, shows up to 100 times a day, and lets
/// the customer pick `choices`.
async fn outdoor_earning(app: &TestApp, points: u32, choices: &[&str]) {
    let mut code = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    code["default_items"] = json!(["TRIPOD"]);
    code["incentives"] = json!(choices);
    code["points"] = json!(points);
    code["frequency_cap"] = json!(100);
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/OUTDOOR",
            Some(code),
        )
        .await;
    assert_eq!(response.status(), 200);
}

/// The customer's balance and entries, as the affiliate reads them.
async fn ledger(app: &TestApp) -> Value {
    let response = points_of(app, &app.shop_key, "cust-1").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// The sum of every entry of the ledger.
fn sum(ledger: &Value) -> i64 {
    ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["points"].as_i64().expect("points"))
        .sum()
}

/// The kinds and points of the entries of `order`, oldest kind first.
fn entries_of(ledger: &Value, order: &Value) -> Vec<(String, i64)> {
    let mut found: Vec<(String, i64)> = ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["order_id"] == *order)
        .map(|e| {
            (
                e["kind"].as_str().expect("kind").to_owned(),
                e["points"].as_i64().expect("points"),
            )
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn redemptions_are_checked_when_saved_and_never_signed_into_a_ticket() {
    let app = spawn_app().await;
    for (body, field) in [
        (
            json!({"kind": "redeem", "points": 500, "currency": "USD"}),
            "amount_off",
        ),
        (
            json!({"kind": "redeem", "points": 500, "percent_off": 10}),
            "percent_off",
        ),
        (
            json!({"kind": "redeem", "points": 0, "amount_off": "5.00", "currency": "USD"}),
            "points",
        ),
        (
            json!({"kind": "redeem", "amount_off": "5.00", "currency": "USD"}),
            "points",
        ),
        (
            json!({"kind": "redeem", "points": 5, "amount_off": "0.00", "currency": "USD"}),
            "amount_off",
        ),
    ] {
        let mut record = body.clone();
        record["id"] = json!("bad");
        record["label"] = json!("Bad");
        assert_problem(
            app.admin(Method::POST, &app.shop_key, "incentives", Some(record))
                .await,
            422,
            Some(field),
        )
        .await;
    }
    reward(&app, use_500()).await;
    outdoor_earning(&app, 50, &["use-500"]).await;
    let mut c = claims("R-0", Some("OUTDOOR"));
    c.incentive = Some("use-500".into());
    let problem = assert_problem(
        app.post_opportunity(&purchase(&ticket(&c), "R-0")).await,
        422,
        Some("incentive"),
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("only the customer")),
        "{problem}"
    );
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn points_are_spent_on_a_reward_given_back_on_a_decline_and_undone_by_a_refund() {
    let app = spawn_app().await;
    reward(&app, use_500()).await;
    outdoor_earning(&app, 600, &["ten", "use-500"]).await;
    tripod(&app, "20.00", "0").await;

    // Without points the redemption is not offered, nor may it be picked.
    let c = claims("R-1", Some("OUTDOOR"));
    let body = purchase(&ticket(&c), "R-1");
    let opened: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        opened["incentives"],
        json!([{"id": "ten", "label": "10% off"}])
    );
    assert_eq!(opened["points_balance"], 0);
    let mut picked = body.clone();
    picked["incentive"] = json!("use-500");
    assert_problem(app.post_opportunity(&picked).await, 422, Some("incentive")).await;

    // The first order earns 600.
    let id = opened["id"].as_str().expect("id");
    let offer: Value = app.get_offer(id).await.json().await.expect("json");
    let first: Value = buy(&app, id, &offer, 1, "20.00")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(first["points"], 600);
    assert_eq!(first["points_balance"], 600);

    // Now it is offered, with the balance, and priced 5.00 off.
    let (id, offer) = open(&app, "R-2", None, Some("use-500")).await;
    let opened: Value = app.read_opportunity(&id).await.json().await.expect("json");
    assert_eq!(opened["points_balance"], 600);
    assert_eq!(opened["incentives"][1]["id"], "use-500");
    assert_eq!(offer["incentive"]["redeem_points"], 500);
    assert_eq!(offer["incentive"]["amount_off"], "5.00");
    // The points spent are in what the customer consents to.
    let text = offer["disclosure"]["text"].as_str().expect("text");
    assert!(
        text.ends_with("your reward: Use 500 points: $5.00 off (500 of your points)."),
        "{text}"
    );
    assert_problem(
        buy(&app, &id, &offer, 1, "20.00").await,
        422,
        Some("consent.amount"),
    )
    .await;
    let second: Value = buy(&app, &id, &offer, 1, "15.00")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(second["amount"], "15.00");
    // 600 - 500 spent + 600 earned.
    assert_eq!(second["points_balance"], 700);
    let stored = app.order(&second["order_id"]).await;
    assert_eq!(stored["discount_minor"], 500);
    let points = ledger(&app).await;
    assert_eq!(points["balance"], 700);
    assert_eq!(
        entries_of(&points, &second["order_id"]),
        [("earned".to_owned(), 600), ("redeemed".to_owned(), -500)]
    );

    // A declined card gives the spent points back at once.
    let (id, offer) = open(&app, "R-3", None, Some("use-500")).await;
    let reference = card_reference(&app, &id, "4000000000000002").await;
    let declined = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "15.00"},
        "payment_reference": reference,
    });
    assert_problem(accept(&app, &id, "declined-3", &declined).await, 402, None).await;
    let points = ledger(&app).await;
    assert_eq!(points["balance"], 700);
    let failed = orders(&app)
        .await
        .into_iter()
        .find(|o| o["status"] == "failed")
        .expect("the declined order");
    assert_eq!(
        entries_of(&points, &failed["id"]),
        [("redeemed".to_owned(), -500), ("returned".to_owned(), 500)]
    );

    // Wholly refunded, the second order gives back the 500 it spent and
    // takes back the 600 it earned: 700 + 500 - 600.
    let path = format!("orders/{}/refund", second["order_id"].as_str().expect("id"));
    let refunded = app.admin(Method::POST, &app.trail_key, &path, None).await;
    assert_eq!(
        refunded.status(),
        200,
        "{}",
        refunded.text().await.unwrap_or_default()
    );
    let points = ledger(&app).await;
    assert_eq!(points["balance"], 600);
    assert_eq!(
        entries_of(&points, &second["order_id"]),
        [
            ("earned".to_owned(), 600),
            ("redeemed".to_owned(), -500),
            ("returned".to_owned(), 500),
            ("revoked".to_owned(), -600),
        ]
    );
    assert_eq!(sum(&points), 600, "the balance is the ledger's sum");
}

#[tokio::test]
async fn a_refund_takes_back_no_more_earned_points_than_are_left() {
    let app = spawn_app().await;
    reward(&app, use_500()).await;
    outdoor_earning(&app, 500, &["use-500"]).await;
    tripod(&app, "20.00", "0").await;
    let (id, offer) = open(&app, "L-1", None, None).await;
    let earned: Value = buy(&app, &id, &offer, 1, "20.00")
        .await
        .json()
        .await
        .expect("json");
    // All 500 are spent on the next order, which earns nothing.
    outdoor_earning(&app, 0, &["use-500"]).await;
    let (id, offer) = open(&app, "L-2", None, Some("use-500")).await;
    let spent: Value = buy(&app, &id, &offer, 1, "15.00")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(spent["points_balance"], 0);
    // Refunding the first order finds nothing left to take back.
    let path = format!("orders/{}/refund", earned["order_id"].as_str().expect("id"));
    assert_eq!(
        app.admin(Method::POST, &app.trail_key, &path, None)
            .await
            .status(),
        200
    );
    let points = ledger(&app).await;
    assert_eq!(points["balance"], 0);
    assert_eq!(
        entries_of(&points, &earned["order_id"]),
        [("earned".to_owned(), 500)],
        "nothing was left to revoke"
    );
}

#[tokio::test]
async fn fifty_concurrent_redemptions_never_spend_a_point_twice() {
    // Some 300 requests from one address in a few seconds: no per-address
    // limit (the per-opportunity one stays).
    let app = spawn_configured(|s| s.rate_limit = 0).await;
    reward(&app, use_500()).await;
    tripod(&app, "20.00", "0").await;
    // Two orders earn 1,000 points: enough for two redemptions.
    outdoor_earning(&app, 500, &["use-500"]).await;
    for order in ["C-A", "C-B"] {
        let (id, offer) = open(&app, order, None, None).await;
        assert_eq!(buy(&app, &id, &offer, 1, "20.00").await.status(), 201);
    }
    assert_eq!(ledger(&app).await["balance"], 1000);

    // Fifty offers, each with the redemption picked while it was held,
    // earning nothing more.
    outdoor_earning(&app, 0, &["use-500"]).await;
    let mut ready = Vec::new();
    for n in 0..50 {
        let (id, offer) = open(&app, &format!("C-{n}"), None, Some("use-500")).await;
        assert_eq!(offer["incentive"]["redeem_points"], 500);
        let reference = card_reference(&app, &id, "4242424242424242").await;
        let token = crate::accept::frame_token(&app, &id).await;
        let body = json!({
            "items": [{"sku": "TRIPOD", "quantity": 1}],
            "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "15.00"},
            "payment_reference": reference,
        });
        ready.push((id, token, body));
    }
    let before = orders(&app).await.len();

    let mut tasks = Vec::new();
    for (id, token, body) in ready {
        let (client, url) = (
            app.client.clone(),
            format!("{}/v1/opportunities/{id}/accept", app.base),
        );
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(&url)
                .header("idempotency-key", format!("spend-{id}"))
                .header("postsale-frame-token", &token)
                .json(&body)
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("json"))
        }));
    }
    let mut charged = 0;
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            201 => charged += 1,
            409 => assert!(
                body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("no longer holds the points")),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(charged, 2, "1,000 points pay for two redemptions of 500");
    let points = ledger(&app).await;
    assert_eq!(points["balance"], 0);
    assert_eq!(sum(&points), 0, "the ledger agrees with the balance");
    // A refused redemption stored nothing: no order, no charge.
    assert_eq!(orders(&app).await.len(), before + 2);
}
