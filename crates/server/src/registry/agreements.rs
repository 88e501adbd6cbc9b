//! Upsellers' agreements: the handoff modes, and the commission, on which an
//! upseller lets one affiliate sell its items. The upseller gives, changes
//! and withdraws them; `trust::permit` reads them each time money may move.

use postsale_protocol::HandoffMode;
use serde::Serialize;

pub(crate) use crate::domain::AgreementStatus;
use crate::{
    db::Db,
    failure::Failure,
    ids::now,
    store::agreements::{self, AgreementRow},
};

/// The terms on which an upseller lets one affiliate sell its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Agreement {
    pub(crate) upseller: String,
    pub(crate) affiliate: String,
    /// The handoff modes the affiliate may sell in; `merchant_of_record`
    /// only when the upseller listed it.
    pub(crate) modes: Vec<HandoffMode>,
    /// The affiliate's share of each sale, in basis points (0 to 10000).
    pub(crate) commission_bps: u32,
    pub(crate) status: AgreementStatus,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// What an upseller sends to grant or change an agreement.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreementTerms {
    /// At least one handoff mode, each once.
    #[schema(min_items = 1)]
    pub(crate) modes: Vec<HandoffMode>,
    /// The affiliate's share, in basis points (0 to 10000).
    #[serde(default)]
    #[schema(maximum = 10_000)]
    pub(crate) commission_bps: u32,
}

impl AgreementTerms {
    /// Field checks.
    pub(crate) fn check(&self) -> Result<(), Failure> {
        if self.modes.is_empty() {
            return Err(Failure::invalid("modes", "name at least one handoff mode"));
        }
        for (i, mode) in self.modes.iter().enumerate() {
            if self.modes[..i].contains(mode) {
                return Err(Failure::invalid(format!("modes[{i}]"), "is listed twice"));
            }
        }
        if self.commission_bps > 10_000 {
            return Err(Failure::invalid(
                "commission_bps",
                "must be 0 to 10000 (100%)",
            ));
        }
        Ok(())
    }
}

fn decode_agreement(row: AgreementRow) -> Result<Agreement, Failure> {
    let modes: Vec<String> = serde_json::from_str(&row.modes)
        .map_err(|e| Failure::Internal(format!("stored agreement modes: {e}")))?;
    Ok(Agreement {
        modes: modes.iter().filter_map(|m| HandoffMode::parse(m)).collect(),
        commission_bps: u32::try_from(row.commission_bps)
            .map_err(|_| Failure::Internal("stored commission".into()))?,
        status: AgreementStatus::parse(&row.status)?,
        upseller: row.upseller,
        affiliate: row.affiliate,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Grants (or replaces) the upseller's agreement for one affiliate.
pub(crate) async fn grant(
    db: &Db,
    upseller: &str,
    affiliate: &str,
    terms: &AgreementTerms,
) -> Result<Agreement, Failure> {
    let modes: Vec<&str> = terms.modes.iter().map(HandoffMode::as_str).collect();
    let modes = serde_json::to_string(&modes).map_err(|e| Failure::Internal(e.to_string()))?;
    let mut tx = db.writer.begin().await?;
    agreements::grant(
        &mut tx,
        upseller,
        affiliate,
        &modes,
        terms.commission_bps,
        now(),
    )
    .await?;
    // Permits are read under the affiliate and name the upseller: a change
    // of terms reaches every hub's reads.
    super::commit(db, tx, None).await?;
    agreement(db, upseller, affiliate)
        .await?
        .ok_or_else(|| Failure::Internal("agreement vanished after its write".into()))
}

/// Ends an agreement; it stays readable, revoked. False when there was none.
pub(crate) async fn withdraw(db: &Db, upseller: &str, affiliate: &str) -> Result<bool, Failure> {
    let mut tx = db.writer.begin().await?;
    if !agreements::withdraw(&mut tx, upseller, affiliate, now()).await? {
        return Ok(false);
    }
    super::commit(db, tx, None).await?;
    Ok(true)
}

/// The agreement between these two, active or not.
pub(crate) async fn agreement(
    db: &Db,
    upseller: &str,
    affiliate: &str,
) -> Result<Option<Agreement>, Failure> {
    agreements::between(&db.store, upseller, affiliate)
        .await?
        .map(decode_agreement)
        .transpose()
}

/// The agreements `merchant` is a party of, as upseller or as affiliate.
pub(crate) async fn agreements_of(db: &Db, merchant: &str) -> Result<Vec<Agreement>, Failure> {
    agreements::of(&db.pool, merchant)
        .await?
        .into_iter()
        .map(decode_agreement)
        .collect()
}

/// The affiliate's commission on the upseller's sales, from their agreement
/// as it stands (withdrawn or not: an order accepted under it keeps its
/// terms); none for a merchant selling its own items.
pub(crate) async fn commission_bps(
    db: &Db,
    affiliate: &str,
    upseller: &str,
) -> Result<u32, Failure> {
    if affiliate == upseller {
        return Ok(0);
    }
    Ok(agreement(db, upseller, affiliate)
        .await?
        .map_or(0, |a| a.commission_bps))
}
