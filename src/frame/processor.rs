//! The payment processor's own card field, inside the hub's frame, when the
//! hub charges through a processor (Stripe): the frame page names the
//! processor's script and publishable key; the card is typed into the
//! processor's field and turned into the processor's token in the browser, so
//! neither the widget nor the hub ever holds the number. The processor's
//! 3-D Secure step runs here too; what came of it the hub asks the processor.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect, futures::JsFuture};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

thread_local! {
    /// The processor's script and publishable key, from the frame page.
    static CONFIGURED: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    /// The processor's client once its script ran, and its card field.
    static CLIENT: RefCell<Option<(JsValue, Option<JsValue>)>> = const { RefCell::new(None) };
}

/// Takes the frame page's processor attributes (empty: the hub's own form).
pub(crate) fn configure(script: Option<String>, key: Option<String>) {
    let both = script
        .zip(key)
        .filter(|(script, key)| !script.is_empty() && !key.is_empty());
    CONFIGURED.with(|c| *c.borrow_mut() = both);
}

/// Whether cards go into the processor's field.
pub(crate) fn active() -> bool {
    CONFIGURED.with(|c| c.borrow().is_some())
}

/// `target.name(args...)`, awaited when it answers a promise.
async fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = Reflect::get(target, &name.into())?.dyn_into()?;
    let answer = method.apply(target, &args.iter().collect())?;
    match answer.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

/// The processor's client: its script loaded once (a classic script, which
/// the frame page's CSP allows from the processor's origin only).
async fn client() -> Result<JsValue, JsValue> {
    if let Some((client, _)) = CLIENT.with(|c| c.borrow().clone()) {
        return Ok(client);
    }
    let (script, key) = CONFIGURED
        .with(|c| c.borrow().clone())
        .ok_or_else(|| JsValue::from_str("no processor"))?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let document = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    if Reflect::get(&window, &"Stripe".into())?.is_undefined() {
        let tag: web_sys::HtmlScriptElement = document.create_element("script")?.unchecked_into();
        tag.set_src(&script);
        let loaded = Promise::new(&mut |resolve, reject| {
            tag.set_onload(Some(&resolve));
            tag.set_onerror(Some(&reject));
        });
        document
            .head()
            .ok_or_else(|| JsValue::from_str("no head"))?
            .append_child(&tag)?;
        JsFuture::from(loaded).await?;
    }
    let constructor: Function = Reflect::get(&window, &"Stripe".into())?.dyn_into()?;
    let client = constructor.call1(&JsValue::NULL, &key.into())?;
    CLIENT.with(|c| *c.borrow_mut() = Some((client.clone(), None)));
    Ok(client)
}

/// Shows the processor's card field in `container` (moved there when it
/// was shown before).
pub(crate) async fn mount(container: Element) -> Result<(), JsValue> {
    let client = client().await?;
    let field = match CLIENT.with(|c| c.borrow().as_ref().and_then(|(_, f)| f.clone())) {
        Some(field) => {
            call(&field, "unmount", &[]).await?;
            field
        }
        None => {
            let elements = call(&client, "elements", &[]).await?;
            let field = call(&elements, "create", &["card".into(), Object::new().into()]).await?;
            CLIENT.with(|c| {
                if let Some((_, f)) = c.borrow_mut().as_mut() {
                    *f = Some(field.clone());
                }
            });
            field
        }
    };
    call(&field, "mount", &[container.into()]).await.map(drop)
}

/// The processor's token for the card in its field.
pub(crate) async fn token() -> Result<String, JsValue> {
    let client = client().await?;
    let field = CLIENT
        .with(|c| c.borrow().as_ref().and_then(|(_, f)| f.clone()))
        .ok_or_else(|| JsValue::from_str("no card field"))?;
    let answer = call(&client, "createToken", &[field]).await?;
    Reflect::get(&Reflect::get(&answer, &"token".into())?, &"id".into())?
        .as_string()
        .ok_or(answer)
}

/// Runs the processor's authentication (3-D Secure) of the payment whose
/// secret this is. Its answer is not trusted: the hub asks the processor.
pub(crate) async fn authenticate(client_secret: &str) {
    if let Ok(client) = client().await {
        let _ = call(&client, "confirmCardPayment", &[client_secret.into()]).await;
    }
}
