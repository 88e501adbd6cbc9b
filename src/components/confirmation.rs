//! The end of a good path: the upsell order's id, what it costs, the points
//! the customer earned and spent, what they hold now; after follow-up
//! offers, every order of the chain and their sum; and the offer that
//! follows, when there is one.

use postsale_protocol::{AcceptResponse, EarlierOrder, Labels, Money, OrderStatus, fill};
use yew::prelude::*;

use super::{Ui, button};
use crate::format::count;

/// What the confirmation shows.
pub(crate) struct Receipt<'a> {
    /// The hub's answer to the accept.
    pub(crate) receipt: &'a AcceptResponse,
    /// The points the offer's reward spent.
    pub(crate) spent: u32,
    /// The orders placed earlier in the chain.
    pub(crate) earlier: &'a [EarlierOrder],
    /// The teaser of the offer that follows, once the hub named one.
    pub(crate) next: Option<&'a str>,
}

/// The receipt, with amounts in `locale`.
pub(crate) fn confirmation(
    shown: &Receipt<'_>,
    words: &Labels,
    locale: Option<&str>,
    send: &Callback<Ui>,
) -> Html {
    let Receipt {
        receipt,
        spent,
        earlier,
        next,
    } = *shown;
    let currency = receipt.currency;
    let money = |amount: &str| {
        Money::parse(amount, currency)
            .map_or_else(|_| amount.to_owned(), |m| crate::format::money(&m, locale))
    };
    let sum = sum(earlier, receipt);
    html! {
        <>
            <p role="status">{
                if matches!(receipt.status, OrderStatus::PendingConfirmation | OrderStatus::RequiresAction) {
                    words.confirming.clone()
                } else {
                    words.placed.clone()
                }
            }</p>
            <dl class="receipt">
                <dt>{ words.order.clone() }</dt><dd class="order-id">{ receipt.order_id.clone() }</dd>
                <dt>{ words.amount.clone() }</dt><dd>{ money(&receipt.amount) }</dd>
                if receipt.points > 0 {
                    <dt>{ words.points_earned.clone() }</dt><dd>{ count(receipt.points.into(), locale) }</dd>
                }
                if let Some(balance) = receipt.points_balance.filter(|_| receipt.points > 0 || spent > 0) {
                    if spent > 0 {
                        <dt>{ words.points_used.clone() }</dt><dd>{ count(spent.into(), locale) }</dd>
                    }
                    <dt>{ words.your_points.clone() }</dt><dd class="balance">{ count(balance, locale) }</dd>
                }
            </dl>
            if !earlier.is_empty() {
                <ul class="orders" aria-label={words.your_orders.clone()}>
                    { for earlier.iter().map(|o| html! {
                        <li>{ [o.order_id.as_str(), ": ", &money(&o.amount)].concat() }</li>
                    }) }
                    <li>{ [receipt.order_id.as_str(), ": ", &money(&receipt.amount)].concat() }</li>
                </ul>
                if let Some(sum) = sum {
                    <p class="sum">{ fill(&words.all_orders, &crate::format::money(&sum, locale)) }</p>
                }
            }
            if let Some(teaser) = next {
                <p class="next" dir="auto">{ teaser }</p>
            }
            <div class="actions">
                if next.is_some() {
                    { button("primary", words.show_me.clone().into(), false, send, Ui::Follow) }
                    { button("secondary", words.done.clone().into(), false, send, Ui::Close) }
                } else {
                    { button("primary", words.done.clone().into(), false, send, Ui::Close) }
                }
            </div>
        </>
    }
}

/// What the chain's orders come to (all in the purchase's currency).
fn sum(earlier: &[EarlierOrder], receipt: &AcceptResponse) -> Option<Money> {
    let currency = receipt.currency;
    earlier
        .iter()
        .map(|o| o.amount.as_str())
        .chain([receipt.amount.as_str()])
        .try_fold(Money::from_minor(0, currency).ok()?, |sum, amount| {
            sum.plus(&Money::parse(amount, currency).ok()?)
        })
}
