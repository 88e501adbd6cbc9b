//! The post-sale opportunity's invitation: the teaser is the dialog's title;
//! this is the affiliate's logo and the two ways on.

use yew::prelude::*;

/// Properties of [`Teaser`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct TeaserProps {
    /// The affiliate's logo (HTTPS only; anything else is not shown).
    #[prop_or_default]
    pub(crate) logo: Option<String>,
    /// The customer wants to see the offer.
    pub(crate) on_open: Callback<()>,
    /// The customer does not.
    pub(crate) on_decline: Callback<()>,
}

/// The invitation's body.
#[function_component]
pub(crate) fn Teaser(props: &TeaserProps) -> Html {
    let logo = props.logo.as_deref().filter(|l| l.starts_with("https://"));
    html! {
        <>
            if let Some(logo) = logo {
                <img class="logo" src={logo.to_owned()} alt="" />
            }
            <div class="actions">
                <button type="button" class="primary" onclick={props.on_open.reform(|_: MouseEvent| ())}>{ "Show me" }</button>
                <button type="button" class="secondary" onclick={props.on_decline.reform(|_: MouseEvent| ())}>{ "No, thanks" }</button>
            </div>
        </>
    }
}
