//! The demo affiliate: Northlight Cameras. Its checkout takes a sandbox card
//! and keeps only the processor's reference to it (as a real shop keeps a
//! saved payment method), signs a ticket for each order, and answers the
//! hub's handoff call through `postsale_affiliate::handoff::router`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use postsale_affiliate::{
    Secret, TicketSigner,
    handoff::{
        BoxFuture, ChargeError, CustomerDirectory, HandoffConfig, MemoryStore, OrderTicket,
        SavedPaymentCharger, router,
    },
};
use postsale_protocol::{Address, CustomerRecord, Money, ReasonCode, SignedTicket};
use serde::Deserialize;

use crate::pages;

/// The hub's demo data knows the shop by these (see crates/server/src/demo.rs).
pub(crate) const AFFILIATE_ID: &str = "demo-camera-shop";
/// The shop's ticket key: it signs tickets, nothing else.
pub(crate) const KEY_ID: &str = "demo-k1";
pub(crate) const SECRET: &str = "demo-camera-shop-ticket-secret-0001";
/// The hub's key for its calls to the shop, as `POST /v1/admin/keys` gave it.
const HUB_KEY_ID: &str = "demo-h1";
const HUB_KEY: &str = "demo-camera-shop-hub-calls-key-0001";

/// A product of the shop: (sku, name, price).
pub(crate) const PRODUCTS: &[(&str, &str, &str)] = &[
    ("CAM-BODY-1", "Mirrorless camera body", "1299.00"),
    ("STRAP-1", "Leather camera strap", "29.00"),
];

/// One placed order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) id: String,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) price: String,
    pub(crate) first_name: String,
    pub(crate) ticket: String,
    pub(crate) nonce: String,
    /// The customer the ticket names: the one charged for upsells of this order.
    pub(crate) customer_token: String,
    /// Where the order ships: passed with the purchase, so that a shipped
    /// upsell paid by card can go there too if the customer says so.
    pub(crate) ship_to: Address,
    /// The customer's language, when the checkout was in one.
    pub(crate) lang: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) orders: HashMap<String, Order>,
    pub(crate) customers: HashMap<String, CustomerRecord>,
    pub(crate) charges: Vec<String>,
}

#[derive(Clone)]
pub(crate) struct Shop {
    pub(crate) hub: String,
    signer: Arc<TicketSigner>,
    pub(crate) store: Arc<Mutex<Store>>,
}

impl Shop {
    pub(crate) fn new(hub: String) -> Result<Self, Box<dyn std::error::Error>> {
        let signer = TicketSigner::new(
            AFFILIATE_ID,
            KEY_ID,
            Secret::new(SECRET.as_bytes().to_vec()),
        )?;
        Ok(Self {
            hub,
            signer: Arc::new(signer),
            store: Arc::default(),
        })
    }

    pub(crate) fn router(&self) -> Router {
        let directory = Arc::new(Directory(self.store.clone()));
        // The hub's calls and validators are checked with the hub's key, never
        // with the ticket key, which lives in the storefront's reach.
        let config = HandoffConfig::new(
            vec![(
                HUB_KEY_ID.to_owned(),
                Secret::new(HUB_KEY.as_bytes().to_vec()),
            )],
            directory.clone(),
            directory,
            Arc::new(MemoryStore::new()),
        )
        .unwrap_or_else(|e| panic!("demo keys are valid: {e}"));
        Router::new()
            .route("/", get(product_page))
            .route("/checkout", get(checkout_page).post(place_order))
            .route("/orders/{id}", get(order_page))
            .with_state(self.clone())
            .merge(router(config))
    }
}

async fn product_page() -> Html<String> {
    Html(pages::products())
}

#[derive(Debug, Deserialize)]
struct Pick {
    sku: Option<String>,
    reason: Option<String>,
    lang: Option<String>,
}

/// `lang` when it is a language tag's letters, digits and hyphens: it goes
/// into pages.
fn language(lang: Option<String>) -> Option<String> {
    lang.filter(|l| {
        (2..=35).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

async fn checkout_page(Query(pick): Query<Pick>) -> Response {
    let sku = pick.sku.unwrap_or_else(|| PRODUCTS[0].0.to_owned());
    match PRODUCTS.iter().find(|p| p.0 == sku) {
        Some(product) => Html(pages::checkout(
            product,
            pick.reason.as_deref(),
            language(pick.lang).as_deref(),
        ))
        .into_response(),
        None => Redirect::to("/").into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct Checkout {
    sku: String,
    name: String,
    email: String,
    line1: String,
    city: String,
    postal_code: String,
    country: String,
    card_number: String,
    reason: Option<String>,
    lang: Option<String>,
}

/// The reference the shop's processor keeps for a good card: the sandbox's,
/// or, for a hub charging through Stripe's test mode, the saved card named
/// in `DEMO_SHOP_SAVED_CARD` (`cus_.../card_...`).
fn saved_card() -> String {
    std::env::var("DEMO_SHOP_SAVED_CARD")
        .ok()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "pm_sandbox_ok".into())
}

/// Takes the card through the shop's own (sandbox) processor: only the
/// reference is kept, never the number.
async fn place_order(State(shop): State<Shop>, Form(form): Form<Checkout>) -> Response {
    let Some(product) = PRODUCTS.iter().find(|p| p.0 == form.sku) else {
        return Redirect::to("/").into_response();
    };
    let digits: String = form
        .card_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let saved = saved_card();
    let reference = match digits.as_str() {
        "4000000000000002" => "pm_sandbox_decline",
        d if d.len() >= 12 => saved.as_str(),
        _ => {
            return Html(pages::message(
                "That card number does not look right. Try 4242 4242 4242 4242.",
            ))
            .into_response();
        }
    };
    let n = shop.store.lock().map(|s| s.orders.len()).unwrap_or(0) + 1001;
    let order_id = format!("NL-{n}-{:04x}", rand::random::<u16>());
    // One customer per e-mail address, as a shop's accounts would have it:
    // the points a customer earns are there at the next order.
    let email = form.email.trim().to_lowercase();
    let known = shop.store.lock().ok().and_then(|s| {
        s.customers
            .iter()
            .find(|(_, c)| c.email.trim().to_lowercase() == email)
            .map(|(token, _)| token.clone())
    });
    let customer_token = known.unwrap_or_else(|| format!("cus_{n}_{:04x}", rand::random::<u16>()));
    let reason = form
        .reason
        .as_deref()
        .and_then(|r| ReasonCode::parse(r).ok());
    let Ok(ticket) = shop
        .signer
        .sign(&order_id, &customer_token, reason.as_ref(), None)
    else {
        return Html(pages::message("Could not sign the order.")).into_response();
    };
    let nonce = SignedTicket::parse(&ticket)
        .map(|t| t.unverified_claims().nonce.clone())
        .unwrap_or_default();
    let address = Address {
        line1: form.line1,
        line2: None,
        city: form.city,
        region: None,
        postal_code: form.postal_code,
        country: form.country,
    };
    let first_name = form.name.split_whitespace().next().unwrap_or("").to_owned();
    if let Ok(mut store) = shop.store.lock() {
        store.customers.insert(
            customer_token.clone(),
            CustomerRecord {
                name: form.name,
                email: form.email,
                billing_address: address.clone(),
                shipping_address: address.clone(),
                payment_reference: reference.to_owned(),
            },
        );
        store.orders.insert(
            order_id.clone(),
            Order {
                id: order_id.clone(),
                sku: product.0.into(),
                name: product.1.into(),
                price: product.2.into(),
                first_name,
                ticket,
                nonce,
                customer_token: customer_token.clone(),
                ship_to: address,
                lang: language(form.lang),
            },
        );
    }
    Redirect::to(&format!("/orders/{order_id}")).into_response()
}

/// The order page's query: `?lang=de` shows it in a language.
#[derive(serde::Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

async fn order_page(
    State(shop): State<Shop>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = language(query.lang);
    let order = shop
        .store
        .lock()
        .ok()
        .and_then(|s| s.orders.get(&id).cloned());
    match order {
        Some(order) => {
            let lang = lang.or_else(|| order.lang.clone());
            Html(pages::confirmation(&shop.hub, &order, lang.as_deref())).into_response()
        }
        None => Redirect::to("/").into_response(),
    }
}

/// The shop's customer records and saved-payment charges, for the handoff router.
struct Directory(Arc<Mutex<Store>>);

impl CustomerDirectory for Directory {
    fn order<'a>(&'a self, order: &'a str) -> BoxFuture<'a, Option<OrderTicket>> {
        let ticket = self.0.lock().ok().and_then(|s| {
            s.orders.get(order).map(|o| OrderTicket {
                nonce: o.nonce.clone(),
                customer_token: o.customer_token.clone(),
            })
        });
        Box::pin(async move { ticket })
    }
    fn customer<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Option<CustomerRecord>> {
        let record = self
            .0
            .lock()
            .ok()
            .and_then(|s| s.customers.get(token).cloned());
        Box::pin(async move { record })
    }
    fn ship_to<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Option<Address>> {
        let address = self
            .0
            .lock()
            .ok()
            .and_then(|s| s.customers.get(token).map(|c| c.shipping_address.clone()));
        Box::pin(async move { address })
    }
}

impl SavedPaymentCharger for Directory {
    fn charge<'a>(
        &'a self,
        token: &'a str,
        amount: Money,
        key: &'a str,
    ) -> BoxFuture<'a, Result<String, ChargeError>> {
        let reference = self
            .0
            .lock()
            .ok()
            .and_then(|s| s.customers.get(token).map(|c| c.payment_reference.clone()));
        let store = self.0.clone();
        Box::pin(async move {
            match reference {
                Some(r) if r == saved_card() => {
                    if let Ok(mut s) = store.lock() {
                        s.charges.push(format!("{key}: {amount}"));
                    }
                    Ok(format!("ch_northlight_{key}"))
                }
                Some(_) => Err(ChargeError::Declined("the saved card was declined".into())),
                None => Err(ChargeError::Declined("unknown customer".into())),
            }
        })
    }
}
