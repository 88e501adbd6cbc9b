//! The listener's and the rate limits, on a real socket: a client that
//! sends its request slowly is dropped, a client that sends too many is
//! told to wait, and guessing credentials soon gets an address refused.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::spawn_configured;

/// Waits for the hub to close `stream`; how long that took.
async fn closed_after(stream: &mut TcpStream, started: Instant) -> Duration {
    let mut buf = [0_u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(6), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("the connection is still open after 6 s"),
        }
    }
}

#[tokio::test]
async fn a_client_that_sends_its_request_head_slowly_is_dropped_within_the_read_timeout() {
    let app = spawn_configured(|s| s.read_timeout = Duration::from_secs(1)).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    // One that never sends a byte, one that stops mid-head, and one that
    // drips a byte at a time.
    let mut silent = TcpStream::connect(&address).await.expect("connects");
    let started = Instant::now();
    let waited = closed_after(&mut silent, started).await;
    assert!(
        waited < Duration::from_secs(3),
        "a silent one after {waited:?}"
    );
    let mut stalled = TcpStream::connect(&address).await.expect("connects");
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")
        .await
        .expect("writes");
    let started = Instant::now();
    let waited = closed_after(&mut stalled, started).await;
    assert!(waited < Duration::from_secs(3), "dropped after {waited:?}");

    let mut dripping = TcpStream::connect(&address).await.expect("connects");
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
            if dripping.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        dripping
    });
    let mut dripping = drip.await.expect("drips");
    let waited = closed_after(&mut dripping, started).await;
    assert!(
        waited < Duration::from_secs(4),
        "a head that never ends is dropped, however it trickles: {waited:?}"
    );

    // The hub still answers everyone else.
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_with_a_clear_error() {
    let app = spawn_configured(|s| s.read_timeout = Duration::from_secs(1)).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connects");
    stream
        .write_all(
            b"POST /v1/opportunities HTTP/1.1\r\nHost: hub\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"tick",
        )
        .await
        .expect("writes");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0_u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("answered within 5 s")
            .expect("reads");
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

#[tokio::test]
async fn a_client_past_its_rate_gets_429_with_retry_after() {
    let (base, _) = crate::helpers::start(
        postsale_server::Settings::for_tests(crate::helpers::fresh_database().await),
        |s| s.rate_limit = 2,
    )
    .await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..12 {
        let response = client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("answers");
        statuses.push(response.status().as_u16());
        if response.status() == 429 && refused.is_none() {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("text")
                .parse()
                .expect("seconds");
            refused = Some((wait, response.json::<Value>().await.expect("problem")));
        }
    }
    assert_eq!(
        &statuses[..4],
        &[200, 200, 200, 200],
        "the burst: {statuses:?}"
    );
    let (wait, problem) = refused.expect("refused past the burst");
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(
        problem["type"],
        "https://postsale.dev/problems/rate-limited"
    );
}

#[tokio::test]
async fn guessing_api_keys_soon_gets_the_address_refused_even_with_a_right_key() {
    let app = spawn_configured(|_| {}).await;
    let mut failures = 0;
    loop {
        let response = app
            .client
            .get(format!("{}/v1/admin/merchant", app.base))
            .bearer_auth(format!("guess-{failures}"))
            .send()
            .await
            .expect("answers");
        match response.status().as_u16() {
            401 => failures += 1,
            429 => break,
            other => panic!("unexpected {other}"),
        }
        assert!(failures <= 40, "never refused");
    }
    assert!(failures >= 30, "a few mistakes are allowed: {failures}");
    let right = app
        .client
        .get(format!("{}/v1/admin/merchant", app.base))
        .bearer_auth(&app.shop_key)
        .send()
        .await
        .expect("answers");
    assert_eq!(right.status(), 429, "the address waits, whatever it sends");
    assert!(right.headers().contains_key("retry-after"));
}
