//! `POST /v1/opportunities/{id}/accept` for `direct_entry` offers (card typed
//! into the hub's frame, charged by the sandbox gateway): consent, exactly
//! once, and refusals that store nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, claims, purchase, spawn_app, ticket};

/// An open OUTDOOR (direct_entry) opportunity and its offer.
pub(crate) async fn outdoor(app: &TestApp, order: &str) -> (String, Value) {
    app.opened(&purchase(&ticket(&claims(order, Some("OUTDOOR"))), order))
        .await
}

/// Loads the opportunity's hub frame page, as the IFRAME does, and reads the
/// token the hub put in it.
pub(crate) async fn frame_token(app: &TestApp, id: &str) -> String {
    let page = app
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let (_, rest) = html
        .split_once("data-frame-token=\"")
        .expect("the frame page carries a token");
    rest.split('"').next().expect("token").to_owned()
}

/// Card entry from inside the frame: with the frame page's token.
pub(crate) async fn enter_card(app: &TestApp, id: &str, number: &str) -> reqwest::Response {
    let token = frame_token(app, id).await;
    enter_card_with(app, id, number, Some(&token)).await
}

pub(crate) async fn enter_card_with(
    app: &TestApp,
    id: &str,
    number: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/v1/opportunities/{id}/card", app.base))
        .json(&json!({"card_number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}));
    if let Some(token) = token {
        request = request.header("postsale-frame-token", token);
    }
    request.send().await.expect("sent")
}

pub(crate) async fn card_reference(app: &TestApp, id: &str, number: &str) -> String {
    let response = enter_card(app, id, number).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.expect("json")["payment_reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

/// One TRIPOD at 99.00, consented with the offer's disclosure.
pub(crate) fn accept_body(offer: &Value, reference: &str) -> Value {
    json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "99.00"},
        "payment_reference": reference,
    })
}

/// An accept as the widget sends it: from inside the hub's frame when the
/// opportunity is still open (so with its frame page's token), else bare.
pub(crate) async fn accept(app: &TestApp, id: &str, key: &str, body: &Value) -> reqwest::Response {
    let page = app
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", app.base))
        .send()
        .await
        .expect("sent");
    let token = if page.status() == 200 {
        Some(frame_token(app, id).await)
    } else {
        None
    };
    accept_with(app, id, key, body, token.as_deref()).await
}

pub(crate) async fn accept_with(
    app: &TestApp,
    id: &str,
    key: &str,
    body: &Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/v1/opportunities/{id}/accept", app.base))
        .header("idempotency-key", key)
        .json(body);
    if let Some(token) = token {
        request = request.header("postsale-frame-token", token);
    }
    request.send().await.expect("sent")
}

pub(crate) async fn orders(app: &TestApp) -> Vec<Value> {
    let list: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "orders", None)
        .await
        .json()
        .await
        .expect("json");
    list.as_array().expect("list").clone()
}

#[tokio::test]
async fn a_direct_entry_accept_charges_once_and_records_the_consent() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-1").await;
    let reference = card_reference(&app, &id, "4242 4242 4242 4242").await;
    let response = accept(&app, &id, "key-1", &accept_body(&offer, &reference)).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.expect("json");
    assert_eq!(order["status"], "charged");
    assert_eq!(order["amount"], "99.00");
    assert_eq!(order["points"], 50);

    let stored = app.order(&order["order_id"]).await;
    assert_eq!(stored["status"], "charged");
    let receipt = &stored["consent_receipt"];
    assert_eq!(
        receipt["disclosure_sha256"],
        offer["disclosure"]["text_sha256"]
    );
    assert_eq!(receipt["amount_minor"], 9900);
    assert_eq!(receipt["action"], "confirm_button");

    let stats: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "stats", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stats["reason_codes"]["OUTDOOR"]["accepted"], 1);
    assert_eq!(stats["reason_codes"]["OUTDOOR"]["revenue"]["USD"], "99.00");
}

#[tokio::test]
async fn the_same_accept_twice_gives_the_same_answer_and_one_order() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-2").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    let first: Value = accept(&app, &id, "key-2", &body)
        .await
        .json()
        .await
        .expect("json");
    let again = accept(&app, &id, "key-2", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    assert_eq!(orders(&app).await.len(), 1);
}

#[tokio::test]
async fn fifty_concurrent_identical_accepts_make_one_charge() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-3").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    let token = frame_token(&app, &id).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (client, url, body, token) = (
            app.client.clone(),
            format!("{}/v1/opportunities/{id}/accept", app.base),
            body.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // A duplicate that arrives while the first is settling is told
            // to come back (409), as is one past the opportunity's rate
            // (429); it does, when told, as the widget's retry would.
            loop {
                let response = client
                    .post(&url)
                    .header("idempotency-key", "key-3")
                    .header("postsale-frame-token", &token)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent");
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").cloned();
                let body = response.json::<Value>().await.expect("json");
                if status != 409 && status != 429 {
                    return (status, body);
                }
                let secs: u64 = retry_after
                    .expect("a 409 in flight says when to retry")
                    .to_str()
                    .expect("text")
                    .parse()
                    .expect("seconds");
                assert_eq!(
                    body["type"], "https://postsale.dev/problems/in-flight",
                    "{body}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(secs * 200)).await;
            }
        }));
    }
    let mut order_ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (status, body) = task.await.expect("task");
        assert_eq!(status, 201, "{body}");
        order_ids.insert(body["order_id"].as_str().expect("id").to_owned());
    }
    assert_eq!(order_ids.len(), 1);
    assert_eq!(orders(&app).await.len(), 1);
    let stats: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "stats", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stats["total"]["accepted"], 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_and_another_key_are_refused() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-4").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = accept_body(&offer, &reference);
    assert_eq!(accept(&app, &id, "key-4", &body).await.status(), 201);
    let mut other = body.clone();
    other["items"][0]["quantity"] = json!(2);
    other["consent"]["amount"] = json!("198.00");
    assert_problem(
        accept(&app, &id, "key-4", &other).await,
        422,
        Some("Idempotency-Key"),
    )
    .await;
    assert_problem(accept(&app, &id, "key-5", &body).await, 409, None).await;
    assert_eq!(orders(&app).await.len(), 1);
}

#[tokio::test]
async fn consent_for_another_amount_or_disclosure_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-5").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let good = accept_body(&offer, &reference);
    let cases: Vec<(Value, u16, Option<&str>)> = vec![
        (
            {
                let mut b = good.clone();
                b["consent"]["amount"] = json!("9.90");
                b
            },
            422,
            Some("consent.amount"),
        ),
        (
            {
                let mut b = good.clone();
                b["consent"]["disclosure_sha256"] = json!("00");
                b
            },
            422,
            Some("consent.disclosure_sha256"),
        ),
        (
            {
                let mut b = good.clone();
                b["consent"]["action"] = json!("page_load");
                b
            },
            422,
            Some("consent.action"),
        ),
        (
            {
                let mut b = good.clone();
                b["items"][0]["sku"] = json!("NOT-OFFERED");
                b
            },
            422,
            Some("items[0].sku"),
        ),
        (
            {
                let mut b = good.clone();
                b["items"][0]["quantity"] = json!(99);
                b
            },
            422,
            Some("items[0].quantity"),
        ),
        (
            {
                let mut b = good.clone();
                b["items"] = json!([]);
                b
            },
            422,
            Some("items"),
        ),
        (
            {
                let mut b = good.clone();
                b["payment_reference"] = json!("pm_sandbox_ok");
                b
            },
            422,
            Some("payment_reference"),
        ),
        (
            {
                let mut b = good.clone();
                b.as_object_mut()
                    .expect("object")
                    .remove("payment_reference");
                b
            },
            422,
            Some("payment_reference"),
        ),
        (
            {
                let mut b = good.clone();
                b["items"][0]["quantity"] = json!("one");
                b
            },
            400,
            Some("items[0].quantity"),
        ),
    ];
    for (body, status, field) in cases {
        assert_problem(
            accept(&app, &id, &format!("bad-{status}-{field:?}"), &body).await,
            status,
            field,
        )
        .await;
    }
    let no_key = app
        .client
        .post(format!("{}/v1/opportunities/{id}/accept", app.base))
        .json(&good)
        .send()
        .await
        .expect("sent");
    assert_problem(no_key, 400, Some("Idempotency-Key")).await;
    assert!(orders(&app).await.is_empty());
    // After all that, the real accept still works.
    assert_eq!(accept(&app, &id, "good", &good).await.status(), 201);
}

#[tokio::test]
async fn a_declined_card_ends_in_a_clear_failed_order() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-6").await;
    let reference = card_reference(&app, &id, "4000000000000002").await;
    let response = accept(&app, &id, "key-6", &accept_body(&offer, &reference)).await;
    let problem = assert_problem(response, 402, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("declined"),
        "{problem}"
    );
    let list = orders(&app).await;
    assert_eq!(list[0]["status"], "failed");
    let stats: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "stats", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        stats["total"]["accepted"], 0,
        "a failed payment is no accept"
    );
}

#[tokio::test]
async fn a_processor_that_hangs_leaves_the_order_pending_confirmation_not_failed() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-7").await;
    let reference = card_reference(&app, &id, "4000000000000341").await;
    let response = accept(&app, &id, "key-7", &accept_body(&offer, &reference)).await;
    assert_eq!(response.status(), 202, "the processor may yet charge");
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["status"], "pending_confirmation", "{answer}");
    let stored = orders(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["status"], "pending_confirmation");
    assert!(
        stored[0]["failure"]
            .as_str()
            .expect("why")
            .contains("did not answer in time"),
        "{stored:?}"
    );
}

#[tokio::test]
async fn bad_cards_are_refused_without_echoing_them() {
    let app = spawn_app().await;
    let (id, _) = outdoor(&app, "D-8").await;
    let problem = assert_problem(
        enter_card(&app, &id, "4242424242424241").await,
        422,
        Some("card_number"),
    )
    .await;
    assert!(!problem.to_string().contains("4242424242424241"));
    let token = frame_token(&app, &id).await;
    let wrong_type = app
        .client
        .post(format!("{}/v1/opportunities/{id}/card", app.base))
        .header("postsale-frame-token", &token)
        .json(&json!({"card_number": "4242424242424242", "exp_month": "12", "exp_year": 2099, "cvc": "123"}))
        .send()
        .await
        .expect("sent");
    let problem = assert_problem(wrong_type, 400, None).await;
    assert!(!problem.to_string().contains("4242"));
}

#[tokio::test]
async fn card_entry_without_the_frame_pages_token_is_refused_whatever_the_origin_says() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-8b").await;
    let (other, _) = outdoor(&app, "D-8c").await;
    let others_token = frame_token(&app, &other).await;
    let forged = "ab".repeat(32);
    let card =
        json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"});
    // The hub's own origin, as any non-browser client can claim it; the
    // affiliate's page; a made-up token; another frame's token; junk.
    let attempts: [(Option<&str>, Option<&str>); 5] = [
        (Some(app.base.as_str()), None),
        (Some(crate::helpers::ORIGIN), None),
        (Some(app.base.as_str()), Some(forged.as_str())),
        (None, Some(others_token.as_str())),
        (None, Some("not-a-token")),
    ];
    for (origin, token) in attempts {
        let mut request = app
            .client
            .post(format!("{}/v1/opportunities/{id}/card", app.base))
            .json(&card);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(token) = token {
            request = request.header("postsale-frame-token", token);
        }
        let response = request.send().await.expect("sent");
        assert_problem(response, 403, None).await;
    }
    // Nor may the accept of a card offer come from outside the frame, even
    // with a card reference that is real.
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let outside = accept_with(&app, &id, "d-8b", &accept_body(&offer, &reference), None).await;
    assert_problem(outside, 403, None).await;
    let forged_accept = accept_with(
        &app,
        &id,
        "d-8b",
        &accept_body(&offer, &reference),
        Some(&others_token),
    )
    .await;
    assert_problem(forged_accept, 403, None).await;
    assert!(orders(&app).await.is_empty(), "nothing stored");
    // From inside the frame it goes through, and the receipt names the proof.
    let order: Value = accept(&app, &id, "d-8b", &accept_body(&offer, &reference))
        .await
        .json()
        .await
        .expect("json");
    let stored = app.order(&order["order_id"]).await;
    assert!(
        stored["consent_receipt"]["proof"]
            .as_str()
            .is_some_and(|p| p.starts_with("frame:")),
        "{stored}"
    );
}

#[tokio::test]
async fn a_refund_goes_through_the_gateway_once() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-9").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let order: Value = accept(&app, &id, "key-9", &accept_body(&offer, &reference))
        .await
        .json()
        .await
        .expect("json");
    let path = format!("orders/{}/refund", order["order_id"].as_str().expect("id"));
    let refunded: Value = app
        .admin(reqwest::Method::POST, &app.trail_key, &path, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(refunded["status"], "refunded");
    assert_problem(
        app.admin(reqwest::Method::POST, &app.trail_key, &path, None)
            .await,
        409,
        None,
    )
    .await;
    // Another merchant cannot see the order at all.
    assert_problem(
        app.admin(reqwest::Method::POST, &app.lens_key, &path, None)
            .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn the_upseller_fulfils_a_charged_order_once() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-10").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let order: Value = accept(&app, &id, "key-10", &accept_body(&offer, &reference))
        .await
        .json()
        .await
        .expect("json");
    let path = format!("orders/{}/fulfil", order["order_id"].as_str().expect("id"));
    assert_problem(
        app.admin(reqwest::Method::POST, &app.shop_key, &path, None)
            .await,
        403,
        None,
    )
    .await;
    let fulfilled: Value = app
        .admin(reqwest::Method::POST, &app.trail_key, &path, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fulfilled["status"], "fulfilled");
    assert_problem(
        app.admin(reqwest::Method::POST, &app.trail_key, &path, None)
            .await,
        409,
        None,
    )
    .await;
}

#[tokio::test]
async fn every_charged_order_has_a_consent_receipt() {
    let app = spawn_app().await;
    for n in 0..3 {
        let (id, offer) = outdoor(&app, &format!("CR-{n}")).await;
        let card = if n == 1 {
            "4000000000000002"
        } else {
            "4242424242424242"
        };
        let reference = card_reference(&app, &id, card).await;
        accept(
            &app,
            &id,
            &format!("cr-{n}"),
            &accept_body(&offer, &reference),
        )
        .await;
    }
    let list = orders(&app).await;
    assert_eq!(list.len(), 3);
    let mut charged = 0;
    for order in list {
        let detail = app.order(&order["id"]).await;
        assert!(
            detail["consent_receipt"]["disclosure_sha256"].is_string(),
            "{detail}"
        );
        charged += i32::from(detail["status"] == "charged");
    }
    assert_eq!(charged, 2);
}

#[tokio::test]
async fn card_entry_closes_after_five_attempts_with_429() {
    let app = spawn_app().await;
    let (id, _) = outdoor(&app, "D-429").await;
    let token = frame_token(&app, &id).await;
    // A card tester's run: declined, invalid, declined...
    for number in [
        "4000000000000002",
        "4242424242424241",
        "4000000000000002",
        "4000000000000119",
        "4000000000000002",
    ] {
        let response = enter_card_with(&app, &id, number, Some(&token)).await;
        assert_ne!(response.status(), 429, "{number} is within the limit");
    }
    let closed = enter_card_with(&app, &id, "4242424242424242", Some(&token)).await;
    let retry_after: u64 = closed
        .headers()
        .get("retry-after")
        .expect("says when")
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(retry_after >= 3600, "{retry_after}");
    let problem = assert_problem(closed, 429, None).await;
    assert!(!problem.to_string().contains("4242"), "{problem}");
    let pool = crate::helpers::database(&app).await;
    let cards: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sandbox_methods WHERE opportunity_id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(
        cards, 4,
        "the four well-formed cards before the limit, none after"
    );
}

#[tokio::test]
async fn a_declined_card_may_be_replaced_under_a_new_key_and_the_order_charges_once() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-RETRY").await;
    let declined = card_reference(&app, &id, "4000000000000002").await;
    let first = accept(&app, &id, "key-a", &accept_body(&offer, &declined)).await;
    assert_eq!(first.status(), 402, "declined: nothing moved");
    let good = card_reference(&app, &id, "4242424242424242").await;
    let second = accept(&app, &id, "key-b", &accept_body(&offer, &good)).await;
    assert_eq!(second.status(), 201, "another card, another consent");
    let charged: Value = second.json().await.expect("json");
    assert_eq!(charged["status"], "charged");
    // Each key keeps its own answer.
    let replayed = accept(&app, &id, "key-a", &accept_body(&offer, &declined)).await;
    assert_eq!(replayed.status(), 402);
    let replayed: Value = accept(&app, &id, "key-b", &accept_body(&offer, &good))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(replayed["order_id"], charged["order_id"]);
    // Once charged, the opportunity takes no other accept.
    assert_problem(
        accept(&app, &id, "key-c", &accept_body(&offer, &good)).await,
        409,
        None,
    )
    .await;
    let mut statuses: Vec<String> = orders(&app)
        .await
        .iter()
        .map(|o| o["status"].as_str().expect("status").to_owned())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["charged", "failed"]);
}

#[tokio::test]
async fn an_idempotency_key_that_looks_like_a_card_number_works_and_is_not_kept() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "D-KEY").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    // Random keys of hex digits are Luhn-valid runs often enough to matter.
    let key = "4111111111111111";
    let first = accept(&app, &id, key, &accept_body(&offer, &reference)).await;
    assert_eq!(first.status(), 201);
    let again = accept(&app, &id, key, &accept_body(&offer, &reference)).await;
    assert_eq!(again.status(), 201, "the same key replays");
    let pool = crate::helpers::database(&app).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM accepts")
        .fetch_all(&pool)
        .await
        .expect("accepts");
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(key), "kept as a digest: {stored:?}");
}
