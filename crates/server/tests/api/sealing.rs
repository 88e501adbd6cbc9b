//! Secrets at rest: every secret the hub keeps is sealed under the master
//! key the operator gives it, so a copy of the database alone reveals none,
//! and a hub given another key refuses to start.

use postsale_server::{Application, Secret, Settings, StartError};
use reqwest::Method;
use serde_json::Value;
use sqlx::Row;

use crate::helpers::{OPERATOR_KEY, SECRET, claims, fresh_database, purchase, seed, ticket};

fn settings(database: &str, master_key: Option<String>) -> Settings {
    let mut settings = Settings::for_tests(database.to_owned());
    settings.operator_key = Some(Secret::new(OPERATOR_KEY));
    settings.master_key = master_key.map(Secret::new);
    settings
}

async fn start(database: &str, master_key: &str) -> String {
    let app = Application::build(settings(database, Some(master_key.to_owned())))
        .await
        .expect("hub builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    base
}

#[tokio::test]
async fn a_copy_of_the_database_reveals_no_secret_and_another_key_does_not_start_the_hub() {
    let database = fresh_database().await;
    let key = "a".repeat(64);
    let base = start(&database, &key).await;
    let app = seed(base, reqwest::Client::new()).await;
    let (hub_key_id, hub_secret) = app.hub_key.clone();

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&database).await.expect("connects");
    let bodies = sqlx::query("SELECT body FROM records WHERE kind = 'secrets'")
        .fetch_all(&pool)
        .await
        .expect("rows");
    assert!(!bodies.is_empty());
    for row in bodies {
        let body: String = row.try_get("body").expect("body");
        assert!(!body.contains(SECRET), "a ticket key in the clear: {body}");
        assert!(body.contains("sealed:v1:"), "{body}");
    }
    let keys = sqlx::query("SELECT key_id, secret FROM hub_keys")
        .fetch_all(&pool)
        .await
        .expect("rows");
    assert!(!keys.is_empty());
    for row in keys {
        let secret: String = row.try_get("secret").expect("secret");
        assert!(secret.starts_with("sealed:v1:") && !secret.contains(&hub_secret));
    }
    // The file itself, where the database is one (SQLite).
    if let Some(path) = database.strip_prefix("sqlite://") {
        let mut bytes = std::fs::read(path).expect("the database file");
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET) && !text.contains(&hub_secret));
    }
    // The secrets still serve: a ticket signed with the ticket key verifies,
    // the key list names the hub key without its secret.
    let c = claims("S-1", Some("CAMERA-HIGH"));
    assert_eq!(
        app.post_opportunity(&purchase(&ticket(&c), "S-1"))
            .await
            .status(),
        201
    );
    let listed: Value = app
        .admin(Method::GET, &app.shop_key, "keys", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed[0]["key_id"], hub_key_id.as_str());

    // Another key, a malformed one, none: the hub does not start.
    for other in [Some("b".repeat(64)), Some("not hex".to_owned()), None] {
        let started = Application::build(settings(&database, other.clone())).await;
        assert!(
            matches!(started, Err(StartError::MasterKey(_))),
            "started with {other:?}"
        );
    }
    // The same key again: it does.
    let again = start(&database, &key).await;
    let health = reqwest::get(format!("{again}/healthz"))
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
}
