//! The hub charging through Stripe (localstripe, its API and Stripe.js
//! shim): a customer pays a `direct_entry` offer in Stripe's own card field
//! inside the hub's frame, once with a card that needs no authentication and
//! once with one whose issuer asks for 3-D Secure; and the pop-up's
//! `payment_reference` offer charged to the shop's saved card, whose issuer
//! asks for 3-D Secure, completed in the hub's own page over the pop-up.
//! The hub's database and log never hold the card number.

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{E2e, HOST, Result, STRIPE_SECRET_KEY, run_on_stripe};
use crate::popup::{charged_order, text, webhook_for};

/// Buys the IFRAME offer with `card` typed into Stripe's field, up to the
/// click on "Confirm and pay".
async fn pay_with(t: &E2e, card: &str) -> Result {
    t.buy("sku=CAM-BODY-1&reason=OUTDOOR").await?;
    let frame = t.in_widget("iframe").await?;
    frame.enter_frame().await?;
    t.through_the_frame_steps("200 bonus points").await?;
    t.wait_title("A thank-you from Northlight Cameras").await?;
    t.click_button("Add to my order").await?;
    t.wait_title("Confirm your order").await?;
    // Stripe's field, not the hub's form: the hub's inputs are not there.
    for (field, value) in [
        ("number", card),
        ("exp_month", "12"),
        ("exp_year", "31"),
        ("cvc", "123"),
        ("postal_code", "10115"),
    ] {
        t.in_widget(&format!(".processor-card input[placeholder={field}]"))
            .await?
            .send_keys(value)
            .await?;
    }
    t.click_button("Confirm and pay").await?;
    Ok(())
}

/// The order shown, charged, and the card number nowhere in the hub's files.
async fn charged_without_the_number(t: &E2e, card: &str) -> Result {
    t.wait_title("Thank you").await?;
    let order_id = text(t, ".order-id").await?;
    t.client.enter_parent_frame().await?;
    let order = charged_order(t, &order_id).await?;
    ensure!(order["status"] == "charged", "the order is {order}");
    // Stripe holds the payment: one, succeeded, for this order.
    let api = std::env::var("POSTSALE_E2E_STRIPE")?;
    let intents: serde_json::Value = reqwest::Client::new()
        .get(format!("{api}/v1/payment_intents?limit=100"))
        .bearer_auth(STRIPE_SECRET_KEY)
        .send()
        .await?
        .json()
        .await?;
    let paid: Vec<_> = intents["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|pi| pi["metadata"]["order_id"] == order_id.as_str())
        .collect();
    ensure!(
        paid.len() == 1 && paid[0]["status"] == "succeeded",
        "Stripe's payments for {order_id}: {paid:?}"
    );
    let holding = t.hub_files_holding(card)?;
    ensure!(holding.is_empty(), "{holding:?} hold the card number");
    // The tripod ships where the shop ships the order: the ticked address.
    let event = webhook_for(t, &order_id).await?;
    ensure!(
        event["order"]["ship_to"]["city"] == "Springfield",
        "the upseller's webhook does not ship to the shop's address: {event}"
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_pays_in_stripes_own_card_field() {
    run_on_stripe("stripe_card", |t| async move {
        let card = "4242424242424242";
        pay_with(&t, card).await?;
        charged_without_the_number(&t, card).await
    })
    .await;
}

#[tokio::test]
async fn a_customer_completes_3d_secure_inside_the_frame() {
    run_on_stripe("stripe_3ds", |t| async move {
        let card = "4000002500003155";
        pay_with(&t, card).await?;
        complete_authentication(&t).await?;
        t.shot("stripe-3ds-authenticated").await?;
        charged_without_the_number(&t, card).await
    })
    .await;
}

/// Presses "Complete authentication" in Stripe.js's 3-D Secure step, in the
/// page the browser is in (the hub's).
async fn complete_authentication(t: &E2e) -> Result {
    t.until("the 3-D Secure step", async || {
        let pressed = t
            .js(
                "const b = [...document.querySelectorAll('body > div > button')]\
                   .find(b => b.textContent === 'Complete authentication');\
                 if (b) { b.click(); } return !!b;",
                vec![],
            )
            .await?;
        Ok((pressed == serde_json::json!(true)).then_some(()))
    })
    .await
}

#[tokio::test]
async fn a_pop_up_payment_asked_for_3d_secure_is_authenticated_in_the_hubs_page() {
    run_on_stripe("stripe_popup_3ds", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("200 bonus points").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        t.confirm_in_consent_frame().await?;
        // The hub's page over the pop-up, for the bank's step alone.
        let frame = t
            .until("the hub's authentication page", async || {
                for host in t.client.find_all(Locator::Css(HOST)).await? {
                    let shadow = host.shadow_root().await?;
                    if let Ok(frame) = shadow.find(Locator::Css("iframe")).await
                        && frame
                            .attr("src")
                            .await?
                            .is_some_and(|src| src.contains("/authenticate#"))
                    {
                        return Ok(Some(frame));
                    }
                }
                Ok(None)
            })
            .await?;
        let src = frame.attr("src").await?.unwrap_or_default();
        ensure!(src.starts_with(&t.hub), "not the hub's page: {src}");
        frame.enter_frame().await?;
        complete_authentication(&t).await?;
        t.client.enter_parent_frame().await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        t.shot("stripe-popup-authenticated").await?;
        let order = charged_order(&t, &order_id).await?;
        ensure!(
            order["mode"] == "payment_reference",
            "mode: {}",
            order["mode"]
        );
        ensure!(
            t.client.find_all(Locator::Css(HOST)).await?.len() == 1,
            "the authentication page stayed on the merchant's page"
        );
        Ok(())
    })
    .await;
}
