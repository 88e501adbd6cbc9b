//! A step the customer waits through (the offer loading, the order being
//! placed), announced politely to screen readers.

use yew::prelude::*;

/// A live status line saying what is happening.
pub(crate) fn processing(text: &str) -> Html {
    html! { <p class="status" role="status" aria-live="polite">{ text.to_owned() }</p> }
}
