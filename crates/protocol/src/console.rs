//! What the hub's console API answers and the console reads: the signed-in
//! person and their sessions, invitations, and the merchant report. One
//! definition for both ends (the hub serialises these, the console
//! deserialises them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Money per currency (ISO 4217 code), as decimal strings; a debt is negative.
pub type Amounts = BTreeMap<String, String>;

/// A person as the console shows them: never a password's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleUser {
    pub id: String,
    /// The merchant whose user it is; absent for the operator's people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    pub email: String,
    pub name: String,
    /// `admin`, `editor`, `analyst` or `operator`.
    pub role: String,
    pub created_at: i64,
}

/// One of a person's signed-in sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleSession {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
}

/// The merchant a person works for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantSummary {
    pub id: String,
    pub name: String,
    pub affiliate: bool,
    pub upseller: bool,
}

/// The signed-in person, their session and the token that proves a request
/// comes from the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionAnswer {
    pub user: ConsoleUser,
    pub session: ConsoleSession,
    /// Send it in `X-CSRF-Token` with every request that changes anything.
    pub csrf_token: String,
    /// Absent for the operator's people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<MerchantSummary>,
}

/// An invitation as its sender sees it; its token and link only in the
/// answer that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: String,
    /// `user:<id>`, `api_key` or `operator`.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// `open`, `accepted`, `revoked` or `expired`.
    pub status: String,
    /// The secret the invited person takes it with (`POST /v1/console/join`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The console's page that takes it, to send to the invited person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One of a merchant's API keys: never the key, but in the answer that
/// made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    pub id: String,
    pub label: String,
    /// `user:<id>`, `api_key` or `operator`.
    pub created_by: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// The key, shown this once: `Authorization: Bearer <key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The figures of one window, one reason code or one other party.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Offers shown (each opportunity).
    pub shown: i64,
    /// Offers the customer opened.
    pub viewed: i64,
    pub declined: i64,
    /// Upsells paid.
    pub accepted: i64,
    /// Distinct purchases that showed an offer.
    pub orders_shown: i64,
    /// `accepted / shown`; 0 when nothing was shown.
    pub acceptance_rate: f64,
    /// What paid upsells charged.
    pub revenue: Amounts,
    /// What was refunded in the window.
    pub refunds: Amounts,
    /// Revenue less refunds.
    pub net_revenue: Amounts,
    /// Net revenue per purchase that showed an offer.
    pub revenue_per_transaction: Amounts,
    /// Net revenue per paid upsell.
    pub average_upsell: Amounts,
}

/// One day of a report's chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub shown: i64,
    pub viewed: i64,
    pub accepted: i64,
    pub revenue: Amounts,
    pub net_revenue: Amounts,
}

/// One row of a report's tables: a reason code or the other party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The reason code, or the other party's merchant id.
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// What one other party and the merchant owe each other for the orders
/// settled in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub counterpart: String,
    /// Positive: owed to the merchant; negative: the merchant owes it.
    pub owed: Amounts,
}

/// One item's sales at one price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSales {
    pub sku: String,
    pub name: String,
    pub unit_price: String,
    pub currency: String,
    /// Paid orders with the item.
    pub orders: i64,
    pub units: i64,
    /// Units times the unit price, before any reward.
    pub list_revenue: String,
}

/// `GET /v1/admin/stats/report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub merchant: String,
    /// `affiliate` or `upseller`.
    pub side: String,
    /// The window's first and last day, inclusive.
    pub from: String,
    pub to: String,
    pub current: Figures,
    /// The window of equal length just before.
    pub previous_from: String,
    pub previous_to: String,
    pub previous: Figures,
    /// Every day of the window, days without anything included.
    pub days: Vec<ReportDay>,
    pub reason_codes: Vec<ReportRow>,
    /// Per other party: upsellers for an affiliate, affiliates for an upseller.
    pub counterparts: Vec<ReportRow>,
    pub balances: Vec<Balance>,
    pub items: Vec<ItemSales>,
}

/// What a preview shows: one of the merchant's reason codes as a customer
/// would see it, with any of its parts swapped for another of the
/// merchant's (each absent part is the reason code's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The reason code whose offer is shown.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, pattern = "^[A-Z0-9][A-Z0-9_-]{0,63}$")
    )]
    pub reason_code: crate::ReasonCode,
    /// Another of the merchant's styles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    pub style: Option<String>,
    /// Another of the merchant's templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    pub template: Option<String>,
    /// The upseller's SKUs to show (else the reason code's default items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    /// The incentives the customer may pick from (an empty list: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incentives: Option<Vec<String>>,
    /// `popup` or `iframe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation: Option<crate::Presentation>,
    /// The customer's language as a BCP 47 tag (else the template's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 35, pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
    )]
    pub lang: Option<String>,
}

/// A preview made: the hub address the widget is pointed at, and the page
/// of the hub that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewAnswer {
    /// The hub's page showing the preview (a path on the hub), for an IFRAME.
    pub page: String,
    /// When the preview's address stops working (Unix seconds).
    pub expires_at: i64,
}
