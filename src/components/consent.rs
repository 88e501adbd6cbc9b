//! The consent step: the exact amount, the handoff mode's disclosure, and a
//! confirm button of its own. Nothing is charged before this button; the
//! accept records that it was this button, for this amount, after this text.

use postsale_protocol::{Money, Offer};
use yew::prelude::*;

use super::{Ui, button, card_entry, read_card};

/// The amount, the disclosure and the confirm button; with `card`, the card
/// fields (direct entry, inside the hub's frame only: see `card_entry.rs`),
/// sent with the confirm.
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
        Ui::Confirm(if card { read_card(&event) } else { None })
    });
    html! {
        <form {onsubmit}>
            <p class="amount">{ "You pay " }<strong>{ amount.clone() }</strong></p>
            if let Some(seller) = offer.disclosure.seller.clone() {
                <p class="seller">{ ["Sold by ", &seller].concat() }</p>
            }
            <p class="disclosure" id="postsale-disclosure">{ offer.disclosure.text.clone() }</p>
            if card {
                { card_entry() }
            }
            <div class="actions">
                <button type="submit" class="primary confirm" aria-describedby="postsale-disclosure">{ ["Confirm and pay ", &amount].concat() }</button>
                { button("secondary", "Back".into(), false, send, Ui::Back) }
            </div>
        </form>
    }
}
