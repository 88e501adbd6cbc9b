//! Agreement rows: the handoff modes (a JSON list of their names) and the
//! commission on which an upseller lets one affiliate sell its items.

use super::{Store, StoreError, plan::Statement, read::Columns};
use crate::domain::AgreementStatus;

/// An agreement as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct AgreementRow {
    #[sqlx(rename = "upseller_id")]
    pub(crate) upseller: String,
    #[sqlx(rename = "affiliate_id")]
    pub(crate) affiliate: String,
    /// The modes' names, as a JSON list.
    pub(crate) modes: String,
    pub(crate) commission_bps: i64,
    pub(crate) status: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

macro_rules! columns {
    () => {
        "upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at"
    };
}

const COLUMNS: &str = columns!();

impl AgreementRow {
    fn read(row: &Columns<'_>) -> Result<Self, StoreError> {
        Ok(Self {
            upseller: row.get("upseller_id")?,
            affiliate: row.get("affiliate_id")?,
            modes: row.get("modes")?,
            commission_bps: row.get("commission_bps")?,
            status: row.get("status")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// Inside the caller's transaction: grants (or replaces, active again) the
/// upseller's agreement for one affiliate.
pub(crate) async fn grant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    upseller: &str,
    affiliate: &str,
    modes: &str,
    commission_bps: u32,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agreements (upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $6, $5, $5) \
         ON CONFLICT (upseller_id, affiliate_id) DO UPDATE SET modes = $3, commission_bps = $4, status = $6, updated_at = $5",
    )
    .bind(upseller)
    .bind(affiliate)
    .bind(modes)
    .bind(i64::from(commission_bps))
    .bind(at)
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inside the caller's transaction: revokes the active agreement; false
/// when there was none.
pub(crate) async fn withdraw(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    upseller: &str,
    affiliate: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let moved = sqlx::query(
        "UPDATE agreements SET status = $4, updated_at = $1 WHERE upseller_id = $2 AND affiliate_id = $3 AND status = $5",
    )
    .bind(at)
    .bind(upseller)
    .bind(affiliate)
    .bind(AgreementStatus::Revoked.as_str())
    .bind(AgreementStatus::Active.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// The agreement between these two, active or not.
pub(crate) async fn between(
    store: &Store,
    upseller: &str,
    affiliate: &str,
) -> Result<Option<AgreementRow>, StoreError> {
    let query = Statement {
        sql: concat!(
            "SELECT ",
            columns!(),
            " FROM agreements WHERE upseller_id = $1 AND affiliate_id = $2"
        ),
        values: vec![upseller.into(), affiliate.into()],
    };
    store.one(query, AgreementRow::read).await
}

/// Up to 500 agreements `merchant` is a party of, as upseller or affiliate.
pub(crate) async fn of(
    pool: &sqlx::AnyPool,
    merchant: &str,
) -> Result<Vec<AgreementRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM agreements WHERE upseller_id = $1 OR affiliate_id = $1 \
         ORDER BY upseller_id, affiliate_id LIMIT 500"
    ))
    .bind(merchant)
    .fetch_all(pool)
    .await?)
}
