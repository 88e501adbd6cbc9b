//! The three things only the merchant knows, as traits the handoff router
//! calls: who its customers are, how it charges their saved payment method,
//! and where it remembers which tokens were redeemed. They return boxed
//! futures so the router can hold them as `Arc<dyn ...>` without a macro crate.

use std::future::Future;
use std::pin::Pin;

use postsale_protocol::{Address, CustomerRecord, HandoffResponse, Money};

/// A boxed, `Send` future: what every trait method here returns.
/// Implement a method as `Box::pin(async move { ... })`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a merchant keeps of the ticket it signed for one of its orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTicket {
    /// The ticket's nonce.
    pub nonce: String,
    /// The customer token in the ticket: the customer the order is of.
    pub customer_token: String,
}

/// The merchant's customer and order records, read-only.
pub trait CustomerDirectory: Send + Sync {
    /// What the merchant recorded when it signed the ticket for its order
    /// `affiliate_order_id` (keep both when signing), or `None` for an order
    /// it issued no ticket for. The validator is bound to this nonce and
    /// this customer, and only this customer is ever charged for the order.
    fn order<'a>(&'a self, affiliate_order_id: &'a str) -> BoxFuture<'a, Option<OrderTicket>>;

    /// The customer behind `customer_token`, with a processor's payment
    /// reference (never a card number), or `None` for an unknown token.
    fn customer<'a>(&'a self, customer_token: &'a str) -> BoxFuture<'a, Option<CustomerRecord>>;

    /// Where the upseller should ship for `customer_token`, when the merchant
    /// shares it under `merchant_of_record`; `None` shares nothing.
    fn ship_to<'a>(&'a self, customer_token: &'a str) -> BoxFuture<'a, Option<Address>>;
}

/// Why the merchant's gateway did not charge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    /// The gateway refused the charge for good (declined card, no saved
    /// method); the text is shown to the customer. The answer is stored, so a
    /// retry of the same hub order gets the same decline.
    #[error("declined: {0}")]
    Declined(String),
    /// The gateway could not be reached or timed out, so whether it charged is
    /// unknown. Nothing is stored and the hub is told 503: it retries with the
    /// same idempotency key, which the gateway must honour.
    #[error("gateway unavailable: {0}")]
    Unavailable(String),
}

/// The merchant's own gateway, charging the payment method it saved for a customer.
pub trait SavedPaymentCharger: Send + Sync {
    /// Charges `amount` to the saved payment method of `customer_token` and
    /// returns the gateway's charge id. `idempotency_key` is the hub's order
    /// id: pass it to the gateway, so that two calls with one key charge once
    /// even across several processes of the merchant.
    fn charge<'a>(
        &'a self,
        customer_token: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<String, ChargeError>>;
}

/// One redemption of a customer token, as [`RedemptionStore::claim`] records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption<'a> {
    /// The hub's order id: the idempotency key.
    pub order_id: &'a str,
    /// The merchant's order the ticket was signed for.
    pub affiliate_order_id: &'a str,
    /// The merchant's customer token from that ticket.
    pub customer_token: &'a str,
    /// The offer accepted (the validator's `opp` claim): one order may see
    /// several offers, one after the other, each redeemed once.
    pub opportunity_id: &'a str,
    /// The validator's `id` claim.
    pub validator_id: &'a str,
}

/// Why a redemption is refused: the hub is answered 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Replay {
    /// This offer to this (affiliate order, customer token) was already
    /// redeemed by another hub order.
    #[error("the customer token was already redeemed for this offer by another hub order")]
    TokenRedeemed,
    /// This validator was already presented for another hub order.
    #[error("the validator was already used for another hub order")]
    ValidatorUsed,
    /// This hub order id was already claimed for another customer or order.
    #[error("the hub order id was already used for another customer token")]
    OrderMismatch,
}

/// Why the redemption store cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The claim conflicts with an earlier one (answered 409).
    #[error(transparent)]
    Replay(#[from] Replay),
    /// The store is down (answered 503 so the hub retries; the text is logged,
    /// never sent).
    #[error("redemption store unavailable: {0}")]
    Unavailable(String),
}

/// Where the router remembers redemptions and answers. [`MemoryStore`](super::MemoryStore)
/// keeps them in the process, for the demo shop
/// and tests; a production affiliate implements this on its database, with a
/// unique key on each of `order_id`, `(affiliate_order_id, customer_token,
/// opportunity_id)` and `validator_id`, so that several processes agree.
pub trait RedemptionStore: Send + Sync {
    /// The answer already given to hub order `order_id`, if any.
    fn get<'a>(
        &'a self,
        order_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<HandoffResponse>, StoreError>>;

    /// Records `redemption`, atomically. Succeeds again for the same hub order
    /// with the same token (a retry, possibly with a fresh validator); refuses
    /// with [`Replay`] a token or validator already claimed by another hub
    /// order, or a hub order already claimed for another token.
    fn claim<'a>(&'a self, redemption: Redemption<'a>) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Stores the answer given to hub order `order_id`, to replay it on retries.
    fn store<'a>(
        &'a self,
        order_id: &'a str,
        answer: &'a HandoffResponse,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}
