//! Which of an upseller's items an affiliate's customer is offered: an item
//! kept for some affiliates reaches only theirs, and a promotion the
//! upseller gave (named by the signed ticket, else by the page) offers
//! exactly its items, which are never offered without it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, claims, item, purchase, reason, sign_ticket_with, spawn_app, ticket,
};

const MALL_KEY_ID: &str = "mk1";
const MALL_SECRET: &str = "the mall's ticket secret, 32 bytes or more";

/// A second affiliate, `mall`, selling trail's items by card under OUTDOOR.
async fn mall(app: &TestApp) {
    let key = app
        .create_merchant(
            json!({"id": "mall", "name": "Mall", "affiliate": true, "upseller": false}),
        )
        .await;
    let agreed = app
        .admin(
            Method::PUT,
            &app.trail_key,
            "agreements/mall",
            Some(json!({"modes": ["direct_entry"], "commission_bps": 500})),
        )
        .await;
    assert_eq!(agreed.status(), 200);
    for (kind, body) in [
        (
            "secrets",
            json!({"key_id": MALL_KEY_ID, "secret": MALL_SECRET}),
        ),
        (
            "templates",
            json!({"id": "t", "headline": "Hi", "body": "b", "button": "Add"}),
        ),
        (
            "styles",
            json!({"id": "s", "accent": "#112233", "text": "#000000",
            "surface": "#ffffff", "font": "Georgia, serif", "radius_px": 8}),
        ),
    ] {
        app.must_create(&key, kind, body).await;
    }
    let mut code = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    code["incentives"] = json!([]);
    app.must_create(&key, "reason-codes", code).await;
}

/// trail's bags, all going with a camera: one kept for the shop, one for
/// everyone, one of the spring promotion.
async fn bags(app: &TestApp) {
    for (sku, fields) in [
        ("BAG-SHOP", json!({"affiliates": ["shop"]})),
        ("BAG-ALL", json!({})),
        ("BAG-SPRING", json!({"promotion_id": "spring"})),
    ] {
        let mut body = item(sku, "40.00", "USD", &["CAM"]);
        for (k, v) in fields.as_object().expect("object") {
            body[k] = v.clone();
        }
        app.must_create(&app.trail_key, "offer-items", body).await;
    }
}

/// The SKUs offered for `body`, from `affiliate`'s server (no `Origin`),
/// sorted; `None` when nothing is shown.
async fn offered(app: &TestApp, body: &Value) -> Option<Vec<String>> {
    let response = app
        .client
        .post(format!("{}/v1/opportunities", app.base))
        .json(body)
        .send()
        .await
        .expect("sent");
    if response.status() == 204 {
        return None;
    }
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    let mut skus: Vec<String> = offer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["sku"].as_str().expect("sku").to_owned())
        .collect();
    skus.sort();
    Some(skus)
}

/// A purchase of a camera at `affiliate` for `order`, its ticket naming
/// `signed` as the promotion and the page `page`.
fn bought(affiliate: &str, order: &str, signed: Option<&str>, page: Option<&str>) -> Value {
    let mut c = claims(order, Some("OUTDOOR"));
    c.promotion_id = signed.map(str::to_owned);
    let raw = if affiliate == "mall" {
        c.affiliate_id = "mall".into();
        sign_ticket_with(&c, MALL_KEY_ID, MALL_SECRET.as_bytes())
    } else {
        ticket(&c)
    };
    let mut body = purchase(&raw, order);
    if let Some(page) = page {
        body["transaction"]["promotion_id"] = json!(page);
    }
    body
}

#[tokio::test]
async fn an_item_kept_for_one_affiliate_is_offered_to_that_one_only() {
    let app = spawn_app().await;
    mall(&app).await;
    bags(&app).await;
    assert_eq!(
        offered(&app, &bought("shop", "PR-1", None, None)).await,
        Some(vec!["BAG-ALL".into(), "BAG-SHOP".into()])
    );
    assert_eq!(
        offered(&app, &bought("mall", "PR-2", None, None)).await,
        Some(vec!["BAG-ALL".into()])
    );
}

#[tokio::test]
async fn a_promotion_from_the_ticket_or_the_page_offers_exactly_its_items() {
    let app = spawn_app().await;
    mall(&app).await;
    bags(&app).await;
    let spring = Some(vec!["BAG-SPRING".to_owned()]);
    assert_eq!(
        offered(&app, &bought("shop", "PR-3", Some("spring"), None)).await,
        spring
    );
    assert_eq!(
        offered(&app, &bought("mall", "PR-4", None, Some("spring"))).await,
        spring
    );
    // The signed promotion outranks the page's.
    assert_eq!(
        offered(
            &app,
            &bought("shop", "PR-5", Some("spring"), Some("autumn"))
        )
        .await,
        spring
    );
    // A promotion with no items shows nothing, rather than other items.
    assert_eq!(
        offered(&app, &bought("shop", "PR-6", Some("autumn"), None)).await,
        None
    );
    assert_problem(
        app.post_opportunity(&bought("shop", "PR-7", None, Some("spring sale!")))
            .await,
        422,
        Some("transaction.promotion_id"),
    )
    .await;
    let mut long = claims("PR-8", Some("OUTDOOR"));
    long.promotion_id = Some("p".repeat(65));
    assert_problem(
        app.post_opportunity(&purchase(&ticket(&long), "PR-8"))
            .await,
        401,
        None,
    )
    .await;
}
