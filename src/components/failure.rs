//! A clear error, in the customer's words, with a retry when one can help.

use yew::prelude::*;

use super::{Ui, button};
use crate::state::Failure;

fn message(failure: Failure) -> &'static str {
    match failure {
        Failure::Offer => "We could not load the offer.",
        Failure::Unreachable => {
            "We could not confirm your order. Retrying is safe: you will be charged at most once."
        }
        Failure::Refused => "This offer is no longer available. Nothing was charged.",
        Failure::Declined => "Your payment was declined. Nothing was charged.",
        Failure::CardDeclined => {
            "Your card was declined. Nothing was charged; you can try another card."
        }
        Failure::Card => "The card was not accepted. Please check the details.",
        Failure::NeedsFrame => "This offer cannot be completed here. Nothing was charged.",
    }
}

/// The error and the way on (a retry only when [`Failure::retryable`]).
pub(crate) fn failure(failure: Failure, send: &Callback<Ui>) -> Html {
    html! {
        <>
            <p class="error" role="alert">{ message(failure) }</p>
            <div class="actions">
                if failure.retryable() {
                    { button("primary", "Try again".into(), false, send, Ui::Retry) }
                }
                { button("secondary", "Close".into(), false, send, Ui::Close) }
            </div>
        </>
    }
}
