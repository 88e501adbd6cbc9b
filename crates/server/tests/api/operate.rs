//! Operating: a webhook delivery sent again on the merchant's word, and the
//! audit trail of who changed what (changes only, never reads or bodies).

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, assert_problem, database, spawn_app},
    refunds::charged_order,
};

async fn retry(app: &TestApp, key: &str, id: &str) -> reqwest::Response {
    app.admin(Method::POST, key, &format!("webhooks/{id}/retry"), None)
        .await
}

async fn set(app: &TestApp, id: &str, sql: &str) {
    let pool = database(app).await;
    sqlx::query(&format!("UPDATE webhooks SET {sql} WHERE id = $1"))
        .bind(id)
        .execute(&pool)
        .await
        .expect("updated");
}

async fn status(app: &TestApp, id: &str) -> String {
    let pool = database(app).await;
    sqlx::query_scalar("SELECT status FROM webhooks WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("status")
}

async fn audit(app: &TestApp, key: &str, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/v1/console/audit{query}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("sent")
}

async fn trail(app: &TestApp, key: &str) -> Vec<Value> {
    let response = audit(app, key, "").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_delivery_is_sent_again_on_the_merchants_word_unless_delivered_erased_or_under_way() {
    let app = spawn_app().await;
    let order = charged_order(&app, "ord-hook").await;
    let deliveries: Value = app
        .admin(Method::GET, &app.trail_key, "webhooks", None)
        .await
        .json()
        .await
        .expect("json");
    let delivery = deliveries
        .as_array()
        .and_then(|d| d.iter().find(|d| d["order_id"] == order.as_str()))
        .expect("the order's webhook");
    let id = delivery["id"].as_str().expect("id").to_owned();

    // Waiting for its next attempt an hour from now: brought forward.
    set(&app, &id, "next_attempt_at = next_attempt_at + 3600").await;
    assert_eq!(retry(&app, &app.trail_key, &id).await.status(), 202);
    // Due now (or being sent): not twice.
    assert_problem(retry(&app, &app.trail_key, &id).await, 409, None).await;

    // Given up on: one more attempt.
    set(&app, &id, "status = 'failed', next_attempt_at = 1").await;
    assert_eq!(retry(&app, &app.trail_key, &id).await.status(), 202);
    assert_eq!(status(&app, &id).await, "pending");

    // Delivered, or its data erased: never sent again.
    set(&app, &id, "status = 'delivered'").await;
    let body = assert_problem(retry(&app, &app.trail_key, &id).await, 409, None).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("delivered")),
        "{body}"
    );
    set(&app, &id, "status = 'failed', erased_at = 1").await;
    let body = assert_problem(retry(&app, &app.trail_key, &id).await, 409, None).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("erased")),
        "{body}"
    );
    assert_eq!(status(&app, &id).await, "failed");

    // Another merchant's, or none: not found. Without a key: refused.
    assert_problem(retry(&app, &app.shop_key, &id).await, 404, None).await;
    assert_problem(retry(&app, &app.trail_key, "whk_nope").await, 404, None).await;
    let response = app
        .client
        .post(format!("{}/v1/admin/webhooks/{id}/retry", app.base))
        .send()
        .await
        .expect("sent");
    assert_problem(response, 401, None).await;

    // The two retries that went through are in the trail, nothing else of
    // trail's (its URL set before, the reads, the refusals).
    let entries = trail(&app, &app.trail_key).await;
    let retries: Vec<&Value> = entries
        .iter()
        .filter(|e| e["path"] == format!("/v1/admin/webhooks/{id}/retry"))
        .collect();
    assert_eq!(retries.len(), 2, "{entries:?}");
    assert!(
        retries
            .iter()
            .all(|e| e["status"] == 202 && e["actor"] == "api_key")
    );
    assert!(entries.iter().all(|e| e["method"] != "GET"), "{entries:?}");
}

#[tokio::test]
async fn the_trail_keeps_each_change_with_who_made_it_and_no_body() {
    let app = spawn_app().await;
    let made = app
        .admin(
            Method::POST,
            &app.shop_key,
            "templates",
            Some(json!({"id": "audited", "headline": "Hi", "body": "Secret body text", "button": "Add"})),
        )
        .await;
    assert_eq!(made.status(), 201);
    let refused = app
        .admin(
            Method::POST,
            &app.shop_key,
            "templates",
            Some(json!({"id": "bad"})),
        )
        .await;
    assert!(refused.status().is_client_error());
    let removed = app
        .admin(Method::DELETE, &app.shop_key, "templates/audited", None)
        .await;
    assert_eq!(removed.status(), 204);
    // A preview changes nothing of the merchant's: not in the trail.
    let preview = app
        .client
        .post(format!("{}/v1/console/previews", app.base))
        .bearer_auth(&app.shop_key)
        .json(&json!({"reason_code": "OUTDOOR"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(preview.status(), 201);

    let entries = trail(&app, &app.shop_key).await;
    let what: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // Newest first: the delete, then the create; the seed's own changes after.
    assert_eq!(
        what[0],
        ("DELETE".into(), "/v1/admin/templates/audited".into())
    );
    assert_eq!(what[1], ("POST".into(), "/v1/admin/templates".into()));
    assert!(
        !what.iter().any(|(_, path)| path.contains("previews")),
        "{what:?}"
    );
    assert_eq!(entries[1]["status"], 201);
    assert_eq!(entries[1]["actor_label"], "API key");
    assert!(
        !serde_json::to_string(&entries)
            .expect("json")
            .contains("Secret body text")
    );
    // Each merchant sees its own trail only.
    let lens = trail(&app, &app.lens_key).await;
    assert!(
        !lens
            .iter()
            .any(|e| e["path"] == "/v1/admin/templates/audited")
    );
    // Paged like every list.
    let response = audit(&app, &app.shop_key, "?limit=1").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("link"));
    let response = audit(&app, &app.shop_key, "?limit=0").await;
    assert_problem(response, 422, None).await;
    // A merchant deleted takes its trail with it, the deleting request too.
    let gone = app
        .admin(Method::DELETE, &app.shop_key, "merchant", None)
        .await;
    assert!(gone.status().is_success(), "{}", gone.status());
    let pool = database(&app).await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE merchant_id = 'shop'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(kept, 0);
}
