//! The IFRAME presentation (reason code OUTDOOR, `direct_entry`): the offer
//! runs in a hub-origin frame over the page, and the card is typed inside it,
//! where the merchant's page cannot reach.

use fantoccini::Locator;

use crate::ensure;
use crate::harness::{HOST, run};
use crate::popup::{charged_order, check_receipt, minor_units, text, webhook_for};

const CARD: &str = "4242 4242 4242 4242";

#[tokio::test]
async fn a_direct_entry_order_is_paid_with_a_card_typed_inside_the_hub_frame() {
    run("iframe_direct_entry", |t| async move {
        t.buy("sku=CAM-BODY-1&reason=OUTDOOR").await?;
        let before = t.layout().await?;
        t.watch_errors().await?;

        let frame = t.in_widget("iframe").await?;
        let src = frame.attr("src").await?.unwrap_or_default();
        ensure!(src.starts_with(&t.hub), "the frame is not from the hub's origin: {src}");
        let host_box = t
            .js("const b = document.querySelector('postsale-widget').getBoundingClientRect(); return [b.width, b.height];", vec![])
            .await?;
        ensure!(host_box == serde_json::json!([0, 0]), "the host element takes space: {host_box}");

        frame.enter_frame().await?;
        t.wait_title("Choose your thank-you").await?;
        t.shot("frame-incentives").await?;
        t.through_the_frame_steps("Free shipping on this offer").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        ensure!(text(&t, ".shipping").await?.contains("free"), "the frame's offer ships free");
        t.shot("frame-offer").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let amount = text(&t, ".amount strong").await?;
        let disclosure = text(&t, ".disclosure").await?;
        let seller = text(&t, ".seller").await.unwrap_or_default();
        ensure!(
            disclosure.contains("not") || seller.contains("Trail"),
            "a direct_entry disclosure must name the upseller and say it is not the affiliate: {seller:?} / {disclosure:?}"
        );
        // The tripod ships: the shop's address is offered, and the customer
        // types another instead.
        let suggested = text(&t, ".address .same").await?;
        ensure!(suggested.contains("Springfield"), "the shop's address is not offered: {suggested:?}");
        t.in_widget("input[name=ship_same]").await?.click().await?;
        for (name, value) in [("line1", "Gartenweg 2"), ("postal_code", "10115"), ("city", "Berlin"), ("country", "de")] {
            t.in_widget(&format!("input[name={name}]")).await?.send_keys(value).await?;
        }
        t.type_card(CARD).await?;
        t.shot("frame-card-typed").await?;
        let (content, frame_width) = t.widths_at_phone_size().await?;
        ensure!(
            content <= frame_width,
            "at phone size the frame's content ({content}px) is wider than the frame ({frame_width}px)"
        );
        t.click_button("Confirm and pay").await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        t.shot("frame-confirmation").await?;
        t.click_button("Done").await?;

        t.client.enter_parent_frame().await?;
        t.until("the frame to leave the page", async || Ok((!t.has_widget().await?).then_some(()))).await?;
        t.shot("frame-closed").await?;
        let after = t.layout().await?;
        ensure!(after == before, "the page moved: {before} -> {after}");
        let errors = t.page_errors().await?;
        ensure!(errors.is_empty(), "errors thrown into the page: {errors:?}");
        let page = t.client.source().await?;
        ensure!(!page.contains("4242"), "the card number reached the merchant's page");
        ensure!(t.client.find_all(Locator::Css(HOST)).await?.is_empty(), "host left behind");

        let order = charged_order(&t, &order_id).await?;
        ensure!(order["mode"] == "direct_entry", "mode: {}", order["mode"]);
        ensure!(order["reason_code"] == "OUTDOOR", "reason code: {}", order["reason_code"]);
        ensure!(order["upseller_id"] == "demo-trail-outfitters", "upseller: {}", order["upseller_id"]);
        ensure!(order["points"] == 80, "points: {} (OUTDOOR gives 80)", order["points"]);
        ensure!(
            order["incentive"] == "free-ship" && order["shipping_minor"] == 0,
            "the pick made in the frame did not price the order: {order}"
        );
        ensure!(!order.to_string().contains("4242424242424242"), "the card number is in the order");
        check_receipt(&order, &amount, &disclosure)?;
        let event = webhook_for(&t, &order_id).await?;
        ensure!(event["order"]["mode"] == "direct_entry", "webhook: {event}");
        let ship_to = &event["order"]["ship_to"];
        ensure!(
            ship_to["line1"] == "Gartenweg 2" && ship_to["city"] == "Berlin" && ship_to["country"] == "DE",
            "the upseller's webhook does not ship where the customer said: {ship_to}"
        );
        ensure!(!event.to_string().contains("4242424242424242"), "the card number went to the upseller");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_follow_up_in_the_frame_is_a_page_of_its_own_paid_with_its_own_card_entry() {
    run("iframe_chain", |t| async move {
        t.buy("sku=CAM-BODY-1&reason=OUTDOOR").await?;
        let frame = t.in_widget("iframe").await?;
        frame.enter_frame().await?;
        t.through_the_frame_steps("10% off this offer").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let first_amount = text(&t, ".amount strong").await?;
        t.type_card(CARD).await?;
        t.click_button("Confirm and pay").await?;
        t.wait_title("Thank you").await?;
        let first_id = text(&t, ".order-id").await?;
        let first_page = t.js("return location.pathname;", vec![]).await?;

        // The follow-up: the frame goes to its own page, with its own token.
        let next = text(&t, ".next").await?;
        ensure!(
            next == "Something to carry it with",
            "the follow-up reads {next:?}"
        );
        t.click_button("Show me").await?;
        t.wait_title("Something to carry it with").await?;
        let second_page = t.js("return location.pathname;", vec![]).await?;
        ensure!(
            second_page != first_page
                && second_page.as_str().is_some_and(|p| p.ends_with("/frame")),
            "the frame did not move to the follow-up's page: {first_page} -> {second_page}"
        );
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        let items = text(&t, ".items").await?;
        ensure!(items.contains("strap"), "the follow-up offers {items:?}");
        // The upseller said, live, that the strap sells for 19.00 today
        // (24.00 in the catalogue).
        ensure!(
            items.contains("19.00") && !items.contains("24.00"),
            "the strap is not at the upseller's live price: {items:?}"
        );
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        let second_amount = text(&t, ".amount strong").await?;
        t.type_card(CARD).await?;
        t.click_button("Confirm and pay").await?;
        t.wait_title("Thank you").await?;
        let second_id = text(&t, ".order-id").await?;
        let sum = minor_units(&text(&t, ".sum").await?);
        let expected = minor_units(&first_amount)
            .zip(minor_units(&second_amount))
            .map(|(a, b)| a + b);
        ensure!(
            sum.is_some() && sum == expected,
            "the sum {sum:?} is not {first_amount} + {second_amount}"
        );
        t.shot("frame-chain-summed").await?;

        let first = charged_order(&t, &first_id).await?;
        let second = charged_order(&t, &second_id).await?;
        ensure!(
            second["reason_code"] == "TRAIL-MORE",
            "second: {}",
            second["reason_code"]
        );
        ensure!(
            first["mode"] == "direct_entry" && second["mode"] == "direct_entry",
            "both are paid with a card typed in the frame"
        );
        Ok(())
    })
    .await;
}
