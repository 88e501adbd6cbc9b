//! The offer: the upseller's items with their prices in the customer's locale,
//! a quantity for each, the running total and the way on to consent.

use std::rc::Rc;

use postsale_protocol::{Money, Offer};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Properties of [`OfferView`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct OfferViewProps {
    /// The offer.
    pub(crate) offer: Rc<Offer>,
    /// The chosen quantity per item.
    pub(crate) quantities: Vec<u32>,
    /// Their total (`None`: a price was unreadable).
    pub(crate) total: Option<Money>,
    /// Locale for prices.
    #[prop_or_default]
    pub(crate) locale: Option<AttrValue>,
    /// `(item index, quantity)`.
    pub(crate) on_quantity: Callback<(usize, u32)>,
    /// On to the consent step.
    pub(crate) on_review: Callback<()>,
    /// No, thanks.
    pub(crate) on_decline: Callback<()>,
}

/// The most quantities a select lists.
const MAX_LISTED: u32 = 10;

/// The offer's items and total.
#[function_component]
pub(crate) fn OfferView(props: &OfferViewProps) -> Html {
    let offer = &props.offer;
    let locale = props.locale.as_deref();
    let price = |raw: &str| {
        Money::parse(raw, offer.currency)
            .map_or_else(|_| raw.to_owned(), |m| crate::format::money(&m, locale))
    };
    let total = props.total.map(|t| crate::format::money(&t, locale));
    let can_go_on = props.total.is_some_and(|t| t.minor() > 0);
    html! {
        <>
            <p class="body">{ offer.body.clone() }</p>
            <ul class="items">
                { for offer.items.iter().enumerate().map(|(index, item)| {
                    let chosen = props.quantities.get(index).copied().unwrap_or(0);
                    let id = ["postsale-q", index.to_string().as_str()].concat();
                    let onchange = props.on_quantity.reform(move |e: Event| {
                        let q = e.target()
                            .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                            .and_then(|s| s.value().parse().ok())
                            .unwrap_or(0);
                        (index, q)
                    });
                    html! {
                        <li class="item">
                            if let Some(image) = item.image_url.as_deref().filter(|u| u.starts_with("https://")) {
                                <img src={image.to_owned()} alt="" />
                            }
                            <label for={id.clone()} class="name">{ item.name.clone() }</label>
                            <span class="price">{ price(&item.unit_price) }</span>
                            <select id={id} class="quantity" {onchange}>
                                { for (0..=item.max_quantity.min(MAX_LISTED)).map(|q| html! {
                                    <option value={q.to_string()} selected={q == chosen}>{ q }</option>
                                }) }
                            </select>
                        </li>
                    }
                }) }
            </ul>
            if let Some(total) = total {
                <p class="total">{ "Total " }<strong>{ total }</strong></p>
            }
            if offer.points > 0 {
                <p class="points">{ "You earn " }{ offer.points }{ " points" }</p>
            }
            <div class="actions">
                <button type="button" class="primary" disabled={!can_go_on} onclick={props.on_review.reform(|_: MouseEvent| ())}>{ offer.button.clone() }</button>
                <button type="button" class="secondary" onclick={props.on_decline.reform(|_: MouseEvent| ())}>{ "No, thanks" }</button>
            </div>
        </>
    }
}
