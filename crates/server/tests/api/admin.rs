//! `/v1/admin`: each merchant sees and changes only its own rows; every
//! record is checked on the way in, naming the field at fault.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_KEY, assert_problem, item, reason, spawn_app, spawn_bare};

#[tokio::test]
async fn a_merchant_reads_updates_and_deletes_its_own_records() {
    let app = spawn_app().await;
    let listed: Value = app
        .admin(Method::GET, &app.lens_key, "offer-items", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed.as_array().expect("list").len(), 4);

    let mut changed = item("HOOD", "21.00", "USD", &["LENS-50"]);
    changed["name"] = json!("Lens hood");
    let response = app
        .admin(
            Method::PUT,
            &app.lens_key,
            "offer-items/HOOD",
            Some(changed),
        )
        .await;
    assert_eq!(response.status(), 200);
    let hood: Value = app
        .admin(Method::GET, &app.lens_key, "offer-items/HOOD", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(hood["price"], "21.00");

    assert_eq!(
        app.admin(Method::DELETE, &app.lens_key, "offer-items/HOOD", None)
            .await
            .status(),
        204
    );
    assert_problem(
        app.admin(Method::GET, &app.lens_key, "offer-items/HOOD", None)
            .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn another_merchants_key_sees_none_of_its_rows() {
    let app = spawn_app().await;
    // Trail's key cannot read or delete Lens's items: to Trail they do not exist.
    assert_problem(
        app.admin(Method::GET, &app.trail_key, "offer-items/HOOD", None)
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.admin(Method::DELETE, &app.trail_key, "offer-items/HOOD", None)
            .await,
        404,
        None,
    )
    .await;
    let listed: Value = app
        .admin(Method::GET, &app.trail_key, "offer-items", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed.as_array().expect("list").len(), 1);
    assert_eq!(
        app.admin(Method::GET, &app.lens_key, "offer-items/HOOD", None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn secrets_are_never_read_back() {
    let app = spawn_app().await;
    let listed: Value = app
        .admin(Method::GET, &app.shop_key, "secrets", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed, json!([{"key_id": "k1"}]));
    let text = app
        .admin(Method::GET, &app.shop_key, "secrets/k1", None)
        .await
        .text()
        .await
        .expect("text");
    assert!(!text.contains(crate::helpers::SECRET));
}

#[tokio::test]
async fn missing_wrong_and_operator_only_credentials_are_refused() {
    let app = spawn_app().await;
    let anonymous = app
        .client
        .get(format!("{}/v1/admin/offer-items", app.base))
        .send()
        .await
        .expect("sent");
    assert_problem(anonymous, 401, None).await;
    assert_problem(
        app.admin(Method::GET, "psk_wrong", "offer-items", None)
            .await,
        401,
        None,
    )
    .await;
    // A merchant's key cannot register merchants.
    let response = app
        .admin(
            Method::POST,
            &app.shop_key,
            "merchants",
            Some(json!({"id": "x", "name": "X", "affiliate": true, "upseller": false})),
        )
        .await;
    assert_problem(response, 401, None).await;
}

#[tokio::test]
async fn bad_records_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let cases: Vec<(&str, &str, Value, u16, Option<&str>)> = vec![
        (
            &app.lens_key,
            "offer-items",
            item("BAD SKU", "1.00", "USD", &[]),
            422,
            Some("sku"),
        ),
        (
            &app.lens_key,
            "offer-items",
            item("X1", "-1.00", "USD", &[]),
            422,
            Some("price"),
        ),
        (
            &app.lens_key,
            "offer-items",
            item("X2", "1.001", "USD", &[]),
            422,
            Some("price"),
        ),
        (
            &app.lens_key,
            "offer-items",
            item("X3", "1.00", "usd", &[]),
            400,
            Some("currency"),
        ),
        (
            &app.lens_key,
            "offer-items",
            json!({"sku": "X4", "name": "n", "price": 1, "currency": "USD"}),
            400,
            Some("price"),
        ),
        (
            &app.lens_key,
            "offer-items",
            item("LENS-35", "1.00", "USD", &[]),
            409,
            None,
        ),
        (
            &app.shop_key,
            "styles",
            json!({"id": "s2", "accent": "red", "text": "#000000", "surface": "#ffffff", "font": "x", "radius_px": 1}),
            422,
            Some("accent"),
        ),
        (
            &app.shop_key,
            "styles",
            json!({"id": "s3", "accent": "#000000", "text": "#000000", "surface": "#ffffff", "font": "x;}</style>", "radius_px": 1}),
            422,
            Some("font"),
        ),
        (
            &app.shop_key,
            "templates",
            json!({"id": "t2", "headline": "Hi {{card_number}}", "body": "b", "button": "b"}),
            422,
            Some("headline"),
        ),
        (
            &app.shop_key,
            "reason-codes",
            reason("lower-case", "lens", "popup", "popup"),
            400,
            Some("code"),
        ),
        (
            &app.shop_key,
            "reason-codes",
            reason("NEW-CODE", "nobody", "merchant_of_record", "popup"),
            422,
            Some("upseller"),
        ),
        (
            &app.shop_key,
            "secrets",
            json!({"key_id": "k2", "secret": "short"}),
            422,
            Some("secret"),
        ),
        (
            &app.lens_key,
            "reason-codes",
            reason("LENS-CODE", "lens", "merchant_of_record", "popup"),
            403,
            None,
        ),
    ];
    for (key, kind, body, status, field) in cases {
        let response = app.admin(Method::POST, key, kind, Some(body.clone())).await;
        let problem = assert_problem(response, status, field).await;
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{kind} {body}: {problem}"
        );
    }
    let items: Value = app
        .admin(Method::GET, &app.lens_key, "offer-items", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(items.as_array().expect("list").len(), 4, "nothing stored");
}

#[tokio::test]
async fn payment_reference_is_refused_for_an_unaffiliated_upseller() {
    let app = spawn_app().await;
    let response = app
        .admin(
            Method::POST,
            &app.shop_key,
            "reason-codes",
            Some(reason("TRAIL-REF", "trail", "payment_reference", "popup")),
        )
        .await;
    assert_problem(response, 422, Some("handoff_mode")).await;
    let response = app
        .admin(
            Method::POST,
            &app.shop_key,
            "reason-codes",
            Some(reason("LENS-REF", "lens", "payment_reference", "popup")),
        )
        .await;
    assert_eq!(
        response.status(),
        201,
        "a corporate affiliate may use payment_reference"
    );
}

#[tokio::test]
async fn the_operator_registers_merchants_once() {
    let (base, client) = spawn_bare().await;
    let body = json!({"id": "m1", "name": "M1", "affiliate": true, "upseller": false, "origins": ["https://m1.example"]});
    let post = || {
        client
            .post(format!("{base}/v1/admin/merchants"))
            .bearer_auth(OPERATOR_KEY)
            .json(&body)
            .send()
    };
    let created = post().await.expect("sent");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let key = created["api_key"].as_str().expect("key");
    assert_problem(post().await.expect("sent"), 409, None).await;
    let me: Value = client
        .get(format!("{base}/v1/admin/merchant"))
        .bearer_auth(key)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"], "m1");
    let bad = json!({"id": "m2", "name": "M2", "affiliate": true, "upseller": false, "origins": ["https://m2.example/path"]});
    let response = client
        .post(format!("{base}/v1/admin/merchants"))
        .bearer_auth(OPERATOR_KEY)
        .json(&bad)
        .send()
        .await
        .expect("sent");
    assert_problem(response, 422, Some("origins[0]")).await;
}
