//! The merchant console in a real browser, the whole way from a new person
//! to a sale: the demo shop's admin signs in (after one wrong password),
//! sees nothing sold yet and invites an editor and an analyst (a bad
//! address refused on its field first); the editor joins by the link, sets
//! up an offer through the forms (a template, with its refusal shown and
//! fixed, and a reason code), sees it drawn by the widget in the preview
//! without it counting, a customer takes that offer on the demo shop, and
//! the overview shows the sale with its chart moved, the order its consent
//! receipt and the trail the editor's changes. The analyst may not
//! edit; signed-out and cross-site requests are refused. axe-core scans
//! every page; each is photographed at desktop and phone width.

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

/// The element `css`, once the page shows it.
async fn found(t: &E2e, css: &str) -> Result<fantoccini::elements::Element> {
    t.until(&format!("{css} on the page"), async || {
        Ok(t.client.find(Locator::Css(css)).await.ok())
    })
    .await
}

/// The `points` of the overview's first chart line.
async fn chart_line(t: &E2e) -> Result<String> {
    let line = t
        .until("the overview's chart", async || {
            Ok(t.client
                .find(Locator::Css("figure.chart svg polyline"))
                .await
                .ok())
        })
        .await?;
    Ok(line.attr("points").await?.unwrap_or_default())
}

/// Invites `email` as `role` from the People page: the link it gives.
async fn invite(t: &E2e, email: &str, role: &str) -> Result<String> {
    fill(t, "#invite-email", email).await?;
    let select = t.client.find(Locator::Css("#invite-role")).await?;
    select.select_by_value(role).await?;
    click(t, "button", "Invite").await?;
    t.until("the invitation's link", async || {
        let Ok(code) = t.client.find(Locator::Css("#invitation-link")).await else {
            return Ok(None);
        };
        let text = code.text().await?;
        let listed = t.client.find(Locator::Css("main")).await?.text().await?;
        Ok(
            (text.contains("/console/#/join/psi_") && listed.contains(email))
                .then(|| text.trim().to_owned()),
        )
    })
    .await
}

/// Takes the invitation at `link` as `name`: signed in on the overview.
/// The page is scanned and photographed as `scan`, when given.
async fn join(t: &E2e, link: &str, (name, password): (&str, &str), scan: Option<&str>) -> Result {
    t.client.goto(link).await?;
    heading(t, "Join your team on postsale").await?;
    if let Some(page) = scan {
        scanned(t, page).await?;
    }
    fill(t, "#name", name).await?;
    fill(t, "#password", password).await?;
    click(t, "button", "Join").await?;
    heading(t, "Overview").await
}

/// Waits for `name` among the listed records' keys.
async fn listed(t: &E2e, name: &str) -> Result {
    t.until(&format!("{name} in the list"), async || {
        for cell in t.client.find_all(Locator::Css("tbody th")).await? {
            if cell.text().await?.trim() == name {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await
}

#[tokio::test]
async fn a_new_editor_sets_up_an_offer_previews_it_and_sees_it_sell() {
    run("console", |t| async move {
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
        let shown = figure(&t, "Showings").await?;
        ensure!(shown.starts_with('0'), "showings before any sale: {shown}");
        let before = chart_line(&t).await?;

        // The admin invites an editor and an analyst: a bad address is
        // refused on its field first.
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
        let editor = invite(&t, "ed@northlight.example", "editor").await?;
        let analyst = invite(&t, "nia@northlight.example", "analyst").await?;
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

        // The editor joins and sets up a template: an empty headline is
        // refused on its field, then fixed.
        let ed = ("Ed Marsh", "an editor's long passphrase");
        join(&t, &editor, ed, Some("join")).await?;
        click(&t, "nav a", "Offers").await?;
        heading(&t, "Offers").await?;
        click(&t, "ul.tabs button", "Templates").await?;
        t.client.find(Locator::Css("#templates-id")).await?;
        fill(&t, "#templates-id", "console-thanks").await?;
        fill(
            &t,
            "#templates-body",
            "Made in the console for {{ first_name }}.",
        )
        .await?;
        fill(&t, "#templates-button", "Add it").await?;
        click(&t, "form.card button", "Create").await?;
        t.until("the headline's error", async || {
            let input = t.client.find(Locator::Css("#templates-headline")).await?;
            Ok((input.attr("aria-invalid").await?.as_deref() == Some("true")).then_some(()))
        })
        .await?;
        scanned(&t, "offers-error").await?;
        fill(
            &t,
            "#templates-headline",
            "A lens filter, {{ first_name }}?",
        )
        .await?;
        click(&t, "form.card button", "Create").await?;
        listed(&t, "console-thanks").await?;
        let stored = t.admin("/v1/admin/templates/console-thanks").await?;
        ensure!(
            stored["headline"] == "A lens filter, {{ first_name }}?",
            "the template stored is {stored}"
        );
        scanned(&t, "offers").await?;

        // Then the offer itself: a reason code showing the lens maker's
        // filter in that template.
        click(&t, "ul.tabs button", "Reason codes").await?;
        found(&t, "#reason-codes-code").await?;
        for (field, text) in [
            ("code", "CONSOLE-SALE"),
            ("upseller", "demo-lens-co"),
            ("template", "console-thanks"),
            ("style", "northlight"),
            ("teaser", "An offer made in the console"),
            ("default_items", "FILTER-UV"),
            ("incentives", ""),
        ] {
            fill(&t, &format!("#reason-codes-{field}"), text).await?;
        }
        let mode = t
            .client
            .find(Locator::Css("#reason-codes-handoff_mode"))
            .await?;
        mode.select_by_value("payment_reference").await?;
        let presentation = t
            .client
            .find(Locator::Css("#reason-codes-presentation"))
            .await?;
        presentation.select_by_value("popup").await?;
        click(&t, "form.card button", "Create").await?;
        listed(&t, "CONSOLE-SALE").await?;

        // The preview draws it with the widget itself, at both widths,
        // and counts nothing.
        click(&t, "nav a", "Preview").await?;
        heading(&t, "Preview").await?;
        let code = found(&t, "#preview-code").await?;
        code.select_by_value("CONSOLE-SALE").await?;
        t.until("the code's own parts in the form", async || {
            let template = t.client.find(Locator::Css("#preview-template")).await?;
            Ok((template.prop("value").await?.as_deref() == Some("console-thanks")).then_some(()))
        })
        .await?;
        click(&t, "form button", "Show the preview").await?;
        t.until("the two preview frames", async || {
            let frames = t.client.find_all(Locator::Css(".previews iframe")).await?;
            Ok((frames.len() == 2).then_some(()))
        })
        .await?;
        scanned(&t, "preview").await?;
        // The desktop frame is drawn at half size: only read there; the
        // phone frame is walked on to the offer itself.
        for n in 0..2 {
            let frames = t.client.find_all(Locator::Css(".previews iframe")).await?;
            let frame = frames
                .into_iter()
                .nth(n)
                .ok_or("a preview frame went away")?;
            t.js(
                "document.querySelectorAll('.previews iframe')[arguments[0]].scrollIntoView();",
                vec![json!(n)],
            )
            .await?;
            frame.enter_frame().await?;
            t.wait_title("An offer made in the console").await?;
            if n == 1 {
                t.click_button("Show me").await?;
                t.wait_title("A lens filter, Alex?").await?;
            }
            t.client.enter_parent_frame().await?;
        }
        t.shot("console-preview-shown").await?;
        let stats = t.admin("/v1/admin/stats").await?;
        ensure!(
            stats["total"]["shown"] == 0,
            "the preview counted as a showing: {stats}"
        );

        // A customer takes that offer on the demo shop.
        t.buy("sku=CAM-BODY-1&reason=CONSOLE-SALE").await?;
        t.wait_title("An offer made in the console").await?;
        t.click_button("Show me").await?;
        t.wait_title("A lens filter, Ada?").await?;
        t.click_button("Add it").await?;
        t.wait_title("Confirm your order").await?;
        t.confirm_in_consent_frame().await?;
        t.wait_title("Thank you").await?;

        // The editor's overview shows the sale, and its chart moved.
        t.client.goto(&console).await?;
        heading(&t, "Overview").await?;
        let revenue = t
            .until("the sale in the overview", async || {
                let shown = figure(&t, "Showings").await?;
                let revenue = figure(&t, "Upsell revenue (refunds taken off)").await?;
                Ok((!shown.starts_with('0') && revenue.contains("USD")).then_some(revenue))
            })
            .await?;
        // The filter and its shipping.
        ensure!(revenue.contains("35.95"), "the filter's sale: {revenue}");
        let after = chart_line(&t).await?;
        ensure!(after != before, "the chart did not move: {after}");
        scanned(&t, "overview").await?;

        // The order, with the consent receipt of what the customer saw;
        // the editor's own changes in the trail.
        click(&t, "nav a", "Orders").await?;
        heading(&t, "Orders").await?;
        click(&t, "tbody button", "Details").await?;
        t.until("the consent receipt", async || {
            let Ok(detail) = t.client.find(Locator::Css("#order-detail-title")).await else {
                return Ok(None);
            };
            let section = detail.find(Locator::XPath("..")).await?;
            let text = section.text().await?;
            Ok((text.contains("Consent receipt") && text.contains("Lens")).then_some(()))
        })
        .await?;
        t.until("the editor in the trail", async || {
            let main = t.client.find(Locator::Css("main")).await?;
            let text = main.text().await?;
            Ok(
                (text.contains("ed@northlight.example") && text.contains("/v1/admin/reason-codes"))
                    .then_some(()),
            )
        })
        .await?;
        scanned(&t, "orders").await?;
        click(&t, "nav a", "Account").await?;
        heading(&t, "Account").await?;
        click(&t, "button", "Sign out").await?;
        heading(&t, "Sign in to postsale").await?;

        // The analyst joins, and may read but not edit.
        join(
            &t,
            &analyst,
            ("Nia Berg", "a long analyst passphrase"),
            None,
        )
        .await?;
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
        let templates = format!("{}/v1/admin/templates", t.hub);
        let status = fetch(
            &t,
            "POST",
            &templates,
            json!({"content-type": "application/json", "x-csrf-token": csrf}),
            json!({"id": "by-analyst", "headline": "x", "body": "x", "button": "x"}),
        )
        .await?;
        ensure!(status == 403, "an analyst's template got {status}");

        // A page of another site posts with the analyst's cookie in the
        // browser: refused, and nothing is stored.
        t.client.goto(crate::harness::SHOP).await?;
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
            !stored.to_string().contains("forged") && !stored.to_string().contains("by-analyst"),
            "a refused post stored a template: {stored}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_operator_confirms_what_waits_and_an_upseller_changes_its_agreement() {
    run("console-operator", |t| async move {
        // The hub's operator signs in: the trail company's affiliation with
        // the shop and its new origin wait for its word.
        t.client.goto(&format!("{}/console/", t.hub)).await?;
        heading(&t, "Sign in to postsale").await?;
        fill(&t, "#email", "ops@postsale.example").await?;
        fill(&t, "#password", PASSWORD).await?;
        click(&t, "button", "Sign in").await?;
        heading(&t, "Operator").await?;
        found(
            &t,
            "button[aria-label='Confirm demo-trail-outfitters and demo-camera-shop']",
        )
        .await?;
        scanned(&t, "operator").await?;
        click(&t, "button", "Confirm").await?;
        t.until("the affiliation confirmed", async || {
            let main = t.client.find(Locator::Css("main")).await?.text().await?;
            Ok(main.contains("No affiliation waits for you.").then_some(()))
        })
        .await?;
        click(&t, "button", "Vouch for it").await?;
        t.until("the origin vouched for", async || {
            let main = t.client.find(Locator::Css("main")).await?.text().await?;
            Ok(main.contains("No origin waits for you.").then_some(()))
        })
        .await?;
        let affiliations = t.admin("/v1/admin/affiliations").await?;
        ensure!(
            affiliations.as_array().is_some_and(|a| a
                .iter()
                .any(|a| a["proposer"] == "demo-trail-outfitters" && a["status"] == "confirmed")),
            "the shop's affiliations: {affiliations}"
        );
        click(&t, "nav a", "Account").await?;
        heading(&t, "Account").await?;
        click(&t, "button", "Sign out").await?;
        heading(&t, "Sign in to postsale").await?;

        // The lens company's admin lets the shop sell as merchant of record
        // too, for a larger share; a share over 100 % is refused first.
        fill(&t, "#email", "lee@prismlens.example").await?;
        fill(&t, "#password", PASSWORD).await?;
        click(&t, "button", "Sign in").await?;
        heading(&t, "Overview").await?;
        click(&t, "nav a", "Partners").await?;
        heading(&t, "Partners").await?;
        found(&t, "#agreement-affiliate").await?;
        fill(&t, "#agreement-affiliate", "demo-camera-shop").await?;
        for mode in ["merchant_of_record", "payment_reference"] {
            click_box(&t, &format!("#mode-{mode}")).await?;
        }
        fill(&t, "#agreement-commission", "20000").await?;
        click(&t, "form.card button", "Save the agreement").await?;
        t.until("the share's error", async || {
            let input = t.client.find(Locator::Css("#agreement-commission")).await?;
            Ok((input.attr("aria-invalid").await?.as_deref() == Some("true")).then_some(()))
        })
        .await?;
        fill(&t, "#agreement-commission", "750").await?;
        click(&t, "form.card button", "Save the agreement").await?;
        t.until("the agreement saved", async || {
            let main = t.client.find(Locator::Css("main")).await?.text().await?;
            Ok(main.contains("7.50 %").then_some(()))
        })
        .await?;
        scanned(&t, "partners").await?;
        let agreements = t.admin("/v1/admin/agreements").await?;
        let lens = agreements
            .as_array()
            .and_then(|a| a.iter().find(|a| a["upseller"] == "demo-lens-co"))
            .ok_or("no agreement of the lens company")?;
        ensure!(
            lens["commission_bps"] == 750 && lens["modes"].as_array().is_some_and(|m| m.len() == 3),
            "the agreement stored is {lens}"
        );
        Ok(())
    })
    .await;
}

/// Ticks (or unticks) the checkbox `css`.
async fn click_box(t: &E2e, css: &str) -> Result {
    found(t, css).await?.click().await?;
    Ok(())
}
