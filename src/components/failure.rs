//! A clear error, in the customer's words, with a retry when one can help.

use postsale_protocol::Labels;
use yew::prelude::*;

use super::{Ui, button};
use crate::state::Failure;

fn message(failure: Failure, words: &Labels) -> &str {
    match failure {
        Failure::Offer => &words.error_offer,
        Failure::Unreachable => &words.error_unreachable,
        Failure::Refused => &words.error_gone,
        Failure::Declined => &words.error_declined,
        Failure::CardDeclined => &words.error_card_declined,
        Failure::Card => &words.error_card,
        Failure::NeedsFrame => &words.error_needs_frame,
    }
}

/// The error and the way on (a retry only when [`Failure::retryable`]).
pub(crate) fn failure(failure: Failure, words: &Labels, send: &Callback<Ui>) -> Html {
    html! {
        <>
            <p class="error" role="alert">{ message(failure, words).to_owned() }</p>
            <div class="actions">
                if failure.retryable() {
                    { button("primary", words.try_again.clone().into(), false, send, Ui::Retry) }
                }
                { button("secondary", words.close.clone().into(), false, send, Ui::Close) }
            </div>
        </>
    }
}
