//! What the customer can do, as one message type, and the one button every
//! step uses. All controls send a [`Ui`] to the one callback `App` gives the
//! steps: one closure for every button instead of one per button keeps the
//! wasm small, and `App` stays the one place that turns intents into actions.

#[cfg(feature = "frame")]
use postsale_protocol::CardEntry;
use yew::prelude::*;

/// A customer's intent, sent by a control to `App`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ui {
    /// Show me the offer.
    Open,
    /// This incentive (its id).
    Pick(String),
    /// `(item index, quantity)`.
    Quantity(usize, u32),
    /// On to the consent step.
    Review,
    /// The separate confirm button inside the hub's frame; with the card
    /// and the shipping address when the form has them.
    #[cfg(feature = "frame")]
    Confirm(Option<CardEntry>, Option<postsale_protocol::Address>),
    /// The hub's consent frame reports the customer's click: its proof.
    #[cfg(not(feature = "frame"))]
    Consented(String),
    /// Back from the consent step.
    Back,
    /// Try again.
    Retry,
    /// No, thanks.
    Decline,
    /// Show me the offer that follows.
    Follow,
    /// Close the widget.
    Close,
}

/// A `type="button"` button that sends `ui` when clicked.
pub(crate) fn button(
    class: &'static str,
    label: AttrValue,
    disabled: bool,
    send: &Callback<Ui>,
    ui: Ui,
) -> Html {
    let onclick = send.reform(move |_: MouseEvent| ui.clone());
    // Literal classes: a class from a variable would go through Yew's
    // `Classes` set (and its hash map) at run time, and into the wasm.
    match class {
        "primary" => {
            html! { <button type="button" class="primary" {disabled} {onclick}>{ label }</button> }
        }
        "choice" => {
            html! { <button type="button" class="choice" {disabled} {onclick}>{ label }</button> }
        }
        _ => {
            html! { <button type="button" class="secondary" {disabled} {onclick}>{ label }</button> }
        }
    }
}
