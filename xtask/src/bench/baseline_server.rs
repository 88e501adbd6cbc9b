//! The yardstick of `cargo xtask bench`: a bare axum handler that answers every
//! POST with a fixed JSON body as long as the hub's opportunity answer. Built
//! in release like the hub, so `opportunity_vs_baseline` compares the hub's
//! work with the HTTP stack alone, not a debug build with a release one.
//!
//! Usage: `postsale-bench-baseline ADDR BODY_BYTES`.

use axum::{
    Router,
    body::Bytes,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::post,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let size: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(512);
    // `{"pad":"xxx…"}`: valid JSON of exactly `size` bytes (at least 10).
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size.saturating_sub(10)));
    let body: &'static str = Box::leak(body.into_boxed_str());
    let app = Router::new().fallback(post(move |_request: Bytes| async move {
        (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }));
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("baseline: cannot listen on {addr}: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("baseline: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
