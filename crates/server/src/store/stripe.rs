//! The Stripe gateway's tables: the cards it attached for an opportunity
//! (Stripe's ids only), each order's one PaymentIntent, and the processor
//! events already acted on.

use super::StoreError;

/// Records that `reference` (`cus_.../card_...`) was entered for
/// `opportunity_id`.
pub(crate) async fn insert_card(
    writer: &sqlx::AnyPool,
    reference: &str,
    opportunity_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO stripe_cards (reference, opportunity_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(reference)
    .bind(opportunity_id)
    .bind(at)
    .execute(writer)
    .await?;
    Ok(())
}

/// Whether `reference` was entered for `opportunity_id`.
pub(crate) async fn card_for(
    pool: &sqlx::AnyPool,
    reference: &str,
    opportunity_id: &str,
) -> Result<bool, StoreError> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT reference FROM stripe_cards WHERE reference = $1 AND opportunity_id = $2",
    )
    .bind(reference)
    .bind(opportunity_id)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The intent recorded for `order_id`, and when.
pub(crate) async fn intent_of(
    pool: &sqlx::AnyPool,
    order_id: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT intent_id, created_at FROM stripe_intents WHERE order_id = $1")
            .bind(order_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Records `intent_id` as the order's intent; false when the order has one.
pub(crate) async fn record_intent(
    writer: &sqlx::AnyPool,
    order_id: &str,
    intent_id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO stripe_intents (order_id, intent_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order_id)
    .bind(intent_id)
    .bind(at)
    .execute(writer)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The order whose intent `intent_id` is.
pub(crate) async fn order_of_intent(
    pool: &sqlx::AnyPool,
    intent_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT order_id FROM stripe_intents WHERE intent_id = $1")
            .bind(intent_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Notes a processor's event; false when it was noted before.
pub(crate) async fn note_event(
    writer: &sqlx::AnyPool,
    id: &str,
    kind: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO processor_events (id, kind, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .bind(at)
    .execute(writer)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Forgets a noted event, so a redelivery is acted on (its handling failed).
pub(crate) async fn forget_event(writer: &sqlx::AnyPool, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM processor_events WHERE id = $1")
        .bind(id)
        .execute(writer)
        .await?;
    Ok(())
}
