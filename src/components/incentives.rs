//! The incentive chooser: the thank-you rewards the affiliate lets the customer
//! pick from, before the opportunity itself.

use postsale_protocol::Incentive;
use yew::prelude::*;

/// Properties of [`IncentiveChooser`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct IncentiveChooserProps {
    /// The rewards on offer.
    pub(crate) incentives: Vec<Incentive>,
    /// Called with the picked incentive's id.
    pub(crate) on_pick: Callback<String>,
    /// Called when the customer wants none of it.
    pub(crate) on_decline: Callback<()>,
}

/// One button per reward.
#[function_component]
pub(crate) fn IncentiveChooser(props: &IncentiveChooserProps) -> Html {
    html! {
        <>
            <ul class="choices">
                { for props.incentives.iter().map(|incentive| {
                    let id = incentive.id.clone();
                    let pick = props.on_pick.reform(move |_: MouseEvent| id.clone());
                    html! { <li><button type="button" class="choice" onclick={pick}>{ incentive.label.clone() }</button></li> }
                }) }
            </ul>
            <div class="actions">
                <button type="button" class="secondary" onclick={props.on_decline.reform(|_: MouseEvent| ())}>{ "No, thanks" }</button>
            </div>
        </>
    }
}
