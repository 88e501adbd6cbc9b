//! The post-sale opportunity's invitation: the teaser is the dialog's title;
//! this is the affiliate's logo and the two ways on.

use postsale_protocol::Labels;
use yew::prelude::*;

use super::{Ui, button};

/// The invitation's body; the logo is shown only from an HTTPS address.
pub(crate) fn teaser(logo: Option<&str>, words: &Labels, send: &Callback<Ui>) -> Html {
    let logo = logo.filter(|l| l.starts_with("https://"));
    html! {
        <>
            if let Some(logo) = logo {
                <img class="logo" src={logo.to_owned()} alt="" />
            }
            <div class="actions">
                { button("primary", words.show_me.clone().into(), false, send, Ui::Open) }
                { button("secondary", words.no_thanks.clone().into(), false, send, Ui::Decline) }
            </div>
        </>
    }
}
