//! The end of a good path: the upsell order's id, what it costs and the points
//! the customer earned.

use std::rc::Rc;

use postsale_protocol::{AcceptResponse, Money};
use yew::prelude::*;

/// Properties of [`Confirmation`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct ConfirmationProps {
    /// The hub's answer to the accept.
    pub(crate) receipt: Rc<AcceptResponse>,
    /// Locale for the amount.
    #[prop_or_default]
    pub(crate) locale: Option<AttrValue>,
    /// Closes the widget.
    pub(crate) on_close: Callback<()>,
}

/// The receipt.
#[function_component]
pub(crate) fn Confirmation(props: &ConfirmationProps) -> Html {
    let receipt = &props.receipt;
    let amount = Money::parse(&receipt.amount, receipt.currency).map_or_else(
        |_| receipt.amount.clone(),
        |m| crate::format::money(&m, props.locale.as_deref()),
    );
    html! {
        <>
            <p role="status">{ "Your order is placed." }</p>
            <dl class="receipt">
                <dt>{ "Order" }</dt><dd class="order-id">{ receipt.order_id.clone() }</dd>
                <dt>{ "Amount" }</dt><dd>{ amount }</dd>
                if receipt.points > 0 {
                    <dt>{ "Points earned" }</dt><dd>{ receipt.points }</dd>
                }
            </dl>
            <div class="actions">
                <button type="button" class="primary" onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Done" }</button>
            </div>
        </>
    }
}
