//! Merchant pages nobody here wrote: a `body` with a transform, a rule that
//! hides every iframe, the widget's tag name defined first, and a `postsale`
//! of the page's own. The offer still shows over the whole window, usable by
//! keyboard, the page does not scroll, and nothing is thrown into it.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlElement;

use super::hub::{FAKE_HUB, OPPORTUNITY, fake_hub, restore_fetch, shop};
use super::*;

/// The viewport's size, without its scroll bar.
fn viewport() -> (f64, f64) {
    let root = document().document_element().expect("a root element");
    (
        f64::from(root.client_width()),
        f64::from(root.client_height()),
    )
}

/// The box of `element` as `(left, top, width, height)`.
fn rect(element: &web_sys::Element) -> (f64, f64, f64, f64) {
    let r = element.get_bounding_client_rect();
    (r.left(), r.top(), r.width(), r.height())
}

/// The shown widget's shadow root, whatever its host's tag.
fn shown() -> Option<web_sys::ShadowRoot> {
    document()
        .query_selector("[data-postsale]")
        .ok()
        .flatten()
        .and_then(|h| h.shadow_root())
}

fn remove_widgets() {
    while let Some(host) = document().query_selector("[data-postsale]").ok().flatten() {
        host.remove();
    }
}

/// Uncaught errors in the page since `watch_errors`.
fn errors() -> f64 {
    global("__hostileErrors").as_f64().unwrap_or(-1.0)
}

/// Starts each test on a page without widgets, counting uncaught errors.
fn watch_errors() {
    remove_widgets();
    script(
        "window.__hostileErrors = 0;
         if (!window.__hostileWatching) { window.__hostileWatching = 1;
           window.addEventListener('error', function () { window.__hostileErrors++; }); }",
    );
}

#[wasm_bindgen_test]
async fn a_transformed_body_neither_shrinks_the_pop_up_nor_scrolls_the_page() {
    watch_errors();
    script(
        "document.body.style.transform = 'scale(0.5)';
         var tall = document.createElement('div'); tall.id = 'tall'; tall.style.height = '5000px';
         document.body.appendChild(tall); window.scrollTo(0, 0);",
    );
    fake_hub(&format!(
        "function (method, path) {{ return path === '/v1/opportunities' ? [201, {OPPORTUNITY}] : [404, null]; }}"
    ));
    shop(FAKE_HUB);
    assert!(
        until(2_000, || shown()
            .is_some_and(|s| query(&s, ".primary").is_some()))
        .await
    );
    let shadow = shown().expect("shown");
    let backdrop = query(&shadow, ".backdrop").expect("the backdrop");
    // In the top layer, over the whole window at full size.
    assert!(
        backdrop.matches(":popover-open").unwrap_or(false),
        "not in the top layer"
    );
    let (width, height) = viewport();
    assert_eq!(rect(&backdrop), (0.0, 0.0, width, height));
    let dialog = query(&shadow, "[role=dialog]").expect("the dialog");
    let (_, _, dialog_width, _) = rect(&dialog);
    assert!(
        dialog_width >= width.min(448.0) - 1.0,
        "the dialog is {dialog_width} wide"
    );
    // Focus went in, and the page did not move to follow it; Tab stays
    // inside, and Esc closes.
    let focused: HtmlElement = shadow
        .active_element()
        .expect("focus inside")
        .unchecked_into();
    assert_eq!(focused.text_content().as_deref(), Some("Show me"));
    assert_eq!(window().scroll_y().unwrap_or(-1.0), 0.0);
    // Shift+Tab from the first control wraps to the last (the close button).
    super::dialog::press(&focused, "Tab", true);
    let next: HtmlElement = shadow
        .active_element()
        .expect("focus inside")
        .unchecked_into();
    assert_eq!(next.class_name(), "close");
    assert_eq!(window().scroll_y().unwrap_or(-1.0), 0.0);
    super::dialog::press(&next, "Escape", false);
    assert!(
        until(1_000, || shown()
            .is_none_or(|s| query(&s, ".backdrop").is_none()))
        .await
    );
    assert_eq!(
        window().scroll_y().unwrap_or(-1.0),
        0.0,
        "the page stayed where it was"
    );
    assert_eq!(errors(), 0.0);
    script("document.body.style.transform = ''; document.getElementById('tall').remove();");
    remove_widgets();
    restore_fetch();
}

/// A page whose `rule` hides every iframe, whose hub answers with the IFRAME
/// presentation, and which runs the snippet, its calls and the loader.
fn page_hiding_iframes(rule: &str) {
    script(&format!(
        "var rule = document.createElement('style'); rule.id = 'no-iframes';
         rule.textContent = 'iframe {{ {rule} }}';
         document.head.appendChild(rule);"
    ));
    let framed = OPPORTUNITY.replace("presentation: 'popup'", "presentation: 'iframe'");
    fake_hub(&format!(
        "function (method, path) {{ return path === '/v1/opportunities' ? [201, {framed}] : [404, null]; }}"
    ));
    script(&format!(
        "delete window.postsale; delete window[Symbol.for('postsale')];
         window.postsale=window.postsale||function(){{(postsale.q=postsale.q||[]).push(arguments)}};
         postsale('init', {{ hub: '{FAKE_HUB}', affiliate: 'demo' }});
         postsale('purchase', {{ ticket: 'tk', order: {{ id: 'A-8', items: [{{ sku: 'CAM', quantity: 1, unit_price: '10.00' }}], total: '10.00', currency: 'USD' }} }});"
    ));
    script(include_str!("../../www/postsale.js"));
}

/// The shown frame is visible, over the whole viewport, in the top layer.
fn assert_frame_over_the_page() {
    let shadow = shown().expect("shown");
    let frame = query(&shadow, "iframe").expect("the hub's frame");
    let style = window()
        .get_computed_style(&frame)
        .ok()
        .flatten()
        .expect("a style");
    assert_eq!(
        style.get_property_value("display").ok().as_deref(),
        Some("block")
    );
    assert_eq!(
        style.get_property_value("visibility").ok().as_deref(),
        Some("visible")
    );
    let (width, height) = viewport();
    assert_eq!(rect(&frame), (0.0, 0.0, width, height));
    let layer = frame.parent_element().expect("its layer");
    assert!(
        layer.matches(":popover-open").unwrap_or(false),
        "not in the top layer"
    );
    assert_eq!(errors(), 0.0);
}

/// Takes away what [`page_hiding_iframes`] put on the page.
fn leave_page_hiding_iframes() {
    script(
        "document.getElementById('no-iframes').remove(); delete window[Symbol.for('postsale')];",
    );
    remove_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_page_that_hides_every_iframe_still_shows_the_iframe_offer() {
    watch_errors();
    page_hiding_iframes(
        "display: none !important; visibility: hidden !important; width: 0 !important;",
    );
    // The IFRAME presentation is the loader's: the widget takes over from
    // the loader (its own module, loaded here by the test) and calls it.
    postsale_widget::start();
    assert!(
        until(2_000, || shown()
            .is_some_and(|s| query(&s, "iframe").is_some()))
        .await
    );
    assert_frame_over_the_page();
    leave_page_hiding_iframes();
}

#[wasm_bindgen_test]
async fn a_page_that_defined_the_widgets_tag_first_still_gets_the_offer() {
    watch_errors();
    // The page's element takes a closed shadow root of its own (only while
    // `__hostileTag` is set: a definition cannot be taken back, and the
    // other tests mount on that tag too).
    script(
        "if (!customElements.get('postsale-widget')) customElements.define('postsale-widget',
           class extends HTMLElement { constructor() { super();
             if (window.__hostileTag) this.attachShadow({ mode: 'closed' }); } });
         window.__hostileTag = true;",
    );
    fake_hub(&format!(
        "function (method, path) {{ return path === '/v1/opportunities' ? [201, {OPPORTUNITY}] : [404, null]; }}"
    ));
    shop(FAKE_HUB);
    assert!(
        until(2_000, || shown()
            .is_some_and(|s| query(&s, ".primary").is_some()))
        .await
    );
    let host = document()
        .query_selector("[data-postsale]")
        .ok()
        .flatten()
        .expect("a host");
    assert_eq!(host.tag_name(), "DIV", "the page's tag is left to the page");
    let shadow = shown().expect("shown");
    let backdrop = query(&shadow, ".backdrop").expect("the backdrop");
    let (width, height) = viewport();
    assert_eq!(rect(&backdrop), (0.0, 0.0, width, height));
    assert_eq!(errors(), 0.0);
    script("window.__hostileTag = false;");
    remove_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_page_with_its_own_postsale_keeps_it_and_the_widget_answers_to_the_snippets_name() {
    watch_errors();
    fake_hub(&format!(
        "function (method, path) {{ return path === '/v1/opportunities' ? [201, {OPPORTUNITY}] : [404, null]; }}"
    ));
    // The page's own `postsale`, then the README's snippet under another name.
    script(&format!(
        "delete window[Symbol.for('postsale')];
         window.postsale = {{ mine: true }};
         (function(w,n){{try{{var k=Symbol.for('postsale'),p=w[k];if(!p){{p=w[k]=function(){{p.q.push(arguments)}};p.q=[];p.n=n}}if(!w[n])w[n]=p}}catch(e){{}}}})(window,'shopOffers');
         shopOffers('init', {{ hub: '{FAKE_HUB}', affiliate: 'demo' }});
         shopOffers('purchase', {{ ticket: 'tk', order: {{ id: 'A-9', items: [{{ sku: 'CAM', quantity: 1, unit_price: '10.00' }}], total: '10.00', currency: 'USD' }} }});"
    ));
    postsale_widget::start();
    assert!(
        until(2_000, || shown()
            .is_some_and(|s| query(&s, ".primary").is_some()))
        .await
    );
    let own = global("postsale");
    assert_eq!(
        Reflect::get(&own, &"mine".into()).ok(),
        Some(JsValue::TRUE),
        "the page's postsale is its own still"
    );
    let taken_over = Reflect::get(&global("shopOffers"), &"loaded".into()).ok();
    assert_eq!(
        taken_over,
        Some(JsValue::TRUE),
        "the snippet's name is the widget's"
    );
    // The snippet pasted again, and over a name the page froze, throws nothing.
    script(
        "Object.defineProperty(window, 'frozenName', { value: 7, writable: false, configurable: true });
         (function(w,n){try{var k=Symbol.for('postsale'),p=w[k];if(!p){p=w[k]=function(){p.q.push(arguments)};p.q=[];p.n=n}if(!w[n])w[n]=p}catch(e){}})(window,'frozenName');
         (function(w,n){try{var k=Symbol.for('postsale'),p=w[k];if(!p){p=w[k]=function(){p.q.push(arguments)};p.q=[];p.n=n}if(!w[n])w[n]=p}catch(e){}})(window,'shopOffers');
         delete window.frozenName; delete window.postsale; delete window.shopOffers;",
    );
    assert_eq!(errors(), 0.0);
    remove_widgets();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn without_webassembly_the_loaders_frame_is_out_of_reach_of_the_pages_iframe_rules() {
    watch_errors();
    script(
        "window.__wasm = window.WebAssembly;
         window.WebAssembly = { instantiate: function () { return Promise.reject(new Error('no wasm here')); } };",
    );
    page_hiding_iframes("display: none !important; height: 0 !important;");
    let found = until(2_000, || {
        shown().is_some_and(|s| query(&s, "iframe").is_some())
    })
    .await;
    script("window.WebAssembly = window.__wasm;");
    assert!(found, "the loader's frame");
    assert_frame_over_the_page();
    leave_page_hiding_iframes();
}
