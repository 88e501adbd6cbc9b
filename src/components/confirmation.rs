//! The end of a good path: the upsell order's id, what it costs, the points
//! the customer earned and spent, and what they hold now.

use postsale_protocol::{AcceptResponse, Money, OrderStatus};
use yew::prelude::*;

use super::{Ui, button};
use crate::format::number;

/// The receipt, with the amount in `locale`; `spent` is the points the
/// offer's reward spent.
pub(crate) fn confirmation(
    receipt: &AcceptResponse,
    spent: u32,
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
                if let Some(balance) = receipt.points_balance.filter(|_| receipt.points > 0 || spent > 0) {
                    if spent > 0 {
                        <dt>{ "Points used" }</dt><dd>{ number(spent.into()) }</dd>
                    }
                    <dt>{ "Your points" }</dt><dd class="balance">{ number(balance) }</dd>
                }
            </dl>
            <div class="actions">
                { button("primary", "Done".into(), false, send, Ui::Close) }
            </div>
        </>
    }
}
