//! Payments go through this trait. The hub ships a sandbox that behaves like a
//! processor's test mode (the demo's, offline) and Stripe. With the sandbox,
//! card numbers exist only inside `tokenize`, on their way to its records;
//! with Stripe the card is typed into Stripe's own fields in the hub's frame
//! and the hub only ever sees Stripe's token for it.

mod sandbox;
mod stripe;

use std::{future::Future, pin::Pin, time::Duration};

use postsale_protocol::{CardEntry, Money};
pub(crate) use sandbox::Sandbox;
pub(crate) use stripe::Stripe;

/// How long the hub waits for the processor before the outcome is unknown.
pub(crate) const CHARGE_TIMEOUT: Duration = Duration::from_secs(5);

/// A boxed future, so the trait stays object-safe.
pub(crate) type GatewayFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a charge came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChargeOutcome {
    /// Money moved; the processor's charge id.
    Charged(String),
    /// The issuer or processor said no; the reason may be shown to the customer.
    Declined(String),
    /// The processor answered that it failed: nothing was charged.
    Failed(String),
    /// The processor did not answer in time: the charge may have gone
    /// through. Charging again with the same idempotency key tells.
    Unknown,
    /// The card's issuer asks the customer to authenticate (3-D Secure):
    /// the processor's secret for the payment, for its script in the hub's
    /// frame. Charging again with the same key tells what came of it.
    Authenticate(String),
}

/// A card as the hub's frame sends it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CardInput<'a> {
    /// Typed into the hub's own card form (the sandbox).
    Typed(&'a CardEntry),
    /// Typed into the processor's own fields, which answered this token.
    Token(&'a str),
}

/// The card form the hub's frame shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CardForm {
    /// The hub's own fields (the sandbox).
    Own,
    /// The processor's fields: its script, the publishable key it runs
    /// with, and the origins the frame page's CSP must allow for it.
    Processor {
        script: String,
        publishable_key: String,
        origins: Vec<String>,
    },
}

/// One charge: what to charge, how much, and what links it to the order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Charge<'a> {
    /// The payment method.
    pub(crate) reference: &'a str,
    pub(crate) amount: Money,
    /// The order id: the idempotency key, and the consent receipt's id.
    pub(crate) order_id: &'a str,
    pub(crate) opportunity_id: &'a str,
}

/// A processor's event about a payment, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessorEvent {
    /// The processor's id for the event (delivered at least once).
    pub(crate) id: String,
    pub(crate) kind: EventKind,
}

/// What a processor's event tells the hub to look at again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A payment (the processor's id for it) succeeded or failed.
    Payment { intent: String },
    /// A charge (the hub's charge id) was refunded.
    Refunded { charge_id: String },
    /// Nothing the hub acts on.
    Other,
}

/// Why a processor's event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EventError {
    /// This gateway takes no events (the sandbox, or no secret configured).
    #[error("this hub takes no events from a payment processor")]
    NotTaken,
    /// The signature is missing, wrong, or too old.
    #[error("the signature is missing, does not match, or is outside the tolerance")]
    Signature,
    /// The body is not an event.
    #[error("the body is not a processor event")]
    Malformed,
}

/// Why a card could not be turned into a reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CardError {
    /// The number is not a card number (length, digits, check digit).
    #[error("card_number is not a valid card number")]
    Number,
    /// The expiry is in the past or not a month.
    #[error("the card has expired or the expiry date is not valid")]
    Expiry,
    /// The CVC is not 3 or 4 digits.
    #[error("cvc must be 3 or 4 digits")]
    Cvc,
    /// The processor refused the card (declined, or a token it does not
    /// know or took before): the customer may try another card.
    #[error("the card was refused: {0}")]
    Refused(String),
    /// This processor takes cards another way (its own fields, or the
    /// hub's form).
    #[error("this hub takes cards {0}")]
    OtherForm(&'static str),
    /// The processor failed.
    #[error("the payment processor is unavailable")]
    Unavailable,
}

/// A payment processor.
pub(crate) trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// The card form of the hub's frame.
    fn card_form(&self) -> CardForm;

    /// Turns a card entered in the hub-origin frame into a reference at once.
    fn tokenize<'a>(
        &'a self,
        card: CardInput<'a>,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<String, CardError>>;

    /// Whether `reference` is a card `tokenize` took for `opportunity_id`
    /// (so an accept cannot pay with a card entered for another offer);
    /// `Err` when the processor cannot tell now.
    fn entered_for<'a>(
        &'a self,
        reference: &'a str,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<bool, CardError>>;

    /// Charges a payment reference on session. The same order never charges
    /// twice: a repeat answers the first outcome (or what became of it).
    fn charge<'a>(&'a self, charge: Charge<'a>) -> GatewayFuture<'a, ChargeOutcome>;

    /// Refunds `amount` of a charge. The same `idempotency_key` refunds
    /// once: a repeat answers the first outcome.
    fn refund<'a>(
        &'a self,
        charge_id: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> GatewayFuture<'a, Result<(), RefundError>>;

    /// Verifies a processor's event (its signature header and raw body, at
    /// unix time `now`) and says what it is about.
    fn event(&self, signature: &str, body: &[u8], now: i64) -> Result<ProcessorEvent, EventError>;

    /// The order a processor's payment was made for, if this hub made it.
    fn order_of<'a>(
        &'a self,
        payment: &'a str,
    ) -> GatewayFuture<'a, Result<Option<String>, crate::store::StoreError>>;
}

/// Why a refund did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RefundError {
    /// The processor said no (nothing left to refund, unknown charge).
    #[error("the payment processor refused the refund")]
    Refused,
    /// No answer: the refund may have gone through. Asking again with the
    /// same idempotency key tells.
    #[error("the payment processor did not answer")]
    Unknown,
}

/// Charges with the hub's timeout: a processor that hangs leaves the outcome
/// unknown (it may charge after all), never failed.
pub(crate) async fn charge_with_timeout(
    gateway: &dyn PaymentGateway,
    charge: Charge<'_>,
) -> ChargeOutcome {
    match tokio::time::timeout(CHARGE_TIMEOUT, gateway.charge(charge)).await {
        Ok(outcome) => outcome,
        Err(_) => ChargeOutcome::Unknown,
    }
}
