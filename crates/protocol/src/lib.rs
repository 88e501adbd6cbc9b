//! The words the widget, the hub and the affiliate's backend exchange, as types.
//! It builds for wasm32 and native alike, so that both ends of every request
//! parse the same way: a value of these types is valid once it exists.

mod money;
mod reason_code;
mod wire;

pub use money::{CurrencyCode, Money, MoneyError};
pub use reason_code::{ReasonCode, ReasonCodeError};
pub use wire::{
    AcceptRequest, AcceptResponse, ChosenItem, Consent, Disclosure, DisplayStyle, HandoffMode,
    Incentive, LineItem, NO_OFFER_HEADER, Offer, OfferItem, Opportunity, OpportunityRequest,
    OrderStatus, Presentation, Problem, Transaction,
};
