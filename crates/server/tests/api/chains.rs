//! Follow-up offers: after an accept the reason code's `next`, after a
//! decline its `downsell`, each an opportunity of its own for the same
//! order (its own disclosure, consent and charge), leaving out what the
//! chain offered, carrying the orders placed so far, and ending at the
//! first code's cap of accepted offers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, card_reference, frame_token, orders},
    helpers::{TestApp, assert_problem, claims, item, purchase, reason, spawn_app, ticket},
};

/// Trail's items beside the tripod: a strap and a cap.
async fn more_items(app: &TestApp) {
    for (sku, price) in [("STRAP", "25.00"), ("CAP", "9.00"), ("BAG", "49.00")] {
        app.must_create(&app.trail_key, "offer-items", item(sku, price, "USD", &[]))
            .await;
    }
}

/// Saves the shop's direct_entry code `code` offering `items`, with the
/// fields of `with`.
async fn code(app: &TestApp, code: &str, items: &[&str], with: Value) -> reqwest::Response {
    let mut body = reason(code, "trail", "direct_entry", "iframe");
    body["default_items"] = json!(items);
    body["incentives"] = json!([]);
    for (key, value) in with.as_object().expect("fields") {
        body[key] = value.clone();
    }
    let path = format!("reason-codes/{code}");
    let replaced = app
        .admin(Method::PUT, &app.shop_key, &path, Some(body.clone()))
        .await;
    if replaced.status() != 404 {
        return replaced;
    }
    let created = app
        .admin(Method::POST, &app.shop_key, "reason-codes", Some(body))
        .await;
    if created.status() == 201 {
        // Created is saved, as a replacement would be.
        return app.admin(Method::GET, &app.shop_key, &path, None).await;
    }
    created
}

/// Opens `code` for order `order`: the opportunity and its offer.
async fn first(app: &TestApp, order: &str, code: &str) -> (String, Value) {
    app.opened(&purchase(&ticket(&claims(order, Some(code))), order))
        .await
}

/// `POST /v1/opportunities/{id}/next`.
async fn next(app: &TestApp, id: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/opportunities/{id}/next", app.base))
        .send()
        .await
        .expect("sent")
}

/// The follow-up of `id`: the opportunity and its offer.
async fn follow(app: &TestApp, id: &str) -> (Value, Value) {
    let response = next(app, id).await;
    assert_eq!(response.status(), 200);
    let opportunity: Value = response.json().await.expect("json");
    let offer = app
        .get_offer(opportunity["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    (opportunity, offer)
}

/// Why nothing follows `id`.
async fn nothing_after(app: &TestApp, id: &str) -> String {
    let response = next(app, id).await;
    assert_eq!(response.status(), 204);
    response.headers()["postsale-no-offer"]
        .to_str()
        .expect("text")
        .to_owned()
}

/// The offer's SKUs.
fn skus(offer: &Value) -> Vec<String> {
    offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["sku"].as_str().expect("sku").to_owned())
        .collect()
}

/// Buys the offer's first item, once, paying its price by card.
async fn buy_first(app: &TestApp, id: &str, offer: &Value) -> Value {
    let reference = card_reference(app, id, "4242424242424242").await;
    let body = json!({
        "items": [{"sku": offer["items"][0]["sku"], "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button",
            "amount": offer["items"][0]["unit_price"]},
        "payment_reference": reference,
    });
    let response = accept(app, id, &format!("key-{id}"), &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

async fn decline(app: &TestApp, id: &str) {
    let response = app
        .client
        .post(format!("{}/v1/opportunities/{id}/decline", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn upsell_then_decline_then_downsell_then_accept_each_charged_on_its_own() {
    let app = spawn_app().await;
    more_items(&app).await;
    assert_eq!(code(&app, "LESS", &["CAP"], json!({})).await.status(), 200);
    assert_eq!(
        code(
            &app,
            "MORE",
            &["STRAP"],
            json!({"downsell": "LESS", "incentives": ["ten"]})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        code(&app, "OUTDOOR", &["TRIPOD"], json!({"next": "MORE"}))
            .await
            .status(),
        200
    );

    let (id, offer) = first(&app, "CH-1", "OUTDOOR").await;
    // Nothing follows an offer still open.
    assert_problem(next(&app, &id).await, 409, None).await;
    let tripod = buy_first(&app, &id, &offer).await;

    // The upsell after the accept: its own opportunity, the tripod not
    // offered again, the first order carried for the confirmation.
    let (more, more_offer) = follow(&app, &id).await;
    assert_eq!(more["reason_code"], "MORE");
    assert_eq!(
        more["earlier"],
        json!([{"order_id": tripod["order_id"], "amount": "99.00"}])
    );
    assert_eq!(skus(&more_offer), ["STRAP"]);
    assert_eq!(more_offer["opportunity_id"], more["id"]);
    assert_ne!(
        more["id"],
        json!(id),
        "a follow-up is an opportunity of its own"
    );
    // Asked again: the same follow-up, not another.
    let (again, _) = follow(&app, &id).await;
    assert_eq!(again["id"], more["id"]);
    // A follow-up offers no reward to pick, whatever its code lists: a
    // pick posted from its frame anyway is refused and prices nothing.
    assert_eq!(more["incentives"], json!([]));
    let more_id = more["id"].as_str().expect("id");
    let token = frame_token(&app, more_id).await;
    let forced = app
        .client
        .post(format!("{}/v1/opportunities/{more_id}/incentive", app.base))
        .header("postsale-frame-token", token)
        .json(&json!({"incentive": "ten"}))
        .send()
        .await
        .expect("sent");
    assert_problem(forced, 422, Some("incentive")).await;
    let unpriced: Value = app.get_offer(more_id).await.json().await.expect("json");
    assert!(unpriced["incentive"].is_null(), "{unpriced}");

    // Declined, the downsell comes.
    decline(&app, more_id).await;
    let (less, less_offer) = follow(&app, more_id).await;
    assert_eq!(less["reason_code"], "LESS");
    assert_eq!(skus(&less_offer), ["CAP"]);
    assert_eq!(less["earlier"], more["earlier"]);
    let less_id = less["id"].as_str().expect("id");
    let cap = buy_first(&app, less_id, &less_offer).await;
    assert_eq!(cap["amount"], "9.00");

    // LESS names nothing to follow it.
    assert_eq!(nothing_after(&app, less_id).await, "chain_ended");
    let placed = orders(&app).await;
    assert_eq!(placed.len(), 2, "two accepts, two orders");
    assert!(
        placed.iter().all(|o| o["status"] == "charged"),
        "{placed:?}"
    );
    // Follow-ups are not first offers: the customer's cap of three first
    // offers a day is untouched by them.
    for order in ["CH-2", "CH-3"] {
        first(&app, order, "OUTDOOR").await;
    }
}

#[tokio::test]
async fn a_chain_ends_at_the_first_codes_cap_of_accepted_offers() {
    let app = spawn_app().await;
    more_items(&app).await;
    // Every accept brings another offer, until the first code's two.
    assert_eq!(code(&app, "MOST", &["CAP"], json!({})).await.status(), 200);
    assert_eq!(
        code(
            &app,
            "MORE",
            &["STRAP"],
            json!({"next": "MOST", "max_accepted": 10})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        code(
            &app,
            "OUTDOOR",
            &["TRIPOD"],
            json!({"next": "MORE", "max_accepted": 2})
        )
        .await
        .status(),
        200
    );
    let (id, offer) = first(&app, "CAP-1", "OUTDOOR").await;
    buy_first(&app, &id, &offer).await;
    let (second, second_offer) = follow(&app, &id).await;
    assert_eq!(skus(&second_offer), ["STRAP"]);
    let second_id = second["id"].as_str().expect("id");
    buy_first(&app, second_id, &second_offer).await;
    // MORE names MOST, but the chain holds two accepted orders already.
    assert_eq!(nothing_after(&app, second_id).await, "chain_ended");
    assert_eq!(orders(&app).await.len(), 2);

    // However many codes follow each other, a chain stops at five offers.
    for sku in ["HAT", "MUG"] {
        app.must_create(&app.trail_key, "offer-items", item(sku, "5.00", "USD", &[]))
            .await;
    }
    let steps = [
        ("STEP-5", "MUG"),
        ("STEP-4", "HAT"),
        ("STEP-3", "BAG"),
        ("STEP-2", "CAP"),
        ("STEP-1", "STRAP"),
        ("OUTDOOR", "TRIPOD"),
    ];
    let mut after: Option<&str> = None;
    for (name, sku) in steps {
        let with = match after {
            Some(follow) => json!({"downsell": follow, "max_accepted": 10}),
            None => json!({}),
        };
        assert_eq!(code(&app, name, &[sku], with).await.status(), 200);
        after = Some(name);
    }
    let (mut id, _) = first(&app, "STEPS-1", "OUTDOOR").await;
    for step in 1..5 {
        decline(&app, &id).await;
        let (follow_up, _) = follow(&app, &id).await;
        assert_eq!(follow_up["reason_code"], format!("STEP-{step}"));
        id = follow_up["id"].as_str().expect("id").to_owned();
    }
    decline(&app, &id).await;
    assert_eq!(
        nothing_after(&app, &id).await,
        "chain_ended",
        "STEP-5 would be the sixth offer"
    );
}

#[tokio::test]
async fn follow_ups_are_checked_when_saved_and_refused_when_unknown() {
    let app = spawn_app().await;
    assert_problem(
        code(&app, "OUTDOOR", &["TRIPOD"], json!({"next": "NOPE"})).await,
        422,
        Some("next"),
    )
    .await;
    // CAMERA-HIGH is a pop-up: a frame offer cannot turn into one.
    assert_problem(
        code(
            &app,
            "OUTDOOR",
            &["TRIPOD"],
            json!({"downsell": "CAMERA-HIGH"}),
        )
        .await,
        422,
        Some("downsell"),
    )
    .await;
    for bad in [0, 11] {
        assert_problem(
            code(&app, "OUTDOOR", &["TRIPOD"], json!({"max_accepted": bad})).await,
            422,
            Some("max_accepted"),
        )
        .await;
    }
    assert_problem(next(&app, "opp_nothing").await, 404, None).await;

    // A declined card reopens the offer: nothing follows yet.
    more_items(&app).await;
    assert_eq!(
        code(&app, "OUTDOOR", &["TRIPOD"], json!({"next": "OUTDOOR"}))
            .await
            .status(),
        200
    );
    let (id, offer) = first(&app, "BAD-1", "OUTDOOR").await;
    let reference = card_reference(&app, &id, "4000000000000002").await;
    let body = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "99.00"},
        "payment_reference": reference,
    });
    assert_problem(accept(&app, &id, "declined", &body).await, 402, None).await;
    assert_problem(next(&app, &id).await, 409, None).await;
    // Without a code to follow it, a declined offer ends the chain.
    decline(&app, &id).await;
    assert_eq!(nothing_after(&app, &id).await, "chain_ended");
}
