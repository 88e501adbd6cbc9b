//! The end of a good path: the upsell order's id, what it costs and the points
//! the customer earned.

use postsale_protocol::{AcceptResponse, Money, OrderStatus};
use yew::prelude::*;

use super::{Ui, button};
use crate::format::number;

/// The receipt, with the amount in `locale`.
pub(crate) fn confirmation(
    receipt: &AcceptResponse,
    locale: Option<&str>,
    send: &Callback<Ui>,
) -> Html {
    let amount = Money::parse(&receipt.amount, receipt.currency).map_or_else(
        |_| receipt.amount.clone(),
        |m| crate::format::money(&m, locale),
    );
    html! {
        <>
            <p role="status">{
                if matches!(receipt.status, OrderStatus::PendingConfirmation | OrderStatus::RequiresAction) {
                    "We are confirming your order. You will be charged at most once."
                } else {
                    "Your order is placed."
                }
            }</p>
            <dl class="receipt">
                <dt>{ "Order" }</dt><dd class="order-id">{ receipt.order_id.clone() }</dd>
                <dt>{ "Amount" }</dt><dd>{ amount }</dd>
                if receipt.points > 0 {
                    <dt>{ "Points earned" }</dt><dd>{ number(receipt.points.into()) }</dd>
                }
            </dl>
            <div class="actions">
                { button("primary", "Done".into(), false, send, Ui::Close) }
            </div>
        </>
    }
}
