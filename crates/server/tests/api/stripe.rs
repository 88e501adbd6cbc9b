//! The Stripe gateway against a real implementation of Stripe's API:
//! `localstripe`, which `cargo xtask test` starts on loopback and names in
//! `POSTSALE_TEST_STRIPE`. Cards are entered as Stripe.js would (a token
//! made with the publishable key), so the hub only ever sees `tok_...`.
//! Where localstripe differs from Stripe the tests adapt, not the adapter
//! (README, "Stripe").

use std::time::Duration;

use hmac::{Hmac, Mac};
use postsale_server::{Gateway, Secret, StripeSettings};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::Row;

use crate::{
    accept::{accept, accept_body, frame_token, outdoor},
    durability::{pool, start_hub, tempdir},
    handoff::{affiliate, body_for, open, put_url},
    helpers::{TestApp, assert_problem, claims, database, fresh_database, seed, spawn_configured},
};

const SECRET_KEY: &str = "sk_test_postsale";
const PUBLISHABLE_KEY: &str = "pk_test_postsale";
const WEBHOOK_SECRET: &str = "whsec_postsale_test";

/// localstripe's address; `None` (the test passes without running) only
/// outside CI, where it may not be installed.
fn localstripe() -> Option<String> {
    match std::env::var("POSTSALE_TEST_STRIPE") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_owned()),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the Stripe tests: POSTSALE_TEST_STRIPE names localstripe"
            );
            eprintln!("POSTSALE_TEST_STRIPE is not set: localstripe tests not run");
            None
        }
    }
}

fn settings(api: &str) -> Gateway {
    Gateway::Stripe(StripeSettings {
        secret_key: Secret::new(SECRET_KEY),
        publishable_key: PUBLISHABLE_KEY.into(),
        webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
        api_base: api.into(),
        js_url: format!("{api}/js.stripe.com/v3/"),
    })
}

/// A seeded hub charging through localstripe at `api`.
async fn stripe_hub(api: &str) -> TestApp {
    let gateway = settings(api);
    spawn_configured(move |s| s.gateway = gateway).await
}

/// A card token, made as Stripe.js makes it: with the publishable key.
async fn token(api: &str, number: &str) -> Result<String, Value> {
    let answer = reqwest::Client::new()
        .post(format!("{api}/v1/tokens"))
        .form(&[
            ("key", PUBLISHABLE_KEY),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await
        .expect("localstripe answers");
    let body: Value = answer.json().await.expect("json");
    body["id"].as_str().map(str::to_owned).ok_or(body)
}

/// Stripe's object at `path`, read with the secret key.
async fn stripe_get(api: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{api}{path}"))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .expect("localstripe answers")
        .json()
        .await
        .expect("json")
}

/// The card's token entered in the hub's frame: the hub's answer.
async fn enter_token(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    let frame = frame_token(app, id).await;
    app.client
        .post(format!("{}/v1/opportunities/{id}/card", app.base))
        .header("postsale-frame-token", frame)
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("sent")
}

/// A card (`number`) entered for opportunity `id`: its payment reference.
async fn entered_card(app: &TestApp, api: &str, id: &str, number: &str) -> String {
    let token = token(api, number).await.expect("a token");
    let response = enter_token(app, id, &token).await;
    assert_eq!(response.status(), 201);
    let reference = response.json::<Value>().await.expect("json")["payment_reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    assert!(
        reference.starts_with("cus_") && reference.contains("/card_"),
        "{reference}"
    );
    reference
}

/// Stripe's payments made for `order`.
async fn intents_of(api: &str, order: &str) -> Vec<Value> {
    let list = stripe_get(api, "/v1/payment_intents?limit=100").await;
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|pi| pi["metadata"]["order_id"] == order)
        .cloned()
        .collect()
}

/// What localstripe's 3-D Secure page does when the customer completes
/// (or fails) it: the step of `confirmCardPayment` in its Stripe.js.
async fn authenticate(api: &str, client_secret: &str, success: bool) {
    let intent = client_secret.split("_secret_").next().expect("intent id");
    let answer = reqwest::Client::new()
        .post(format!(
            "{api}/v1/payment_intents/{intent}/_authenticate?success={success}"
        ))
        .json(&json!({"key": PUBLISHABLE_KEY, "client_secret": client_secret}))
        .send()
        .await
        .expect("localstripe answers");
    assert_eq!(answer.status(), 200);
}

fn sign(body: &[u8], at: i64, secret: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{at}.").as_bytes());
    mac.update(body);
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn send_event(base: &str, body: &[u8], signature: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/v1/processor/events"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn a_card_from_stripes_fields_is_charged_once_on_session() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, offer) = outdoor(&app, "S-1").await;
    let reference = entered_card(&app, &api, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    let first = accept(&app, &id, "s-key-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["status"], "charged");
    let order = first["order_id"].as_str().expect("order").to_owned();
    // The same accept again: the same answer, and nothing charged again.
    let again = accept(&app, &id, "s-key-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.expect("json"), first);

    let intents = intents_of(&api, &order).await;
    assert_eq!(intents.len(), 1, "one payment for the order");
    let intent = &intents[0];
    assert_eq!(intent["status"], "succeeded");
    assert_eq!(intent["amount"], 9900);
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["metadata"]["opportunity_id"], id.as_str());
    assert_eq!(intent["metadata"]["consent_receipt"], order.as_str());
    let (customer, card) = reference.split_once('/').expect("customer/card");
    assert_eq!(intent["customer"], customer);
    assert_eq!(intent["payment_method"], card);

    // The hub books Stripe's payment as the order's charge.
    let db = database(&app).await;
    let charge: String = sqlx::query_scalar("SELECT charge_id FROM orders WHERE id = $1")
        .bind(&order)
        .fetch_one(&db)
        .await
        .expect("order");
    assert_eq!(charge, intent["id"].as_str().expect("id"));
}

#[tokio::test]
async fn a_card_is_only_taken_from_stripes_fields_and_a_refused_token_stores_nothing() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, _) = outdoor(&app, "S-2").await;
    // The hub's own form is not this hub's: no card number is taken.
    let frame = frame_token(&app, &id).await;
    let typed = app
        .client
        .post(format!("{}/v1/opportunities/{id}/card", app.base))
        .header("postsale-frame-token", &frame)
        .json(&json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}))
        .send()
        .await
        .expect("sent");
    assert_problem(typed, 400, None).await;
    // Declined when attached; a token Stripe never made; one used before.
    let declined = token(&api, "4000000000000002").await.expect("token");
    assert_problem(enter_token(&app, &id, &declined).await, 422, Some("token")).await;
    assert_problem(
        enter_token(&app, &id, "tok_madeup1234").await,
        422,
        Some("token"),
    )
    .await;
    assert_problem(
        enter_token(&app, &id, "pm_card_visa").await,
        422,
        Some("token"),
    )
    .await;
    let db = database(&app).await;
    let cards: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_cards")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(cards, 0);
    // The frame page loads Stripe.js from the processor, named in its CSP.
    let page = app
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", app.base))
        .send()
        .await
        .expect("sent");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains(&format!("script-src {} {api} ", app.base)),
        "{csp}"
    );
    assert!(csp.contains(&format!("frame-src {api};")), "{csp}");
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!(
        "data-processor-script=\"{api}/js.stripe.com/v3/\""
    )));
    assert!(html.contains(&format!("data-processor-key=\"{PUBLISHABLE_KEY}\"")));
}

#[tokio::test]
async fn a_declined_charge_fails_the_order_and_another_card_may_be_tried() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, offer) = outdoor(&app, "S-3").await;
    // Attached fine, declined when charged.
    let reference = entered_card(&app, &api, &id, "4000000000000341").await;
    let declined = accept(&app, &id, "s-key-3a", &accept_body(&offer, &reference)).await;
    let problem = assert_problem(declined, 402, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("declined")),
        "{problem}"
    );
    let other = entered_card(&app, &api, &id, "4242424242424242").await;
    let paid = accept(&app, &id, "s-key-3b", &accept_body(&offer, &other)).await;
    assert_eq!(paid.status(), 201);
}

#[tokio::test]
async fn three_d_secure_is_completed_in_the_frame_and_confirmed_from_stripe() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, offer) = outdoor(&app, "S-4").await;
    let reference = entered_card(&app, &api, &id, "4000002500003155").await;
    let body = accept_body(&offer, &reference);
    let asked = accept(&app, &id, "s-key-4", &body).await;
    assert_eq!(asked.status(), 202);
    let asked: Value = asked.json().await.expect("json");
    assert_eq!(asked["status"], "requires_action");
    let secret = asked["client_secret"]
        .as_str()
        .expect("client secret")
        .to_owned();
    // Before the customer authenticates, asking again changes nothing.
    let waiting = accept(&app, &id, "s-key-4", &body).await;
    assert_eq!(waiting.status(), 202);
    assert_eq!(
        waiting.json::<Value>().await.expect("json")["status"],
        "requires_action"
    );

    authenticate(&api, &secret, true).await;
    let done = accept(&app, &id, "s-key-4", &body).await;
    assert_eq!(done.status(), 201);
    let done: Value = done.json().await.expect("json");
    assert_eq!(done["status"], "charged");
    assert!(done.get("client_secret").is_none());
    let intents = intents_of(&api, done["order_id"].as_str().expect("order")).await;
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");
}

#[tokio::test]
async fn a_failed_authentication_is_a_decline_and_another_card_may_be_tried() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, offer) = outdoor(&app, "S-5").await;
    let reference = entered_card(&app, &api, &id, "4000002500003155").await;
    let body = accept_body(&offer, &reference);
    let asked: Value = accept(&app, &id, "s-key-5", &body)
        .await
        .json()
        .await
        .expect("json");
    let secret = asked["client_secret"].as_str().expect("client secret");
    authenticate(&api, secret, false).await;
    let problem = assert_problem(accept(&app, &id, "s-key-5", &body).await, 402, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("authenticate")),
        "{problem}"
    );
    let db = database(&app).await;
    let status: String = sqlx::query_scalar("SELECT status FROM orders")
        .fetch_one(&db)
        .await
        .expect("order");
    assert_eq!(status, "failed");
    let other = entered_card(&app, &api, &id, "4242424242424242").await;
    let paid = accept(&app, &id, "s-key-5b", &accept_body(&offer, &other)).await;
    assert_eq!(paid.status(), 201);
}

#[tokio::test]
async fn a_refund_goes_through_stripes_refunds_once() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    put_url(
        &app,
        &app.trail_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let (id, offer) = outdoor(&app, "S-6").await;
    let reference = entered_card(&app, &api, &id, "4242424242424242").await;
    let paid: Value = accept(&app, &id, "s-key-6", &accept_body(&offer, &reference))
        .await
        .json()
        .await
        .expect("json");
    let order = paid["order_id"].as_str().expect("order");
    let path = format!("orders/{order}/refund");
    let body = json!({"amount": "40.00"});
    let refunded = app
        .admin(Method::POST, &app.trail_key, &path, Some(body.clone()))
        .await;
    assert_eq!(refunded.status(), 200);
    let intent = intents_of(&api, order).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refunds = stripe_get(&api, &format!("/v1/refunds?payment_intent={intent}")).await;
    let refunds = refunds["data"].as_array().expect("list").clone();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], 4000);
    assert!(refunds[0]["metadata"]["refund_id"].is_string());
    // More than is left is refused by the hub before Stripe is asked.
    let too_much = app
        .admin(
            Method::POST,
            &app.trail_key,
            &path,
            Some(json!({"amount": "60.00"})),
        )
        .await;
    assert_problem(too_much, 422, Some("amount")).await;
    let refunds = stripe_get(&api, &format!("/v1/refunds?payment_intent={intent}")).await;
    assert_eq!(refunds["data"].as_array().expect("list").len(), 1);
}

#[tokio::test]
async fn a_processor_event_is_taken_only_when_stripe_signed_it() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let now = crate::helpers::now();
    let event = br#"{"id":"evt_forged1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_nothere","object":"payment_intent"}}}"#;
    for signature in [
        None,
        Some(sign(event, now, "whsec_someone_else")),
        Some(sign(event, now - 3600, WEBHOOK_SECRET)),
        Some(sign(event, now + 3600, WEBHOOK_SECRET)),
        Some("t=abc,v1=00".to_owned()),
        Some(sign(b"{}", now, WEBHOOK_SECRET)),
    ] {
        let refused = send_event(&app.base, event, signature.as_deref()).await;
        assert_problem(refused, 401, None).await;
    }
    let garbage = b"not json";
    let malformed = send_event(
        &app.base,
        garbage,
        Some(&sign(garbage, now, WEBHOOK_SECRET)),
    )
    .await;
    assert_problem(malformed, 400, None).await;
    let db = database(&app).await;
    let noted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processor_events")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(noted, 0, "nothing refused is kept");
    // Signed, about a payment this hub never made: taken, once.
    let signature = sign(event, now, WEBHOOK_SECRET);
    for _ in 0..2 {
        let taken = send_event(&app.base, event, Some(&signature)).await;
        assert_eq!(taken.status(), 204);
    }
    let noted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processor_events")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(noted, 1);
    // A hub on the sandbox takes no processor events at all.
    let sandbox = crate::helpers::spawn_app().await;
    assert_problem(
        send_event(&sandbox.base, event, Some(&signature)).await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn stripes_own_event_delivery_is_verified_and_taken() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let (id, offer) = outdoor(&app, "S-7").await;
    // localstripe signs and sends its events as Stripe does.
    let hook = format!("postsale-{id}");
    let registered = reqwest::Client::new()
        .post(format!("{api}/_config/webhooks/{hook}"))
        .form(&[
            ("url", format!("{}/v1/processor/events", app.base)),
            ("secret", WEBHOOK_SECRET.to_owned()),
            ("events[]", "payment_intent.succeeded".to_owned()),
        ])
        .send()
        .await
        .expect("localstripe answers");
    assert_eq!(registered.status(), 200);
    let reference = entered_card(&app, &api, &id, "4242424242424242").await;
    let paid = accept(&app, &id, "s-key-7", &accept_body(&offer, &reference)).await;
    assert_eq!(paid.status(), 201);
    let db = database(&app).await;
    let mut noted = 0_i64;
    for _ in 0..100 {
        noted = sqlx::query_scalar("SELECT COUNT(*) FROM processor_events WHERE kind = 'payment'")
            .fetch_one(&db)
            .await
            .expect("count");
        if noted > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(noted >= 1, "localstripe's signed event was taken");
}

/// The hub dies between Stripe's charge and its own record; the next hub's
/// reconciler is far off, and Stripe's event books the order: once.
#[tokio::test]
async fn a_missed_outcome_is_booked_from_stripes_event_and_charged_once() {
    let Some(api) = localstripe() else { return };
    let database = fresh_database().await;
    let dir = tempdir();
    let env = [
        ("POSTSALE_GATEWAY", "stripe"),
        ("POSTSALE_STRIPE_SECRET_KEY", SECRET_KEY),
        ("POSTSALE_STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY),
        ("POSTSALE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("POSTSALE_STRIPE_API_BASE", api.as_str()),
        ("POSTSALE_ALLOW_LOOPBACK_HTTP", "true"),
    ];
    let mut crashing = env.to_vec();
    crashing.push(("POSTSALE_FAULT_CRASH_AFTER_CHARGE", "true"));
    let hub = start_hub(&database, &crashing, &dir.path().join("first.log")).await;
    let app = seed(hub.base.clone(), reqwest::Client::new()).await;
    let (id, offer) = outdoor(&app, "S-8").await;
    let reference = entered_card(&app, &api, &id, "4242424242424242").await;
    let died = app
        .client
        .post(format!("{}/v1/opportunities/{id}/accept", app.base))
        .header("idempotency-key", "s-crash")
        .header("postsale-frame-token", frame_token(&app, &id).await)
        .json(&accept_body(&offer, &reference))
        .send()
        .await;
    assert!(died.is_err(), "the hub was to die before answering");
    let mut child = hub.child;
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;

    let db = pool(&database).await;
    let order: String = sqlx::query_scalar("SELECT id FROM orders")
        .fetch_one(&db)
        .await
        .expect("order stored");
    let status = |db: sqlx::AnyPool, order: String| async move {
        sqlx::query("SELECT status FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&db)
            .await
            .expect("order")
            .get::<String, _>("status")
    };
    assert_eq!(status(db.clone(), order.clone()).await, "pending");
    let intents = intents_of(&api, &order).await;
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded", "Stripe charged");

    // The next hub would not look for an hour; Stripe's event arrives first.
    let mut later = env.to_vec();
    later.push(("POSTSALE_RECOVERY_AFTER_SECS", "3600"));
    let hub = start_hub(&database, &later, &dir.path().join("second.log")).await;
    let events = stripe_get(&api, "/v1/events?type=payment_intent.succeeded&limit=100").await;
    let event = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["data"]["object"]["id"] == intents[0]["id"])
        .expect("Stripe's event for the payment")
        .clone();
    let body = serde_json::to_vec(&event).expect("json");
    let now = crate::helpers::now();
    for _ in 0..2 {
        let taken = send_event(&hub.base, &body, Some(&sign(&body, now, WEBHOOK_SECRET))).await;
        assert_eq!(taken.status(), 204);
    }
    assert_eq!(status(db.clone(), order.clone()).await, "charged");
    let charge: String = sqlx::query_scalar("SELECT charge_id FROM orders WHERE id = $1")
        .bind(&order)
        .fetch_one(&db)
        .await
        .expect("order");
    assert_eq!(charge, intents[0]["id"].as_str().expect("id"));
    assert_eq!(intents_of(&api, &order).await.len(), 1, "charged once");
    // The customer's retry of the accept now gets the outcome.
    let app = TestApp {
        base: hub.base.clone(),
        ..app
    };
    let replay = app
        .client
        .post(format!("{}/v1/opportunities/{id}/accept", app.base))
        .header("idempotency-key", "s-crash")
        .json(&accept_body(&offer, &reference))
        .send()
        .await
        .expect("sent");
    assert_eq!(replay.status(), 201);
}

/// The card the shop saved at Stripe for its customer: a Customer with it.
async fn saved_card(api: &str, number: &str) -> String {
    let token = token(api, number).await.expect("a token");
    let customer: Value = reqwest::Client::new()
        .post(format!("{api}/v1/customers"))
        .bearer_auth(SECRET_KEY)
        .form(&[("source", token.as_str())])
        .send()
        .await
        .expect("localstripe answers")
        .json()
        .await
        .expect("json");
    format!(
        "{}/{}",
        customer["id"].as_str().expect("customer"),
        customer["default_source"].as_str().expect("card")
    )
}

#[tokio::test]
async fn a_released_payment_method_is_charged_on_session_with_3d_secure_when_asked() {
    let Some(api) = localstripe() else { return };
    let app = stripe_hub(&api).await;
    let shop = affiliate(&app).await;
    // A card that needs no authentication: charged at once, once.
    shop.releases(&saved_card(&api, "4242424242424242").await);
    let (id, offer) = open(&app, &shop, &claims("SR-1", Some("CAMERA-HIGH"))).await;
    let paid = accept(&app, &id, "sr-key-1", &body_for(&offer)).await;
    assert_eq!(paid.status(), 201);
    let paid: Value = paid.json().await.expect("json");
    let intents = intents_of(&api, paid["order_id"].as_str().expect("order")).await;
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");

    // One whose issuer asks for 3-D Secure: the same path as card entry.
    let saved = saved_card(&api, "4000002500003155").await;
    shop.releases(&saved);
    let (id, offer) = open(&app, &shop, &claims("SR-2", Some("CAMERA-HIGH"))).await;
    let body = body_for(&offer);
    let asked: Value = accept(&app, &id, "sr-key-2", &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(asked["status"], "requires_action");
    // The pop-up opens the hub's own page for the bank's step: its script
    // (with that page's token, and only with it) gets the payment's secret.
    let authentication_page = || {
        app.client
            .get(format!("{}/v1/opportunities/{id}/authenticate", app.base))
            .send()
    };
    let page = authentication_page().await.expect("sent");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains(&format!("frame-src {api};")), "{csp}");
    let html = page.text().await.expect("html");
    let frame = html
        .split_once("data-frame-token=\"")
        .and_then(|(_, rest)| rest.split('"').next())
        .expect("a frame token")
        .to_owned();
    let secret_for = |token: Option<String>| {
        let mut request = app
            .client
            .post(format!("{}/v1/opportunities/{id}/authentication", app.base));
        if let Some(token) = token {
            request = request.header("postsale-frame-token", token);
        }
        request.send()
    };
    assert_problem(secret_for(None).await.expect("sent"), 403, None).await;
    assert_problem(
        secret_for(Some("ab".repeat(32))).await.expect("sent"),
        403,
        None,
    )
    .await;
    let given: Value = secret_for(Some(frame.clone()))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(given["client_secret"], asked["client_secret"]);
    authenticate(&api, asked["client_secret"].as_str().expect("secret"), true).await;
    let done = accept(&app, &id, "sr-key-2", &body).await;
    assert_eq!(done.status(), 201);
    let done: Value = done.json().await.expect("json");
    let intents = intents_of(&api, done["order_id"].as_str().expect("order")).await;
    assert_eq!(intents.len(), 1);
    assert_eq!(intents[0]["status"], "succeeded");
    // Decided: nothing waits for the customer any more.
    assert_problem(secret_for(Some(frame)).await.expect("sent"), 409, None).await;
    assert_problem(authentication_page().await.expect("sent"), 409, None).await;
    let (customer, card) = saved.split_once('/').expect("customer/card");
    assert_eq!(intents[0]["customer"], customer);
    assert_eq!(intents[0]["payment_method"], card);
}
