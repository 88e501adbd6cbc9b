//! The hub. `Application::build` owns start-up (settings, database, demo
//! data, widget files, listener, router) so that the binary and the tests
//! start exactly the same thing; tests bind port 0 and speak HTTP to it.

mod accept;
mod assets;
mod authentication;
mod cache;
mod card;
mod config;
mod consent;
mod db;
mod demo;
mod domain;
mod failure;
mod follow_up;
mod forwarded;
mod frame_tokens;
mod gateway;
mod handoff;
mod ids;
mod languages;
#[cfg(test)]
mod layers;
mod limits;
mod live_quote;
mod metrics;
mod offer;
mod opportunity;
mod orders;
mod outbound;
mod outbox;
mod people;
mod preview;
mod privacy;
mod processor;
mod reconciler;
mod refunds;
mod registry;
mod report;
mod routes;
mod seal;
mod selection;
mod serve;
mod settlements;
mod state;
mod stop;
mod store;
pub mod telemetry;
mod template;
mod validate;
mod verification;

use std::{net::SocketAddr, sync::Arc};

pub use config::{
    Cli, Command, ConfigError, Gateway, GatewayKind, LogFormat, Secret, ServeArgs, Settings,
    StripeSettings,
};
pub use db::DbError;
pub use seal::SealError;
use tokio::net::TcpListener;

/// The master key of `--demo` hubs started without one: their secrets are
/// the demo data's, published in the README.
const DEMO_MASTER_KEY: &str = "00000000000000000000000000000000000000000000000000000000000000de";

/// How long the workers get to finish their round once the hub stops.
const WORKERS_DRAIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Why the hub could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The widget files could not be read.
    #[error("cannot read the widget files in {path}: {source}")]
    Assets {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The hub's own origin is unknown or unusable.
    #[error("public URL: {0}")]
    PublicUrl(String),
    /// The demo data could not be loaded.
    #[error("loading demo data: {0}")]
    Demo(String),
    /// The server failed while running.
    #[error("server error: {0}")]
    Serve(std::io::Error),
    /// No master key, a malformed one, or not the one this database's
    /// secrets were sealed with.
    #[error(
        "master key: {0} (give 64 hex digits in POSTSALE_MASTER_KEY or a file named by --master-key-file)"
    )]
    MasterKey(String),
}

/// A built hub, bound to its address, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: state::AppState,
    recovery_after: std::time::Duration,
    listener_limits: serve::Limits,
    retention: std::time::Duration,
    /// `/metrics` on an address of its own, when one was given.
    metrics_listener: Option<TcpListener>,
}

/// What start-up derives from the settings and the address bound.
struct Checked {
    public_url: String,
    sealer: seal::Sealer,
}

/// The checks of the settings that need no database: the demo only on
/// loopback, the hub's own origin known, a well-formed master key.
fn check(settings: &Settings, local: SocketAddr) -> Result<Checked, StartError> {
    // The demo publishes its keys and serves a page that mints tickets:
    // it never answers beyond this machine.
    if settings.demo && !local.ip().is_loopback() {
        return Err(StartError::Demo(format!(
            "--demo serves published keys and mints tickets: it listens on loopback addresses only, not {local}"
        )));
    }
    // The frame page loads its script from the hub's own origin: behind a
    // proxy, or on an address browsers do not use, only the operator knows it.
    let public_url = match &settings.public_url {
        Some(url) => url.clone(),
        None if local.ip().is_loopback() => format!("http://{local}"),
        None => {
            return Err(StartError::PublicUrl(format!(
                "the hub listens on {local}, which is not a loopback address: give --public-url, the https origin browsers reach it at"
            )));
        }
    };
    let sealer = match &settings.master_key {
        // Bytes that are not text are not 64 hex digits either.
        Some(key) => seal::Sealer::from_hex(key.expose_text().unwrap_or_default())
            .map_err(|e| StartError::MasterKey(e.to_string()))?,
        // The demo's secrets are the demo's own, printed in the README;
        // anything else needs the operator's key.
        None if settings.demo => seal::Sealer::from_hex(DEMO_MASTER_KEY)
            .map_err(|e| StartError::MasterKey(e.to_string()))?,
        None => return Err(StartError::MasterKey("none given".into())),
    };
    Ok(Checked { public_url, sealer })
}

/// `postsale check-config`: whether the hub would start with `settings`,
/// short of binding and opening the database (the address must parse, the
/// database URL be one the hub speaks, the widget folder readable); a
/// summary of them, secrets hidden.
pub fn check_config(settings: &Settings) -> Result<String, StartError> {
    use std::net::ToSocketAddrs;
    let local = settings
        .addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| StartError::Bind {
            addr: settings.addr.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not an address and port",
            ),
        })?;
    let Checked { public_url, .. } = check(settings, local)?;
    db::backend_of(&settings.database)?;
    if let Some(path) = &settings.assets {
        assets::Assets::load(path).map_err(|source| StartError::Assets {
            path: path.display().to_string(),
            source,
        })?;
    }
    let proxies: Vec<String> = settings
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    let payments = match &settings.gateway {
        config::Gateway::Sandbox => "the sandbox (test mode, offline)".to_owned(),
        config::Gateway::Stripe(stripe) => format!(
            "Stripe at {} ({} mode, webhook secret given: {})",
            stripe.api_base,
            if stripe
                .secret_key
                .expose_text()
                .is_some_and(|key| key.contains("_test_"))
            {
                "test"
            } else {
                "live"
            },
            stripe.webhook_secret.is_some()
        ),
    };
    Ok(format!(
        "listen on {local}\npublic URL {public_url}\ndatabase {}\ntrusted proxies {}\nlog format {:?}\nmetrics {}\nmaster key given: {}\noperator key given: {}\npayments {payments}\n",
        db::redacted(&settings.database),
        if proxies.is_empty() {
            "none".to_owned()
        } else {
            proxies.join(", ")
        },
        settings.log_format,
        match (settings.metrics, &settings.metrics_addr) {
            (false, _) => "off".to_owned(),
            (true, addr) => format!(
                "on {}{}",
                addr.as_deref().map_or("the public listener", |a| a),
                if settings.metrics_token.is_some() {
                    ", token asked"
                } else {
                    ""
                }
            ),
        },
        settings.master_key.is_some(),
        settings.operator_key.is_some(),
    ))
}

/// `postsale migrate`: applies the database's migrations and returns.
pub async fn migrate(settings: &Settings) -> Result<(), StartError> {
    db::migrate(&settings.database).await?;
    Ok(())
}

impl Application {
    /// Builds the hub from its settings: binds, opens and migrates the
    /// database, loads demo data when asked, reads the widget files.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind(&settings.addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: settings.addr.clone(),
                    source,
                })?;
        let local = listener.local_addr().map_err(StartError::Serve)?;
        let Checked { public_url, sealer } = check(&settings, local)?;
        let db = db::Db::connect(&settings.database, sealer).await?;
        registry::seal_at_rest(&db).await.map_err(|e| match e {
            registry::AtRestError::Key(key) => StartError::MasterKey(key.to_string()),
            registry::AtRestError::Database(db) => {
                StartError::Database(DbError::Store(db.to_string()))
            }
        })?;
        if settings.demo {
            demo::load(&db, &public_url)
                .await
                .map_err(|e| StartError::Demo(e.to_string()))?;
        }
        let metrics_listener = match &settings.metrics_addr {
            Some(addr) if settings.metrics => Some(TcpListener::bind(addr).await.map_err(
                |source| StartError::Bind {
                    addr: addr.clone(),
                    source,
                },
            )?),
            _ => None,
        };
        let assets = match &settings.assets {
            Some(path) => assets::Assets::load(path).map_err(|source| StartError::Assets {
                path: path.display().to_string(),
                source,
            })?,
            None => assets::Assets::default(),
        };
        // The demo's shops listen on loopback, as the demo hub itself does.
        let outbound = outbound::Outbound::new(settings.allow_loopback_http || settings.demo)
            .map_err(|e| StartError::Serve(std::io::Error::other(e)))?;
        let gateway: Arc<dyn gateway::PaymentGateway> = match &settings.gateway {
            config::Gateway::Sandbox => Arc::new(gateway::Sandbox::new(db.clone())),
            config::Gateway::Stripe(stripe) => Arc::new(gateway::Stripe::new(
                db.clone(),
                outbound.clone(),
                stripe.clone(),
            )),
        };
        let state = state::AppState::new(state::Shared {
            gateway,
            outbound,
            crash_after_charge: settings.crash_after_charge,
            limits: Arc::new(limits::RateLimits::new(settings.rate_limit)),
            read_timeout: settings.read_timeout,
            db,
            assets: Arc::new(assets),
            demo: settings.demo,
            operator_key_sha256: settings
                .operator_key
                .as_ref()
                .map(|k| ids::sha256_hex(k.expose())),
            public_url,
            proxies: forwarded::TrustedProxies::new(settings.trusted_proxies.clone()),
            metrics: metrics::Metrics::new(settings.metrics),
            metrics_token_sha256: settings
                .metrics_token
                .as_ref()
                .map(|t| ids::sha256_hex(t.expose())),
        });
        Ok(Self {
            listener,
            router: routes::router(
                state.clone(),
                settings.metrics && metrics_listener.is_none(),
            ),
            metrics_listener,
            state,
            recovery_after: settings.recovery_after,
            retention: settings.retention,
            listener_limits: serve::Limits {
                header_timeout: settings.read_timeout,
                max_connections: settings.max_connections,
            },
        })
    }

    /// The address `/metrics` has to itself, when it has one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The address the hub listens on (useful when it was asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        let (stopper, stop) = stop::channel();
        let workers = [
            reconciler::spawn(self.state.clone(), self.recovery_after, stop.clone()),
            outbox::spawn(self.state.clone(), stop),
        ];
        privacy::spawn(self.state.clone(), self.retention);
        tokio::spawn(registry::follow_changes(self.state.db.clone()));
        if let Some(listener) = self.metrics_listener {
            let router = routes::metrics_router(self.state.clone());
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::error!(error = %err, "the metrics listener stopped");
                }
            });
        }
        let limits = self.state.limits.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                limits.forget_idle();
            }
        });
        serve::serve(
            self.listener,
            self.router,
            self.listener_limits,
            shutdown_signal(),
        )
        .await;
        // No request is in flight any more: the workers finish their round.
        stopper.stop();
        let finished = tokio::time::timeout(WORKERS_DRAIN, async {
            for worker in workers {
                let _ = worker.await;
            }
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                "the workers did not finish their round in time; what they were doing is picked up by the next hub"
            );
        }
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
