//! The widget in the customer's language: a German and a Japanese customer
//! buy through the pop-up in their own words (screens, disclosure, consent
//! frame), and Arabic copy lays out right to left. Screenshots of each step.

use postsale_protocol::{Language, around};

use crate::ensure;
use crate::harness::{E2e, Result, run};
use crate::popup::text;

/// Buys a camera on a page in `language` and accepts its offer through to
/// the confirmation, in that language's words.
async fn buy_in(t: &E2e, language: Language, teaser: &str, headline: &str, button: &str) -> Result {
    let code = language.code();
    let word = |key: &str| language.word(key).to_owned();
    t.buy(&format!("sku=CAM-BODY-1&lang={code}")).await?;
    t.watch_errors().await?;
    t.wait_title(&word("choose_title")).await?;
    let lang = t
        .js(
            "return document.querySelector('postsale-widget').shadowRoot.querySelector('[role=dialog]').lang;",
            vec![],
        )
        .await?;
    ensure!(lang == code, "the dialog's lang is {lang}, not {code}");
    t.shot(&format!("{code}-incentives")).await?;
    t.click_button("200 bonus points").await?;
    t.wait_title(teaser).await?;
    t.shot(&format!("{code}-teaser")).await?;
    t.click_button(&word("show_me")).await?;
    t.wait_title(headline).await?;
    let points = text(t, ".points").await?;
    let (before, after) = around(language.word("you_earn"));
    ensure!(
        points.starts_with(before) && points.ends_with(after),
        "the points line {points:?} is not in {code}"
    );
    let violations = t.axe(None).await?;
    ensure!(violations.is_empty(), "axe in {code}: {violations:?}");
    t.shot(&format!("{code}-offer")).await?;
    t.click_button(button).await?;
    t.wait_title(&word("confirm_title")).await?;
    let disclosure = text(t, ".disclosure").await?;
    let (opening, _) = language
        .word("disclosure_payment_reference")
        .split_once('{')
        .unwrap_or_default();
    ensure!(
        disclosure.starts_with(opening),
        "the disclosure is not in {code}: {disclosure}"
    );
    t.shot(&format!("{code}-consent")).await?;
    let (pay, _) = around(language.word("confirm_and_pay"));
    t.confirm_in_consent_frame_saying(pay.trim()).await?;
    t.wait_title(&word("thanks_title")).await?;
    let placed = text(t, "[role=status]").await?;
    ensure!(placed == word("placed"), "the confirmation says {placed:?}");
    t.shot(&format!("{code}-confirmation")).await?;
    let errors = t.page_errors().await?;
    ensure!(errors.is_empty(), "page errors: {errors:?}");
    Ok(())
}

#[tokio::test]
async fn a_german_and_a_japanese_customer_accept_in_their_own_words() {
    run("languages", |t| async move {
        buy_in(
            &t,
            Language::De,
            "Ein Dankeschön-Angebot zu Ihrer Bestellung",
            "Ein Dankeschön von Northlight Cameras",
            "Zur Bestellung hinzufügen",
        )
        .await?;
        buy_in(
            &t,
            Language::Ja,
            "ご注文へのお礼の特別オファー",
            "Northlight Camerasからの感謝を込めて",
            "注文に追加",
        )
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn arabic_copy_reads_right_to_left_beside_english_words() {
    run("arabic", |t| async move {
        t.buy("sku=CAM-BODY-1&lang=ar").await?;
        // No widget words in Arabic: English ones, the merchant's Arabic copy.
        t.wait_title(Language::En.word("choose_title")).await?;
        t.click_button("200 bonus points").await?;
        t.wait_title("عرض شكر على طلبك").await?;
        t.click_button("Show me").await?;
        t.wait_title("شكر من Northlight Cameras").await?;
        let directions = t
            .js(
                "const root = document.querySelector('postsale-widget').shadowRoot;\
                 return ['#postsale-title', '.body'].map(css => getComputedStyle(root.querySelector(css)).direction);",
                vec![],
            )
            .await?;
        ensure!(
            directions == serde_json::json!(["rtl", "rtl"]),
            "the Arabic copy is laid out {directions}"
        );
        let button = text(&t, ".actions .primary").await?;
        ensure!(button == "أضف إلى طلبي", "the offer's button is {button:?}");
        t.shot("ar-offer").await?;
        Ok(())
    })
    .await;
}
