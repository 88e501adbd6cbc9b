//! `GET /v1/admin/stats`: how the caller's reason codes perform, from the event log.

use super::auth::MerchantAuth;
use std::collections::BTreeMap;

use axum::{Json, extract::State};
use serde::Serialize;
use sqlx::Row;

use crate::{failure::Failure, state::AppState};

/// Counts for one reason code (or the whole affiliate).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub(crate) struct Counts {
    shown: i64,
    viewed: i64,
    declined: i64,
    accepted: i64,
    /// `accepted / shown`, 0 when nothing was shown.
    acceptance_rate: f64,
    /// Accepted amounts per currency, as decimal strings.
    revenue: BTreeMap<String, String>,
}

/// The statistics answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Stats {
    affiliate: String,
    total: Counts,
    reason_codes: BTreeMap<String, Counts>,
}

/// `GET /v1/admin/stats`.
#[utoipa::path(get, path = "/v1/admin/stats", tag = "admin", security(("api_key" = [])),
    responses((status = 200, description = "per reason code and in total", body = Stats)))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn get(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<Json<Stats>, Failure> {
    let rows = sqlx::query(
        "SELECT reason_code, 'shown' AS kind, currency, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount FROM opportunities \
         WHERE affiliate_id = $1 GROUP BY reason_code, currency \
         UNION ALL \
         SELECT reason_code, kind, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS amount FROM events \
         WHERE affiliate_id = $1 GROUP BY reason_code, kind, currency",
    )
    .bind(&me.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut total = Counts::default();
    let mut per_code: BTreeMap<String, Counts> = BTreeMap::new();
    let mut revenue: BTreeMap<(String, String), i64> = BTreeMap::new();
    for row in rows {
        let code: String = row.try_get("reason_code")?;
        let kind: String = row.try_get("kind")?;
        let n: i64 = row.try_get("n")?;
        let counts = per_code.entry(code.clone()).or_default();
        for c in [&mut total, counts] {
            match kind.as_str() {
                "shown" => c.shown += n,
                "viewed" => c.viewed += n,
                "declined" => c.declined += n,
                "accepted" => c.accepted += n,
                _ => {}
            }
        }
        if kind == "accepted" {
            let currency: String = row.try_get("currency")?;
            let amount: i64 = row.try_get("amount")?;
            *revenue.entry((code, currency)).or_default() += amount;
        }
    }
    let mut totals_by_currency: BTreeMap<String, i64> = BTreeMap::new();
    for ((code, currency), minor) in revenue {
        *totals_by_currency.entry(currency.clone()).or_default() += minor;
        if let Some(c) = per_code.get_mut(&code) {
            c.revenue
                .insert(currency.clone(), decimal(minor, &currency));
        }
    }
    total.revenue = totals_by_currency
        .iter()
        .map(|(c, m)| (c.clone(), decimal(*m, c)))
        .collect();
    for c in per_code.values_mut().chain(std::iter::once(&mut total)) {
        c.acceptance_rate = if c.shown == 0 {
            0.0
        } else {
            c.accepted as f64 / c.shown as f64
        };
    }
    Ok(Json(Stats {
        affiliate: me.id,
        total,
        reason_codes: per_code,
    }))
}

fn decimal(minor: i64, currency: &str) -> String {
    postsale_protocol::CurrencyCode::parse(currency)
        .ok()
        .and_then(|c| postsale_protocol::Money::from_minor(minor, c).ok())
        .map_or_else(|| minor.to_string(), |m| m.decimal())
}
