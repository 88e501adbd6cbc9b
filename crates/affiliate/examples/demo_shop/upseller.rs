//! The demo upseller: receives the hub's order webhooks, checks their
//! signature, and lists what it was told to ship (`/` as HTML, `/orders.json`);
//! answers the hub's live quotes (`/quote`): everything in stock, the strap
//! at today's price.

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use postsale_protocol::{
    CallbackChallenge, QuoteRequest, QuoteResponse, QuotedItem, SIGNATURE_HEADER, verify_request,
};
use serde_json::Value;

/// The hub's webhook keys of the demo merchants (crates/server/src/demo.rs).
pub(crate) const SECRETS: &[&str] = &[
    "demo-lens-co-webhook-secret-00001",
    "demo-trail-webhook-secret-000000001",
    "demo-camera-shop-webhook-key-000001",
];

#[derive(Debug, Default)]
pub(crate) struct Upseller {
    orders: Mutex<Vec<Value>>,
}

pub(crate) fn router(upseller: Arc<Upseller>) -> Router {
    Router::new()
        .route("/", get(list))
        .route("/orders.json", get(list_json))
        .route("/webhook", post(receive))
        .route("/quote", post(quote))
        .with_state(upseller)
}

async fn receive(
    State(upseller): State<Arc<Upseller>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secrets: Vec<&[u8]> = SECRETS.iter().map(|s| s.as_bytes()).collect();
    if verify_request(header, &body, &secrets, postsale_affiliate::unix_now()).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // The hub proving this URL: the same challenge back.
    if let Some(challenge) = CallbackChallenge::parse(&body) {
        return Json(challenge).into_response();
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(event) => {
            if let Ok(mut orders) = upseller.orders.lock() {
                orders.push(event);
            }
            StatusCode::OK.into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Today's prices below the catalogue's.
const TODAY: &[(&str, &str)] = &[("STRAP-T", "19.00")];

/// The hub asking, as an offer opens, what is in stock and at what price.
async fn quote(headers: HeaderMap, body: Bytes) -> Response {
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secrets: Vec<&[u8]> = SECRETS.iter().map(|s| s.as_bytes()).collect();
    if verify_request(header, &body, &secrets, postsale_affiliate::unix_now()).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Some(challenge) = CallbackChallenge::parse(&body) {
        return Json(challenge).into_response();
    }
    let Ok(asked) = serde_json::from_slice::<QuoteRequest>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let items = asked
        .items
        .iter()
        .map(|line| QuotedItem {
            sku: line.sku.clone(),
            available: true,
            unit_price: TODAY
                .iter()
                .find(|(sku, _)| *sku == line.sku)
                .map(|(_, price)| (*price).to_owned()),
        })
        .collect();
    Json(QuoteResponse { items }).into_response()
}

async fn list_json(State(upseller): State<Arc<Upseller>>) -> Json<Vec<Value>> {
    Json(
        upseller
            .orders
            .lock()
            .map(|o| o.clone())
            .unwrap_or_default(),
    )
}

async fn list(State(upseller): State<Arc<Upseller>>) -> Html<String> {
    let orders = upseller
        .orders
        .lock()
        .map(|o| o.clone())
        .unwrap_or_default();
    let mut rows = String::new();
    // What to ship: the affiliates' `upsell.*` and the refunds are kept
    // for `orders.json` only.
    for event in orders
        .iter()
        .rev()
        .filter(|e| e["event"] == "order.charged")
    {
        let order = &event["order"];
        let text = |v: &Value| {
            v.as_str()
                .unwrap_or("")
                .replace('&', "&amp;")
                .replace('<', "&lt;")
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
            text(&order["id"]),
            text(&order["items"][0]["name"]),
            text(&order["amount"]),
            text(&order["currency"]),
            text(&order["ship_to"]["city"])
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Upseller orders</title></head><body>\
         <h1>Orders to ship</h1><table><tr><th>Order</th><th>Item</th><th>Amount</th><th>Ship to</th></tr>{rows}</table></body></html>"
    ))
}
