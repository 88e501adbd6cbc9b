//! The hub's calls out cannot be aimed inward. A hub started as in
//! production (no `--allow-loopback-http`) refuses every written form of an
//! inward address when a merchant saves it, and refuses again when it calls,
//! should the name have been re-pointed since it was proven.

use std::sync::atomic::Ordering;

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::accept,
    handoff::{add_care_plan, affiliate_with, body_for, open},
    helpers::{assert_problem, claims, database, now, spawn_configured},
};

/// Addresses of the hub's own machine and networks, and schemes it refuses.
const INWARD: [&str; 13] = [
    "https://127.0.0.1:8443/hook",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://localhost:8443/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://10.0.0.7/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "http://127.0.0.1:8081/hook",
    "http://shop.example/hook",
];

#[tokio::test]
async fn every_inward_address_is_refused_when_saved() {
    let app = spawn_configured(|s| s.allow_loopback_http = false).await;
    let before: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    for url in INWARD {
        for field in ["handoff_url", "webhook_url"] {
            let mut me = before.clone();
            me[field] = json!(url);
            // A URL of the wrong form is invalid (422); one of the right
            // form that leads inward is refused for where it leads (409).
            let status = if url.starts_with("http://shop") {
                422
            } else {
                409
            };
            let problem = assert_problem(
                app.admin(Method::PUT, &app.shop_key, "merchant", Some(me))
                    .await,
                status,
                Some(field),
            )
            .await;
            assert!(!problem.to_string().contains("error"), "{problem}");
        }
    }
    let after: Value = app
        .admin(Method::GET, &app.shop_key, "merchant", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after, before, "nothing stored");
}

#[tokio::test]
async fn a_proven_name_that_now_resolves_inward_is_refused_when_called() {
    let app = spawn_configured(|s| s.allow_loopback_http = false).await;
    add_care_plan(&app).await;
    let (affiliate, url) = affiliate_with(vec![app.hub_key.clone()]).await;
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .expect("port")
        .to_owned();
    // What the merchant's DNS can do after the hub proved the URL: the
    // same name, now answering with the hub's own loopback address.
    let pool = database(&app).await;
    sqlx::query(
        "UPDATE merchants SET handoff_url = $1, handoff_url_verified_at = $2 WHERE id = 'shop'",
    )
    .bind(format!("https://localhost:{port}/postsale/handoff"))
    .bind(now())
    .execute(&pool)
    .await
    .expect("re-pointed");

    let (id, offer) = open(&app, &affiliate, &claims("IN-1", Some("CARE"))).await;
    let problem = assert_problem(
        accept(&app, &id, "in-1", &body_for(&offer)).await,
        402,
        None,
    )
    .await;
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("not public"), "{detail}");
    assert_eq!(
        affiliate.charger.charges.load(Ordering::SeqCst),
        0,
        "nothing reached the affiliate"
    );
}
