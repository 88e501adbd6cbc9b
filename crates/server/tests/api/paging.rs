//! Admin lists come in pages: `?limit=` and an opaque `?cursor=`, the next
//! page's URL in a `Link` header; every item once, in a stable order.

use reqwest::Method;
use serde_json::Value;

use crate::{
    helpers::{TestApp, assert_problem, item, spawn_app},
    refunds::charged_order,
};

/// Walks a list from `first` (a path under /v1/admin) through its `Link`s.
async fn walk(app: &TestApp, key: &str, first: &str) -> (Vec<Value>, usize) {
    let mut url = format!("{}/v1/admin/{first}", app.base);
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let response = app
            .client
            .get(&url)
            .bearer_auth(key)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let next = response
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("text").to_owned());
        let page: Vec<Value> = response.json().await.expect("json");
        pages += 1;
        items.extend(page);
        let Some(link) = next else { break };
        let path = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"next\""))
            .map(|(path, _)| path.to_owned())
            .expect("a next link");
        url = format!("{}{path}", app.base);
        assert!(pages < 20, "the pages end");
    }
    (items, pages)
}

#[tokio::test]
async fn records_and_orders_come_in_pages_each_item_once() {
    let app = spawn_app().await;
    for n in 0..7 {
        app.must_create(
            &app.lens_key,
            "offer-items",
            item(&format!("EXTRA-{n}"), "5.00", "USD", &[]),
        )
        .await;
    }
    let (all, pages) = walk(&app, &app.lens_key, "offer-items?limit=3").await;
    // The four items of the seed and the seven made here, by sku.
    let skus: Vec<&str> = all
        .iter()
        .map(|i| i["sku"].as_str().expect("sku"))
        .collect();
    assert_eq!(skus.len(), 11, "{skus:?}");
    assert_eq!(pages, 4);
    let mut sorted = skus.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, skus, "in id order, each once");

    let mut made = Vec::new();
    for n in 0..3 {
        made.push(charged_order(&app, &format!("PG-{n}")).await);
    }
    let (orders, pages) = walk(&app, &app.trail_key, "orders?limit=2").await;
    assert_eq!(pages, 2);
    let mut ids: Vec<String> = orders
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort_unstable();
    made.sort_unstable();
    assert_eq!(ids, made);
    let (hooks, _) = walk(&app, &app.trail_key, "webhooks?limit=1").await;
    assert_eq!(hooks.len(), 3, "one order.charged each");
    let (entries, pages) = walk(&app, &app.shop_key, "settlements?limit=2").await;
    assert_eq!((entries.len(), pages), (3, 2), "one ledger entry per order");
}

#[tokio::test]
async fn a_bad_limit_or_cursor_is_refused_naming_it() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=MTI6Jzsgb3I", "cursor"),
        ("offset=10", "offset"),
    ] {
        for list in ["orders", "webhooks", "offer-items", "settlements"] {
            assert_problem(
                app.admin(Method::GET, &app.lens_key, &format!("{list}?{query}"), None)
                    .await,
                422,
                Some(field),
            )
            .await;
        }
    }
}
