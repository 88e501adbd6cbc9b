//! The hub as production runs it: behind nginx (`deploy/nginx.conf`) over
//! TLS, at its public origin. A customer on the shop's page buys the IFRAME
//! offer with a card typed inside the hub's frame, all through the proxy.

use crate::ensure;
use crate::harness::run_behind_tls;
use crate::popup::{charged_order, text};

#[tokio::test]
async fn a_customer_buys_through_the_tls_proxy_in_front_of_the_hub() {
    run_behind_tls("behind_tls", |t| async move {
        ensure!(
            t.hub.starts_with("https://localhost:"),
            "the hub is not behind TLS: {}",
            t.hub
        );
        t.buy("sku=CAM-BODY-1&reason=OUTDOOR").await?;
        let frame = t.in_widget("iframe").await?;
        let src = frame.attr("src").await?.unwrap_or_default();
        ensure!(
            src.starts_with(&t.hub),
            "the frame is not from the public origin: {src}"
        );
        frame.enter_frame().await?;
        t.through_the_frame_steps("200 bonus points").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        let hub = t
            .js(
                "return document.querySelector('#postsale-frame').dataset.hub;",
                vec![],
            )
            .await?;
        ensure!(
            hub == serde_json::json!(t.hub),
            "the frame page names {hub}, not {}",
            t.hub
        );
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        t.type_card("4242 4242 4242 4242").await?;
        t.click_button("Confirm and pay").await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        // The picture from the page: Firefox takes none from inside a
        // cross-origin frame served over TLS to a page that is not.
        t.client.enter_parent_frame().await?;
        t.shot("tls-confirmation").await?;
        let order = charged_order(&t, &order_id).await?;
        ensure!(order["status"] == "charged", "the order is {order}");
        Ok(())
    })
    .await;
}
