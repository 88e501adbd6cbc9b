//! The modal dialog frame every step of the customer's path is shown in: a
//! real dialog for keyboard and screen-reader users. Focus moves in on open
//! and on every step, Tab and Shift+Tab stay inside, Esc closes, and focus
//! goes back where it was when the dialog goes away. Inline (in a merchant's
//! slot, inside the hub's frame) it is a labelled region without a trap.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};
use yew::prelude::*;

use super::Ui;
use crate::session::Session;

const FOCUSABLE: &str = "button:not([disabled]),input:not([disabled]),select:not([disabled]),\
a[href],iframe,[tabindex=\"0\"]";

fn focusables(dialog: &Element) -> Vec<HtmlElement> {
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The focused element as seen from inside the dialog's shadow root (or its
/// document, inside the frame).
fn active_in(dialog: &Element) -> Option<Element> {
    match dialog.get_root_node().dyn_into::<ShadowRoot>() {
        Ok(shadow) => shadow.active_element(),
        Err(_) => dialog.owner_document()?.active_element(),
    }
}

/// Focus the first control of the step (the close button is last in order).
fn focus_first(dialog: &Element) {
    if let Some(first) = focusables(dialog).first() {
        crate::js::focus(first);
    }
}

/// Moves focus from `from` (the consent frame, which reports its Tab keys
/// instead of leaving the dialog) to the next control, or the previous one,
/// wrapping round as the trap does.
#[cfg(not(feature = "frame"))]
pub(crate) fn step_focus(dialog: &NodeRef, from: &Element, forward: bool) {
    let Some(dialog) = dialog.cast::<Element>() else {
        return;
    };
    let items = focusables(&dialog);
    let Some(at) = items
        .iter()
        .position(|i| AsRef::<Element>::as_ref(i) == from)
    else {
        return;
    };
    let n = items.len();
    let next = if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    };
    crate::js::focus(&items[next]);
}

/// Keeps Tab inside: from the last control to the first, and back.
fn trap(dialog: &Element, event: &KeyboardEvent) {
    let items = focusables(dialog);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        event.prevent_default();
        return;
    };
    let active = active_in(dialog);
    let inside = active
        .as_ref()
        .is_some_and(|a| items.iter().any(|i| AsRef::<Element>::as_ref(i) == a));
    let at = |el: &HtmlElement| active.as_ref() == Some(el.as_ref());
    if event.shift_key() && (!inside || at(first)) {
        event.prevent_default();
        crate::js::focus(last);
    } else if !event.shift_key() && (!inside || at(last)) {
        event.prevent_default();
        crate::js::focus(first);
    }
}

/// The element that had focus before the dialog opened (none inline), to
/// give focus back to when it goes.
pub(crate) fn focused_before(inline: bool) -> Option<HtmlElement> {
    (!inline)
        .then(|| web_sys::window()?.document()?.active_element())
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

/// Puts the modal in the top layer (once; again is a no-op) and focuses the
/// first control of the new step (modal only).
pub(crate) fn enter_step(dialog: &NodeRef, inline: bool) {
    if let Some(dialog) = dialog.cast::<Element>().filter(|_| !inline) {
        if let Some(backdrop) = dialog.parent_element() {
            crate::js::show_on_top(&backdrop);
        }
        focus_first(&dialog);
    }
}

/// A labelled, modal dialog over a backdrop (inline: a labelled region
/// without a trap) around `body`, in the session's language. `App` holds its
/// state: the element to give focus back to, and `dialog`, the ref
/// [`enter_step`] focuses into.
pub(crate) fn dialog(
    title: AttrValue,
    session: &Session,
    dialog: &NodeRef,
    send: &Callback<Ui>,
    body: Html,
) -> Html {
    let inline = session.shown_inline();
    let onkeydown = {
        let dialog = dialog.clone();
        let send = send.clone();
        Callback::from(move |event: KeyboardEvent| {
            if inline {
                return;
            }
            match event.key().as_str() {
                "Escape" => {
                    event.prevent_default();
                    event.stop_propagation();
                    send.emit(Ui::Close);
                }
                "Tab" => {
                    if let Some(dialog) = dialog.cast::<Element>() {
                        trap(&dialog, &event);
                    }
                }
                _ => {}
            }
        })
    };
    let close = send.reform(|_: MouseEvent| Ui::Close);
    let (role, modal) = if inline {
        ("region", None)
    } else {
        ("dialog", Some("true"))
    };
    let dialog = html! {
        <div class="dialog" role={role} aria-modal={modal} aria-labelledby="postsale-title" ref={dialog.clone()} {onkeydown}
            lang={session.lang.clone()}>
            <h2 id="postsale-title" dir="auto">{ title }</h2>
            { body }
            <button type="button" class="close" aria-label={session.labels.close.clone()} onclick={close}>{ "×" }</button>
        </div>
    };
    // Literal classes: see `ui::button`.
    if inline {
        html! { <div class="inline">{ dialog }</div> }
    } else {
        // A manual popover: in the top layer once shown (`enter_step`), and
        // closed only by the widget.
        html! { <div class="backdrop" popover="manual">{ dialog }</div> }
    }
}
