//! `POST /v1/opportunities`: selection, and every kind of bad input answered
//! with a problem naming the field, storing nothing.

use serde_json::{Value, json};

use crate::helpers::{
    KEY_ID, assert_problem, claims, purchase, sign_ticket_with, spawn_app, ticket,
};

#[tokio::test]
async fn the_reason_codes_offer_is_assembled_from_the_purchased_skus() {
    let app = spawn_app().await;
    let c = claims("A-1", Some("CAMERA-HIGH"));
    let response = app.post_opportunity(&purchase(&ticket(&c), "A-1")).await;
    assert_eq!(response.status(), 201);
    let opportunity: Value = response.json().await.expect("json");
    assert_eq!(opportunity["reason_code"], "CAMERA-HIGH");
    assert_eq!(opportunity["presentation"], "popup");
    assert_eq!(opportunity["style"]["accent"], "#112233");
    assert_eq!(opportunity["incentives"][0]["id"], "ten");

    let offer: Value = app
        .get_offer(opportunity["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    let skus: Vec<&str> = offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["sku"].as_str().expect("sku"))
        .collect();
    // Items complementing CAM, in USD only (EURO-BAG is filtered out).
    assert_eq!(skus, ["FILTER", "LENS-35"]);
}

#[tokio::test]
async fn priorities_decide_which_purchased_skus_lead_the_offer() {
    let app = spawn_app().await;
    let c = claims("A-2", Some("CAMERA-HIGH"));
    let body = json!({"ticket": ticket(&c), "transaction": {"order_id": "A-2", "currency": "USD", "total": "1100.00",
        "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1000.00", "priority": 2},
                  {"sku": "LENS-50", "quantity": 1, "unit_price": "100.00", "priority": 1}]}});
    let opportunity: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let offer: Value = app
        .get_offer(opportunity["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    let skus: Vec<&str> = offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["sku"].as_str().expect("sku"))
        .collect();
    // LENS-50 has the higher priority: its complements come first.
    assert_eq!(skus, ["FILTER", "HOOD", "LENS-35"]);
}

#[tokio::test]
async fn a_rule_derives_the_reason_code_when_the_ticket_has_none() {
    let app = spawn_app().await;
    let c = claims("A-3", None);
    let opportunity: Value = app
        .post_opportunity(&purchase(&ticket(&c), "A-3"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(opportunity["reason_code"], "CAMERA-HIGH");
}

#[tokio::test]
async fn no_reason_code_and_no_matching_rule_is_204_with_the_reason() {
    let app = spawn_app().await;
    let c = claims("A-4", None);
    let body = json!({"ticket": ticket(&c), "transaction": {"order_id": "A-4", "currency": "USD", "total": "10.00",
        "items": [{"sku": "CAM", "quantity": 1, "unit_price": "10.00"}]}});
    let response = app.post_opportunity(&body).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["postsale-no-offer"], "no_reason_code");
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn a_currency_without_items_gives_204() {
    let app = spawn_app().await;
    let c = claims("A-5", Some("CAMERA-HIGH"));
    let body = json!({"ticket": ticket(&c), "transaction": {"order_id": "A-5", "currency": "JPY", "total": "1000",
        "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1000"}]}});
    let response = app.post_opportunity(&body).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["postsale-no-offer"], "no_eligible_items");
}

#[tokio::test]
async fn the_reason_codes_default_items_serve_when_nothing_complements() {
    let app = spawn_app().await;
    let c = claims("A-6", Some("OUTDOOR"));
    let opportunity: Value = app
        .post_opportunity(&purchase(&ticket(&c), "A-6"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(opportunity["presentation"], "iframe");
    let offer: Value = app
        .get_offer(opportunity["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(offer["items"][0]["sku"], "TRIPOD");
}

#[tokio::test]
async fn the_frequency_cap_stops_the_fourth_offer_of_the_day() {
    let app = spawn_app().await;
    for n in 0..3 {
        let order = format!("F-{n}");
        let c = claims(&order, Some("CAMERA-HIGH"));
        assert_eq!(
            app.post_opportunity(&purchase(&ticket(&c), &order))
                .await
                .status(),
            201
        );
    }
    let c = claims("F-3", Some("CAMERA-HIGH"));
    let response = app.post_opportunity(&purchase(&ticket(&c), "F-3")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["postsale-no-offer"], "frequency_cap");
    assert_eq!(app.shown().await, 3);
}

#[tokio::test]
async fn a_retry_with_the_same_ticket_gets_the_same_opportunity() {
    let app = spawn_app().await;
    let body = purchase(&ticket(&claims("R-1", Some("CAMERA-HIGH"))), "R-1");
    let first: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let again = app.post_opportunity(&body).await;
    assert_eq!(again.status(), 200);
    let second: Value = again.json().await.expect("json");
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.shown().await, 1);
}

#[tokio::test]
async fn concurrent_identical_requests_make_one_opportunity() {
    let app = spawn_app().await;
    let body = purchase(&ticket(&claims("R-2", Some("CAMERA-HIGH"))), "R-2");
    let answers = futures_join(&app, &body, 8).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one opportunity for one order: {answers:?}");
    assert_eq!(app.shown().await, 1);
}

async fn futures_join(app: &crate::helpers::TestApp, body: &Value, n: usize) -> Vec<Value> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let (client, base, body) = (app.client.clone(), app.base.clone(), body.clone());
        handles.push(tokio::spawn(async move {
            let response = client
                .post(format!("{base}/v1/opportunities"))
                .json(&body)
                .send()
                .await
                .expect("sent");
            assert!(
                response.status() == 200 || response.status() == 201,
                "status {}",
                response.status()
            );
            response.json::<Value>().await.expect("json")
        }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn a_replayed_ticket_after_decline_is_refused() {
    let app = spawn_app().await;
    let body = purchase(&ticket(&claims("R-3", Some("CAMERA-HIGH"))), "R-3");
    let opportunity: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        app.decline(opportunity["id"].as_str().expect("id"))
            .await
            .status(),
        204
    );
    assert_problem(app.post_opportunity(&body).await, 409, None).await;
}

#[tokio::test]
async fn a_second_ticket_for_the_same_order_is_refused() {
    let app = spawn_app().await;
    let first = purchase(&ticket(&claims("R-4", Some("CAMERA-HIGH"))), "R-4");
    assert_eq!(app.post_opportunity(&first).await.status(), 201);
    let second = purchase(&ticket(&claims("R-4", Some("CAMERA-HIGH"))), "R-4");
    assert_problem(app.post_opportunity(&second).await, 409, None).await;
    assert_eq!(app.shown().await, 1);
}

#[tokio::test]
async fn forged_expired_and_unknown_key_tickets_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let c = claims("B-1", Some("CAMERA-HIGH"));
    let forged = sign_ticket_with(&c, KEY_ID, b"another-secret-that-is-long-enough-000");
    assert_problem(
        app.post_opportunity(&purchase(&forged, "B-1")).await,
        401,
        None,
    )
    .await;
    let unknown_key = sign_ticket_with(&c, "k-unknown", crate::helpers::SECRET.as_bytes());
    assert_problem(
        app.post_opportunity(&purchase(&unknown_key, "B-1")).await,
        401,
        None,
    )
    .await;
    let mut old = c.clone();
    old.issued_at -= 7 * 86_400;
    assert_problem(
        app.post_opportunity(&purchase(&ticket(&old), "B-1")).await,
        401,
        None,
    )
    .await;
    let mut other_affiliate = c.clone();
    other_affiliate.affiliate_id = "lens".into();
    assert_problem(
        app.post_opportunity(&purchase(&ticket(&other_affiliate), "B-1"))
            .await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.post_opportunity(&purchase("not-a-ticket", "B-1")).await,
        401,
        None,
    )
    .await;
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn bad_transactions_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let t = ticket(&claims("B-2", Some("CAMERA-HIGH")));
    let cases: Vec<(Value, u16, Option<&str>)> = vec![
        (
            json!({"order_id": "B-2", "currency": "USD", "total": "5.00", "items": [{"sku": "CAM", "quantity": 1, "unit_price": "4.00"}]}),
            422,
            Some("transaction.total"),
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "total": "-1.00", "items": [{"sku": "CAM", "quantity": 1, "unit_price": "-1.00"}]}),
            422,
            Some("transaction.items[0].unit_price"),
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "total": "1.00", "items": [{"sku": "CAM", "quantity": 4294967295_u64, "unit_price": "92233720368547758.07"}]}),
            422,
            Some("transaction.items[0].quantity"),
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "total": "1.00", "items": []}),
            422,
            Some("transaction.items"),
        ),
        (
            json!({"order_id": "OTHER", "currency": "USD", "total": "1.00", "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1.00"}]}),
            422,
            Some("transaction.order_id"),
        ),
        (
            json!({"order_id": "B-2", "currency": "XXQ", "total": "1.00", "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1.00"}]}),
            400,
            Some("transaction.currency"),
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "total": 1.0, "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1.00"}]}),
            400,
            Some("transaction.total"),
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "items": [{"sku": "CAM", "quantity": 1, "unit_price": "1.00"}]}),
            400,
            None,
        ),
        (
            json!({"order_id": "B-2", "currency": "USD", "total": "1.00", "items": [{"sku": "CAM", "quantity": -1, "unit_price": "1.00"}]}),
            400,
            Some("transaction.items[0].quantity"),
        ),
    ];
    for (transaction, status, field) in cases {
        let response = app
            .post_opportunity(&json!({"ticket": t, "transaction": transaction}))
            .await;
        assert_problem(response, status, field).await;
    }
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn an_unknown_reason_code_or_incentive_is_refused() {
    let app = spawn_app().await;
    let c = claims("B-3", Some("NO-SUCH-CODE"));
    assert_problem(
        app.post_opportunity(&purchase(&ticket(&c), "B-3")).await,
        422,
        Some("ticket.reason_code"),
    )
    .await;
    let c = claims("B-4", Some("CAMERA-HIGH"));
    let mut body = purchase(&ticket(&c), "B-4");
    body["incentive"] = json!("free-car");
    assert_problem(app.post_opportunity(&body).await, 422, Some("incentive")).await;
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    let app = spawn_app().await;
    assert_problem(
        app.post_raw("/v1/opportunities", "{not json").await,
        400,
        None,
    )
    .await;
    assert_problem(app.post_raw("/v1/opportunities", "[]").await, 400, None).await;
    let big = format!("{{\"ticket\": \"{}\"}}", "a".repeat(70 * 1024));
    assert_problem(app.post_raw("/v1/opportunities", big).await, 413, None).await;
    let unknown_field = json!({"ticket": "x", "transaction": {}, "extra": 1}).to_string();
    assert_problem(
        app.post_raw("/v1/opportunities", unknown_field).await,
        400,
        None,
    )
    .await;
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn a_page_from_an_unregistered_origin_is_refused() {
    let app = spawn_app().await;
    let body = purchase(&ticket(&claims("O-1", Some("CAMERA-HIGH"))), "O-1");
    let response = app
        .client
        .post(format!("{}/v1/opportunities", app.base))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_problem(response, 403, None).await;
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn cors_preflight_is_answered_only_for_registered_origins() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/opportunities", app.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight(crate::helpers::ORIGIN).await.expect("sent");
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        crate::helpers::ORIGIN
    );
    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn many_purchases_at_once_each_get_their_own_opportunity() {
    let app = spawn_app().await;
    let bodies: Vec<Value> = (0..48)
        .map(|i| {
            let order = format!("M-{i}");
            let mut c = claims(&order, Some("CAMERA-HIGH"));
            c.customer_token = format!("cust-{order}");
            purchase(&ticket(&c), &order)
        })
        .collect();
    let sends = bodies.iter().map(|body| {
        let app = app.clone();
        async move {
            let response = app.post_opportunity(body).await;
            assert_eq!(response.status(), 201);
            let answer: Value = response.json().await.expect("json");
            answer["id"].as_str().expect("an id").to_owned()
        }
    });
    let ids: Vec<String> = futures_util::future::join_all(sends).await;
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 48, "one opportunity per order");
    assert_eq!(app.shown().await, 48);
    // Each order got its own: the same ticket again answers the same one.
    for i in [0, 7, 47] {
        let response = app.post_opportunity(&bodies[i]).await;
        assert_eq!(response.status(), 200);
        let again: Value = response.json().await.expect("json");
        assert_eq!(again["id"].as_str(), Some(ids[i].as_str()));
    }
}
