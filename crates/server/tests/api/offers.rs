//! `GET /v1/opportunities/{id}/offer` and decline: copy, style, disclosures.

use serde_json::Value;

use crate::helpers::{assert_problem, claims, purchase, spawn_app, ticket};

async fn opportunity(app: &crate::helpers::TestApp, order: &str, code: &str) -> String {
    let response = app
        .post_opportunity(&purchase(&ticket(&claims(order, Some(code))), order))
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_offer_renders_the_template_and_names_the_affiliated_seller() {
    let app = spawn_app().await;
    let id = opportunity(&app, "O-1", "CAMERA-HIGH").await;
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    // The first name is the widget's to fill in: the hub never has it.
    assert_eq!(offer["headline"], "Thanks {{first_name}} from Shop");
    assert_eq!(offer["body"], "Lens Co has something. 50 points.");
    assert_eq!(offer["currency"], "USD");
    assert_eq!(offer["points"], 50);
    assert_eq!(offer["disclosure"]["mode"], "payment_reference");
    assert_eq!(offer["disclosure"]["seller"], "Lens Co");
    let text = offer["disclosure"]["text"].as_str().expect("text");
    use sha2::Digest;
    assert_eq!(
        offer["disclosure"]["text_sha256"],
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    );
}

#[tokio::test]
async fn a_direct_entry_offer_says_the_seller_is_not_the_affiliate() {
    let app = spawn_app().await;
    let id = opportunity(&app, "O-2", "OUTDOOR").await;
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert_eq!(offer["disclosure"]["mode"], "direct_entry");
    let text = offer["disclosure"]["text"].as_str().expect("text");
    assert!(text.contains("Trail, which is not Shop"), "{text}");
}

#[tokio::test]
async fn an_unknown_opportunity_is_404_and_a_declined_one_is_409() {
    let app = spawn_app().await;
    assert_problem(app.get_offer("opp_nope").await, 404, None).await;
    assert_problem(app.decline("opp_nope").await, 404, None).await;
    let id = opportunity(&app, "O-3", "CAMERA-HIGH").await;
    assert_eq!(app.decline(&id).await.status(), 204);
    assert_eq!(
        app.decline(&id).await.status(),
        204,
        "declining twice is fine"
    );
    assert_problem(app.get_offer(&id).await, 409, None).await;
}

#[tokio::test]
async fn stats_count_showings_views_and_declines_per_reason_code() {
    let app = spawn_app().await;
    let a = opportunity(&app, "S-1", "CAMERA-HIGH").await;
    let _ = opportunity(&app, "S-2", "OUTDOOR").await;
    app.get_offer(&a).await;
    app.decline(&a).await;
    let stats: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "stats", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stats["total"]["shown"], 2);
    assert_eq!(stats["reason_codes"]["CAMERA-HIGH"]["viewed"], 1);
    assert_eq!(stats["reason_codes"]["CAMERA-HIGH"]["declined"], 1);
    assert_eq!(stats["reason_codes"]["OUTDOOR"]["shown"], 1);
    assert_eq!(stats["total"]["acceptance_rate"], 0.0);
}

#[tokio::test]
async fn an_incentive_picked_after_the_showing_reaches_the_offer() {
    let app = spawn_app().await;
    let body = purchase(&ticket(&claims("I-1", Some("CAMERA-HIGH"))), "I-1");
    let first: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let id = first["id"].as_str().expect("id");
    let fetched: Value = app.read_opportunity(id).await.json().await.expect("json");
    assert_eq!(
        fetched, first,
        "GET answers the opportunity as first answered"
    );
    // Only to its frame page: not bare, not with another page's token.
    let bare = app
        .client
        .get(format!("{}/v1/opportunities/{id}", app.base))
        .send()
        .await
        .expect("sent");
    assert_problem(bare, 403, None).await;
    let other = app
        .post_opportunity(&purchase(
            &ticket(&claims("O-OTHER", Some("OUTDOOR"))),
            "O-OTHER",
        ))
        .await
        .json::<Value>()
        .await
        .expect("json");
    let token = crate::accept::frame_token(&app, other["id"].as_str().expect("id")).await;
    let borrowed = app
        .client
        .get(format!("{}/v1/opportunities/{id}", app.base))
        .header("postsale-frame-token", token)
        .send()
        .await
        .expect("sent");
    assert_problem(borrowed, 403, None).await;

    let mut picked = body.clone();
    picked["incentive"] = serde_json::json!("ten");
    let again = app.post_opportunity(&picked).await;
    assert_eq!(again.status(), 200);
    let template = serde_json::json!({"id": "t", "headline": "Thanks", "body": "Your reward: {{incentive}}", "button": "Add"});
    assert_eq!(
        app.admin(
            reqwest::Method::PUT,
            &app.shop_key,
            "templates/t",
            Some(template)
        )
        .await
        .status(),
        200
    );
    let offer: Value = app.get_offer(id).await.json().await.expect("json");
    assert_eq!(offer["body"], "Your reward: 10% off");
    picked["incentive"] = serde_json::json!("nope");
    assert_problem(app.post_opportunity(&picked).await, 422, Some("incentive")).await;
    assert_problem(
        app.client
            .get(format!("{}/v1/opportunities/opp_nope", app.base))
            .send()
            .await
            .expect("sent"),
        // No frame page of it can exist: the same refusal as any other.
        403,
        None,
    )
    .await;
}

#[tokio::test]
async fn an_offer_opened_many_times_is_one_view() {
    let app = spawn_app().await;
    let id = opportunity(&app, "O-V", "CAMERA-HIGH").await;
    for _ in 0..5 {
        assert_eq!(app.get_offer(&id).await.status(), 200);
    }
    let stats: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "stats", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stats["total"]["viewed"], 1, "{stats}");
}

#[tokio::test]
async fn an_offer_whose_template_style_or_reason_code_was_deleted_is_gone() {
    let app = spawn_app().await;
    let shop = app.shop_key.clone();
    let delete = |path: &'static str| {
        let app = &app;
        let shop = shop.clone();
        async move {
            let response = app.admin(reqwest::Method::DELETE, &shop, path, None).await;
            assert_eq!(response.status(), 204, "delete {path}");
        }
    };
    let before_template = opportunity(&app, "O-G1", "CAMERA-HIGH").await;
    delete("templates/t").await;
    assert_problem(app.get_offer(&before_template).await, 410, None).await;

    let before_style = opportunity(&app, "O-G2", "OUTDOOR").await;
    delete("styles/s").await;
    assert_problem(app.get_offer(&before_style).await, 410, None).await;
    let c = claims("O-G3", Some("OUTDOOR"));
    let response = app.post_opportunity(&purchase(&ticket(&c), "O-G3")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["postsale-no-offer"], "incomplete");

    delete("reason-codes/CAMERA-HIGH").await;
    assert_problem(app.get_offer(&before_template).await, 410, None).await;
    let accept = crate::accept::accept_with(
        &app,
        &before_template,
        "gone-1",
        &serde_json::json!({"items": [{"sku": "LENS-35", "quantity": 1}],
            "consent": {"disclosure_sha256": "ab", "action": "confirm_button", "amount": "349.00"}}),
        None,
    )
    .await;
    assert_problem(accept, 410, None).await;
    let orders: Value = app
        .admin(reqwest::Method::GET, &app.shop_key, "orders", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(orders, serde_json::json!([]), "nothing stored");
}

#[tokio::test]
async fn an_offer_ends_when_its_reason_code_says_and_is_refused_from_that_second() {
    use crate::accept::{accept, accept_body, card_reference, orders, outdoor};
    use crate::helpers::{database, now, reason};
    use reqwest::Method;
    use serde_json::json;

    let app = spawn_app().await;
    let mut code = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    code["default_items"] = json!(["TRIPOD"]);
    for minutes in [0, 1441] {
        code["offer_minutes"] = json!(minutes);
        let response = app
            .admin(
                Method::PUT,
                &app.shop_key,
                "reason-codes/OUTDOOR",
                Some(code.clone()),
            )
            .await;
        assert_problem(response, 422, Some("offer_minutes")).await;
    }
    code["offer_minutes"] = json!(2);
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/OUTDOOR",
            Some(code),
        )
        .await;
    assert_eq!(response.status(), 200);

    let opened = now();
    let (id, offer) = outdoor(&app, "DL-1").await;
    let ends = offer["expires_at"]
        .as_i64()
        .expect("the offer says when it ends");
    assert!(
        (opened + 120..=now() + 120).contains(&ends),
        "two minutes from the showing: {ends} after {opened}"
    );
    let reference = card_reference(&app, &id, "4242424242424242").await;

    // The clock brought forward: the offer ends two seconds from now.
    let ends = now() + 2;
    sqlx::query("UPDATE opportunities SET expires_at = $1 WHERE id = $2")
        .bind(ends)
        .bind(&id)
        .execute(&database(&app).await)
        .await
        .expect("moved");
    assert_eq!(
        app.get_offer(&id).await.status(),
        200,
        "still open before it ends"
    );
    while now() < ends {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_problem(
        accept(&app, &id, "late", &accept_body(&offer, &reference)).await,
        410,
        None,
    )
    .await;
    assert_problem(app.get_offer(&id).await, 410, None).await;
    assert!(orders(&app).await.is_empty(), "nothing sold after the end");
}

#[tokio::test]
async fn an_item_shows_as_a_product_its_image_described_and_its_usual_price_checked() {
    use crate::helpers::item;
    use reqwest::Method;
    use serde_json::json;

    let app = spawn_app().await;
    let mut body = item("TRIPOD", "99.00", "USD", &[]);
    body["image_url"] = json!("https://img.example/tripod.jpg");
    let response = app
        .admin(
            Method::PUT,
            &app.trail_key,
            "offer-items/TRIPOD",
            Some(body.clone()),
        )
        .await;
    assert_problem(response, 422, Some("image_alt")).await;
    body["image_alt"] = json!("A travel tripod, folded");
    for (usual, field) in [
        ("99.00", "compare_at_price"),
        ("12", "compare_at_price"),
        ("x", "compare_at_price"),
    ] {
        body["compare_at_price"] = json!(usual);
        let response = app
            .admin(
                Method::PUT,
                &app.trail_key,
                "offer-items/TRIPOD",
                Some(body.clone()),
            )
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
    body["compare_at_price"] = json!("129.00");
    body["description"] = json!("Carbon legs, 1.2 kg");
    let response = app
        .admin(
            Method::PUT,
            &app.trail_key,
            "offer-items/TRIPOD",
            Some(body),
        )
        .await;
    assert_eq!(response.status(), 200);

    let id = opportunity(&app, "PROD-1", "OUTDOOR").await;
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    let tripod = &offer["items"][0];
    assert_eq!(tripod["image_alt"], "A travel tripod, folded");
    assert_eq!(tripod["description"], "Carbon legs, 1.2 kg");
    assert_eq!(tripod["compare_at_price"], "129.00");
    assert_eq!(
        tripod["unit_price"], "99.00",
        "the price charged is the price"
    );
}
