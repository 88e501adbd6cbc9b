//! The consent step: the exact amount, the handoff mode's disclosure, and a
//! confirm button of its own. Nothing is charged before this button; the
//! accept records that it was this button, for this amount, after this text.

use std::rc::Rc;

use postsale_protocol::{CardEntry as Card, Money, Offer};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use super::CardEntry;

/// Properties of [`ConsentStep`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct ConsentStepProps {
    /// The offer being accepted.
    pub(crate) offer: Rc<Offer>,
    /// The exact amount.
    pub(crate) total: Option<Money>,
    /// Locale for the amount.
    #[prop_or_default]
    pub(crate) locale: Option<AttrValue>,
    /// Show the card fields (direct entry, inside the hub's frame only).
    pub(crate) card: bool,
    /// The customer confirmed; with the card when the form has one.
    pub(crate) on_confirm: Callback<Option<Card>>,
    /// Back to the offer.
    pub(crate) on_back: Callback<()>,
}

fn field(form: &Element, name: &str) -> String {
    form.query_selector(&["[name=", name, "]"].concat())
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value().trim().to_owned())
        .unwrap_or_default()
}

/// The amount, the disclosure and the confirm button.
#[function_component]
pub(crate) fn ConsentStep(props: &ConsentStepProps) -> Html {
    let form = use_node_ref();
    let amount = props
        .total
        .map(|t| crate::format::money(&t, props.locale.as_deref()))
        .unwrap_or_default();
    let onsubmit = {
        let form = form.clone();
        let with_card = props.card;
        let on_confirm = props.on_confirm.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let card = with_card
                .then(|| form.cast::<Element>())
                .flatten()
                .map(|form| Card {
                    card_number: field(&form, "card_number").replace(' ', ""),
                    // Unreadable numbers go as 0: the hub refuses them, and
                    // the customer gets the card error with a way back.
                    exp_month: field(&form, "exp_month").parse().unwrap_or(0),
                    exp_year: field(&form, "exp_year").parse().unwrap_or(0),
                    cvc: field(&form, "cvc"),
                });
            on_confirm.emit(card);
        })
    };
    let seller = props.offer.disclosure.seller.clone();
    html! {
        <form ref={form} {onsubmit}>
            <p class="amount">{ "You pay " }<strong>{ amount.clone() }</strong></p>
            if let Some(seller) = seller {
                <p class="seller">{ "Sold by " }{ seller }</p>
            }
            <p class="disclosure" id="postsale-disclosure">{ props.offer.disclosure.text.clone() }</p>
            if props.card {
                <CardEntry />
            }
            <div class="actions">
                <button type="submit" class="primary confirm" aria-describedby="postsale-disclosure">{ "Confirm and pay " }{ amount }</button>
                <button type="button" class="secondary" onclick={props.on_back.reform(|_: MouseEvent| ())}>{ "Back" }</button>
            </div>
        </form>
    }
}
