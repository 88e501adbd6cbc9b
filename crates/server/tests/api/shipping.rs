//! Shipping: the affiliate may pass the address with the purchase; a
//! `direct_entry` order of a physical item ships where the customer
//! confirmed in the hub's frame, and reaches the upseller with it; without
//! an address it is refused, and nothing else carries one it does not need.

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, card_reference, orders},
    handoff::proven_webhook,
    helpers::{TestApp, assert_problem, claims, database, item, purchase, spawn_app, ticket},
};

fn address() -> Value {
    json!({"line1": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"})
}

/// The tripod, shipped.
async fn physical_tripod(app: &TestApp) {
    let mut body = item("TRIPOD", "99.00", "USD", &[]);
    body["physical"] = json!(true);
    let response = app
        .admin(
            Method::PUT,
            &app.trail_key,
            "offer-items/TRIPOD",
            Some(body),
        )
        .await;
    assert_eq!(response.status(), 200);
}

/// Opens OUTDOOR (direct_entry) for `order`, the purchase carrying
/// `ship_to`; the opportunity and its offer.
async fn open(app: &TestApp, order: &str, ship_to: Option<Value>) -> (String, Value) {
    let mut body = purchase(&ticket(&claims(order, Some("OUTDOOR"))), order);
    if let Some(ship_to) = ship_to {
        body["transaction"]["ship_to"] = ship_to;
    }
    app.opened(&body).await
}

/// One tripod, paid by card, shipped to `ship_to`.
async fn buy(app: &TestApp, id: &str, offer: &Value, ship_to: Option<Value>) -> reqwest::Response {
    let reference = card_reference(app, id, "4242424242424242").await;
    let mut body = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "99.00"},
        "payment_reference": reference,
    });
    if let Some(ship_to) = ship_to {
        body["ship_to"] = ship_to;
    }
    accept(app, id, &format!("ship-{}", key_for(&body)), &body).await
}

/// A key per body: a refused accept's key is not used again.
fn key_for(body: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.to_string().hash(&mut hasher);
    format!("{:x}", hasher.finish())
}

#[tokio::test]
async fn a_direct_entry_order_of_a_physical_item_ships_where_the_customer_said() {
    let app = spawn_app().await;
    physical_tripod(&app).await;
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    proven_webhook(&app, &app.trail_key, move |body| {
        let sink = sink.clone();
        async move {
            sink.lock()
                .expect("lock")
                .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
    })
    .await;

    let (id, offer) = open(&app, "SHIP-1", Some(address())).await;
    assert_eq!(offer["items"][0]["physical"], true);
    assert_eq!(
        offer["ship_to"],
        address(),
        "the frame offers the affiliate's address"
    );

    assert_problem(buy(&app, &id, &offer, None).await, 422, Some("ship_to")).await;
    let mut foreign = address();
    foreign["country"] = json!("Germany");
    assert_problem(
        buy(&app, &id, &offer, Some(foreign)).await,
        422,
        Some("ship_to.country"),
    )
    .await;
    let mut card = address();
    card["line1"] = json!("4242 4242 4242 4242");
    let refused = buy(&app, &id, &offer, Some(card)).await;
    let text = refused.text().await.expect("text");
    assert!(
        text.contains("ship_to.line1") && !text.contains("4242"),
        "{text}"
    );
    assert!(
        orders(&app).await.is_empty(),
        "a refused accept stored an order"
    );

    // Another address than the affiliate's: the customer's word.
    let mut other = address();
    other["line1"] = json!("Gartenweg 2");
    let response = buy(&app, &id, &offer, Some(other.clone())).await;
    assert_eq!(response.status(), 201);
    let mut event = Value::Null;
    for _ in 0..100 {
        if let Some(found) = received.lock().expect("lock").first().cloned() {
            event = found;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(event["event"], "order.charged");
    assert_eq!(event["order"]["ship_to"], other, "{event}");
}

#[tokio::test]
async fn an_address_is_refused_where_nothing_ships_or_the_affiliate_says_where() {
    let app = spawn_app().await;
    // Not physical: nothing ships, so no address is kept.
    let (id, offer) = open(&app, "SHIP-2", None).await;
    assert!(offer["ship_to"].is_null());
    assert_problem(
        buy(&app, &id, &offer, Some(address())).await,
        422,
        Some("ship_to"),
    )
    .await;
    assert_eq!(buy(&app, &id, &offer, None).await.status(), 201);

    // payment_reference: the affiliate's customer record says where; its
    // offer does not carry the purchase's address.
    let mut body = purchase(&ticket(&claims("SHIP-3", Some("CAMERA-HIGH"))), "SHIP-3");
    body["transaction"]["ship_to"] = address();
    let opened: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let offer: Value = app
        .get_offer(opened["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    assert!(offer["ship_to"].is_null(), "{offer}");
}

#[tokio::test]
async fn a_purchase_with_a_malformed_address_is_refused_storing_nothing() {
    let app = spawn_app().await;
    for (change, field) in [
        (json!({"country": "de"}), "transaction.ship_to.country"),
        (json!({"city": ""}), "transaction.ship_to.city"),
        (
            json!({"postal_code": "1".repeat(21)}),
            "transaction.ship_to.postal_code",
        ),
        (json!({"line2": "a\u{0}b"}), "transaction.ship_to.line2"),
    ] {
        let mut ship_to = address();
        for (k, v) in change.as_object().expect("object") {
            ship_to[k] = v.clone();
        }
        let mut body = purchase(&ticket(&claims("SHIP-4", Some("OUTDOOR"))), "SHIP-4");
        body["transaction"]["ship_to"] = ship_to;
        assert_problem(app.post_opportunity(&body).await, 422, Some(field)).await;
    }
    let mut body = purchase(&ticket(&claims("SHIP-4", Some("OUTDOOR"))), "SHIP-4");
    body["transaction"]["ship_to"] = json!({"line1": "x"});
    assert_eq!(app.post_opportunity(&body).await.status(), 400);
    assert_eq!(app.shown().await, 0);
}

#[tokio::test]
async fn erasing_the_customer_removes_the_addresses_and_keeps_the_order() {
    let app = spawn_app().await;
    physical_tripod(&app).await;
    let (id, offer) = open(&app, "SHIP-5", Some(address())).await;
    assert_eq!(buy(&app, &id, &offer, Some(address())).await.status(), 201);
    let pool = database(&app).await;
    let kept = async || -> i64 {
        let mut n = 0;
        for table in ["opportunities", "orders"] {
            n += sqlx::query_scalar::<_, i64>(&format!(
                "SELECT COUNT(*) FROM {table} WHERE ship_to IS NOT NULL"
            ))
            .fetch_one(&pool)
            .await
            .expect("count");
        }
        n
    };
    assert_eq!(kept().await, 2);
    let erased: Value = app
        .admin(
            Method::POST,
            &app.shop_key,
            "customers/erase",
            Some(json!({"customer_token": "cust-1"})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(erased["addresses"], 2, "{erased}");
    assert_eq!(kept().await, 0);
    assert_eq!(orders(&app).await.len(), 1, "the order stays");
}
