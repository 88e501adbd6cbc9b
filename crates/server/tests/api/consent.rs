//! The consent frame: an offer that charges a payment method the customer
//! already gave is confirmed by a click inside the hub's consent frame, and
//! its accept must carry that frame's single-use proof. Everything a script
//! of the merchant's page can send without that click is refused, and
//! nothing is stored or charged for it.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::{
    accept::{accept_with, frame_token, outdoor},
    handoff::{add_care_plan, affiliate, body_for, open},
    helpers::{ORIGIN, TestApp, assert_problem, claims},
};

/// The consent frame page for `items`, as the widget's IFRAME loads it.
async fn consent_page(app: &TestApp, id: &str, items: &str) -> reqwest::Response {
    app.client
        .get(format!(
            "{}/v1/opportunities/{id}/consent?items={items}",
            app.base
        ))
        .send()
        .await
        .expect("sent")
}

/// The value of `data-{name}` in the consent page, unescaped.
fn data(html: &str, name: &str) -> String {
    let marker = format!("data-{name}=\"");
    let (_, rest) = html.split_once(&marker).expect("the attribute");
    rest.split('"')
        .next()
        .expect("value")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// What the consent frame's script does on a real click: asks the hub for
/// the proof with its page's token and body.
async fn click(app: &TestApp, id: &str, items: &str) -> reqwest::Response {
    let page = consent_page(app, id, items).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    app.client
        .post(format!("{}{}", app.base, data(&html, "url")))
        .header("postsale-frame-token", data(&html, "token"))
        .header("content-type", "application/json")
        .body(data(&html, "body"))
        .send()
        .await
        .expect("sent")
}

async fn proof(app: &TestApp, id: &str, items: &str) -> String {
    let response = click(app, id, items).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    body["proof"].as_str().expect("proof").to_owned()
}

fn with_proof(offer: &Value, proof: Option<&str>) -> Value {
    let mut body = body_for(offer);
    if let Some(proof) = proof {
        body["consent"]["proof"] = json!(proof);
    }
    body
}

async fn orders(app: &TestApp) -> Value {
    app.admin(reqwest::Method::GET, &app.shop_key, "orders", None)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_scripted_accept_without_the_consent_frames_click_charges_nothing() {
    let app = crate::helpers::spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("C-1", Some("CARE"))).await;
    let sku = offer["items"][0]["sku"].as_str().expect("sku").to_owned();

    // What any script on the order page can do: post the accept with the
    // right consent fields, no proof, a made-up proof, a proof for another
    // quantity, a proof of another opportunity.
    let (other, other_offer) = open(&app, &affiliate, &claims("C-2", Some("CARE"))).await;
    let others = proof(&app, &other, &format!("{sku}:1")).await;
    let for_two = proof(&app, &id, &format!("{sku}:2")).await;
    let forged = format!("cp_{}", "0".repeat(64));
    for (n, proof) in [
        None,
        Some(forged.as_str()),
        Some(for_two.as_str()),
        Some(others.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let response = accept_with(
            &app,
            &id,
            &format!("c-1-{n}"),
            &with_proof(&offer, proof),
            None,
        )
        .await;
        assert_problem(response, 403, None).await;
    }
    assert_eq!(orders(&app).await, json!([]), "nothing stored");
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 0);

    // The customer's click: one charge, the receipt naming the proof.
    let clicked = proof(&app, &id, &format!("{sku}:1")).await;
    let response = accept_with(&app, &id, "c-1", &with_proof(&offer, Some(&clicked)), None).await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.expect("json");
    assert_eq!(affiliate.charger.charges.load(Ordering::SeqCst), 1);
    let stored = app.order(&order["order_id"]).await;
    assert!(
        stored["consent_receipt"]["proof"]
            .as_str()
            .is_some_and(|p| p.starts_with("consent:")),
        "{stored}"
    );
    // The other opportunity's proof, once, is good only there.
    let response = accept_with(
        &app,
        &other,
        "c-2",
        &with_proof(&other_offer, Some(&others)),
        None,
    )
    .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn the_consent_frame_shows_the_hubs_amount_and_is_framed_only_by_the_affiliate() {
    let app = crate::helpers::spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("C-3", Some("CARE"))).await;
    let sku = offer["items"][0]["sku"].as_str().expect("sku").to_owned();
    let page = consent_page(&app, &id, &format!("{sku}:2")).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains(&format!("frame-ancestors 'self' {ORIGIN}")),
        "{csp}"
    );
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(
        page.headers().get("access-control-allow-origin").is_none(),
        "no page may read it"
    );
    let html = page.text().await.expect("html");
    let price = offer["items"][0]["unit_price"].as_str().expect("price");
    let cents: i64 = price.replace('.', "").parse().expect("decimal");
    let twice = format!("{}.{:02}", cents * 2 / 100, cents * 2 % 100);
    assert!(
        html.contains(&format!("Confirm and pay {twice} USD")),
        "{html}"
    );

    // As the widget writes it: URL-encoded.
    let encoded = consent_page(&app, &id, &format!("{sku}%3A2")).await;
    assert_eq!(encoded.status(), 200);
    let (outdoor_id, _) = outdoor(&app, "C-4").await;
    let cases = [
        (id.as_str(), "items=", 422),
        (id.as_str(), "items=NOPE:1", 422),
        (id.as_str(), "items=CARE:0", 422),
        (id.as_str(), "items=CARE:x", 422),
        (id.as_str(), "", 422),
        (outdoor_id.as_str(), "items=TRIPOD:1", 409),
        ("opp_unknown", "items=CARE:1", 404),
    ];
    for (opportunity, query, status) in cases {
        let response = app
            .client
            .get(format!(
                "{}/v1/opportunities/{opportunity}/consent?{query}",
                app.base
            ))
            .send()
            .await
            .expect("sent");
        assert_problem(response, status, None).await;
    }
}

#[tokio::test]
async fn a_proof_is_given_only_to_the_consent_frames_own_token() {
    let app = crate::helpers::spawn_app().await;
    add_care_plan(&app).await;
    let affiliate = affiliate(&app).await;
    let (id, offer) = open(&app, &affiliate, &claims("C-5", Some("CARE"))).await;
    let (other, _) = open(&app, &affiliate, &claims("C-6", Some("CARE"))).await;
    let sku = offer["items"][0]["sku"].as_str().expect("sku").to_owned();
    let body = json!({"items": [{"sku": sku, "quantity": 1}],
        "disclosure_sha256": offer["disclosure"]["text_sha256"]});
    let url = format!("{}/v1/opportunities/{id}/consent", app.base);
    let others_token = frame_token(&app, &other).await;
    let own_token = frame_token(&app, &id).await;
    let mut wrong_disclosure = body.clone();
    wrong_disclosure["disclosure_sha256"] = json!("ab".repeat(32));
    let cases = [
        (None, body.clone(), 403),
        (Some("f".repeat(64)), body.clone(), 403),
        (Some(others_token), body.clone(), 403),
        (Some(own_token.clone()), wrong_disclosure, 422),
        (Some(own_token.clone()), json!({"items": []}), 400),
        (
            Some(own_token.clone()),
            json!({"items": [{"sku": "NOPE", "quantity": 1}], "disclosure_sha256": offer["disclosure"]["text_sha256"]}),
            422,
        ),
    ];
    for (token, body, status) in cases {
        let mut request = app.client.post(&url).json(&body);
        if let Some(token) = token {
            request = request.header("postsale-frame-token", token);
        }
        assert_problem(request.send().await.expect("sent"), status, None).await;
    }
    let ok = app
        .client
        .post(&url)
        .header("postsale-frame-token", own_token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 201);
}
