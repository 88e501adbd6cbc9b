//! Every call the affiliate must refuse, with the status the hub acts on and
//! nothing charged.

use postsale_protocol::{HandoffMode, HandoffResponse, mint_validator, sign_request};

use crate::helpers::*;

/// Sends `body` signed with `secret` at `at` under `key_id`, and asserts the
/// problem's status and that nothing was charged.
async fn refused(
    app: &TestApp,
    body: Vec<u8>,
    signature: &str,
    key_id: &str,
) -> (u16, serde_json::Value) {
    let (status, problem) = problem(app.send(body, signature, key_id, None).await).await;
    assert_eq!(app.charger.attempts(), 0, "nothing charged: {problem}");
    (status, problem)
}

fn mor_body() -> Vec<u8> {
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    serde_json::to_vec(&hub_order).expect("serialises")
}

#[tokio::test]
async fn a_forged_signature_is_unauthorized() {
    let app = spawn_app().await;
    let body = mor_body();
    let forged = sign_request(&body, b"not the affiliate's secret at all", now());

    let (status, problem) = refused(&app, body, &forged, KEY_ID).await;

    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "signature does not match the body");
}

#[tokio::test]
async fn a_signature_older_than_five_minutes_is_unauthorized() {
    let app = spawn_app().await;
    let body = mor_body();
    let stale = sign_request(&body, SECRET, now() - 301);

    let (status, problem) = refused(&app, body, &stale, KEY_ID).await;

    assert_eq!(status, 401);
    assert!(detail(&problem).contains("300 seconds"), "{problem}");
}

#[tokio::test]
async fn an_unknown_key_id_is_unauthorized() {
    let app = spawn_app().await;
    let body = mor_body();
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, "k9").await;

    assert_eq!(status, 401);
    assert!(detail(&problem).contains("key id"), "{problem}");
}

#[tokio::test]
async fn a_call_without_a_signature_is_unauthorized_naming_the_header() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(&app.url)
        .header(postsale_protocol::HANDOFF_KEY_ID_HEADER, KEY_ID)
        .body(mor_body())
        .send()
        .await
        .expect("answers");

    let (status, problem) = problem(response).await;

    assert_eq!(status, 401);
    assert_eq!(problem["field"], "Postsale-Signature");
    assert_eq!(app.charger.attempts(), 0);
}

#[tokio::test]
async fn a_body_changed_after_signing_is_unauthorized() {
    let app = spawn_app().await;
    let body = mor_body();
    let signature = sign_request(&body, SECRET, now());
    let tampered = String::from_utf8(body)
        .expect("utf-8")
        .replace("\"19.99\"", "\"1999.00\"")
        .into_bytes();

    let (status, _) = refused(&app, tampered, &signature, KEY_ID).await;

    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_validator_for_another_amount_is_unauthorized() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    hub_order.validator = mint_validator(&claims("A-1001", 999, "val_1"), KEY_ID, SECRET);
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "validator is for another amount");
    assert_eq!(problem["field"], "validator");
}

#[tokio::test]
async fn an_expired_validator_is_unauthorized() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    let mut expired = claims("A-1001", 1999, "val_1");
    expired.expires_at = now() - 3600;
    hub_order.validator = mint_validator(&expired, KEY_ID, SECRET);
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "validator has expired");
}

#[tokio::test]
async fn a_validator_for_another_ticket_is_unauthorized() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    // Minted for the ticket of A-1002, presented for A-1001.
    hub_order.validator = mint_validator(&claims("A-1002", 1999, "val_1"), KEY_ID, SECRET);
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "validator is for another ticket");
}

#[tokio::test]
async fn a_validator_minted_with_another_secret_is_unauthorized() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    hub_order.validator = mint_validator(
        &claims("A-1001", 1999, "val_1"),
        KEY_ID,
        b"somebody else's secret, 32 bytes",
    );
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, _) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_second_hub_order_for_the_same_customer_token_is_a_conflict() {
    let app = spawn_app().await;
    let first = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    let second = request(HandoffMode::MerchantOfRecord, "ord_2", "A-1001");

    let charged = answer(app.call(&first).await).await;
    let (status, problem) = problem(app.call(&second).await).await;
    let retried = answer(app.call(&first).await).await;

    assert_eq!(status, 409);
    assert!(detail(&problem).contains("already redeemed"), "{problem}");
    assert_eq!(retried, charged, "the first order still replays");
    assert_eq!(app.charger.charged().len(), 1);
}

#[tokio::test]
async fn a_validator_replayed_for_another_hub_order_is_a_conflict() {
    let app = spawn_app().await;
    let first = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    let mut second = request(HandoffMode::MerchantOfRecord, "ord_2", "A-1002");
    second.validator = mint_validator(&claims("A-1002", 1999, "val_ord_1"), KEY_ID, SECRET);

    assert!(matches!(
        answer(app.call(&first).await).await,
        HandoffResponse::Charged { .. }
    ));
    let (status, problem) = problem(app.call(&second).await).await;

    assert_eq!(status, 409);
    assert!(detail(&problem).contains("validator"), "{problem}");
    assert_eq!(app.charger.charged().len(), 1);
}

#[tokio::test]
async fn direct_entry_is_refused_as_a_bad_request() {
    let app = spawn_app().await;
    let hub_order = request(HandoffMode::DirectEntry, "ord_1", "A-1001");
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 400);
    assert_eq!(problem["field"], "mode");
}

#[tokio::test]
async fn an_unknown_field_is_refused_as_malformed_naming_it() {
    let app = spawn_app().await;
    let mut value = serde_json::to_value(request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001"))
        .expect("a value");
    value["card_number"] = "4242424242424242".into();
    let body = serde_json::to_vec(&value).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 400);
    assert!(detail(&problem).contains("card_number"), "{problem}");
}

#[tokio::test]
async fn xml_that_is_broken_declares_entities_or_is_json_is_refused_as_malformed() {
    let app = spawn_app().await;
    let hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    let good = postsale_protocol::xml::request_to_xml(&hub_order).expect("xml");
    let entity = good.replacen(
        "<handoff_request>",
        "<!DOCTYPE handoff_request [<!ENTITY a \"A-1001\">]><handoff_request>",
        1,
    );
    for body in [
        good[..good.len() - 10].to_owned(),
        entity,
        good.replace("handoff_request>", "order>"),
        good.replace(
            "<amount>19.99</amount>",
            "<amount>19.99</amount><card_number>4242424242424242</card_number>",
        ),
        String::from_utf8(mor_body()).expect("utf-8"),
    ] {
        let response = app.send_xml(body.into_bytes()).await;
        let (status, problem) = problem(response).await;
        assert_eq!(status, 400, "{problem}");
        assert!(
            detail(&problem).contains("not a handoff request"),
            "{problem}"
        );
    }
    assert_eq!(app.charger.attempts(), 0, "nothing charged");
}

#[tokio::test]
async fn an_amount_that_is_not_a_decimal_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_1", "A-1001");
    hub_order.amount = "19.999".into();
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());

    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 400);
    assert_eq!(problem["field"], "amount");
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_before_anything_else() {
    let app = spawn_app().await;
    let body = vec![b' '; 64 * 1024 + 1];
    let signature = sign_request(&body, SECRET, now());

    let (status, _) = refused(&app, body, &signature, KEY_ID).await;

    assert_eq!(status, 413);
}

#[tokio::test]
async fn the_hubs_challenge_is_answered_only_when_the_hub_signed_it() {
    let app = spawn_app().await;
    let challenge = postsale_protocol::CallbackChallenge {
        postsale_challenge: "c".repeat(64),
    };
    let body = serde_json::to_vec(&challenge).expect("serialises");

    let forged = sign_request(&body, b"not the affiliate's secret at all", now());
    let (status, _) = refused(&app, body.clone(), &forged, KEY_ID).await;
    assert_eq!(status, 401, "a forged challenge gets no echo");

    let signed = sign_request(&body, SECRET, now());
    let response = app.send(body, &signed, KEY_ID, None).await;
    assert_eq!(response.status(), 200);
    let echo: postsale_protocol::CallbackChallenge = response.json().await.expect("json");
    assert_eq!(echo, challenge, "the same challenge back");
    assert_eq!(app.charger.attempts(), 0, "and nothing else done");
}

#[tokio::test]
async fn a_call_naming_another_customer_than_the_orders_own_charges_nobody() {
    let app = spawn_app().await;
    // The validator is for the order's customer, the request names another.
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_c1", "A-1001");
    hub_order.customer_token = "cus_8".into();
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());
    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;
    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "validator is for another customer");

    // The request and the validator agree on another customer: the order's
    // own record says otherwise.
    let mut claims = claims("A-1001", 1999, "val_c2");
    claims.customer_sha256 = postsale_protocol::customer_digest("cus_8");
    let mut hub_order = request(HandoffMode::MerchantOfRecord, "ord_c2", "A-1001");
    hub_order.customer_token = "cus_8".into();
    hub_order.validator = mint_validator(&claims, KEY_ID, SECRET);
    let body = serde_json::to_vec(&hub_order).expect("serialises");
    let signature = sign_request(&body, SECRET, now());
    let (status, problem) = refused(&app, body, &signature, KEY_ID).await;
    assert_eq!(status, 401);
    assert_eq!(detail(&problem), "validator is for another customer");
}
