//! A step the customer waits through (the offer loading, the order being
//! placed), announced politely to screen readers.

use yew::prelude::*;

/// Properties of [`Processing`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct ProcessingProps {
    /// What is happening.
    pub(crate) text: AttrValue,
}

/// A live status line.
#[function_component]
pub(crate) fn Processing(props: &ProcessingProps) -> Html {
    html! { <p class="status" role="status" aria-live="polite">{ props.text.clone() }</p> }
}
