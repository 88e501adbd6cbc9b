//! The modal dialog frame every step of the customer's path is shown in.

use yew::prelude::*;

/// Properties of [`Dialog`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct DialogProps {
    /// The dialog's title; it also labels the dialog for assistive technology.
    pub(crate) title: AttrValue,
    /// Called when the customer closes the dialog.
    pub(crate) on_close: Callback<()>,
    /// The dialog's body.
    #[prop_or_default]
    pub(crate) children: Html,
}

/// A labelled, modal dialog over a backdrop.
#[function_component]
pub(crate) fn Dialog(props: &DialogProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="postsale-title">
                <h2 id="postsale-title">{ props.title.clone() }</h2>
                { props.children.clone() }
                <button type="button" class="close" aria-label="Close" onclick={close}>{ "×" }</button>
            </div>
        </div>
    }
}
