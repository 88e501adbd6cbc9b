//! The affiliate says which customer data it holds (billing, shipping):
//! a reason code needing data it does not hold cannot be saved, selection
//! shows nothing that needs it, and physical items are left out of offers
//! the affiliate cannot ship.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, claims, item, purchase, reason, spawn_app, ticket};

/// Sets the shop's `customer_data` to `held`.
async fn holds(app: &TestApp, held: Value) -> reqwest::Response {
    let mut me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    me["customer_data"] = held;
    app.admin(Method::PUT, &app.shop_key, "merchant", Some(me))
        .await
}

/// Reports order `order` under `code`: the status and the no-offer reason.
async fn show(app: &TestApp, order: &str, code: &str) -> (u16, Option<String>) {
    let response = app
        .post_opportunity(&purchase(&ticket(&claims(order, Some(code))), order))
        .await;
    let reason = response
        .headers()
        .get("postsale-no-offer")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), reason)
}

/// Saves the shop's reason code `body`.
async fn save_code(app: &TestApp, body: Value) -> reqwest::Response {
    let path = format!("reason-codes/{}", body["code"].as_str().expect("code"));
    app.admin(Method::PUT, &app.shop_key, &path, Some(body))
        .await
}

#[tokio::test]
async fn an_affiliate_holds_both_unless_it_says_less_and_says_it_once() {
    let app = spawn_app().await;
    let me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["customer_data"], json!(["billing", "shipping"]));
    assert_problem(
        holds(&app, json!(["shipping", "shipping"])).await,
        422,
        Some("customer_data"),
    )
    .await;
    assert_problem(
        holds(&app, json!(["passport"])).await,
        400,
        Some("customer_data[0]"),
    )
    .await;
    assert_eq!(holds(&app, json!([])).await.status(), 200);
    let me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["customer_data"], json!([]));
}

#[tokio::test]
async fn a_code_needing_billing_the_affiliate_does_not_hold_is_refused_and_shows_nothing() {
    let app = spawn_app().await;
    assert_eq!(show(&app, "CD-1", "CAMERA-HIGH").await.0, 201);

    // Without billing data, payment_reference (the affiliate's payment
    // method charged) can never complete: nothing is shown...
    assert_eq!(holds(&app, json!(["shipping"])).await.status(), 200);
    assert_eq!(
        show(&app, "CD-2", "CAMERA-HIGH").await,
        (204, Some("customer_data".to_owned()))
    );
    // ...and the code cannot be saved again, nor another like it.
    let high = reason("CAMERA-HIGH", "lens", "payment_reference", "popup");
    let problem = assert_problem(
        save_code(&app, high.clone()).await,
        422,
        Some("handoff_mode"),
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("billing")),
        "{problem}"
    );
    // direct_entry needs nothing of the affiliate: the customer types the
    // card in the hub's frame.
    assert_eq!(show(&app, "CD-3", "OUTDOOR").await.0, 201);

    // A code may require data beyond its mode's.
    let mut outdoor = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    outdoor["default_items"] = json!(["TRIPOD"]);
    outdoor["requires"] = json!(["billing"]);
    assert_problem(
        save_code(&app, outdoor.clone()).await,
        422,
        Some("requires"),
    )
    .await;
    outdoor["requires"] = json!(["shipping", "shipping"]);
    assert_problem(
        save_code(&app, outdoor.clone()).await,
        422,
        Some("requires[1]"),
    )
    .await;
    outdoor["requires"] = json!(["shipping"]);
    assert_eq!(save_code(&app, outdoor.clone()).await.status(), 200);
    assert_eq!(show(&app, "CD-4", "OUTDOOR").await.0, 201);

    // Once the affiliate stops holding it, the code shows nothing.
    assert_eq!(holds(&app, json!([])).await.status(), 200);
    assert_eq!(
        show(&app, "CD-5", "OUTDOOR").await,
        (204, Some("customer_data".to_owned()))
    );
    // Holding both again, everything is back.
    assert_eq!(
        holds(&app, json!(["billing", "shipping"])).await.status(),
        200
    );
    assert_eq!(save_code(&app, high).await.status(), 200);
    assert_eq!(show(&app, "CD-6", "CAMERA-HIGH").await.0, 201);
    assert_eq!(app.shown().await, 4, "CD-1, CD-3, CD-4 and CD-6");
}

#[tokio::test]
async fn physical_items_are_left_out_where_the_affiliate_cannot_ship_them() {
    let app = spawn_app().await;
    // The lens and the filter are parcels; CAMERA-HIGH (payment_reference)
    // offers both for a camera.
    let mut lens = item("LENS-35", "349.00", "USD", &["CAM"]);
    lens["physical"] = json!(true);
    let response = app
        .admin(
            Method::PUT,
            &app.lens_key,
            "offer-items/LENS-35",
            Some(lens),
        )
        .await;
    assert_eq!(response.status(), 200);
    let items = |offer: &Value| -> Vec<String> {
        let mut skus: Vec<String> = offer["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["sku"].as_str().expect("sku").to_owned())
            .collect();
        skus.sort();
        skus
    };
    let opened = |order: &'static str| {
        let app = &app;
        async move {
            let body = purchase(&ticket(&claims(order, Some("CAMERA-HIGH"))), order);
            app.opened(&body).await.1
        }
    };
    assert_eq!(items(&opened("PH-1").await), ["FILTER", "LENS-35"]);
    // Billing only: the affiliate could charge but not ship the lens.
    assert_eq!(holds(&app, json!(["billing"])).await.status(), 200);
    assert_eq!(items(&opened("PH-2").await), ["FILTER"]);
    // Nothing left that it can ship: no offer.
    let mut filter = item("FILTER", "29.00", "USD", &["CAM", "LENS-50"]);
    filter["physical"] = json!(true);
    let response = app
        .admin(
            Method::PUT,
            &app.lens_key,
            "offer-items/FILTER",
            Some(filter),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        show(&app, "PH-3", "CAMERA-HIGH").await,
        (204, Some("no_eligible_items".to_owned()))
    );
}
