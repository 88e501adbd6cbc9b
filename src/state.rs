//! Every state transition of the widget, as one pure reducer. Components only
//! dispatch [`Action`]s; this file decides what happens, and is tested natively,
//! without a browser. Side effects (HTTP, events) live in the components and
//! feed their outcome back in as actions. A transition that makes no sense in
//! the current stage (a double click, a late answer) is ignored, never a panic.

use std::rc::Rc;

use postsale_protocol::{
    AcceptRequest, AcceptResponse, Address, ChosenItem, Consent, HandoffMode, Money, Offer,
    OrderStatus, PricedLine, Quote,
};
use yew::Reducible;

/// The user action recorded in the consent receipt.
pub const CONFIRM_ACTION: &str = "confirm_button";

/// Where the customer is on the path from opportunity to confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The affiliate offers thank-you rewards; the customer picks one first.
    Incentives,
    /// The post-sale opportunity's invitation is on screen.
    Teaser,
    /// The offer is being fetched from the hub.
    LoadingOffer,
    /// The offer's items, quantities and total are on screen.
    Offer,
    /// The exact amount and the disclosure, with a separate confirm button
    /// (in the hub's frame) or the hub's consent frame (in the pop-up).
    Consent,
    /// The accept (and, in the frame, the card) is on its way to the hub.
    Processing,
    /// The hub took the order.
    Confirmed,
    /// Something went wrong; see [`WidgetState::failure`].
    Failed,
    /// The customer closed or declined; nothing is shown any more.
    Closed,
}

/// What went wrong, in the words the customer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The offer could not be fetched. Retrying fetches it again.
    Offer,
    /// The accept got no clear answer (network, timeout, 5xx). Retrying sends
    /// the same accept with the same Idempotency-Key, so it charges at most once.
    Unreachable,
    /// The hub refused the accept (expired, already used): retrying cannot help.
    Refused,
    /// The payment was declined; the same key would get the same answer.
    Declined,
    /// The card typed in the hub's frame was declined: nothing moved, and
    /// another card may be tried (a new consent, a new key).
    CardDeclined,
    /// The card was not accepted; retrying goes back to the card fields.
    Card,
    /// This offer needs the card form, which exists only in the hub's frame.
    NeedsFrame,
}

impl Failure {
    /// Whether a retry button makes sense.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Offer | Self::Unreachable | Self::Card | Self::CardDeclined
        )
    }
}

/// Something that happened to the widget.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The customer picked an incentive (its id).
    PickIncentive(String),
    /// The customer wants to see the offer.
    Open,
    /// The offer arrived.
    OfferLoaded(Rc<Offer>),
    /// The offer could not be fetched.
    OfferFailed,
    /// The customer changed how many of one offered item they take.
    SetQuantity {
        /// Index into the offer's items.
        index: usize,
        /// The new quantity; clamped to the item's maximum.
        quantity: u32,
    },
    /// The customer goes on to the consent step; the key is fresh for this consent.
    Review {
        /// The Idempotency-Key every attempt of this consent's accept carries.
        idempotency_key: String,
    },
    /// Back from the consent step to the offer.
    Back,
    /// The customer pressed the confirm button inside the hub's frame (the
    /// IFRAME presentation), where the merchant's page cannot reach; with
    /// where to ship, when asked.
    Confirm(Option<Address>),
    /// The hub's consent frame in the pop-up says the customer pressed its
    /// button: the single-use proof the accept carries.
    Consented(String),
    /// The hub tokenised the card (frame, direct entry): its payment reference.
    CardAccepted(String),
    /// The hub did not take the card.
    CardRejected,
    /// The hub answered the accept.
    Accepted(AcceptResponse),
    /// The accept failed.
    AcceptFailed(Failure),
    /// The customer pressed retry.
    Retry,
    /// The customer said no thanks.
    Decline,
    /// The customer closed the widget.
    Close,
}

/// The widget's whole state.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetState {
    /// The current stage.
    pub stage: Stage,
    /// Whether the widget runs inside the hub-origin frame (card entry allowed).
    pub in_frame: bool,
    /// The incentive the customer picked.
    pub incentive: Option<String>,
    /// The offer, once fetched.
    pub offer: Option<Rc<Offer>>,
    /// How many of each offered item the customer takes, by index.
    pub quantities: Vec<u32>,
    /// The Idempotency-Key of the current consent; reused by every retry.
    pub idempotency_key: Option<String>,
    /// The gateway's reference for this consent's card, once tokenised.
    pub payment_reference: Option<String>,
    /// The consent frame's proof of the customer's click (pop-up only).
    pub consent_proof: Option<String>,
    /// Where the customer had a shipped item go (the hub's frame only).
    pub ship_to: Option<Address>,
    /// The hub's answer to the accept.
    pub receipt: Option<AcceptResponse>,
    /// Why the widget is in [`Stage::Failed`].
    pub failure: Option<Failure>,
    /// Whether the customer closed by declining.
    pub declined: bool,
}

impl Default for WidgetState {
    fn default() -> Self {
        Self::new(false, true, false)
    }
}

impl WidgetState {
    /// The first state: the incentive chooser when there are incentives, else
    /// the teaser, in the pop-up and the hub's frame alike; a frame that could
    /// not read its teaser fetches the offer at once.
    pub fn new(has_incentives: bool, has_teaser: bool, in_frame: bool) -> Self {
        let stage = if has_incentives {
            Stage::Incentives
        } else if has_teaser {
            Stage::Teaser
        } else {
            Stage::LoadingOffer
        };
        Self {
            stage,
            in_frame,
            incentive: None,
            offer: None,
            quantities: Vec::new(),
            idempotency_key: None,
            payment_reference: None,
            consent_proof: None,
            ship_to: None,
            receipt: None,
            failure: None,
            declined: false,
        }
    }

    /// What the chosen items cost with the offer's reward, as the hub
    /// computes it, or `None` when a price is unreadable.
    pub fn quote(&self) -> Option<Quote> {
        let offer = self.offer.as_ref()?;
        let currency = offer.currency;
        let mut lines = Vec::new();
        for (item, &quantity) in offer.items.iter().zip(&self.quantities) {
            if quantity > 0 {
                lines.push(PricedLine {
                    unit: Money::parse(&item.unit_price, currency).ok()?,
                    quantity,
                    shipping: Money::parse(item.shipping.as_deref().unwrap_or("0"), currency)
                        .ok()?,
                });
            }
        }
        postsale_protocol::quote(lines, currency, offer.incentive.as_ref())
    }

    /// The amount to pay for the chosen items, or `None` when a price is
    /// unreadable.
    pub fn total(&self) -> Option<Money> {
        self.quote().map(|q| q.total)
    }

    /// How a declined payment is told: a typed card may be replaced.
    fn declined_failure(&self) -> Failure {
        if self.needs_card() {
            Failure::CardDeclined
        } else {
            Failure::Declined
        }
    }

    /// Whether the chosen items are shipped and the customer says where:
    /// with direct entry, in the hub's frame.
    pub fn ships(&self) -> bool {
        self.needs_card()
            && self.offer.as_ref().is_some_and(|offer| {
                offer
                    .items
                    .iter()
                    .zip(&self.quantities)
                    .any(|(item, &quantity)| item.physical && quantity > 0)
            })
    }

    /// Whether the offer needs the card form (direct entry).
    pub fn needs_card(&self) -> bool {
        self.offer
            .as_ref()
            .is_some_and(|o| o.disclosure.mode == HandoffMode::DirectEntry)
    }

    /// The accept for the current consent.
    pub fn accept_request(&self) -> Option<AcceptRequest> {
        let offer = self.offer.as_ref()?;
        let amount = self.total()?;
        let items = offer
            .items
            .iter()
            .zip(&self.quantities)
            .filter(|(_, q)| **q > 0)
            .map(|(item, &quantity)| ChosenItem {
                sku: item.sku.clone(),
                quantity,
            })
            .collect();
        Some(AcceptRequest {
            items,
            consent: Consent {
                disclosure_sha256: offer.disclosure.text_sha256.clone(),
                action: CONFIRM_ACTION.into(),
                amount: crate::format::decimal(&amount),
                proof: self.consent_proof.clone(),
            },
            payment_reference: self.payment_reference.clone(),
            ship_to: self.ship_to.clone(),
        })
    }

    /// Moves on to `stage`, leaving any failure behind.
    fn go(&mut self, stage: Stage) {
        self.stage = stage;
        self.failure = None;
    }

    fn fail(&mut self, failure: Failure) {
        self.stage = Stage::Failed;
        self.failure = Some(failure);
    }
}

impl Reducible for WidgetState {
    type Action = Action;

    /// One copy of the state, changed in place by the arm that applies: a
    /// whole new state built per arm cost the wasm a copy of every field each
    /// time. An action that does not apply returns the state unchanged (the
    /// same `Rc`, so nothing renders again).
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        use Stage as S;
        let mut next = (*self).clone();
        match (self.stage, action) {
            (S::Incentives, Action::PickIncentive(id)) => {
                next.incentive = Some(id);
                next.go(S::Teaser);
            }
            (S::Teaser, Action::Open) => next.go(S::LoadingOffer),
            (S::LoadingOffer, Action::OfferLoaded(offer)) => {
                next.quantities = offer
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| u32::from(i == 0).min(item.max_quantity))
                    .collect();
                next.offer = Some(offer);
                next.go(S::Offer);
            }
            (S::LoadingOffer, Action::OfferFailed) => next.fail(Failure::Offer),
            (S::Offer, Action::SetQuantity { index, quantity }) => {
                let Some(max) = self
                    .offer
                    .as_ref()
                    .and_then(|o| o.items.get(index))
                    .map(|item| item.max_quantity)
                else {
                    return self;
                };
                if let Some(q) = next.quantities.get_mut(index) {
                    *q = quantity.min(max);
                }
            }
            (S::Offer, Action::Review { idempotency_key }) => {
                if self.total().is_none_or(|t| t.minor() <= 0) {
                    return self;
                }
                if self.needs_card() && !self.in_frame {
                    next.fail(Failure::NeedsFrame);
                } else {
                    next.idempotency_key = Some(idempotency_key);
                    next.payment_reference = None;
                    next.consent_proof = None;
                    next.go(S::Consent);
                }
            }
            (S::Consent, Action::Back) => {
                next.idempotency_key = None;
                next.go(S::Offer);
            }
            // Only inside the hub's frame is the widget's own button the
            // confirming click; on the merchant's page it is the consent
            // frame's, which the page cannot press.
            (S::Consent, Action::Confirm(ship_to)) if self.in_frame => {
                next.ship_to = ship_to;
                next.go(S::Processing);
            }
            (S::Consent, Action::Consented(proof)) if !self.in_frame => {
                next.consent_proof = Some(proof);
                next.go(S::Processing);
            }
            (S::Processing, Action::CardAccepted(reference)) => {
                next.payment_reference = Some(reference);
            }
            (S::Processing, Action::CardRejected) => next.fail(Failure::Card),
            (S::Processing, Action::Accepted(receipt)) => {
                if receipt.status == OrderStatus::Failed {
                    next.fail(self.declined_failure());
                } else {
                    next.go(S::Confirmed);
                }
                next.receipt = Some(receipt);
            }
            (S::Processing, Action::AcceptFailed(Failure::Declined)) => {
                next.fail(self.declined_failure());
            }
            (S::Processing, Action::AcceptFailed(failure)) => next.fail(failure),
            (S::Failed, Action::Retry) => match self.failure {
                Some(Failure::Offer) => next.go(S::LoadingOffer),
                Some(Failure::Unreachable) => next.go(S::Processing),
                Some(Failure::Card) => next.go(S::Consent),
                // Another card is another consent: back to the offer, and a
                // new key when the customer reviews it again.
                Some(Failure::CardDeclined) => {
                    next.idempotency_key = None;
                    next.payment_reference = None;
                    next.go(S::Offer);
                }
                _ => return self,
            },
            (S::Incentives | S::Teaser | S::Offer | S::Consent, Action::Decline) => {
                next.declined = true;
                next.go(S::Closed);
            }
            // Closing while the accept is in flight would hide its outcome.
            (S::Processing, Action::Close) => return self,
            (_, Action::Close) => next.go(S::Closed),
            _ => return self,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests;
