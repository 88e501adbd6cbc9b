//! `GET /v1/admin/stats`: how the caller's reason codes perform, from the event log.

use super::auth::MerchantAuth;
use std::collections::BTreeMap;

use axum::{Json, extract::State};
use serde::Serialize;

use crate::{failure::Failure, state::AppState, store};

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
    let tallies = store::stats::tallies(&state.db.pool, &me.id).await?;
    let mut total = Counts::default();
    let mut per_code: BTreeMap<String, Counts> = BTreeMap::new();
    let mut revenue: BTreeMap<(String, String), i64> = BTreeMap::new();
    for tally in tallies {
        let counts = per_code.entry(tally.reason_code.clone()).or_default();
        for c in [&mut total, counts] {
            match tally.kind.as_str() {
                "shown" => c.shown += tally.count,
                "viewed" => c.viewed += tally.count,
                "declined" => c.declined += tally.count,
                "accepted" => c.accepted += tally.count,
                _ => {}
            }
        }
        if tally.kind == "accepted" {
            *revenue
                .entry((tally.reason_code, tally.currency))
                .or_default() += tally.amount_minor;
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
