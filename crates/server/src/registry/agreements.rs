//! Upsellers' agreements: the handoff modes, and the commission, on which an
//! upseller lets one affiliate sell its items. The upseller gives, changes
//! and withdraws them; `trust::permit` reads them each time money may move.

use postsale_protocol::HandoffMode;
use serde::Serialize;
use sqlx::Row;

pub(crate) use crate::domain::AgreementStatus;
use crate::{db::Db, failure::Failure, ids::now};

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

const AGREEMENT_COLUMNS: &str =
    "upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at";

fn decode_agreement(row: &sqlx::any::AnyRow) -> Result<Agreement, Failure> {
    let modes: String = row.try_get("modes")?;
    let modes: Vec<String> = serde_json::from_str(&modes)
        .map_err(|e| Failure::Internal(format!("stored agreement modes: {e}")))?;
    Ok(Agreement {
        upseller: row.try_get("upseller_id")?,
        affiliate: row.try_get("affiliate_id")?,
        modes: modes.iter().filter_map(|m| HandoffMode::parse(m)).collect(),
        commission_bps: u32::try_from(row.try_get::<i64, _>("commission_bps")?)
            .map_err(|_| Failure::Internal("stored commission".into()))?,
        status: AgreementStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
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
    sqlx::query(
        "INSERT INTO agreements (upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $6, $5, $5) \
         ON CONFLICT (upseller_id, affiliate_id) DO UPDATE SET modes = $3, commission_bps = $4, status = $6, updated_at = $5",
    )
    .bind(upseller)
    .bind(affiliate)
    .bind(&modes)
    .bind(i64::from(terms.commission_bps))
    .bind(now())
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut *tx)
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
    let moved = sqlx::query(
        "UPDATE agreements SET status = $4, updated_at = $1 WHERE upseller_id = $2 AND affiliate_id = $3 AND status = $5",
    )
    .bind(now())
    .bind(upseller)
    .bind(affiliate)
    .bind(AgreementStatus::Revoked.as_str())
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
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
    let row = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE upseller_id = $1 AND affiliate_id = $2"
    ))
    .bind(upseller)
    .bind(affiliate)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(decode_agreement).transpose()
}

/// The agreements `merchant` is a party of, as upseller or as affiliate.
pub(crate) async fn agreements_of(db: &Db, merchant: &str) -> Result<Vec<Agreement>, Failure> {
    let rows = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE upseller_id = $1 OR affiliate_id = $1 \
         ORDER BY upseller_id, affiliate_id LIMIT 500"
    ))
    .bind(merchant)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(decode_agreement).collect()
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
