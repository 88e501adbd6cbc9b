//! The widget against a hub: a dead one (a closed port) and a fake one (a
//! stand-in `window.fetch` that answers like the hub and records what it got).

use js_sys::{Array, Reflect};
use postsale_protocol::Language;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::*;

pub(super) const FAKE_HUB: &str = "https://hub.test";

/// Installs a fake `fetch` for `FAKE_HUB`. `routes` is JS: a function
/// `(method, path, n) => [status, body]`, `n` counting calls to that path.
pub(super) fn fake_hub(routes: &str) {
    fake_hub_at(FAKE_HUB, routes);
}

/// [`fake_hub`] for a hub at `base`.
pub(super) fn fake_hub_at(base: &str, routes: &str) {
    speak(postsale_protocol::Language::En);
    script(&format!(
        "window.__realFetch = window.__realFetch || window.fetch;
         window.__requests = []; window.__seen = []; window.__errors = 0;
         var counts = {{}}, routes = {routes};
         window.fetch = function (input, init) {{
           var req = new Request(input, init);
           if (req.url.indexOf('{base}') !== 0) return window.__realFetch(input, init);
           var path = req.url.slice({len}), key = req.method + ' ' + path;
           counts[key] = (counts[key] || 0) + 1;
           return req.text().then(function (body) {{
             __requests.push({{ method: req.method, path: path, key: req.headers.get('idempotency-key'), body: body }});
             var answer = routes(req.method, path, counts[key]);
             if (answer === 'hang') return new Promise(function (ok, no) {{
               req.signal.addEventListener('abort', function () {{ no(new DOMException('timeout', 'AbortError')); }});
             }});
             return new Response(answer[1] === null ? null : JSON.stringify(answer[1]),
               {{ status: answer[0], headers: {{ 'content-type': 'application/json' }} }});
           }});
         }};",
        len = base.len()
    ));
}

pub(super) fn restore_fetch() {
    script("if (window.__realFetch) window.fetch = window.__realFetch;");
}

/// A fresh page: the older snippet line, `init` for `hub`, listeners recording
/// every event into `__seen`, a purchase, then the widget's take-over.
pub(super) fn shop(hub: &str) {
    script(&format!(
        "delete window.postsale; delete window[Symbol.for('postsale')];
         window.postsale=window.postsale||function(){{(postsale.q=postsale.q||[]).push(arguments)}};
         ['shown','accepted','declined','closed','error'].forEach(function (n) {{
           postsale('on', n, function (d) {{ __seen.push(n + (d && d.reason ? ':' + d.reason : '')); }});
         }});
         postsale('init', {{ hub: '{hub}', affiliate: 'demo' }});
         postsale('purchase', {{ ticket: 'tk', order: {{ id: 'A-1', items: [{{ sku: 'CAM', name: 'Camera', quantity: 1, unit_price: '10.00', extra: 1 }}], total: '10.00', currency: 'USD' }}, customer: {{ first_name: ' Ada ', email: 'a@b.test' }} }});"
    ));
    postsale_widget::start();
}

fn seen() -> Vec<String> {
    Array::from(&global("__seen"))
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

pub(super) fn requests() -> Vec<(String, String, Option<String>, String)> {
    let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).expect("field").as_string();
    Array::from(&global("__requests"))
        .iter()
        .map(|r| {
            (
                get(&r, "method").unwrap_or_default(),
                get(&r, "path").unwrap_or_default(),
                get(&r, "key"),
                get(&r, "body").unwrap_or_default(),
            )
        })
        .collect()
}

fn widget_shadow() -> Option<ShadowRoot> {
    document()
        .query_selector("[data-postsale]")
        .ok()
        .flatten()
        .and_then(|h| h.shadow_root())
}

fn clear_widgets() {
    while let Some(host) = document().query_selector("[data-postsale]").ok().flatten() {
        host.remove();
    }
}

pub(super) const OPPORTUNITY: &str = "{ id: 'op_1', presentation: 'popup', teaser: 'A gift for your camera',
  style: { accent: '#aa0000', text: '#111111', surface: '#ffffff', font: 'Georgia, serif', radius_px: 8 },
  expires_at: 4000000000, reason_code: 'CAMERA-HIGH', incentives: [], lang: window.__lang, labels: window.__labels }";
const OFFER: &str = "{ opportunity_id: 'op_1', headline: 'Protect it, {{first_name}}', body: 'Two years of cover',
  button: 'Add to my order', currency: 'USD', points: 120, expires_at: 4000000000,
  style: { accent: '#aa0000', text: '#111111', surface: '#ffffff', font: 'Georgia, serif', radius_px: 8 },
  items: [{ sku: 'CARE', name: 'Care plan', unit_price: '49.99', max_quantity: 1 },
          { sku: 'SD', name: 'SD card', unit_price: '19.50', max_quantity: 3 }],
  disclosure: { mode: 'merchant_of_record', text: 'Charged by Demo Camera Shop to the card you just used.', text_sha256: 'abcd' } }";

#[wasm_bindgen_test]
async fn a_dead_hub_leaves_the_page_untouched() {
    restore_fetch();
    script(
        "window.__seen = []; window.__errors = 0; addEventListener('error', function () { __errors++; });",
    );
    let before = body().inner_html();
    shop(DEAD_HUB);
    assert!(
        until(5_000, || !seen().is_empty()).await,
        "the merchant heard why"
    );
    assert_eq!(seen(), ["error:unreachable"]);
    assert_eq!(widget_hosts(), 0, "no host element");
    assert_eq!(body().inner_html(), before, "the page is as it was");
    assert_eq!(global("__errors").as_f64(), Some(0.0), "nothing thrown");
}

#[wasm_bindgen_test]
async fn no_offer_an_error_or_a_malformed_answer_shows_nothing() {
    for answer in [
        "[204, null]",
        "[500, { title: 'boom' }]",
        "[201, { id: 7 }]",
    ] {
        fake_hub(&format!("function () {{ return {answer}; }}"));
        shop(FAKE_HUB);
        assert!(
            until(2_000, || !requests().is_empty()).await,
            "the hub was asked"
        );
        sleep(100).await;
        assert_eq!(widget_hosts(), 0, "nothing shown for {answer}");
    }
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_hub_slower_than_three_seconds_shows_nothing() {
    fake_hub("function () { return 'hang'; }");
    shop(FAKE_HUB);
    assert!(until(5_000, || !seen().is_empty()).await, "given up");
    assert_eq!(seen(), ["error:unreachable"]);
    assert_eq!(widget_hosts(), 0);
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_customer_goes_from_teaser_to_confirmation_and_a_retry_reuses_the_key() {
    // The hub at this page's own origin, so that the test can speak from
    // inside the consent frame as the hub's frame does.
    let hub = [
        window().location().origin().expect("origin").as_str(),
        "/hub",
    ]
    .concat();
    fake_hub_at(&hub, &format!(
        "function (method, path, n) {{
           if (path === '/v1/opportunities') return [201, {OPPORTUNITY}];
           if (path === '/v1/opportunities/op_1/offer') return [200, {OFFER}];
           if (path === '/v1/opportunities/op_1/accept') return n === 1 ? [503, null] :
             [201, {{ order_id: 'ord_9', status: 'charged', amount: '69.49', currency: 'USD', points: 120 }}];
           return [404, null];
         }}"
    ));
    shop(&hub);
    assert!(
        until(2_000, || widget_shadow().is_some_and(|s| query(
            &s,
            "[role=dialog]"
        )
        .is_some()))
        .await
    );
    let shadow = widget_shadow().expect("shown");
    assert_eq!(
        query(&shadow, "h2")
            .and_then(|h| h.text_content())
            .as_deref(),
        Some("A gift for your camera")
    );
    // The affiliate's display style arrives as --postsale-* properties.
    let theme = query(&shadow, ".theme").expect("themed root");
    assert_eq!(
        theme
            .style()
            .get_property_value("--postsale-accent")
            .ok()
            .as_deref(),
        Some("#aa0000")
    );
    assert_eq!(
        theme
            .style()
            .get_property_value("--postsale-font")
            .ok()
            .as_deref(),
        Some("Georgia, serif")
    );
    // The transaction went out in the protocol's shape (unknown keys dropped).
    let (_, _, _, body) = requests()[0].clone();
    assert!(
        body.contains(r#""order_id":"A-1""#) && !body.contains("extra"),
        "{body}"
    );
    // The customer's name and e-mail stay in the page.
    assert!(
        !body.contains("Ada") && !body.contains("a@b.test"),
        "{body}"
    );

    query(&shadow, ".primary").expect("Show me").click();
    assert!(
        until(2_000, || query(&shadow, ".items").is_some()).await,
        "the offer is shown"
    );
    // The page's first name, trimmed, fills the hub's placeholder.
    assert_eq!(
        query(&shadow, "h2")
            .and_then(|h| h.text_content())
            .as_deref(),
        Some("Protect it, Ada")
    );
    assert!(
        query(&shadow, ".price")
            .and_then(|p| p.text_content())
            .is_some_and(|t| t.contains("49.99"))
    );
    // Take one SD card too.
    let select: web_sys::HtmlSelectElement = shadow
        .query_selector_all("select")
        .expect("selects")
        .item(1)
        .expect("a second select")
        .unchecked_into();
    select.set_value("1");
    select
        .dispatch_event(&web_sys::Event::new("change").expect("an event"))
        .expect("dispatched");
    yew::scheduler::flush().await;
    assert!(
        query(&shadow, ".total")
            .and_then(|t| t.text_content())
            .is_some_and(|t| t.contains("69.49"))
    );

    query(&shadow, ".primary").expect("Add to my order").click();
    assert!(
        until(1_000, || query(&shadow, ".disclosure").is_some()).await,
        "the consent step"
    );
    assert!(
        query(&shadow, ".amount")
            .and_then(|a| a.text_content())
            .is_some_and(|t| t.contains("69.49"))
    );
    // On the merchant's page the confirming click is the hub's consent
    // frame's: the widget has no confirm button of its own a page could press.
    assert!(query(&shadow, "button.confirm").is_none());
    let frame: web_sys::HtmlIFrameElement = query(&shadow, "iframe.consent-frame")
        .expect("the consent frame")
        .unchecked_into();
    let src = frame.src();
    let origin = window().location().origin().expect("origin");
    assert_eq!(
        src,
        [
            hub.as_str(),
            "/v1/opportunities/op_1/consent?items=CARE%3A1%2CSD%3A1#origin=",
            &String::from(js_sys::encode_uri_component(&origin)),
        ]
        .concat()
    );
    assert!(
        until(3_000, || frame
            .content_document()
            .is_some_and(|d| d.ready_state() == "complete"
                && d.url().ok().is_some_and(|u| u.contains("/consent"))))
        .await,
        "the consent frame loaded"
    );
    // What a script of the page can do: a look-alike event naming the frame
    // as its source, a message from the page itself, submitting the step.
    script(
        "var f = document.querySelector('[data-postsale]').shadowRoot.querySelector('iframe.consent-frame');
         try { window.dispatchEvent(new MessageEvent('message', { origin: location.origin, source: f.contentWindow,
           data: { postsale: 'consent', proof: 'cp_forged' } })); } catch (e) {}
         window.postMessage({ postsale: 'consent', proof: 'cp_page' }, '*');",
    );
    sleep(200).await;
    assert!(
        !requests().iter().any(|r| r.1.ends_with("/accept")),
        "no accept without the frame's message: {:?}",
        requests()
    );
    // The frame's own message, as its script posts it after a real click
    // (run in the frame's realm, so the frame is its source).
    let post = js_sys::Function::new_with_args(
        "w, o",
        "w.Function('o', \"parent.postMessage({ postsale: 'consent', proof: 'cp_click' }, o)\")(o);",
    );
    post.call2(
        &JsValue::NULL,
        &frame.content_window().expect("frame window").into(),
        &origin.as_str().into(),
    )
    .expect("posted");
    assert!(
        until(2_000, || query(&shadow, "[role=alert]").is_some()).await,
        "a clear error"
    );
    query(&shadow, ".primary").expect("Try again").click();
    let confirmed = until(2_000, || query(&shadow, ".order-id").is_some()).await;
    assert!(
        confirmed,
        "confirmed: {:?} {}",
        requests(),
        shadow.inner_html()
    );
    assert_eq!(
        query(&shadow, ".order-id")
            .and_then(|o| o.text_content())
            .as_deref(),
        Some("ord_9")
    );

    let accepts: Vec<_> = requests()
        .into_iter()
        .filter(|r| r.1.ends_with("/accept"))
        .collect();
    assert_eq!(accepts.len(), 2, "one for the click, one for the retry");
    let key = accepts[0].2.clone().expect("an Idempotency-Key");
    assert_eq!(key.len(), 32);
    assert_eq!(
        accepts[1].2.as_deref(),
        Some(key.as_str()),
        "the retry reuses the key"
    );
    assert_eq!(accepts[0].3, accepts[1].3, "and the same body");
    assert!(
        accepts[0].3.contains(r#""amount":"69.49""#),
        "{}",
        accepts[0].3
    );
    assert!(accepts[0].3.contains(r#""disclosure_sha256":"abcd""#));
    assert!(
        accepts[0].3.contains(r#""proof":"cp_click""#),
        "the accept carries the frame's proof: {}",
        accepts[0].3
    );

    query(&shadow, ".primary").expect("Done").click();
    yew::scheduler::flush().await;
    assert_eq!(seen(), ["shown", "error:unreachable", "accepted", "closed"]);
    assert_eq!(widget_hosts(), 0, "gone when closed");
    clear_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn declining_tells_the_hub_and_the_page() {
    fake_hub(&format!(
        "function (method, path) {{
           if (path === '/v1/opportunities') return [201, {OPPORTUNITY}];
           return [204, null];
         }}"
    ));
    shop(FAKE_HUB);
    assert!(until(2_000, || widget_shadow().is_some()).await);
    let shadow = widget_shadow().expect("shown");
    query(&shadow, ".secondary").expect("No, thanks").click();
    assert!(
        until(1_000, || requests()
            .iter()
            .any(|r| r.1.ends_with("/decline")))
        .await
    );
    assert_eq!(seen(), ["shown", "declined", "closed"]);
    clear_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_offer_counts_down_to_its_end_and_tells_screen_readers_once_in_its_last_minute() {
    fake_hub(&format!(
        "function (method, path) {{
           if (path === '/v1/opportunities') return [201, {OPPORTUNITY}];
           if (path === '/v1/opportunities/op_1/offer')
             return [200, Object.assign({OFFER}, {{ expires_at: Math.floor(Date.now() / 1000) + 62 }})];
           return [404, null];
         }}"
    ));
    shop(FAKE_HUB);
    assert!(
        until(2_000, || widget_shadow()
            .is_some_and(|s| query(&s, ".primary").is_some()))
        .await,
        "the teaser"
    );
    let shadow = widget_shadow().expect("shown");
    query(&shadow, ".primary").expect("Show me").click();
    assert!(
        until(2_000, || query(&shadow, ".deadline").is_some()).await,
        "the offer shows when it ends"
    );
    let text = |css: &str| {
        query(&shadow, css)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    let shown = text(".deadline");
    assert!(shown.starts_with("Offer ends in 1:0"), "{shown}");
    assert_eq!(text(".sr"), "", "no announcement before the last minute");
    assert!(
        until(5_000, || text(".sr")
            == "This offer ends in less than a minute.")
        .await,
        "the last minute is announced: {}",
        text(".deadline")
    );
    assert!(
        text(".deadline").starts_with("Offer ends in 0:"),
        "{}",
        text(".deadline")
    );
    clear_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn the_widget_speaks_the_language_the_hub_chose() {
    for (language, show_me, earn, points) in [
        (
            Language::De,
            "Ansehen",
            "Sie sammeln 1.250 Punkte",
            "Nein, danke",
        ),
        (
            Language::Ja,
            "オファーを見る",
            "1,250ポイントが貯まります",
            "いいえ、結構です",
        ),
    ] {
        fake_hub(&format!(
            "function (method, path) {{
               if (path === '/v1/opportunities') return [201, {OPPORTUNITY}];
               if (path === '/v1/opportunities/op_1/offer')
                 return [200, Object.assign({OFFER}, {{ points: 1250, body: 'كاميرا جديدة' }})];
               return [404, null];
             }}"
        ));
        speak(language);
        shop(FAKE_HUB);
        assert!(
            until(2_000, || widget_shadow()
                .is_some_and(|s| query(&s, ".primary").is_some()))
            .await,
            "the teaser"
        );
        let shadow = widget_shadow().expect("shown");
        let text = |css: &str| {
            query(&shadow, css)
                .and_then(|e| e.text_content())
                .unwrap_or_default()
        };
        let dialog = query(&shadow, "[role=dialog]").expect("the dialog");
        assert_eq!(
            dialog.get_attribute("lang").as_deref(),
            Some(language.code())
        );
        assert_eq!(text(".primary"), language.word("show_me"));
        assert_eq!(language.word("show_me"), show_me);
        assert_eq!(text(".secondary"), points);
        query(&shadow, ".primary")
            .expect("the teaser's button")
            .click();
        assert!(until(2_000, || query(&shadow, ".items").is_some()).await);
        // Counts in the language's digits and grouping, through Intl.
        assert_eq!(text(".points"), earn);
        let deadline = text(".deadline");
        let (before, _) = postsale_protocol::around(language.word("ends_in"));
        assert!(deadline.starts_with(before), "{deadline}");
        // Right-to-left copy lays itself out right to left.
        let body = query(&shadow, ".body").expect("the body");
        assert_eq!(body.get_attribute("dir").as_deref(), Some("auto"));
        let direction = window()
            .get_computed_style(&body)
            .ok()
            .flatten()
            .and_then(|s| s.get_property_value("direction").ok());
        assert_eq!(direction.as_deref(), Some("rtl"));
        clear_widgets();
        restore_fetch();
    }
}
