//! CORS for the widget's calls: open only to origins some merchant registered.
//! Handlers then check the origin against the affiliate the call is about.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{registry::addresses, state::AppState};

/// Answers preflights and adds `Access-Control-Allow-Origin` for registered origins.
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let Some(origin) = origin else {
        return next.run(request).await;
    };
    let allowed = match origin.to_str() {
        Ok(o) => addresses::origin_registered(&state.db, o)
            .await
            .unwrap_or(false),
        Err(_) => false,
    };
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if allowed {
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, idempotency-key"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            allow(&mut response, origin);
        }
        return response;
    }
    let mut response = next.run(request).await;
    if allowed {
        allow(&mut response, origin);
    }
    response
}

fn allow(response: &mut Response, origin: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        // postsale_protocol::NO_OFFER_HEADER, and when to retry (429, 409).
        HeaderValue::from_static("postsale-no-offer, retry-after"),
    );
}
