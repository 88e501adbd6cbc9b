//! axe-core, from npm, injected into the order page and run on the open
//! dialog inside the widget's shadow root, at every step of the popup path.

use crate::ensure;
use crate::harness::{E2e, Result, run};

async fn scan(t: &E2e, step: &str) -> Result {
    let violations = t.axe(None).await?;
    ensure!(
        violations.is_empty(),
        "axe found violations in the dialog at the {step} step:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
    Ok(())
}

#[tokio::test]
async fn the_open_dialog_has_no_accessibility_violations_at_any_step() {
    run("a11y", |t| async move {
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        scan(&t, "incentives").await?;
        t.click_button("200 bonus points").await?;
        t.wait_title("A thank-you offer for your order").await?;
        scan(&t, "teaser").await?;
        t.click_button("Show me").await?;
        t.wait_title("A thank-you from Northlight Cameras").await?;
        scan(&t, "offer").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        scan(&t, "consent").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;
        scan(&t, "confirmation").await?;
        t.shot("a11y-scanned").await?;
        Ok(())
    })
    .await;
}
