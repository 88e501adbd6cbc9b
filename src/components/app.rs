//! The root component: holds the widget's state (see `state.rs`), runs the
//! side effects the state asks for (HTTP to the hub, events to the page) and
//! picks what to render for the current stage.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::Ui;
use postsale_protocol::CardEntry;

use crate::net::{self, NetError};
use crate::session::Session;
use crate::state::{Action, Failure, Stage, WidgetState};

/// What the bootstrap hands to the widget when it mounts it.
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct AppProps {
    /// The opportunity to show.
    pub session: Rc<Session>,
}

impl From<Session> for AppProps {
    fn from(session: Session) -> Self {
        Self {
            session: Rc::new(session),
        }
    }
}

fn accept_failure(err: NetError) -> Failure {
    match err {
        NetError::Status(status) if (400..500).contains(&status) => Failure::Refused,
        _ => Failure::Unreachable,
    }
}

/// Sends the card (direct entry, first attempt only) and then the accept,
/// with the consent's Idempotency-Key; the outcome comes back as actions.
fn submit(
    state: &WidgetState,
    session: &Rc<Session>,
    dispatch: UseReducerDispatcher<WidgetState>,
    card: Option<CardEntry>,
) {
    let (Some(request), Some(key)) = (state.accept_request(), state.idempotency_key.clone()) else {
        return dispatch.dispatch(Action::AcceptFailed(Failure::Refused));
    };
    let card = card.filter(|_| state.needs_card() && state.payment_reference.is_none());
    let session = session.clone();
    spawn_local(async move {
        let id = &session.opportunity_id;
        let mut request = request;
        if let Some(card) = card {
            let Ok(reference) = net::card(&session.hub, id, &card).await else {
                return dispatch.dispatch(Action::CardRejected);
            };
            request.payment_reference = Some(reference.clone());
            dispatch.dispatch(Action::CardAccepted(reference));
        }
        match net::accept(&session.hub, id, &key, &request).await {
            Ok(receipt) => dispatch.dispatch(Action::Accepted(receipt)),
            Err(err) => dispatch.dispatch(Action::AcceptFailed(accept_failure(err))),
        }
    });
}

fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let detail = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&detail, &(*key).into(), value);
    }
    detail.into()
}

/// Tells the page what the new stage means to it.
fn announce(state: &WidgetState, session: &Session) {
    let id = ("opportunity_id", JsValue::from_str(&session.opportunity_id));
    match state.stage {
        Stage::Confirmed => {
            let Some(receipt) = &state.receipt else {
                return;
            };
            let pairs = [
                id,
                ("order_id", receipt.order_id.as_str().into()),
                ("amount", receipt.amount.as_str().into()),
                ("currency", receipt.currency.as_str().into()),
                ("points", receipt.points.into()),
            ];
            crate::events::emit("accepted", &detail(&pairs));
        }
        Stage::Failed => {
            let reason = match state.failure {
                Some(Failure::Offer) => "offer",
                Some(Failure::Declined) => "declined",
                Some(Failure::Card) => "card",
                Some(Failure::NeedsFrame) => "needs_frame",
                Some(Failure::Refused) => "refused",
                _ => "unreachable",
            };
            crate::events::emit("error", &detail(&[id, ("reason", reason.into())]));
        }
        Stage::Closed => {
            if state.declined {
                crate::events::emit("declined", &detail(std::slice::from_ref(&id)));
            }
            crate::events::emit("closed", &detail(&[id]));
        }
        _ => {}
    }
}

/// The widget's root component.
#[function_component]
pub(crate) fn App(props: &AppProps) -> Html {
    let session = &props.session;
    let state = use_reducer(|| WidgetState::new(!session.incentives.is_empty(), session.in_frame));
    let theme = use_node_ref();
    let dialog = use_node_ref();
    // Where focus was before the dialog; it goes back there when the dialog goes.
    let before = use_mut_ref(|| super::dialog::focused_before(session.inline));

    // Shown once, on mount; focus goes back if the widget is unmounted.
    {
        let session = session.clone();
        let before = before.clone();
        use_effect_with((), move |()| {
            crate::events::emit(
                "shown",
                &detail(&[("opportunity_id", session.opportunity_id.as_str().into())]),
            );
            move || give_focus_back(&before)
        });
    }
    // Side effects of entering a stage.
    {
        let state = state.clone();
        let session = session.clone();
        let theme = theme.clone();
        let dialog = dialog.clone();
        let before = before.clone();
        use_effect_with(state.stage, move |stage| {
            announce(&state, &session);
            // The affiliate's look: the opportunity's, then the offer's (which
            // only arrives with a new stage).
            if let Some(root) = theme.cast::<web_sys::HtmlElement>() {
                let style = state.offer.as_ref().map_or(&session.style, |o| &o.style);
                crate::theme::apply(&root, style);
            }
            super::dialog::enter_step(&dialog, session.inline);
            if *stage == Stage::Closed {
                give_focus_back(&before);
            }
            match stage {
                Stage::LoadingOffer => {
                    let dispatch = state.dispatcher();
                    spawn_local(async move {
                        match net::offer(&session.hub, &session.opportunity_id).await {
                            Ok(offer) => dispatch
                                .dispatch(Action::OfferLoaded(Rc::new(session.personalise(offer)))),
                            Err(_) => dispatch.dispatch(Action::OfferFailed),
                        }
                    });
                }
                Stage::Closed if !session.in_frame => {
                    // Leave the page as it was: take our host element away.
                    let host = theme
                        .get()
                        .map(|n| n.get_root_node())
                        .and_then(|r| wasm_bindgen::JsCast::dyn_into::<web_sys::ShadowRoot>(r).ok())
                        .map(|shadow| shadow.host());
                    if let Some(host) = host {
                        host.remove();
                    }
                }
                _ => {}
            }
        });
    }

    let send = {
        let state = state.clone();
        let session = session.clone();
        Callback::from(move |ui: Ui| act(ui, &state, &session))
    };
    let locale = session.locale.as_deref();
    let (title, body): (AttrValue, Html) = match state.stage {
        Stage::Closed => return html! { <div class="theme" ref={theme}></div> },
        Stage::Incentives => (
            "Choose your thank-you".into(),
            super::incentives(&session.incentives, &send),
        ),
        Stage::Teaser => (
            session.teaser.clone().into(),
            super::teaser(session.style.logo_url.as_deref(), &send),
        ),
        Stage::LoadingOffer => (
            if session.teaser.is_empty() {
                "A thank-you offer".into()
            } else {
                session.teaser.clone().into()
            },
            super::processing("Loading your offer…"),
        ),
        Stage::Offer => {
            let Some(offer) = &state.offer else {
                return html! {};
            };
            (
                offer.headline.clone().into(),
                super::offer(offer, &state.quantities, state.total(), locale, &send),
            )
        }
        Stage::Consent => {
            let Some(offer) = &state.offer else {
                return html! {};
            };
            let card = state.needs_card() && state.in_frame;
            (
                "Confirm your order".into(),
                super::consent(offer, state.total(), locale, card, &send),
            )
        }
        Stage::Processing => (
            "Placing your order".into(),
            super::processing("Placing your order…"),
        ),
        Stage::Confirmed => {
            let Some(receipt) = &state.receipt else {
                return html! {};
            };
            (
                "Thank you".into(),
                super::confirmation(receipt, locale, &send),
            )
        }
        Stage::Failed => (
            "Something went wrong".into(),
            super::failure(state.failure.unwrap_or(Failure::Refused), &send),
        ),
    };
    html! {
        <div class="theme" ref={theme}>
            { super::dialog::dialog(title, session.inline, &dialog, &send, body) }
        </div>
    }
}

/// Focuses the element that had focus before the dialog, once.
fn give_focus_back(before: &RefCell<Option<web_sys::HtmlElement>>) {
    if let Some(element) = before.borrow_mut().take() {
        let _ = element.focus();
    }
}

/// Turns what the customer did into actions and the calls to the hub they need.
fn act(ui: Ui, state: &UseReducerHandle<WidgetState>, session: &Rc<Session>) {
    let dispatch = state.dispatcher();
    match ui {
        Ui::Open => dispatch.dispatch(Action::Open),
        Ui::Back => dispatch.dispatch(Action::Back),
        Ui::Close => dispatch.dispatch(Action::Close),
        Ui::Quantity(index, quantity) => dispatch.dispatch(Action::SetQuantity { index, quantity }),
        Ui::Review => dispatch.dispatch(Action::Review {
            idempotency_key: net::idempotency_key(),
        }),
        Ui::Decline => {
            dispatch.dispatch(Action::Decline);
            let session = session.clone();
            spawn_local(async move { net::decline(&session.hub, &session.opportunity_id).await });
        }
        Ui::Pick(id) => {
            dispatch.dispatch(Action::PickIncentive(id.clone()));
            // The pick travels with the opportunity: the same request again, with it.
            if let Some(mut request) = session.request.clone() {
                request.incentive = Some(id);
                let hub = session.hub.clone();
                spawn_local(async move {
                    let _ = net::create_opportunity(&hub, &request).await;
                });
            }
        }
        Ui::Confirm(card) => {
            // The handle holds the state this render saw: the consent.
            let consent = (**state).clone();
            dispatch.dispatch(Action::Confirm);
            submit(&consent, session, dispatch, card);
        }
        Ui::Retry => {
            let before = (**state).clone();
            dispatch.dispatch(Action::Retry);
            if before.failure == Some(Failure::Unreachable) {
                // Same consent, same Idempotency-Key: charged at most once.
                submit(&before, session, dispatch, None);
            }
        }
    }
}
