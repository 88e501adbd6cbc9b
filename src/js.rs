//! Plain JS objects read and written field by field with `Reflect`. The widget
//! takes JSON through the browser's own `JSON.parse`/`JSON.stringify`; walking
//! the result here instead of through serde keeps serde's generic decoders, and
//! the number formatting of their error messages, out of the wasm (about half
//! of its size when they were in). Readers are as strict as serde was: a
//! missing required field or a value of the wrong type is `None`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `value[key]`, or `undefined` when `value` is not an object.
pub(crate) fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A required string field.
pub(crate) fn string(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

/// An optional field: `Some(None)` when absent or `null`, `None` when present
/// but not what `read` accepts.
pub(crate) fn optional<T>(
    value: &JsValue,
    key: &str,
    read: impl FnOnce(&JsValue) -> Option<T>,
) -> Option<Option<T>> {
    let field = get(value, key);
    if field.is_undefined() || field.is_null() {
        Some(None)
    } else {
        read(&field).map(Some)
    }
}

/// An optional string field.
pub(crate) fn opt_string(value: &JsValue, key: &str) -> Option<Option<String>> {
    optional(value, key, JsValue::as_string)
}

/// A number that is a whole number in `0..=max`.
pub(crate) fn whole(number: &JsValue, max: f64) -> Option<f64> {
    number
        .as_f64()
        .filter(|n| *n >= 0.0 && *n <= max && n.fract() == 0.0)
}

/// A required `u32` field.
pub(crate) fn uint(value: &JsValue, key: &str) -> Option<u32> {
    whole(&get(value, key), f64::from(u32::MAX)).map(|n| n as u32)
}

/// A required array field, each element read by `read`.
pub(crate) fn list<T>(
    value: &JsValue,
    key: &str,
    read: impl Fn(&JsValue) -> Option<T>,
) -> Option<Vec<T>> {
    let field = get(value, key);
    if !Array::is_array(&field) {
        return None;
    }
    // A plain loop: `collect` into `Option<Vec<_>>` costs each item type
    // its own copy of the iterator adapters. No capacity from `length`: a
    // sparse array may claim billions of items and hold none.
    // The value itself, not `Array.from` of it: a copy of a sparse array
    // that claims 2^32 - 1 items throws.
    let array: Array = field.unchecked_into();
    let mut items = Vec::new();
    for index in 0..array.length() {
        items.push(read(&array.get(index))?);
    }
    Some(items)
}

/// A new object with `pairs` set in order (`JSON.stringify` keeps the order).
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        set(&object, key, value);
    }
    object
}

/// `object[key] = value`, for values that come and go (optional fields).
pub(crate) fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// Sets `key` only when there is a value (serde's `skip_serializing_if`).
pub(crate) fn set_some(object: &Object, key: &str, value: Option<JsValue>) {
    if let Some(value) = value {
        set(object, key, &value);
    }
}

/// An array of the values `items` gives.
pub(crate) fn array(items: impl Iterator<Item = JsValue>) -> JsValue {
    let array = Array::new();
    for item in items {
        array.push(&item);
    }
    array.into()
}

/// Calls `target[method](...args)`; `None` when it is missing or throws (a
/// browser without the method, or a page that replaced it).
pub(crate) fn call(target: &JsValue, method: &str, args: &Array) -> Option<JsValue> {
    let method: js_sys::Function = get(target, method).dyn_into().ok()?;
    Reflect::apply(&method, target, args).ok()
}

/// Focuses `element` without scrolling the page to it: the widget is over
/// the page, in its top layer, never somewhere the page must scroll to.
pub(crate) fn focus(element: &JsValue) {
    let options = object(&[("preventScroll", JsValue::TRUE)]);
    let _ = call(element, "focus", &Array::of1(&options));
}

/// Shows `element` (a `popover`) in the browser's top layer, above
/// everything of the page and out of reach of its transforms, overflow and
/// stacking; browsers without the Popover API show it where it is.
pub(crate) fn show_on_top(element: &JsValue) {
    let _ = call(element, "showPopover", &Array::new());
}
