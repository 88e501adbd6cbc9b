//! The widget inside the hub-origin frame (`www/frame.html`, which
//! `www/frame.js` starts with this build): the whole customer path, card
//! entry included, with events and height posted to the parent page, always
//! to the parent's exact origin, never `*`. Only the hub's frame build (the
//! `frame` feature) has this; merchants' pages get the build without it.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use crate::config::Hub;
use crate::mount::host_element;
use crate::session::Session;

/// The marker element of `www/frame.html`.
const FRAME_MARKER: &str = "postsale-frame";

thread_local! {
    /// Inside the frame: the parent's origin, the only one we post to.
    static PARENT_ORIGIN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The secret the hub put in this frame page (served `no-store`, never
    /// readable from the merchant's page): card entry and the accept carry it
    /// to prove they come from this frame.
    static FRAME_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The frame page's token, when running inside the hub's frame.
pub(crate) fn frame_token() -> Option<String> {
    FRAME_TOKEN.with(|t| t.borrow().clone())
}

fn message(kind: &str) -> Object {
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"postsale".into(), &kind.into());
    msg
}

fn post_to_parent(msg: &Object) -> bool {
    let Some(origin) = PARENT_ORIGIN.with(|o| o.borrow().clone()) else {
        return false;
    };
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return false;
    };
    let _ = parent.post_message(msg, &origin);
    true
}

/// Inside the frame, sends an event to the parent page; `false` elsewhere.
pub(crate) fn forward(name: &str, detail: &JsValue) -> bool {
    let msg = message("event");
    let _ = Reflect::set(&msg, &"name".into(), &name.into());
    let _ = Reflect::set(&msg, &"detail".into(), detail);
    post_to_parent(&msg)
}

/// Reads `key` from a `#a=b&c=d` fragment.
fn fragment_param(hash: &str, key: &str) -> Option<String> {
    let mut rest = hash.strip_prefix('#').unwrap_or(hash);
    loop {
        let (pair, next) = match rest.bytes().position(|b| b == b'&') {
            Some(amp) => (&rest[..amp], Some(&rest[amp + 1..])),
            None => (rest, None),
        };
        if let Some(value) = pair.strip_prefix(key).and_then(|v| v.strip_prefix('=')) {
            return js_sys::decode_uri_component(value).ok().map(String::from);
        }
        rest = next?;
    }
}

/// Runs the widget in frame mode when this page is `www/frame.html`.
/// Returns `false` on any other page.
pub(crate) fn run() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Some(document) = window.document() else {
        return false;
    };
    let Some(marker) = document.get_element_by_id(FRAME_MARKER) else {
        return false;
    };
    let (Some(id), Some(hub)) = (
        marker.get_attribute("data-opportunity"),
        marker
            .get_attribute("data-hub")
            .and_then(|h| Hub::parse(&h)),
    ) else {
        return true;
    };
    FRAME_TOKEN.with(|t| *t.borrow_mut() = marker.get_attribute("data-frame-token"));
    super::processor::configure(
        marker.get_attribute("data-processor-script"),
        marker.get_attribute("data-processor-key"),
    );
    let hash = window.location().hash().unwrap_or_default();
    let parent_origin = fragment_param(&hash, "origin")
        .filter(|o| o.starts_with("https://") || o.starts_with("http://"));
    PARENT_ORIGIN.with(|o| *o.borrow_mut() = parent_origin);
    if fragment_param(&hash, "authenticate").is_some() {
        // Opened by the pop-up for a payment's 3-D Secure alone: the
        // processor's step, then the pop-up is told (whatever came of it:
        // the hub asks the processor when the accept comes again).
        yew::platform::spawn_local(async move {
            if let Ok(secret) = crate::net::authentication(&hub, &id).await {
                super::processor::authenticate(&secret).await;
            }
            post_to_parent(&message("authenticated"));
        });
        return true;
    }
    let inline = fragment_param(&hash, "slot").is_some();
    let locale = fragment_param(&hash, "locale").filter(|l| crate::format::locale_ok(l));
    let first_name = fragment_param(&hash, "first_name");
    // The opportunity first: its teaser, rewards and the words of every
    // screen. Without it (the hub did not answer) there is nothing to say
    // the offer in, and the page is told the offer closed.
    yew::platform::spawn_local(async move {
        let Ok(opportunity) = crate::net::opportunity(&hub, &id).await else {
            let id = ("opportunity_id", JsValue::from_str(&id));
            forward(
                "error",
                &crate::js::object(&[id.clone(), ("reason", "offer".into())]),
            );
            forward("closed", &crate::js::object(&[id]));
            return;
        };
        let mut session = Session::framed(hub, opportunity, inline);
        session.locale = locale;
        session.first_name = first_name;
        mount(&document, session);
    });
    true
}

/// Mounts the widget for `session` in the frame page.
fn mount(document: &web_sys::Document, session: Session) {
    let inline = session.inline;
    let Ok(host) = host_element(document, !inline) else {
        return;
    };
    if let Some(body) = document.body() {
        body.style().set_css_text("margin:0;background:transparent");
        let _ = body.append_child(&host);
    }
    match crate::mount(&host, session.into()) {
        Ok(mounted) => {
            report_height(mounted.shadow_root());
            std::mem::forget(mounted);
        }
        Err(_) => {
            host.remove();
        }
    }
}

/// Posts the widget's height to the parent whenever it changes (slot mode).
fn report_height(shadow: &web_sys::ShadowRoot) {
    let Ok(Some(root)) = shadow.query_selector(".postsale-root") else {
        return;
    };
    let observed = root.clone();
    let callback = Closure::<dyn Fn()>::new(move || {
        let msg = message("resize");
        let height = f64::from(observed.get_bounding_client_rect().height().ceil() as i32);
        let _ = Reflect::set(&msg, &"height".into(), &height.into());
        post_to_parent(&msg);
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&root);
    }
    callback.forget();
}
