//! The consent step: the exact amount, the handoff mode's disclosure, and the
//! confirming click. Nothing is charged before that click, and it is never a
//! click the merchant's page could fake: on the merchant's page the button is
//! the hub's consent frame (a small hub-origin IFRAME, like a wallet button),
//! whose proof the accept carries; inside the hub's own frame it is this
//! widget's button (with the card fields for direct entry).

use postsale_protocol::{Labels, Money, Offer, around, fill};
use yew::prelude::*;

#[cfg(feature = "frame")]
use super::{ShipTo, card_entry, read_card, read_ship_to};
use super::{Ui, button};

/// Where the confirming click happens. Each build has the one it needs:
/// only the hub's frame build runs inside the hub's frame, and only the
/// merchant-page build on a merchant's page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Confirming {
    /// Inside the hub's frame: this widget's own button, with the card
    /// fields when the offer is paid by card.
    #[cfg(feature = "frame")]
    Here {
        /// Whether the card fields are shown.
        card: bool,
        /// Whether a shipping address is asked for (`Some`), and the one
        /// the affiliate passed.
        ship_to: Option<Option<postsale_protocol::Address>>,
    },
    /// On the merchant's page: the hub's consent frame at this address.
    #[cfg(not(feature = "frame"))]
    ConsentFrame {
        /// Its address, with the items and the page's origin.
        src: String,
        /// The frame element, to tell its messages from any other's.
        node: NodeRef,
    },
}

/// The amount, the disclosure and where to confirm.
pub(crate) fn consent(
    offer: &Offer,
    total: Option<Money>,
    words: &Labels,
    locale: Option<&str>,
    confirming: Confirming,
    send: &Callback<Ui>,
) -> Html {
    let amount = total
        .map(|t| crate::format::money(&t, locale))
        .unwrap_or_default();
    let (pay_before, pay_after) = around(&words.you_pay);
    let confirm_and_pay = fill(&words.confirm_and_pay, &amount);
    let summary = html! {
        <>
            <p class="amount">{ pay_before.to_owned() }<strong>{ amount.clone() }</strong>{ pay_after.to_owned() }</p>
            if let Some(seller) = &offer.disclosure.seller {
                <p class="seller" dir="auto">{ fill(&words.sold_by, seller) }</p>
            }
            <p class="disclosure" id="postsale-disclosure" dir="auto">{ offer.disclosure.text.clone() }</p>
        </>
    };
    let back = button(
        "secondary",
        words.back.clone().into(),
        false,
        send,
        Ui::Back,
    );
    match confirming {
        #[cfg(not(feature = "frame"))]
        Confirming::ConsentFrame { src, node } => html! {
            <div>
                { summary }
                <iframe class="consent-frame" {src} ref={node} title={confirm_and_pay}
                    aria-describedby="postsale-disclosure"></iframe>
                <div class="actions">{ back }</div>
            </div>
        },
        #[cfg(feature = "frame")]
        Confirming::Here { card, ship_to } => {
            let asked = ship_to.is_some();
            let suggested = ship_to.flatten();
            let onsubmit = {
                let suggested = suggested.clone();
                send.reform(move |event: SubmitEvent| {
                    event.prevent_default();
                    let address = if asked {
                        read_ship_to(&event, suggested.as_ref())
                    } else {
                        None
                    };
                    Ui::Confirm(if card { read_card(&event) } else { None }, address)
                })
            };
            html! {
                <form {onsubmit}>
                    { summary }
                    if asked {
                        <ShipTo {suggested} words={words.clone()} />
                    }
                    if card {
                        { card_entry(words) }
                    }
                    <div class="actions">
                        <button type="submit" class="primary confirm" aria-describedby="postsale-disclosure">{ confirm_and_pay }</button>
                        { back }
                    </div>
                </form>
            }
        }
    }
}
