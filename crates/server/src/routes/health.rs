//! Liveness and readiness, for load balancers, orchestrators and the
//! demo's start-up wait.

use axum::{Json, extract::State};
use serde_json::{Value, json};

use super::problem::HttpError;
use crate::state::AppState;

/// `GET /healthz`: 200 with the hub's version while the process serves.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the hub serves")))]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /readyz`: 200 when the database answers and has every migration
/// this build knows; 503 otherwise, saying which.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "ready for requests"),
    (status = 503, description = "not ready: the database does not answer or lacks a migration", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, HttpError> {
    match state.db.ready().await {
        Ok(()) => Ok(Json(
            json!({ "status": "ready", "version": env!("CARGO_PKG_VERSION") }),
        )),
        Err(why) => {
            tracing::warn!(error = %why, "not ready");
            Err(HttpError::NotReady(why.to_string()))
        }
    }
}
