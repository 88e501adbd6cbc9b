//! `GET /v1/admin/stats`: how the caller's reason codes perform, from the event log.

use super::auth::MerchantAuth;
use std::collections::BTreeMap;

use axum::{Json, extract::State};
use serde::Serialize;

use crate::{failure::Failure, report::decimal, state::AppState, store};

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

/// `GET /v1/admin/stats/report?to=YYYY-MM-DD&days=N&side=affiliate|upseller`:
/// the console's overview (see `report.rs`).
#[utoipa::path(get, path = "/v1/admin/stats/report", tag = "admin", security(("api_key" = [])),
    params(
        ("to" = Option<String>, Query, description = "the window's last day (UTC), YYYY-MM-DD; today by default"),
        ("days" = Option<u32>, Query, description = "how many days the window holds, 1 to 366; 30 by default"),
        ("side" = Option<String>, Query, description = "`affiliate` (the merchant's pages showed the offers) or `upseller` (its items were offered); its first role by default; a role it does not have counts nothing"),
    ),
    responses((status = 200, description = "the report", body = postsale_protocol::Report), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn report(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Json<postsale_protocol::Report>, Failure> {
    use crate::report::{MAX_DAYS, parse_date};
    use crate::store::stats::Side;
    let mut asked: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !matches!(&*key, "to" | "days" | "side") {
            return Err(Failure::Malformed {
                detail: format!(
                    "unknown parameter '{}'; use to, days and side",
                    key.chars().take(40).collect::<String>()
                ),
                field: None,
            });
        }
        if asked
            .insert(key.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(Failure::Malformed {
                detail: format!("'{key}' is given twice"),
                field: Some(key.into_owned()),
            });
        }
    }
    let last = match asked.get("to") {
        Some(to) => parse_date("to", to)?,
        None => crate::ids::now().div_euclid(86_400),
    };
    let days = match asked.get("days") {
        Some(days) => days
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=MAX_DAYS).contains(d))
            .ok_or_else(|| {
                Failure::invalid("days", format!("must be a whole number, 1 to {MAX_DAYS}"))
            })?,
        None => 30,
    };
    let side = match asked.get("side").map(String::as_str) {
        None if me.affiliate => Side::Affiliate,
        None => Side::Upseller,
        Some("affiliate") => Side::Affiliate,
        Some("upseller") => Side::Upseller,
        Some(_) => return Err(Failure::invalid("side", "must be affiliate or upseller")),
    };
    Ok(Json(
        crate::report::report(&state.db, &me.id, side, last - days + 1, last).await?,
    ))
}
