//! The IFRAME presentation, both ends of it.
//!
//! On the merchant's page ([`embed`]): the loader's one implementation of the
//! IFRAME presentation (`show` in `www/postsale.js`), which the widget calls
//! with the opportunity; the hub's page for a 3-D Secure step over the page
//! ([`authenticate`]); and the test that believes only messages whose origin
//! is the hub's AND whose source is that frame ([`from_frame`]).
//!
//! Inside the frame ([`inside`], only in the hub's frame build, the `frame`
//! feature): the same widget, with the card form, which posts its events and
//! its height to the parent, always naming the parent's exact origin (given in
//! the frame address's fragment), never `*`.

use wasm_bindgen::{JsValue, closure::Closure};
use web_sys::Element;
#[cfg(not(feature = "frame"))]
use {
    crate::mount::host_element,
    js_sys::Reflect,
    wasm_bindgen::JsCast,
    web_sys::{HtmlElement, HtmlIFrameElement, MessageEvent, Window},
};

use crate::config::Hub;
use crate::mount::MountError;

#[cfg(feature = "frame")]
pub(crate) mod inside;
#[cfg(feature = "frame")]
pub(crate) mod processor;

/// Shows opportunity `id` of `hub` in a hub-origin IFRAME, through the
/// loader's `show` (`www/postsale.js`, the one implementation, which the
/// loader also uses without WebAssembly): in `slot` when given, else over the
/// page. `title` names the frame (the teaser); its events reach the page's
/// listeners here.
pub(crate) fn embed(
    show: &js_sys::Function,
    hub: &Hub,
    (id, title): (&str, &str),
    slot: Option<Element>,
    locale: Option<&str>,
    first_name: Option<&str>,
) -> Result<(), MountError> {
    // In the fragment: the browser does not send it to the hub.
    let mut extra = String::new();
    for (key, value) in [("&locale=", locale), ("&first_name=", first_name)] {
        if let Some(value) = value {
            extra.push_str(key);
            extra.push_str(&String::from(js_sys::encode_uri_component(value)));
        }
    }
    let opportunity = crate::js::object(&[("id", id.into()), ("teaser", title.into())]);
    let tell = Closure::<dyn Fn(JsValue, JsValue)>::new(|name: JsValue, detail: JsValue| {
        if let Some(name) = name.as_string() {
            crate::events::deliver(&name, &detail);
        }
    });
    let args = js_sys::Array::of5(
        &opportunity,
        &hub.base.as_str().into(),
        &slot.map_or(JsValue::UNDEFINED, JsValue::from),
        tell.as_ref(),
        &extra.into(),
    );
    show.apply(&JsValue::UNDEFINED, &args)
        .map_err(|_| MountError::Dom)?;
    // Heard for the page's life, as the frame may stay in its slot.
    tell.forget();
    Ok(())
}

/// `#origin=<this page's origin>`: where the frame posts, and only there.
#[cfg(not(feature = "frame"))]
fn origin_fragment(window: &Window) -> Result<String, MountError> {
    let origin = window.location().origin().map_err(|_| MountError::Dom)?;
    Ok([
        "#origin=",
        &String::from(js_sys::encode_uri_component(&origin)),
    ]
    .concat())
}

/// An IFRAME of the hub's page at `src`, titled `title`.
#[cfg(not(feature = "frame"))]
fn hub_iframe(
    document: &web_sys::Document,
    src: &str,
    title: &str,
) -> Result<HtmlIFrameElement, MountError> {
    let iframe: HtmlIFrameElement = document
        .create_element("iframe")
        .map_err(|_| MountError::Dom)?
        .unchecked_into();
    iframe.set_src(src);
    iframe.set_title(title);
    Ok(iframe)
}

/// Puts `iframe` over the whole window, in the top layer, in a shadow root
/// of its own with focus in the frame; the host.
#[cfg(not(feature = "frame"))]
fn over_the_page(
    document: &web_sys::Document,
    iframe: &HtmlIFrameElement,
) -> Result<Element, MountError> {
    let host = host_element(document, true)?;
    let shadow = crate::mount::attach(&host)?;
    let layer: HtmlElement = document
        .create_element("div")
        .map_err(|_| MountError::Dom)?
        .unchecked_into();
    let _ = layer.set_attribute("popover", "manual");
    layer.style().set_css_text(OVER_THE_PAGE);
    iframe.style().set_css_text(OVER_THE_PAGE);
    layer.append_child(iframe).map_err(|_| MountError::Dom)?;
    shadow.append_child(&layer).map_err(|_| MountError::Dom)?;
    document
        .body()
        .ok_or(MountError::Dom)?
        .append_child(&host)
        .map_err(|_| MountError::Dom)?;
    crate::js::show_on_top(&layer);
    crate::js::focus(iframe);
    Ok(host.into())
}

/// The frame over the page, and the top-layer box it is in: the whole
/// viewport, nothing of a popover's own box.
#[cfg(not(feature = "frame"))]
const OVER_THE_PAGE: &str = "position:fixed;inset:0;width:100%;height:100%;max-width:none;\
max-height:none;margin:0;padding:0;border:0;background:transparent;overflow:hidden";

/// Lets the customer authenticate a payment (3-D Secure) that the pop-up's
/// accept left waiting: the hub's frame page for it, over the whole window,
/// until the frame says it is done (the processor's step ran, whatever came
/// of it), or ten minutes at most. The pop-up then sends its accept again.
/// `title` names the frame.
#[cfg(not(feature = "frame"))]
pub(crate) async fn authenticate(hub: &Hub, id: &str, title: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let shown = window
        .document()
        .ok_or(MountError::Dom)
        .and_then(|document| {
            let src = [
                &hub.opportunity_url(id, "/authenticate"),
                origin_fragment(&window)?.as_str(),
                "&authenticate=1",
            ]
            .concat();
            let iframe = hub_iframe(&document, &src, title)?;
            let host = over_the_page(&document, &iframe)?;
            Ok((iframe, host))
        });
    let Ok((iframe, host)) = shown else {
        return;
    };
    let hub_origin = hub.origin.clone();
    let done = js_sys::Promise::new(&mut |resolve, _| {
        let frame = iframe.clone();
        let hub_origin = hub_origin.clone();
        // A page that never answers (the hub unreachable) is given up after
        // ten minutes: the accept sent again then tells where the payment is.
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 600_000);
        let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let said = Reflect::get(&event.data(), &"postsale".into()).ok();
            if from_frame(&event, &hub_origin, &frame)
                && said.and_then(|s| s.as_string()).as_deref() == Some("authenticated")
            {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ =
            window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        // Quiet once the frame is gone (its source no longer matches).
        listener.forget();
    });
    let _ = js_sys::futures::JsFuture::from(done).await;
    host.remove();
}

#[cfg(not(feature = "frame"))]
/// Whether `event` is a message the hub-origin `iframe` posted: a trusted
/// event (a page can dispatch a look-alike, not a trusted one), from the
/// hub's origin, whose source is that frame's window.
pub(crate) fn from_frame(
    event: &MessageEvent,
    hub_origin: &str,
    iframe: &HtmlIFrameElement,
) -> bool {
    event.is_trusted()
        && event.origin() == hub_origin
        && iframe
            .content_window()
            .zip(event.source())
            .is_some_and(|(window, source)| js_sys::Object::is(&window, &source))
}
