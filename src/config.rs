//! The merchant's input, parsed once at the edge: `postsale('init', ...)` into a
//! [`Config`] and `postsale('purchase', ...)` into the hub's
//! [`OpportunityRequest`]. Everything after this works with valid values only;
//! anything wrong here is one console warning and nothing shown.

use postsale_protocol::{CurrencyCode, LineItem, Money, OpportunityRequest, Transaction};
use serde::Deserialize;
use wasm_bindgen::JsValue;

/// Why the merchant's input was not used. Each variant is one console warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigError {
    /// `init` is not an object with a string `affiliate`.
    Init,
    /// `hub` is not an `http(s)` address.
    Hub,
    /// `purchase` came before a valid `init`.
    NotInitialised,
    /// `purchase` is not `{ticket, order: {id, items, total, currency}}`.
    Purchase,
    /// The order's currency is not an ISO 4217 code.
    Currency,
    /// The order's total is not a decimal amount of its currency.
    Total,
}

impl ConfigError {
    /// The console warning.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Init => "postsale: init needs {affiliate: string, hub?: url, locale?, slot?}",
            Self::Hub => "postsale: init.hub must be an http(s) address",
            Self::NotInitialised => "postsale: purchase before a valid init is ignored",
            Self::Purchase => {
                "postsale: purchase needs {ticket, order: {id, items: [{sku, quantity, unit_price}], total, currency}}"
            }
            Self::Currency => "postsale: order.currency is not an ISO 4217 code",
            Self::Total => "postsale: order.total is not a decimal amount of its currency",
        }
    }
}

/// The hub the widget talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hub {
    /// Base address without a trailing slash, e.g. `https://hub.example`.
    pub base: String,
    /// Its origin, the only one postMessage talks to and listens to.
    pub origin: String,
}

impl Hub {
    /// Parses an absolute `http(s)` address.
    pub fn parse(raw: &str) -> Option<Self> {
        let url = web_sys::Url::new(raw).ok()?;
        let protocol = url.protocol();
        if protocol != "https:" && protocol != "http:" {
            return None;
        }
        Some(Self {
            base: raw.trim_end_matches('/').to_owned(),
            origin: url.origin(),
        })
    }

    /// `{base}/v1/opportunities/{id}{tail}`.
    pub(crate) fn opportunity_url(&self, id: &str, tail: &str) -> String {
        let id = String::from(js_sys::encode_uri_component(id));
        [&self.base, "/v1/opportunities/", &id, tail].concat()
    }
}

/// The validated `init` call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    pub(crate) hub: Hub,
    pub(crate) locale: Option<String>,
    pub(crate) slot: Option<String>,
}

#[derive(Deserialize)]
struct RawInit {
    affiliate: String,
    hub: Option<String>,
    locale: Option<String>,
    slot: Option<String>,
}

impl Config {
    /// Parses `init`; `default_hub` is where the loader came from.
    pub(crate) fn parse(raw: JsValue, default_hub: Option<String>) -> Result<Self, ConfigError> {
        let raw: RawInit = serde_wasm_bindgen::from_value(raw).map_err(|_| ConfigError::Init)?;
        if raw.affiliate.trim().is_empty() {
            return Err(ConfigError::Init);
        }
        let hub = raw.hub.or(default_hub).ok_or(ConfigError::Hub)?;
        let hub = Hub::parse(&hub).ok_or(ConfigError::Hub)?;
        Ok(Self {
            hub,
            locale: raw.locale.filter(|l| crate::format::locale_ok(l)),
            slot: raw.slot.filter(|s| !s.is_empty()),
        })
    }
}

#[derive(Deserialize)]
struct RawPurchase {
    ticket: String,
    order: RawOrder,
}

#[derive(Deserialize)]
struct RawOrder {
    id: String,
    #[serde(default)]
    items: Vec<RawItem>,
    total: String,
    currency: String,
}

#[derive(Deserialize)]
struct RawItem {
    sku: String,
    name: Option<String>,
    quantity: u32,
    unit_price: String,
    priority: Option<u32>,
}

/// Parses `purchase` into what the hub is sent. The hub checks the ticket and
/// the sums; here only the shape, the currency and the total's form.
pub(crate) fn purchase(raw: JsValue) -> Result<OpportunityRequest, ConfigError> {
    let raw: RawPurchase =
        serde_wasm_bindgen::from_value(raw).map_err(|_| ConfigError::Purchase)?;
    if raw.ticket.is_empty() || raw.order.id.is_empty() {
        return Err(ConfigError::Purchase);
    }
    let currency = CurrencyCode::parse(&raw.order.currency).map_err(|_| ConfigError::Currency)?;
    Money::parse(&raw.order.total, currency).map_err(|_| ConfigError::Total)?;
    let items = raw
        .order
        .items
        .into_iter()
        .map(|i| LineItem {
            sku: i.sku,
            name: i.name,
            quantity: i.quantity,
            unit_price: i.unit_price,
            priority: i.priority,
        })
        .collect();
    Ok(OpportunityRequest {
        ticket: raw.ticket,
        transaction: Transaction {
            order_id: raw.order.id,
            items,
            total: raw.order.total,
            currency,
        },
        incentive: None,
    })
}
