//! `GET /v1/admin/stats/report`: a window of days counted by the database,
//! beside the window before it, with a day-by-day series and tables per
//! reason code, other party and item, for an affiliate and an upseller.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    accept::outdoor,
    helpers::{TestApp, assert_problem, spawn_app},
    refunds::charged_order,
};

async fn report(app: &TestApp, key: &str, query: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/v1/admin/stats/report{query}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("sent")
}

async fn report_json(app: &TestApp, key: &str, query: &str) -> Value {
    let response = report(app, key, query).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_report_counts_showings_sales_refunds_and_balances_on_each_side() {
    let app = spawn_app().await;
    // Three purchases show an offer: one pays, one declines, one only looks.
    let order = charged_order(&app, "ord-paid").await;
    let (declined, _) = outdoor(&app, "ord-declined").await;
    assert_eq!(app.decline(&declined).await.status(), 204);
    outdoor(&app, "ord-looked").await;
    let refunded = app
        .admin(
            Method::POST,
            &app.trail_key,
            &format!("orders/{order}/refund"),
            Some(json!({"amount": "10.00"})),
        )
        .await;
    assert_eq!(refunded.status(), 200, "refunded at once by the sandbox");

    let shop = report_json(&app, &app.shop_key, "").await;
    assert_eq!(shop["side"], "affiliate");
    let now = report_json(&app, &app.shop_key, "?side=affiliate").await;
    assert_eq!(now["current"], shop["current"]);
    let current = &shop["current"];
    assert_eq!(current["shown"], 3);
    assert_eq!(current["viewed"], 3);
    assert_eq!(current["declined"], 1);
    assert_eq!(current["accepted"], 1);
    assert_eq!(current["orders_shown"], 3);
    assert_eq!(current["revenue"], json!({"USD": "99.00"}));
    assert_eq!(current["refunds"], json!({"USD": "10.00"}));
    assert_eq!(current["net_revenue"], json!({"USD": "89.00"}));
    // 89.00 over three purchases, rounded to the cent.
    assert_eq!(current["revenue_per_transaction"], json!({"USD": "29.67"}));
    assert_eq!(current["average_upsell"], json!({"USD": "89.00"}));
    assert!((current["acceptance_rate"].as_f64().expect("rate") - 1.0 / 3.0).abs() < 1e-9);

    // Thirty days by default, ending today, every day listed.
    let days = shop["days"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    assert_eq!(days.last().expect("today")["date"], shop["to"]);
    assert_eq!(days.last().expect("today")["shown"], 3);
    assert_eq!(
        days.iter()
            .map(|d| d["shown"].as_i64().unwrap_or(0))
            .sum::<i64>(),
        3
    );
    assert_eq!(shop["previous"]["shown"], 0);
    assert!(
        shop["previous"]["revenue"]
            .as_object()
            .is_some_and(|r| r.is_empty())
    );

    assert_eq!(shop["reason_codes"].as_array().map(Vec::len), Some(1));
    assert_eq!(shop["reason_codes"][0]["key"], "OUTDOOR");
    assert_eq!(shop["reason_codes"][0]["orders_shown"], 3);
    assert_eq!(shop["counterparts"][0]["key"], "trail");
    assert_eq!(
        shop["counterparts"][0]["net_revenue"],
        json!({"USD": "89.00"})
    );
    // The upseller collected the money and owes the shop its commission.
    assert_eq!(
        shop["balances"],
        json!([{"counterpart": "trail", "owed": {"USD": "9.90"}}])
    );

    // The upseller sees the same sales from its side, with its items.
    let trail = report_json(&app, &app.trail_key, "").await;
    assert_eq!(trail["side"], "upseller");
    assert_eq!(trail["current"]["shown"], 3);
    assert_eq!(trail["current"]["accepted"], 1);
    assert_eq!(trail["current"]["net_revenue"], json!({"USD": "89.00"}));
    assert_eq!(trail["counterparts"][0]["key"], "shop");
    assert_eq!(
        trail["balances"],
        json!([{"counterpart": "shop", "owed": {"USD": "-9.90"}}])
    );
    assert_eq!(
        trail["items"],
        json!([{"sku": "TRIPOD", "name": trail["items"][0]["name"], "unit_price": "99.00",
            "currency": "USD", "orders": 1, "units": 1, "list_revenue": "99.00"}])
    );
    // Lens sold nothing: all zeros, no money.
    let lens = report_json(&app, &app.lens_key, "").await;
    assert_eq!(lens["current"]["shown"], 0);
    assert!(lens["items"].as_array().is_some_and(Vec::is_empty));

    // A window long ago holds nothing, and its previous window is as long.
    let old = report_json(&app, &app.shop_key, "?to=2001-01-31&days=31").await;
    assert_eq!(old["from"], "2001-01-01");
    assert_eq!(old["days"].as_array().map(Vec::len), Some(31));
    assert_eq!(old["current"]["shown"], 0);
    assert_eq!(old["previous_from"], "2000-12-01");
    assert_eq!(old["previous_to"], "2000-12-31");
    let leap = report_json(&app, &app.shop_key, "?to=2024-03-01&days=2").await;
    assert_eq!(leap["from"], "2024-02-29");
    // A side the merchant does not have counts nothing.
    let none = report_json(&app, &app.lens_key, "?side=affiliate").await;
    assert_eq!(none["side"], "affiliate");
    assert_eq!(none["current"]["shown"], 0);
}

#[tokio::test]
async fn a_report_refuses_bad_windows_and_parameters() {
    let app = spawn_app().await;
    for (query, status, field) in [
        ("?to=2026-02-30", 422, Some("to")),
        ("?to=yesterday", 422, Some("to")),
        ("?to=2026-1-1", 422, Some("to")),
        ("?to=", 422, Some("to")),
        ("?days=0", 422, Some("days")),
        ("?days=367", 422, Some("days")),
        ("?days=1.5", 422, Some("days")),
        ("?days=-3", 422, Some("days")),
        ("?side=both", 422, Some("side")),
        ("?to=2026-01-01&to=2026-01-02", 400, Some("to")),
        ("?from=2026-01-01", 400, None),
    ] {
        assert_problem(report(&app, &app.shop_key, query).await, status, field).await;
    }
    // A year is fine; so is one day.
    let year = report_json(&app, &app.shop_key, "?to=2026-03-02&days=366").await;
    assert_eq!(year["from"], "2025-03-02");
    let one = report_json(&app, &app.shop_key, "?to=2026-03-02&days=1").await;
    assert_eq!(one["days"].as_array().map(Vec::len), Some(1));
    let anonymous = app
        .client
        .get(format!("{}/v1/admin/stats/report", app.base))
        .send()
        .await
        .expect("sent");
    assert_problem(anonymous, 401, None).await;
}
