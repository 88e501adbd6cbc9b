//! Keys with one purpose each: the hub makes its own keys for its calls and
//! its webhooks (shown once, staged, then activated), and a ticket key,
//! which lives in a storefront's reach, signs no hub call.

use std::sync::atomic::Ordering;

use postsale_protocol::{
    HANDOFF_KEY_ID_HEADER, HandoffMode, HandoffRequest, SIGNATURE_HEADER, ValidatorClaims,
    mint_validator, sign_request,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    handoff::{affiliate, affiliate_with, prove_url, put_url},
    helpers::{KEY_ID, SECRET, TestApp, assert_problem, now, spawn_app},
};

async fn keys_of(app: &TestApp, key: &str) -> Value {
    app.admin(Method::GET, key, "keys", None)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_leaked_ticket_key_signs_no_hub_call() {
    let app = spawn_app().await;
    let affiliate = affiliate(&app).await;
    let me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    let url = me["handoff_url"].as_str().expect("url").to_owned();
    // What someone holding the storefront's ticket key can make: a validator
    // and a call, signed with it, under its own id and under the hub key's.
    let validator = mint_validator(
        &ValidatorClaims {
            opportunity_id: "opp_forged".into(),
            ticket_nonce: "n".into(),
            amount_minor: 100,
            currency: postsale_protocol::CurrencyCode::parse("USD").expect("USD"),
            expires_at: now() + 60,
            id: "val_forged".into(),
            customer_sha256: postsale_protocol::customer_digest("cust-1"),
        },
        KEY_ID,
        SECRET.as_bytes(),
    );
    let request = HandoffRequest {
        mode: HandoffMode::MerchantOfRecord,
        order_id: "ord_forged".into(),
        affiliate_order_id: "A-1".into(),
        customer_token: "cust-1".into(),
        validator,
        amount: "1.00".into(),
        discount: None,
        shipping: None,
        currency: postsale_protocol::CurrencyCode::parse("USD").expect("USD"),
        items: vec![],
        upseller_id: "shop".into(),
        upseller_affiliated: true,
    };
    let body = serde_json::to_vec(&request).expect("json");
    for key_id in [KEY_ID, app.hub_key.0.as_str()] {
        let response = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header(
                SIGNATURE_HEADER,
                sign_request(&body, SECRET.as_bytes(), now()),
            )
            .header(HANDOFF_KEY_ID_HEADER, key_id)
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            401,
            "signed with the ticket key as {key_id}"
        );
    }
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_key_is_shown_once_staged_and_signs_only_once_activated() {
    let app = spawn_app().await;
    let old = app.hub_key.clone();
    // The affiliate's side knows only the old key.
    let (_, old_only) = affiliate_with(vec![old.clone()]).await;
    put_url(&app, &app.shop_key, "handoff_url", &old_only).await;
    assert_eq!(
        prove_url(&app, &app.shop_key, "handoff").await.status(),
        200
    );

    let made: Value = app
        .admin(
            Method::POST,
            &app.shop_key,
            "keys",
            Some(json!({"purpose": "hub_calls"})),
        )
        .await
        .json()
        .await
        .expect("json");
    let new = (
        made["key_id"].as_str().expect("id").to_owned(),
        made["secret"].as_str().expect("secret").to_owned(),
    );
    assert_eq!(new.1.len(), 64);
    // Staged: the hub still signs with the old key.
    put_url(
        &app,
        &app.shop_key,
        "handoff_url",
        &format!("{old_only}?again"),
    )
    .await;
    assert_eq!(
        prove_url(&app, &app.shop_key, "handoff").await.status(),
        200
    );
    let listed = keys_of(&app, &app.shop_key).await;
    let find = |id: &str| {
        listed
            .as_array()
            .expect("list")
            .iter()
            .find(|k| k["key_id"] == id)
            .cloned()
            .expect("listed")
    };
    assert_eq!(find(&new.0)["status"], "staged");
    assert_eq!(find(&old.0)["signing"], true);
    assert!(find(&new.0).get("secret").is_none(), "never read back");

    // Activated: the old key alone no longer proves; both do.
    let activated = app
        .admin(
            Method::POST,
            &app.shop_key,
            &format!("keys/{}/activate", new.0),
            None,
        )
        .await;
    assert_eq!(activated.status(), 200);
    put_url(&app, &app.shop_key, "handoff_url", &old_only).await;
    assert_problem(
        prove_url(&app, &app.shop_key, "handoff").await,
        409,
        Some("handoff_url"),
    )
    .await;
    let (_, both) = affiliate_with(vec![old.clone(), new.clone()]).await;
    put_url(&app, &app.shop_key, "handoff_url", &both).await;
    assert_eq!(
        prove_url(&app, &app.shop_key, "handoff").await.status(),
        200
    );

    // The signing key cannot be retired; the old one can, once.
    let signing = app
        .admin(
            Method::DELETE,
            &app.shop_key,
            &format!("keys/{}", new.0),
            None,
        )
        .await;
    assert_problem(signing, 409, None).await;
    let retired = app
        .admin(
            Method::DELETE,
            &app.shop_key,
            &format!("keys/{}", old.0),
            None,
        )
        .await;
    assert_eq!(retired.status(), 204);
    let again = app
        .admin(
            Method::DELETE,
            &app.shop_key,
            &format!("keys/{}", old.0),
            None,
        )
        .await;
    assert_problem(again, 404, None).await;
    let reactivate = app
        .admin(
            Method::POST,
            &app.shop_key,
            &format!("keys/{}/activate", old.0),
            None,
        )
        .await;
    assert_problem(reactivate, 404, None).await;
}

#[tokio::test]
async fn keys_are_made_only_for_their_purpose_and_in_bounds() {
    let app = spawn_app().await;
    let make = |key: String, body: Value| {
        let app = &app;
        async move { app.admin(Method::POST, &key, "keys", Some(body)).await }
    };
    let cases = [
        (app.lens_key.clone(), json!({"purpose": "hub_calls"}), 403),
        (app.trail_key.clone(), json!({"purpose": "hub_calls"}), 403),
        (app.shop_key.clone(), json!({"purpose": "tickets"}), 400),
        (
            app.shop_key.clone(),
            json!({"purpose": "webhooks", "secret": "mine"}),
            400,
        ),
        (app.shop_key.clone(), json!({}), 400),
    ];
    for (key, body, status) in cases {
        assert_problem(make(key, body).await, status, None).await;
    }
    assert_eq!(
        keys_of(&app, &app.lens_key).await,
        json!([]),
        "nothing made"
    );
    // Five live keys of one purpose at most.
    for _ in 0..5 {
        let made = make(app.lens_key.clone(), json!({"purpose": "webhooks"})).await;
        assert_eq!(made.status(), 201);
    }
    assert_problem(
        make(app.lens_key.clone(), json!({"purpose": "webhooks"})).await,
        409,
        None,
    )
    .await;
    // Another merchant's key is as missing as none.
    let theirs = keys_of(&app, &app.lens_key).await[0]["key_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let across = app
        .admin(
            Method::POST,
            &app.shop_key,
            &format!("keys/{theirs}/activate"),
            None,
        )
        .await;
    assert_problem(across, 404, None).await;
}

#[tokio::test]
async fn a_forged_ticket_reads_the_same_whichever_affiliate_or_key_it_names() {
    let app = spawn_app().await;
    let mut details = Vec::new();
    for (affiliate, key_id, secret) in [
        ("nobody", KEY_ID, SECRET),
        ("shop", "no-such-key", SECRET),
        ("shop", KEY_ID, "not the ticket key of the shop, 32+"),
        ("lens", KEY_ID, SECRET),
    ] {
        let mut c = crate::helpers::claims("F-1", Some("CAMERA-HIGH"));
        c.affiliate_id = affiliate.into();
        let forged = crate::helpers::sign_ticket_with(&c, key_id, secret.as_bytes());
        let response = app
            .post_opportunity(&crate::helpers::purchase(&forged, "F-1"))
            .await;
        let problem = assert_problem(response, 401, None).await;
        details.push(problem["detail"].clone());
    }
    assert!(
        details.windows(2).all(|w| w[0] == w[1]),
        "the answers tell forged tickets apart: {details:?}"
    );
}
