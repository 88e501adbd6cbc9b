//! `GET /v1/opportunities/{id}/offer` (the `offer` service's answer) and
//! `GET /v1/opportunities/{id}/frame`, the hub-origin page around the widget.

use axum::{
    Json,
    extract::{Path, State},
};
use postsale_protocol::Offer;

use crate::{
    failure::Failure, gateway::CardForm, offer, opportunity::load_open, registry::Merchant,
    state::AppState,
};

/// `GET /v1/opportunities/{id}/offer`.
#[utoipa::path(get, path = "/v1/opportunities/{id}/offer", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the offer", body = Offer), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Offer>, Failure> {
    offer::show(&state, &id).await.map(Json)
}

/// The `frame-ancestors` sources of the hub's frame pages: only the
/// affiliate's proven origins (and the hub) may frame an offer.
pub(crate) fn frame_ancestors(affiliate: &Merchant) -> String {
    std::iter::once("'self'")
        .chain(affiliate.verified_origins.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `GET /v1/opportunities/{id}/frame`: the hub-origin page that runs the
/// widget inside an IFRAME (and the only place card entry may happen).
#[utoipa::path(get, path = "/v1/opportunities/{id}/frame", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the hub-origin frame page", content_type = "text/html"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn frame(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Failure> {
    let open = load_open(&state, &id).await?;
    frame_page(&state, &open.id, &open.affiliate).await
}

/// `GET /v1/opportunities/{id}/authenticate`: the same hub-origin page, for
/// a payment of this offer whose card's issuer asks the customer to
/// authenticate (3-D Secure) after an accept from the pop-up.
#[utoipa::path(get, path = "/v1/opportunities/{id}/authenticate", tag = "widget",
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 200, description = "the hub-origin frame page, to authenticate the payment", content_type = "text/html"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "no payment waits for authentication", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Failure> {
    let affiliate = crate::authentication::waiting(&state, &id).await?;
    frame_page(&state, &id, &affiliate).await
}

/// The hub's frame page for opportunity `id`, framed only by `affiliate`'s
/// proven origins, with a new frame token.
async fn frame_page(
    state: &AppState,
    id: &str,
    affiliate: &Merchant,
) -> Result<axum::response::Response, Failure> {
    if !state.assets.has_frame() {
        return Err(Failure::NotFound(
            "this hub serves no widget build (start it with --assets)".into(),
        ));
    }
    let token = crate::frame_tokens::mint(&state.db, id).await?;
    frame_html(
        state,
        (id, &token),
        &state.public_url,
        &frame_ancestors(affiliate),
        true,
    )
}

/// The frame page for opportunity `id` with its frame `token`, whose widget
/// talks to the hub at `base` (the hub's address, or a preview's under it),
/// framed only by `ancestors`; with the processor's card fields where the
/// hub charges through one and `processor` asks for them.
pub(crate) fn frame_html(
    state: &AppState,
    (id, token): (&str, &str),
    base: &str,
    ancestors: &str,
    processor: bool,
) -> Result<axum::response::Response, Failure> {
    use axum::response::IntoResponse;
    let form = if processor {
        state.gateway.card_form()
    } else {
        CardForm::Own
    };
    let (processor_script, processor_key, processor_origins) = match &form {
        CardForm::Processor {
            script,
            publishable_key,
            origins,
        } => (script.as_str(), publishable_key.as_str(), origins.join(" ")),
        CardForm::Own => ("", "", String::new()),
    };
    let page = state
        .assets
        .frame(&crate::assets::FrameValues {
            opportunity_id: id,
            hub: base,
            token,
            processor_script,
            processor_key,
        })
        .ok_or_else(|| Failure::Internal("the frame page went away".into()))?;
    let mut response = axum::response::Html(page).into_response();
    let headers = response.headers_mut();
    // The page has no inline script or style; the widget styles itself through
    // constructed stylesheets, which style-src does not govern. Its script
    // and calls go to the hub's own origin as browsers reach it, named, and
    // with a processor's card fields to exactly the processor's origins.
    let hub = &state.public_url;
    let policy = if processor_origins.is_empty() {
        format!(
            "default-src 'none'; script-src {hub} 'wasm-unsafe-eval'; connect-src {hub}; style-src {hub}; \
             img-src {hub} https:; frame-ancestors {ancestors}"
        )
    } else {
        let p = &processor_origins;
        format!(
            "default-src 'none'; script-src {hub} {p} 'wasm-unsafe-eval'; connect-src {hub} {p}; \
             frame-src {p}; style-src {hub}; img-src {hub} https:; frame-ancestors {ancestors}"
        )
    };
    if let Ok(csp) = axum::http::HeaderValue::from_str(&policy) {
        headers.insert(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
