//! The JSON bodies the widget and the hub exchange. Field names here are the
//! public API; the hub parses raw bodies into these and then into domain values.

use serde::{Deserialize, Serialize};

use crate::{Address, AppliedIncentive, CurrencyCode, Labels, ReasonCode};

/// `POST /v1/opportunities`: the transaction that just happened on the
/// affiliate's page, with the affiliate's signed ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpportunityRequest {
    /// The ticket the affiliate's server signed for this order.
    pub ticket: String,
    /// What the customer bought.
    pub transaction: Transaction,
    /// The incentive the customer picked, when the affiliate offers a choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incentive: Option<String>,
    /// The customer's language as a BCP 47 tag (`de-CH`): the purchase's
    /// `locale`, else the page's `lang`. Without it the hub reads the
    /// browser's `Accept-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 35, pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
    )]
    pub locale: Option<String>,
}

/// A completed purchase at the affiliate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    /// The affiliate's order id; it must equal the ticket's.
    pub order_id: String,
    /// The lines of the order.
    pub items: Vec<LineItem>,
    /// The order total as a decimal string; it must equal the sum of the lines.
    pub total: String,
    /// The order's currency.
    pub currency: CurrencyCode,
    /// Where the affiliate ships this order, when it passes it: offered to
    /// the customer for a shipped upsell they pay by card in the hub's frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
    /// The promotion whose items to offer, when the ticket names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
}

/// One line of a transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// The affiliate's SKU.
    pub sku: String,
    /// The product's name, for display only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many were bought (at least 1).
    pub quantity: u32,
    /// The price of one, as a decimal string.
    pub unit_price: String,
    /// For compound purchases: lower numbers matter more when offers are assembled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
}

/// How the opportunity is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    /// A modal in a shadow root on the affiliate's page.
    Popup,
    /// A hub-origin IFRAME, in an overlay or in the merchant's slot.
    Iframe,
}

/// The affiliate's look, so the offer feels like part of its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayStyle {
    /// Accent colour (buttons, focus), `#rrggbb`.
    pub accent: String,
    /// Text colour, `#rrggbb`.
    pub text: String,
    /// Surface (dialog background) colour, `#rrggbb`.
    pub surface: String,
    /// CSS font-family list.
    pub font: String,
    /// Corner radius in pixels.
    pub radius_px: u8,
    /// HTTPS address of the affiliate's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
}

/// A thank-you reward the customer may pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incentive {
    /// Stable id, sent back in [`OpportunityRequest::incentive`].
    pub id: String,
    /// What the customer reads.
    pub label: String,
}

/// `201`/`200` answer to `POST /v1/opportunities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opportunity {
    /// The opportunity's id.
    pub id: String,
    /// Popup or IFRAME.
    pub presentation: Presentation,
    /// The short invitation shown first.
    pub teaser: String,
    /// The affiliate's look.
    pub style: DisplayStyle,
    /// Unix seconds after which the opportunity is gone.
    pub expires_at: i64,
    /// The reason code the offer was chosen by.
    pub reason_code: ReasonCode,
    /// Rewards the customer may pick from (empty when the affiliate offers none).
    pub incentives: Vec<Incentive>,
    /// The customer's loyalty points at the affiliate, when a reward the
    /// customer may pick spends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_balance: Option<u64>,
    /// A follow-up offer: the orders the customer placed earlier in this
    /// chain (the same purchase), which its confirmation sums up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<EarlierOrder>,
    /// Whether a declined offer may be followed by another (a downsell):
    /// the widget then asks before it closes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub downsell: bool,
    /// The language the hub chose for the customer (`de`): the widget's
    /// `lang`, and the language of `labels`, the disclosure and the copy
    /// where the affiliate translated it.
    pub lang: String,
    /// The words of the widget's screens in `lang` (always in an answer).
    #[serde(default, skip_serializing_if = "Labels::is_unset")]
    pub labels: Labels,
}

/// An order placed earlier in a chain of offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EarlierOrder {
    /// The upsell order's id.
    pub order_id: String,
    /// What it costs, decimal string.
    pub amount: String,
}

/// `204` reason header value and body-less answer: why nothing is shown.
pub const NO_OFFER_HEADER: &str = "postsale-no-offer";

/// The header carrying the hub frame page's token: card entry and the accept
/// of a `direct_entry` offer must come from inside the hub's own frame.
pub const FRAME_TOKEN_HEADER: &str = "postsale-frame-token";

/// How payment is settled when the customer accepts (see docs/ARCHITECTURE.md, "Handoff modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HandoffMode {
    /// The affiliate charges its saved payment method and the hub forwards the order.
    MerchantOfRecord,
    /// The hub charges a processor reference released by an affiliated affiliate.
    PaymentReference,
    /// The customer types a card into the hub-origin IFRAME.
    DirectEntry,
}

impl HandoffMode {
    /// The mode's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MerchantOfRecord => "merchant_of_record",
            Self::PaymentReference => "payment_reference",
            Self::DirectEntry => "direct_entry",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::MerchantOfRecord,
            Self::PaymentReference,
            Self::DirectEntry,
        ]
        .into_iter()
        .find(|m| m.as_str() == raw)
    }
}

/// One item the upseller offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferItem {
    /// The upseller's SKU.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// HTTPS image address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// What the image shows (always with `image_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_alt: Option<String>,
    /// One line that sells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The usual price of one, shown struck through, decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<String>,
    /// Price of one, decimal string in [`Offer::currency`].
    pub unit_price: String,
    /// The most the customer may take.
    pub max_quantity: u32,
    /// What shipping costs when this item is taken, decimal string; one
    /// parcel costs the highest fee among its lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<String>,
    /// Whether it is shipped: then an order of it needs an address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub physical: bool,
}

/// What the law asks the customer to be told before they confirm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disclosure {
    /// The handoff mode this disclosure is for.
    pub mode: HandoffMode,
    /// Who sells: the upseller's name, or `None` when it stays anonymous
    /// behind the affiliate (merchant of record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// The full text shown next to the confirm button.
    pub text: String,
    /// SHA-256 of `text`, hex; the accept call sends it back as consent.
    pub text_sha256: String,
}

/// `GET /v1/opportunities/{id}/offer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// The opportunity this offer belongs to.
    pub opportunity_id: String,
    /// Headline, already rendered from the template (plain text).
    pub headline: String,
    /// Body, already rendered from the template (plain text).
    pub body: String,
    /// The accept button's label.
    pub button: String,
    /// The items on offer, most relevant first.
    pub items: Vec<OfferItem>,
    /// The currency of every price.
    pub currency: CurrencyCode,
    /// The affiliate's look.
    pub style: DisplayStyle,
    /// Payment and seller disclosure.
    pub disclosure: Disclosure,
    /// Loyalty points the customer earns by accepting, bonus points included.
    pub points: u32,
    /// The thank-you reward the price includes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incentive: Option<AppliedIncentive>,
    /// Unix seconds from which the offer is gone: the hub refuses it from
    /// that second, and the widget counts down to it.
    pub expires_at: i64,
    /// `direct_entry` only: the address the affiliate passed with the
    /// purchase, which the customer may ship a physical item to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
}

/// An `application/problem+json` error body (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong with this request.
    pub detail: String,
    /// The JSON path of the offending field, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// Where the kinds of problem are named: `{PROBLEMS}{slug}`.
    pub const PROBLEMS: &'static str = "https://postsale.dev/problems/";

    /// A problem of kind `slug` (`invalid`, `payment-failed`, ...), the one
    /// way both ends write one.
    pub fn new(slug: &str, title: &str, status: u16, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("{}{slug}", Self::PROBLEMS),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            field: None,
        }
    }

    /// The same problem, blaming the field at `path`.
    #[must_use]
    pub fn on_field(mut self, path: Option<String>) -> Self {
        self.field = path;
        self
    }
}

/// One chosen line in an accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChosenItem {
    /// The offered SKU.
    pub sku: String,
    /// How many (1 up to the item's `max_quantity`).
    pub quantity: u32,
}

/// The customer's consent, as the widget recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// [`Disclosure::text_sha256`] of the disclosure the customer saw.
    pub disclosure_sha256: String,
    /// The separate user action that confirmed, e.g. `"confirm_button"`.
    pub action: String,
    /// The exact total the customer saw on the confirm step, decimal string.
    pub amount: String,
    /// For offers that charge a payment method the customer already gave
    /// (`merchant_of_record`, `payment_reference`) shown on the merchant's
    /// page: the single-use proof the hub's consent frame got for the
    /// customer's click on its button. Not sent from inside the hub's frame,
    /// whose token proves the click instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
}

/// `POST /v1/opportunities/{id}/accept`, sent with an `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// What the customer took.
    pub items: Vec<ChosenItem>,
    /// Their consent to pay for it.
    pub consent: Consent,
    /// `direct_entry` only: the reference the hub's gateway gave for the card
    /// typed into the hub-origin frame (`POST /v1/opportunities/{id}/card`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_reference: Option<String>,
    /// `direct_entry` with a physical item: where to ship it, as the customer
    /// confirmed it in the hub's frame (shipping is not billing data: it may
    /// cross with the customer's consent; the card never does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
}

/// `POST /v1/opportunities/{id}/card`, from the hub-origin frame only. The
/// number and CVC go straight to the gateway and are never stored or logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardEntry {
    /// The card number as typed (spaces allowed).
    pub card_number: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u8,
    /// Expiry year, four digits.
    pub exp_year: u16,
    /// The card verification code.
    pub cvc: String,
}

impl std::fmt::Debug for CardEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a card number or CVC, not even in a debug log.
        f.write_str("CardEntry { .. }")
    }
}

/// A card entered in the payment processor's own fields inside the hub's
/// frame: the processor's single-use token for it (`tok_...`), never the
/// number. The hub turns it into a payment method at the processor.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardToken {
    /// The processor's token for the card.
    pub token: String,
}

impl std::fmt::Debug for CardToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A token can be charged once: not for logs either.
        f.write_str("CardToken { .. }")
    }
}

/// The answer to a card entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardReference {
    /// The gateway's reference for the card, sent back in the accept.
    pub payment_reference: String,
}

/// The state of an upsell order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored, payment not settled yet.
    Pending,
    /// The payment was sent and its outcome is not known yet (the other side
    /// gave no answer): the hub asks until it knows. Never a failure: the
    /// customer may have paid.
    PendingConfirmation,
    /// The card's issuer asks the customer to authenticate the payment
    /// (3-D Secure), inside the hub's frame; the hub then learns the outcome
    /// from the processor. Never a failure until the processor says so.
    RequiresAction,
    /// Paid.
    Charged,
    /// The upseller confirmed it shipped.
    Fulfilled,
    /// Payment failed; nothing was charged.
    Failed,
    /// Paid, then refunded.
    Refunded,
}

impl OrderStatus {
    const ALL: [Self; 7] = [
        Self::Pending,
        Self::PendingConfirmation,
        Self::RequiresAction,
        Self::Charged,
        Self::Fulfilled,
        Self::Failed,
        Self::Refunded,
    ];

    /// The name on the wire, and the one the hub stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PendingConfirmation => "pending_confirmation",
            Self::RequiresAction => "requires_action",
            Self::Charged => "charged",
            Self::Fulfilled => "fulfilled",
            Self::Failed => "failed",
            Self::Refunded => "refunded",
        }
    }

    /// The status a name names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The answer to an accept; the same key always gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptResponse {
    /// The upsell order's id.
    pub order_id: String,
    /// Where the order stands.
    pub status: OrderStatus,
    /// The amount charged (or to be charged), decimal string.
    pub amount: String,
    /// The currency.
    pub currency: CurrencyCode,
    /// Loyalty points awarded.
    pub points: u32,
    /// Once charged: the customer's points at the affiliate, this order's
    /// earned and spent points counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_balance: Option<u64>,
    /// With `requires_action`: the processor's secret for this payment, with
    /// which the processor's script in the hub's frame lets the customer
    /// authenticate it. The accept is then sent again with the same key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}
