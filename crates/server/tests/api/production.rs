//! The hub as an operator runs it: on every address behind a TLS proxy,
//! with its public origin given; forwarding headers and request ids
//! believed from the trusted proxy only; readiness; migrations and the
//! settings check as commands of their own.

use postsale_server::{Settings, StartError};
use serde_json::Value;

use crate::{
    accept::frame_token,
    helpers::{claims, fresh_database, purchase, seed, start, ticket},
};

const PUBLIC: &str = "https://hub.example.test";

/// A hub on every address, behind a proxy on this machine, its public
/// origin [`PUBLIC`], reached straight at its port as the proxy reaches it:
/// its base URL and database.
async fn unseeded_behind_a_proxy(rate_limit: u32) -> (String, String) {
    let (base, database) = start(Settings::for_tests(fresh_database().await), |s| {
        s.addr = "0.0.0.0:0".into();
        s.public_url = Some(PUBLIC.into());
        s.trusted_proxies = vec!["127.0.0.0/8".parse().expect("a net")];
        s.rate_limit = rate_limit;
    })
    .await;
    (base.replace("0.0.0.0", "127.0.0.1"), database)
}

/// [`unseeded_behind_a_proxy`], seeded.
async fn behind_a_proxy() -> crate::helpers::TestApp {
    let (base, database) = unseeded_behind_a_proxy(100).await;
    let mut app = seed(base, reqwest::Client::new()).await;
    app.database = database;
    app
}

#[tokio::test]
async fn a_hub_beyond_loopback_will_not_start_without_its_public_url() {
    let mut settings = Settings::for_tests(fresh_database().await);
    settings.addr = "0.0.0.0:0".into();
    let started = postsale_server::Application::build(settings).await;
    assert!(
        matches!(&started, Err(StartError::PublicUrl(why)) if why.contains("--public-url")),
        "{started:?}"
    );
}

#[tokio::test]
async fn behind_a_proxy_the_frame_page_its_policy_and_card_entry_use_the_public_origin() {
    let app = behind_a_proxy().await;
    let body = purchase(&ticket(&claims("PX-1", Some("OUTDOOR"))), "PX-1");
    let opportunity: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let id = opportunity["id"].as_str().expect("id");
    let frame = app
        .client
        .get(format!("{}/v1/opportunities/{id}/frame", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("sent");
    assert_eq!(frame.status(), 200);
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    for source in [
        format!("script-src {PUBLIC} 'wasm-unsafe-eval'"),
        format!("connect-src {PUBLIC};"),
        format!("style-src {PUBLIC};"),
    ] {
        assert!(csp.contains(&source), "{source} in {csp}");
    }
    assert!(
        !csp.contains("127.0.0.1") && !csp.contains("0.0.0.0"),
        "{csp}"
    );
    let html = frame.text().await.expect("html");
    assert!(html.contains(&format!("data-hub=\"{PUBLIC}\"")), "{html}");
    assert!(
        !html.contains("0.0.0.0") && !html.contains("127.0.0.1"),
        "{html}"
    );
    // Card entry, as the frame (served from the public origin) posts it
    // through the proxy.
    let token = frame_token(&app, id).await;
    let card = app
        .client
        .post(format!("{}/v1/opportunities/{id}/card", app.base))
        .header("origin", PUBLIC)
        .header("x-forwarded-for", "203.0.113.9")
        .header("postsale-frame-token", token)
        .json(&serde_json::json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(card.status(), 201);
}

/// Sends `GET /healthz` with `header` through the proxy until the hub
/// refuses; how many it answered first.
async fn answered_before_refusal(base: &str, header: (&str, &str)) -> u32 {
    let client = reqwest::Client::new();
    for sent in 0..50 {
        let response = client
            .get(format!("{base}/healthz"))
            .header(header.0, header.1)
            .send()
            .await
            .expect("sent");
        if response.status() == 429 {
            return sent;
        }
        assert_eq!(response.status(), 200);
    }
    50
}

#[tokio::test]
async fn the_trusted_proxys_clients_each_have_their_own_rate_limit() {
    let (base, _) = unseeded_behind_a_proxy(2).await;
    // One client spends its budget (a burst of twice the rate)...
    let first = answered_before_refusal(&base, ("x-forwarded-for", "203.0.113.9")).await;
    assert!((4..=6).contains(&first), "answered {first}");
    // ...another behind the same proxy still has its own, named either way.
    let second =
        answered_before_refusal(&base, ("forwarded", "for=198.51.100.4;proto=https")).await;
    assert!((4..=6).contains(&second), "answered {second}");
    // A hop the client wrote itself, before the one the proxy vouches for,
    // changes nothing.
    let forged = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .header("x-forwarded-for", "192.0.2.1, 203.0.113.9")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 429);
}

#[tokio::test]
async fn forwarding_headers_from_anyone_else_do_not_escape_the_limit() {
    // Loopback is not trusted here: rotating X-Forwarded-For is ignored.
    let (base, _) = start(Settings::for_tests(fresh_database().await), |s| {
        s.rate_limit = 2;
        s.trusted_proxies = vec!["10.0.0.0/8".parse().expect("a net")];
    })
    .await;
    let client = reqwest::Client::new();
    let mut refused = false;
    for n in 0..20 {
        let response = client
            .get(format!("{base}/healthz"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .header("forwarded", format!("for=198.51.100.{n}"))
            .send()
            .await
            .expect("sent");
        if response.status() == 429 {
            refused = true;
            break;
        }
    }
    assert!(
        refused,
        "a client named a new address each time and was never limited"
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_only_the_proxys_is_kept() {
    let app = behind_a_proxy().await;
    let id_of = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned()
    };
    let get = |id: Option<&'static str>| {
        let mut request = app.client.get(format!("{}/healthz", app.base));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let made = get(None).await.expect("sent");
    let again = get(None).await.expect("sent");
    assert!(!id_of(&made).is_empty());
    assert_ne!(id_of(&made), id_of(&again), "each request its own id");
    let kept = get(Some("lb-7f3a:22")).await.expect("sent");
    assert_eq!(id_of(&kept), "lb-7f3a:22");
    for forged in ["a b", "{\"level\":\"error\"}", &*"x".repeat(65)] {
        let mut request = app.client.get(format!("{}/healthz", app.base));
        request = request.header("x-request-id", forged);
        let answer = request.send().await.expect("sent");
        assert_ne!(id_of(&answer), forged);
    }
    // Errors carry one too, and from a client that is not a proxy the
    // id it sends is not taken.
    let (base, _) = start(Settings::for_tests(fresh_database().await), |_| {}).await;
    let answer = reqwest::Client::new()
        .get(format!("{base}/nope"))
        .header("x-request-id", "chosen-by-client")
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), 404);
    assert_ne!(id_of(&answer), "chosen-by-client");
}

#[tokio::test]
async fn readiness_says_whether_the_database_answers_with_every_migration() {
    let app = behind_a_proxy().await;
    let ready = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<Value>().await.expect("json")["status"],
        "ready"
    );
    // A database one migration behind this build: not ready, saying why;
    // liveness is unaffected.
    let db = crate::helpers::database(&app).await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 11")
        .execute(&db)
        .await
        .expect("deleted");
    let behind = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(behind.status(), 503);
    assert_eq!(behind.headers()["content-type"], "application/problem+json");
    let problem: Value = behind.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("migration 11")),
        "{problem}"
    );
    let alive = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(alive.status(), 200);
}

#[tokio::test]
async fn migrate_applies_the_migrations_alone_and_a_hub_then_starts_on_them() {
    let database = fresh_database().await;
    let settings = Settings::for_tests(database.clone());
    postsale_server::migrate(&settings).await.expect("migrated");
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&database).await.expect("connects");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&db)
        .await
        .expect("counted");
    assert!(applied >= 11, "{applied} migrations");
    // Again: nothing to do, no error.
    postsale_server::migrate(&settings)
        .await
        .expect("migrated again");
    let (base, _) = start(settings, |_| {}).await;
    let ready = reqwest::get(format!("{base}/readyz")).await.expect("sent");
    assert_eq!(ready.status(), 200);
    let mut unknown = Settings::for_tests("mysql://db/hub");
    unknown.addr = "127.0.0.1:0".into();
    assert!(postsale_server::migrate(&unknown).await.is_err());
}

#[test]
fn check_config_says_what_would_stop_the_hub_and_prints_no_secret() {
    let mut settings = Settings::for_tests("postgres://hub:s3cr3t-pw@db.internal/hub");
    settings.addr = "0.0.0.0:8080".into();
    let refused = postsale_server::check_config(&settings);
    assert!(
        matches!(refused, Err(StartError::PublicUrl(_))),
        "{refused:?}"
    );
    settings.public_url = Some(PUBLIC.into());
    settings.trusted_proxies = vec!["10.0.0.0/8".parse().expect("a net")];
    settings.operator_key = Some(postsale_server::Secret::new("operator-key-value"));
    let summary = postsale_server::check_config(&settings).expect("fine");
    assert!(summary.contains(PUBLIC), "{summary}");
    assert!(summary.contains("10.0.0.0/8"), "{summary}");
    for secret in ["s3cr3t-pw", "operator-key-value"] {
        assert!(!summary.contains(secret), "{secret} in {summary}");
    }
    let master = settings
        .master_key
        .as_ref()
        .and_then(postsale_server::Secret::expose_text)
        .expect("a test master key")
        .to_owned();
    assert!(!summary.contains(&master));
    assert!(summary.contains("payments the sandbox"), "{summary}");
    // On Stripe: which API and mode, never the keys.
    settings.gateway = postsale_server::Gateway::Stripe(postsale_server::StripeSettings {
        secret_key: postsale_server::Secret::new("sk_test_51secretpart"),
        publishable_key: "pk_test_public".into(),
        webhook_secret: Some(postsale_server::Secret::new("whsec_signingpart")),
        api_base: "https://api.stripe.com".into(),
        js_url: "https://js.stripe.com/v3/".into(),
    });
    let summary = postsale_server::check_config(&settings).expect("fine");
    assert!(
        summary.contains(
            "payments Stripe at https://api.stripe.com (test mode, webhook secret given: true)"
        ),
        "{summary}"
    );
    for secret in ["51secretpart", "signingpart"] {
        assert!(!summary.contains(secret), "{secret} in {summary}");
    }
    settings.gateway = postsale_server::Gateway::Sandbox;
    settings.database = "mysql://db/hub".into();
    assert!(postsale_server::check_config(&settings).is_err());
    settings.database = "sqlite://hub.db".into();
    settings.assets = Some("/nowhere/at/all".into());
    assert!(matches!(
        postsale_server::check_config(&settings),
        Err(StartError::Assets { .. })
    ));
    settings.assets = None;
    settings.master_key = Some(postsale_server::Secret::new("not hex"));
    assert!(matches!(
        postsale_server::check_config(&settings),
        Err(StartError::MasterKey(_))
    ));
}

/// The value of the sample named `series` (with its labels) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &crate::helpers::TestApp) -> String {
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("text")
            .starts_with("application/openmetrics-text"),
    );
    response.text().await.expect("text")
}

#[tokio::test]
async fn metrics_count_requests_opportunities_accepts_and_charges_without_an_id() {
    let app = crate::helpers::spawn_app().await;
    let (id, offer) = crate::accept::outdoor(&app, "MX-1").await;
    let reference = crate::accept::card_reference(&app, &id, "4242 4242 4242 4242").await;
    let body = crate::accept::accept_body(&offer, &reference);
    let accepted = crate::accept::accept(&app, &id, "mx-key", &body).await;
    assert_eq!(accepted.status(), 201);
    let again = crate::accept::accept(&app, &id, "mx-key", &body).await;
    assert_eq!(again.status(), 201);
    // The customer's fourth showing of a reason code today passes its cap
    // (3 in the tests' seeds): no offer.
    let mut statuses = Vec::new();
    for n in 2..=5 {
        let order = format!("MX-{n}");
        let response = app
            .post_opportunity(&purchase(
                &ticket(&claims(&order, Some("CAMERA-HIGH"))),
                &order,
            ))
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 204]);
    let text = scrape(&app).await;
    for (series, at_least) in [
        (
            r#"postsale_http_requests_total{method="POST",route="/v1/opportunities",status="201"}"#,
            1.0,
        ),
        (
            r#"postsale_http_requests_total{method="POST",route="/v1/opportunities",status="204"}"#,
            1.0,
        ),
        (
            r#"postsale_http_requests_total{method="POST",route="/v1/opportunities/{id}/accept",status="201"}"#,
            2.0,
        ),
        (
            r#"postsale_http_request_duration_seconds_count{method="POST",route="/v1/opportunities/{id}/accept",status="201"}"#,
            2.0,
        ),
        (r#"postsale_opportunities_total{outcome="created"}"#, 1.0),
        (
            r#"postsale_opportunities_total{outcome="frequency_cap"}"#,
            1.0,
        ),
        (
            r#"postsale_accepts_total{mode="direct_entry",outcome="accepted"}"#,
            1.0,
        ),
        (
            r#"postsale_accepts_total{mode="any",outcome="replayed"}"#,
            1.0,
        ),
        (
            r#"postsale_charges_total{mode="direct_entry",outcome="charged"}"#,
            1.0,
        ),
        (r#"postsale_db_pool_connections{state="idle"}"#, 0.0),
        ("postsale_webhook_queue_depth", 0.0),
        ("postsale_webhook_oldest_undelivered_seconds", 0.0),
        ("postsale_reconciler_backlog", 0.0),
    ] {
        let value = sample(&text, series).unwrap_or_else(|| panic!("{series} in\n{text}"));
        assert!(value >= at_least, "{series} = {value}");
    }
    // One charge for the accept and its replay.
    assert_eq!(
        sample(
            &text,
            r#"postsale_charges_total{mode="direct_entry",outcome="charged"}"#
        ),
        Some(1.0)
    );
    // Route templates only: no opportunity id, order id or customer.
    for never in [id.as_str(), "opp_", "ord_", "cust-1", "MX-1"] {
        assert!(!text.contains(never), "{never} in the metrics");
    }
}

#[tokio::test]
async fn a_webhook_waiting_shows_in_the_metrics_queue() {
    let app = crate::helpers::spawn_app().await;
    // The upseller's webhook URL is not proven yet: the order's webhook waits.
    crate::handoff::put_url(
        &app,
        &app.trail_key,
        "webhook_url",
        "http://127.0.0.1:9/hooks",
    )
    .await;
    let before = scrape(&app).await;
    assert_eq!(sample(&before, "postsale_webhook_queue_depth"), Some(0.0));
    let (id, offer) = crate::accept::outdoor(&app, "MQ-1").await;
    let reference = crate::accept::card_reference(&app, &id, "4242 4242 4242 4242").await;
    let accepted = crate::accept::accept(
        &app,
        &id,
        "mq-key",
        &crate::accept::accept_body(&offer, &reference),
    )
    .await;
    assert_eq!(accepted.status(), 201);
    let text = scrape(&app).await;
    assert!(
        sample(&text, "postsale_webhook_queue_depth").is_some_and(|n| n >= 1.0),
        "{text}"
    );
}

#[tokio::test]
async fn a_metrics_token_is_asked_for_when_the_hub_has_one() {
    let (base, _) = start(Settings::for_tests(fresh_database().await), |s| {
        s.metrics_token = Some(postsale_server::Secret::new("scrape-token"));
    })
    .await;
    let client = reqwest::Client::new();
    for auth in [None, Some("Bearer wrong"), Some("scrape-token")] {
        let mut request = client.get(format!("{base}/metrics"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.expect("sent");
        crate::helpers::assert_problem(response, 401, None).await;
    }
    let ok = client
        .get(format!("{base}/metrics"))
        .header("authorization", "Bearer scrape-token")
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.expect("text").contains("# EOF"));
}

#[tokio::test]
async fn metrics_on_an_address_of_their_own_are_not_on_the_public_one() {
    let mut settings = Settings::for_tests(fresh_database().await);
    settings.metrics_addr = Some("127.0.0.1:0".into());
    let app = postsale_server::Application::build(settings)
        .await
        .expect("builds");
    let public = format!("http://{}", app.local_addr());
    let private = format!("http://{}", app.metrics_addr().expect("a metrics address"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let hidden = client
        .get(format!("{public}/metrics"))
        .send()
        .await
        .expect("sent");
    crate::helpers::assert_problem(hidden, 404, None).await;
    let shown = client
        .get(format!("{private}/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(shown.status(), 200);
    let other = client
        .get(format!("{private}/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        other.status(),
        404,
        "the metrics address serves nothing else"
    );
}
