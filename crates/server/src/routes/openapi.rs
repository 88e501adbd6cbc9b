//! `GET /openapi.json`: the API description, generated from the handlers'
//! annotations and the wire types, so it cannot drift from the code.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::{
    accept, admin, card, consent, health, keys, offers, operator, opportunities, orders, stats,
    trust, verify,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "postsale hub", description = "Post-purchase offers: opportunities, offers, accepts, and the merchants' admin API."),
    paths(
        health::healthz,
        opportunities::create, opportunities::get, opportunities::decline, offers::get, offers::frame, accept::accept, card::card, consent::page, consent::prove,
        admin::create_merchant, admin::get_self, admin::list, admin::get, admin::create, admin::replace, admin::remove,
        stats::get, orders::list, orders::get, orders::refund, orders::fulfil, orders::webhooks, orders::erase,
        trust::propose, trust::list_affiliations, trust::accept_affiliation, trust::revoke_affiliation,
        trust::list_agreements, trust::grant_agreement, trust::withdraw_agreement, trust::list_settlements,
        keys::list, keys::create, keys::activate, keys::retire,
        verify::origins, verify::verify_origin, verify::verify_callback, verify::approve_origin,
        operator::set_roles, operator::list_affiliations, operator::confirm_affiliation, operator::revoke_affiliation,
    ),
    modifiers(&Security),
    tags((name = "widget", description = "called by the widget on the affiliate's page"),
        (name = "admin", description = "merchants' registry, orders and statistics"),
        (name = "trust", description = "corporate affiliations, upseller agreements and the settlement ledger"),
        (name = "operator", description = "what only the hub's operator decides: roles, confirmed affiliations"),
        (name = "operations", description = "for load balancers and operators"))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "operator_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, built once per call (it is small and rarely fetched).
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
