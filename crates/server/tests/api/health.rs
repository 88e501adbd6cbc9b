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
