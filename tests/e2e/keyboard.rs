//! The whole path without a mouse: focus moves into the dialog, Tab stays
//! inside it, Enter acts, Esc closes, and focus comes back to the page.

use fantoccini::key::Key;

use crate::ensure;
use crate::harness::run;
use crate::popup::{charged_order, text};

/// How many controls the dialog lets Tab reach.
const COUNT: &str = "return document.querySelector('postsale-widget').shadowRoot\
    .querySelectorAll('[role=dialog] button:not([disabled]),[role=dialog] input:not([disabled]),\
    [role=dialog] select:not([disabled]),[role=dialog] a[href]').length;";

#[tokio::test]
async fn a_keyboard_only_customer_tabs_enters_and_escapes_through_the_whole_offer() {
    run("keyboard", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        let first = t.until("focus inside the dialog", async || {
            let f = t.focused().await?;
            Ok((!f.is_null()).then_some(f))
        }).await?;
        ensure!(first["class"] == "choice", "focus went to {first}, not the first incentive");

        // Tab through every control and once more: back at the first (trapped).
        let controls = t.js(COUNT, vec![]).await?.as_u64().unwrap_or(0);
        ensure!(controls >= 3, "only {controls} controls in the dialog");
        for _ in 0..controls {
            t.press(Key::Tab).await?;
        }
        let wrapped = t.focused().await?;
        ensure!(wrapped == first, "Tab left the dialog or did not wrap: {wrapped} after {controls} Tabs");
        t.shot("focus-first-incentive").await?;

        t.press(Key::Enter).await?;
        t.wait_title("A thank-you offer for your order").await?;
        let show = t.focused().await?;
        ensure!(show["text"] == "Show me", "focus on the teaser: {show}");
        t.press(Key::Enter).await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        t.until("the quantity to be focused", async || {
            Ok((t.focused().await?["tag"] == "select").then_some(()))
        }).await?;
        // Focus starts on the first item's quantity; one Tab per further
        // item's quantity, then one more reaches the button.
        let selects = t
            .js("return document.querySelector('postsale-widget').shadowRoot.querySelectorAll('[role=dialog] select').length;", vec![])
            .await?
            .as_u64()
            .unwrap_or(0);
        ensure!(selects >= 1, "no quantity on the offer");
        for _ in 0..selects {
            t.press(Key::Tab).await?;
        }
        let add = t.focused().await?;
        ensure!(add["text"] == "Add to my order", "{selects} Tabs from the first quantity reached {add}");
        t.shot("offer-by-keyboard").await?;
        t.press(Key::Enter).await?;
        t.wait_title("Confirm your order").await?;
        // Focus goes into the hub's consent frame, onto its button.
        t.until("focus on the consent frame", async || {
            Ok((t.focused().await?["tag"] == "iframe").then_some(()))
        })
        .await?;
        let frame = t.in_widget("iframe.consent-frame").await?;
        frame.enter_frame().await?;
        let confirm = t
            .until("the consent frame's button to have focus", async || {
                let active = t
                    .js("const a = document.activeElement; return a && a.tagName === 'BUTTON' ? a.textContent.trim() : null;", vec![])
                    .await?;
                Ok(active.as_str().map(str::to_owned))
            })
            .await?;
        ensure!(confirm.starts_with("Confirm and pay"), "focus on the consent step: {confirm}");
        t.press(Key::Enter).await?;
        t.client.enter_parent_frame().await?;
        t.wait_title("Thank you").await?;
        let order_id = text(&t, ".order-id").await?;
        t.shot("confirmed-by-keyboard").await?;
        t.press(Key::Escape).await?;
        t.until("Esc to close the widget", async || Ok((!t.has_widget().await?).then_some(()))).await?;
        let active = t.js("return document.activeElement === document.body || document.activeElement === null;", vec![]).await?;
        ensure!(active == true, "focus did not go back to the page as it was");
        charged_order(&t, &order_id).await?;
        Ok(())
    })
    .await;
}
