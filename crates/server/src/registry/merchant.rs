//! Merchants: who they are, what they may do (affiliate, upseller or both),
//! which origins may embed the widget for them, and their API key (stored as
//! its SHA-256 only). Roles are the operator's to set; corporate affiliation
//! is not a field here at all but a confirmed fact of its own (`trust.rs`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{
    db::Db,
    failure::Failure,
    ids::{new_api_key, new_secret_hex, now, sha256_hex},
    store::merchants::{self, MerchantRow, Profile},
    validate,
};

/// A merchant as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Merchant {
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub(crate) id: String,
    /// 1 to 120 characters, not all blank, no control characters but line breaks.
    #[schema(
        max_length = 120,
        pattern = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub(crate) name: String,
    pub(crate) affiliate: bool,
    pub(crate) upseller: bool,
    /// Web origins whose pages may show this affiliate's offers.
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<OriginText>)]
    pub(crate) origins: Vec<String>,
    /// Where the hub calls the affiliate when a customer accepts.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f][^\\s\\x00-\\x1f\\x7f-\\x9f]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?([/?#][^\\s\\x00-\\x1f\\x7f-\\x9f]*)?)$"
    )]
    pub(crate) handoff_url: Option<String>,
    /// Where the hub sends this upseller's orders.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f][^\\s\\x00-\\x1f\\x7f-\\x9f]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?([/?#][^\\s\\x00-\\x1f\\x7f-\\x9f]*)?)$"
    )]
    pub(crate) webhook_url: Option<String>,
    /// Upsellers: where the hub asks, while an opportunity opens, for the
    /// live price and stock of the items it is about to show (signed, a
    /// tight time budget, the catalogue when it is slow, down or unproven).
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f][^\\s\\x00-\\x1f\\x7f-\\x9f]*|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?([/?#][^\\s\\x00-\\x1f\\x7f-\\x9f]*)?)$"
    )]
    pub(crate) quote_url: Option<String>,
    /// The form the hub's handoff call takes: JSON, or XML for affiliates
    /// whose backends speak it (the same fields, see the README).
    #[serde(default)]
    pub(crate) handoff_format: HandoffFormat,
    /// The customer data this merchant holds for its customers and can
    /// give the hub's handoff call: `billing` (a payment method it can
    /// charge: `payment_reference` and `merchant_of_record` need it) and
    /// `shipping` (an address it ships to: physical items outside
    /// `direct_entry` need it). Reason codes may require either; selection
    /// shows nothing that needs what the affiliate does not hold. Both when
    /// omitted.
    #[serde(default = "CustomerData::all")]
    pub(crate) customer_data: Vec<CustomerData>,
    /// The origins proven by a challenge served on them or approved by the
    /// operator: the only ones CORS, the origin check and `frame-ancestors`
    /// use. Read-only: ignored in a request body.
    #[serde(default)]
    pub(crate) verified_origins: Vec<String>,
    /// Whether `handoff_url` answered the hub's signed challenge; the hub
    /// calls it for nothing else before. Read-only.
    #[serde(default)]
    pub(crate) handoff_url_verified: bool,
    /// Whether `webhook_url` answered the hub's signed challenge; orders wait
    /// in the outbox until it has. Read-only.
    #[serde(default)]
    pub(crate) webhook_url_verified: bool,
    /// Whether `quote_url` answered the hub's signed challenge; the hub
    /// asks it nothing before. Read-only.
    #[serde(default)]
    pub(crate) quote_url_verified: bool,
}

/// A kind of customer data a merchant may hold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CustomerData {
    /// A payment method the merchant can charge.
    Billing,
    /// An address the merchant ships to.
    Shipping,
}

impl CustomerData {
    /// Both kinds: what a merchant holds unless it says otherwise.
    pub(crate) fn all() -> Vec<Self> {
        vec![Self::Billing, Self::Shipping]
    }

    /// The name in JSON and in messages.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Billing => "billing",
            Self::Shipping => "shipping",
        }
    }
}

impl Default for Merchant {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            affiliate: false,
            upseller: false,
            origins: Vec::new(),
            handoff_url: None,
            webhook_url: None,
            quote_url: None,
            handoff_format: HandoffFormat::default(),
            customer_data: CustomerData::all(),
            verified_origins: Vec::new(),
            handoff_url_verified: false,
            webhook_url_verified: false,
            quote_url_verified: false,
        }
    }
}

/// The form of the hub's handoff call to an affiliate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HandoffFormat {
    #[default]
    Json,
    Xml,
}

impl HandoffFormat {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Xml => "xml",
        }
    }
}

/// A web origin as the schema states it: scheme and host (and port), an
/// `https` one, or `http` on this machine's loopback.
pub(crate) struct OriginText;

impl utoipa::PartialSchema for OriginText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(2048))
            .pattern(Some("^(https://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f]+|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]*)?)$"))
            .into()
    }
}

impl utoipa::ToSchema for OriginText {}

impl Merchant {
    /// Field checks.
    pub(crate) fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        validate::text("name", &self.name, 120)?;
        if !self.affiliate && !self.upseller {
            return Err(Failure::invalid(
                "affiliate",
                "a merchant is an affiliate, an upseller or both",
            ));
        }
        if self.origins.len() > 20 {
            return Err(Failure::invalid("origins", "at most 20 origins"));
        }
        for (i, origin) in self.origins.iter().enumerate() {
            validate::origin(&format!("origins[{i}]"), origin)?;
        }
        if let Some(url) = &self.handoff_url {
            validate::url("handoff_url", url)?;
        }
        if let Some(url) = &self.webhook_url {
            validate::url("webhook_url", url)?;
        }
        if let Some(url) = &self.quote_url {
            validate::url("quote_url", url)?;
        }
        let mut data = self.customer_data.clone();
        data.sort();
        data.dedup();
        if data.len() != self.customer_data.len() {
            return Err(Failure::invalid("customer_data", "names a kind twice"));
        }
        Ok(())
    }

    /// Whether it holds `data` for its customers.
    pub(crate) fn holds(&self, data: CustomerData) -> bool {
        self.customer_data.contains(&data)
    }
}

fn decode(row: MerchantRow) -> Result<Merchant, Failure> {
    Ok(Merchant {
        affiliate: row.is_affiliate != 0,
        upseller: row.is_upseller != 0,
        origins: serde_json::from_str(&row.origins)
            .map_err(|e| Failure::Internal(format!("stored origins: {e}")))?,
        verified_origins: serde_json::from_str(&row.verified_origins)
            .map_err(|e| Failure::Internal(format!("stored verified origins: {e}")))?,
        handoff_url_verified: row.handoff_url_verified_at.is_some(),
        webhook_url_verified: row.webhook_url_verified_at.is_some(),
        quote_url_verified: row.quote_url_verified_at.is_some(),
        quote_url: row.quote_url,
        id: row.id,
        name: row.name,
        handoff_url: row.handoff_url,
        webhook_url: row.webhook_url,
        handoff_format: match row.handoff_format.as_str() {
            "xml" => HandoffFormat::Xml,
            _ => HandoffFormat::Json,
        },
        customer_data: serde_json::from_str(&row.customer_data)
            .map_err(|e| Failure::Internal(format!("stored customer data: {e}")))?,
    })
}

/// The merchant's profile as the store writes it, its lists as JSON.
fn profile<'a>(merchant: &'a Merchant, lists: &'a Lists) -> Profile<'a> {
    Profile {
        id: &merchant.id,
        name: &merchant.name,
        affiliate: merchant.affiliate,
        upseller: merchant.upseller,
        origins: &lists.origins,
        handoff_url: merchant.handoff_url.as_deref(),
        webhook_url: merchant.webhook_url.as_deref(),
        quote_url: merchant.quote_url.as_deref(),
        handoff_format: merchant.handoff_format.as_str(),
        customer_data: &lists.customer_data,
    }
}

/// A profile's lists, as stored.
struct Lists {
    origins: String,
    customer_data: String,
}

fn lists(merchant: &Merchant) -> Result<Lists, Failure> {
    let json = |e: serde_json::Error| Failure::Internal(e.to_string());
    Ok(Lists {
        origins: serde_json::to_string(&merchant.origins).map_err(json)?,
        customer_data: serde_json::to_string(&merchant.customer_data).map_err(json)?,
    })
}

/// Creates a merchant and returns its API key, shown this once.
pub(crate) async fn create(db: &Db, merchant: &Merchant) -> Result<String, Failure> {
    create_with_key(db, merchant, &new_api_key()).await
}

/// Creates a merchant with a given API key (the demo data uses known keys).
pub(crate) async fn create_with_key(
    db: &Db,
    merchant: &Merchant,
    api_key: &str,
) -> Result<String, Failure> {
    let lists = lists(merchant)?;
    let at = now();
    let mut tx = db.writer.begin().await?;
    if !merchants::insert(
        &mut tx,
        &profile(merchant, &lists),
        &sha256_hex(api_key),
        at,
    )
    .await?
    {
        return Err(Failure::Conflict(format!(
            "merchant '{}' already exists",
            merchant.id
        )));
    }
    // The operator names these origins as it registers the merchant.
    merchants::write_origins(
        &mut tx,
        &merchant.id,
        &merchant.origins,
        new_secret_hex,
        Some(("operator", at)),
    )
    .await?;
    // The first of its API keys (`registry::api_keys` makes the others).
    let first = crate::store::api_keys::ApiKey {
        id: crate::ids::new_ordered_id("key"),
        label: "registration".into(),
        created_by: "operator".into(),
        created_at: at,
        revoked_at: None,
    };
    crate::store::api_keys::insert(&mut *tx, &merchant.id, &first, &sha256_hex(api_key)).await?;
    super::commit(db, tx, Some(&merchant.id)).await?;
    Ok(api_key.to_owned())
}

/// Replaces a merchant's profile (not its id or key).
pub(crate) async fn update(db: &Db, merchant: &Merchant) -> Result<(), Failure> {
    let lists = lists(merchant)?;
    let mut tx = db.writer.begin().await?;
    if !merchants::update(&mut tx, &profile(merchant, &lists), now()).await? {
        return Err(Failure::NotFound(format!("no merchant '{}'", merchant.id)));
    }
    // Origins still declared keep their proof; dropped ones go; new ones
    // wait for theirs.
    merchants::write_origins(
        &mut tx,
        &merchant.id,
        &merchant.origins,
        new_secret_hex,
        None,
    )
    .await?;
    super::commit(db, tx, Some(&merchant.id)).await?;
    Ok(())
}

/// Sets a merchant's roles (the operator's call, never the merchant's); one
/// that is no longer an upseller ends the agreements it gave.
pub(crate) async fn set_roles(
    db: &Db,
    id: &str,
    affiliate: bool,
    upseller: bool,
) -> Result<(), Failure> {
    let mut tx = db.writer.begin().await?;
    if !merchants::set_roles(&mut tx, id, affiliate, upseller, now()).await? {
        return Err(Failure::NotFound(format!("no merchant '{id}'")));
    }
    // Roles and the agreements they end are read for other merchants too.
    super::commit(db, tx, None).await
}

/// Deletes a merchant and everything it keeps.
pub(crate) async fn delete(db: &Db, id: &str) -> Result<bool, Failure> {
    let mut tx = db.writer.begin().await?;
    let deleted = merchants::delete(&mut tx, id, now()).await?;
    crate::store::people::delete_merchant_people(&mut tx, id).await?;
    crate::store::api_keys::delete_of(&mut tx, id).await?;
    crate::store::previews::delete_of(&mut tx, id).await?;
    crate::store::audit::delete_of(&mut tx, id).await?;
    super::commit(db, tx, None).await?;
    Ok(deleted)
}

/// The merchant with this id (kept in memory until it changes).
pub(crate) async fn by_id(db: &Db, id: &str) -> Result<Option<Arc<Merchant>>, Failure> {
    db.cache
        .get_or_load_found(id, "merchant", "", by_id_stored(db, id))
        .await
}

/// The merchant as stored now, for the calls that move money or customer
/// data (where to send a handoff or a webhook): never a cached answer.
pub(crate) async fn by_id_stored(db: &Db, id: &str) -> Result<Option<Merchant>, Failure> {
    merchants::by_id(&db.store, id)
        .await?
        .map(decode)
        .transpose()
}

/// The merchant whose API key this is.
pub(crate) async fn by_api_key(db: &Db, api_key: &str) -> Result<Option<Merchant>, Failure> {
    merchants::by_api_key_sha256(&db.pool, &sha256_hex(api_key))
        .await?
        .map(decode)
        .transpose()
}
