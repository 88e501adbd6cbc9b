//! The incentive chooser: the thank-you rewards the affiliate lets the customer
//! pick from, before the opportunity itself.

use postsale_protocol::Incentive;
use yew::prelude::*;

use super::{Ui, button};

/// One button per reward, and a way out.
pub(crate) fn incentives(incentives: &[Incentive], send: &Callback<Ui>) -> Html {
    html! {
        <>
            <ul class="choices">
                { for incentives.iter().map(|incentive| html! {
                    <li>{ button("choice", incentive.label.clone().into(), false, send, Ui::Pick(incentive.id.clone())) }</li>
                }) }
            </ul>
            <div class="actions">
                { button("secondary", "No, thanks".into(), false, send, Ui::Decline) }
            </div>
        </>
    }
}
