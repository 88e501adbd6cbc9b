//! The sandbox processor's own tables: the card references it made (the
//! last four digits and how the test card behaves, never the number), its
//! charges by idempotency key, and its refunds.

use super::{Store, StoreError, plan::Statement};

/// Stores a card reference made for `opportunity_id`.
pub(crate) async fn insert_method(
    writer: &sqlx::AnyPool,
    reference: &str,
    opportunity_id: &str,
    last4: &str,
    behaviour: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sandbox_methods (reference, opportunity_id, last4, behaviour, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(reference)
    .bind(opportunity_id)
    .bind(last4)
    .bind(behaviour)
    .bind(at)
    .execute(writer)
    .await?;
    Ok(())
}

/// Whether `reference` was made for `opportunity_id`.
pub(crate) async fn method_for(
    store: &Store,
    reference: &str,
    opportunity_id: &str,
) -> Result<bool, StoreError> {
    let query = Statement {
        sql: "SELECT reference FROM sandbox_methods WHERE reference = $1 AND opportunity_id = $2",
        values: vec![reference.into(), opportunity_id.into()],
    };
    let found = store
        .one(query, |row| row.get::<String>("reference"))
        .await?;
    Ok(found.is_some())
}

/// What an idempotency key charged before (its charge id and outcome, if
/// any), and how the reference behaves (if the sandbox made it), in one
/// read.
pub(crate) async fn before_charge(
    store: &Store,
    key: &str,
    reference: &str,
) -> Result<(Option<(String, String)>, Option<String>), StoreError> {
    let query = Statement {
        sql: "SELECT c.charge_id, c.outcome, (SELECT behaviour FROM sandbox_methods WHERE reference = $2) AS behaviour \
              FROM (SELECT 1 AS one) AS x LEFT JOIN sandbox_charges c ON c.idempotency_key = $1",
        values: vec![key.into(), reference.into()],
    };
    let found = store
        .one(query, |row| {
            let charge_id: Option<String> = row.get("charge_id")?;
            let outcome: Option<String> = row.get("outcome")?;
            Ok((charge_id.zip(outcome), row.get("behaviour")?))
        })
        .await?;
    Ok(found.unwrap_or((None, None)))
}

/// The charge id and outcome stored under an idempotency key.
pub(crate) async fn charge(
    store: &Store,
    key: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let query = Statement {
        sql: "SELECT charge_id, outcome FROM sandbox_charges WHERE idempotency_key = $1",
        values: vec![key.into()],
    };
    store
        .one(query, |row| {
            Ok((row.get("charge_id")?, row.get("outcome")?))
        })
        .await
}

/// A charge about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewCharge<'a> {
    pub(crate) key: &'a str,
    pub(crate) charge_id: &'a str,
    pub(crate) reference: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
    /// `charged`, `declined` or `failed`.
    pub(crate) outcome: &'a str,
    pub(crate) at: i64,
}

/// Stores a charge unless its key has one, as a statement of a write plan.
pub(crate) fn inserting_charge(charge: &NewCharge<'_>) -> Statement {
    Statement {
        sql: "INSERT INTO sandbox_charges (idempotency_key, charge_id, reference, amount_minor, currency, outcome, refunded, created_at) \
              VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT DO NOTHING",
        values: vec![
            charge.key.into(),
            charge.charge_id.into(),
            charge.reference.into(),
            charge.amount_minor.into(),
            charge.currency.into(),
            charge.outcome.into(),
            charge.at.into(),
        ],
    }
}

/// How a refund ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refunded {
    /// Refunded now.
    Now,
    /// Refunded before under this key: that outcome stands.
    Before,
    /// More than is left of the charge, or not a charge in this currency.
    Refused,
}

/// Refunds `amount_minor` of a charge under an idempotency key, once per
/// key and never more than is left, in one transaction.
pub(crate) async fn refund(
    writer: &sqlx::AnyPool,
    charge_id: &str,
    amount_minor: i64,
    currency: &str,
    key: &str,
    at: i64,
) -> Result<Refunded, StoreError> {
    let mut tx = writer.begin().await?;
    let first = sqlx::query(
        "INSERT INTO sandbox_refunds (idempotency_key, charge_id, amount_minor, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key)
    .bind(charge_id)
    .bind(amount_minor)
    .bind(at)
    .execute(&mut *tx)
    .await;
    match first {
        Err(err) if super::is_unique_violation(&err) => return Ok(Refunded::Before),
        other => {
            other?;
        }
    }
    let done = sqlx::query(
        "UPDATE sandbox_charges SET refunded_minor = refunded_minor + $1, refunded = 1 \
         WHERE charge_id = $2 AND outcome = 'charged' AND currency = $3 AND refunded_minor + $1 <= amount_minor",
    )
    .bind(amount_minor)
    .bind(charge_id)
    .bind(currency)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Refunded::Refused);
    }
    tx.commit().await?;
    Ok(Refunded::Now)
}
