//! Liveness for load balancers and the demo's start-up wait.

use axum::Json;
use serde_json::{Value, json};

/// `GET /healthz`: 200 with the hub's version while the process serves.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the hub serves")))]
#[tracing::instrument]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
