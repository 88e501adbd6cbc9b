//! The hub is down: the order page must load and behave exactly as it does
//! without the snippet. No host element, nothing thrown, the same layout
//! and text, the snippet's queue intact.

use std::time::Duration;

use serde_json::json;

use crate::ensure;
use crate::harness::run;

/// Rewrites the current document as the same HTML without any script: the
/// order page as it would be without the snippet.
const WITHOUT_SNIPPET: &str = "const done = arguments[0];\
    fetch(location.href).then(r => r.text()).then(html => {\
      document.open(); document.write(html.replace(/<script[\\s\\S]*?<\\/script>/gi, '')); document.close();\
      requestAnimationFrame(() => requestAnimationFrame(() => done(document.scripts.length)));\
    }).catch(e => done(String(e)));";

#[tokio::test]
async fn with_the_hub_stopped_the_order_page_is_exactly_as_without_the_snippet() {
    run("hub_down", |t| async move {
        t.stop_hub();
        let url = t.buy("sku=CAM-BODY-1").await?;
        t.watch_errors().await?;
        // The loader would start after `load`; give a real one time to fail.
        tokio::time::sleep(Duration::from_secs(2)).await;
        t.shot("order-page-hub-down").await?;
        ensure!(
            !t.has_widget().await?,
            "a widget host element with the hub down"
        );
        let errors = t.page_errors().await?;
        ensure!(errors.is_empty(), "errors thrown into the page: {errors:?}");
        let queue = t
            .js(
                "return typeof window.postsale === 'function' && (window.postsale.q || []).length;",
                vec![],
            )
            .await?;
        ensure!(
            queue == json!(2),
            "the snippet did not run through (init + purchase queued): {queue}"
        );
        let with = t.layout().await?;
        let text = t.js("return document.body.innerText;", vec![]).await?;

        let scripts = t.client.execute_async(WITHOUT_SNIPPET, vec![]).await?;
        ensure!(
            scripts == json!(0),
            "could not render the page without the snippet: {scripts}"
        );
        t.shot("order-page-without-snippet").await?;
        let without = t.layout().await?;
        let text_without = t.js("return document.body.innerText;", vec![]).await?;
        ensure!(
            with == without,
            "layout differs from the page without the snippet: {with} vs {without}"
        );
        ensure!(
            text == text_without,
            "text differs: {text} vs {text_without}"
        );

        // And the page still works: its link goes where it should.
        t.client.goto(&url).await?;
        Ok(())
    })
    .await;
}
