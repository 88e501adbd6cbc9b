//! The widget in a real browser (headless Chromium and Firefox, one run each,
//! driven by `cargo xtask test`): the loader, the dialog, isolation from the
//! host page, and the path against a fake hub (a stand-in `window.fetch`).
#![cfg(target_arch = "wasm32")]

mod contract;
mod dialog;
mod hostile;
mod hub;
mod input;
mod isolation;
mod loader;
mod theme;

use std::rc::Rc;
use std::time::Duration;

use js_sys::Reflect;
use postsale_protocol::{
    DisplayStyle, Incentive, Labels, Language, Opportunity, Presentation, ReasonCode,
};
use postsale_widget::{AppProps, Hub, Session};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test_configure;
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

/// A hub address where nothing listens (port 9, discard, is closed here).
const DEAD_HUB: &str = "http://127.0.0.1:9";

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn document() -> web_sys::Document {
    window().document().expect("a document")
}

fn body() -> HtmlElement {
    document().body().expect("a body")
}

fn new_host() -> Element {
    let host = document()
        .create_element("postsale-widget")
        .expect("an element");
    body().append_child(&host).expect("appended");
    host
}

fn opportunity(incentives: Vec<Incentive>) -> Opportunity {
    Opportunity {
        id: "op_1".into(),
        presentation: Presentation::Popup,
        teaser: "A thank-you offer".into(),
        style: DisplayStyle::default(),
        expires_at: 4_000_000_000,
        reason_code: ReasonCode::parse("CAMERA-HIGH").expect("a reason code"),
        incentives,
        points_balance: None,
        earlier: Vec::new(),
        downsell: false,
        lang: "en".into(),
        labels: Language::En.labels(),
    }
}

/// Sets `window.__labels` to the words the hub sends in `language`: the
/// fake hub's opportunities carry them.
fn speak(language: Language) {
    let words = js_sys::Object::new();
    for key in Labels::KEYS {
        Reflect::set(&words, &(*key).into(), &language.word(key).into()).expect("set");
    }
    Reflect::set(&window(), &"__labels".into(), &words).expect("set");
    Reflect::set(&window(), &"__lang".into(), &language.code().into()).expect("set");
}

fn props() -> AppProps {
    let hub = Hub::parse(DEAD_HUB).expect("a hub");
    AppProps {
        session: Rc::new(Session::popup(hub, opportunity(vec![]), None)),
    }
}

/// Runs JavaScript in the test page (as a merchant's inline script would).
fn script(source: &str) {
    let script = document().create_element("script").expect("a script");
    script.set_text_content(Some(source));
    body().append_child(&script).expect("appended and run");
    script.remove();
}

fn global(name: &str) -> JsValue {
    Reflect::get(&window(), &name.into()).expect("a global lookup")
}

fn query(root: &ShadowRoot, selector: &str) -> Option<HtmlElement> {
    root.query_selector(selector)
        .expect("a valid selector")
        .map(|e| e.unchecked_into())
}

async fn sleep(ms: u64) {
    yew::platform::time::sleep(Duration::from_millis(ms)).await;
}

/// Waits (up to `ms`) until `done` holds, flushing Yew's scheduler between looks.
async fn until(ms: u64, mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..ms / 20 {
        yew::scheduler::flush().await;
        if done() {
            return true;
        }
        sleep(20).await;
    }
    done()
}

/// The widget hosts the bootstrap created in the light DOM.
fn widget_hosts() -> u32 {
    document()
        .query_selector_all("[data-postsale]")
        .expect("selector")
        .length()
}
