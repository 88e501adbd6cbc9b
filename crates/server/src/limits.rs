//! Rate limits, answered `429` with `Retry-After`:
//!
//! - per client address, every request (`--rate-limit` per second, twice
//!   that as a burst; 0 turns it off);
//! - per opportunity, the requests naming it (a widget makes a handful);
//! - per client address, failed credentials (401, 403: a wrong API key, a
//!   forged ticket or frame token): past a small budget the address is
//!   refused everything for a while, so keys and tickets cannot be guessed
//!   at speed. `--rate-limit 0` turns this off too: behind a reverse proxy
//!   every client has the proxy's address, and one guesser would lock all
//!   of them out.
//!
//! The counters live in this process (`governor`'s keyed limiters): with
//! several replicas each enforces its own, which README says. The client
//! address is the connection's peer.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

/// Requests per second naming one opportunity, and its burst.
const PER_OPPORTUNITY: (u32, u32) = (20, 100);
/// Failed credentials an address may send in a burst, then one per this.
const FAILURES_BURST: u32 = 30;
const FAILURE_PERIOD: Duration = Duration::from_secs(2);

/// The hub's limiters.
#[derive(Debug)]
pub(crate) struct RateLimits {
    per_client: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_opportunity: DefaultKeyedRateLimiter<String>,
    /// Failed credentials per address; none when per-address limits are off.
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses refused everything until the given instant.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    /// Limiters allowing `per_client` requests a second per address (none
    /// when 0).
    pub(crate) fn new(per_client: u32) -> Self {
        let per_client = (per_client > 0).then(|| {
            RateLimiter::keyed(
                Quota::per_second(nonzero(per_client)).allow_burst(nonzero(per_client * 2)),
            )
        });
        let (rate, burst) = PER_OPPORTUNITY;
        let failures = per_client.is_some().then(|| {
            RateLimiter::keyed(
                Quota::with_period(FAILURE_PERIOD)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(nonzero(FAILURES_BURST)),
            )
        });
        Self {
            per_client,
            failures,
            per_opportunity: RateLimiter::keyed(
                Quota::per_second(nonzero(rate)).allow_burst(nonzero(burst)),
            ),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the counters of keys that are back at full budget.
    pub(crate) fn forget_idle(&self) {
        if let Some(limiter) = &self.per_client {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.per_opportunity.retain_recent();
        self.per_opportunity.shrink_to_fit();
        if let Some(limiter) = &self.failures {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, until| *until > now);
    }

    /// Seconds to wait when `client` may not send this request now.
    pub(crate) fn refuse(&self, client: IpAddr, opportunity: Option<&str>) -> Option<u64> {
        let now = Instant::now();
        if let Some(until) = self
            .blocked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&client)
            .filter(|until| **until > now)
        {
            return Some(secs(*until - now));
        }
        if let Some(limiter) = &self.per_client
            && let Err(wait) = limiter.check_key(&client)
        {
            return Some(secs(wait.wait_time_from(limiter.clock().now())));
        }
        if let Some(id) = opportunity
            && let Err(wait) = self.per_opportunity.check_key(&id.to_owned())
        {
            return Some(secs(
                wait.wait_time_from(self.per_opportunity.clock().now()),
            ));
        }
        None
    }

    /// Counts a failed credential; past the budget the address is blocked.
    pub(crate) fn failed(&self, client: IpAddr) {
        let Some(failures) = &self.failures else {
            return;
        };
        if let Err(wait) = failures.check_key(&client) {
            let until = Instant::now()
                + wait
                    .wait_time_from(failures.clock().now())
                    .max(FAILURE_PERIOD);
            tracing::warn!(%client, "too many failed credentials; refused for a while");
            self.blocked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(client, until);
        }
    }
}

fn secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The key of a client address: IPv6 clients by their /64, which one
/// customer's connection gets whole, so rotating within it changes nothing.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_one_client_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("address");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("address");
        assert_eq!(client_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }

    #[test]
    fn a_client_past_its_budget_waits_and_others_do_not() {
        let limits = RateLimits::new(1);
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        assert_eq!(limits.refuse(a, None), None);
        assert_eq!(limits.refuse(a, None), None);
        assert!(limits.refuse(a, None).is_some_and(|s| s >= 1));
        assert_eq!(limits.refuse(b, None), None);
    }

    #[test]
    fn too_many_failures_block_the_address() {
        let limits = RateLimits::new(100);
        let a: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..FAILURES_BURST {
            limits.failed(a);
        }
        assert_eq!(limits.refuse(a, None), None, "within the budget");
        limits.failed(a);
        assert!(limits.refuse(a, None).is_some(), "past it");
        assert_eq!(limits.refuse([192, 0, 2, 2].into(), None), None);
    }

    #[test]
    fn with_per_address_limits_off_failures_block_nobody() {
        let limits = RateLimits::new(0);
        let a: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..FAILURES_BURST * 3 {
            limits.failed(a);
        }
        assert_eq!(limits.refuse(a, None), None);
    }
}
