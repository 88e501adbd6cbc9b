//! Who is asking. Behind a reverse proxy every connection comes from the
//! proxy, and the client's address is in the proxy's `Forwarded` (RFC 7239)
//! or `X-Forwarded-For` header. Anyone can send those headers, so they are
//! believed only from the proxies the operator named (`--trusted-proxy`),
//! and only as far back as the chain runs through such proxies: the
//! client is the last hop that is not one. The same goes for the
//! proxy's `X-Request-Id`. See `docs/ARCHITECTURE.md`, "Running behind a
//! proxy".

use std::net::IpAddr;

use ipnet::IpNet;

/// Hops read from forwarding headers at most: a longer chain is cut, its
/// oldest hops unread.
pub(crate) const MAX_HOPS: usize = 32;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    pub(crate) fn new(nets: Vec<IpNet>) -> Self {
        Self { nets }
    }

    /// Whether `ip` is one of the trusted proxies.
    pub(crate) fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` through the forwarding
    /// chain `hops` (oldest first, as the headers list them; `None` for a hop
    /// that is not an address): `peer` itself unless it is a trusted proxy;
    /// then, walking the chain from the nearest hop back, the first hop that
    /// is not a trusted proxy. A hop that is not an address (`unknown`, an
    /// obfuscated name, a malformed entry) ends the walk at the hop after
    /// it, the last one a trusted proxy vouched for.
    pub(crate) fn client(&self, peer: IpAddr, hops: &[Option<IpAddr>]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as a dual-stack
/// listener reports it) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The address of one `Forwarded` element's `for=` parameter
/// (`for=192.0.2.60;proto=https`, `for="[2001:db8::1]:4711"`).
pub(crate) fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| node(value.trim().trim_matches('"')))
            .flatten()
    })
}

/// A node: an address, optionally with a port (`192.0.2.60:4711`,
/// `[2001:db8::1]:4711`, `[2001:db8::1]`, `2001:db8::1`).
pub(crate) fn node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|port| port.parse::<u16>().is_ok());
        return port_ok.then(|| ip.parse::<IpAddr>().ok()).flatten();
    }
    let (ip, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A request id a proxy may hand on: 1 to 64 characters of letters,
/// digits and `-_.:`; anything else could forge or break a log line.
pub(crate) fn acceptable_request_id(bytes: &[u8]) -> bool {
    (1..=64).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}
