//! Accepts that go through the affiliate: `merchant_of_record` (the affiliate
//! charges its saved payment method) and `payment_reference` (it releases a
//! processor reference that the hub charges), against the real affiliate
//! router of `crates/affiliate` on a real socket; and the upseller's webhook.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Bytes, http::HeaderMap, response::IntoResponse, routing::post};
use postsale_affiliate::{
    Secret,
    handoff::{
        BoxFuture, ChargeError, CustomerDirectory, HANDOFF_PATH, HandoffConfig, MemoryStore,
        OrderTicket, SavedPaymentCharger, router,
    },
};
use postsale_protocol::{
    Address, CallbackChallenge, CustomerRecord, Money, SIGNATURE_HEADER, TicketClaims,
    verify_request,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::accept,
    helpers::{TestApp, assert_problem, claims, item, purchase, reason, spawn_app, ticket},
};

#[derive(Default)]
struct Directory {
    /// Per order: the ticket's nonce and customer, as the shop keeps them.
    orders: Mutex<HashMap<String, OrderTicket>>,
    /// The payment method released for the customer, if not the sandbox's.
    reference: Mutex<Option<String>>,
}

fn address() -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        region: None,
        postal_code: "62701".into(),
        country: "US".into(),
    }
}

impl CustomerDirectory for Directory {
    fn order<'a>(&'a self, order: &'a str) -> BoxFuture<'a, Option<OrderTicket>> {
        let ticket = self.orders.lock().expect("lock").get(order).cloned();
        Box::pin(async move { ticket })
    }
    fn customer<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Option<CustomerRecord>> {
        let reference = self
            .reference
            .lock()
            .expect("lock")
            .clone()
            .unwrap_or_else(|| "pm_sandbox_ok".into());
        let record = (token == "cust-1").then(|| CustomerRecord {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            billing_address: address(),
            shipping_address: address(),
            payment_reference: reference,
        });
        Box::pin(async move { record })
    }
    fn ship_to<'a>(&'a self, _token: &'a str) -> BoxFuture<'a, Option<Address>> {
        Box::pin(async move { Some(address()) })
    }
}

/// Stands for the affiliate's own gateway: counts charges, declines `cust-poor`.
#[derive(Default)]
pub(crate) struct Charger {
    pub(crate) charges: AtomicUsize,
    /// How long each charge takes, in milliseconds.
    pub(crate) delay_ms: std::sync::atomic::AtomicU64,
}

impl SavedPaymentCharger for Charger {
    fn charge<'a>(
        &'a self,
        token: &'a str,
        _amount: Money,
        key: &'a str,
    ) -> BoxFuture<'a, Result<String, ChargeError>> {
        Box::pin(async move {
            if token == "cust-poor" {
                return Err(ChargeError::Declined("insufficient funds".into()));
            }
            let delay = self.delay_ms.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            self.charges.fetch_add(1, Ordering::SeqCst);
            Ok(format!("ch_aff_{key}"))
        })
    }
}

pub(crate) struct Affiliate {
    directory: Arc<Directory>,
    pub(crate) charger: Arc<Charger>,
}

impl Affiliate {
    /// From now on the shop releases `reference` (its processor's saved
    /// payment method) for its customer.
    pub(crate) fn releases(&self, reference: &str) {
        *self.directory.reference.lock().expect("lock") = Some(reference.to_owned());
    }
}

/// Starts the affiliate's handoff router and registers its URL with the hub.
pub(crate) async fn affiliate(app: &TestApp) -> Affiliate {
    let keys = vec![app.hub_key.clone()];
    let (affiliate, url) = affiliate_with(keys).await;
    set_handoff_url(app, &url).await;
    affiliate
}

/// The affiliate's handoff router checking the hub's signatures with
/// `keys` (id, secret), and its URL; not registered with the hub.
pub(crate) async fn affiliate_with(keys: Vec<(String, String)>) -> (Affiliate, String) {
    let (affiliate, handoff) = affiliate_router(keys);
    let (url, _) = serve(handoff).await;
    (affiliate, url)
}

/// Serves `handoff` on loopback: its handoff URL and the server's task.
async fn serve(handoff: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!(
        "http://{}{HANDOFF_PATH}",
        listener.local_addr().expect("addr")
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, handoff).await;
    });
    (url, task)
}

/// The affiliate's handoff router checking the hub's signatures with
/// `keys` (id, secret), not yet served.
fn affiliate_router(keys: Vec<(String, String)>) -> (Affiliate, Router) {
    let directory = Arc::new(Directory::default());
    let charger = Arc::new(Charger::default());
    let config = HandoffConfig::new(
        keys.into_iter()
            .map(|(id, secret)| (id, Secret::new(secret.into_bytes())))
            .collect(),
        directory.clone(),
        charger.clone(),
        Arc::new(MemoryStore::new()),
    )
    .expect("valid keys");
    (Affiliate { directory, charger }, router(config))
}

/// Registers `url` as the shop's handoff URL and has the hub prove it.
pub(crate) async fn set_handoff_url(app: &TestApp, url: &str) {
    put_url(app, &app.shop_key, "handoff_url", url).await;
    let proven = prove_url(app, &app.shop_key, "handoff").await;
    assert_eq!(
        proven.status(),
        200,
        "the handoff URL answers its challenge"
    );
}

/// Sets one of a merchant's callback URLs, unproven.
pub(crate) async fn put_url(app: &TestApp, key: &str, field: &str, url: &str) {
    let mut me: Value = app
        .admin(Method::GET, key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    me[field] = json!(url);
    assert_eq!(
        app.admin(Method::PUT, key, "merchant", Some(me))
            .await
            .status(),
        200
    );
}

/// A webhook endpoint on loopback for the upseller with API key `key`: it
/// answers the hub's challenge at once and hands each order's body to
/// `on_order` before answering 200. The hub makes the upseller's webhook
/// key and proves the URL.
pub(crate) async fn proven_webhook<F, Fut>(app: &TestApp, key: &str, on_order: F)
where
    F: Fn(Bytes) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let hook = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let on_order = on_order.clone();
            async move {
                if let Some(challenge) = CallbackChallenge::parse(&body) {
                    return axum::Json(challenge).into_response();
                }
                on_order(body).await;
                axum::http::StatusCode::OK.into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook).await });
    app.hub_key(key, "webhooks").await;
    put_url(app, key, "webhook_url", &url).await;
    assert_eq!(prove_url(app, key, "webhook").await.status(), 200);
}

/// Asks the hub to prove a merchant's `handoff` or `webhook` URL.
pub(crate) async fn prove_url(app: &TestApp, key: &str, callback: &str) -> reqwest::Response {
    app.admin(
        Method::POST,
        key,
        "callbacks/verify",
        Some(json!({"callback": callback})),
    )
    .await
}

/// Opens an opportunity for `claims`, telling the affiliate the ticket's nonce.
pub(crate) async fn open(
    app: &TestApp,
    affiliate: &Affiliate,
    c: &TicketClaims,
) -> (String, Value) {
    affiliate.directory.orders.lock().expect("lock").insert(
        c.order_id.clone(),
        OrderTicket {
            nonce: c.nonce.clone(),
            customer_token: c.customer_token.clone(),
        },
    );
    let response = app
        .post_opportunity(&purchase(&ticket(c), &c.order_id))
        .await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    (id, offer)
}

pub(crate) fn body_for(offer: &Value) -> Value {
    let first = &offer["items"][0];
    json!({
        "items": [{"sku": first["sku"], "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": first["unit_price"]},
    })
}

/// The shop sells a care plan itself, as merchant of record.
pub(crate) async fn add_care_plan(app: &TestApp) {
    app.must_create(
        &app.shop_key,
        "offer-items",
        item("CARE", "89.00", "USD", &["CAM"]),
    )
    .await;
    app.must_create(
        &app.shop_key,
        "reason-codes",
        reason("CARE", "shop", "merchant_of_record", "popup"),
    )
    .await;
}

#[tokio::test]
async fn a_merchant_of_record_accept_is_charged_by_the_affiliate_once() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("M-1", Some("CARE"))).await;
    assert_eq!(offer["disclosure"]["mode"], "merchant_of_record");
    assert!(
        offer["disclosure"]["seller"].is_null(),
        "the upseller may stay unnamed"
    );
    let body = body_for(&offer);
    let first = accept(&app, &id, "mor-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["status"], "charged");
    let again: Value = accept(&app, &id, "mor-1", &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again, first);
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 1);
    let order: Value = app
        .admin(
            Method::GET,
            &app.shop_key,
            &format!("orders/{}", first["order_id"].as_str().expect("id")),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(order["mode"], "merchant_of_record");
    assert_eq!(order["consent_receipt"]["action"], "confirm_button");
}

#[tokio::test]
async fn an_affiliate_that_chose_xml_is_called_and_answers_in_xml_in_both_modes() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    // The real SDK router, with a note of each call's media types.
    let (affiliate, handoff) = affiliate_router(vec![app.hub_key.clone()]);
    let seen: Arc<Mutex<Vec<[String; 3]>>> = Arc::default();
    let notes = seen.clone();
    let handoff = handoff.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let notes = notes.clone();
            async move {
                let header = |h: &HeaderMap, name: &str| {
                    h.get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let (sent, asked) = (
                    header(request.headers(), "content-type"),
                    header(request.headers(), "accept"),
                );
                let response = next.run(request).await;
                let answered = header(response.headers(), "content-type");
                notes.lock().expect("lock").push([sent, asked, answered]);
                response
            }
        },
    ));
    put_url(&app, &app.shop_key, "handoff_format", "xml").await;
    let server = serve_as_handoff(&app, handoff).await;

    let (id, offer) = open(&app, &affiliate, &claims("X-1", Some("CARE"))).await;
    let response = accept(&app, &id, "xml-1", &body_for(&offer)).await;
    assert_eq!(response.status(), 201);
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 1);
    let (id, offer) = open(&app, &affiliate, &claims("X-2", Some("CAMERA-HIGH"))).await;
    let response = accept(&app, &id, "xml-2", &body_for(&offer)).await;
    assert_eq!(response.status(), 201, "the customer record read from XML");
    let order: Value = response.json().await.expect("json");
    assert_eq!(order["status"], "charged");

    let calls = seen.lock().expect("lock").clone();
    // The challenge that proved the URL is JSON; both handoffs are XML.
    let handoffs: Vec<_> = calls
        .iter()
        .filter(|[sent, ..]| sent != "application/json")
        .collect();
    assert_eq!(handoffs.len(), 2, "{calls:?}");
    for [sent, asked, answered] in handoffs {
        assert_eq!(
            (sent.as_str(), asked.as_str(), answered.as_str()),
            ("application/xml", "application/xml", "application/xml")
        );
    }
    let mut me: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["handoff_format"], "xml");
    me["handoff_format"] = json!("soap");
    assert_problem(
        app.admin(Method::PUT, &app.shop_key, "merchant", Some(me))
            .await,
        400,
        Some("handoff_format"),
    )
    .await;
    server.abort();
}

#[tokio::test]
async fn an_affiliate_that_declines_ends_in_a_clear_failed_order() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let mut c = claims("M-2", Some("CARE"));
    c.customer_token = "cust-poor".into();
    let (id, offer) = open(&app, &affiliate, &c).await;
    let problem = assert_problem(
        accept(&app, &id, "mor-2", &body_for(&offer)).await,
        402,
        None,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("insufficient funds"),
        "{problem}"
    );
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 0);
}

/// Starts `app` as an affiliate's handoff URL (answering the hub's
/// challenge, as it must to be proven) and registers it; the server's task.
async fn serve_as_handoff(app: &TestApp, handoff: Router) -> tokio::task::JoinHandle<()> {
    let (url, task) = serve(handoff).await;
    set_handoff_url(app, &url).await;
    task
}

/// The caller's order `id`, as the admin API shows it.
async fn order_of(app: &TestApp, key: &str, id: &str) -> Value {
    app.admin(Method::GET, key, &format!("orders/{id}"), None)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn an_affiliate_that_does_not_answer_leaves_the_order_pending_confirmation_never_failed() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    // An affiliate that answers the hub's challenge, then never answers a
    // handoff: it may have charged, nobody knows.
    let silent = serve_as_handoff(
        &app,
        Router::new().route(
            HANDOFF_PATH,
            post(|body: Bytes| async move {
                if let Some(challenge) = CallbackChallenge::parse(&body) {
                    return axum::Json(challenge).into_response();
                }
                tokio::time::sleep(Duration::from_secs(120)).await;
                axum::http::StatusCode::OK.into_response()
            }),
        ),
    )
    .await;
    let (id, offer) = open(&app, &affiliate, &claims("M-3", Some("CARE"))).await;
    let started = std::time::Instant::now();
    let first = accept(&app, &id, "mor-3", &body_for(&offer)).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded retries"
    );
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["status"], "pending_confirmation", "{first}");
    let order = order_of(&app, &app.shop_key, first["order_id"].as_str().expect("id")).await;
    assert_eq!(order["status"], "pending_confirmation", "{order}");
    assert!(
        order["failure"]
            .as_str()
            .expect("why")
            .contains("no answer in time"),
        "a kind, never the affiliate's text: {order}"
    );
    // The customer's retry is told the same, at once: not a failure, and
    // no second order.
    let again = accept(&app, &id, "mor-3", &body_for(&offer)).await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    // The shop changes its handoff URL meanwhile (unproven): the hub cannot
    // ask again, and that says nothing about what the first call did.
    put_url(
        &app,
        &app.shop_key,
        "handoff_url",
        "http://127.0.0.1:9/elsewhere",
    )
    .await;
    let order_id = first["order_id"].as_str().expect("id").to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let order = loop {
        let order = order_of(&app, &app.shop_key, &order_id).await;
        let asked_again = order["failure"]
            .as_str()
            .is_some_and(|f| f.contains("earlier attempt"));
        if asked_again || std::time::Instant::now() > deadline {
            break order;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(
        order["status"], "pending_confirmation",
        "never failed: {order}"
    );
    assert!(
        order["failure"]
            .as_str()
            .expect("why")
            .contains("earlier attempt"),
        "{order}"
    );
    silent.abort();
}

#[tokio::test]
async fn an_affiliate_that_answers_after_the_hubs_timeout_and_charged_ends_charged_once() {
    let app = spawn_app().await;
    add_care_plan(&app).await;
    // The shop, upseller of its own care plan, takes order webhooks.
    put_url(
        &app,
        &app.shop_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let affiliate = affiliate(&app).await;
    // Each charge takes longer than all the hub's attempts together.
    affiliate.charger.delay_ms.store(11_000, Ordering::SeqCst);
    let (id, offer) = open(&app, &affiliate, &claims("LATE-1", Some("CARE"))).await;
    let body = body_for(&offer);
    let first = accept(&app, &id, "late-1", &body).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["status"], "pending_confirmation");
    let order_id = first["order_id"].as_str().expect("id").to_owned();

    // The reconciler asks the affiliate until it knows.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let order = loop {
        let order = order_of(&app, &app.shop_key, &order_id).await;
        if order["status"] != "pending_confirmation" || std::time::Instant::now() > deadline {
            break order;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(order["status"], "charged", "{order}");
    assert_eq!(
        affiliate.charger.charges.load(Ordering::SeqCst),
        1,
        "charged once"
    );

    // The customer's retried accept now gets the order, charged.
    let retried = accept(&app, &id, "late-1", &body).await;
    assert_eq!(retried.status(), 201);
    let retried: Value = retried.json().await.expect("json");
    assert_eq!(retried["order_id"], order_id.as_str());
    assert_eq!(retried["status"], "charged");
    let hooks: Value = app
        .admin(Method::GET, &app.shop_key, "webhooks", None)
        .await
        .json()
        .await
        .expect("json");
    let for_order: Vec<&Value> = hooks
        .as_array()
        .expect("list")
        .iter()
        .filter(|h| h["order_id"] == order_id.as_str())
        .collect();
    assert_eq!(for_order.len(), 1, "one webhook: {hooks}");
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_answer_of_sixteen_mebibytes_is_cut_and_the_outcome_stays_unknown() {
    use futures_util::StreamExt;
    static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let app = spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let produced = Arc::new(AtomicUsize::new(0));
    let counted = produced.clone();
    let flood = serve_as_handoff(
        &app,
        Router::new().route(
            HANDOFF_PATH,
            post(move |body: Bytes| {
                let counted = counted.clone();
                async move {
                    if let Some(challenge) = CallbackChallenge::parse(&body) {
                        return axum::Json(challenge).into_response();
                    }
                    // 16 MiB of JSON whitespace, produced as the hub reads.
                    let stream = futures_util::stream::repeat_with(move || {
                        counted.fetch_add(CHUNK.len(), Ordering::SeqCst);
                        Ok::<_, std::convert::Infallible>(Bytes::from_static(&CHUNK))
                    })
                    .take(256);
                    axum::body::Body::from_stream(stream).into_response()
                }
            }),
        ),
    )
    .await;
    let (id, offer) = open(&app, &affiliate, &claims("BIG-1", Some("CARE"))).await;
    let answer = accept(&app, &id, "big-1", &body_for(&offer)).await;
    assert_eq!(
        answer.status(),
        202,
        "a 2xx the hub cannot read is not a failure"
    );
    let answer: Value = answer.json().await.expect("json");
    let order = order_of(
        &app,
        &app.shop_key,
        answer["order_id"].as_str().expect("id"),
    )
    .await;
    assert_eq!(order["status"], "pending_confirmation");
    assert!(
        order["failure"]
            .as_str()
            .expect("why")
            .contains("larger than 64 KiB"),
        "{order}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let produced = produced.load(Ordering::SeqCst);
    assert!(
        produced < 16 * 1024 * 1024,
        "the hub stopped reading: {produced} bytes produced"
    );
    flood.abort();
}

#[tokio::test]
async fn a_payment_reference_accept_charges_the_released_reference_and_tells_the_upseller() {
    let app = spawn_app().await;
    let affiliate = affiliate(&app).await;
    // The upseller's webhook endpoint, checking the hub's signature with the
    // webhook key the hub made for it.
    let (_, webhook_key) = app.hub_key(&app.lens_key, "webhooks").await;
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let hook = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            let webhook_key = webhook_key.clone();
            async move {
                let header = headers
                    .get(SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let now = crate::helpers::now();
                if verify_request(header, &body, &[webhook_key.as_bytes()], now).is_err() {
                    return axum::http::StatusCode::UNAUTHORIZED.into_response();
                }
                if let Some(challenge) = CallbackChallenge::parse(&body) {
                    return axum::Json(challenge).into_response();
                }
                sink.lock()
                    .expect("lock")
                    .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                axum::http::StatusCode::OK.into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hook_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook).await });
    put_url(&app, &app.lens_key, "webhook_url", &hook_url).await;

    let (id, offer) = open(&app, &affiliate, &claims("P-1", Some("CAMERA-HIGH"))).await;
    assert_eq!(offer["disclosure"]["seller"], "Lens Co");
    let response = accept(&app, &id, "pr-1", &body_for(&offer)).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.expect("json");
    assert_eq!(order["status"], "charged");
    assert_eq!(
        affiliate.charger.charges.load(Ordering::SeqCst),
        0,
        "the hub charged, not the affiliate"
    );

    // The webhook URL has not answered its challenge: the order waits.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        received.lock().expect("lock").is_empty(),
        "sent to an unproven URL"
    );
    let waiting: Value = app
        .admin(Method::GET, &app.lens_key, "webhooks", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(waiting[0]["status"], "pending", "{waiting}");
    assert_eq!(waiting[0]["attempts"], 0, "waiting is not a failed attempt");
    let proven = prove_url(&app, &app.lens_key, "webhook").await;
    assert_eq!(proven.status(), 200);

    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = received.lock().expect("lock").clone();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered.len(), 1, "one signed webhook");
    assert_eq!(delivered[0]["event"], "order.charged");
    assert_eq!(delivered[0]["order"]["id"], order["order_id"]);
    assert_eq!(delivered[0]["order"]["ship_to"]["city"], "Springfield");
    let hooks: Value = app
        .admin(Method::GET, &app.lens_key, "webhooks", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(hooks[0]["status"], "delivered");
}

#[tokio::test]
async fn payment_reference_is_refused_at_payment_when_the_affiliation_was_revoked() {
    let app = spawn_app().await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("P-2", Some("CAMERA-HIGH"))).await;
    let affiliations: Value = app
        .admin(Method::GET, &app.lens_key, "affiliations", None)
        .await
        .json()
        .await
        .expect("json");
    let group = affiliations[0]["id"]
        .as_str()
        .expect("the lens's affiliation");
    let revoked = app
        .admin(
            Method::DELETE,
            &app.lens_key,
            &format!("affiliations/{group}"),
            None,
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_problem(
        accept(&app, &id, "pr-2", &body_for(&offer)).await,
        409,
        None,
    )
    .await;
    let orders: Value = app
        .admin(Method::GET, &app.shop_key, "orders", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(orders, json!([]), "nothing stored");
}

#[tokio::test]
async fn a_merchant_of_record_sale_for_another_upseller_books_what_the_affiliate_owes() {
    let app = spawn_app().await;
    let terms = json!({"modes": ["direct_entry", "merchant_of_record"], "commission_bps": 1500});
    let granted = app
        .admin(Method::PUT, &app.trail_key, "agreements/shop", Some(terms))
        .await;
    assert_eq!(granted.status(), 200);
    let mut code = reason("TRAIL-MOR", "trail", "merchant_of_record", "popup");
    code["default_items"] = json!(["TRIPOD"]);
    app.must_create(&app.shop_key, "reason-codes", code).await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("MT-1", Some("TRAIL-MOR"))).await;
    let response = accept(&app, &id, "mt-1", &body_for(&offer)).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.expect("json");
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 1);

    // Both parties read the same entry: the shop holds 99.00 and owes trail
    // 99.00 less its 15% commission.
    for key in [&app.shop_key, &app.trail_key] {
        let ledger: Value = app
            .admin(Method::GET, key, "settlements", None)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(ledger.as_array().map(Vec::len), Some(1), "{ledger}");
        assert_eq!(ledger[0]["order_id"], order["order_id"]);
        assert_eq!(ledger[0]["debtor"], "shop");
        assert_eq!(ledger[0]["creditor"], "trail");
        assert_eq!(ledger[0]["order_amount"], "99.00");
        assert_eq!(ledger[0]["owed"], "84.15");
    }
    let lens_ledger: Value = app
        .admin(Method::GET, &app.lens_key, "settlements", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(lens_ledger, json!([]), "no one else sees it");

    // Withdrawn: new opportunities stop, an open one cannot be paid.
    let (open_id, open_offer) = open(&app, &affiliate, &claims("MT-2", Some("TRAIL-MOR"))).await;
    let withdrawn = app
        .admin(Method::DELETE, &app.trail_key, "agreements/shop", None)
        .await;
    assert_eq!(withdrawn.status(), 204);
    assert_problem(
        accept(&app, &open_id, "mt-2", &body_for(&open_offer)).await,
        409,
        None,
    )
    .await;
    assert_eq!(
        affiliate.charger.charges.load(Ordering::SeqCst),
        1,
        "the affiliate was not asked to charge"
    );
    let c = claims("MT-3", Some("TRAIL-MOR"));
    let response = app
        .post_opportunity(&purchase(&ticket(&c), &c.order_id))
        .await;
    assert_eq!(response.status(), 204);
}

/// Whether `bytes` hold the test card number, in any of its written forms.
fn holds_pan(bytes: &[u8]) -> bool {
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
    ]
    .iter()
    .any(|pan| bytes.windows(pan.len()).any(|w| w == pan.as_bytes()))
}

#[tokio::test]
async fn a_card_number_in_any_field_of_an_affiliates_answer_is_refused_and_kept_nowhere() {
    let logs = crate::helpers::captured_logs();
    let app = spawn_app().await;
    add_care_plan(&app).await;
    put_url(
        &app,
        &app.shop_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    put_url(
        &app,
        &app.lens_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let pan = "4111 1111 1111 1111";
    let address = json!({"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"});
    let record = json!({"name": "Ada Lovelace", "email": "ada@example.com",
        "billing_address": address, "shipping_address": address,
        "payment_reference": "pm_sandbox_ok"});
    // (reason code, the field, the affiliate's answer, the accept's status)
    let mut cases = Vec::new();
    for field in [
        "name",
        "email",
        "billing_address.line1",
        "shipping_address.line2",
    ] {
        let mut answer = record.clone();
        match field.split_once('.') {
            Some((outer, inner)) => answer[outer][inner] = json!(format!("Flat {pan}")),
            None => answer[field] = json!(format!("Ada {pan}")),
        }
        cases.push((
            "CAMERA-HIGH",
            field,
            json!({"outcome": "customer", "customer": answer}),
            402,
        ));
    }
    // Under merchant_of_record the affiliate has charged: the order stands,
    // what holds the number is withheld.
    cases.push((
        "CARE",
        "charge_id",
        json!({"outcome": "charged", "charge_id": pan}),
        201,
    ));
    let mut ship_to = address.clone();
    ship_to["line2"] = json!(pan);
    cases.push((
        "CARE",
        "ship_to",
        json!({"outcome": "charged", "charge_id": "ch_1", "ship_to": ship_to}),
        201,
    ));
    cases.push((
        "CARE",
        "reason",
        json!({"outcome": "declined", "reason": format!("card {pan} declined")}),
        402,
    ));

    for (n, (code, field, answer, status)) in cases.into_iter().enumerate() {
        // An affiliate that screens nothing: it proves its URL, then answers
        // every handoff with a number in `field`.
        let careless = Router::new().route(
            HANDOFF_PATH,
            post(move |body: Bytes| {
                let answer = answer.clone();
                async move {
                    match CallbackChallenge::parse(&body) {
                        Some(challenge) => axum::Json(challenge).into_response(),
                        None => axum::Json(answer).into_response(),
                    }
                }
            }),
        );
        let careless = serve_as_handoff(&app, careless).await;
        let order = format!("PAN-{n}");
        let mut c = claims(&order, Some(code));
        // One customer each: three offers a day is the code's cap.
        c.customer_token = format!("cust-pan-{n}");
        let opened = app.post_opportunity(&purchase(&ticket(&c), &order)).await;
        assert_eq!(opened.status(), 201);
        let id = opened.json::<Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let offer: Value = app.get_offer(&id).await.json().await.expect("json");
        let response = accept(&app, &id, &format!("pan-{n}"), &body_for(&offer)).await;
        assert_eq!(response.status(), status, "{field}");
        let text = response.text().await.expect("text");
        assert!(!holds_pan(text.as_bytes()), "{field}: never echoed: {text}");
        if code == "CAMERA-HIGH" {
            assert!(text.contains(field), "{field}: the field is named: {text}");
        }
        careless.abort();
    }
    for key in [&app.shop_key, &app.lens_key] {
        for list in ["orders", "webhooks", "settlements"] {
            let shown = app
                .admin(Method::GET, key, list, None)
                .await
                .text()
                .await
                .expect("text");
            assert!(!holds_pan(shown.as_bytes()), "{list}: {shown}");
        }
    }
    let orders: Value = app
        .admin(Method::GET, &app.lens_key, "orders", None)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        orders
            .as_array()
            .expect("list")
            .iter()
            .all(|o| o["status"] == "failed"),
        "no payment_reference order was charged: {orders}"
    );
    // Nowhere in the database: SQLite's file (and its log), or every row of
    // PostgreSQL's tables as text.
    match app.database.strip_prefix("sqlite://") {
        Some(path) => {
            for file in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    assert!(!holds_pan(&bytes), "{file} holds the card number");
                }
            }
        }
        None => {
            let pool = crate::helpers::database(&app).await;
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(&pool)
            .await
            .expect("tables");
            assert!(tables.len() > 10, "{tables:?}");
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                        .fetch_all(&pool)
                        .await
                        .expect("rows");
                for row in rows {
                    assert!(!holds_pan(row.as_bytes()), "{table}: {row}");
                }
            }
        }
    }
    let logged = logs.lock().expect("lock").clone();
    assert!(!logged.is_empty(), "the hub's logs were captured");
    assert!(!holds_pan(&logged), "a log line holds the card number");
}

/// A webhook endpoint on loopback that answers the hub's challenge and
/// takes every order; its URL.
async fn accepting_webhook() -> String {
    let hook = Router::new().route(
        "/hook",
        post(|body: Bytes| async move {
            match CallbackChallenge::parse(&body) {
                Some(challenge) => axum::Json(challenge).into_response(),
                None => axum::http::StatusCode::OK.into_response(),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook).await });
    url
}

/// The stored webhook bodies of `order`, as the database holds them.
async fn stored_bodies(app: &TestApp, order: &str) -> Vec<String> {
    let pool = crate::helpers::database(app).await;
    sqlx::query_scalar("SELECT body FROM webhooks WHERE order_id = $1")
        .bind(order)
        .fetch_all(&pool)
        .await
        .expect("webhooks")
}

#[tokio::test]
async fn an_erasure_removes_the_customers_data_at_once_and_keeps_the_order() {
    let app = spawn_app().await;
    put_url(
        &app,
        &app.lens_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("ER-1", Some("CAMERA-HIGH"))).await;
    let response = accept(&app, &id, "er-1", &body_for(&offer)).await;
    assert_eq!(response.status(), 201);
    let order = response.json::<Value>().await.expect("json")["order_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let before = stored_bodies(&app, &order).await;
    assert!(before[0].contains("Ada Lovelace"), "{before:?}");

    let erase = |key: String, body: Value| {
        let app = &app;
        async move {
            app.admin(Method::POST, &key, "customers/erase", Some(body))
                .await
        }
    };
    // The token is the affiliate's: the upseller cannot ask.
    assert_problem(
        erase(app.lens_key.clone(), json!({"customer_token": "cust-1"})).await,
        403,
        None,
    )
    .await;
    for (bad, status) in [
        (json!({}), 400),
        (json!({"customer_token": ""}), 422),
        (json!({"customer_token": "cust-1", "also": 1}), 400),
        (json!({"customer_token": 7}), 400),
    ] {
        assert_problem(erase(app.shop_key.clone(), bad).await, status, None).await;
    }
    assert_eq!(
        stored_bodies(&app, &order).await,
        before,
        "nothing erased by a bad request"
    );

    let erased: Value = erase(app.shop_key.clone(), json!({"customer_token": "cust-1"}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(erased["webhooks"], 1, "{erased}");
    let after = stored_bodies(&app, &order).await;
    for personal in ["Ada Lovelace", "ada@example.com", "1 Main St", "62701"] {
        assert!(!after[0].contains(personal), "{personal}: {after:?}");
    }
    let body: Value = serde_json::from_str(&after[0]).expect("json");
    assert_eq!(body["personal_data_erased"], true);
    assert!(
        body["order"]["amount"].is_string(),
        "the order stays: {body}"
    );
    let kept: Value = app
        .admin(Method::GET, &app.shop_key, &format!("orders/{order}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(kept["status"], "charged");
    assert!(
        kept["consent_receipt"]["disclosure_text"].is_string(),
        "{kept}"
    );
}

#[tokio::test]
async fn personal_data_is_erased_once_the_retention_after_delivery_passed() {
    let app = crate::helpers::spawn_configured(|s| s.retention = Duration::ZERO).await;
    // The hub signs the upseller's webhooks with a key made for that.
    app.hub_key(&app.lens_key, "webhooks").await;
    put_url(
        &app,
        &app.lens_key,
        "webhook_url",
        &accepting_webhook().await,
    )
    .await;
    assert_eq!(
        prove_url(&app, &app.lens_key, "webhook").await.status(),
        200
    );
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("RT-1", Some("CAMERA-HIGH"))).await;
    let response = accept(&app, &id, "rt-1", &body_for(&offer)).await;
    assert_eq!(response.status(), 201);
    let order = response.json::<Value>().await.expect("json")["order_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut body = String::new();
    for _ in 0..100 {
        body = stored_bodies(&app, &order).await.remove(0);
        if !body.contains("Ada Lovelace") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!body.contains("Ada Lovelace"), "still kept: {body}");
    let hooks: Value = app
        .admin(Method::GET, &app.lens_key, "webhooks", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(hooks[0]["status"], "delivered", "delivered first: {hooks}");
}

#[tokio::test]
async fn a_webhook_answered_with_a_redirect_is_not_delivered_and_the_redirect_not_followed() {
    let app = spawn_app().await;
    app.hub_key(&app.lens_key, "webhooks").await;
    // Where the redirect points, on loopback too: it counts what reaches it.
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let inner = Router::new().route(
        "/inner",
        post(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let inner_url = format!("http://{}/inner", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, inner).await });
    // The webhook URL proves itself, then sends every order elsewhere.
    let hook = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let inner_url = inner_url.clone();
            async move {
                match CallbackChallenge::parse(&body) {
                    Some(challenge) => axum::Json(challenge).into_response(),
                    None => axum::response::Redirect::temporary(&inner_url).into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hook_url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook).await });
    put_url(&app, &app.lens_key, "webhook_url", &hook_url).await;
    assert_eq!(
        prove_url(&app, &app.lens_key, "webhook").await.status(),
        200
    );

    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("RD-1", Some("CAMERA-HIGH"))).await;
    assert_eq!(
        accept(&app, &id, "rd-1", &body_for(&offer)).await.status(),
        201
    );
    let mut hooks = Value::Null;
    for _ in 0..50 {
        hooks = app
            .admin(Method::GET, &app.lens_key, "webhooks", None)
            .await
            .json()
            .await
            .expect("json");
        if hooks[0]["attempts"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(hooks[0]["status"], "pending", "not delivered: {hooks}");
    assert_eq!(hooks[0]["last_error"], "answered HTTP 307", "{hooks}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
}
