//! The listener: HTTP/1.1 and HTTP/2 on one socket, with the limits a hub
//! on the open internet needs and `axum::serve` does not set. A client gets
//! a few seconds to send its request head (a slow one is dropped, not
//! waited on), the number of open connections is capped (the next one
//! waits in the kernel's backlog), and each request carries the peer's
//! address for the rate limits. On Ctrl-C or SIGTERM the hub stops
//! accepting and lets the requests in flight (an accept moving money)
//! finish, for up to [`DRAIN`].

use std::{future::Future, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// How long the requests in flight get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(30);
/// How long one connection may stay open, however busy or idle: a client
/// keeping connections alive (HTTP/1.1 keep-alive, HTTP/2 pings) cannot
/// hold the connection cap's slots for ever. Browsers reconnect.
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(300);

/// The listener's limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How long a client may take to send a request's head.
    pub(crate) header_timeout: Duration,
    /// How many connections are open at most.
    pub(crate) max_connections: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then drains.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let header_timeout = limits.header_timeout;
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request.map(axum::body::Body::new)
                });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // A connection that sends nothing at all is not HTTP yet, where
            // the head's timeout starts: it gets the same time to begin.
            let mut first = [0_u8; 1];
            let began = tokio::time::timeout(header_timeout, stream.peek(&mut first)).await;
            if !matches!(began, Ok(Ok(n)) if n > 0) {
                drop(permit);
                return;
            }
            let connection = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .into_owned();
            match tokio::time::timeout(MAX_CONNECTION_AGE, watcher.watch(connection)).await {
                Ok(Err(err)) => {
                    tracing::debug!(error = %err, %peer, "connection ended with an error");
                }
                Ok(Ok(())) => {}
                Err(_) => tracing::debug!(%peer, "connection closed at its maximum age"),
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        open = graceful.count(),
        "stopped accepting; finishing the requests in flight"
    );
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the drain time; stopping anyway");
    }
}
