//! The customer's language: the widget's `locale`, else the browser's
//! `Accept-Language`, picks the widget's words, the disclosure the customer
//! consents to, the consent frame and the merchant's translated copy; what
//! is not spoken here falls back to English, and malformed tags and
//! translations are refused with nothing stored.

use postsale_protocol::{Labels, Language};
use reqwest::Method;
use serde_json::{Value, json};

use crate::accept::{accept, card_reference, orders};
use crate::helpers::{
    ORIGIN, TestApp, assert_problem, claims, purchase, reason, spawn_app, ticket,
};

/// The template `t` in English with German and Arabic copy.
async fn translate(app: &TestApp) {
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "templates/t",
            Some(json!({"id": "t", "headline": "Thanks from {{affiliate}}",
                "body": "{{upseller}} has something.", "button": "Add",
                "translations": {
                    "de": {"headline": "Danke von {{affiliate}}", "body": "{{upseller}} hat etwas.", "button": "Hinzufügen"},
                    "ar": {"headline": "شكرا من {{affiliate}}", "body": "لدى {{upseller}} شيء.", "button": "أضف"}
                }})),
        )
        .await;
    assert_eq!(response.status(), 200, "translated template");
    let mut outdoor = reason("OUTDOOR", "trail", "direct_entry", "iframe");
    outdoor["default_items"] = json!(["TRIPOD"]);
    outdoor["teasers"] = json!({"de": "Ein Dankeschön-Angebot"});
    outdoor["frequency_cap"] = json!(100);
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/OUTDOOR",
            Some(outdoor),
        )
        .await;
    assert_eq!(response.status(), 200, "translated teaser");
}

/// Reports order `order` under `code` with `locale` in the body and
/// `accept_language` as the browser's header.
async fn report(
    app: &TestApp,
    order: &str,
    code: &str,
    locale: Option<Value>,
    accept_language: Option<&str>,
) -> reqwest::Response {
    let mut body = purchase(&ticket(&claims(order, Some(code))), order);
    if let Some(locale) = locale {
        body["locale"] = locale;
    }
    let mut request = app
        .client
        .post(format!("{}/v1/opportunities", app.base))
        .header("origin", ORIGIN)
        .json(&body);
    if let Some(languages) = accept_language {
        request = request.header("accept-language", languages);
    }
    request.send().await.expect("sent")
}

/// The opportunity's id and body, which must be new.
async fn opened(response: reqwest::Response) -> (String, Value) {
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    (body["id"].as_str().expect("id").to_owned(), body)
}

fn assert_words(opportunity: &Value, language: Language) {
    assert_eq!(opportunity["lang"], language.code());
    let labels = opportunity["labels"].as_object().expect("labels");
    assert_eq!(labels.len(), Labels::KEYS.len());
    for key in Labels::KEYS {
        assert_eq!(labels[*key], language.word(key), "{key}");
    }
}

#[tokio::test]
async fn a_german_customer_reads_and_consents_in_german_and_the_receipt_keeps_those_words() {
    let app = spawn_app().await;
    translate(&app).await;
    let (id, opportunity) =
        opened(report(&app, "L-1", "OUTDOOR", Some(json!("de-CH")), Some("ja")).await).await;
    assert_words(&opportunity, Language::De);
    assert_eq!(opportunity["teaser"], "Ein Dankeschön-Angebot");
    // Read again (the hub's frame starts from it): the same words.
    let again: Value = app.read_opportunity(&id).await.json().await.expect("json");
    assert_words(&again, Language::De);

    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert_eq!(offer["headline"], "Danke von Shop");
    assert_eq!(offer["body"], "Trail hat etwas.");
    assert_eq!(offer["button"], "Hinzufügen");
    let disclosure = offer["disclosure"]["text"].as_str().expect("text");
    assert_eq!(
        disclosure,
        "Dieses Angebot wird von Trail verkauft, nicht von Shop. Shop gibt Ihre Zahlungsdaten nicht weiter: \
         Trail belastet die Karte, die Sie hier eingeben, mit dem angezeigten Gesamtbetrag."
    );
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let body = json!({
        "items": [{"sku": "TRIPOD", "quantity": 1}],
        "consent": {"disclosure_sha256": offer["disclosure"]["text_sha256"], "action": "confirm_button", "amount": "99.00"},
        "payment_reference": reference,
    });
    let charged = accept(&app, &id, "de-1", &body).await;
    assert_eq!(charged.status(), 201);
    let order: Value = charged.json().await.expect("json");
    let stored = app.order(&order["order_id"]).await;
    assert_eq!(stored["consent_receipt"]["disclosure_text"], disclosure);

    // English words consented to an offer shown in German do not match.
    let (id, offer) = opened(report(&app, "L-2", "OUTDOOR", Some(json!("de")), None).await).await;
    let english = "This offer is sold by Trail, which is not Shop. Shop does not share your payment details: \
                   Trail will charge the total shown to the card you enter here.";
    let reference = card_reference(&app, &id, "4242424242424242").await;
    let mut forged = body.clone();
    forged["consent"]["disclosure_sha256"] = json!(hex::encode(
        <sha2::Sha256 as sha2::Digest>::digest(english.as_bytes())
    ));
    forged["payment_reference"] = json!(reference);
    let before = orders(&app).await.len();
    assert_problem(
        accept(&app, &id, "de-2", &forged).await,
        422,
        Some("consent.disclosure_sha256"),
    )
    .await;
    assert_eq!(orders(&app).await.len(), before, "nothing stored");
    assert_ne!(offer["disclosure"]["text"], english);
}

#[tokio::test]
async fn the_consent_frame_speaks_the_customers_language() {
    let app = spawn_app().await;
    let (id, opportunity) =
        opened(report(&app, "L-3", "CAMERA-HIGH", Some(json!("ja-JP")), None).await).await;
    assert_words(&opportunity, Language::Ja);
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert!(
        offer["disclosure"]["text"]
            .as_str()
            .expect("text")
            .starts_with("本オファーは、Shopと同じ企業グループに属するLens Coが販売します"),
        "{offer}"
    );
    let page = app
        .client
        .get(format!(
            "{}/v1/opportunities/{id}/consent?items=FILTER:2",
            app.base
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.starts_with("<!doctype html><html lang=\"ja\">"),
        "{html}"
    );
    assert!(html.contains("確定して58.00 USDを支払う"), "{html}");

    let (id, _) =
        opened(report(&app, "L-4", "CAMERA-HIGH", Some(json!("es-MX")), None).await).await;
    let html = app
        .client
        .get(format!(
            "{}/v1/opportunities/{id}/consent?items=FILTER:1",
            app.base
        ))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Confirmar y pagar 29,00 USD"), "{html}");
}

#[tokio::test]
async fn the_browsers_languages_speak_when_the_page_does_not_and_the_rest_is_english() {
    let app = spawn_app().await;
    translate(&app).await;
    // By weight, not by order; the first language spoken here wins.
    let (_, opportunity) = opened(
        report(
            &app,
            "L-5",
            "OUTDOOR",
            None,
            Some("en;q=0.4, fr-CH, fr;q=0.9"),
        )
        .await,
    )
    .await;
    assert_words(&opportunity, Language::Fr);
    // No words in Arabic: English words, the merchant's Arabic copy.
    let (id, opportunity) =
        opened(report(&app, "L-6", "OUTDOOR", None, Some("ar-EG, it;q=0.5")).await).await;
    assert_words(&opportunity, Language::En);
    assert_eq!(opportunity["teaser"], "A thank-you offer");
    let offer: Value = app.get_offer(&id).await.json().await.expect("json");
    assert_eq!(offer["headline"], "شكرا من Shop");
    assert!(
        offer["disclosure"]["text"]
            .as_str()
            .expect("text")
            .starts_with("This offer is sold by Trail")
    );
    // Neither: English all through; junk in the header is passed over.
    for (order, header) in [("L-7", None), ("L-8", Some("*, q=1, 12, de;q=abc"))] {
        let (id, opportunity) = opened(report(&app, order, "OUTDOOR", None, header).await).await;
        assert_words(&opportunity, Language::En);
        let offer: Value = app.get_offer(&id).await.json().await.expect("json");
        assert_eq!(offer["headline"], "Thanks from Shop");
    }
}

#[tokio::test]
async fn malformed_locales_and_translations_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let shown = app.shown().await;
    for (n, locale) in [
        json!("de_DE"),
        json!("<script>"),
        json!(""),
        json!("x"),
        json!("a".repeat(36)),
        json!("de--CH"),
    ]
    .into_iter()
    .enumerate()
    {
        let order = format!("LB-{n}");
        assert_problem(
            report(&app, &order, "OUTDOOR", Some(locale), None).await,
            422,
            Some("locale"),
        )
        .await;
    }
    let wrong_type = report(&app, "LB-9", "OUTDOOR", Some(json!(7)), None).await;
    assert!(matches!(wrong_type.status().as_u16(), 400 | 422));
    assert_eq!(app.shown().await, shown, "no opportunity stored");

    let copy = json!({"headline": "H", "body": "B", "button": "K"});
    let template = |extra: Value| {
        let mut body = json!({"id": "t2", "headline": "H", "body": "B", "button": "K"});
        for (key, value) in extra.as_object().expect("object") {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (json!({"lang": "en_US"}), "lang"),
        (json!({"lang": "e!"}), "lang"),
        (json!({"translations": {"d e": copy}}), "translations.d e"),
        (json!({"translations": {"en": copy}}), "translations.en"),
        (
            json!({"translations": {"de": {"headline": "", "body": "B", "button": "K"}}}),
            "translations.de.headline",
        ),
        (
            json!({"translations": {"de": {"headline": "H", "body": "B", "button": "{{nope}}"}}}),
            "translations.de.button",
        ),
        (
            json!({"translations": (0..21).map(|n| (format!("x{n:02}"), copy.clone())).collect::<serde_json::Map<_, _>>()}),
            "translations",
        ),
    ];
    for (extra, field) in cases {
        let response = app
            .admin(
                Method::POST,
                &app.shop_key,
                "templates",
                Some(template(extra)),
            )
            .await;
        assert_problem(response, 422, Some(field)).await;
    }
    let missing = app
        .admin(Method::GET, &app.shop_key, "templates/t2", None)
        .await;
    assert_eq!(missing.status(), 404, "no template stored");

    let mut code = reason("CAMERA-HIGH", "lens", "payment_reference", "popup");
    code["teasers"] = json!({"b@d": "Hi"});
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/CAMERA-HIGH",
            Some(code.clone()),
        )
        .await;
    assert_problem(response, 422, Some("teasers.b@d")).await;
    code["teasers"] = json!({"de": "x".repeat(141)});
    let response = app
        .admin(
            Method::PUT,
            &app.shop_key,
            "reason-codes/CAMERA-HIGH",
            Some(code),
        )
        .await;
    assert_problem(response, 422, Some("teasers.de")).await;
    let stored: Value = app
        .admin(Method::GET, &app.shop_key, "reason-codes/CAMERA-HIGH", None)
        .await
        .json()
        .await
        .expect("json");
    assert!(stored.get("teasers").is_none(), "{stored}");
}
