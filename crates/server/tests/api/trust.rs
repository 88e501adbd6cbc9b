//! Who may do what: each rule tried the forbidden way first. No merchant sets
//! its own corporate group or roles; an affiliation counts only once the
//! partner accepted and the operator confirmed it; an affiliate sells an
//! upseller's items only in the modes the upseller's agreement names.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::{accept, accept_body, card_reference, outdoor},
    helpers::{OPERATOR_KEY, TestApp, assert_problem, claims, purchase, reason, spawn_app, ticket},
};

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

async fn me(app: &TestApp, key: &str) -> Value {
    json_of(app.admin(Method::GET, key, "merchant", None).await).await
}

async fn create_code(app: &TestApp, body: Value) -> reqwest::Response {
    app.admin(Method::POST, &app.shop_key, "reason-codes", Some(body))
        .await
}

#[tokio::test]
async fn a_self_declared_corporate_group_is_refused_and_unlocks_nothing() {
    let app = spawn_app().await;
    for key in [&app.shop_key, &app.trail_key] {
        let mut profile = me(&app, key).await;
        profile["corporate_group"] = json!("g1");
        let response = app.admin(Method::PUT, key, "merchant", Some(profile)).await;
        assert_problem(response, 400, Some("corporate_group")).await;
        assert!(me(&app, key).await.get("corporate_group").is_none());
    }
    let code = || reason("TRAIL-REF", "trail", "payment_reference", "popup");
    assert_problem(create_code(&app, code()).await, 422, Some("handoff_mode")).await;

    // Proposed, then accepted by both: still not the operator's word.
    let proposed = json_of(
        app.admin(
            Method::POST,
            &app.trail_key,
            "affiliations",
            Some(json!({"partner": "shop"})),
        )
        .await,
    )
    .await;
    assert_eq!(proposed["status"], "proposed");
    let id = proposed["id"].as_str().expect("id").to_owned();
    assert_problem(create_code(&app, code()).await, 422, Some("handoff_mode")).await;
    let accepted = app
        .admin(
            Method::POST,
            &app.shop_key,
            &format!("affiliations/{id}/accept"),
            None,
        )
        .await;
    assert_eq!(json_of(accepted).await["status"], "accepted");
    assert_problem(create_code(&app, code()).await, 422, Some("handoff_mode")).await;
    let waiting = json_of(
        app.operator(Method::GET, "affiliations?status=accepted", None)
            .await,
    )
    .await;
    assert_eq!(waiting.as_array().map(Vec::len), Some(1), "{waiting}");
    assert_eq!(waiting[0]["id"], id.as_str());
    // As a browser's fetch may write it, with an empty pair at the end; a
    // second status, another parameter or another word is refused.
    let again = json_of(
        app.operator(Method::GET, "affiliations?status=accepted&", None)
            .await,
    )
    .await;
    assert_eq!(again, waiting);
    for query in ["status=accepted&status=proposed", "limit=5", "status=maybe"] {
        let refused = app
            .operator(Method::GET, &format!("affiliations?{query}"), None)
            .await;
        assert_problem(refused, 422, Some("status")).await;
    }

    let confirmed = app
        .operator(Method::POST, &format!("affiliations/{id}/confirm"), None)
        .await;
    assert_eq!(json_of(confirmed).await["status"], "confirmed");
    assert_eq!(create_code(&app, code()).await.status(), 201);
}

#[tokio::test]
async fn a_merchant_cannot_grant_itself_roles_but_the_operator_can() {
    let app = spawn_app().await;
    let mut lens = me(&app, &app.lens_key).await;
    assert_eq!(lens["affiliate"], false);
    lens["affiliate"] = json!(true);
    let response = app
        .admin(Method::PUT, &app.lens_key, "merchant", Some(lens.clone()))
        .await;
    assert_problem(response, 403, None).await;
    assert_eq!(me(&app, &app.lens_key).await["affiliate"], false);
    let response = app
        .admin(
            Method::POST,
            &app.lens_key,
            "templates",
            Some(json!({"id": "t", "headline": "h", "body": "b", "button": "b"})),
        )
        .await;
    assert_problem(response, 403, None).await;

    // The operator's call; a merchant key cannot make it.
    let roles = json!({"affiliate": true, "upseller": true});
    let forged = app
        .client
        .put(format!("{}/v1/operator/merchants/lens/roles", app.base))
        .bearer_auth(&app.lens_key)
        .json(&roles)
        .send()
        .await
        .expect("sent");
    assert_problem(forged, 401, None).await;
    assert_eq!(me(&app, &app.lens_key).await["affiliate"], false);
    let response = app
        .operator(Method::PUT, "merchants/lens/roles", Some(roles))
        .await;
    assert_eq!(json_of(response).await["affiliate"], true);
    assert_eq!(me(&app, &app.lens_key).await["affiliate"], true);
    for (body, status) in [
        (json!({"affiliate": false, "upseller": false}), 422),
        (json!({"affiliate": true}), 400),
        (
            json!({"affiliate": true, "upseller": true, "group": "g"}),
            400,
        ),
    ] {
        let response = app
            .operator(Method::PUT, "merchants/lens/roles", Some(body))
            .await;
        assert_problem(response, status, None).await;
    }
    let response = app
        .operator(
            Method::PUT,
            "merchants/nobody/roles",
            Some(json!({"affiliate": true, "upseller": false})),
        )
        .await;
    assert_problem(response, 404, None).await;
}

#[tokio::test]
async fn only_the_partner_accepts_and_only_the_operator_confirms() {
    let app = spawn_app().await;
    let propose = |key: String, partner: &'static str| {
        let app = &app;
        async move {
            app.admin(
                Method::POST,
                &key,
                "affiliations",
                Some(json!({"partner": partner})),
            )
            .await
        }
    };
    for (partner, status, field) in [
        ("shop", 409, Some("partner")),
        ("nobody", 404, Some("partner")),
        ("Bad Id!", 422, Some("partner")),
    ] {
        let response = propose(app.shop_key.clone(), partner).await;
        assert_problem(response, status, field).await;
    }
    let proposed = json_of(propose(app.shop_key.clone(), "trail").await).await;
    let id = proposed["id"].as_str().expect("id").to_owned();
    assert_problem(propose(app.trail_key.clone(), "shop").await, 409, None).await;

    let accept_path = format!("affiliations/{id}/accept");
    let by_proposer = app
        .admin(Method::POST, &app.shop_key, &accept_path, None)
        .await;
    assert_problem(by_proposer, 403, None).await;
    let by_stranger = app
        .admin(Method::POST, &app.lens_key, &accept_path, None)
        .await;
    assert_problem(by_stranger, 404, None).await;
    let early = app
        .operator(Method::POST, &format!("affiliations/{id}/confirm"), None)
        .await;
    assert_problem(early, 409, None).await;
    let by_merchant = app
        .client
        .post(format!(
            "{}/v1/operator/affiliations/{id}/confirm",
            app.base
        ))
        .bearer_auth(&app.trail_key)
        .send()
        .await
        .expect("sent");
    assert_problem(by_merchant, 401, None).await;
    let listed = json_of(
        app.operator(Method::GET, "affiliations?status=proposed", None)
            .await,
    )
    .await;
    assert_eq!(listed[0]["status"], "proposed", "nothing moved: {listed}");

    let accepted = app
        .admin(Method::POST, &app.trail_key, &accept_path, None)
        .await;
    assert_eq!(accepted.status(), 200);
    let again = app
        .admin(Method::POST, &app.trail_key, &accept_path, None)
        .await;
    assert_problem(again, 409, None).await;
    let confirmed = app
        .operator(Method::POST, &format!("affiliations/{id}/confirm"), None)
        .await;
    assert_eq!(confirmed.status(), 200);
    let revoked = app
        .admin(
            Method::DELETE,
            &app.trail_key,
            &format!("affiliations/{id}"),
            None,
        )
        .await;
    assert_eq!(json_of(revoked).await["status"], "revoked");
    let gone = json_of(
        app.operator(Method::GET, "affiliations?status=revoked", None)
            .await,
    )
    .await;
    assert!(
        gone.as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    for query in ["affiliations?status=maybe", "affiliations?limit=5"] {
        assert_problem(
            app.operator(Method::GET, query, None).await,
            422,
            Some("status"),
        )
        .await;
    }
    let unknown = app
        .operator(Method::POST, "affiliations/aff_nothing/confirm", None)
        .await;
    assert_problem(unknown, 404, None).await;
    let without_key = app
        .client
        .get(format!("{}/v1/operator/affiliations", app.base))
        .send()
        .await
        .expect("sent");
    assert_problem(without_key, 401, None).await;
    let wrong_key = app
        .client
        .get(format!("{}/v1/operator/affiliations", app.base))
        .bearer_auth(format!("{OPERATOR_KEY}x"))
        .send()
        .await
        .expect("sent");
    assert_problem(wrong_key, 401, None).await;
}

#[tokio::test]
async fn agreements_are_given_only_by_upsellers_to_affiliates_and_checked() {
    let app = spawn_app().await;
    let affiliate_only = app
        .create_merchant(
            json!({"id": "solo", "name": "Solo", "affiliate": true, "upseller": false}),
        )
        .await;
    let grant = |key: String, path: &'static str, body: Value| {
        let app = &app;
        async move { app.admin(Method::PUT, &key, path, Some(body)).await }
    };
    let ok = json!({"modes": ["direct_entry"], "commission_bps": 500});
    let cases = [
        (
            affiliate_only.clone(),
            "agreements/shop",
            ok.clone(),
            403,
            None,
        ),
        (
            app.lens_key.clone(),
            "agreements/trail",
            ok.clone(),
            404,
            Some("affiliate"),
        ),
        (
            app.lens_key.clone(),
            "agreements/lens",
            ok.clone(),
            409,
            Some("affiliate"),
        ),
        (
            app.lens_key.clone(),
            "agreements/nobody",
            ok.clone(),
            404,
            Some("affiliate"),
        ),
        (
            app.lens_key.clone(),
            "agreements/solo",
            json!({"modes": []}),
            422,
            Some("modes"),
        ),
        (
            app.lens_key.clone(),
            "agreements/solo",
            json!({"modes": ["direct_entry", "direct_entry"]}),
            422,
            Some("modes[1]"),
        ),
        (
            app.lens_key.clone(),
            "agreements/solo",
            json!({"modes": ["direct_entry"], "commission_bps": 10001}),
            422,
            Some("commission_bps"),
        ),
        (
            app.lens_key.clone(),
            "agreements/solo",
            json!({"modes": ["card_data_pass"]}),
            400,
            None,
        ),
        (
            app.lens_key.clone(),
            "agreements/solo",
            json!({"modes": ["direct_entry"], "commission_bps": -1}),
            400,
            None,
        ),
    ];
    for (key, path, body, status, field) in cases {
        let response = grant(key, path, body.clone()).await;
        assert_problem(response, status, field).await;
    }
    let lens_agreements = json_of(
        app.admin(Method::GET, &app.lens_key, "agreements", None)
            .await,
    )
    .await;
    assert_eq!(
        lens_agreements.as_array().map(Vec::len),
        Some(1),
        "only the seeded one with shop: {lens_agreements}"
    );
    // The affiliate reads the terms it holds.
    let held = json_of(
        app.admin(Method::GET, &app.shop_key, "agreements", None)
            .await,
    )
    .await;
    let from_trail = held
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["upseller"] == "trail")
        .expect("trail's agreement");
    assert_eq!(
        from_trail["modes"],
        json!(["direct_entry", "payment_reference"])
    );
    assert_eq!(from_trail["commission_bps"], 1000);
}

#[tokio::test]
async fn merchant_of_record_for_another_upseller_needs_its_opt_in() {
    let app = spawn_app().await;
    let mor = || reason("TRAIL-MOR", "trail", "merchant_of_record", "popup");
    let refused = assert_problem(create_code(&app, mor()).await, 422, Some("upseller")).await;
    let ghost = assert_problem(
        create_code(
            &app,
            reason("GHOST-MOR", "ghost", "merchant_of_record", "popup"),
        )
        .await,
        422,
        Some("upseller"),
    )
    .await;
    assert_eq!(
        refused["detail"]
            .as_str()
            .map(|d| d.replace("trail", "ghost")),
        ghost["detail"].as_str().map(str::to_owned),
        "the refusal reads the same whether or not the upseller exists"
    );
    let terms = json!({"modes": ["direct_entry", "merchant_of_record"], "commission_bps": 1500});
    let response = app
        .admin(Method::PUT, &app.trail_key, "agreements/shop", Some(terms))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(create_code(&app, mor()).await.status(), 201);
}

#[tokio::test]
async fn a_withdrawn_agreement_stops_new_offers_and_the_open_ones() {
    let app = spawn_app().await;
    let (id, offer) = outdoor(&app, "W-1").await;
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let withdrawn = app
        .admin(Method::DELETE, &app.trail_key, "agreements/shop", None)
        .await;
    assert_eq!(withdrawn.status(), 204);
    let again = app
        .admin(Method::DELETE, &app.trail_key, "agreements/shop", None)
        .await;
    assert_problem(again, 404, None).await;

    assert_problem(app.get_offer(&id).await, 410, None).await;
    let response = accept(&app, &id, "w-1", &accept_body(&offer, &reference)).await;
    assert_problem(response, 409, None).await;
    let orders = json_of(app.admin(Method::GET, &app.shop_key, "orders", None).await).await;
    assert_eq!(orders, json!([]), "nothing stored, nothing charged");

    let c = claims("W-2", Some("OUTDOOR"));
    let response = app.post_opportunity(&purchase(&ticket(&c), "W-2")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        response
            .headers()
            .get("postsale-no-offer")
            .and_then(|v| v.to_str().ok()),
        Some("not_permitted")
    );
    let agreements = json_of(
        app.admin(Method::GET, &app.shop_key, "agreements", None)
            .await,
    )
    .await;
    assert!(
        agreements
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["upseller"] == "trail" && a["status"] == "revoked"),
        "{agreements}"
    );
}
