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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The form the hub's handoff call takes: JSON, or XML for affiliates
    /// whose backends speak it (the same fields, see the README).
    #[serde(default)]
    pub(crate) handoff_format: HandoffFormat,
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
        Ok(())
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
        id: row.id,
        name: row.name,
        handoff_url: row.handoff_url,
        webhook_url: row.webhook_url,
        handoff_format: match row.handoff_format.as_str() {
            "xml" => HandoffFormat::Xml,
            _ => HandoffFormat::Json,
        },
    })
}

/// The merchant's profile as the store writes it, its origins as JSON.
fn profile<'a>(merchant: &'a Merchant, origins: &'a str) -> Profile<'a> {
    Profile {
        id: &merchant.id,
        name: &merchant.name,
        affiliate: merchant.affiliate,
        upseller: merchant.upseller,
        origins,
        handoff_url: merchant.handoff_url.as_deref(),
        webhook_url: merchant.webhook_url.as_deref(),
        handoff_format: merchant.handoff_format.as_str(),
    }
}

fn origins_json(merchant: &Merchant) -> Result<String, Failure> {
    serde_json::to_string(&merchant.origins).map_err(|e| Failure::Internal(e.to_string()))
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
    let origins = origins_json(merchant)?;
    let at = now();
    let mut tx = db.writer.begin().await?;
    if !merchants::insert(
        &mut tx,
        &profile(merchant, &origins),
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
    super::commit(db, tx, Some(&merchant.id)).await?;
    Ok(api_key.to_owned())
}

/// Replaces a merchant's profile (not its id or key).
pub(crate) async fn update(db: &Db, merchant: &Merchant) -> Result<(), Failure> {
    let origins = origins_json(merchant)?;
    let mut tx = db.writer.begin().await?;
    if !merchants::update(&mut tx, &profile(merchant, &origins), now()).await? {
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
    merchants::by_id(&db.pool, id)
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
