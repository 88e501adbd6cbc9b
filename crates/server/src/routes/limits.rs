//! The rate limits (`crate::limits`) applied to every request, answered
//! `429` with `Retry-After`.

use std::sync::Arc;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    failure::Failure,
    limits::{self, RateLimits},
};

/// The opportunity a path names: `/v1/opportunities/{id}/...`, when the id
/// can be one (anything else is answered 404 and kept nowhere).
fn opportunity_of(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/opportunities/")
        .and_then(|rest| rest.split('/').next())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// The middleware: a client past its budget is refused before routing; a
/// refused credential counts against its address.
pub(crate) async fn layer(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    // Without a peer (a test calling the router directly) nothing is limited.
    let Some(client) = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(peer)| limits::client_key(peer.ip()))
    else {
        return next.run(request).await;
    };
    if let Some(wait) = limits.refuse(client, opportunity_of(request.uri().path())) {
        return Failure::RateLimited(wait).into_response();
    }
    let response = next.run(request).await;
    if matches!(
        response.status(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) {
        limits.failed(client);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opportunity_is_read_from_its_paths_only() {
        assert_eq!(
            opportunity_of("/v1/opportunities/opp_1/accept"),
            Some("opp_1")
        );
        assert_eq!(opportunity_of("/v1/opportunities/opp_1"), Some("opp_1"));
        assert_eq!(opportunity_of("/v1/opportunities"), None);
        assert_eq!(opportunity_of("/v1/admin/orders"), None);
        let long = format!("/v1/opportunities/{}/accept", "a".repeat(65));
        assert_eq!(opportunity_of(&long), None, "not kept as a key");
    }
}
