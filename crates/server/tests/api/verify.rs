//! A merchant's addresses are used only once proven: an origin by the
//! challenge it serves under `/.well-known/` (or the operator's approval), a
//! handoff or webhook URL by answering the hub's signed challenge. Each is
//! tried unproven first.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use axum::{
    Router,
    body::Bytes,
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    handoff::{add_care_plan, affiliate, body_for, open, prove_url, put_url},
    helpers::{ORIGIN, TestApp, assert_problem, claims, purchase, spawn_app, ticket},
};

/// A web server on loopback whose challenge file says what `served` holds;
/// `"redirect"` answers a redirect to the real file, `""` a 404.
async fn site(served: Arc<Mutex<String>>) -> String {
    let app = Router::new()
        .route(
            "/.well-known/postsale-verification.txt",
            get(move || {
                let served = served.clone();
                async move {
                    let text = served.lock().expect("lock").clone();
                    match text.as_str() {
                        "" => StatusCode::NOT_FOUND.into_response(),
                        "redirect" => Redirect::temporary("/real.txt").into_response(),
                        _ => text.into_response(),
                    }
                }
            }),
        )
        .route("/real.txt", get(|| async { "nothing" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

async fn set_origins(app: &TestApp, origins: &[&str]) -> Value {
    let mut me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    me["origins"] = json!(origins);
    // A merchant cannot declare its own origins proven.
    me["verified_origins"] = json!(origins);
    let response = app
        .admin(Method::PUT, &app.shop_key, "merchant", Some(me))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn origin_status(app: &TestApp, origin: &str) -> Value {
    let list: Value = app
        .admin(Method::GET, &app.shop_key, "origins", None)
        .await
        .json()
        .await
        .expect("json");
    list.as_array()
        .expect("list")
        .iter()
        .find(|o| o["origin"] == origin)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn opportunity_from(app: &TestApp, origin: &str, order: &str) -> reqwest::Response {
    let body = purchase(&ticket(&claims(order, Some("CAMERA-HIGH"))), order);
    app.client
        .post(format!("{}/v1/opportunities", app.base))
        .header("origin", origin)
        .json(&body)
        .send()
        .await
        .expect("sent")
}

async fn preflight_allows(app: &TestApp, origin: &str) -> bool {
    let response = app
        .client
        .request(Method::OPTIONS, format!("{}/v1/opportunities", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("sent");
    response
        .headers()
        .get("access-control-allow-origin")
        .is_some_and(|v| v == origin)
}

async fn verify(app: &TestApp, origin: &str) -> reqwest::Response {
    app.admin(
        Method::POST,
        &app.shop_key,
        "origins/verify",
        Some(json!({"origin": origin})),
    )
    .await
}

#[tokio::test]
async fn an_origin_is_used_only_once_it_serves_the_merchants_challenge() {
    let app = spawn_app().await;
    let served = Arc::new(Mutex::new(String::new()));
    let new = site(served.clone()).await;
    let profile = set_origins(&app, &[ORIGIN, &new]).await;
    assert_eq!(profile["verified_origins"], json!([ORIGIN]), "{profile}");

    // Unproven: no CORS, no opportunity, no framing.
    assert!(!preflight_allows(&app, &new).await);
    assert_problem(opportunity_from(&app, &new, "V-1").await, 403, None).await;
    let status = origin_status(&app, &new).await;
    assert_eq!(status["verified"], false);
    let challenge = status["challenge"].as_str().expect("challenge").to_owned();
    assert_eq!(challenge.len(), 64);
    assert_eq!(
        status["challenge_url"],
        format!("{new}/.well-known/postsale-verification.txt")
    );

    // Not served, served wrong, another merchant's line, behind a redirect.
    for text in [
        String::new(),
        "postsale-verification=nope".to_owned(),
        format!("postsale-verification={challenge}x"),
        "redirect".to_owned(),
        format!("{}\npostsale-verification={challenge}", "x".repeat(8_000)),
    ] {
        *served.lock().expect("lock") = text;
        assert_problem(verify(&app, &new).await, 409, Some("origin")).await;
        assert_eq!(origin_status(&app, &new).await["verified"], false);
    }
    assert_problem(
        verify(&app, "https://never.example").await,
        404,
        Some("origin"),
    )
    .await;

    // Served: proven, and from then on in use.
    *served.lock().expect("lock") = format!("# postsale\npostsale-verification={challenge}\n");
    let proven = verify(&app, &new).await;
    assert_eq!(proven.status(), 200);
    let status = origin_status(&app, &new).await;
    assert_eq!(
        (status["verified"].clone(), status["verified_by"].clone()),
        (json!(true), json!("challenge"))
    );
    assert!(preflight_allows(&app, &new).await);
    assert_eq!(opportunity_from(&app, &new, "V-2").await.status(), 201);

    // A PUT that keeps it keeps the proof; dropped and added again, it
    // needs a new one.
    set_origins(&app, &[ORIGIN, &new]).await;
    assert_eq!(origin_status(&app, &new).await["verified"], true);
    set_origins(&app, &[ORIGIN]).await;
    let again = set_origins(&app, &[ORIGIN, &new]).await;
    assert_eq!(again["verified_origins"], json!([ORIGIN]));
    let status = origin_status(&app, &new).await;
    assert_eq!(status["verified"], false);
    assert_ne!(status["challenge"], json!(challenge), "a new challenge");
}

#[tokio::test]
async fn the_operator_may_vouch_for_an_origin_but_no_merchant_may() {
    let app = spawn_app().await;
    let other = "https://other.example";
    set_origins(&app, &[ORIGIN, other]).await;
    let path = format!("{}/v1/operator/merchants/shop/origins/approve", app.base);
    let by_merchant = app
        .client
        .post(&path)
        .bearer_auth(&app.shop_key)
        .json(&json!({"origin": other}))
        .send()
        .await
        .expect("sent");
    assert_problem(by_merchant, 401, None).await;
    assert_eq!(origin_status(&app, other).await["verified"], false);
    // The operator sees it waiting, with where its challenge would be; no
    // merchant reads that list.
    let waiting: Value = app
        .operator(Method::GET, "origins", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        waiting,
        json!([{"merchant_id": "shop", "origin": other,
            "challenge_url": format!("{other}/.well-known/postsale-verification.txt")}])
    );
    let listed = app
        .client
        .get(format!("{}/v1/operator/origins", app.base))
        .bearer_auth(&app.shop_key)
        .send()
        .await
        .expect("sent");
    assert_problem(listed, 401, None).await;
    let undeclared = app
        .operator(
            Method::POST,
            "merchants/shop/origins/approve",
            Some(json!({"origin": "https://undeclared.example"})),
        )
        .await;
    assert_problem(undeclared, 404, Some("origin")).await;
    let approved = app
        .operator(
            Method::POST,
            "merchants/shop/origins/approve",
            Some(json!({"origin": other})),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let status = origin_status(&app, other).await;
    assert_eq!(status["verified_by"], "operator");
    assert!(preflight_allows(&app, other).await);
    let waiting: Value = app
        .operator(Method::GET, "origins", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(waiting, json!([]));
    // And every merchant, with its roles.
    let merchants: Value = app
        .operator(Method::GET, "merchants", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        merchants,
        json!([
            {"id": "lens", "name": "Lens Co", "affiliate": false, "upseller": true},
            {"id": "shop", "name": "Shop", "affiliate": true, "upseller": true},
            {"id": "trail", "name": "Trail", "affiliate": false, "upseller": true},
        ])
    );
}

#[tokio::test]
async fn an_unproven_handoff_url_is_never_called_for_money() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["handoff_url_verified"], true);
    let good = me["handoff_url"].as_str().expect("url").to_owned();

    // A URL that answers 200 to anything, but not the challenge; one that
    // redirects to the real one.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let impostor = Router::new()
        .route(
            "/any",
            post(move |_: Bytes| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    r#"{"status": "charged", "charge_id": "ch_fake"}"#
                }
            }),
        )
        .route(
            "/moved",
            post(move || {
                let good = good.clone();
                async move { Redirect::permanent(&good) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, impostor).await });

    for path in ["/any", "/moved"] {
        put_url(&app, &app.shop_key, "handoff_url", &format!("{base}{path}")).await;
        assert_problem(
            prove_url(&app, &app.shop_key, "handoff").await,
            409,
            Some("handoff_url"),
        )
        .await;
        let (id, offer) = open(&app, &affiliate, &claims(&format!("H{path}"), Some("CARE"))).await;
        assert_problem(
            crate::accept::accept(&app, &id, "h", &body_for(&offer)).await,
            409,
            None,
        )
        .await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "only the challenge reached it"
    );
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 0);
    let orders: Value = app
        .admin(Method::GET, &app.shop_key, "orders", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(orders, json!([]), "nothing stored");
    assert_problem(
        app.admin(
            Method::POST,
            &app.shop_key,
            "callbacks/verify",
            Some(json!({"callback": "ftp"})),
        )
        .await,
        400,
        None,
    )
    .await;
    assert_problem(
        prove_url(&app, &app.lens_key, "handoff").await,
        409,
        Some("handoff_url"),
    )
    .await;
}
