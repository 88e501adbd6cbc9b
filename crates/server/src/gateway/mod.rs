//! Payments go through this trait. The hub ships a sandbox that behaves like a
//! processor's test mode; a real processor is one more implementation. Card
//! numbers exist only inside `tokenize`, on their way to the processor.

mod sandbox;

use std::{future::Future, pin::Pin, time::Duration};

use postsale_protocol::{CardEntry, Money};
pub(crate) use sandbox::Sandbox;

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
    /// The processor failed.
    #[error("the payment processor is unavailable")]
    Unavailable,
}

/// A payment processor.
pub(crate) trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// Turns a card typed in the hub-origin frame into a reference at once.
    fn tokenize<'a>(
        &'a self,
        card: &'a CardEntry,
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

    /// Charges a payment reference. The same `idempotency_key` never charges
    /// twice: a repeat answers the first outcome.
    fn charge<'a>(
        &'a self,
        reference: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> GatewayFuture<'a, ChargeOutcome>;

    /// Refunds `amount` of a charge. The same `idempotency_key` refunds
    /// once: a repeat answers the first outcome.
    fn refund<'a>(
        &'a self,
        charge_id: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> GatewayFuture<'a, Result<(), RefundError>>;
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
    reference: &str,
    amount: Money,
    idempotency_key: &str,
) -> ChargeOutcome {
    match tokio::time::timeout(
        CHARGE_TIMEOUT,
        gateway.charge(reference, amount, idempotency_key),
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(_) => ChargeOutcome::Unknown,
    }
}
