//! Thank-you rewards that do what they say: a discount or free shipping
//! changes the price shown, the disclosure, the consent and the charge;
//! bonus points reach the order; the reward is the ticket's unless the
//! reason code lets the customer pick, and then only from its list.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, card_reference, orders},
    helpers::{TestApp, assert_problem, claims, item, purchase, reason, spawn_app, ticket},
};

/// The OUTDOOR code (direct_entry, the tripod by default) offering `choices`.
pub(crate) async fn outdoor_offers(app: &TestApp, choices: &[&str]) {
    let mut code = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    code["default_items"] = json!(["TRIPOD"]);
    code["incentives"] = json!(choices);
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/OUTDOOR",
            Some(code),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

/// The tripod at `price`, shipped for `shipping`.
pub(crate) async fn tripod(app: &TestApp, price: &str, shipping: &str) {
    let mut body = item("TRIPOD", price, "USD", &[]);
    body["shipping"] = json!(shipping);
    let response = app
        .admin(
            Method::PUT,
            &app.trail_key,
            "offer-items/TRIPOD",
            Some(body),
        )
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

/// Opens OUTDOOR for `order` with a ticket naming `signed`, the customer
/// then picking `pick`; the opportunity's id and its offer.
pub(crate) async fn open(
    app: &TestApp,
    order: &str,
    signed: Option<&str>,
    pick: Option<&str>,
) -> (String, Value) {
    let mut c = claims(order, Some("OUTDOOR"));
    c.incentive = signed.map(str::to_owned);
    let mut body = purchase(&ticket(&c), order);
    let first = app.post_opportunity(&body).await;
    assert_eq!(first.status(), 201);
    let id = first.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    if let Some(pick) = pick {
        body["incentive"] = json!(pick);
        assert_eq!(app.post_opportunity(&body).await.status(), 200);
    }
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    (id, offer)
}

/// `quantity` tripods, consented at `amount`, paid with a typed card.
pub(crate) async fn buy(
    app: &TestApp,
    id: &str,
    offer: &Value,
    quantity: u32,
    amount: &str,
) -> reqwest::Response {
    let reference = card_reference(app, id, "4242424242424242").await;
    let body = json!({
        "items": [{"sku": "TRIPOD", "quantity": quantity}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": amount},
        "payment_reference": reference,
    });
    accept(app, id, &format!("key-{id}-{amount}"), &body).await
}

/// `POST /v1/admin/customers/points` for `token`, as the merchant of `key`.
pub(crate) async fn points_of(app: &TestApp, key: &str, token: &str) -> reqwest::Response {
    app.admin(
        Method::POST,
        key,
        "customers/points",
        Some(json!({"customer_token": token})),
    )
    .await
}

/// Creates the shop's incentive `body`.
pub(crate) async fn reward(app: &TestApp, body: Value) {
    app.must_create(&app.shop_key, "incentives", body).await;
}

#[tokio::test]
async fn a_percentage_discount_is_shown_consented_and_charged_rounded_half_up() {
    let app = spawn_app().await;
    reward(
        &app,
        json!({"id": "fifteen", "label": "15% off", "kind": "discount", "percent_off": 15}),
    )
    .await;
    outdoor_offers(&app, &["fifteen"]).await;
    tripod(&app, "19.99", "4.95").await;
    let (id, offer) = open(&app, "P-1", None, Some("fifteen")).await;
    assert_eq!(offer["incentive"]["id"], "fifteen");
    assert_eq!(offer["incentive"]["percent_off"], 15);
    assert_eq!(offer["items"][0]["shipping"], "4.95");
    let text = offer["disclosure"]["text"].as_str().expect("text");
    assert!(
        text.ends_with("The total shown includes your reward: 15% off."),
        "{text}"
    );

    // Two at 19.99 are 39.98; 15% of it is 5.997, which rounds to 6.00;
    // shipping is not discounted: 39.98 - 6.00 + 4.95 = 38.93.
    let undiscounted = buy(&app, &id, &offer, 2, "44.93").await;
    assert_problem(undiscounted, 422, Some("consent.amount")).await;
    assert!(
        orders(&app).await.is_empty(),
        "a refused accept stored an order"
    );

    let response = buy(&app, &id, &offer, 2, "38.93").await;
    assert_eq!(response.status(), 201);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["amount"], "38.93");
    let order = app.order(&answer["order_id"]).await;
    assert_eq!(order["amount_minor"], 3893);
    assert_eq!(order["discount_minor"], 600);
    assert_eq!(order["shipping_minor"], 495);
    assert_eq!(order["incentive"], "fifteen");
    assert_eq!(order["consent_receipt"]["amount_minor"], 3893);
}

#[tokio::test]
async fn free_shipping_waives_the_fee_and_a_fixed_discount_stops_at_the_items() {
    let app = spawn_app().await;
    reward(
        &app,
        json!({"id": "ship", "label": "Free shipping", "kind": "free_shipping"}),
    )
    .await;
    reward(&app, json!({"id": "minus-500", "label": "500 off", "kind": "discount", "amount_off": "500", "currency": "USD"})).await;
    outdoor_offers(&app, &["ship", "minus-500"]).await;
    tripod(&app, "99.00", "9.50").await;

    let (id, offer) = open(&app, "S-1", None, Some("ship")).await;
    assert_eq!(offer["incentive"]["free_shipping"], true);
    let response = buy(&app, &id, &offer, 1, "99.00").await;
    assert_eq!(response.status(), 201);
    let order = app
        .order(&response.json::<Value>().await.expect("json")["order_id"])
        .await;
    assert_eq!(
        (
            order["shipping_minor"].clone(),
            order["discount_minor"].clone()
        ),
        (json!(0), json!(0))
    );

    // 500 off a 99.00 tripod takes 99.00: the shipping is still paid.
    let (id, offer) = open(&app, "S-2", None, Some("minus-500")).await;
    let response = buy(&app, &id, &offer, 1, "9.50").await;
    assert_eq!(response.status(), 201);
    let order = app
        .order(&response.json::<Value>().await.expect("json")["order_id"])
        .await;
    assert_eq!(order["discount_minor"], 9900);
    assert_eq!(order["amount_minor"], 950);

    // Without a shipping fee, that leaves nothing to charge: refused.
    tripod(&app, "99.00", "0").await;
    let (id, offer) = open(&app, "S-3", None, Some("minus-500")).await;
    assert_problem(buy(&app, &id, &offer, 1, "0.00").await, 422, Some("items")).await;
    assert_eq!(orders(&app).await.len(), 2);
}

#[tokio::test]
async fn bonus_points_are_offered_and_credited_with_the_order() {
    let app = spawn_app().await;
    reward(
        &app,
        json!({"id": "bonus", "label": "200 bonus points", "kind": "points", "points": 200}),
    )
    .await;
    outdoor_offers(&app, &["ten", "bonus"]).await;
    let (id, offer) = open(&app, "B-1", None, Some("bonus")).await;
    // The code's 50 and the reward's 200; the price is untouched.
    assert_eq!(offer["points"], 250);
    let response = buy(&app, &id, &offer, 1, "99.00").await;
    assert_eq!(response.status(), 201);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["points"], 250);
    assert_eq!(app.order(&answer["order_id"]).await["points"], 250);
}

#[tokio::test]
async fn the_reward_is_the_tickets_unless_the_code_lets_the_customer_pick_from_its_list() {
    let app = spawn_app().await;
    reward(
        &app,
        json!({"id": "ship", "label": "Free shipping", "kind": "free_shipping"}),
    )
    .await;
    outdoor_offers(&app, &["ten"]).await;

    // The opportunity lists what may be picked; a pick from outside the
    // list, even of an incentive the affiliate has, is refused.
    let mut c = claims("C-1", Some("OUTDOOR"));
    let body = purchase(&ticket(&c), "C-1");
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
    let mut picked = body.clone();
    picked["incentive"] = json!("ship");
    assert_problem(app.post_opportunity(&picked).await, 422, Some("incentive")).await;
    let offer: Value = app
        .get_offer(opened["id"].as_str().expect("id"))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        offer["incentive"].is_null(),
        "a refused pick applied: {offer}"
    );

    // The ticket's incentive applies without a pick, even off the list...
    let (_, offer) = open(&app, "C-2", Some("ship"), None).await;
    assert_eq!(offer["incentive"]["id"], "ship");
    // ...and the customer may still pick from the list instead.
    let (_, offer) = open(&app, "C-3", Some("ship"), Some("ten")).await;
    assert_eq!(offer["incentive"]["id"], "ten");

    // A code without a list lets nobody pick.
    outdoor_offers(&app, &[]).await;
    c.order_id = "C-4".into();
    let mut body = purchase(&ticket(&c), "C-4");
    body["incentive"] = json!("ten");
    assert_problem(app.post_opportunity(&body).await, 422, Some("incentive")).await;
    // A ticket naming an incentive the affiliate does not have is refused.
    c.order_id = "C-5".into();
    c.incentive = Some("free-car".into());
    assert_problem(
        app.post_opportunity(&purchase(&ticket(&c), "C-5")).await,
        422,
        Some("incentive"),
    )
    .await;
    assert_eq!(app.shown().await, 3, "C-1, C-2 and C-3 only");
}

#[tokio::test]
async fn a_fixed_discount_in_another_currency_is_not_offered() {
    let app = spawn_app().await;
    reward(&app, json!({"id": "euro", "label": "5 EUR off", "kind": "discount", "amount_off": "5.00", "currency": "EUR"})).await;
    outdoor_offers(&app, &["ten", "euro"]).await;
    let c = claims("E-1", Some("OUTDOOR"));
    let opened: Value = app
        .post_opportunity(&purchase(&ticket(&c), "E-1"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        opened["incentives"],
        json!([{"id": "ten", "label": "10% off"}])
    );
}

#[tokio::test]
async fn incentives_and_the_codes_that_list_them_are_checked_when_saved() {
    let app = spawn_app().await;
    let base = json!({"id": "x", "label": "A reward"});
    let with = |fields: Value| {
        let mut body = base.clone();
        for (k, v) in fields.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    for (fields, field) in [
        (json!({"kind": "discount"}), "percent_off"),
        (json!({"kind": "discount", "percent_off": 0}), "percent_off"),
        (
            json!({"kind": "discount", "percent_off": 91}),
            "percent_off",
        ),
        (
            json!({"kind": "discount", "amount_off": "5.00"}),
            "currency",
        ),
        (
            json!({"kind": "discount", "amount_off": "0", "currency": "USD"}),
            "amount_off",
        ),
        (
            json!({"kind": "discount", "amount_off": "5.001", "currency": "USD"}),
            "amount_off",
        ),
        (
            json!({"kind": "discount", "percent_off": 5, "amount_off": "5", "currency": "USD"}),
            "amount_off",
        ),
        (
            json!({"kind": "discount", "percent_off": 5, "currency": "USD"}),
            "currency",
        ),
        (
            json!({"kind": "discount", "percent_off": 5, "points": 10}),
            "points",
        ),
        (json!({"kind": "points"}), "points"),
        (json!({"kind": "points", "points": 0}), "points"),
        (
            json!({"kind": "points", "points": 10, "percent_off": 5}),
            "percent_off",
        ),
        (json!({"kind": "free_shipping", "points": 10}), "points"),
        (
            json!({"kind": "free_shipping", "amount_off": "1", "currency": "USD"}),
            "amount_off",
        ),
    ] {
        let response = app
            .admin(
                Method::POST,
                &app.shop_key,
                "incentives",
                Some(with(fields.clone())),
            )
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
    let listed: Value = app
        .admin(Method::GET, &app.shop_key, "incentives", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "only the seeded one: {listed}"
    );

    let mut code = reason("NEW", "lens", "payment_reference", "popup");
    code["incentives"] = json!(["ten", "nope"]);
    let response = app
        .admin(
            Method::POST,
            &app.shop_key,
            "reason-codes",
            Some(code.clone()),
        )
        .await;
    assert_problem(response, 422, Some("incentives[1]")).await;
    code["incentives"] = json!(["ten", "ten"]);
    let response = app
        .admin(Method::POST, &app.shop_key, "reason-codes", Some(code))
        .await;
    assert_problem(response, 422, Some("incentives[1]")).await;

    // A card typed only in the hub's frame cannot be taken in a pop-up.
    let code = reason("CARD-POPUP", "trail", "direct_entry", "popup");
    let response = app
        .admin(Method::POST, &app.shop_key, "reason-codes", Some(code))
        .await;
    assert_problem(response, 422, Some("presentation")).await;

    let mut tripod = item("TRIPOD-2", "10.00", "USD", &[]);
    tripod["shipping"] = json!("-1");
    let response = app
        .admin(Method::POST, &app.trail_key, "offer-items", Some(tripod))
        .await;
    assert_problem(response, 422, Some("shipping")).await;
}

#[tokio::test]
async fn the_affiliate_reads_its_customers_points_and_hears_the_balance() {
    let app = spawn_app().await;
    crate::handoff::put_url(
        &app,
        &app.shop_key,
        "webhook_url",
        "http://127.0.0.1:9/shop",
    )
    .await;
    reward(
        &app,
        json!({"id": "bonus", "label": "200 bonus points", "kind": "points", "points": 200}),
    )
    .await;
    outdoor_offers(&app, &["bonus"]).await;
    let (id, offer) = open(&app, "PT-1", None, None).await;
    assert_eq!(buy(&app, &id, &offer, 1, "99.00").await.status(), 201);
    let (id, offer) = open(&app, "PT-2", None, Some("bonus")).await;
    let second: Value = buy(&app, &id, &offer, 1, "99.00")
        .await
        .json()
        .await
        .expect("json");

    let points: Value = points_of(&app, &app.shop_key, "cust-1")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(points["balance"], 300, "50, then 50 and 200: {points}");
    assert_eq!(points["entries"][0]["order_id"], second["order_id"]);
    assert_eq!(points["entries"].as_array().map(Vec::len), Some(2));
    let nobody: Value = points_of(&app, &app.shop_key, "cust-other")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(nobody["balance"], 0);
    assert_problem(points_of(&app, &app.trail_key, "cust-1").await, 403, None).await;
    assert_problem(
        points_of(&app, &app.shop_key, "").await,
        422,
        Some("customer_token"),
    )
    .await;

    let pool = crate::helpers::database(&app).await;
    let body: String = sqlx::query_scalar(
        "SELECT body FROM webhooks WHERE upseller_id = 'shop' AND order_id = $1",
    )
    .bind(second["order_id"].as_str().expect("id"))
    .fetch_one(&pool)
    .await
    .expect("the affiliate's webhook");
    let event: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(event["upsell"]["points"], 250);
    assert_eq!(event["upsell"]["points_balance"], 300);
}

#[tokio::test]
async fn the_hubs_frame_records_a_pick_from_the_codes_list_with_its_token_only() {
    let app = spawn_app().await;
    reward(
        &app,
        json!({"id": "ship", "label": "Free shipping", "kind": "free_shipping"}),
    )
    .await;
    outdoor_offers(&app, &["ten"]).await;
    let (id, _) = open(&app, "F-1", None, None).await;
    let (other, _) = open(&app, "F-2", None, None).await;
    let token = crate::accept::frame_token(&app, &id).await;
    let others = crate::accept::frame_token(&app, &other).await;
    let pick = |token: Option<String>, body: Value| {
        let mut request = app
            .client
            .post(format!("{}/v1/opportunities/{id}/incentive", app.base))
            .json(&body);
        if let Some(token) = token {
            request = request.header("postsale-frame-token", token);
        }
        request.send()
    };
    let ten = json!({"incentive": "ten"});
    for refused in [None, Some(others), Some("ab".repeat(32))] {
        assert_problem(pick(refused, ten.clone()).await.expect("sent"), 403, None).await;
    }
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert!(
        offer["incentive"].is_null(),
        "a refused pick applied: {offer}"
    );

    let mine = || Some(token.clone());
    assert_problem(
        pick(mine(), json!({"incentive": "ship"}))
            .await
            .expect("sent"),
        422,
        Some("incentive"),
    )
    .await;
    for malformed in [
        json!({"incentive": 10}),
        json!({}),
        json!({"incentive": "ten", "x": 1}),
    ] {
        assert_eq!(pick(mine(), malformed).await.expect("sent").status(), 400);
    }
    assert_eq!(pick(mine(), ten.clone()).await.expect("sent").status(), 204);
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert_eq!(offer["incentive"]["id"], "ten");
    assert_eq!(app.decline(&id).await.status(), 204);
    assert_problem(pick(mine(), ten).await.expect("sent"), 409, None).await;
}
