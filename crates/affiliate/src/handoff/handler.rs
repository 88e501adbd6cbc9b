//! The one handler, in the order a payments reviewer wants to read it: raw
//! bytes, key id, signature, typed request, validator, policy, claim, then
//! money. Nothing is claimed, charged or stored until every check passed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use postsale_protocol::{
    HANDOFF_KEY_ID_HEADER, HandoffMode, HandoffRequest, HandoffResponse, Money, SIGNATURE_HEADER,
    SignedValidator, ValidatorBinding, ValidatorError, customer_digest, verify_request,
};
use tokio::sync::OwnedMutexGuard;

use super::answer::{holds_card_number, render, wants_xml};
use super::error::HandoffError;
use super::traits::{ChargeError, Redemption, StoreError};
use super::{HandoffConfig, MAX_BODY_BYTES};

/// The router's state: the configuration and one lock per hub order in flight.
pub(crate) struct State {
    config: HandoffConfig,
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl State {
    pub(crate) fn new(config: HandoffConfig) -> Self {
        Self {
            config,
            in_flight: Mutex::new(HashMap::new()),
        }
    }
}

/// `POST /postsale/handoff`.
pub(crate) async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let xml = wants_xml(&headers);
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return HandoffError::TooLarge(MAX_BODY_BYTES).into_response();
        }
        Err(rejection) => {
            return HandoffError::Malformed {
                detail: format!("the body could not be read: {rejection}"),
                field: None,
            }
            .into_response();
        }
    };
    // The hub proving this URL before it trusts it: signed as every call,
    // answered with the same challenge, and nothing else done.
    if let Some(challenge) = postsale_protocol::CallbackChallenge::parse(&body) {
        return match signed_by_the_hub(&state.config, &headers, &body) {
            Ok(()) => axum::Json(challenge).into_response(),
            Err(err) => err.into_response(),
        };
    }
    // The hub asking what became of a handoff it got no answer to: the
    // stored answer, or 404 (nothing was done, or it is still being done;
    // the hub then sends the handoff again, which replays or waits).
    if let Some(query) = postsale_protocol::HandoffStatusQuery::parse(&body) {
        if let Err(err) = signed_by_the_hub(&state.config, &headers, &body) {
            return err.into_response();
        }
        return match state.config.store.get(&query.postsale_status).await {
            Ok(Some(stored)) => render(&stored, xml),
            Ok(None) => HandoffError::NoSuchOrder.into_response(),
            Err(err) => from_store(err).into_response(),
        };
    }
    // Detached, so a hub that hangs up mid-charge cannot cancel the work
    // between the charge and storing its answer; its retry then replays it.
    let task = tokio::spawn(async move { answer(&state, &headers, &body).await });
    match task.await {
        Ok(Ok(answer)) => render(&answer, xml),
        Ok(Err(err)) => err.into_response(),
        Err(join) => {
            HandoffError::Unavailable(format!("handoff task failed: {join}")).into_response()
        }
    }
}

/// The key id names one of our keys, and its signature covers these bytes.
fn signed_by_the_hub(
    config: &HandoffConfig,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), HandoffError> {
    let key_id = header(headers, HANDOFF_KEY_ID_HEADER)?;
    let signature = header(headers, SIGNATURE_HEADER)?;
    let secret = config.secret(key_id).ok_or(HandoffError::UnknownKeyId)?;
    verify_request(signature, body, &[secret.expose()], (config.clock)())
        .map_err(HandoffError::Signature)
}

/// Checks the call and works out the answer for it.
#[tracing::instrument(skip_all, fields(order_id = tracing::field::Empty))]
async fn answer(
    state: &Arc<State>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<HandoffResponse, HandoffError> {
    let config = &state.config;
    let now = (config.clock)();

    // 1. Who signed, and did they sign these bytes?
    signed_by_the_hub(config, headers, body)?;

    // 2. What is asked, typed, in the form the hub sent it.
    let request = parse(headers, body)?;
    tracing::Span::current().record("order_id", request.order_id.as_str());
    let amount =
        Money::parse(&request.amount, request.currency).map_err(|e| HandoffError::Malformed {
            detail: format!("amount: {e}"),
            field: Some("amount".into()),
        })?;
    if request.mode == HandoffMode::DirectEntry {
        return Err(HandoffError::DirectEntry);
    }

    // 3. The validator: the hub's, for our ticket, for the customer of our
    // own order record, for this amount, in time. The customer charged is
    // always that order's: a token the request names is only compared.
    let validator = SignedValidator::parse(&request.validator).map_err(HandoffError::Validator)?;
    let validator_secret = config
        .secret(validator.key_id())
        .ok_or(HandoffError::Validator(ValidatorError::BadSignature))?;
    let order = config
        .directory
        .order(&request.affiliate_order_id)
        .await
        .ok_or(HandoffError::UnknownOrder)?;
    let customer = customer_digest(&order.customer_token);
    let binding = ValidatorBinding {
        opportunity_id: &validator.unverified_claims().opportunity_id,
        ticket_nonce: &order.nonce,
        amount,
        customer_sha256: &customer,
    };
    let claims = validator
        .verify(validator_secret.expose(), now, &binding)
        .map_err(HandoffError::Validator)?;
    if request.customer_token != order.customer_token {
        return Err(HandoffError::Validator(ValidatorError::WrongCustomer));
    }

    // 4. Policy: a payment reference only for an affiliated upseller.
    if request.mode == HandoffMode::PaymentReference && !request.upseller_affiliated {
        return Err(HandoffError::NotAffiliated);
    }

    // 5. Once per hub order: claim, replay a stored answer, or do the work.
    let _in_flight = OrderLock::acquire(state, &request.order_id).await;
    let redemption = Redemption {
        order_id: &request.order_id,
        affiliate_order_id: &request.affiliate_order_id,
        customer_token: &order.customer_token,
        opportunity_id: &claims.opportunity_id,
        validator_id: &claims.id,
    };
    config.store.claim(redemption).await.map_err(from_store)?;
    if let Some(stored) = config
        .store
        .get(&request.order_id)
        .await
        .map_err(from_store)?
    {
        tracing::info!("replaying the stored answer to a retried hub order");
        return Ok(stored);
    }
    let answer = work(config, &request, &order.customer_token, amount).await?;
    config
        .store
        .store(&request.order_id, &answer)
        .await
        .map_err(from_store)?;
    Ok(answer)
}

/// Charges or looks up, per mode. Only reached after every check passed.
async fn work(
    config: &HandoffConfig,
    request: &HandoffRequest,
    token: &str,
    amount: Money,
) -> Result<HandoffResponse, HandoffError> {
    match request.mode {
        HandoffMode::MerchantOfRecord => {
            match config
                .charger
                .charge(token, amount, &request.order_id)
                .await
            {
                Ok(charge_id) => Ok(HandoffResponse::Charged {
                    charge_id,
                    ship_to: config.directory.ship_to(token).await,
                }),
                Err(ChargeError::Declined(reason)) => Ok(HandoffResponse::Declined { reason }),
                Err(ChargeError::Unavailable(cause)) => Err(HandoffError::Unavailable(cause)),
            }
        }
        HandoffMode::PaymentReference => match config.directory.customer(token).await {
            None => Ok(HandoffResponse::Declined {
                reason: "the customer is not known to the merchant".into(),
            }),
            Some(record) if holds_card_number(&record) => {
                // The record is not logged: it is what must not leak.
                tracing::error!("customer record holds what looks like a card number; refused");
                Ok(HandoffResponse::Declined {
                    reason: "the saved payment method cannot be shared".into(),
                })
            }
            Some(customer) => Ok(HandoffResponse::Customer { customer }),
        },
        HandoffMode::DirectEntry => Err(HandoffError::DirectEntry),
    }
}

/// A required header as text.
fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, HandoffError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(HandoffError::MissingHeader(name))
}

/// The body as a handoff request, naming the field serde stopped at.
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<HandoffRequest, HandoffError> {
    let xml = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(postsale_protocol::xml::is_xml_media_type);
    if xml {
        return postsale_protocol::xml::request_from_xml(body).map_err(|e| {
            HandoffError::Malformed {
                detail: format!("body is not a handoff request: {e}"),
                field: None,
            }
        });
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let request: HandoffRequest = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        HandoffError::Malformed {
            detail: format!("body is not a handoff request: {}", e.inner()),
            field: (path != ".").then_some(path),
        }
    })?;
    json.end().map_err(|e| HandoffError::Malformed {
        detail: format!("body has data after the request: {e}"),
        field: None,
    })?;
    Ok(request)
}

fn from_store(err: StoreError) -> HandoffError {
    match err {
        StoreError::Replay(replay) => HandoffError::Replay(replay),
        StoreError::Unavailable(cause) => HandoffError::Unavailable(cause),
    }
}

/// Holds the in-process lock of one hub order, so that two identical calls
/// arriving together run one after the other and the second replays the
/// first's answer. Across processes the gateway's idempotency key and the
/// store's unique keys do that job. Dropping it removes an unused lock.
struct OrderLock {
    state: Arc<State>,
    order_id: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl OrderLock {
    async fn acquire(state: &Arc<State>, order_id: &str) -> Self {
        let lock = state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(order_id.to_owned())
            .or_default()
            .clone();
        let guard = Some(lock.clone().lock_owned().await);
        Self {
            state: Arc::clone(state),
            order_id: order_id.to_owned(),
            lock,
            guard,
        }
    }
}

impl Drop for OrderLock {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut in_flight = self
            .state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only the map and this holder: nobody waits, so forget the lock.
        if Arc::strong_count(&self.lock) == 2 {
            in_flight.remove(&self.order_id);
        }
    }
}
