//! The merchant console in a real browser: the demo shop's admin signs in
//! (after one wrong password), sees the sale a customer just made in the
//! overview, sets up a template through its form and invites an analyst
//! (a field error shown and fixed on the way in each) and signs out; the analyst takes the link, signs in by it, and may
//! not invite; signed-out and cross-site requests are refused. axe-core
//! scans every page; each is photographed at desktop and phone width.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::ensure;
use crate::harness::{E2e, Result, run};

const ADMIN: &str = "ada@northlight.example";
const PASSWORD: &str = "postsale demo password";

/// Waits for the page's `h1` to read `title`.
async fn heading(t: &E2e, title: &str) -> Result {
    t.until(&format!("the console's heading {title:?}"), async || {
        let Ok(h1) = t.client.find(Locator::Css("h1")).await else {
            return Ok(None);
        };
        Ok((h1.text().await?.trim() == title).then_some(()))
    })
    .await
}

/// Clears the input `css` and types `text` into it.
async fn fill(t: &E2e, css: &str, text: &str) -> Result {
    let input = t.client.find(Locator::Css(css)).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// Clicks the button or link whose text starts with `text`.
async fn click(t: &E2e, css: &str, text: &str) -> Result {
    let found = t
        .until(&format!("{css} {text:?}"), async || {
            for element in t.client.find_all(Locator::Css(css)).await? {
                if element.text().await?.trim().starts_with(text) {
                    return Ok(Some(element));
                }
            }
            Ok(None)
        })
        .await?;
    found.click().await?;
    Ok(())
}

/// axe-core on the whole console page, and its pictures.
async fn scanned(t: &E2e, page: &str) -> Result {
    let violations = t.axe(Some("body")).await?;
    ensure!(
        violations.is_empty(),
        "axe found violations on the console's {page} page:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
    t.shot(&format!("console-{page}")).await
}

/// A `fetch` from the page: its status.
async fn fetch(t: &E2e, method: &str, url: &str, headers: Value, body: Value) -> Result<u16> {
    let status = t
        .client
        .execute_async(
            "const [method, url, headers, body, done] = arguments;\
             fetch(url, {method, headers, body: body === null ? undefined : JSON.stringify(body), credentials: 'include'})\
               .then(r => done(r.status)).catch(e => done(-1));",
            vec![json!(method), json!(url), headers, body],
        )
        .await?;
    Ok(status.as_i64().unwrap_or(-1).try_into().unwrap_or(0))
}

/// The text of the overview's figure named `name`.
async fn figure(t: &E2e, name: &str) -> Result<String> {
    t.until(&format!("the figure {name:?}"), async || {
        for item in t.client.find_all(Locator::Css(".figures div")).await? {
            let text = item.text().await?;
            if let Some(rest) = text.trim().strip_prefix(name) {
                return Ok(Some(rest.trim().to_owned()));
            }
        }
        Ok(None)
    })
    .await
}

#[tokio::test]
async fn a_merchant_signs_in_sees_the_sale_and_invites_an_analyst_who_may_not_edit() {
    run("console", |t| async move {
        // A customer takes an offer on the demo shop.
        t.buy("sku=CAM-BODY-1").await?;
        t.wait_title("Choose your thank-you").await?;
        t.click_button("200 bonus points").await?;
        t.wait_title("A thank-you offer for your order").await?;
        t.click_button("Show me").await?;
        t.click_button("Add to my order").await?;
        t.wait_title("Confirm your order").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;

        // Signed out, the console asks for a sign-in, and the API refuses.
        let console = format!("{}/console/", t.hub);
        t.client.goto(&console).await?;
        heading(&t, "Sign in to postsale").await?;
        let session = format!("{}/v1/console/session", t.hub);
        ensure!(
            fetch(&t, "GET", &session, json!({}), Value::Null).await? == 401,
            "a signed-out request was not refused"
        );
        scanned(&t, "sign-in").await?;
        fill(&t, "#email", ADMIN).await?;
        fill(&t, "#password", "not the password").await?;
        click(&t, "button", "Sign in").await?;
        t.until("the refusal shown", async || {
            let Ok(alert) = t.client.find(Locator::Css("[role=alert]")).await else {
                return Ok(None);
            };
            Ok(alert
                .text()
                .await?
                .contains("wrong e-mail address or password")
                .then_some(()))
        })
        .await?;
        fill(&t, "#password", PASSWORD).await?;
        click(&t, "button", "Sign in").await?;
        heading(&t, "Overview").await?;

        // The sale is in today's figures.
        let accepted = t
            .until("the sale in the overview", async || {
                let shown = figure(&t, "Showings").await?;
                let revenue = figure(&t, "Upsell revenue (refunds taken off)").await?;
                Ok((!shown.starts_with('0') && revenue.contains("USD")).then_some(revenue))
            })
            .await?;
        ensure!(!accepted.starts_with('—'), "no revenue shown: {accepted}");
        t.client
            .find(Locator::Css("figure.chart svg polyline"))
            .await?;
        scanned(&t, "overview").await?;

        // The admin sets up a template through the form: an empty headline
        // is refused on its field, then fixed.
        click(&t, "nav a", "Offers").await?;
        heading(&t, "Offers").await?;
        click(&t, "ul.tabs button", "Templates").await?;
        t.client.find(Locator::Css("#templates-id")).await?;
        fill(&t, "#templates-id", "console-thanks").await?;
        fill(&t, "#templates-body", "Made in the console.").await?;
        fill(&t, "#templates-button", "Add it").await?;
        click(&t, "form.card button", "Create").await?;
        t.until("the headline's error", async || {
            let input = t.client.find(Locator::Css("#templates-headline")).await?;
            Ok((input.attr("aria-invalid").await?.as_deref() == Some("true")).then_some(()))
        })
        .await?;
        scanned(&t, "offers-error").await?;
        fill(&t, "#templates-headline", "Thanks, {{ first_name }}").await?;
        click(&t, "form.card button", "Create").await?;
        t.until("the new template in the list", async || {
            for cell in t.client.find_all(Locator::Css("tbody th")).await? {
                if cell.text().await?.trim() == "console-thanks" {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        })
        .await?;
        let stored = t.admin("/v1/admin/templates/console-thanks").await?;
        ensure!(
            stored["headline"] == "Thanks, {{ first_name }}",
            "the template stored is {stored}"
        );
        scanned(&t, "offers").await?;

        // The admin invites an analyst: a bad address is refused on its field.
        click(&t, "nav a", "People").await?;
        heading(&t, "People").await?;
        fill(&t, "#invite-email", "not an address").await?;
        click(&t, "button", "Invite").await?;
        t.until("the field's error", async || {
            let input = t.client.find(Locator::Css("#invite-email")).await?;
            Ok((input.attr("aria-invalid").await?.as_deref() == Some("true")).then_some(()))
        })
        .await?;
        let error = t.client.find(Locator::Css("#invite-email-error")).await?;
        ensure!(
            error.text().await?.contains("e-mail address"),
            "the field error says {:?}",
            error.text().await?
        );
        scanned(&t, "people-error").await?;
        fill(&t, "#invite-email", "nia@northlight.example").await?;
        let role = t.client.find(Locator::Css("#invite-role")).await?;
        role.select_by_value("analyst").await?;
        click(&t, "button", "Invite").await?;
        let link = t
            .until("the invitation's link", async || {
                let Ok(code) = t.client.find(Locator::Css("#invitation-link")).await else {
                    return Ok(None);
                };
                let text = code.text().await?;
                Ok(text.contains("/console/#/join/psi_").then_some(text))
            })
            .await?;
        scanned(&t, "people").await?;

        // A key for a machine: shown once, and it opens the API.
        fill(&t, "#key-label", "nightly export").await?;
        click(&t, "form.card button", "Make a key").await?;
        let key = t
            .until("the new key", async || {
                let Ok(code) = t.client.find(Locator::Css("#new-api-key")).await else {
                    return Ok(None);
                };
                let text = code.text().await?;
                Ok(text.starts_with("psk_").then_some(text))
            })
            .await?;
        let opened = reqwest::Client::new()
            .get(format!("{}/v1/admin/templates", t.hub))
            .bearer_auth(key.trim())
            .send()
            .await?
            .status();
        ensure!(opened == 200, "the console's new key got {opened}");

        // Signing out ends the session.
        click(&t, "nav a", "Account").await?;
        heading(&t, "Account").await?;
        scanned(&t, "account").await?;
        click(&t, "button", "Sign out").await?;
        heading(&t, "Sign in to postsale").await?;
        ensure!(
            fetch(&t, "GET", &session, json!({}), Value::Null).await? == 401,
            "the session outlived its sign-out"
        );

        // The analyst takes the link.
        t.client.goto(link.trim()).await?;
        heading(&t, "Join your team on postsale").await?;
        scanned(&t, "join").await?;
        fill(&t, "#name", "Nia Berg").await?;
        fill(&t, "#password", "a long analyst passphrase").await?;
        click(&t, "button", "Join").await?;
        heading(&t, "Overview").await?;
        click(&t, "nav a", "People").await?;
        heading(&t, "People").await?;
        ensure!(
            t.client.find(Locator::Css("#invite-email")).await.is_err(),
            "an analyst is offered the invitation form"
        );
        click(&t, "nav a", "Offers").await?;
        heading(&t, "Offers").await?;
        t.until("the analyst's reading note", async || {
            let main = t.client.find(Locator::Css("main")).await?;
            Ok(main
                .text()
                .await?
                .contains("Your role reads offers")
                .then_some(()))
        })
        .await?;
        ensure!(
            t.client.find(Locator::Css("main form.card")).await.is_err(),
            "an analyst is offered a record form"
        );
        // Asked anyway, with the session's own CSRF token, the hub refuses.
        let csrf = t
            .js(
                "return fetch('/v1/console/session').then(r => r.json()).then(s => s.csrf_token);",
                vec![],
            )
            .await?;
        let invite = format!("{}/v1/console/invitations", t.hub);
        let status = fetch(
            &t,
            "POST",
            &invite,
            json!({"content-type": "application/json", "x-csrf-token": csrf}),
            json!({"email": "eve@northlight.example", "role": "admin"}),
        )
        .await?;
        ensure!(status == 403, "an analyst's invitation got {status}");

        // A page of another site posts with the analyst's cookie in the
        // browser: refused, and nothing is stored.
        t.client.goto(crate::harness::SHOP).await?;
        let templates = format!("{}/v1/admin/templates", t.hub);
        let forged = fetch(
            &t,
            "POST",
            &templates,
            json!({"content-type": "text/plain"}),
            json!({"id": "forged", "headline": "x", "body": "x", "button": "x"}),
        )
        .await?;
        ensure!(
            !(200..300).contains(&forged),
            "a cross-site post was answered {forged}"
        );
        let stored = t.admin("/v1/admin/templates").await?;
        ensure!(
            !stored.to_string().contains("forged"),
            "a cross-site post stored a template: {stored}"
        );
        Ok(())
    })
    .await;
}
