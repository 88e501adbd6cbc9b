//! The hub's live question to an upseller while an opportunity opens: are
//! these items in stock, and at what price? Signed as every hub call,
//! answered within a tight time budget; the hub
//! shows its catalogue when the answer is late, missing or unreadable.
//! Signed with the upseller's `webhooks` key.

use serde::{Deserialize, Serialize};

use crate::CurrencyCode;

/// Hub -> upseller, `POST {quote_url}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The affiliate whose customer is about to see the offer.
    pub affiliate_id: String,
    /// The currency of every price.
    pub currency: CurrencyCode,
    /// The items about to be shown, at the catalogue's prices.
    pub items: Vec<QuoteLine>,
}

/// One item as the hub's catalogue has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteLine {
    /// The upseller's SKU.
    pub sku: String,
    /// The catalogue's price of one, decimal string.
    pub unit_price: String,
}

/// Upseller -> hub, the answer (2xx, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteResponse {
    /// What the upseller says of each item it answers for; an item left
    /// out keeps the catalogue's price.
    pub items: Vec<QuotedItem>,
}

/// The upseller's word on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuotedItem {
    /// The SKU asked about.
    pub sku: String,
    /// Whether it can be sold now; `false` leaves it out of the offer.
    pub available: bool,
    /// The live price of one, decimal string, when it differs from the
    /// catalogue's: at most that price (a higher one leaves the item out,
    /// as unconfirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<String>,
}
