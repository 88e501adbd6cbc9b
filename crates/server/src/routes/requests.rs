//! What every request passes once: its id (the trusted proxy's
//! `X-Request-Id`, or a new one, returned either way), its client's address
//! (`crate::forwarded`), the rate limits (`crate::limits`, answered `429`
//! with `Retry-After`), and one log line when it is answered: method, route
//! template (never the path: an opportunity's id is a bearer capability),
//! status, latency, request id and client.

use std::{
    net::IpAddr,
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    failure::Failure,
    forwarded::{self, MAX_HOPS, acceptable_request_id},
    limits,
    state::AppState,
};

/// The request id header, taken from a trusted proxy and always answered.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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

/// A new request id: this process's random prefix and a count, so ids of
/// several replicas never meet and making one costs no randomness.
fn new_request_id() -> HeaderValue {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| crate::ids::new_secret_hex()[..12].to_owned());
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{prefix}-{n:x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// The middleware, given to the router so that it sees the route matched:
/// a client past its budget is refused before the handler; a refused
/// credential counts against its address.
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let from_proxy = peer.is_some_and(|peer| state.proxies.trusts(peer));
    // Only a trusted proxy's forwarding headers are read at all.
    let client = peer.map(|peer| match from_proxy {
        true => state.proxies.client(peer, &chain(request.headers())),
        false => state.proxies.client(peer, &[]),
    });
    let id = match request.headers().get(&REQUEST_ID) {
        Some(given)
            if peer.is_some_and(|p| state.proxies.trusts(p))
                && acceptable_request_id(given.as_bytes()) =>
        {
            given.clone()
        }
        _ => new_request_id(),
    };
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = match client {
        // Without a peer (a test calling the router directly) nothing is limited.
        Some(client) => {
            let key = limits::client_key(client);
            match state
                .limits
                .refuse(key, opportunity_of(request.uri().path()))
            {
                Some(wait) => Failure::RateLimited(wait).into_response(),
                None => {
                    let response = next.run(request).await;
                    if matches!(
                        response.status(),
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ) {
                        state.limits.failed(key);
                    }
                    response
                }
            }
        }
        None => next.run(request).await,
    };
    let mut response = response;
    let status = response.status().as_u16();
    let took = started.elapsed();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.metrics.request(method.as_str(), route, status, took);
    tracing::info!(
        target: "postsale::request",
        method = %method,
        route,
        status,
        latency_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        request_id = id.to_str().unwrap_or("-"),
        client = %client.map_or_else(|| "-".to_owned(), |c| c.to_string()),
        "answered"
    );
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// The forwarding chain, oldest hop first: `Forwarded`'s `for=` values when
/// that header is present, else `X-Forwarded-For`'s. `None` for a hop that
/// is not an address. At most [`MAX_HOPS`], the nearest ones.
fn chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded = headers.get_all("forwarded");
    let hops: Vec<Option<IpAddr>> = if forwarded.iter().next().is_some() {
        forwarded
            .iter()
            .flat_map(elements)
            .map(|element| element.and_then(forwarded::forwarded_for))
            .collect()
    } else {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(elements)
            .map(|element| element.and_then(|e| forwarded::node(e.trim())))
            .collect()
    };
    let skip = hops.len().saturating_sub(MAX_HOPS);
    hops.into_iter().skip(skip).collect()
}

/// The comma-separated elements of one header value; a value that is not
/// visible ASCII is one hop that is not an address.
fn elements(value: &HeaderValue) -> Vec<Option<&str>> {
    match value.to_str() {
        Ok(text) => text.split(',').map(Some).collect(),
        Err(_) => vec![None],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forwarded::TrustedProxies;
    use axum::http::HeaderMap;
    use std::net::IpAddr;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().expect("a net")).collect())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("a value"));
        }
        map
    }

    fn client(trusted: &TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        trusted.client(peer, &chain(headers))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn headers_from_anyone_but_a_trusted_proxy_are_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let forged = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=1.2.3.4"),
        ]);
        assert_eq!(
            client(&trusted, ip("198.51.100.1"), &forged),
            ip("198.51.100.1")
        );
        assert_eq!(
            client(&TrustedProxies::default(), ip("127.0.0.1"), &forged),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_client_is_the_last_hop_no_trusted_proxy_is() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.7/32"]);
        // The client put a forged hop first; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.1.1")]);
        assert_eq!(client(&trusted, ip("192.0.2.7"), &chain), ip("203.0.113.9"));
        // Several header lines are one list, in order.
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client(&trusted, ip("10.0.0.1"), &split), ip("203.0.113.9"));
        // A proxy that sent no header: the proxy is the client.
        assert_eq!(
            client(&trusted, ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Every hop trusted: the oldest one.
        let inside = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(client(&trusted, ip("10.0.0.1"), &inside), ip("10.9.9.9"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_reads_ports_and_brackets() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let both = headers(&[
            (
                "forwarded",
                r#"for="[2001:db8::1]:4711";proto=https, for=10.2.2.2"#,
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client(&trusted, ip("10.0.0.1"), &both), ip("2001:db8::1"));
        let v4 = headers(&[("forwarded", "proto=https;For=203.0.113.9:443")]);
        assert_eq!(client(&trusted, ip("10.0.0.1"), &v4), ip("203.0.113.9"));
        let mapped = headers(&[("x-forwarded-for", "::ffff:203.0.113.9")]);
        assert_eq!(
            client(&trusted, ip("::ffff:10.0.0.1"), &mapped),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_hop_that_is_not_an_address_ends_the_walk() {
        let trusted = proxies(&["10.0.0.0/8"]);
        for value in [
            "203.0.113.9, unknown",
            "203.0.113.9, _hidden",
            "203.0.113.9, 300.1.1.1",
            "203.0.113.9, ",
        ] {
            let chain = headers(&[("x-forwarded-for", value)]);
            assert_eq!(
                client(&trusted, ip("10.0.0.1"), &chain),
                ip("10.0.0.1"),
                "{value}"
            );
        }
        let obfuscated = headers(&[("forwarded", "for=203.0.113.9, for=unknown")]);
        assert_eq!(
            client(&trusted, ip("10.0.0.1"), &obfuscated),
            ip("10.0.0.1")
        );
        let mut binary = HeaderMap::new();
        binary.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"203.0.113.9, \xff").expect("bytes"),
        );
        assert_eq!(client(&trusted, ip("10.0.0.1"), &binary), ip("10.0.0.1"));
    }

    #[test]
    fn a_long_chain_is_read_from_its_nearest_hops_only() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let mut hops = vec!["203.0.113.9".to_owned()];
        hops.extend((0..100).map(|i| format!("10.0.0.{}", i % 250)));
        let chain = headers(&[("x-forwarded-for", &hops.join(", "))]);
        // The walk stops at the oldest hop it read, a trusted one.
        assert!(trusted.trusts(client(&trusted, ip("10.0.0.1"), &chain)));
    }

    #[test]
    fn request_ids_are_short_and_plain() {
        for good in ["abc", "7f3a-22:9.x_Y", &"a".repeat(64)] {
            assert!(
                crate::forwarded::acceptable_request_id(good.as_bytes()),
                "{good}"
            );
        }
        for bad in ["", "a b", "a\"b", "{\"x\":1}", &"a".repeat(65)] {
            assert!(
                !crate::forwarded::acceptable_request_id(bad.as_bytes()),
                "{bad}"
            );
        }
    }

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
