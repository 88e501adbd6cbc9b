//! The hub's HTTP surface, one file per resource.

mod health;

use axum::{Router, routing::get};
use tower_http::{services::ServeDir, trace::TraceLayer};

use crate::Settings;

/// The whole router. Tests can call it without a socket.
pub(crate) fn router(settings: &Settings) -> Router {
    let mut router = Router::new().route("/healthz", get(health::healthz));
    if let Some(assets) = &settings.assets {
        router = router.fallback_service(ServeDir::new(assets));
    }
    router.layer(TraceLayer::new_for_http())
}
