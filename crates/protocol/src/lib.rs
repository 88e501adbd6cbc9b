//! The words the widget, the hub and the affiliate's backend exchange, as types.
//! It builds for wasm32 and native alike, so that both ends of every request
//! parse the same way: a value of these types is valid once it exists.

mod console;
mod day;
mod handoff;
mod labels;
mod language;
mod live_quote;
mod money;
mod pan;
mod pricing;
mod reason_code;
mod secret;
mod signed;
mod wire;
#[cfg(feature = "xml")]
pub mod xml;

pub use console::{
    Amounts, ApiKeyInfo, Balance, ConsoleSession, ConsoleUser, Figures, Invitation, ItemSales,
    MerchantSummary, PreviewAnswer, PreviewRequest, Report, ReportDay, ReportRow, SessionAnswer,
};
pub use day::{day_text, days_from_civil, parse_day};
pub use handoff::{
    Address, CallbackChallenge, CustomerRecord, HANDOFF_KEY_ID_HEADER, HandoffItem, HandoffRequest,
    HandoffResponse, HandoffStatusQuery,
};
pub use labels::{Labels, around, fill};
pub use language::{Language, MAX_LANGUAGE_TAG, fill_named, is_language_tag};
pub use live_quote::{QuoteLine, QuoteRequest, QuoteResponse, QuotedItem};
pub use money::{CurrencyCode, Money, MoneyError};
pub use pan::{card_number_in, is_card_number};
pub use pricing::{AppliedIncentive, PricedLine, Quote, quote};
pub use reason_code::{ReasonCode, ReasonCodeError};
pub use secret::Secret;
pub use signed::{
    CLOCK_SKEW_SECS, MAX_TICKET_LEN, MAX_VALIDATOR_LEN, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECS,
    SignatureError, SignedTicket, SignedValidator, TICKET_TTL_SECS, TicketClaims, TicketError,
    VALIDATOR_TTL_SECS, ValidatorBinding, ValidatorClaims, ValidatorError, customer_digest,
    mint_validator, sign_request, sign_ticket, verify_request,
};
pub use wire::{
    AcceptRequest, AcceptResponse, CardEntry, CardReference, CardToken, ChosenItem, Consent,
    Disclosure, DisplayStyle, EarlierOrder, FRAME_TOKEN_HEADER, HandoffMode, Incentive, LineItem,
    NO_OFFER_HEADER, Offer, OfferItem, Opportunity, OpportunityRequest, OrderStatus, Presentation,
    Problem, Transaction,
};
