//! The offer: the upseller's items with their prices in the customer's locale,
//! a quantity for each, the running total and the way on to consent.

use postsale_protocol::{Labels, Money, Offer, Quote, around, fill};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::{Ui, button};
use crate::format::{count, number};

/// The most quantities a select lists.
const MAX_LISTED: u32 = 10;

/// The offer's items with the chosen `quantities`, and what they cost with
/// the offer's reward (`None`: a price was unreadable). What the reward
/// saves is shown as the price it replaces, struck through and said in words.
pub(crate) fn offer(
    offer: &Offer,
    quantities: &[u32],
    quote: Option<Quote>,
    words: &Labels,
    locale: Option<&str>,
    send: &Callback<Ui>,
) -> Html {
    let price = |raw: &str| {
        Money::parse(raw, offer.currency)
            .map_or_else(|_| raw.to_owned(), |m| crate::format::money(&m, locale))
    };
    let money = |m: Money| crate::format::money(&m, locale);
    // A word whose amount stands out: the text around it, the amount in `tag`.
    let instead_of = |m: Money| {
        let (before, after) = around(&words.instead_of);
        html! { <span class="was">{ [" ", before].concat() }<s>{ money(m) }</s>{ after.to_owned() }</span> }
    };
    let (total_before, total_after) = around(&words.total);
    let can_go_on = quote.is_some_and(|q| q.total.minor() > 0);
    html! {
        <>
            <p class="body" dir="auto">{ offer.body.clone() }</p>
            <ul class="items">
                { for offer.items.iter().enumerate().map(|(index, item)| {
                    let chosen = quantities.get(index).copied().unwrap_or(0);
                    let id = ["postsale-q", &number(index as u64)].concat();
                    let onchange = send.reform(move |e: Event| {
                        let q = e.target()
                            .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                            .and_then(|s| crate::format::whole_number(&s.value()))
                            .unwrap_or(0);
                        Ui::Quantity(index, q)
                    });
                    html! {
                        <li class="item">
                            // The image's box is kept before it loads: nothing moves.
                            if let Some(image) = item.image_url.as_deref().filter(|u| u.starts_with("https://")) {
                                <img src={image.to_owned()} alt={item.image_alt.clone().unwrap_or_default()}
                                    width="320" height="240" loading="lazy" />
                            }
                            <label for={id.clone()} class="name" dir="auto">{ item.name.clone() }</label>
                            <span class="price">
                                if let Some(usual) = item.compare_at_price.as_deref() {
                                    <s class="usual">{ price(usual) }</s>{ " " }
                                }
                                { price(&item.unit_price) }
                            </span>
                            <select id={id} class="quantity" {onchange}>
                                { for (0..=item.max_quantity.min(MAX_LISTED)).map(|q| {
                                    let q_text = number(q.into());
                                    html! { <option value={q_text.clone()} selected={q == chosen}>{ q_text }</option> }
                                }) }
                            </select>
                            if let Some(description) = item.description.clone() {
                                <span class="description" dir="auto">{ description }</span>
                            }
                        </li>
                    }
                }) }
            </ul>
            if let Some(reward) = &offer.incentive {
                <p class="reward" dir="auto">{ reward.label.clone() }</p>
            }
            if let Some(q) = quote {
                if q.shipping.minor() > 0 {
                    <p class="shipping">
                        if q.shipping_waived {
                            { words.shipping_free.clone() }{ instead_of(q.shipping) }
                        } else {
                            { fill(&words.shipping, &money(q.shipping)) }
                        }
                    </p>
                }
                <p class="total">{ total_before.to_owned() }<strong>{ money(q.total) }</strong>{ total_after.to_owned() }
                    if q.before() != q.total {
                        { instead_of(q.before()) }
                    }
                </p>
            }
            if offer.points > 0 {
                <p class="points">{ fill(&words.you_earn, &count(offer.points.into(), locale)) }</p>
            }
            <div class="actions">
                { button("primary", offer.button.clone().into(), !can_go_on, send, Ui::Review) }
                { button("secondary", words.no_thanks.clone().into(), false, send, Ui::Decline) }
            </div>
        </>
    }
}
