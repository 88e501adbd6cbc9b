//! What every request handler and background task shares: the database,
//! the widget's files, the clients of the processor and of merchants, the
//! rate limits. Nothing in it outlives a restart: the database holds all
//! state, so replicas behind a load balancer agree.

use std::{ops::Deref, sync::Arc};

use crate::{
    assets::Assets, db::Db, gateway::PaymentGateway, limits::RateLimits, outbound::Outbound,
};

/// What every handler shares: one allocation, so handing it to a request
/// (axum's `State` clones it) is a reference count.
#[derive(Debug, Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl AppState {
    pub(crate) fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The shared parts.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) db: Db,
    pub(crate) assets: Arc<Assets>,
    pub(crate) demo: bool,
    pub(crate) operator_key_sha256: Option<String>,
    /// The hub's own origin as browsers reach it (`--public-url`, or
    /// `http://ADDR` on loopback): the frame page loads its script from it.
    pub(crate) public_url: String,
    /// The proxies whose forwarding headers name the client.
    pub(crate) proxies: crate::forwarded::TrustedProxies,
    /// What the hub counts for `/metrics`.
    pub(crate) metrics: crate::metrics::Metrics,
    /// SHA-256 of the token `/metrics` asks for, if any.
    pub(crate) metrics_token_sha256: Option<String>,
    /// The payment processor.
    pub(crate) gateway: Arc<dyn PaymentGateway>,
    /// The one client for the hub's calls out (affiliates, webhooks, proofs).
    pub(crate) outbound: Outbound,
    /// Fault injection for the crash test.
    pub(crate) crash_after_charge: bool,
    /// Rate limits, per replica.
    pub(crate) limits: Arc<RateLimits>,
    /// How long a client has to send a request's body.
    pub(crate) read_timeout: std::time::Duration,
}
