//! A clear error, in the customer's words, with a retry when one can help.

use yew::prelude::*;

use crate::state::Failure;

/// Properties of [`FailureView`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct FailureViewProps {
    /// What went wrong.
    pub(crate) failure: Failure,
    /// Retry (only offered when [`Failure::retryable`]).
    pub(crate) on_retry: Callback<()>,
    /// Close the widget.
    pub(crate) on_close: Callback<()>,
}

fn message(failure: Failure) -> &'static str {
    match failure {
        Failure::Offer => "We could not load the offer.",
        Failure::Unreachable => {
            "We could not confirm your order. Retrying is safe: you will be charged at most once."
        }
        Failure::Refused => "This offer is no longer available. Nothing was charged.",
        Failure::Declined => "Your payment was declined. Nothing was charged.",
        Failure::Card => "The card was not accepted. Please check the details.",
        Failure::NeedsFrame => "This offer cannot be completed here. Nothing was charged.",
    }
}

/// The error and the way on.
#[function_component]
pub(crate) fn FailureView(props: &FailureViewProps) -> Html {
    html! {
        <>
            <p class="error" role="alert">{ message(props.failure) }</p>
            <div class="actions">
                if props.failure.retryable() {
                    <button type="button" class="primary" onclick={props.on_retry.reform(|_: MouseEvent| ())}>{ "Try again" }</button>
                }
                <button type="button" class="secondary" onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </div>
        </>
    }
}
