//! A real affiliate on a real socket, and a hub that signs its calls exactly
//! as `crates/server` does (`sign_request`, `mint_validator`), so every test
//! speaks HTTP to the router the way production will.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use postsale_affiliate::Secret;
use postsale_affiliate::handoff::{
    BoxFuture, ChargeError, CustomerDirectory, HandoffConfig, MemoryStore, OrderTicket,
    SavedPaymentCharger, router,
};
use postsale_protocol::{
    Address, CurrencyCode, CustomerRecord, HANDOFF_KEY_ID_HEADER, HandoffItem, HandoffMode,
    HandoffRequest, HandoffResponse, Money, SIGNATURE_HEADER, ValidatorClaims, mint_validator,
    sign_request,
};

pub(crate) const KEY_ID: &str = "k2";
pub(crate) const SECRET: &[u8] = b"the current affiliate secret, 32";
pub(crate) const OLD_KEY_ID: &str = "k1";
pub(crate) const OLD_SECRET: &[u8] = b"the previous affiliate secret 32!";
pub(crate) const OPPORTUNITY: &str = "opp_1";

/// The affiliate's orders: (order id, ticket nonce, customer token).
pub(crate) const ORDERS: &[(&str, &str, &str)] = &[
    ("A-1001", "nonce_A1001", "cus_7"),
    ("A-1002", "nonce_A1002", "cus_8"),
    ("A-1003", "nonce_A1003", "cus_pan"),
];

pub(crate) fn now() -> i64 {
    postsale_affiliate::unix_now()
}

pub(crate) fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").expect("USD")
}

pub(crate) fn address() -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        region: Some("IL".into()),
        postal_code: "62701".into(),
        country: "US".into(),
    }
}

/// The merchant's records: `cus_pan` was saved wrongly, with a card number.
#[derive(Debug)]
pub(crate) struct Directory;

impl CustomerDirectory for Directory {
    fn order<'a>(&'a self, order: &'a str) -> BoxFuture<'a, Option<OrderTicket>> {
        let ticket = ORDERS
            .iter()
            .find(|(o, _, _)| *o == order)
            .map(|(_, n, c)| OrderTicket {
                nonce: (*n).to_owned(),
                customer_token: (*c).to_owned(),
            });
        Box::pin(async move { ticket })
    }

    fn customer<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Option<CustomerRecord>> {
        let reference = match token {
            "cus_7" => Some("pm_1N3xYz2eZvKYlo2C"),
            "cus_pan" => Some("4242 4242 4242 4242"),
            _ => None,
        };
        let record = reference.map(|r| CustomerRecord {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            billing_address: address(),
            shipping_address: address(),
            payment_reference: r.into(),
        });
        Box::pin(async move { record })
    }

    fn ship_to<'a>(&'a self, _token: &'a str) -> BoxFuture<'a, Option<Address>> {
        Box::pin(async { Some(address()) })
    }
}

/// How the test gateway answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gateway {
    Approves,
    Declines,
    /// Down for the first call, then approves.
    DownOnce,
}

/// Stands for the merchant's own gateway: counts every charge it is asked for.
#[derive(Debug)]
pub(crate) struct Charger {
    behaviour: Gateway,
    attempts: AtomicUsize,
    charged: Mutex<Vec<(String, Money, String)>>,
}

impl Charger {
    /// Charges that went through: (customer token, amount, idempotency key).
    pub(crate) fn charged(&self) -> Vec<(String, Money, String)> {
        self.charged.lock().expect("not poisoned").clone()
    }

    /// Every call, including declined and failed ones.
    pub(crate) fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }
}

impl SavedPaymentCharger for Charger {
    fn charge<'a>(
        &'a self,
        token: &'a str,
        amount: Money,
        key: &'a str,
    ) -> BoxFuture<'a, Result<String, ChargeError>> {
        Box::pin(async move {
            let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
            // Let concurrent calls overlap, as a real gateway round trip would.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            match self.behaviour {
                Gateway::Declines => Err(ChargeError::Declined("card declined".into())),
                Gateway::DownOnce if attempt == 0 => {
                    Err(ChargeError::Unavailable("gateway timed out".into()))
                }
                _ => {
                    let mut charged = self.charged.lock().expect("not poisoned");
                    charged.push((token.to_owned(), amount, key.to_owned()));
                    Ok(format!("ch_{}", charged.len()))
                }
            }
        })
    }
}

/// A running affiliate and a hub-like client.
#[derive(Debug)]
pub(crate) struct TestApp {
    pub(crate) url: String,
    pub(crate) client: reqwest::Client,
    pub(crate) charger: Arc<Charger>,
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(Gateway::Approves).await
}

pub(crate) async fn spawn_app_with(behaviour: Gateway) -> TestApp {
    let charger = Arc::new(Charger {
        behaviour,
        attempts: AtomicUsize::new(0),
        charged: Mutex::new(Vec::new()),
    });
    let keys = vec![
        (KEY_ID.to_owned(), Secret::new(SECRET.to_vec())),
        (OLD_KEY_ID.to_owned(), Secret::new(OLD_SECRET.to_vec())),
    ];
    let config = HandoffConfig::new(
        keys,
        Arc::new(Directory),
        charger.clone(),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("has an address");
    tokio::spawn(async move { axum::serve(listener, router(config)).await });
    TestApp {
        url: format!("http://{addr}/postsale/handoff"),
        client: reqwest::Client::new(),
        charger,
    }
}

/// The validator the hub mints on accept, for the ticket of `affiliate_order`.
pub(crate) fn claims(affiliate_order: &str, amount_minor: i64, id: &str) -> ValidatorClaims {
    let (nonce, customer) = ORDERS
        .iter()
        .find(|(o, _, _)| *o == affiliate_order)
        .map_or(("nonce_unknown", "cus_unknown"), |(_, n, c)| (n, c));
    ValidatorClaims {
        opportunity_id: OPPORTUNITY.into(),
        ticket_nonce: nonce.into(),
        amount_minor,
        currency: usd(),
        expires_at: now() + 600,
        id: id.into(),
        customer_sha256: postsale_protocol::customer_digest(customer),
    }
}

/// A hub request for 19.99 USD under `mode`, with a fresh validator.
pub(crate) fn request(mode: HandoffMode, order_id: &str, affiliate_order: &str) -> HandoffRequest {
    let token = ORDERS
        .iter()
        .find(|(o, _, _)| *o == affiliate_order)
        .map_or("cus_unknown", |(_, _, t)| t);
    let validator = mint_validator(
        &claims(affiliate_order, 1999, &format!("val_{order_id}")),
        KEY_ID,
        SECRET,
    );
    HandoffRequest {
        mode,
        order_id: order_id.into(),
        affiliate_order_id: affiliate_order.into(),
        customer_token: token.into(),
        validator,
        amount: "19.99".into(),
        currency: usd(),
        discount: None,
        shipping: None,
        items: vec![HandoffItem {
            sku: "LENS-50".into(),
            name: "50mm lens".into(),
            quantity: 1,
            unit_price: "19.99".into(),
        }],
        upseller_id: "ups_1".into(),
        upseller_affiliated: false,
    }
}

impl TestApp {
    /// Sends `request` exactly as the hub does.
    pub(crate) async fn call(&self, request: &HandoffRequest) -> reqwest::Response {
        let body = serde_json::to_vec(request).expect("serialises");
        let signature = sign_request(&body, SECRET, now());
        self.send(body, &signature, KEY_ID, None).await
    }

    /// Sends `body` in the XML form, signed, asking for an XML answer, as the
    /// hub does for an affiliate that chose XML.
    pub(crate) async fn send_xml(&self, body: Vec<u8>) -> reqwest::Response {
        let signature = sign_request(&body, SECRET, now());
        self.client
            .post(&self.url)
            .header("content-type", "application/xml")
            .header("accept", "application/xml")
            .header(SIGNATURE_HEADER, signature)
            .header(HANDOFF_KEY_ID_HEADER, KEY_ID)
            .body(body)
            .send()
            .await
            .expect("the affiliate answers")
    }

    /// Sends raw bytes with the given signature header and key id.
    pub(crate) async fn send(
        &self,
        body: Vec<u8>,
        signature: &str,
        key_id: &str,
        accept: Option<&str>,
    ) -> reqwest::Response {
        let mut post = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(HANDOFF_KEY_ID_HEADER, key_id);
        if let Some(accept) = accept {
            post = post.header("accept", accept);
        }
        post.body(body).send().await.expect("the affiliate answers")
    }
}

/// The answer as a handoff response, asserting a 200.
pub(crate) async fn answer(response: reqwest::Response) -> HandoffResponse {
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    response.json().await.expect("a handoff response")
}

/// The problem's status and JSON, asserting the problem content type.
pub(crate) async fn problem(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(kind, "application/problem+json");
    (status, response.json().await.expect("a problem body"))
}

/// The problem's `detail` text.
pub(crate) fn detail(problem: &serde_json::Value) -> String {
    problem["detail"].as_str().unwrap_or_default().to_owned()
}
