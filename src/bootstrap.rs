//! Takes over from the loader: drains the calls the page queued on the
//! `postsale` stub, in order, then replaces the stub with a function that
//! handles calls at once. Nothing here may throw into the host page: bad input
//! ends in one console warning, a failing hub in nothing at all.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use postsale_protocol::Presentation;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use crate::components::AppProps;
use crate::config::{Config, ConfigError};
use crate::session::Session;

/// The global name the snippet and the loader use unless the page gives
/// another (the loader's `data-global`, the snippet's second argument).
const GLOBAL: &str = "postsale";
/// Where the loader leaves its stub whatever the page's globals are:
/// `window[Symbol.for("postsale")]`, with the page's name for it as `n`.
fn stub_key() -> JsValue {
    js_sys::Symbol::for_(GLOBAL).into()
}

/// Whether `value` is the snippet's or the loader's stub: a function
/// holding its queue (`q`) or marked by the loader (`l`); a page's own
/// function of the same name is neither.
fn is_stub(value: &JsValue) -> bool {
    value.is_function()
        && (Array::is_array(&crate::js::get(value, "q")) || crate::js::get(value, "l").is_truthy())
}

/// The most calls replayed from before the widget loaded. A page makes a
/// handful (init, purchase, five `on`); a queue whose length was set to
/// billions would otherwise hold the page for minutes.
const MAX_QUEUED: u32 = 64;

/// What one take-over of the stub remembers between calls.
#[derive(Debug, Default)]
struct Page {
    /// Where the loader came from: the default hub.
    default_hub: Option<String>,
    /// The last valid `init`.
    config: RefCell<Option<Config>>,
    /// One opportunity per page view: a second `purchase` is ignored.
    purchased: Cell<bool>,
    /// One console warning per page, however many calls were bad.
    warned: Cell<bool>,
    /// The loader's IFRAME presentation (`show` in `www/postsale.js`).
    frame: Option<Function>,
}

impl Page {
    fn warn(&self, message: &str) {
        if !self.warned.replace(true) {
            web_sys::console::warn_1(&JsValue::from_str(message));
        }
    }
}

/// Drains the loader's queue and installs the real `postsale` function.
/// In the hub's frame page (frame build), runs the frame instead.
pub(crate) fn run() {
    #[cfg(feature = "frame")]
    if crate::frame::inside::run() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = stub_key();
    // The loader's stub; else the snippet's, on a page that loaded the
    // widget's module itself (a test, an older loader).
    let stub = Reflect::get(&window, &key)
        .ok()
        .filter(is_stub)
        .or_else(|| Some(crate::js::get(&window, GLOBAL)).filter(is_stub));
    let Some(stub) = stub else {
        return;
    };
    if crate::js::get(&stub, "loaded").is_truthy() {
        // Already taken over.
        return;
    }
    let name = crate::js::string(&stub, "n").unwrap_or_else(|| GLOBAL.into());
    crate::events::reset();
    let default_hub = Reflect::get(&stub, &"b".into())
        .ok()
        .and_then(|b| b.as_string())
        .and_then(|b| web_sys::Url::new(&b).ok())
        .map(|u| u.origin());
    let page = Rc::new(Page {
        default_hub,
        frame: crate::js::get(&stub, "s").dyn_into().ok(),
        ..Page::default()
    });
    if let Ok(queue) = Reflect::get(&stub, &JsValue::from_str("q"))
        && let Some(queue) = queue.dyn_ref::<Array>()
    {
        if queue.length() > MAX_QUEUED {
            page.warn("postsale: only the first 64 calls made before loading are kept");
        }
        for index in 0..queue.length().min(MAX_QUEUED) {
            let call = queue.get(index);
            // Read by index: `Array.from` of a forged call (null, or an
            // array-like of absurd length) would throw into the page.
            let arg = |index| Reflect::get_u32(&call, index).unwrap_or(JsValue::UNDEFINED);
            handle(&page, &arg(0), arg(1), &arg(2));
        }
    }
    let real = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(
        move |command: JsValue, payload: JsValue, extra: JsValue| {
            handle(&page, &command, payload, &extra);
        },
    );
    let real: Function = real.into_js_value().unchecked_into();
    // Marks the function so that a second copy of the loader sees it is done.
    let _ = Reflect::set(&real, &JsValue::from_str("loaded"), &JsValue::TRUE);
    let _ = Reflect::set(&window, &key, &real);
    // The page's name for the widget, where it still holds the stub: a
    // page's own function of that name is left alone, and a name the page
    // made read-only refuses quietly (`Reflect.set` does not throw).
    if js_sys::Object::is(&crate::js::get(&window, &name), &stub) {
        let _ = Reflect::set(&window, &JsValue::from_str(&name), &real);
    }
}

/// Handles one `postsale(command, payload, extra)` call.
fn handle(page: &Page, command: &JsValue, payload: JsValue, extra: &JsValue) {
    match command.as_string().as_deref() {
        Some("init") => match Config::parse(payload, page.default_hub.clone()) {
            Ok(config) => *page.config.borrow_mut() = Some(config),
            Err(err) => page.warn(err.message()),
        },
        Some("purchase") => {
            let Some(config) = page.config.borrow().clone() else {
                return page.warn(ConfigError::NotInitialised.message());
            };
            match crate::config::purchase(payload) {
                Ok(purchase) if !page.purchased.replace(true) => {
                    yew::platform::spawn_local(show(config, purchase, page.frame.clone()));
                }
                Ok(_) => {}
                Err(err) => page.warn(err.message()),
            }
        }
        Some("on") => {
            if !crate::events::on(&payload, extra) {
                page.warn("postsale: on needs a known event name and a function");
            }
        }
        _ => page.warn("postsale: unknown call ignored"),
    }
}

/// Asks the hub for an opportunity and shows it as the hub says (in the
/// IFRAME presentation through the loader's `show`, `frame`). Any failure shows
/// nothing; the merchant's own `error` listeners hear why.
async fn show(config: Config, purchase: crate::config::Purchase, frame: Option<Function>) {
    let crate::config::Purchase {
        mut request,
        first_name,
        ship_to,
    } = purchase;
    // The purchase's language, else the merchant's, else the page's; with
    // none the hub reads the browser's.
    let locale = request
        .locale
        .take()
        .or_else(|| config.locale.clone())
        .or_else(crate::format::page_locale);
    request.locale = locale.clone();
    let opportunity = match crate::net::create_opportunity(&config.hub, &request, &ship_to).await {
        Ok(Some(opportunity)) => opportunity,
        Ok(None) => return,
        Err(err) => return error_event(err.reason()),
    };
    let document = web_sys::window().and_then(|w| w.document());
    let slot = config
        .slot
        .as_deref()
        .and_then(|s| document.as_ref()?.query_selector(s).ok().flatten());
    let shown = match opportunity.presentation {
        Presentation::Iframe => frame.ok_or(crate::MountError::Dom).and_then(|show| {
            crate::frame::embed(
                &show,
                &config.hub,
                (&opportunity.id, &opportunity.teaser),
                slot,
                locale.as_deref(),
                first_name.as_deref(),
            )
        }),
        Presentation::Popup => {
            let mut session = Session::popup(config.hub, opportunity, locale);
            session.request = Some(request);
            session.first_name = first_name;
            popup(session)
        }
    };
    if shown.is_err() {
        error_event("mount");
    }
}

fn popup(session: Session) -> Result<(), crate::MountError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(crate::MountError::Dom)?;
    let body = document.body().ok_or(crate::MountError::Dom)?;
    let host = crate::mount::host_element(&document, true)?;
    body.append_child(&host)
        .map_err(|_| crate::MountError::Dom)?;
    match crate::mount(&host, AppProps::from(session)) {
        // The widget stays mounted until the page goes; closing empties it.
        Ok(mounted) => std::mem::forget(mounted),
        Err(err) => {
            host.remove();
            return Err(err);
        }
    }
    Ok(())
}

/// The `error` event's detail: `{reason}`.
pub(crate) fn error_event(reason: &str) {
    crate::events::emit("error", &crate::js::object(&[("reason", reason.into())]));
}
