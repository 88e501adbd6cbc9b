//! Where the widget meets the host page: one host element, one shadow root, and
//! the Yew app rendered inside it. Keeping this in one place is what lets us
//! promise that the widget never restyles or reflows the merchant's page.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    CssStyleSheet, Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode,
};
use yew::AppHandle;

use crate::components::{App, AppProps};

/// The widget's stylesheet, injected into the shadow root only.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));
/// The custom element that hosts the widget's shadow root.
pub(crate) const HOST_TAG: &str = "postsale-widget";
/// The host over the page: `!important` inline declarations win over any rule
/// of the host page, and a fixed 0×0 box takes no layout space.
const HOST_FIXED: &str = "all:initial!important;position:fixed!important;top:0!important;\
left:0!important;width:0!important;height:0!important;z-index:2147483647!important";
/// The host inline in a slot (inside the hub's frame only).
const HOST_INLINE: &str = "all:initial!important;display:block!important";

/// Why the widget could not be mounted on a host element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountError {
    /// The browser refused to attach a shadow root (the element already has one,
    /// or it is of a kind that cannot host one).
    ShadowRoot,
    /// A DOM call failed while building the widget's skeleton.
    Dom,
}

impl std::fmt::Display for MountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ShadowRoot => f.write_str("cannot attach a shadow root to the host element"),
            Self::Dom => f.write_str("a DOM call failed while mounting the widget"),
        }
    }
}

impl std::error::Error for MountError {}

/// A mounted widget. Dropping it leaves the widget on the page; call
/// [`Mounted::destroy`] to take it away again.
#[derive(Debug)]
pub struct Mounted {
    shadow: ShadowRoot,
    app: AppHandle<App>,
}

impl Mounted {
    /// The shadow root the widget renders into.
    pub fn shadow_root(&self) -> &ShadowRoot {
        &self.shadow
    }

    /// Unmounts the Yew app and empties the shadow root.
    pub fn destroy(self) {
        self.app.destroy();
        self.shadow.set_inner_html("");
    }
}

/// A new element of the widget's own tag, unless the page defined a custom
/// element of that name first (its class owns the element, and may take or
/// refuse the shadow root): then a `div`, which no page can define. Either
/// is marked `data-postsale`, so it can be found.
fn new_host(document: &Document) -> Result<HtmlElement, MountError> {
    let element = document
        .create_element(HOST_TAG)
        .map_err(|_| MountError::Dom)?;
    let plain = web_sys::window()
        .map(|w| crate::js::get(&crate::js::get(&w, "HTMLElement"), "prototype"))
        .is_some_and(|prototype| {
            js_sys::Object::is(&js_sys::Object::get_prototype_of(&element), &prototype)
        });
    let element = if plain {
        element
    } else {
        document
            .create_element("div")
            .map_err(|_| MountError::Dom)?
    };
    Ok(element.unchecked_into())
}

/// A new, detached host element; `fixed` puts it over the page at 0×0.
pub(crate) fn host_element(document: &Document, fixed: bool) -> Result<HtmlElement, MountError> {
    let host = new_host(document)?;
    let _ = host.set_attribute("data-postsale", "");
    // Through the CSSOM, which a strict style-src allows (a style attribute it would not).
    host.style()
        .set_css_text(if fixed { HOST_FIXED } else { HOST_INLINE });
    Ok(host)
}

/// Attaches the widget's shadow root with its stylesheet to `host`.
pub(crate) fn attach(host: &Element) -> Result<ShadowRoot, MountError> {
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| MountError::ShadowRoot)?;
    // A constructed stylesheet needs no 'unsafe-inline' in the page's CSP;
    // browsers without one get a <style> element.
    let adopted = CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(STYLE).is_ok());
    match adopted {
        Some(sheet) => shadow.set_adopted_style_sheets(&js_sys::Array::of1(&JsValue::from(sheet))),
        None => {
            let document = host.owner_document().ok_or(MountError::Dom)?;
            let style = document
                .create_element("style")
                .map_err(|_| MountError::Dom)?;
            style.set_text_content(Some(STYLE));
            shadow.append_child(&style).map_err(|_| MountError::Dom)?;
        }
    }
    Ok(shadow)
}

/// Mounts the widget into a new shadow root on `host`.
///
/// `host` should be an element of the widget's own (the bootstrap creates one);
/// nothing outside its shadow root is touched.
pub fn mount(host: &Element, props: AppProps) -> Result<Mounted, MountError> {
    let shadow = attach(host)?;
    let document = host.owner_document().ok_or(MountError::Dom)?;
    let root = document
        .create_element("div")
        .map_err(|_| MountError::Dom)?;
    root.set_class_name("postsale-root");
    shadow.append_child(&root).map_err(|_| MountError::Dom)?;

    let app = yew::Renderer::<App>::with_root_and_props(root.unchecked_into(), props).render();
    Ok(Mounted { shadow, app })
}
