//! What the affiliate answers per handoff mode, once per hub order.

use std::sync::Arc;

use postsale_protocol::{HandoffMode, HandoffResponse, Money, sign_request};

use crate::helpers::*;

#[tokio::test]
async fn merchant_of_record_charges_once_across_two_identical_calls() {
    let app = spawn_app().await;
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");

    let first = answer(app.call(&hub_order).await).await;
    let second = answer(app.call(&hub_order).await).await;

    assert_eq!(
        first,
        HandoffResponse::Charged {
            charge_id: "ch_1".into(),
            ship_to: Some(address()),
        }
    );
    assert_eq!(second, first);
    let amount = Money::from_minor(1999, usd()).expect("money");
    assert_eq!(
        app.charger.charged(),
        vec![("cus_7".to_owned(), amount, "ord_1".to_owned())],
        "one charge, keyed by the hub's order id"
    );
}

#[tokio::test]
async fn twenty_identical_calls_at_once_charge_once_and_agree() {
    let app = Arc::new(spawn_app().await);
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (app, hub_order) = (Arc::clone(&app), hub_order.clone());
            tokio::spawn(async move { app.call(&hub_order).await })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(answer(call.await.expect("the call finishes")).await);
    }

    assert_eq!(app.charger.attempts(), 1);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
}

#[tokio::test]
async fn a_declined_charge_is_replayed_to_a_retry_and_not_attempted_again() {
    let app = spawn_app_with(Gateway::Declines).await;
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");

    let first = answer(app.call(&hub_order).await).await;
    let second = answer(app.call(&hub_order).await).await;

    let declined = HandoffResponse::Declined {
        reason: "card declined".into(),
    };
    assert_eq!((first, second), (declined.clone(), declined));
    assert_eq!(app.charger.attempts(), 1);
}

#[tokio::test]
async fn a_gateway_outage_asks_the_hub_to_retry_and_the_retry_charges_once() {
    let app = spawn_app_with(Gateway::DownOnce).await;
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");

    let (status, body) = problem(app.call(&hub_order).await).await;
    assert_eq!(status, 503);
    assert!(
        !detail(&body).contains("timed out"),
        "the cause stays in the log"
    );

    let retried = answer(app.call(&hub_order).await).await;
    assert!(matches!(retried, HandoffResponse::Charged { .. }));
    assert_eq!(app.charger.charged().len(), 1);
}

#[tokio::test]
async fn payment_reference_is_refused_when_the_upseller_is_not_affiliated() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::PaymentReference, "ord_1", "A-1001");
    hub_order.upseller_affiliated = false;

    let (status, body) = problem(app.call(&hub_order).await).await;

    assert_eq!(status, 403);
    assert_eq!(body["field"], "upseller_affiliated");
    assert!(
        !body.to_string().contains("pm_"),
        "nothing released: {body}"
    );

    // The refusal did not use the token up: an affiliated upseller still can.
    hub_order.upseller_affiliated = true;
    assert!(matches!(
        answer(app.call(&hub_order).await).await,
        HandoffResponse::Customer { .. }
    ));
}

#[tokio::test]
async fn payment_reference_releases_the_customer_record_to_an_affiliated_upseller() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::PaymentReference, "ord_1", "A-1001");
    hub_order.upseller_affiliated = true;

    let HandoffResponse::Customer { customer } = answer(app.call(&hub_order).await).await else {
        panic!("expected the customer record");
    };

    assert_eq!(customer.payment_reference, "pm_1N3xYz2eZvKYlo2C");
    assert_eq!(customer.shipping_address, address());
    assert!(
        app.charger.charged().is_empty(),
        "the hub charges, not the affiliate"
    );
}

#[tokio::test]
async fn a_customer_record_holding_a_card_number_is_never_released() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::PaymentReference, "ord_1", "A-1003");
    hub_order.upseller_affiliated = true;

    let response = app.call(&hub_order).await;
    let text = response.text().await.expect("a body");

    assert!(!text.contains("4242"), "{text}");
    assert!(text.contains(r#""outcome":"declined""#), "{text}");
}

#[tokio::test]
async fn the_answer_comes_as_xml_to_an_affiliate_that_asks_for_it() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::PaymentReference, "ord_1", "A-1001");
    hub_order.upseller_affiliated = true;
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let response = app
        .send(body, &signature, KEY_ID, Some("application/xml"))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/xml");
    let xml = response.text().await.expect("a body");
    for needle in [
        "<handoff_response><outcome>customer</outcome>",
        "<name>Ada Lovelace</name>",
        "<email>ada@example.com</email>",
        "<billing_address><line1>1 Main St</line1>",
        "<shipping_address><line1>1 Main St</line1>",
        "<country>US</country>",
        "<payment_reference>pm_1N3xYz2eZvKYlo2C</payment_reference>",
    ] {
        assert!(xml.contains(needle), "{needle} missing from {xml}");
    }
}

#[tokio::test]
async fn a_handoff_sent_in_xml_is_read_and_answered_in_xml_once() {
    let app = spawn_app().await;
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    let body = postsale_protocol::xml::request_to_xml(&hub_order).expect("xml");
    for _ in 0..2 {
        let response = app.send_xml(body.clone().into_bytes()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/xml");
        let xml = response.bytes().await.expect("a body");
        assert_eq!(
            postsale_protocol::xml::response_from_xml(&xml),
            Ok(HandoffResponse::Charged {
                charge_id: "ch_1".into(),
                ship_to: Some(address()),
            })
        );
    }
    assert_eq!(
        app.charger.charged().len(),
        1,
        "the retry replays the answer"
    );
}

#[tokio::test]
async fn a_call_signed_with_the_previous_key_is_accepted_while_rotating() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    hub_order.validator = postsale_protocol::mint_validator(
        &claims("A-1001", 1999, "val_old"),
        OLD_KEY_ID,
        OLD_SECRET,
    );
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, OLD_SECRET, now());

    let charged = answer(app.send(body, &signature, OLD_KEY_ID, None).await).await;

    assert!(matches!(charged, HandoffResponse::Charged { .. }));
}

#[tokio::test]
async fn a_status_query_answers_the_stored_answer_or_404_and_charges_nothing() {
    let app = spawn_app().await;
    let query = |order: &str| {
        let body = serde_json::to_vec(&postsale_protocol::HandoffStatusQuery {
            postsale_status: order.into(),
        })
        .expect("serialises");
        let signature = sign_request(&body, SECRET, now());
        (body, signature)
    };
    let (body, signature) = query("ord_9");
    let (status, _) = problem(app.send(body, &signature, KEY_ID, None).await).await;
    assert_eq!(status, 404, "nothing was asked for this hub order");

    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_9", "A-1001");
    let charged = answer(app.call(&hub_order).await).await;
    let (body, signature) = query("ord_9");
    let told = answer(app.send(body, &signature, KEY_ID, None).await).await;
    assert_eq!(told, charged, "the answer the hub never got");
    assert_eq!(app.charger.charged().len(), 1, "asking charges nothing");

    let (body, _) = query("ord_9");
    let (status, _) = problem(app.send(body, "t=1,v1=00", KEY_ID, None).await).await;
    assert_eq!(status, 401, "a query is signed like every call");
}
