//! The hub's HTTP surface, one file per resource, and the layers every
//! request passes: body limit, CORS for registered origins, tracing.

mod accept;
mod admin;
mod assets;
mod audit;
mod auth;
mod card;
mod consent;
mod console;
mod cors;
mod health;
mod keys;
mod metrics;
mod offers;
mod openapi;
mod operator;
mod opportunities;
mod orders;
mod paging;
mod preview;
mod problem;
mod processor;
pub(crate) mod requests;
mod stats;
mod trust;
mod verify;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use problem::{BODY_LIMIT, HttpError};

use crate::{failure::Failure, state::AppState};

/// `/metrics` alone, for a listener of its own (`--metrics-addr`).
pub(crate) fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .fallback(|| async { Failure::NotFound("no such resource".into()) })
        .with_state(state)
}

/// The whole router, with `/metrics` unless it has a listener of its own.
/// Tests can call it without a socket.
pub(crate) fn router(state: AppState, with_metrics: bool) -> Router {
    let public = Router::new()
        .route("/v1/opportunities", post(opportunities::create))
        .route("/v1/opportunities/{id}", get(opportunities::get))
        .route("/v1/opportunities/{id}/offer", get(offers::get))
        .route(
            "/v1/opportunities/{id}/decline",
            post(opportunities::decline),
        )
        .route("/v1/opportunities/{id}/accept", post(accept::accept))
        .route("/v1/opportunities/{id}/next", post(opportunities::next))
        // Before the CORS layer, so that preflights still reach it.
        .method_not_allowed_fallback(not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ));
    let admin = Router::new()
        .route("/v1/admin/merchants", post(admin::create_merchant))
        .route(
            "/v1/admin/merchant",
            get(admin::get_self)
                .put(admin::put_self)
                .delete(admin::delete_self),
        )
        .route("/v1/admin/stats", get(stats::get))
        .route("/v1/admin/stats/report", get(stats::report))
        .route("/v1/admin/orders", get(orders::list))
        .route("/v1/admin/orders/{id}", get(orders::get))
        .route("/v1/admin/orders/{id}/refund", post(orders::refund))
        .route("/v1/admin/orders/{id}/fulfil", post(orders::fulfil))
        .route("/v1/admin/webhooks", get(orders::webhooks))
        .route("/v1/admin/webhooks/{id}/retry", post(orders::retry_webhook))
        .route("/v1/console/audit", get(audit::list))
        .route(
            "/v1/admin/affiliations",
            get(trust::list_affiliations).post(trust::propose),
        )
        .route(
            "/v1/admin/affiliations/{id}",
            axum::routing::delete(trust::revoke_affiliation),
        )
        .route(
            "/v1/admin/affiliations/{id}/accept",
            post(trust::accept_affiliation),
        )
        .route("/v1/admin/agreements", get(trust::list_agreements))
        .route(
            "/v1/admin/agreements/{affiliate}",
            axum::routing::put(trust::grant_agreement).delete(trust::withdraw_agreement),
        )
        .route("/v1/admin/settlements", get(trust::list_settlements))
        .route("/v1/admin/customers/erase", post(orders::erase))
        .route("/v1/admin/customers/points", post(orders::points))
        .route("/v1/admin/keys", get(keys::list).post(keys::create))
        .route(
            "/v1/admin/keys/{key_id}",
            axum::routing::delete(keys::retire),
        )
        .route("/v1/admin/keys/{key_id}/activate", post(keys::activate))
        .route("/v1/admin/origins", get(verify::origins))
        .route("/v1/admin/origins/verify", post(verify::verify_origin))
        .route("/v1/admin/callbacks/verify", post(verify::verify_callback))
        .route(
            "/v1/operator/merchants/{id}/origins/approve",
            post(verify::approve_origin),
        )
        .route(
            "/v1/operator/merchants/{id}/roles",
            axum::routing::put(operator::set_roles),
        )
        .route(
            "/v1/operator/affiliations",
            get(operator::list_affiliations),
        )
        .route(
            "/v1/operator/affiliations/{id}",
            axum::routing::delete(operator::revoke_affiliation),
        )
        .route(
            "/v1/operator/affiliations/{id}/confirm",
            post(operator::confirm_affiliation),
        )
        .route("/v1/console/sign-in", post(console::sign_in))
        .route("/v1/console/join", post(console::join))
        .route("/v1/console/session", get(console::session))
        .route("/v1/console/sign-out", post(console::sign_out))
        .route("/v1/console/sessions", get(console::sessions))
        .route(
            "/v1/console/sessions/{id}",
            axum::routing::delete(console::end_session),
        )
        .route(
            "/v1/console/password",
            axum::routing::put(console::password),
        )
        .route("/v1/console/users", get(console::users))
        .route(
            "/v1/console/api-keys",
            get(console::keys).post(console::make_key),
        )
        .route("/v1/console/previews", post(preview::create))
        .route(
            "/v1/console/api-keys/{id}",
            axum::routing::delete(console::revoke_key),
        )
        .route(
            "/v1/console/users/{id}",
            axum::routing::put(console::set_role).delete(console::remove_user),
        )
        .route(
            "/v1/console/invitations",
            get(console::invitations).post(console::invite),
        )
        .route(
            "/v1/console/invitations/{id}",
            axum::routing::delete(console::withdraw),
        )
        .route(
            "/v1/operator/merchants/{id}/invitations",
            post(console::invite_to_merchant),
        )
        .route("/v1/operator/invitations", post(console::invite_operator))
        .route("/v1/operator/users", get(console::operator_users))
        .route("/v1/operator/merchants", get(operator::merchants))
        .route("/v1/operator/origins", get(operator::origins))
        .route(
            "/v1/operator/users/{id}",
            axum::routing::delete(console::remove_operator_user),
        )
        .route("/v1/admin/{kind}", get(admin::list).post(admin::create))
        .route(
            "/v1/admin/{kind}/{id}",
            get(admin::get).put(admin::replace).delete(admin::remove),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::layer,
        ));
    // The frame pages and what they post answer no CORS: only the hub's own
    // frames read the one and post to the other (their token proves it).
    let frame = Router::new()
        .route("/v1/opportunities/{id}/frame", get(offers::frame))
        .route("/v1/opportunities/{id}/card", post(card::card))
        .route(
            "/v1/opportunities/{id}/incentive",
            post(opportunities::pick),
        )
        .route(
            "/v1/opportunities/{id}/authenticate",
            get(offers::authenticate),
        )
        .route(
            "/v1/opportunities/{id}/authentication",
            post(card::authentication),
        )
        .route(
            "/v1/opportunities/{id}/consent",
            get(consent::page).post(consent::prove),
        );
    let mut routes = Router::new();
    if with_metrics {
        routes = routes.route("/metrics", get(metrics::scrape));
    }
    let routes = routes
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(frame)
        .merge(preview::router())
        .route("/openapi.json", get(openapi::document))
        .route("/v1/processor/events", post(processor::events))
        .merge(admin)
        .merge(assets::router(&state))
        .method_not_allowed_fallback(not_allowed)
        .merge(public)
        .fallback(|| async { Failure::NotFound("no such resource".into()) })
        .with_state(state.clone())
        // Around each route (and the fallback), so that it knows the route
        // matched: one layer per request for the id, the client, the rate
        // limits and the log line.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            requests::layer,
        ));
    // Every request passes these once, around the whole router: a layer
    // given to the router itself is wrapped around each route, one boxed
    // service more per layer and request.
    let every_request = tower::ServiceBuilder::new()
        // A body that trickles in is cut, as a slow request head is by the listener.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.read_timeout,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .service(routes);
    Router::new().fallback_service(every_request)
}

/// A path that exists, asked with a method it does not take.
async fn not_allowed(method: axum::http::Method) -> HttpError {
    HttpError::MethodNotAllowed(method.to_string())
}

/// The frame token a request from inside the hub's frame carries.
fn frame_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(postsale_protocol::FRAME_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
}
