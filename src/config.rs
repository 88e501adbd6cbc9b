//! The merchant's input, parsed once at the edge: `postsale('init', ...)` into a
//! [`Config`] and `postsale('purchase', ...)` into the hub's
//! [`OpportunityRequest`]. Everything after this works with valid values only;
//! anything wrong here is one console warning and nothing shown.

use postsale_protocol::{CurrencyCode, LineItem, Money, OpportunityRequest, Transaction};
use wasm_bindgen::JsValue;

use crate::js::{get, opt_string, optional, string, uint, whole};

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

impl Config {
    /// Parses `init`; `default_hub` is where the loader came from.
    pub(crate) fn parse(raw: JsValue, default_hub: Option<String>) -> Result<Self, ConfigError> {
        let (Some(affiliate), Some(hub), Some(locale), Some(slot)) = (
            string(&raw, "affiliate"),
            opt_string(&raw, "hub"),
            opt_string(&raw, "locale"),
            opt_string(&raw, "slot"),
        ) else {
            return Err(ConfigError::Init);
        };
        if affiliate.trim().is_empty() {
            return Err(ConfigError::Init);
        }
        let hub = hub.or(default_hub).ok_or(ConfigError::Hub)?;
        let hub = Hub::parse(&hub).ok_or(ConfigError::Hub)?;
        Ok(Self {
            hub,
            locale: locale.filter(|l| crate::format::locale_ok(l)),
            slot: slot.filter(|s| !s.is_empty()),
        })
    }
}

/// One line of `purchase.order.items`.
fn line_item(raw: &JsValue) -> Option<LineItem> {
    Some(LineItem {
        sku: string(raw, "sku")?,
        name: opt_string(raw, "name")?,
        quantity: uint(raw, "quantity")?,
        unit_price: string(raw, "unit_price")?,
        priority: optional(raw, "priority", |p| {
            whole(p, f64::from(u32::MAX)).map(|n| n as u32)
        })?,
    })
}

/// `purchase` as the merchant wrote it, shape only.
fn raw_purchase(raw: &JsValue) -> Option<(String, String, Vec<LineItem>, String, String)> {
    let order = get(raw, "order");
    let items = if get(&order, "items").is_undefined() {
        Vec::new()
    } else {
        crate::js::list(&order, "items", line_item)?
    };
    Some((
        string(raw, "ticket")?,
        string(&order, "id")?,
        items,
        string(&order, "total")?,
        string(&order, "currency")?,
    ))
}

/// What the page's `purchase` call gives the widget.
pub(crate) struct Purchase {
    /// What the hub is sent.
    pub(crate) request: OpportunityRequest,
    /// The customer's first name, which stays in the page.
    pub(crate) first_name: Option<String>,
    /// `order.ship_to` as the page wrote it (or `undefined`): sent on to the
    /// hub as it is, which checks every field of it; the widget never shows
    /// it, so it never reads it.
    pub(crate) ship_to: JsValue,
}

/// Parses `purchase`. The hub checks the ticket and the sums; here only the
/// shape, the currency and the total's form.
pub(crate) fn purchase(raw: JsValue) -> Result<Purchase, ConfigError> {
    let (ticket, order_id, items, total, currency) =
        raw_purchase(&raw).ok_or(ConfigError::Purchase)?;
    let first_name = opt_string(&get(&raw, "customer"), "first_name")
        .ok_or(ConfigError::Purchase)?
        .and_then(|name| crate::session::first_name(&name));
    if ticket.is_empty() || order_id.is_empty() {
        return Err(ConfigError::Purchase);
    }
    let currency = CurrencyCode::parse(&currency).map_err(|_| ConfigError::Currency)?;
    Money::parse(&total, currency).map_err(|_| ConfigError::Total)?;
    let request = OpportunityRequest {
        ticket,
        transaction: Transaction {
            order_id,
            items,
            total,
            currency,
            ship_to: None,
            promotion_id: opt_string(&get(&raw, "order"), "promotion_id")
                .ok_or(ConfigError::Purchase)?,
        },
        incentive: None,
        locale: opt_string(&raw, "locale")
            .ok_or(ConfigError::Purchase)?
            .filter(|l| crate::format::locale_ok(l)),
    };
    Ok(Purchase {
        request,
        first_name,
        ship_to: get(&get(&raw, "order"), "ship_to"),
    })
}
