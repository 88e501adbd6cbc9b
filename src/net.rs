//! HTTP to the hub. Every call has a deadline (an `AbortSignal.timeout`), and
//! every failure is a [`NetError`], never an exception. JSON goes through the
//! browser's own `JSON.parse`/`JSON.stringify` and `wire.rs`, so the wasm
//! carries no JSON parser of its own.

use js_sys::Object;
use js_sys::futures::JsFuture;
use postsale_protocol::{AcceptRequest, AcceptResponse, Offer, Opportunity, OpportunityRequest};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Response};

use crate::config::Hub;
use crate::js::{object, set};

/// The deadline for showing anything at all: slower than this, nothing shows.
pub(crate) const SHOW_TIMEOUT_MS: u32 = 3_000;
/// The deadline for calls the customer waits on (a payment may be slow).
const ACCEPT_TIMEOUT_MS: u32 = 20_000;

/// Why a call to the hub gave nothing usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetError {
    /// No answer: no connection, CORS refused, or past the deadline.
    Unreachable,
    /// The hub answered with an unexpected status.
    Status(u16),
    /// The body was not the JSON the protocol says.
    Malformed,
}

impl NetError {
    /// A short reason for the merchant's `error` event.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::Status(_) => "status",
            Self::Malformed => "malformed",
        }
    }
}

/// Sends a request with `fetch` and reads the whole body before the deadline;
/// `body` goes as JSON. Returns the status and the parsed JSON body (`None`
/// when empty). `fetch` straight from `web_sys` rather than through an HTTP
/// crate: the widget needs four fields of it, not a request builder.
async fn call(
    method: &str,
    url: &str,
    idempotency_key: Option<&str>,
    body: Option<&JsValue>,
    timeout_ms: u32,
) -> Result<(u16, Option<JsValue>), NetError> {
    let window = web_sys::window().ok_or(NetError::Unreachable)?;
    let headers = Object::new();
    let init = object(&[
        ("method", method.into()),
        ("signal", AbortSignal::timeout_with_u32(timeout_ms).into()),
        ("headers", headers.clone().into()),
    ]);
    if let Some(body) = body {
        let json = js_sys::JSON::stringify(body).map_err(|_| NetError::Malformed)?;
        set(&headers, "content-type", &"application/json".into());
        set(&init, "body", &json.into());
    }
    if let Some(key) = idempotency_key {
        set(&headers, "idempotency-key", &key.into());
    }
    #[cfg(feature = "frame")]
    if let Some(token) = crate::frame::inside::frame_token() {
        set(
            &headers,
            postsale_protocol::FRAME_TOKEN_HEADER,
            &token.into(),
        );
    }
    let response = JsFuture::from(window.fetch_with_str_and_init(url, init.unchecked_ref()))
        .await
        .map_err(|_| NetError::Unreachable)?
        .dyn_into::<Response>()
        .map_err(|_| NetError::Unreachable)?;
    let status = response.status();
    // The hub's "still being processed, retry": the same as no answer yet.
    if status == 409 && response.headers().has("retry-after").unwrap_or(false) {
        return Err(NetError::Unreachable);
    }
    let text = response.text().map_err(|_| NetError::Unreachable)?;
    let text = JsFuture::from(text)
        .await
        .map_err(|_| NetError::Unreachable)?
        .as_string()
        .unwrap_or_default();
    if text.is_empty() {
        return Ok((status, None));
    }
    let json = js_sys::JSON::parse(&text).map_err(|_| NetError::Malformed)?;
    Ok((status, Some(json)))
}

/// Reads a JSON body with one of `wire.rs`'s readers.
fn parse<T>(body: Option<JsValue>, read: fn(&JsValue) -> Option<T>) -> Result<T, NetError> {
    body.as_ref().and_then(read).ok_or(NetError::Malformed)
}

/// `POST /v1/opportunities`, with the page's `ship_to` (when not
/// `undefined`) as the page wrote it: `Ok(None)` when the hub has nothing
/// to show (204).
pub(crate) async fn create_opportunity(
    hub: &Hub,
    request: &OpportunityRequest,
    ship_to: &JsValue,
) -> Result<Option<Opportunity>, NetError> {
    let url = [&hub.base, "/v1/opportunities"].concat();
    let body = crate::wire::opportunity_request(request);
    if !ship_to.is_undefined() {
        let transaction = crate::js::get(&body, "transaction");
        let _ = js_sys::Reflect::set(&transaction, &"ship_to".into(), ship_to);
    }
    let (status, body) = call("POST", &url, None, Some(&body), SHOW_TIMEOUT_MS).await?;
    match status {
        204 => Ok(None),
        200 | 201 => parse(body, crate::wire::opportunity).map(Some),
        other => Err(NetError::Status(other)),
    }
}

/// `GET /v1/opportunities/{id}/offer`.
pub(crate) async fn offer(hub: &Hub, id: &str) -> Result<Offer, NetError> {
    let url = hub.opportunity_url(id, "/offer");
    match call("GET", &url, None, None, SHOW_TIMEOUT_MS).await? {
        (200, body) => parse(body, crate::wire::offer),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/accept` with the consent's Idempotency-Key.
pub(crate) async fn accept(
    hub: &Hub,
    id: &str,
    idempotency_key: &str,
    request: &AcceptRequest,
) -> Result<AcceptResponse, NetError> {
    let url = hub.opportunity_url(id, "/accept");
    let body = crate::wire::accept_request(request);
    match call(
        "POST",
        &url,
        Some(idempotency_key),
        Some(&body),
        ACCEPT_TIMEOUT_MS,
    )
    .await?
    {
        (200..=202, body) => parse(body, crate::wire::accept_response),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/decline`; nobody waits on the answer.
pub(crate) async fn decline(hub: &Hub, id: &str) {
    let url = hub.opportunity_url(id, "/decline");
    let body = Object::new().into();
    let _ = call("POST", &url, None, Some(&body), SHOW_TIMEOUT_MS).await;
}

/// `POST /v1/opportunities/{id}/next`, once the customer accepted or
/// declined `id`: the offer that follows, `None` when nothing does.
pub(crate) async fn next(hub: &Hub, id: &str) -> Result<Option<Opportunity>, NetError> {
    let url = hub.opportunity_url(id, "/next");
    match call("POST", &url, None, None, SHOW_TIMEOUT_MS).await? {
        (200, body) => parse(body, crate::wire::opportunity).map(Some),
        (204, _) => Ok(None),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/card` (frame build only): the hub's gateway tokenises
/// the card and answers with its payment reference. The card goes nowhere else.
#[cfg(feature = "frame")]
pub(crate) async fn card(
    hub: &Hub,
    id: &str,
    card: &postsale_protocol::CardEntry,
) -> Result<String, NetError> {
    let url = hub.opportunity_url(id, "/card");
    let body = crate::wire::card_entry(card);
    match call("POST", &url, None, Some(&body), ACCEPT_TIMEOUT_MS).await? {
        (200 | 201, body) => parse(body, |b| crate::js::string(b, "payment_reference")),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/card` with the processor's token for the card
/// typed into its own field (frame build only): the hub's payment reference.
#[cfg(feature = "frame")]
pub(crate) async fn card_token(hub: &Hub, id: &str, token: &str) -> Result<String, NetError> {
    let url = hub.opportunity_url(id, "/card");
    let body = crate::js::object(&[("token", token.into())]).into();
    match call("POST", &url, None, Some(&body), ACCEPT_TIMEOUT_MS).await? {
        (200 | 201, body) => parse(body, |b| crate::js::string(b, "payment_reference")),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/authentication` (frame build only): the
/// processor's secret for the payment the customer is to authenticate.
#[cfg(feature = "frame")]
pub(crate) async fn authentication(hub: &Hub, id: &str) -> Result<String, NetError> {
    let url = hub.opportunity_url(id, "/authentication");
    match call("POST", &url, None, None, ACCEPT_TIMEOUT_MS).await? {
        (200, body) => parse(body, |b| crate::js::string(b, "client_secret")),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `GET /v1/opportunities/{id}` (frame build only): the opportunity as
/// first answered, for its teaser, incentives and style.
#[cfg(feature = "frame")]
pub(crate) async fn opportunity(hub: &Hub, id: &str) -> Result<Opportunity, NetError> {
    let url = hub.opportunity_url(id, "");
    match call("GET", &url, None, None, SHOW_TIMEOUT_MS).await? {
        (200, body) => parse(body, crate::wire::opportunity),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// `POST /v1/opportunities/{id}/incentive` (frame build only): the
/// customer's pick, from inside the hub's frame.
#[cfg(feature = "frame")]
pub(crate) async fn pick(hub: &Hub, id: &str, incentive: &str) -> Result<(), NetError> {
    let url = hub.opportunity_url(id, "/incentive");
    let body = crate::js::object(&[("incentive", incentive.into())]).into();
    match call("POST", &url, None, Some(&body), SHOW_TIMEOUT_MS).await? {
        (204, _) => Ok(()),
        (other, _) => Err(NetError::Status(other)),
    }
}

/// A fresh Idempotency-Key: 128 random bits as hex.
pub(crate) fn idempotency_key() -> String {
    let mut bytes = [0_u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto (very old browser): still unique enough per page view.
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        let rnd = js_sys::Math::random().to_bits().to_le_bytes();
        bytes[..8].copy_from_slice(&now);
        bytes[8..].copy_from_slice(&rnd);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(32);
    for b in bytes {
        key.push(char::from(HEX[usize::from(b >> 4)]));
        key.push(char::from(HEX[usize::from(b & 15)]));
    }
    key
}
