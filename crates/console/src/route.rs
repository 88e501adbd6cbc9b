//! Which page shows: the part of the address after `#`, so the hub serves
//! one page for all of them and a reload stays where it was.

use wasm_bindgen::{JsCast, closure::Closure};
use yew::prelude::*;

/// A page of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    SignIn,
    /// Taking the invitation with this token.
    Join(String),
    Overview,
    Offers,
    Preview,
    Orders,
    Partners,
    Operator,
    People,
    Account,
}

impl Route {
    /// The route an address's fragment names (the overview for anything else).
    pub(crate) fn parse(hash: &str) -> Self {
        let path = hash.trim_start_matches('#');
        match path.trim_end_matches('/') {
            "/sign-in" => Self::SignIn,
            "/people" => Self::People,
            "/offers" => Self::Offers,
            "/preview" => Self::Preview,
            "/orders" => Self::Orders,
            "/partners" => Self::Partners,
            "/operator" => Self::Operator,
            "/account" => Self::Account,
            other => match other.strip_prefix("/join/") {
                Some(token) if !token.is_empty() => Self::Join(token.to_owned()),
                _ => Self::Overview,
            },
        }
    }

    /// The fragment that shows it.
    pub(crate) fn href(&self) -> String {
        match self {
            Self::SignIn => "#/sign-in".into(),
            Self::Join(token) => format!("#/join/{token}"),
            Self::Overview => "#/".into(),
            Self::People => "#/people".into(),
            Self::Offers => "#/offers".into(),
            Self::Preview => "#/preview".into(),
            Self::Orders => "#/orders".into(),
            Self::Partners => "#/partners".into(),
            Self::Operator => "#/operator".into(),
            Self::Account => "#/account".into(),
        }
    }

    fn current() -> Self {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Self::parse(&hash)
    }
}

/// Shows `route`.
pub(crate) fn go(route: &Route) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&route.href());
    }
}

/// The route shown, kept up to date as the fragment changes.
#[hook]
pub(crate) fn use_route() -> Route {
    let route = use_state(Route::current);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || route.set(Route::current()));
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    (*route).clone()
}
