//! `GET /metrics`: the hub's metrics for Prometheus, on the public listener
//! or on `--metrics-addr` alone, behind `--metrics-token` when one is set.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use super::auth::ScraperAuth;
use crate::{failure::Failure, metrics, state::AppState};

/// The OpenMetrics text format, which Prometheus asks for and reads.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    description = "The hub's metrics. When the hub was started with `--metrics-token`, send it as `Authorization: Bearer <token>`; with `--metrics-addr`, this path is served on that address only.",
    responses((status = 200, description = "the metrics, in the OpenMetrics text format", content_type = "application/openmetrics-text"),
        (status = 401, description = "the hub asks for a metrics token, and this is not it", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn scrape(
    _: ScraperAuth,
    State(state): State<AppState>,
) -> Result<Response, Failure> {
    if !state.metrics.counting() {
        return Err(Failure::NotFound(
            "this hub counts nothing (--no-metrics)".into(),
        ));
    }
    let backlog = metrics::backlog(&state.db).await?;
    let text = state
        .metrics
        .render(backlog)
        .ok_or_else(|| Failure::NotFound("this hub counts nothing (--no-metrics)".into()))?
        .map_err(|e| Failure::Internal(format!("metrics: {e}")))?;
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
