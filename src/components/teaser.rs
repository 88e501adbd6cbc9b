//! The post-sale opportunity's invitation: the teaser is the dialog's title;
//! this is the affiliate's logo and the two ways on.

use yew::prelude::*;

use super::{Ui, button};

/// The invitation's body; the logo is shown only from an HTTPS address.
pub(crate) fn teaser(logo: Option<&str>, send: &Callback<Ui>) -> Html {
    let logo = logo.filter(|l| l.starts_with("https://"));
    html! {
        <>
            if let Some(logo) = logo {
                <img class="logo" src={logo.to_owned()} alt="" />
            }
            <div class="actions">
                { button("primary", "Show me".into(), false, send, Ui::Open) }
                { button("secondary", "No, thanks".into(), false, send, Ui::Decline) }
            </div>
        </>
    }
}
