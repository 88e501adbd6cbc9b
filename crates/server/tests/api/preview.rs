//! Previews: a merchant's offer answered under `/preview/{token}/` to the
//! widget's own calls, as a customer would see it, with parts swapped;
//! refused for what is not the merchant's, and never an opportunity, an
//! order or a card.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, database, purchase, spawn_app};

async fn make(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/console/previews", app.base))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("sent")
}

/// A preview made, its page's path.
async fn made(app: &TestApp, body: Value) -> String {
    let response = make(app, &app.shop_key, body).await;
    assert_eq!(response.status(), 201);
    let answer: Value = response.json().await.expect("json");
    let page = answer["page"].as_str().expect("page").to_owned();
    assert!(
        page.starts_with("/preview/") && page.ends_with('/'),
        "{page}"
    );
    assert!(answer["expires_at"].as_i64().expect("expiry") > crate::helpers::now());
    page
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let pool = database(app).await;
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .expect("count")
}

async fn call(app: &TestApp, method: Method, url: &str, body: Option<Value>) -> reqwest::Response {
    let request = app.client.request(method, format!("{}{url}", app.base));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.expect("sent")
}

#[tokio::test]
async fn a_preview_answers_the_widgets_calls_with_the_chosen_parts_and_orders_nothing() {
    let app = spawn_app().await;
    let page = made(
        &app,
        json!({"reason_code": "CAMERA-HIGH", "items": ["LENS-35", "FILTER"], "lang": "de"}),
    )
    .await;

    // The page: an order page with the snippet, framed by the hub only.
    let response = call(&app, Method::GET, &page, None).await;
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(html.contains("data-affiliate=\"shop\""));
    assert!(html.contains("data-currency=\"USD\""));
    assert!(html.contains("/widget/postsale.js"));

    // The opportunity, as the pop-up reads it: in the chosen language.
    let opened = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities"),
        Some(purchase("preview", "preview")),
    )
    .await;
    assert_eq!(opened.status(), 201);
    let opportunity: Value = opened.json().await.expect("json");
    assert_eq!(opportunity["id"], "opp_preview");
    assert_eq!(opportunity["presentation"], "popup");
    assert_eq!(opportunity["lang"], "de");
    assert_eq!(opportunity["teaser"], "A thank-you offer");
    assert_eq!(opportunity["incentives"][0]["id"], "ten");
    assert!(
        opportunity["labels"]
            .as_object()
            .is_some_and(|l| !l.is_empty())
    );

    // The offer: the chosen items, the copy, the disclosure of its mode.
    let offer_url = format!("{page}v1/opportunities/opp_preview/offer");
    let offer: Value = call(&app, Method::GET, &offer_url, None)
        .await
        .json()
        .await
        .expect("offer");
    let skus: Vec<&str> = offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["sku"].as_str())
        .collect();
    assert_eq!(skus, ["LENS-35", "FILTER"]);
    assert_eq!(offer["headline"], "Thanks {{first_name}} from Shop");
    assert_eq!(offer["disclosure"]["mode"], "payment_reference");
    assert_eq!(offer["disclosure"]["seller"], "Lens Co");
    assert!(offer["incentive"].is_null());

    // A reward picked (as the pop-up sends it) prices the offer.
    let mut again = purchase("preview", "preview");
    again["incentive"] = json!("ten");
    let picked = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities"),
        Some(again),
    )
    .await;
    assert_eq!(picked.status(), 201);
    let offer: Value = call(&app, Method::GET, &offer_url, None)
        .await
        .json()
        .await
        .expect("offer");
    assert_eq!(offer["incentive"]["id"], "ten");
    let mut forged = purchase("preview", "preview");
    forged["incentive"] = json!("free-lunch");
    let refused = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities"),
        Some(forged),
    )
    .await;
    assert_problem(refused, 422, Some("incentive")).await;

    // The consent frame and the accept: the real price, nothing ordered.
    let consent = call(
        &app,
        Method::GET,
        &format!("{page}v1/opportunities/opp_preview/consent?items=LENS-35:1"),
        None,
    )
    .await;
    assert_eq!(consent.status(), 200);
    let consent = consent.text().await.expect("html");
    assert!(
        consent.contains("314,10"),
        "German amount, 10% off: {consent}"
    );
    let accepted = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities/opp_preview/accept"),
        Some(json!({"items": [{"sku": "LENS-35", "quantity": 1}],
            "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "314.10"}})),
    )
    .await;
    assert_eq!(accepted.status(), 201);
    let receipt: Value = accepted.json().await.expect("receipt");
    assert_eq!(receipt["order_id"], "preview");
    assert_eq!(receipt["amount"], "314.10");
    let next = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities/opp_preview/next"),
        None,
    )
    .await;
    assert_eq!(next.status(), 204);

    // A preview takes no card, and knows one opportunity only.
    let card = call(
        &app,
        Method::POST,
        &format!("{page}v1/opportunities/opp_preview/card"),
        Some(json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"})),
    )
    .await;
    assert_problem(card, 409, None).await;
    let other = call(
        &app,
        Method::GET,
        &format!("{page}v1/opportunities/opp_1/offer"),
        None,
    )
    .await;
    assert_problem(other, 404, None).await;

    // The frame page of the IFRAME presentation talks to the preview.
    let frame = call(
        &app,
        Method::GET,
        &format!("{page}v1/opportunities/opp_preview/frame"),
        None,
    )
    .await;
    assert_eq!(frame.status(), 200);
    let policy = frame.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
    let frame = frame.text().await.expect("html");
    assert!(
        frame.contains(&format!(
            "data-hub=\"{}{}\"",
            app.base,
            page.trim_end_matches('/')
        )),
        "{frame}"
    );

    // Nothing but the preview was stored: no opportunity, no order, no token.
    for table in ["opportunities", "orders", "frame_tokens", "events"] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
    assert_eq!(count(&app, "previews").await, 1);
}

#[tokio::test]
async fn a_preview_of_what_is_not_the_merchants_is_refused_on_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let cases = [
        (json!({"reason_code": "NOPE"}), 404, "reason_code"),
        (json!({"reason_code": "CAMERA-HIGH"}), 422, "items"),
        (
            json!({"reason_code": "CAMERA-HIGH", "items": ["TRIPOD"]}),
            404,
            "items[0]",
        ),
        (
            json!({"reason_code": "CAMERA-HIGH", "items": ["LENS-35", "EURO-BAG"]}),
            422,
            "items[1]",
        ),
        (
            json!({"reason_code": "CAMERA-HIGH", "items": ["LENS-35", "LENS-35"]}),
            422,
            "items[1]",
        ),
        (
            json!({"reason_code": "CAMERA-HIGH", "items": ["bad sku"]}),
            422,
            "items[0]",
        ),
        (
            json!({"reason_code": "OUTDOOR", "style": "nope"}),
            404,
            "style",
        ),
        (
            json!({"reason_code": "OUTDOOR", "template": "nope"}),
            404,
            "template",
        ),
        (
            json!({"reason_code": "OUTDOOR", "incentives": ["nope"]}),
            404,
            "incentives[0]",
        ),
        (
            json!({"reason_code": "OUTDOOR", "lang": "not a tag"}),
            422,
            "lang",
        ),
    ];
    for (body, status, field) in cases {
        let response = make(&app, &app.shop_key, body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        assert_problem(response, status, Some(field)).await;
    }
    // Malformed, unknown fields, no key, another merchant's reason code.
    let response = make(
        &app,
        &app.shop_key,
        json!({"reason_code": "OUTDOOR", "extra": 1}),
    )
    .await;
    assert!(
        matches!(response.status().as_u16(), 400 | 422),
        "{}",
        response.status()
    );
    let response = make(&app, &app.shop_key, json!({"reason_code": "lower case"})).await;
    assert!(
        matches!(response.status().as_u16(), 400 | 422),
        "{}",
        response.status()
    );
    let response = app
        .client
        .post(format!("{}/v1/console/previews", app.base))
        .json(&json!({"reason_code": "OUTDOOR"}))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 401, None).await;
    let response = make(&app, &app.lens_key, json!({"reason_code": "OUTDOOR"})).await;
    assert_problem(response, 404, Some("reason_code")).await;
    assert_eq!(count(&app, "previews").await, 0);

    // A token nobody was given shows nothing.
    let forged = call(
        &app,
        Method::GET,
        &format!("/preview/{}/", "0".repeat(64)),
        None,
    )
    .await;
    assert_problem(forged, 404, None).await;
}

#[tokio::test]
async fn a_preview_ends_when_its_parts_go_and_when_its_hour_is_up() {
    let app = spawn_app().await;
    let page = made(&app, json!({"reason_code": "OUTDOOR"})).await;
    let opened = format!("{page}v1/opportunities");
    let response = call(
        &app,
        Method::POST,
        &opened,
        Some(purchase("preview", "preview")),
    )
    .await;
    assert_eq!(response.status(), 201);
    let opportunity: Value = response.json().await.expect("json");
    // The reason code's own parts: its default items, its presentation.
    assert_eq!(opportunity["presentation"], "iframe");

    // Its reason code deleted: gone.
    let deleted = app
        .admin(Method::DELETE, &app.shop_key, "reason-codes/OUTDOOR", None)
        .await;
    assert_eq!(deleted.status(), 204);
    let response = call(
        &app,
        Method::POST,
        &opened,
        Some(purchase("preview", "preview")),
    )
    .await;
    assert_problem(response, 410, None).await;

    // Past its hour: unknown, and swept.
    let page = made(
        &app,
        json!({"reason_code": "CAMERA-HIGH", "items": ["HOOD"]}),
    )
    .await;
    let pool = database(&app).await;
    sqlx::query("UPDATE previews SET expires_at = 1")
        .execute(&pool)
        .await
        .expect("aged");
    let response = call(&app, Method::GET, &page, None).await;
    assert_problem(response, 404, None).await;
}
