//! The consent step: the exact amount, the handoff mode's disclosure, and a
//! confirm button of its own. Nothing is charged before this button; the
//! accept records that it was this button, for this amount, after this text.

use postsale_protocol::{CardEntry as Card, Money, Offer};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::{Ui, button, card_entry};
use crate::format::whole_number;
use crate::js::get;

/// The trimmed value of the form's control called `name`: a form holds its
/// named controls as properties of its own.
fn field(form: &JsValue, name: &str) -> String {
    get(&get(form, name), "value")
        .as_string()
        .map(|value| value.trim().to_owned())
        .unwrap_or_default()
}

/// The amount, the disclosure and the confirm button; with `card`, the card
/// fields (direct entry, inside the hub's frame only), sent with the confirm.
pub(crate) fn consent(
    offer: &Offer,
    total: Option<Money>,
    locale: Option<&str>,
    card: bool,
    send: &Callback<Ui>,
) -> Html {
    let amount = total
        .map(|t| crate::format::money(&t, locale))
        .unwrap_or_default();
    let onsubmit = send.reform(move |event: SubmitEvent| {
        event.prevent_default();
        // The submitted form is the event's target.
        let card = event
            .target()
            .map(JsValue::from)
            .filter(|_| card)
            .map(|form| Card {
                card_number: field(&form, "card_number")
                    .chars()
                    .filter(|c| *c != ' ')
                    .collect(),
                // Unreadable numbers go as 0: the hub refuses them, and
                // the customer gets the card error with a way back.
                exp_month: whole_number(&field(&form, "exp_month"))
                    .and_then(|n| u8::try_from(n).ok())
                    .unwrap_or(0),
                exp_year: whole_number(&field(&form, "exp_year"))
                    .and_then(|n| u16::try_from(n).ok())
                    .unwrap_or(0),
                cvc: field(&form, "cvc"),
            });
        Ui::Confirm(card)
    });
    html! {
        <form {onsubmit}>
            <p class="amount">{ "You pay " }<strong>{ amount.clone() }</strong></p>
            if let Some(seller) = offer.disclosure.seller.clone() {
                <p class="seller">{ "Sold by " }{ seller }</p>
            }
            <p class="disclosure" id="postsale-disclosure">{ offer.disclosure.text.clone() }</p>
            if card {
                { card_entry() }
            }
            <div class="actions">
                <button type="submit" class="primary confirm" aria-describedby="postsale-disclosure">{ "Confirm and pay " }{ amount }</button>
                { button("secondary", "Back".into(), false, send, Ui::Back) }
            </div>
        </form>
    }
}
