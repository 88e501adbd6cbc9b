//! The root component: holds the widget's state (see `state.rs`) and picks what
//! to render for the current stage.

use yew::prelude::*;

use super::Dialog;
use crate::state::{Action, Stage, WidgetState};

/// What the bootstrap hands to the widget when it mounts it.
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct AppProps {
    /// The short line that invites the customer to look at the offer.
    pub teaser: AttrValue,
}

/// The widget's root component.
#[function_component]
pub(crate) fn App(props: &AppProps) -> Html {
    let state = use_reducer(WidgetState::default);
    let close = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Close))
    };
    match state.stage {
        Stage::Closed => html! {},
        Stage::Opportunity => html! {
            <Dialog title={props.teaser.clone()} on_close={close} />
        },
    }
}
