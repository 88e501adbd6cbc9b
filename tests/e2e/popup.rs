//! The popup presentation (reason code CAMERA-HIGH, `payment_reference`): the
//! whole good path with everything the hub and the upseller must then hold,
//! and the two ways out (decline, Esc).

use fantoccini::key::Key;
use serde_json::Value;

use crate::ensure;
use crate::harness::{E2e, Result, run};

/// Only the digits of a shown amount: "$1,299.00" -> 129900 (minor units).
pub(crate) fn minor_units(shown: &str) -> Option<i64> {
    shown
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// Waits for the hub's order `id` to be charged and returns it with its
/// consent receipt (`GET /v1/admin/orders/{id}`), after checking the list.
pub(crate) async fn charged_order(t: &E2e, id: &str) -> Result<Value> {
    let list = t.admin("/v1/admin/orders").await?;
    ensure!(
        list.as_array()
            .is_some_and(|l| l.iter().any(|o| o["id"] == id)),
        "order {id} is not in GET /v1/admin/orders: {list}"
    );
    t.until(&format!("order {id} charged"), async || {
        let order = t.admin(&format!("/v1/admin/orders/{id}")).await?;
        Ok(matches!(order["status"].as_str(), Some("charged" | "fulfilled")).then_some(order))
    })
    .await
}

/// Checks the consent receipt against what the customer saw.
pub(crate) fn check_receipt(order: &Value, shown_amount: &str, shown_disclosure: &str) -> Result {
    let receipt = &order["consent_receipt"];
    ensure!(
        receipt.is_object(),
        "order without a consent receipt: {order}"
    );
    let amount = minor_units(shown_amount);
    ensure!(
        receipt["amount_minor"].as_i64() == amount && order["amount_minor"].as_i64() == amount,
        "the customer saw {shown_amount:?} but the order/receipt hold {}/{}",
        order["amount_minor"],
        receipt["amount_minor"]
    );
    ensure!(
        receipt["disclosure_text"].as_str().map(str::trim) == Some(shown_disclosure.trim()),
        "the receipt's disclosure {:?} is not the one shown: {shown_disclosure:?}",
        receipt["disclosure_text"]
    );
    let hash = receipt["disclosure_sha256"].as_str().unwrap_or("");
    ensure!(
        hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "the receipt's disclosure hash is not a SHA-256: {hash:?}"
    );
    ensure!(
        receipt["action"].as_str().is_some_and(|a| !a.is_empty()),
        "the receipt names no confirming action: {receipt}"
    );
    Ok(())
}

/// Waits for the demo upseller to have received the signed webhook for `id`.
pub(crate) async fn webhook_for(t: &E2e, id: &str) -> Result<Value> {
    t.until(&format!("the upseller's webhook for {id}"), async || {
        let orders = t.upseller_orders().await?;
        Ok(orders.into_iter().find(|e| e["order"]["id"] == id))
    })
    .await
}

/// The widget's text of `css`, trimmed.
pub(crate) async fn text(t: &E2e, css: &str) -> Result<String> {
    Ok(t.in_widget(css).await?.text().await?.trim().to_owned())
}

#[tokio::test]
async fn a_customer_picks_an_incentive_accepts_the_popup_offer_and_the_order_reaches_hub_and_upseller()
 {
    run("popup_accept", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        let before = t.layout().await?;
        t.watch_errors().await?;

        t.wait_title("Choose your thank-you").await?;
        t.shot("incentives").await?;
        let open = t.layout().await?;
        ensure!(open == before, "the open pop-up moved the page: {before} -> {open}");
        let host_box = t
            .js("const b = document.querySelector('postsale-widget').getBoundingClientRect(); return [b.width, b.height];", vec![])
            .await?;
        ensure!(host_box == serde_json::json!([0, 0]), "the host element takes space: {host_box}");

        t.click_button("200 bonus points").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.shot("teaser").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        t.shot("offer").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let amount = text(&t, ".amount strong").await?;
        let disclosure = text(&t, ".disclosure").await?;
        t.shot("consent").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        let balance = text(&t, ".receipt .balance").await?;
        ensure!(balance == "320", "the confirmation shows {balance:?} points held, not 320");
        t.shot("confirmation").await?;
        let confirmed = t.layout().await?;
        ensure!(confirmed == before, "the page moved during the flow: {before} -> {confirmed}");

        t.click_button("Done").await?;
        t.until("the widget to leave the page", async || Ok((!t.has_widget().await?).then_some(()))).await?;
        t.shot("closed").await?;
        let after = t.layout().await?;
        ensure!(after == before, "the page moved: {before} -> {after}");
        let errors = t.page_errors().await?;
        ensure!(errors.is_empty(), "errors thrown into the page: {errors:?}");

        let order = charged_order(&t, &order_id).await?;
        ensure!(order["mode"] == "payment_reference", "mode: {}", order["mode"]);
        ensure!(order["reason_code"] == "CAMERA-HIGH", "reason code: {}", order["reason_code"]);
        ensure!(order["upseller_id"] == "demo-lens-co", "upseller: {}", order["upseller_id"]);
        ensure!(
            order["points"] == 320,
            "points: {} (CAMERA-HIGH gives 120, the picked reward 200 more)",
            order["points"]
        );
        check_receipt(&order, &amount, &disclosure)?;

        let event = webhook_for(&t, &order_id).await?;
        ensure!(event["event"] == "order.charged", "webhook event: {event}");
        ensure!(
            minor_units(event["order"]["amount"].as_str().unwrap_or("")) == minor_units(&amount),
            "the webhook's amount {} is not the one consented to ({amount})",
            event["order"]["amount"]
        );

        // The same customer's next order: the points are shown and may be
        // spent on 2.50 off.
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        let held = text(&t, ".balance").await?;
        ensure!(held == "You have 320 points.", "the chooser says {held:?}");
        t.click_button("Use 250 points: $2.50 off").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        let total = minor_units(&text(&t, ".total strong").await?);
        let before = minor_units(&text(&t, ".total .was s").await?);
        ensure!(
            total.is_some() && before.zip(total).map(|(was, now)| was - now) == Some(250),
            "the points took {before:?} to {total:?}, not 2.50 off"
        );
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let spent = text(&t, ".receipt .balance").await?;
        // 320 - 250 spent + 120 earned.
        ensure!(spent == "190", "after spending 250 the confirmation shows {spent:?}");
        t.shot("confirmation-points").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_discount_the_customer_picks_is_shown_struck_through_consented_and_charged() {
    run("popup_discount", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("10% off this offer").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        ensure!(
            text(&t, ".reward").await? == "10% off this offer",
            "the reward is not named"
        );
        let shown = |s: &str| minor_units(s).ok_or_else(|| format!("not an amount: {s:?}"));
        let total = shown(&text(&t, ".total strong").await?)?;
        let before = shown(&text(&t, ".total .was s").await?)?;
        let shipping = shown(&text(&t, ".shipping").await?)?;
        t.shot("offer-discounted").await?;
        // 10% of the items (the total before, less shipping), rounded half up.
        let discount = ((before - shipping) * 10 + 50) / 100;
        ensure!(
            total == before - discount,
            "shown {total} instead of {before}: not 10% off the items ({discount})"
        );
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let amount = text(&t, ".amount strong").await?;
        let disclosure = text(&t, ".disclosure").await?;
        ensure!(
            shown(&amount)? == total,
            "consent for {amount}, the offer said {total}"
        );
        ensure!(
            disclosure.contains("10% off this offer"),
            "the disclosure omits the reward: {disclosure}"
        );
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        let order = charged_order(&t, &order_id).await?;
        check_receipt(&order, &amount, &disclosure)?;
        ensure!(
            order["incentive"] == "ten-off" && order["discount_minor"] == discount,
            "the order does not hold the discount: {order}"
        );
        let event = webhook_for(&t, &order_id).await?;
        ensure!(
            event["order"]["discount"].as_str().and_then(minor_units) == Some(discount),
            "the upseller's webhook does not hold the discount: {event}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_customer_who_declines_sees_the_widget_go_and_the_hub_counts_a_decline() {
    run("popup_decline", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        let before = t.layout().await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("No, thanks").await?;
        t.until("the widget to leave the page", async || {
            Ok((!t.has_widget().await?).then_some(()))
        })
        .await?;
        t.shot("declined").await?;
        ensure!(t.layout().await? == before, "the page moved");
        let stats = t
            .until("the decline to be counted", async || {
                let stats = t.admin("/v1/admin/stats").await?;
                Ok((stats["total"]["declined"] == 1).then_some(stats))
            })
            .await?;
        ensure!(
            stats["total"]["accepted"] == 0,
            "accepted after a decline: {stats}"
        );
        let orders = t.admin("/v1/admin/orders").await?;
        ensure!(
            orders.as_array().is_some_and(Vec::is_empty),
            "orders after a decline: {orders}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn esc_closes_the_pop_up_without_declining_or_ordering() {
    run("popup_esc", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        let before = t.layout().await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("200 bonus points").await?;
        t.click_button("Show me").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        t.shot("before-esc").await?;
        t.press(Key::Escape).await?;
        t.until("Esc to close the widget", async || {
            Ok((!t.has_widget().await?).then_some(()))
        })
        .await?;
        t.shot("after-esc").await?;
        ensure!(t.layout().await? == before, "the page moved");
        let stats = t.admin("/v1/admin/stats").await?;
        ensure!(
            stats["total"]["declined"] == 0 && stats["total"]["accepted"] == 0,
            "Esc is neither a decline nor an accept: {stats}"
        );
        ensure!(
            t.upseller_orders().await?.is_empty(),
            "the upseller got an order"
        );
        Ok(())
    })
    .await;
}

/// What a script on the order page tries at the consent step: it cannot
/// reach into the hub's consent frame, so it submits the step, clicks the
/// frame element, forges the frame's message, and posts the accept itself
/// with every consent field right. Resolves to the accept's HTTP status.
const HOSTILE: &str = "const done = arguments[arguments.length - 1];\
  const root = document.querySelector('postsale-widget').shadowRoot;\
  const frame = root.querySelector('iframe.consent-frame');\
  root.querySelectorAll('form').forEach(f => f.dispatchEvent(new Event('submit', {bubbles: true, cancelable: true})));\
  frame.click();\
  try { window.dispatchEvent(new MessageEvent('message', {origin: new URL(frame.src).origin, source: frame.contentWindow,\
    data: {postsale: 'consent', proof: 'cp_forged'}})); } catch (e) { /* some browsers refuse the forged source */ }\
  window.postMessage({postsale: 'consent', proof: 'cp_page'}, '*');\
  const url = new URL(frame.src);\
  const base = url.origin + url.pathname.replace(/\\/consent$/, '');\
  const items = url.searchParams.get('items').split(',').map(p => ({sku: p.split(':')[0], quantity: +p.split(':')[1]}));\
  fetch(base + '/offer').then(r => r.json()).then(offer => {\
    const item = offer.items.find(i => i.sku === items[0].sku);\
    const cents = s => Math.round(parseFloat(s || '0') * 100);\
    const amount = ((cents(item.unit_price) * items[0].quantity + cents(item.shipping)) / 100).toFixed(2);\
    return fetch(base + '/accept', {method: 'POST', headers: {'content-type': 'application/json', 'idempotency-key': 'page-script'},\
      body: JSON.stringify({items, consent: {disclosure_sha256: offer.disclosure.text_sha256,\
        action: 'confirm_button', amount}})});\
  }).then(r => done(r.status), e => done(String(e)));";

#[tokio::test]
async fn a_script_on_the_order_page_cannot_confirm_for_the_customer() {
    run("popup_scripted_confirm", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("200 bonus points").await?;
        t.click_button("Show me").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let status = t.client.execute_async(HOSTILE, vec![]).await?;
        ensure!(
            status == 403,
            "the page's own accept was answered {status}, not 403"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        t.wait_title("Confirm your order").await?;
        let orders = t.admin("/v1/admin/orders").await?;
        ensure!(
            orders.as_array().is_some_and(Vec::is_empty),
            "an order without the customer's click: {orders}"
        );
        t.shot("scripted-confirm-refused").await?;

        // The customer's own click in the consent frame goes through.
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        let order = charged_order(&t, &order_id).await?;
        ensure!(
            order["consent_receipt"]["proof"]
                .as_str()
                .is_some_and(|p| p.starts_with("consent:")),
            "the receipt names no consent frame proof: {order}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_chain_of_upsell_decline_downsell_accept_charges_each_and_sums_them_up() {
    run("popup_chain", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("Free shipping on this offer").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let first_amount = text(&t, ".amount strong").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let first_id = text(&t, ".order-id").await?;

        // The upsell that follows the accept, offered on the confirmation.
        let next = text(&t, ".next").await?;
        ensure!(next == "One more thing for your new lens", "the follow-up reads {next:?}");
        t.shot("chain-next").await?;
        t.click_button("Show me").await?;
        t.wait_title("One more thing for your new lens").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        let hood = text(&t, ".items").await?;
        ensure!(hood.contains("lens hood"), "the upsell offers {hood:?}, not the hood");

        // Declined, the downsell comes instead of the widget closing.
        t.click_button("No, thanks").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.shot("chain-downsell").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        let cloths = text(&t, ".items").await?;
        ensure!(cloths.contains("lens cloths"), "the downsell offers {cloths:?}");
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let second_amount = text(&t, ".amount strong").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        let second_id = text(&t, ".order-id").await?;
        ensure!(second_id != first_id, "the downsell was not an order of its own");

        // The confirmation sums up both orders.
        let listed = t.js(
            "return [...document.querySelector('postsale-widget').shadowRoot.querySelectorAll('.orders li')].map(li => li.textContent);",
            vec![],
        )
        .await?;
        ensure!(
            listed.as_array().is_some_and(|l| l.len() == 2
                && l[0].as_str().is_some_and(|s| s.starts_with(&first_id))
                && l[1].as_str().is_some_and(|s| s.starts_with(&second_id))),
            "the confirmation lists {listed}"
        );
        let sum = minor_units(&text(&t, ".sum").await?);
        let expected = minor_units(&first_amount).zip(minor_units(&second_amount)).map(|(a, b)| a + b);
        ensure!(sum.is_some() && sum == expected, "the sum {sum:?} is not {first_amount} + {second_amount}");
        t.shot("chain-summed").await?;

        // Each is charged on its own, with its own consent receipt.
        let first = charged_order(&t, &first_id).await?;
        let second = charged_order(&t, &second_id).await?;
        ensure!(first["reason_code"] == "CAMERA-HIGH", "first: {}", first["reason_code"]);
        ensure!(second["reason_code"] == "LENS-BASICS", "second: {}", second["reason_code"]);
        for (order, shown) in [(&first, &first_amount), (&second, &second_amount)] {
            ensure!(
                order["consent_receipt"]["amount_minor"].as_i64() == minor_units(shown),
                "order {} holds a receipt for {} but the customer saw {shown}",
                order["id"],
                order["consent_receipt"]["amount_minor"]
            );
        }
        ensure!(
            first["opportunity_id"] != second["opportunity_id"],
            "both orders hang on one opportunity"
        );
        Ok(())
    })
    .await;
}
