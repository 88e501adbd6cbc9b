//! The modal dialog frame every step of the customer's path is shown in: a
//! real dialog for keyboard and screen-reader users. Focus moves in on open
//! and on every step, Tab and Shift+Tab stay inside, Esc closes, and focus
//! goes back where it was when the dialog goes away. Inline (in a merchant's
//! slot, inside the hub's frame) it is a labelled region without a trap.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};
use yew::prelude::*;

use super::Ui;

/// Properties of [`Dialog`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct DialogProps {
    /// The dialog's title; it also labels the dialog for assistive technology.
    pub(crate) title: AttrValue,
    /// Which step is shown; focus moves to the new content when it changes.
    #[prop_or_default]
    pub(crate) step: u8,
    /// In the page's flow instead of modal over it.
    #[prop_or_default]
    pub(crate) inline: bool,
    /// Where the close button and Esc send [`Ui::Close`].
    pub(crate) send: Callback<Ui>,
    /// The dialog's body.
    #[prop_or_default]
    pub(crate) children: Html,
}

const FOCUSABLE: &str = "button:not([disabled]),input:not([disabled]),select:not([disabled]),\
a[href],[tabindex=\"0\"]";

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
        let _ = first.focus();
    }
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
        let _ = last.focus();
    } else if !event.shift_key() && (!inside || at(last)) {
        event.prevent_default();
        let _ = first.focus();
    }
}

/// A labelled, modal dialog over a backdrop.
#[function_component]
pub(crate) fn Dialog(props: &DialogProps) -> Html {
    let dialog = use_node_ref();
    // Remember where focus was; give it back when the dialog goes.
    {
        let inline = props.inline;
        use_effect_with((), move |()| {
            let previous = (!inline)
                .then(|| web_sys::window()?.document()?.active_element())
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            move || {
                if let Some(previous) = previous {
                    let _ = previous.focus();
                }
            }
        });
    }
    // Focus into each new step.
    {
        let dialog = dialog.clone();
        let inline = props.inline;
        use_effect_with(props.step, move |_| {
            if let Some(dialog) = dialog.cast::<Element>().filter(|_| !inline) {
                focus_first(&dialog);
            }
        });
    }
    let onkeydown = {
        let dialog = dialog.clone();
        let send = props.send.clone();
        let inline = props.inline;
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
    let close = props.send.reform(|_: MouseEvent| Ui::Close);
    let (backdrop, role, modal) = if props.inline {
        ("inline", "region", None)
    } else {
        ("backdrop", "dialog", Some("true"))
    };
    html! {
        <div class={backdrop}>
            <div class="dialog" role={role} aria-modal={modal} aria-labelledby="postsale-title" ref={dialog} {onkeydown}>
                <h2 id="postsale-title">{ props.title.clone() }</h2>
                { props.children.clone() }
                <button type="button" class="close" aria-label="Close" onclick={close}>{ "×" }</button>
            </div>
        </div>
    }
}
