//! The merchant console, served by the hub at `/console/`: people sign in
//! (or take an invitation), then see what their offers earn, set them up,
//! manage their merchant's people and their own sessions. Everything it shows comes
//! from the hub's API; everything it changes goes through it, with the
//! session's CSRF token. See `docs/ARCHITECTURE.md`, "The console".

mod account;
mod api;
mod chart;
mod form;
mod keys;
mod offers;
mod operate;
mod operator;
mod overview;
mod partners;
mod people;
mod preview;
mod route;
mod sign_in;

use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use api::Signed;
use route::{Route, go, use_route};

/// What every signed-in page gets.
#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct SignedProps {
    pub(crate) signed: Rc<Signed>,
}

#[function_component]
fn App() -> Html {
    let route = use_route();
    let signed = use_state(|| None::<Rc<Signed>>);
    let checked = use_state(|| false);
    {
        let signed = signed.clone();
        let checked = checked.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(session) = api::get::<Signed>("/v1/console/session").await {
                    signed.set(Some(Rc::new(session)));
                }
                checked.set(true);
            });
        });
    }
    let on_signed = {
        let signed = signed.clone();
        Callback::from(move |session: Signed| {
            signed.set(Some(Rc::new(session)));
            go(&Route::Overview);
        })
    };
    let on_signed_out = {
        let signed = signed.clone();
        Callback::from(move |()| {
            signed.set(None);
            go(&Route::SignIn);
        })
    };
    if !*checked {
        return html! { <main aria-busy="true"><p>{ "Loading…" }</p></main> };
    }
    match (&route, &*signed) {
        (Route::Join(token), _) => html! {
            <sign_in::Join token={token.clone()} on_signed={on_signed} />
        },
        (_, None) => html! { <sign_in::SignIn on_signed={on_signed} /> },
        (route, Some(signed)) => html! {
            <Shell signed={signed.clone()} route={route.clone()} on_signed_out={on_signed_out} />
        },
    }
}

#[derive(Debug, Clone, PartialEq, Properties)]
struct ShellProps {
    signed: Rc<Signed>,
    route: Route,
    on_signed_out: Callback<()>,
}

/// The bar with the pages and who is signed in, around the page shown.
#[function_component]
fn Shell(props: &ShellProps) -> Html {
    let signed = &props.signed;
    let link = |route: Route, label: &str| {
        let current = (route == props.route).then_some("page");
        html! { <li><a href={route.href()} aria-current={current}>{ label.to_owned() }</a></li> }
    };
    let page = match (&props.route, signed.merchant.is_some()) {
        (Route::People, true) => html! { <people::People signed={signed.clone()} /> },
        (Route::Offers, true) => html! { <offers::Offers signed={signed.clone()} /> },
        (Route::Preview, true) => html! { <preview::Preview signed={signed.clone()} /> },
        (Route::Orders, true) => html! { <operate::Orders signed={signed.clone()} /> },
        (Route::Partners, true) => html! { <partners::Partners signed={signed.clone()} /> },
        (Route::Account, _) => html! {
            <account::Account signed={signed.clone()} on_signed_out={props.on_signed_out.clone()} />
        },
        (_, false) => html! { <operator::Operator signed={signed.clone()} /> },
        _ => html! { <overview::Overview signed={signed.clone()} /> },
    };
    let whose = signed
        .merchant
        .as_ref()
        .map_or_else(|| "the hub's operator".to_owned(), |m| m.name.clone());
    html! {
        <>
            <header class="bar">
                <span class="brand">{ "postsale" }</span>
                <nav aria-label="Console">
                    <ul>
                        if signed.merchant.is_some() {
                            { link(Route::Overview, "Overview") }
                            { link(Route::Offers, "Offers") }
                            if signed.merchant.as_ref().is_some_and(|m| m.affiliate) {
                                { link(Route::Preview, "Preview") }
                            }
                            { link(Route::Orders, "Orders") }
                            { link(Route::Partners, "Partners") }
                            { link(Route::People, "People") }
                        }
                        if signed.merchant.is_none() {
                            { link(Route::Operator, "Operator") }
                        }
                        { link(Route::Account, "Account") }
                    </ul>
                </nav>
                <span class="who">
                    { format!("{} ({}) · {whose}", signed.user.name, signed.user.role) }
                </span>
            </header>
            <main id="main">{ page }</main>
        </>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
