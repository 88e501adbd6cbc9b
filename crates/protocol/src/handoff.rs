//! The hub's server-to-server call to the affiliate when a customer accepts:
//! the request names the customer only by the affiliate's own token, carries
//! the validator, and asks for what the handoff mode needs. No card number or
//! CVV crosses here in either direction: only a processor's payment reference.

use serde::{Deserialize, Serialize};

use crate::{CurrencyCode, HandoffMode};

/// The header naming which of the affiliate's secrets signed a hub call.
pub const HANDOFF_KEY_ID_HEADER: &str = "postsale-key-id";

/// One line of the upsell order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffItem {
    /// The upseller's SKU.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, decimal string.
    pub unit_price: String,
}

/// Hub -> affiliate, `POST {handoff_url}`, signed with the affiliate's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// What the affiliate is asked to do.
    pub mode: HandoffMode,
    /// The hub's id of the upsell order (use it as the charge's idempotency key).
    pub order_id: String,
    /// The affiliate's own order the customer just placed.
    pub affiliate_order_id: String,
    /// The affiliate's opaque customer token from the ticket.
    pub customer_token: String,
    /// The validator the hub minted for this accept.
    pub validator: String,
    /// The total to charge, decimal string: the items, less `discount`,
    /// plus `shipping`.
    pub amount: String,
    /// What the customer's thank-you reward took off the items, decimal
    /// string, when it took anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<String>,
    /// The shipping fee charged, decimal string, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<String>,
    /// Its currency.
    pub currency: CurrencyCode,
    /// The lines.
    pub items: Vec<HandoffItem>,
    /// The upseller's id.
    pub upseller_id: String,
    /// Whether the hub found the upseller to be the affiliate itself or a
    /// corporate affiliate; a payment reference is released only when true.
    pub upseller_affiliated: bool,
}

/// Hub -> merchant, `POST {handoff_url}` or `POST {webhook_url}`, signed as
/// every hub call: proves that the URL answers for the merchant that
/// registered it. The URL answers 2xx with the same JSON; until it has, the
/// hub calls it for nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallbackChallenge {
    /// 64 hex digits, new for each check.
    pub postsale_challenge: String,
}

impl CallbackChallenge {
    /// The challenge, when `body` is one (and not an order or a handoff).
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(body)
            .ok()
            .filter(|c| c.postsale_challenge.len() == 64)
    }
}

/// The hub asking the affiliate, signed as every call, what became of a
/// handoff whose answer it never got (a timeout, a broken connection). The
/// affiliate answers 200 with the [`HandoffResponse`] it stored for that hub
/// order, or 404 when it has none: then the hub sends the handoff again,
/// which the affiliate's idempotency on the order id makes safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffStatusQuery {
    /// The hub's order id.
    pub postsale_status: String,
}

impl HandoffStatusQuery {
    /// The query, when `body` is one (and not a handoff or a challenge).
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(body)
            .ok()
            .filter(|q| (1..=64).contains(&q.postsale_status.len()))
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    pub line1: String,
    /// More of the street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// What the affiliate releases under `payment_reference`: who the customer is
/// and a processor's reference to their payment method, never the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerRecord {
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Billing address.
    pub billing_address: Address,
    /// Shipping address.
    pub shipping_address: Address,
    /// The processor's payment-method reference (e.g. `pm_...`).
    pub payment_reference: String,
}

/// The affiliate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum HandoffResponse {
    /// `merchant_of_record`: the affiliate charged its saved payment method.
    Charged {
        /// The affiliate's charge id.
        charge_id: String,
        /// Where the upseller should ship, when the affiliate shares it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ship_to: Option<Address>,
    },
    /// `payment_reference`: the customer record for the hub to charge.
    Customer {
        /// The customer.
        customer: CustomerRecord,
    },
    /// The affiliate refused (declined card, unknown token, ...).
    Declined {
        /// Why, in words the customer may see.
        reason: String,
    },
}
