//! The upseller asked live while an opportunity opens: a signed question to
//! its proven quote URL that may take items out or lower their price, the
//! offer and the charge holding what it confirmed; when the upseller is
//! slow, down, refuses or answers nonsense, the catalogue stands and the
//! page waits no longer than the budget.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, http::HeaderMap, response::IntoResponse, routing::post};
use postsale_protocol::{CallbackChallenge, QuoteRequest, SIGNATURE_HEADER, verify_request};
use serde_json::{Value, json};

use crate::{
    accept::{accept, card_reference, orders},
    handoff::{prove_url, put_url},
    helpers::{TestApp, claims, purchase, spawn_app, ticket},
};

/// How the test upseller answers a quote.
#[derive(Clone)]
enum Answer {
    /// This JSON, at once.
    Json(Value),
    /// This JSON, after this long.
    Late(Duration, Value),
    /// This status, no body.
    Status(u16),
    /// This text.
    Text(&'static str),
}

/// The questions the upseller was asked, verified against its webhooks key.
type Asked = Arc<Mutex<Vec<QuoteRequest>>>;

/// Trail's quote URL on loopback, answering `answer`, proven; what it was
/// asked comes back in the list.
async fn quoting(app: &TestApp, answer: Answer) -> Asked {
    let (_, secret) = app.hub_key(&app.trail_key, "webhooks").await;
    let asked: Asked = Arc::default();
    let seen = asked.clone();
    let route = post(move |headers: HeaderMap, body: Bytes| {
        let (answer, seen, secret) = (answer.clone(), seen.clone(), secret.clone());
        async move {
            if let Some(challenge) = CallbackChallenge::parse(&body) {
                return axum::Json(challenge).into_response();
            }
            let signature = headers
                .get(SIGNATURE_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            if verify_request(signature, &body, &[secret.as_bytes()], now).is_err() {
                return axum::http::StatusCode::UNAUTHORIZED.into_response();
            }
            let question: QuoteRequest = serde_json::from_slice(&body).expect("a quote request");
            seen.lock().expect("lock").push(question);
            match answer {
                Answer::Json(body) => axum::Json(body).into_response(),
                Answer::Late(wait, body) => {
                    tokio::time::sleep(wait).await;
                    axum::Json(body).into_response()
                }
                Answer::Status(status) => axum::http::StatusCode::from_u16(status)
                    .expect("a status")
                    .into_response(),
                Answer::Text(text) => text.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/quote", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/quote", route)).await });
    put_url(app, &app.trail_key, "quote_url", &url).await;
    assert_eq!(prove_url(app, &app.trail_key, "quote").await.status(), 200);
    asked
}

/// Opens OUTDOOR (trail's tripod at 99.00) for `order`: how long it took
/// and the offer.
async fn open(app: &TestApp, order: &str) -> (Duration, String, Value) {
    let started = Instant::now();
    let (id, offer) = app
        .opened(&purchase(&ticket(&claims(order, Some("OUTDOOR"))), order))
        .await;
    (started.elapsed(), id, offer)
}

fn prices(offer: &Value) -> Vec<(String, String)> {
    offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().expect("sku").to_owned(),
                i["unit_price"].as_str().expect("price").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_live_price_below_the_catalogue_is_shown_consented_and_charged() {
    let app = spawn_app().await;
    let asked = quoting(
        &app,
        Answer::Json(
            json!({"items": [{"sku": "TRIPOD", "available": true, "unit_price": "89.00"}]}),
        ),
    )
    .await;
    let (_, id, offer) = open(&app, "Q-1").await;
    assert_eq!(prices(&offer), [("TRIPOD".to_owned(), "89.00".to_owned())]);
    {
        let asked = asked.lock().expect("lock");
        assert_eq!(asked.len(), 1, "one question per opportunity");
        assert_eq!(asked[0].affiliate_id, "shop");
        assert_eq!(asked[0].items[0].sku, "TRIPOD");
        assert_eq!(asked[0].items[0].unit_price, "99.00");
    }
    // The offer read again, and the accept, keep the confirmed price.
    let again: Value = app.get_offer(&id).await.json().await.expect("json");
    assert_eq!(prices(&again), prices(&offer));
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "89.00"},
        "payment_reference": reference,
    });
    assert_eq!(accept(&app, &id, "q-1", &body).await.status(), 201);
    assert_eq!(orders(&app).await[0]["amount_minor"], 8900);
}

#[tokio::test]
async fn an_item_out_of_stock_or_priced_above_the_catalogue_is_left_out() {
    let app = spawn_app().await;
    quoting(
        &app,
        Answer::Json(json!({"items": [{"sku": "TRIPOD", "available": false}]})),
    )
    .await;
    let response = app
        .post_opportunity(&purchase(&ticket(&claims("Q-2", Some("OUTDOOR"))), "Q-2"))
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["postsale-no-offer"], "no_eligible_items");

    let app = spawn_app().await;
    quoting(
        &app,
        Answer::Json(
            json!({"items": [{"sku": "TRIPOD", "available": true, "unit_price": "120.00"}]}),
        ),
    )
    .await;
    let response = app
        .post_opportunity(&purchase(&ticket(&claims("Q-3", Some("OUTDOOR"))), "Q-3"))
        .await;
    assert_eq!(
        response.status(),
        204,
        "a price above the catalogue is not confirmed"
    );
}

#[tokio::test]
async fn a_slow_down_or_confused_upseller_leaves_the_catalogue_within_the_budget() {
    let budget = Duration::from_millis(300);
    for (n, answer) in [
        Answer::Late(
            Duration::from_secs(3),
            json!({"items": [{"sku": "TRIPOD", "available": false}]}),
        ),
        Answer::Status(503),
        Answer::Text("<html>maintenance</html>"),
        Answer::Json(json!({"items": [{"sku": "TRIPOD", "available": "yes"}]})),
    ]
    .into_iter()
    .enumerate()
    {
        let app = spawn_app().await;
        let asked = quoting(&app, answer).await;
        let (took, _, offer) = open(&app, &format!("S-{n}")).await;
        assert_eq!(
            prices(&offer),
            [("TRIPOD".to_owned(), "99.00".to_owned())],
            "answer {n}: the catalogue stands"
        );
        assert_eq!(asked.lock().expect("lock").len(), 1, "answer {n} was asked");
        assert!(
            took < budget + Duration::from_millis(700),
            "answer {n}: the purchase took {took:?}"
        );
    }
}

#[tokio::test]
async fn an_unproven_quote_url_is_never_asked() {
    let app = spawn_app().await;
    let asked = quoting(
        &app,
        Answer::Json(json!({"items": [{"sku": "TRIPOD", "available": false}]})),
    )
    .await;
    // A new URL loses the proof; the hub asks nothing until it is proven.
    let elsewhere = "http://127.0.0.1:9/quote";
    put_url(&app, &app.trail_key, "quote_url", elsewhere).await;
    let me: Value = app
        .admin(reqwest::Method::GET, &app.trail_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["quote_url_verified"], false);
    let (_, _, offer) = open(&app, "U-1").await;
    assert_eq!(prices(&offer), [("TRIPOD".to_owned(), "99.00".to_owned())]);
    assert!(asked.lock().expect("lock").is_empty());
}
