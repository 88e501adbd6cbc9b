//! The Stripe gateway: Stripe's documented REST API (form bodies, an
//! `Idempotency-Key` on every POST, the API version pinned) through the hub's
//! one outbound client, whose guards (timeouts, no redirects, no proxy from
//! the environment, public addresses only) every call of the hub gets.
//!
//! - **Card entry.** Stripe's own fields in the hub's frame turn the card into
//!   a single-use token (`tok_...`); the hub attaches it to a new Customer for
//!   the opportunity, and the payment reference is `cus_.../card_...`. The
//!   hub never sees the number.
//! - **Charges.** One PaymentIntent per order, created with the order id as
//!   idempotency key and metadata linking order, opportunity and consent
//!   receipt; its id is recorded before it is confirmed, on session. A retry
//!   finds the recorded intent and asks Stripe what became of it, so an order
//!   is charged once even after Stripe's idempotency window.
//! - **3-D Secure.** An intent in `requires_action` answers its client
//!   secret; Stripe.js completes the authentication in the hub's frame; the
//!   hub then reads the intent from Stripe, never the browser's word. An
//!   intent left unauthenticated for [`AUTHENTICATION_WINDOW_SECS`] is
//!   cancelled, which declines the order.
//! - **Refunds** through the Refunds API, the refund id as idempotency key and
//!   in metadata; a retry first lists the intent's refunds.
//! - **Events.** `Stripe-Signature` (HMAC-SHA256 over `t.body`, five minutes
//!   of tolerance) is checked before anything is read.

use std::time::Duration;

use hmac::{Hmac, Mac};
use postsale_protocol::Money;
use reqwest::Method;
use serde_json::Value;
use sha2::Sha256;

use super::{
    CardError, CardForm, CardInput, Charge, ChargeOutcome, EventError, EventKind, GatewayFuture,
    PaymentGateway, ProcessorEvent, RefundError,
};
use crate::{
    config::StripeSettings,
    db::Db,
    ids::now,
    outbound::{CallFailure, Outbound},
    store::{StoreError, stripe as store},
};

/// The API version every call names, so Stripe's answers keep their shape.
pub(crate) const API_VERSION: &str = "2024-06-20";
/// How long one call to Stripe may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(4);
/// How old an event's signature may be.
const TOLERANCE_SECS: i64 = 300;
/// How long a customer has to authenticate a payment before it is cancelled.
pub(crate) const AUTHENTICATION_WINDOW_SECS: i64 = 30 * 60;

/// The Stripe gateway.
#[derive(Debug, Clone)]
pub(crate) struct Stripe {
    db: Db,
    outbound: Outbound,
    settings: StripeSettings,
    /// The frame's card form, made once from the settings.
    form: CardForm,
}

/// An answer of Stripe's: its status and JSON body (`Null` if not JSON).
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Stripe {
    pub(crate) fn new(db: Db, outbound: Outbound, settings: StripeSettings) -> Self {
        Self {
            db,
            outbound,
            form: card_form(&settings),
            settings,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        idempotency_key: Option<&str>,
    ) -> Result<Reply, CallFailure> {
        let url = format!("{}{path}", self.settings.api_base);
        let bearer = format!(
            "Bearer {}",
            self.settings.secret_key.expose_text().unwrap_or_default()
        );
        let mut headers = vec![
            ("Authorization", bearer.as_str()),
            ("Stripe-Version", API_VERSION),
        ];
        let body = (method == Method::POST).then(|| {
            let mut encoded = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in form {
                encoded.append_pair(name, value);
            }
            encoded.finish().into_bytes()
        });
        if body.is_some() {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        if let Some(key) = idempotency_key {
            headers.push(("Idempotency-Key", key));
        }
        let answer = self
            .outbound
            .send(method, &url, &headers, body, CALL_TIMEOUT)
            .await?;
        Ok(Reply {
            status: answer.status,
            body: serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        })
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        key: &str,
    ) -> Result<Reply, CallFailure> {
        self.call(Method::POST, path, form, Some(key)).await
    }

    async fn get(&self, path: &str) -> Result<Reply, CallFailure> {
        self.call(Method::GET, path, &[], None).await
    }

    /// The intent `id` as Stripe has it now, or the outcome when Stripe
    /// does not say.
    async fn intent(&self, id: &str) -> Result<Value, ChargeOutcome> {
        match self.get(&format!("/v1/payment_intents/{id}")).await {
            Ok(reply) if reply.ok() => Ok(reply.body),
            Ok(reply) => Err(unanswered(reply.status)),
            Err(_) => Err(ChargeOutcome::Unknown),
        }
    }

    /// A token from Stripe's fields, attached to a new Customer.
    async fn attach(&self, token: &str, opportunity_id: &str) -> Result<String, CardError> {
        if !is_id(token, "tok_") {
            return Err(CardError::Refused("not a card token".into()));
        }
        let reply = self
            .post(
                "/v1/customers",
                &[
                    ("source", token),
                    ("metadata[opportunity_id]", opportunity_id),
                ],
                &format!("card-{opportunity_id}-{token}"),
            )
            .await
            .map_err(|_| CardError::Unavailable)?;
        match reply.status {
            200..=299 => {}
            // Declined, or a token Stripe does not know or took before.
            400 | 402 | 404 => {
                return Err(CardError::Refused(
                    if reply.status == 402 {
                        "the card was declined"
                    } else {
                        "the card could not be read; enter it again"
                    }
                    .into(),
                ));
            }
            status => {
                tracing::error!(status, "Stripe refused to make a customer");
                return Err(CardError::Unavailable);
            }
        }
        let customer = text(&reply.body, &["id"]);
        let card = text(&reply.body, &["default_source"]);
        let (Some(customer), Some(card)) = (customer, card) else {
            tracing::error!("Stripe's customer has no id or card");
            return Err(CardError::Unavailable);
        };
        let reference = format!("{customer}/{card}");
        if reference_parts(&reference).is_none() {
            tracing::error!("Stripe's customer or card id has an unexpected form");
            return Err(CardError::Unavailable);
        }
        store::insert_card(&self.db.writer, &reference, opportunity_id, now())
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "recording a Stripe card failed");
                CardError::Unavailable
            })?;
        Ok(reference)
    }

    async fn charge_inner(&self, charge: Charge<'_>) -> ChargeOutcome {
        let Some((customer, method)) = reference_parts(charge.reference) else {
            return ChargeOutcome::Declined("unknown payment method".into());
        };
        let recorded = match store::intent_of(&self.db.pool, charge.order_id).await {
            Ok(recorded) => recorded,
            Err(err) => {
                tracing::error!(error = %err, "reading a Stripe payment failed");
                return ChargeOutcome::Failed("the payment could not be started".into());
            }
        };
        let (mut intent, created_at) = match recorded {
            Some((id, at)) => match self.intent(&id).await {
                Ok(intent) => (intent, at),
                Err(outcome) => return outcome,
            },
            None => match self.create(charge, customer, method).await {
                Ok(created) => created,
                Err(outcome) => return outcome,
            },
        };
        // Confirm once, cancel once: then the intent's state is the outcome.
        for _ in 0..2 {
            let Some(id) = text(&intent, &["id"]) else {
                return ChargeOutcome::Unknown;
            };
            let (path, key) = match step(&intent, now() - created_at) {
                Step::Done(outcome) => return outcome,
                Step::Confirm => (
                    format!("/v1/payment_intents/{id}/confirm"),
                    format!("{}-confirm", charge.order_id),
                ),
                Step::Cancel => (
                    format!("/v1/payment_intents/{id}/cancel"),
                    format!("{}-cancel", charge.order_id),
                ),
            };
            intent = match self.post(&path, &[], &key).await {
                Ok(reply) if reply.ok() => reply.body,
                // A decline names the card, not the request.
                Ok(reply) if reply.status == 402 => {
                    return ChargeOutcome::Declined(declined(&reply.body));
                }
                // Already moved on (by another attempt): read where it is.
                Ok(reply) if reply.status == 400 => match self.intent(&id).await {
                    Ok(intent) => intent,
                    Err(outcome) => return outcome,
                },
                Ok(reply) => return unanswered(reply.status),
                Err(_) => return ChargeOutcome::Unknown,
            };
        }
        match step(&intent, now() - created_at) {
            Step::Done(outcome) => outcome,
            _ => ChargeOutcome::Unknown,
        }
    }

    /// Creates the order's intent (unconfirmed) and records it; the recorded
    /// intent and when it was made.
    async fn create(
        &self,
        charge: Charge<'_>,
        customer: Option<&str>,
        method: &str,
    ) -> Result<(Value, i64), ChargeOutcome> {
        let amount = charge.amount.minor().to_string();
        let currency = charge.amount.currency().as_str().to_ascii_lowercase();
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", currency.as_str()),
            ("payment_method", method),
            ("payment_method_types[]", "card"),
            ("metadata[order_id]", charge.order_id),
            ("metadata[opportunity_id]", charge.opportunity_id),
            // The consent receipt is stored under the order's id.
            ("metadata[consent_receipt]", charge.order_id),
        ];
        if let Some(customer) = customer {
            form.push(("customer", customer));
        }
        let reply = match self
            .post("/v1/payment_intents", &form, charge.order_id)
            .await
        {
            Ok(reply) if reply.ok() => reply,
            Ok(reply) if reply.status == 402 => {
                return Err(ChargeOutcome::Declined(declined(&reply.body)));
            }
            Ok(reply) => return Err(unanswered(reply.status)),
            // Not confirmed, so nothing can have been charged.
            Err(failure) if !failure.maybe_arrived() => {
                return Err(ChargeOutcome::Failed(
                    "the payment processor could not be reached".into(),
                ));
            }
            Err(_) => {
                return Err(ChargeOutcome::Failed(
                    "the payment processor did not answer; nothing was charged".into(),
                ));
            }
        };
        let Some(id) = text(&reply.body, &["id"]).filter(|id| is_id(id, "pi_")) else {
            return Err(ChargeOutcome::Failed(
                "the payment processor's answer has no payment".into(),
            ));
        };
        let at = now();
        let recorded = store::record_intent(&self.db.writer, charge.order_id, &id, at).await;
        match recorded {
            Ok(true) => Ok((reply.body, at)),
            // Another attempt recorded its intent first: that one is the
            // order's; this one, never confirmed, charges nothing.
            Ok(false) => match store::intent_of(&self.db.pool, charge.order_id).await {
                Ok(Some((theirs, at))) => self.intent(&theirs).await.map(|intent| (intent, at)),
                _ => Err(ChargeOutcome::Unknown),
            },
            Err(err) => {
                tracing::error!(error = %err, "recording a Stripe payment failed");
                Err(ChargeOutcome::Failed(
                    "the payment could not be recorded; nothing was charged".into(),
                ))
            }
        }
    }

    async fn refund_inner(
        &self,
        intent: &str,
        amount: Money,
        key: &str,
    ) -> Result<(), RefundError> {
        if !is_id(intent, "pi_") {
            return Err(RefundError::Refused);
        }
        // Made before (an answer lost, or Stripe's idempotency window past)?
        let listed = self
            .get(&format!("/v1/refunds?payment_intent={intent}&limit=100"))
            .await
            .map_err(|_| RefundError::Unknown)?;
        match listed.status {
            200..=299 => {}
            // Busy or broken now: ask again later.
            409 | 429 | 500.. => return Err(RefundError::Unknown),
            // No such payment, or a refund Stripe will never make.
            _ => return Err(RefundError::Refused),
        }
        let made = listed.body["data"].as_array().is_some_and(|refunds| {
            refunds
                .iter()
                .any(|r| r["metadata"]["refund_id"].as_str() == Some(key))
        });
        if made {
            return Ok(());
        }
        let minor = amount.minor().to_string();
        let reply = self
            .post(
                "/v1/refunds",
                &[
                    ("payment_intent", intent),
                    ("amount", &minor),
                    ("metadata[refund_id]", key),
                ],
                key,
            )
            .await
            .map_err(|failure| {
                if failure.maybe_arrived() {
                    RefundError::Unknown
                } else {
                    RefundError::Refused
                }
            })?;
        match reply.status {
            200..=299 => Ok(()),
            429 | 500.. | 409 => Err(RefundError::Unknown),
            _ => Err(RefundError::Refused),
        }
    }
}

impl PaymentGateway for Stripe {
    fn card_form(&self) -> CardForm {
        self.form.clone()
    }

    fn tokenize<'a>(
        &'a self,
        card: CardInput<'a>,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<String, CardError>> {
        Box::pin(async move {
            match card {
                CardInput::Token(token) => self.attach(token, opportunity_id).await,
                CardInput::Typed(_) => Err(CardError::OtherForm(
                    "in the payment processor's own fields only",
                )),
            }
        })
    }

    fn entered_for<'a>(
        &'a self,
        reference: &'a str,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<bool, CardError>> {
        Box::pin(async move {
            store::card_for(&self.db.pool, reference, opportunity_id)
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "reading a Stripe card failed");
                    CardError::Unavailable
                })
        })
    }

    fn charge<'a>(&'a self, charge: Charge<'a>) -> GatewayFuture<'a, ChargeOutcome> {
        Box::pin(self.charge_inner(charge))
    }

    fn refund<'a>(
        &'a self,
        charge_id: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> GatewayFuture<'a, Result<(), RefundError>> {
        Box::pin(self.refund_inner(charge_id, amount, idempotency_key))
    }

    fn event(&self, signature: &str, body: &[u8], now: i64) -> Result<ProcessorEvent, EventError> {
        let secret = self
            .settings
            .webhook_secret
            .as_ref()
            .ok_or(EventError::NotTaken)?;
        verify_signature(secret.expose(), signature, body, now)?;
        let event: Value = serde_json::from_slice(body).map_err(|_| EventError::Malformed)?;
        let id = text(&event, &["id"])
            .filter(|id| is_id(id, "evt_"))
            .ok_or(EventError::Malformed)?;
        let kind = text(&event, &["type"]).ok_or(EventError::Malformed)?;
        let object = &event["data"]["object"];
        let kind = match kind.as_str() {
            "payment_intent.succeeded" | "payment_intent.payment_failed" => {
                let intent = text(object, &["id"])
                    .filter(|id| is_id(id, "pi_"))
                    .ok_or(EventError::Malformed)?;
                EventKind::Payment { intent }
            }
            "charge.refunded" => match text(object, &["payment_intent"]) {
                Some(intent) if is_id(&intent, "pi_") => EventKind::Refunded { charge_id: intent },
                _ => EventKind::Other,
            },
            _ => EventKind::Other,
        };
        Ok(ProcessorEvent { id, kind })
    }

    fn order_of<'a>(
        &'a self,
        intent: &'a str,
    ) -> GatewayFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(store::order_of_intent(&self.db.pool, intent))
    }
}

/// The frame's card form for `settings`: Stripe.js, the publishable key, and
/// the origins the frame page's CSP must allow for them.
fn card_form(settings: &StripeSettings) -> CardForm {
    let mut origins = vec![];
    for url in [&settings.js_url, &settings.api_base] {
        if let Ok(parsed) = url::Url::parse(url) {
            let origin = parsed.origin().ascii_serialization();
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    // Stripe's own 3-D Secure pages open from its hooks origin.
    if origins.iter().any(|o| o == "https://js.stripe.com") {
        origins.push("https://hooks.stripe.com".into());
    }
    CardForm::Processor {
        script: settings.js_url.clone(),
        publishable_key: settings.publishable_key.clone(),
        origins,
    }
}

/// What to do with an intent in its state.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Done(ChargeOutcome),
    Confirm,
    Cancel,
}

/// The next step for `intent`, made `age` seconds ago.
fn step(intent: &Value, age: i64) -> Step {
    let id = text(intent, &["id"]).unwrap_or_default();
    match intent["status"].as_str().unwrap_or_default() {
        "succeeded" | "requires_capture" => Step::Done(ChargeOutcome::Charged(id)),
        "requires_confirmation" => Step::Confirm,
        "requires_action" if age > AUTHENTICATION_WINDOW_SECS => Step::Cancel,
        "requires_action" => match text(intent, &["client_secret"]) {
            Some(secret) => Step::Done(ChargeOutcome::Authenticate(secret)),
            None => Step::Done(ChargeOutcome::Unknown),
        },
        "requires_payment_method" => {
            let error = &intent["last_payment_error"];
            Step::Done(ChargeOutcome::Declined(
                if error["code"].as_str() == Some("payment_intent_authentication_failure") {
                    "the card's issuer could not authenticate the payment".into()
                } else {
                    declined(&serde_json::json!({ "error": error }))
                },
            ))
        }
        "canceled" => Step::Done(ChargeOutcome::Declined(
            "the payment was not authenticated in time".into(),
        )),
        // `processing`, or a state this version does not know: ask later.
        _ => Step::Done(ChargeOutcome::Unknown),
    }
}

/// A decline's words for the customer, from Stripe's error code only.
fn declined(body: &Value) -> String {
    match body["error"]["decline_code"]
        .as_str()
        .or(body["error"]["code"].as_str())
    {
        Some("insufficient_funds") => "the card has insufficient funds",
        Some("expired_card") => "the card has expired",
        Some("incorrect_cvc") => "the card's security code is incorrect",
        Some("authentication_required" | "payment_intent_authentication_failure") => {
            "the card's issuer could not authenticate the payment"
        }
        _ => "the card was declined",
    }
    .into()
}

/// Stripe answered a call with a status that is no outcome: 429 and 5xx
/// (and 409, a request with the same key still running) may have acted;
/// the other 4xx did not.
fn unanswered(status: u16) -> ChargeOutcome {
    if matches!(status, 409 | 429) || status >= 500 {
        ChargeOutcome::Unknown
    } else {
        tracing::error!(status, "Stripe refused a payment call");
        ChargeOutcome::Failed("the payment processor refused the request".into())
    }
}

/// The string at `path` in `value`.
fn text(value: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Whether `id` is a Stripe id with `prefix`: letters and digits after it.
fn is_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= 250
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// A reference's customer (if any) and payment method: `cus_x/card_y`,
/// `cus_x/pm_y`, `pm_y` or `card_y`.
fn reference_parts(reference: &str) -> Option<(Option<&str>, &str)> {
    let (customer, method) = match reference.split_once('/') {
        Some((customer, method)) => (Some(customer), method),
        None => (None, reference),
    };
    let method_ok = is_id(method, "pm_") || is_id(method, "card_");
    let customer_ok = customer.is_none_or(|c| is_id(c, "cus_"));
    (method_ok && customer_ok).then_some((customer, method))
}

/// Checks a `Stripe-Signature` header (`t=...,v1=...[,v1=...]`) for `body`.
fn verify_signature(secret: &[u8], header: &str, body: &[u8], now: i64) -> Result<(), EventError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v1)) => signatures.extend(hex::decode(v1).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(EventError::Signature)?;
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(EventError::Signature);
    }
    let signed = |candidate: &[u8]| {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
            return false;
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(candidate).is_ok()
    };
    if signatures.iter().any(|s| signed(s)) {
        Ok(())
    } else {
        Err(EventError::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("key");
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_signature_is_checked_for_its_secret_body_and_age() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(b"whsec_a", 1000, body);
        assert_eq!(verify_signature(b"whsec_a", &header, body, 1100), Ok(()));
        // Another secret, another body, too old, too new, no header parts.
        for (secret, body, now) in [
            (&b"whsec_b"[..], &body[..], 1100),
            (b"whsec_a", br#"{"id":"evt_2"}"#, 1100),
            (b"whsec_a", body, 1000 + TOLERANCE_SECS + 1),
            (b"whsec_a", body, 1000 - TOLERANCE_SECS - 1),
        ] {
            assert_eq!(
                verify_signature(secret, &header, body, now),
                Err(EventError::Signature)
            );
        }
        for header in ["", "t=1000", "v1=00", "t=x,v1=zz"] {
            assert_eq!(
                verify_signature(b"whsec_a", header, body, 1000),
                Err(EventError::Signature)
            );
        }
        // One good signature among several (a secret being rolled) is enough.
        let good = sign(b"whsec_a", 1000, body);
        let both = format!("t=1000,v1={},{}", "ab".repeat(32), &good[7..]);
        assert_eq!(verify_signature(b"whsec_a", &both, body, 1000), Ok(()));
    }

    #[test]
    fn references_are_a_method_with_or_without_its_customer() {
        assert_eq!(reference_parts("pm_1"), Some((None, "pm_1")));
        assert_eq!(
            reference_parts("cus_1/card_2"),
            Some((Some("cus_1"), "card_2"))
        );
        for bad in [
            "",
            "tok_1",
            "cus_1",
            "cus_1/",
            "/pm_1",
            "cus_1/pm_1/pm_2",
            "pm_",
            "pm_a b",
            "x/pm_1",
        ] {
            assert_eq!(reference_parts(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_intent_state_is_an_outcome_or_a_next_step() {
        let intent = |status: &str| json!({"id": "pi_1", "status": status, "client_secret": "pi_1_secret_x"});
        assert_eq!(
            step(&intent("succeeded"), 0),
            Step::Done(ChargeOutcome::Charged("pi_1".into()))
        );
        assert_eq!(step(&intent("requires_confirmation"), 0), Step::Confirm);
        assert_eq!(
            step(&intent("requires_action"), 10),
            Step::Done(ChargeOutcome::Authenticate("pi_1_secret_x".into()))
        );
        assert_eq!(
            step(&intent("requires_action"), AUTHENTICATION_WINDOW_SECS + 1),
            Step::Cancel
        );
        assert_eq!(
            step(&intent("processing"), 0),
            Step::Done(ChargeOutcome::Unknown)
        );
        assert!(matches!(
            step(&intent("canceled"), 0),
            Step::Done(ChargeOutcome::Declined(_))
        ));
        let failed = json!({"id": "pi_1", "status": "requires_payment_method",
            "last_payment_error": {"code": "payment_intent_authentication_failure"}});
        assert_eq!(
            step(&failed, 0),
            Step::Done(ChargeOutcome::Declined(
                "the card's issuer could not authenticate the payment".into()
            ))
        );
    }
}
