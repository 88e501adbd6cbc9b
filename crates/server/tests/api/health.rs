//! Liveness and unknown paths.

use crate::helpers::{assert_problem, spawn_bare};

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let (base, client) = spawn_bare().await;
    let response = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let (base, client) = spawn_bare().await;
    let response = client
        .get(format!("{base}/nope"))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 404, None).await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let (base, client) = spawn_bare().await;
    for (method, path) in [
        (reqwest::Method::GET, "/v1/opportunities"),
        (reqwest::Method::DELETE, "/healthz"),
        (reqwest::Method::PUT, "/v1/opportunities/opp_x/accept"),
    ] {
        let response = client
            .request(method.clone(), format!("{base}{path}"))
            .send()
            .await
            .expect("sent");
        assert_problem(response, 405, None).await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let (base, client) = spawn_bare().await;
    let doc: serde_json::Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/v1/opportunities",
        "/v1/opportunities/{id}/offer",
        "/v1/opportunities/{id}/accept",
        "/v1/opportunities/{id}/decline",
        "/v1/admin/{kind}/{id}",
        "/v1/admin/stats",
        "/v1/admin/orders/{id}/refund",
        "/v1/admin/customers/erase",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every operation says what the limits answer, and every one that needs
    // a key says what a wrong or insufficient one gets.
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let answers = &operation["responses"];
            assert!(answers["429"].is_object(), "{method} {path}: 429");
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            if secured {
                for status in ["401", "403"] {
                    assert!(answers[status].is_object(), "{method} {path}: {status}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} operations");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["OpportunityRequest"].is_object());
    assert!(doc["components"]["schemas"]["CurrencyCode"].is_object());
}

#[tokio::test]
async fn a_demo_hub_refuses_to_listen_beyond_loopback() {
    let mut settings = postsale_server::Settings::for_tests(crate::helpers::fresh_database().await);
    settings.demo = true;
    settings.addr = "0.0.0.0:0".into();
    let started = postsale_server::Application::build(settings).await;
    assert!(
        matches!(started, Err(postsale_server::StartError::Demo(_))),
        "a demo hub on every address"
    );
}
