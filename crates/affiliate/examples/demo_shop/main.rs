//! The demo shops of `cargo xtask demo`: an affiliate (a camera shop built on
//! this crate: product page, checkout with a sandbox card, an order page with
//! the postsale snippet exactly as the README tells merchants, and the handoff
//! endpoint the hub calls) and an upseller that receives the hub's signed
//! order webhooks and lists them. Memory only: it is a demo.
//!
//! `cargo run -p postsale-affiliate --example demo_shop -- HUB_URL SHOP_ADDR UPSELLER_ADDR`

mod pages;
mod shop;
mod upseller;

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let hub = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let shop_addr = args.next().unwrap_or_else(|| "127.0.0.1:8081".into());
    let upseller_addr = args.next().unwrap_or_else(|| "127.0.0.1:8082".into());

    let shop_listener = tokio::net::TcpListener::bind(&shop_addr).await?;
    let upseller_listener = tokio::net::TcpListener::bind(&upseller_addr).await?;
    let shop = shop::Shop::new(hub)?;
    let upseller = Arc::new(upseller::Upseller::default());
    println!("demo shop on http://{shop_addr}, demo upseller on http://{upseller_addr}");
    let shop_server = axum::serve(shop_listener, shop.router());
    let upseller_server = axum::serve(upseller_listener, upseller::router(upseller));
    tokio::select! {
        r = shop_server => r?,
        r = upseller_server => r?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
