//! The hub's JSON bodies, as `crates/protocol` names them, read from and
//! written to JS values (see `js.rs` for why not serde). The field names and
//! their order are the protocol's: `wire.rs` in `crates/protocol` is the
//! reference, and the hub parses what is written here with serde.

#[cfg(feature = "frame")]
use postsale_protocol::Address;
use postsale_protocol::{
    AcceptRequest, AcceptResponse, AppliedIncentive, CurrencyCode, Disclosure, DisplayStyle,
    EarlierOrder, HandoffMode, Incentive, Labels, Offer, OfferItem, Opportunity,
    OpportunityRequest, OrderStatus, Presentation, ReasonCode,
};
use wasm_bindgen::JsValue;

use crate::js::{get, list, object, opt_string, optional, set_some, string, uint, whole};

fn currency(value: &JsValue, key: &str) -> Option<CurrencyCode> {
    CurrencyCode::parse(&string(value, key)?).ok()
}

fn style(value: &JsValue) -> Option<DisplayStyle> {
    Some(DisplayStyle {
        accent: string(value, "accent")?,
        text: string(value, "text")?,
        surface: string(value, "surface")?,
        font: string(value, "font")?,
        radius_px: whole(&get(value, "radius_px"), 255.0)? as u8,
        logo_url: opt_string(value, "logo_url")?,
    })
}

/// A whole number of unix seconds, within what a JS number holds exactly.
fn unix_seconds(value: &JsValue) -> Option<i64> {
    let n = value.as_f64()?;
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

/// The most points a balance may read as: what a JS number holds exactly.
const MAX_POINTS: f64 = 9_007_199_254_740_991.0;

/// An optional points balance.
fn balance(value: &JsValue) -> Option<Option<u64>> {
    optional(value, "points_balance", |n| whole(n, MAX_POINTS)).map(|n| n.map(|n| n as u64))
}

fn earlier_order(value: &JsValue) -> Option<EarlierOrder> {
    Some(EarlierOrder {
        order_id: string(value, "order_id")?,
        amount: string(value, "amount")?,
    })
}

fn incentive(value: &JsValue) -> Option<Incentive> {
    Some(Incentive {
        id: string(value, "id")?,
        label: string(value, "label")?,
    })
}

/// The widget's words; every key must be there.
fn labels(value: &JsValue) -> Option<Labels> {
    let mut whole = true;
    let labels = Labels::from_fn(|key| {
        string(value, key).unwrap_or_else(|| {
            whole = false;
            String::new()
        })
    });
    whole.then_some(labels)
}

/// The answer to `POST /v1/opportunities`.
pub(crate) fn opportunity(value: &JsValue) -> Option<Opportunity> {
    let presentation = match string(value, "presentation")?.as_str() {
        "popup" => Presentation::Popup,
        "iframe" => Presentation::Iframe,
        _ => return None,
    };
    Some(Opportunity {
        id: string(value, "id")?,
        presentation,
        teaser: string(value, "teaser")?,
        style: style(&get(value, "style"))?,
        expires_at: unix_seconds(&get(value, "expires_at"))?,
        reason_code: ReasonCode::parse(&string(value, "reason_code")?).ok()?,
        incentives: list(value, "incentives", incentive)?,
        points_balance: balance(value)?,
        earlier: optional(value, "earlier", |_| list(value, "earlier", earlier_order))?
            .unwrap_or_default(),
        downsell: optional(value, "downsell", JsValue::as_bool)?.unwrap_or_default(),
        lang: string(value, "lang")?,
        labels: labels(&get(value, "labels"))?,
    })
}

fn offer_item(value: &JsValue) -> Option<OfferItem> {
    Some(OfferItem {
        sku: string(value, "sku")?,
        name: string(value, "name")?,
        image_url: opt_string(value, "image_url")?,
        image_alt: opt_string(value, "image_alt")?,
        description: opt_string(value, "description")?,
        compare_at_price: opt_string(value, "compare_at_price")?,
        unit_price: string(value, "unit_price")?,
        max_quantity: uint(value, "max_quantity")?,
        shipping: opt_string(value, "shipping")?,
        // Only the hub's frame asks where a shipped item goes.
        physical: cfg!(feature = "frame")
            && optional(value, "physical", JsValue::as_bool)?.unwrap_or_default(),
    })
}

/// A postal address (the hub's frame build: nothing else reads one).
#[cfg(feature = "frame")]
fn address(value: &JsValue) -> Option<Address> {
    Some(Address {
        line1: string(value, "line1")?,
        line2: opt_string(value, "line2")?,
        city: string(value, "city")?,
        region: opt_string(value, "region")?,
        postal_code: string(value, "postal_code")?,
        country: string(value, "country")?,
    })
}

/// An address as the hub reads it.
#[cfg(feature = "frame")]
fn address_object(address: &Address) -> JsValue {
    let object = object(&[
        ("line1", address.line1.as_str().into()),
        ("city", address.city.as_str().into()),
        ("postal_code", address.postal_code.as_str().into()),
        ("country", address.country.as_str().into()),
    ]);
    set_some(&object, "line2", opt(address.line2.as_deref()));
    set_some(&object, "region", opt(address.region.as_deref()));
    object.into()
}

/// The reward an offer is priced with; absent numbers and flags are zero
/// and false, as the hub leaves them out.
fn applied_incentive(value: &JsValue) -> Option<AppliedIncentive> {
    let count = |key: &str, max: f64| {
        optional(value, key, |n| whole(n, max)).map(Option::unwrap_or_default)
    };
    Some(AppliedIncentive {
        id: string(value, "id")?,
        label: string(value, "label")?,
        percent_off: count("percent_off", 100.0)? as u8,
        amount_off: opt_string(value, "amount_off")?,
        free_shipping: optional(value, "free_shipping", JsValue::as_bool)?.unwrap_or_default(),
        bonus_points: count("bonus_points", f64::from(u32::MAX))? as u32,
        redeem_points: count("redeem_points", f64::from(u32::MAX))? as u32,
    })
}

fn disclosure(value: &JsValue) -> Option<Disclosure> {
    Some(Disclosure {
        mode: HandoffMode::parse(&string(value, "mode")?)?,
        seller: opt_string(value, "seller")?,
        text: string(value, "text")?,
        text_sha256: string(value, "text_sha256")?,
    })
}

/// The answer to `GET /v1/opportunities/{id}/offer`.
pub(crate) fn offer(value: &JsValue) -> Option<Offer> {
    Some(Offer {
        opportunity_id: string(value, "opportunity_id")?,
        headline: string(value, "headline")?,
        body: string(value, "body")?,
        button: string(value, "button")?,
        items: list(value, "items", offer_item)?,
        currency: currency(value, "currency")?,
        style: style(&get(value, "style"))?,
        disclosure: disclosure(&get(value, "disclosure"))?,
        points: uint(value, "points")?,
        incentive: optional(value, "incentive", applied_incentive)?,
        expires_at: unix_seconds(&get(value, "expires_at"))?,
        #[cfg(feature = "frame")]
        ship_to: optional(value, "ship_to", address)?,
        #[cfg(not(feature = "frame"))]
        ship_to: None,
    })
}

/// The answer to an accept.
pub(crate) fn accept_response(value: &JsValue) -> Option<AcceptResponse> {
    let status = match string(value, "status")?.as_str() {
        "pending" => OrderStatus::Pending,
        "pending_confirmation" => OrderStatus::PendingConfirmation,
        "requires_action" => OrderStatus::RequiresAction,
        "charged" => OrderStatus::Charged,
        "fulfilled" => OrderStatus::Fulfilled,
        "failed" => OrderStatus::Failed,
        "refunded" => OrderStatus::Refunded,
        _ => return None,
    };
    Some(AcceptResponse {
        order_id: string(value, "order_id")?,
        status,
        amount: string(value, "amount")?,
        currency: currency(value, "currency")?,
        points: uint(value, "points")?,
        points_balance: balance(value)?,
        client_secret: string(value, "client_secret"),
    })
}

fn opt(value: Option<&str>) -> Option<JsValue> {
    value.map(JsValue::from_str)
}

/// The body of `POST /v1/opportunities`.
pub(crate) fn opportunity_request(request: &OpportunityRequest) -> JsValue {
    let transaction = &request.transaction;
    let items = transaction.items.iter().map(|item| {
        let line = object(&[("sku", item.sku.as_str().into())]);
        set_some(&line, "name", opt(item.name.as_deref()));
        crate::js::set(&line, "quantity", &item.quantity.into());
        crate::js::set(&line, "unit_price", &item.unit_price.as_str().into());
        set_some(&line, "priority", item.priority.map(JsValue::from));
        line.into()
    });
    let sent = object(&[
        ("order_id", transaction.order_id.as_str().into()),
        ("items", crate::js::array(items)),
        ("total", transaction.total.as_str().into()),
        ("currency", transaction.currency.as_str().into()),
    ]);
    set_some(
        &sent,
        "promotion_id",
        opt(transaction.promotion_id.as_deref()),
    );
    let body = object(&[
        ("ticket", request.ticket.as_str().into()),
        ("transaction", sent.into()),
    ]);
    set_some(&body, "incentive", opt(request.incentive.as_deref()));
    set_some(&body, "locale", opt(request.locale.as_deref()));
    body.into()
}

/// The body of `POST /v1/opportunities/{id}/accept`.
pub(crate) fn accept_request(request: &AcceptRequest) -> JsValue {
    let items = request.items.iter().map(|item| {
        object(&[
            ("sku", item.sku.as_str().into()),
            ("quantity", item.quantity.into()),
        ])
        .into()
    });
    let consent = &request.consent;
    let given = object(&[
        (
            "disclosure_sha256",
            consent.disclosure_sha256.as_str().into(),
        ),
        ("action", consent.action.as_str().into()),
        ("amount", consent.amount.as_str().into()),
    ]);
    set_some(&given, "proof", opt(consent.proof.as_deref()));
    let body = object(&[
        ("items", crate::js::array(items)),
        ("consent", given.into()),
    ]);
    set_some(
        &body,
        "payment_reference",
        opt(request.payment_reference.as_deref()),
    );
    #[cfg(feature = "frame")]
    set_some(
        &body,
        "ship_to",
        request.ship_to.as_ref().map(address_object),
    );
    body.into()
}

/// The body of `POST /v1/opportunities/{id}/card` (frame build only).
#[cfg(feature = "frame")]
pub(crate) fn card_entry(card: &postsale_protocol::CardEntry) -> JsValue {
    object(&[
        ("card_number", card.card_number.as_str().into()),
        ("exp_month", card.exp_month.into()),
        ("exp_year", card.exp_year.into()),
        ("cvc", card.cvc.as_str().into()),
    ])
    .into()
}
