//! The hub answers its health check over real HTTP.

use postsale_server::{Application, Settings};

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let app = Application::build(Settings::for_tests())
        .await
        .expect("hub builds");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped());

    let response = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn an_unknown_path_is_404() {
    let app = Application::build(Settings::for_tests())
        .await
        .expect("hub builds");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped());
    let response = reqwest::get(format!("http://{addr}/nope"))
        .await
        .expect("request sent");
    assert_eq!(response.status(), 404);
}
