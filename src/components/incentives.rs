//! The incentive chooser: the thank-you rewards the affiliate lets the customer
//! pick from, before the opportunity itself.

use postsale_protocol::{Incentive, Labels, fill};
use yew::prelude::*;

use super::{Ui, button};
use crate::format::count;

/// One button per reward, and a way out; the customer's points above
/// them when a reward spends points.
pub(crate) fn incentives(
    incentives: &[Incentive],
    points_balance: Option<u64>,
    words: &Labels,
    locale: Option<&str>,
    send: &Callback<Ui>,
) -> Html {
    html! {
        <>
            if let Some(balance) = points_balance {
                <p class="balance">{ fill(&words.you_have_points, &count(balance, locale)) }</p>
            }
            <ul class="choices">
                { for incentives.iter().map(|incentive| html! {
                    <li>{ button("choice", incentive.label.clone().into(), false, send, Ui::Pick(incentive.id.clone())) }</li>
                }) }
            </ul>
            <div class="actions">
                { button("secondary", words.no_thanks.clone().into(), false, send, Ui::Decline) }
            </div>
        </>
    }
}
