//! Consent proofs: what a customer's click inside the hub's frame proved
//! (this opportunity, these items, this amount, this disclosure), kept by
//! the proof's digest until one accept claims it.

use super::{Store, StoreError, plan::Statement};

/// A proof about to be stored.
#[derive(Debug, Clone)]
pub(crate) struct NewProof<'a> {
    pub(crate) proof_sha256: &'a str,
    pub(crate) opportunity_id: &'a str,
    pub(crate) items_sha256: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) disclosure_sha256: &'a str,
    /// Which frame the click came from (a prefix of its token's digest).
    pub(crate) frame: &'a str,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
}

/// A proof as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredProof {
    pub(crate) opportunity_id: String,
    pub(crate) items_sha256: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) disclosure_sha256: String,
    pub(crate) expires_at: i64,
    /// When an accept claimed it; `None` while unused.
    pub(crate) used_at: Option<i64>,
}

/// Claims the consent proof whose digest is `proof_sha256` at `at`: it
/// changes no row when the proof was used.
pub(crate) fn claiming(proof_sha256: &str, at: i64) -> Statement {
    Statement {
        sql: "UPDATE consent_proofs SET used_at = $1 WHERE proof_sha256 = $2 AND used_at IS NULL",
        values: vec![at.into(), proof_sha256.into()],
    }
}

/// Stores `proof`.
pub(crate) async fn insert(pool: &sqlx::AnyPool, proof: &NewProof<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consent_proofs (proof_sha256, opportunity_id, items_sha256, amount_minor, currency, \
         disclosure_sha256, frame, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(proof.proof_sha256)
    .bind(proof.opportunity_id)
    .bind(proof.items_sha256)
    .bind(proof.amount_minor)
    .bind(proof.currency)
    .bind(proof.disclosure_sha256)
    .bind(proof.frame)
    .bind(proof.created_at)
    .bind(proof.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The proof whose digest is `proof_sha256`, if one is stored.
pub(crate) async fn by_digest(
    store: &Store,
    proof_sha256: &str,
) -> Result<Option<StoredProof>, StoreError> {
    let query = Statement {
        sql: "SELECT opportunity_id, items_sha256, amount_minor, currency, disclosure_sha256, expires_at, used_at \
              FROM consent_proofs WHERE proof_sha256 = $1",
        values: vec![proof_sha256.into()],
    };
    store
        .one(query, |row| {
            Ok(StoredProof {
                opportunity_id: row.get("opportunity_id")?,
                items_sha256: row.get("items_sha256")?,
                amount_minor: row.get("amount_minor")?,
                currency: row.get("currency")?,
                disclosure_sha256: row.get("disclosure_sha256")?,
                expires_at: row.get("expires_at")?,
                used_at: row.get("used_at")?,
            })
        })
        .await
}

/// Removes the user agent from the consent receipts of `affiliate`'s orders
/// for `customer_token`; how many changed.
pub(crate) async fn forget_user_agents_of_customer(
    writer: &sqlx::AnyPool,
    affiliate: &str,
    customer_token: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE consent_receipts SET user_agent = NULL WHERE user_agent IS NOT NULL AND order_id IN \
         (SELECT id FROM orders WHERE customer_token = $1 AND affiliate_id = $2)",
    )
    .bind(customer_token)
    .bind(affiliate)
    .execute(writer)
    .await?
    .rows_affected())
}

/// Removes the user agent from consent receipts written by `cutoff`; how
/// many changed.
pub(crate) async fn forget_user_agents_by(
    writer: &sqlx::AnyPool,
    cutoff: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE consent_receipts SET user_agent = NULL WHERE user_agent IS NOT NULL AND at <= $1",
    )
    .bind(cutoff)
    .execute(writer)
    .await?
    .rows_affected())
}

/// A consent receipt about to be stored with its pending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewReceipt<'a> {
    pub(crate) order_id: &'a str,
    pub(crate) opportunity_id: &'a str,
    pub(crate) disclosure_sha256: &'a str,
    pub(crate) disclosure_text: &'a str,
    /// The items consented to, as JSON.
    pub(crate) items: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) action: &'a str,
    pub(crate) proof: &'a str,
    pub(crate) user_agent: Option<&'a str>,
    pub(crate) at: i64,
}

/// Stores `receipt`, as a statement of a write plan.
pub(crate) fn inserting_receipt(receipt: &NewReceipt<'_>) -> Statement {
    Statement {
        sql: "INSERT INTO consent_receipts (order_id, opportunity_id, disclosure_sha256, disclosure_text, items, amount_minor, \
              currency, action, proof, user_agent, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        values: vec![
            receipt.order_id.into(),
            receipt.opportunity_id.into(),
            receipt.disclosure_sha256.into(),
            receipt.disclosure_text.into(),
            receipt.items.into(),
            receipt.amount_minor.into(),
            receipt.currency.into(),
            receipt.action.into(),
            receipt.proof.into(),
            receipt.user_agent.map(str::to_owned).into(),
            receipt.at.into(),
        ],
    }
}
