//! The root component: holds the widget's state (see `state.rs`), runs the
//! side effects the state asks for (HTTP to the hub, events to the page) and
//! picks what to render for the current stage.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use yew::html::Scope;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{Confirming, Ui};
#[cfg(feature = "frame")]
use postsale_protocol::{AcceptResponse, OrderStatus};
use postsale_protocol::{CardEntry, Opportunity};

use crate::js::object;
use crate::net::{self, NetError};
use crate::session::Session;
use crate::state::{Action, Failure, Stage, WidgetState};

/// What the bootstrap hands to the widget when it mounts it.
#[derive(Debug, Clone, Properties)]
pub struct AppProps {
    /// The opportunity to show.
    pub session: Rc<Session>,
}

/// The same session, not an equal one: a session is never changed once
/// made (a follow-up offer makes a new one), and comparing two field by
/// field would put a comparison of every word and reward on the page.
impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session)
    }
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
        NetError::Status(402) => Failure::Declined,
        NetError::Status(status) if (400..500).contains(&status) => Failure::Refused,
        _ => Failure::Unreachable,
    }
}

/// Sends the card (direct entry, first attempt only) and then the accept,
/// with the consent's Idempotency-Key; the outcome comes back as actions.
fn submit(state: &WidgetState, session: &Rc<Session>, link: &Scope<App>, card: Option<CardEntry>) {
    let dispatch = link.callback(Msg::Action);
    let (Some(request), Some(key)) = (state.accept_request(), state.idempotency_key.clone()) else {
        return dispatch.emit(Action::AcceptFailed(Failure::Refused));
    };
    let card = card.filter(|_| state.needs_card() && state.payment_reference.is_none());
    let session = session.clone();
    spawn_local(async move {
        let id = &session.opportunity_id;
        // Only the frame build has a card form to send (see `card_entry.rs`).
        #[cfg(feature = "frame")]
        let request = {
            let mut request = request;
            if let Some(card) = card {
                // The processor's field gives its token; the hub's form, the card.
                let reference = if crate::frame::processor::active() {
                    match crate::frame::processor::token().await {
                        Ok(token) => net::card_token(&session.hub, id, &token).await,
                        Err(_) => Err(NetError::Status(422)),
                    }
                } else {
                    net::card(&session.hub, id, &card).await
                };
                let Ok(reference) = reference else {
                    return dispatch.emit(Action::CardRejected);
                };
                request.payment_reference = Some(reference.clone());
                dispatch.emit(Action::CardAccepted(reference));
            }
            request
        };
        #[cfg(not(feature = "frame"))]
        let _ = card;
        let answer = net::accept(&session.hub, id, &key, &request).await;
        // The card's issuer asks the customer to authenticate: the
        // processor's step, here in the frame, then the same accept again,
        // whose answer is what the processor tells the hub.
        #[cfg(feature = "frame")]
        let answer = match answer {
            Ok(AcceptResponse {
                status: OrderStatus::RequiresAction,
                client_secret: Some(secret),
                ..
            }) => {
                crate::frame::processor::authenticate(&secret).await;
                net::accept(&session.hub, id, &key, &request).await
            }
            other => other,
        };
        // From the pop-up: the customer authenticates in the hub's own page.
        #[cfg(not(feature = "frame"))]
        let answer = match answer {
            Ok(receipt) if receipt.status == postsale_protocol::OrderStatus::RequiresAction => {
                crate::frame::authenticate(&session.hub, id, &session.labels.authenticate).await;
                net::accept(&session.hub, id, &key, &request).await
            }
            other => other,
        };
        match answer {
            Ok(receipt) => dispatch.emit(Action::Accepted(receipt)),
            Err(err) => dispatch.emit(Action::AcceptFailed(accept_failure(err))),
        }
    });
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
            crate::events::emit("accepted", &object(&pairs));
        }
        Stage::Failed => {
            let reason = match state.failure {
                Some(Failure::Offer) => "offer",
                Some(Failure::Declined | Failure::CardDeclined) => "declined",
                Some(Failure::Card) => "card",
                Some(Failure::NeedsFrame) => "needs_frame",
                Some(Failure::Refused) => "refused",
                _ => "unreachable",
            };
            crate::events::emit("error", &object(&[id, ("reason", reason.into())]));
        }
        Stage::Closed => {
            if state.declined {
                crate::events::emit("declined", &object(std::slice::from_ref(&id)));
            }
            crate::events::emit("closed", &object(&[id]));
        }
        _ => {}
    }
}

/// What reaches the widget: the customer's intents from the controls, and
/// the hub's answers as actions for the reducer.
#[derive(Debug)]
pub(crate) enum Msg {
    /// A control was used.
    Ui(Ui),
    /// An answer came back from the hub.
    Action(Action),
    /// A second passed: the offer's countdown moves.
    Tick,
    /// The offer that follows the accepted opportunity (its id), if any.
    Next(String, Option<Opportunity>),
    /// The opportunity (its id) is declined; the downsell, if any.
    Declined(String, Option<Opportunity>),
}

/// The widget's root component.
///
/// A struct component rather than a `#[function_component]` with hooks: it is
/// the only component (every step is a plain function returning `Html`), and
/// without hooks none of Yew's hook machinery (`use_reducer`, `use_effect_with`,
/// `use_node_ref`) is in the wasm, 2.2 KB brotli of it here, measured. The reducer
/// stays the pure `WidgetState::reduce`; `rendered` runs a stage's side effects
/// once per stage entered, as `use_effect_with(stage)` did.
#[derive(Debug)]
pub(crate) struct App {
    /// The opportunity shown: the props' first, then each follow-up.
    session: Rc<Session>,
    state: Rc<WidgetState>,
    /// Once an accept is confirmed: the offer that follows it.
    next: Option<Opportunity>,
    /// A decline is waiting to hear whether a downsell follows.
    declining: bool,
    /// The themed root, inside the shadow root.
    theme: NodeRef,
    /// The dialog that focus moves into on every step.
    dialog: NodeRef,
    /// Where focus was before the dialog; it goes back there when the dialog goes.
    before: Option<web_sys::HtmlElement>,
    /// The stage whose side effects have run.
    entered: Option<Stage>,
    /// Unix seconds, by the browser's clock, as of the last tick.
    now: i64,
    /// The interval that ticks each second, and its callback.
    clock: Option<(i32, Closure<dyn Fn()>)>,
    /// The hub's consent frame of the consent step (merchant-page build).
    #[cfg(not(feature = "frame"))]
    consent_frame: NodeRef,
    /// While the consent step shows it: the listener for its message.
    #[cfg(not(feature = "frame"))]
    consent_listener: Option<Closure<dyn Fn(web_sys::MessageEvent)>>,
}

#[cfg(not(feature = "frame"))]
/// The consent frame's address: the chosen items (the hub prices them and
/// shows the amount on its own button) and, in the fragment the hub never
/// receives, this page's origin, the only one the frame posts to.
fn consent_src(state: &WidgetState, session: &Session) -> String {
    let items = state
        .offer
        .iter()
        .flat_map(|offer| offer.items.iter().zip(&state.quantities))
        .filter(|(_, q)| **q > 0)
        .map(|(item, q)| {
            [
                item.sku.as_str(),
                ":",
                &crate::format::number(u64::from(*q)),
            ]
            .concat()
        })
        .collect::<Vec<_>>()
        .join(",");
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let tail = [
        "/consent?items=",
        &String::from(js_sys::encode_uri_component(&items)),
        "#origin=",
        &String::from(js_sys::encode_uri_component(&origin)),
    ]
    .concat();
    session.hub.opportunity_url(&session.opportunity_id, &tail)
}

impl App {
    /// Runs `action` through the reducer; whether the state changed.
    fn apply(&mut self, action: Action) -> bool {
        let next = self.state.clone().reduce(action);
        let changed = !Rc::ptr_eq(&next, &self.state);
        self.state = next;
        changed
    }

    #[cfg(not(feature = "frame"))]
    /// Listens for the consent frame's proof: only a trusted message, from
    /// the hub's origin, whose source is this consent frame, counts. A page
    /// can dispatch a look-alike event, but not a trusted one from that frame.
    fn listen_for_consent(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        let frame = self.consent_frame.clone();
        let dialog = self.dialog.clone();
        let hub_origin = self.session.hub.origin.clone();
        let listener =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(iframe) = frame.cast::<web_sys::HtmlIFrameElement>() else {
                    return;
                };
                if !crate::frame::from_frame(&event, &hub_origin, &iframe) {
                    return;
                }
                let data = event.data();
                let field = |key: &str| crate::js::string(&data, key);
                match (field("postsale").as_deref(), field("key").as_deref()) {
                    (Some("consent"), _) => {
                        if let Some(proof) = field("proof") {
                            link.send_message(Msg::Ui(Ui::Consented(proof)));
                        }
                    }
                    (Some("key"), Some("Escape")) => link.send_message(Msg::Ui(Ui::Close)),
                    (Some("key"), Some(key @ ("Tab" | "ShiftTab"))) => {
                        super::dialog::step_focus(&dialog, &iframe, key == "Tab");
                    }
                    _ => {}
                }
            });
        if let Some(window) = web_sys::window() {
            let _ = window
                .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        }
        self.consent_listener = Some(listener);
    }

    #[cfg(not(feature = "frame"))]
    fn stop_listening_for_consent(&mut self) {
        if let (Some(listener), Some(window)) = (self.consent_listener.take(), web_sys::window()) {
            let _ = window
                .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        }
    }

    /// The side effects of entering the current stage.
    fn enter(&mut self, ctx: &Context<Self>) {
        #[cfg(not(feature = "frame"))]
        self.stop_listening_for_consent();
        // Focus goes to the consent frame (the step's first control), which
        // hands it on to its button.
        #[cfg(not(feature = "frame"))]
        if self.state.stage == Stage::Consent {
            self.listen_for_consent(ctx);
        }
        let state = &self.state;
        let session = &self.session.clone();
        announce(state, session);
        // The affiliate's look: the opportunity's, then the offer's (which
        // only arrives with a new stage).
        if let Some(root) = self.theme.cast::<web_sys::HtmlElement>() {
            let style = state.offer.as_ref().map_or(&session.style, |o| &o.style);
            crate::theme::apply(&root, style);
        }
        super::dialog::enter_step(&self.dialog, session.shown_inline());
        match state.stage {
            Stage::LoadingOffer => {
                let link = ctx.link().clone();
                let session = session.clone();
                spawn_local(async move {
                    let action = match net::offer(&session.hub, &session.opportunity_id).await {
                        Ok(offer) => Action::OfferLoaded(Rc::new(session.personalise(offer))),
                        // Withdrawn since it was shown (its merchant, code
                        // or template is gone): nothing to show, no error.
                        Err(NetError::Status(410)) => Action::Close,
                        Err(_) => Action::OfferFailed,
                    };
                    link.send_message(Msg::Action(action));
                });
            }
            Stage::Confirmed => {
                // What follows the accept, asked once it is confirmed.
                let link = ctx.link().clone();
                let session = session.clone();
                spawn_local(async move {
                    let id = session.opportunity_id.clone();
                    let next = net::next(&session.hub, &id).await.ok().flatten();
                    link.send_message(Msg::Next(id, next));
                });
            }
            Stage::Closed => {
                give_focus_back(&mut self.before);
                if !session.in_frame {
                    // Leave the page as it was: take our host element away.
                    let host = self
                        .theme
                        .get()
                        .map(|n| n.get_root_node())
                        .and_then(|r| wasm_bindgen::JsCast::dyn_into::<web_sys::ShadowRoot>(r).ok())
                        .map(|shadow| shadow.host());
                    if let Some(host) = host {
                        host.remove();
                    }
                }
            }
            _ => {}
        }
    }

    /// Shows `next`, the offer that follows this one: in the pop-up, as a
    /// new session in the same dialog; in the hub's frame, as the frame
    /// page of that opportunity (its own token comes with it).
    fn follow(&mut self, ctx: &Context<Self>, next: Opportunity) -> bool {
        #[cfg(feature = "frame")]
        {
            let _ = ctx;
            let url = self.session.hub.opportunity_url(&next.id, "/frame");
            if let Some(location) = web_sys::window().map(|w| w.location()) {
                let hash = location.hash().unwrap_or_default();
                let _ = location.replace(&[url.as_str(), &hash].concat());
            }
            false
        }
        #[cfg(not(feature = "frame"))]
        {
            let session = Rc::new(self.session.following(next));
            self.state = Rc::new(WidgetState::new(
                !session.incentives.is_empty(),
                true,
                false,
            ));
            let id = session.opportunity_id.as_str();
            crate::events::emit("shown", &object(&[("opportunity_id", id.into())]));
            self.session = session;
            self.next = None;
            self.declining = false;
            self.entered = None;
            let _ = ctx;
            true
        }
    }

    /// Turns what the customer did into actions and the calls to the hub they need.
    fn act(&mut self, ctx: &Context<Self>, ui: Ui) -> bool {
        let session = &self.session.clone();
        match ui {
            Ui::Open => self.apply(Action::Open),
            Ui::Back => self.apply(Action::Back),
            Ui::Close => self.apply(Action::Close),
            Ui::Quantity(index, quantity) => self.apply(Action::SetQuantity { index, quantity }),
            Ui::Review => self.apply(Action::Review {
                idempotency_key: net::idempotency_key(),
            }),
            // Where a downsell may follow, the widget asks before it
            // closes; elsewhere it closes at once.
            Ui::Decline if session.downsell => {
                if !self.declining {
                    self.declining = true;
                    let link = ctx.link().clone();
                    let session = session.clone();
                    spawn_local(async move {
                        let id = session.opportunity_id.clone();
                        net::decline(&session.hub, &id).await;
                        let next = net::next(&session.hub, &id).await.ok().flatten();
                        link.send_message(Msg::Declined(id, next));
                    });
                }
                false
            }
            Ui::Decline => {
                let changed = self.apply(Action::Decline);
                if changed {
                    let session = session.clone();
                    spawn_local(async move {
                        net::decline(&session.hub, &session.opportunity_id).await
                    });
                }
                changed
            }
            Ui::Follow => match self.next.take() {
                Some(next) => self.follow(ctx, next),
                None => false,
            },
            // The pick is stored first, so that the offer fetched next is
            // priced with it: the pop-up sends the purchase again with it,
            // the hub's frame (which has no ticket) posts it. A pick the hub
            // did not store leaves the choice on screen, to pick again.
            Ui::Pick(id) => {
                let link = ctx.link().clone();
                let session = session.clone();
                spawn_local(async move {
                    #[cfg(feature = "frame")]
                    let stored = net::pick(&session.hub, &session.opportunity_id, &id)
                        .await
                        .is_ok();
                    #[cfg(not(feature = "frame"))]
                    let stored = match session.request.clone() {
                        Some(mut request) => {
                            request.incentive = Some(id.clone());
                            net::create_opportunity(&session.hub, &request, &JsValue::UNDEFINED)
                                .await
                                .is_ok()
                        }
                        None => true,
                    };
                    if stored {
                        link.send_message(Msg::Action(Action::PickIncentive(id)));
                    }
                });
                false
            }
            #[cfg(feature = "frame")]
            Ui::Confirm(card, ship_to) => {
                // Only the click that moves the consent on sends it: a second
                // click before the next render finds the state moved on.
                let changed = self.apply(Action::Confirm(ship_to));
                if changed {
                    submit(&self.state, session, ctx.link(), card);
                }
                changed
            }
            #[cfg(not(feature = "frame"))]
            Ui::Consented(proof) => {
                let changed = self.apply(Action::Consented(proof));
                if changed {
                    submit(&self.state, session, ctx.link(), None);
                }
                changed
            }
            Ui::Retry => {
                let retried = self.state.failure == Some(Failure::Unreachable);
                let changed = self.apply(Action::Retry);
                if changed && retried {
                    // Same consent, same Idempotency-Key: charged at most once.
                    submit(&self.state, session, ctx.link(), None);
                }
                changed
            }
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let session = &ctx.props().session;
        Self {
            session: session.clone(),
            next: None,
            declining: false,
            state: Rc::new(WidgetState::new(
                !session.incentives.is_empty(),
                !session.teaser.is_empty() || !session.in_frame,
                session.in_frame,
            )),
            theme: NodeRef::default(),
            dialog: NodeRef::default(),
            before: super::dialog::focused_before(session.shown_inline()),
            entered: None,
            now: unix_now(),
            clock: start_clock(ctx),
            #[cfg(not(feature = "frame"))]
            consent_frame: NodeRef::default(),
            #[cfg(not(feature = "frame"))]
            consent_listener: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Ui(ui) => self.act(ctx, ui),
            Msg::Action(action) => self.apply(action),
            Msg::Tick => {
                self.now = unix_now();
                // Only a step that shows the countdown renders again.
                matches!(self.state.stage, Stage::Offer | Stage::Consent)
            }
            // Answers about an opportunity no longer shown change nothing.
            Msg::Next(id, next) if id == self.session.opportunity_id => {
                self.next = next;
                self.state.stage == Stage::Confirmed && self.next.is_some()
            }
            Msg::Declined(id, next) if id == self.session.opportunity_id => {
                self.declining = false;
                match next {
                    Some(next) => {
                        let id = ("opportunity_id", JsValue::from_str(&id));
                        crate::events::emit("declined", &object(&[id]));
                        self.follow(ctx, next)
                    }
                    // The decline was sent already: this only closes.
                    None => self.apply(Action::Decline),
                }
            }
            Msg::Next(..) | Msg::Declined(..) => false,
        }
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if first_render {
            let id = self.session.opportunity_id.as_str();
            crate::events::emit("shown", &object(&[("opportunity_id", id.into())]));
        }
        if self.entered != Some(self.state.stage) {
            self.entered = Some(self.state.stage);
            self.enter(ctx);
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let (Some((id, _)), Some(window)) = (self.clock.take(), web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
        #[cfg(not(feature = "frame"))]
        self.stop_listening_for_consent();
        give_focus_back(&mut self.before);
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let session = &self.session;
        let state = &self.state;
        let send = ctx.link().callback(Msg::Ui);
        let theme = self.theme.clone();
        let locale = Some(session.number_locale());
        let words = &session.labels;
        let (title, body): (AttrValue, Html) = match state.stage {
            Stage::Closed => return html! { <div class="theme" ref={theme}></div> },
            Stage::Incentives => (
                words.choose_title.clone().into(),
                super::incentives(
                    &session.incentives,
                    session.points_balance,
                    words,
                    locale,
                    &send,
                ),
            ),
            Stage::Teaser => (
                session.teaser.clone().into(),
                super::teaser(session.style.logo_url.as_deref(), words, &send),
            ),
            Stage::LoadingOffer => (
                if session.teaser.is_empty() {
                    words.offer_title.clone().into()
                } else {
                    session.teaser.clone().into()
                },
                super::processing(&words.loading),
            ),
            Stage::Offer => {
                let Some(offer) = &state.offer else {
                    return html! {};
                };
                (
                    offer.headline.clone().into(),
                    super::offer(
                        offer,
                        &state.quantities,
                        state.quote(),
                        words,
                        locale,
                        &send,
                    ),
                )
            }
            Stage::Consent => {
                let Some(offer) = &state.offer else {
                    return html! {};
                };
                #[cfg(feature = "frame")]
                let confirming = Confirming::Here {
                    card: state.needs_card(),
                    ship_to: state.ships().then(|| offer.ship_to.clone()),
                };
                #[cfg(not(feature = "frame"))]
                let confirming = Confirming::ConsentFrame {
                    src: consent_src(state, session),
                    node: self.consent_frame.clone(),
                };
                (
                    words.confirm_title.clone().into(),
                    super::consent(offer, state.total(), words, locale, confirming, &send),
                )
            }
            Stage::Processing => (
                words.placing_title.clone().into(),
                super::processing(&words.placing),
            ),
            Stage::Confirmed => {
                let Some(receipt) = &state.receipt else {
                    return html! {};
                };
                let spent = state
                    .offer
                    .as_ref()
                    .and_then(|o| o.incentive.as_ref())
                    .map_or(0, |i| i.redeem_points);
                (
                    words.thanks_title.clone().into(),
                    super::confirmation(
                        &super::Receipt {
                            receipt,
                            spent,
                            earlier: &session.earlier,
                            next: self.next.as_ref().map(|n| n.teaser.as_str()),
                        },
                        words,
                        locale,
                        &send,
                    ),
                )
            }
            Stage::Failed => (
                words.failed_title.clone().into(),
                super::failure(state.failure.unwrap_or(Failure::Refused), words, &send),
            ),
        };
        // The offer and its consent show when they end.
        let body = match (&state.offer, state.stage) {
            (Some(offer), Stage::Offer | Stage::Consent) => {
                html! { <>{ body }{ super::deadline(offer.expires_at, self.now, words) }</> }
            }
            _ => body,
        };
        html! {
            <div class="theme" ref={theme}>
                { super::dialog::dialog(title, session, &self.dialog, &send, body) }
            </div>
        }
    }
}

/// Unix seconds by the browser's clock.
fn unix_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Ticks `Msg::Tick` into the component every second, until destroyed.
fn start_clock(ctx: &Context<App>) -> Option<(i32, Closure<dyn Fn()>)> {
    let link = ctx.link().clone();
    let tick = Closure::<dyn Fn()>::new(move || link.send_message(Msg::Tick));
    let id = web_sys::window()?
        .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000)
        .ok()?;
    Some((id, tick))
}

/// Focuses the element that had focus before the dialog, once.
fn give_focus_back(before: &mut Option<web_sys::HtmlElement>) {
    if let Some(element) = before.take() {
        crate::js::focus(&element);
    }
}
