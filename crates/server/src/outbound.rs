//! The one client for every call the hub makes (affiliates' handoff URLs,
//! upsellers' webhooks, the challenges that prove addresses). A merchant
//! names the address, so the hub treats it as an attacker's choice:
//!
//! - `https` only; `http` only to a loopback address, and only when the hub
//!   was started with `--allow-loopback-http` (the demo and the tests);
//! - every address a name resolves to is checked when the connection is
//!   made, not only when the URL was saved (a name may be re-pointed at any
//!   time): loopback, private, shared, link-local (the cloud metadata
//!   address), multicast, reserved and documentation ranges are refused, in
//!   IPv4 and IPv6, IPv4-mapped and -translated forms included. One bad
//!   answer refuses the whole name;
//! - no redirects, no proxy from the environment, connect and total
//!   timeouts, and at most [`MAX_ANSWER_BYTES`] of an answer read;
//! - what went wrong is a [`CallFailure`] kind with a status at most, never the
//!   text the other side sent, so nothing of it reaches a customer or a log.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use reqwest::{Method, Url, dns};

/// The most of an answer the hub reads; a larger answer is cut there.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a destination is refused before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// Not `https` (or `http` to loopback where that is allowed).
    #[error("must be an https:// URL")]
    Scheme,
    /// Not an absolute URL with a host.
    #[error("is not a valid URL")]
    Invalid,
    /// The host is, or resolves to, an address that is not public.
    #[error(
        "points at an address that is not public (loopback, private, link-local, metadata or reserved)"
    )]
    Address,
    /// The name does not resolve.
    #[error("has a host name that does not resolve")]
    Unresolved,
}

/// How a call failed. `maybe_arrived` says whether the other side may have
/// received the request and acted on it: a payment whose call failed that
/// way has an unknown outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CallFailure {
    /// Refused before sending.
    #[error("the address {0}")]
    Refused(Refused),
    /// No connection could be made: nothing was sent.
    #[error("no connection could be made")]
    NotConnected,
    /// No (complete) answer in time, after the request may have arrived.
    #[error("no answer in time")]
    Timeout,
    /// The connection broke after the request may have arrived.
    #[error("the connection broke before the answer was complete")]
    Broken,
    /// The answer is larger than [`MAX_ANSWER_BYTES`].
    #[error("the answer is larger than 64 KiB")]
    TooLarge,
}

impl CallFailure {
    /// Whether the other side may have received the request.
    pub(crate) fn maybe_arrived(self) -> bool {
        matches!(self, Self::Timeout | Self::Broken | Self::TooLarge)
    }
}

/// An answer: its status and at most [`MAX_ANSWER_BYTES`] of its body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// The hub's outbound client.
#[derive(Debug, Clone)]
pub(crate) struct Outbound {
    client: reqwest::Client,
    loopback: bool,
}

impl Outbound {
    /// The client; `loopback` allows `http` and addresses on this machine.
    pub(crate) fn new(loopback: bool) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("postsale-hub/", env!("CARGO_PKG_VERSION")))
            // A redirect would aim a signed call, or a challenge, somewhere
            // never checked: none is followed, and a 3xx is an answer.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names where the guard cannot see them.
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .dns_resolver(Arc::new(Guard { loopback }))
            .build()?;
        Ok(Self { client, loopback })
    }

    /// Checks a destination as it is saved: scheme, host, and every address
    /// its name resolves to now. The same checks run again at each call.
    pub(crate) async fn check(&self, url: &str) -> Result<(), Refused> {
        let (url, host) = self.parse(url)?;
        if host.is_some() {
            return Ok(());
        }
        let name = url.host_str().ok_or(Refused::Invalid)?;
        resolve(name, self.loopback).await.map(drop)
    }

    /// Sends one request. Any status is an answer; its body is read up to
    /// [`MAX_ANSWER_BYTES`].
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Answer, CallFailure> {
        let (url, _) = self.parse(url).map_err(CallFailure::Refused)?;
        let mut request = self.client.request(method, url).timeout(timeout);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                // Dropping the response closes the connection: the rest is
                // never read.
                return Err(CallFailure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, body })
    }

    /// The URL, and its host address when it is written as one (such hosts
    /// are never resolved, so they are checked here).
    fn parse(&self, url: &str) -> Result<(Url, Option<IpAddr>), Refused> {
        let url = Url::parse(url).map_err(|_| Refused::Invalid)?;
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(Refused::Invalid),
        };
        let loopback_host = match ip {
            Some(ip) => is_loopback(ip),
            None => url
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case("localhost")),
        };
        match url.scheme() {
            "https" => {}
            "http" if self.loopback && loopback_host => {}
            _ => return Err(Refused::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Invalid);
        }
        if let Some(ip) = ip
            && !allowed(ip, self.loopback)
        {
            return Err(Refused::Address);
        }
        Ok((url, ip))
    }
}

/// Resolves a name and refuses it if any of its addresses is not allowed.
async fn resolve(name: &str, loopback: bool) -> Result<Vec<SocketAddr>, Refused> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((name, 0))
        .await
        .map_err(|_| Refused::Unresolved)?
        .collect();
    if found.is_empty() {
        return Err(Refused::Unresolved);
    }
    if found.iter().any(|a| !allowed(a.ip(), loopback)) {
        return Err(Refused::Address);
    }
    Ok(found)
}

/// reqwest's resolver, guarded: the check happens on the addresses the
/// connection is then made to, so a name cannot change between the two.
#[derive(Debug)]
struct Guard {
    loopback: bool,
}

impl dns::Resolve for Guard {
    fn resolve(&self, name: dns::Name) -> dns::Resolving {
        let loopback = self.loopback;
        Box::pin(async move {
            match resolve(name.as_str(), loopback).await {
                Ok(found) => Ok(Box::new(found.into_iter()) as dns::Addrs),
                Err(refused) => Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>),
            }
        })
    }
}

/// A reqwest error as a kind; a refusal by the guard is found in its sources.
fn classify(err: reqwest::Error) -> CallFailure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return CallFailure::Refused(*refused);
        }
        source = cause.source();
    }
    if err.is_connect() {
        CallFailure::NotConnected
    } else if err.is_timeout() {
        CallFailure::Timeout
    } else {
        CallFailure::Broken
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether the hub may call `ip`: a public address, or loopback when allowed.
pub(crate) fn allowed(ip: IpAddr, loopback: bool) -> bool {
    (loopback && is_loopback(ip)) || public(ip)
}

/// Whether an address is on the public internet.
fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                    // "this network"
        || a == 10                              // private
        || a == 127                             // loopback
        || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
        || (a == 169 && b == 254)               // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))  // private
        || (a == 192 && b == 0 && c == 0)       // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)       // documentation
        || (a == 192 && b == 88 && c == 99)     // 6to4 relay
        || (a == 192 && b == 168)               // private
        || (a == 198 && (b == 18 || b == 19))   // benchmarking
        || (a == 198 && b == 51 && c == 100)    // documentation
        || (a == 203 && b == 0 && c == 113)     // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Forms that carry an IPv4 address are judged by it.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        // IPv4-translated (::ffff:0:a.b.c.d).
        return public_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48).
        return s[2] == 0 && public_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4 carries the IPv4 address in its next 32 bits.
        return public_v4(embedded(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || s[..6] == [0; 6]                 // IPv4-compatible (deprecated), ::/96
        || (s[0] & 0xfe00) == 0xfc00        // unique local (fd00:ec2::254 is metadata)
        || (s[0] & 0xffc0) == 0xfe80        // link-local
        || (s[0] & 0xffc0) == 0xfec0        // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00        // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments, Teredo
        || s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_public_addresses_are_allowed() {
        for inward in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(!allowed(ip(inward), false), "{inward} must be refused");
        }
        for outward in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(allowed(ip(outward), false), "{outward} is public");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_asked_and_nothing_else_inward() {
        assert!(allowed(ip("127.0.0.1"), true));
        assert!(allowed(ip("::1"), true));
        assert!(!allowed(ip("10.0.0.1"), true));
        assert!(!allowed(ip("169.254.169.254"), true));
    }

    #[tokio::test]
    async fn every_written_form_of_an_inward_host_is_refused() {
        let strict = Outbound::new(false).expect("client");
        for url in [
            "https://127.0.0.1/hook",
            "https://0x7f000001/hook",
            "https://2130706433/hook",
            "https://0177.0.0.1/hook",
            "https://127.1/hook",
            "https://[::1]/hook",
            "https://[::ffff:7f00:1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00:ec2::254]/",
        ] {
            assert_eq!(strict.check(url).await, Err(Refused::Address), "{url}");
        }
        assert_eq!(
            strict.check("https://localhost:8443/hook").await,
            Err(Refused::Address),
            "a name that resolves to loopback"
        );
        assert_eq!(
            strict.check("http://127.0.0.1:8081/hook").await,
            Err(Refused::Scheme)
        );
        assert_eq!(
            strict.check("ftp://shop.example/").await,
            Err(Refused::Scheme)
        );
        assert_eq!(
            strict.check("https://user:pw@shop.example/").await,
            Err(Refused::Invalid)
        );
        let local = Outbound::new(true).expect("client");
        assert_eq!(local.check("http://127.0.0.1:8081/hook").await, Ok(()));
        assert_eq!(local.check("http://localhost:8081/hook").await, Ok(()));
        assert_eq!(
            local.check("http://10.0.0.1/hook").await,
            Err(Refused::Scheme)
        );
        assert_eq!(
            local.check("https://169.254.169.254/").await,
            Err(Refused::Address)
        );
    }
}
