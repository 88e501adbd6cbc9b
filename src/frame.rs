//! The IFRAME presentation, both ends of it.
//!
//! On the merchant's page ([`embed`]): a hub-origin IFRAME in an overlay or in
//! the merchant's slot element, and one `message` listener that believes only
//! messages whose origin is the hub's AND whose source is that frame.
//!
//! Inside the frame ([`run_in_frame`], detected by `#postsale-frame` in
//! `www/frame.html`): the same widget, which posts its events and its height to
//! the parent, always naming the parent's exact origin (given in the frame
//! address's fragment), never `*`.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{Element, HtmlElement, HtmlIFrameElement, MessageEvent, Window};

use crate::config::Hub;
use crate::mount::{MountError, host_element};
use crate::session::Session;

/// The marker element of `www/frame.html`.
const FRAME_MARKER: &str = "postsale-frame";

thread_local! {
    /// Inside the frame: the parent's origin, the only one we post to.
    static PARENT_ORIGIN: RefCell<Option<String>> = const { RefCell::new(None) };
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
pub(crate) fn run_in_frame() -> bool {
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
    let hash = window.location().hash().unwrap_or_default();
    let parent_origin = fragment_param(&hash, "origin")
        .filter(|o| o.starts_with("https://") || o.starts_with("http://"));
    PARENT_ORIGIN.with(|o| *o.borrow_mut() = parent_origin);
    let inline = fragment_param(&hash, "slot").is_some();
    let session = Session {
        hub,
        opportunity_id: id,
        teaser: String::new(),
        incentives: Vec::new(),
        style: Default::default(),
        locale: fragment_param(&hash, "locale").filter(|l| crate::format::locale_ok(l)),
        in_frame: true,
        inline,
        request: None,
        first_name: fragment_param(&hash, "first_name"),
    };
    let Ok(host) = host_element(&document, !inline) else {
        return true;
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
    true
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

/// Shows opportunity `id` in a hub-origin IFRAME: in `slot` when given, else
/// in a full-window overlay. Focus moves into the frame and comes back when
/// the frame says it closed.
pub(crate) fn embed(
    hub: &Hub,
    id: &str,
    slot: Option<Element>,
    locale: Option<&str>,
    first_name: Option<&str>,
) -> Result<(), MountError> {
    let window = web_sys::window().ok_or(MountError::Dom)?;
    let document = window.document().ok_or(MountError::Dom)?;
    let iframe: HtmlIFrameElement = document
        .create_element("iframe")
        .map_err(|_| MountError::Dom)?
        .unchecked_into();
    let origin = window.location().origin().map_err(|_| MountError::Dom)?;
    let mut fragment = [
        "#origin=",
        &String::from(js_sys::encode_uri_component(&origin)),
    ]
    .concat();
    if let Some(locale) = locale {
        fragment.push_str("&locale=");
        fragment.push_str(&String::from(js_sys::encode_uri_component(locale)));
    }
    if slot.is_some() {
        fragment.push_str("&slot=1");
    }
    // In the fragment: the browser does not send it to the hub.
    if let Some(name) = first_name {
        fragment.push_str("&first_name=");
        fragment.push_str(&String::from(js_sys::encode_uri_component(name)));
    }
    iframe.set_src(&[&hub.opportunity_url(id, "/frame"), fragment.as_str()].concat());
    iframe.set_title("A thank-you offer");
    let previous = document
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    let overlay = slot.is_none();
    let container: Element = match slot {
        Some(slot) => {
            iframe
                .style()
                .set_css_text("display:block;width:100%;height:0;border:0");
            let _ = slot.append_child(&iframe);
            slot
        }
        None => {
            let host = host_element(&document, true)?;
            iframe.style().set_css_text(
                "position:fixed;inset:0;width:100%;height:100%;border:0;background:transparent",
            );
            let shadow = crate::mount::attach(&host)?;
            shadow.append_child(&iframe).map_err(|_| MountError::Dom)?;
            document
                .body()
                .ok_or(MountError::Dom)?
                .append_child(&host)
                .map_err(|_| MountError::Dom)?;
            let _ = iframe.focus();
            host.into()
        }
    };
    listen(
        &window,
        hub.origin.clone(),
        iframe,
        container,
        previous,
        overlay,
    );
    Ok(())
}

fn listen(
    window: &Window,
    hub_origin: String,
    iframe: HtmlIFrameElement,
    container: Element,
    previous: Option<HtmlElement>,
    overlay: bool,
) {
    let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        if event.origin() != hub_origin {
            return;
        }
        let source: JsValue = event.source().map(Into::into).unwrap_or(JsValue::NULL);
        let frame: JsValue = iframe
            .content_window()
            .map(Into::into)
            .unwrap_or(JsValue::UNDEFINED);
        if source != frame {
            return;
        }
        let data = event.data();
        let get = |key: &str| Reflect::get(&data, &key.into()).unwrap_or(JsValue::UNDEFINED);
        match get("postsale").as_string().as_deref() {
            Some("resize") => {
                if let Some(height) = get("height").as_f64()
                    && !overlay
                {
                    let px = [
                        crate::format::number(height.clamp(0.0, 4000.0) as u64).as_str(),
                        "px",
                    ]
                    .concat();
                    let _ = iframe.style().set_property("height", &px);
                }
            }
            Some("event") => {
                let Some(name) = get("name").as_string() else {
                    return;
                };
                crate::events::deliver(&name, &get("detail"));
                if name == "closed" {
                    if overlay {
                        container.remove();
                    } else {
                        iframe.remove();
                    }
                    if let Some(previous) = &previous {
                        let _ = previous.focus();
                    }
                }
            }
            _ => {}
        }
    });
    let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    // One listener per shown frame, for the page's life; it goes quiet once
    // the frame is removed (its source no longer matches).
    listener.forget();
}
