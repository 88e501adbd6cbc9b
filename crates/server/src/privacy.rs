//! Personal data is kept only as long as it is needed. The customer's name,
//! e-mail and postal address reach the hub only to be forwarded to the
//! upseller in an order's webhook (a shipping address also on the
//! opportunity and the order until then); the consent receipt keeps the
//! browser's user agent. All are erased:
//!
//! - after the retention (`--retention-days`, 90 by default) once the
//!   webhook was delivered or given up on;
//! - at once, for one customer token, when its affiliate asks
//!   (`POST /v1/admin/customers/erase`).
//!
//! Orders, amounts, items, consent receipts (the disclosure and what was
//! agreed to) and settlements stay: the law asks to keep those records and
//! to erase the rest. The customer token is the affiliate's pseudonym and
//! stays with them.

use serde_json::Value;

use crate::{
    failure::Failure,
    ids::now,
    state::AppState,
    store::{
        consent, orders,
        webhooks::{self, Unerased},
    },
};

/// What one erasure changed.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Erased {
    /// Webhook bodies whose customer data was removed.
    pub(crate) webhooks: u64,
    /// Consent receipts whose user agent was removed.
    pub(crate) consent_receipts: u64,
    /// Opportunities and orders whose shipping address was removed.
    pub(crate) addresses: u64,
}

/// Removes the customer's personal data from a webhook body, keeping the
/// order: `customer` and `ship_to` become null (a body that is not JSON, which
/// the hub never writes, is replaced whole).
fn scrub(body: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(body) else {
        return serde_json::json!({"personal_data_erased": true}).to_string();
    };
    if let Some(order) = value.get_mut("order").and_then(Value::as_object_mut) {
        for field in ["customer", "ship_to"] {
            if order.contains_key(field) {
                order.insert(field.to_owned(), Value::Null);
            }
        }
    }
    value["personal_data_erased"] = Value::Bool(true);
    value.to_string()
}

/// Scrubs the webhooks given; how many this call changed.
async fn scrub_all(state: &AppState, found: Vec<Unerased>) -> Result<u64, Failure> {
    let mut erased = 0;
    for webhook in found {
        if webhooks::erase(&state.db.writer, &webhook.id, &scrub(&webhook.body), now()).await? {
            erased += 1;
        }
    }
    Ok(erased)
}

/// Erases what the hub keeps about `customer_token` of `affiliate`, at once.
pub(crate) async fn erase_customer(
    state: &AppState,
    affiliate: &str,
    customer_token: &str,
) -> Result<Erased, Failure> {
    let found = webhooks::unerased_of_customer(&state.db.pool, affiliate, customer_token).await?;
    let webhooks = scrub_all(state, found).await?;
    let consent_receipts =
        consent::forget_user_agents_of_customer(&state.db.writer, affiliate, customer_token)
            .await?;
    let addresses =
        orders::forget_addresses_of_customer(&state.db.writer, affiliate, customer_token).await?;
    tracing::info!(%affiliate, webhooks, consent_receipts, addresses, "erased a customer's personal data");
    Ok(Erased {
        webhooks,
        consent_receipts,
        addresses,
    })
}

/// Erases what is past the retention: webhooks delivered (or given up on)
/// and consent receipts' user agents, `retention_secs` after.
pub(crate) async fn expire(state: &AppState, retention_secs: i64) -> Result<Erased, Failure> {
    let cutoff = now().saturating_sub(retention_secs);
    let found = webhooks::unerased_done_by(&state.db.pool, cutoff, 500).await?;
    let webhooks = scrub_all(state, found).await?;
    let consent_receipts = consent::forget_user_agents_by(&state.db.writer, cutoff).await?;
    let addresses = orders::forget_addresses_by(&state.db.writer, cutoff).await?;
    // Console sessions and invitations a day after they ended, previews
    // once they end: nothing reads them then, whatever the retention.
    crate::store::people::sweep(&state.db.writer, now() - 24 * 3600).await?;
    crate::store::previews::sweep(&state.db.writer, now()).await?;
    Ok(Erased {
        webhooks,
        consent_receipts,
        addresses,
    })
}

/// Erases what passed the retention, every ten minutes (more often for a
/// retention shorter than that).
pub(crate) fn spawn(state: AppState, retention: std::time::Duration) {
    let retention_secs = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let every = retention
        .min(std::time::Duration::from_secs(600))
        .max(std::time::Duration::from_secs(1));
    tokio::spawn(async move {
        loop {
            match expire(&state, retention_secs).await {
                Ok(erased) if erased.webhooks + erased.consent_receipts + erased.addresses > 0 => {
                    tracing::info!(
                        webhooks = erased.webhooks,
                        "erased personal data past its retention"
                    );
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "erasing personal data past its retention failed")
                }
            }
            tokio::time::sleep(every).await;
        }
    });
}
