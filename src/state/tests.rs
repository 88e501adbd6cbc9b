//! The customer's path through the reducer, step by step, natively.

use std::rc::Rc;

use postsale_protocol::{
    AcceptResponse, CurrencyCode, Disclosure, DisplayStyle, HandoffMode, Offer, OfferItem,
    OrderStatus,
};

use super::*;

fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").expect("USD is a currency")
}

fn offer(mode: HandoffMode) -> Rc<Offer> {
    let item = |sku: &str, price: &str, max| OfferItem {
        sku: sku.into(),
        name: sku.into(),
        image_url: None,
        image_alt: None,
        description: None,
        compare_at_price: None,
        unit_price: price.into(),
        max_quantity: max,
        shipping: None,
        physical: false,
    };
    Rc::new(Offer {
        opportunity_id: "op_1".into(),
        headline: "Protect your camera".into(),
        body: "Two years of cover".into(),
        button: "Add it".into(),
        items: vec![item("CARE-2Y", "49.99", 1), item("CARD-128", "19.50", 3)],
        currency: usd(),
        style: DisplayStyle::default(),
        disclosure: Disclosure {
            mode,
            seller: None,
            text: "Charged to the card you just used.".into(),
            text_sha256: "ab".repeat(32),
        },
        points: 120,
        incentive: None,
        expires_at: 4_000_000_000,
        ship_to: None,
    })
}

fn receipt(status: OrderStatus) -> AcceptResponse {
    AcceptResponse {
        order_id: "ord_9".into(),
        status,
        amount: "49.99".into(),
        currency: usd(),
        points: 120,
        points_balance: Some(740),
        client_secret: None,
    }
}

fn run(state: WidgetState, actions: impl IntoIterator<Item = Action>) -> Rc<WidgetState> {
    actions
        .into_iter()
        .fold(Rc::new(state), |state, action| state.reduce(action))
}

fn at_offer(mode: HandoffMode, in_frame: bool) -> Rc<WidgetState> {
    let start = WidgetState::new(false, !in_frame, in_frame);
    let mut actions = vec![];
    if !in_frame {
        actions.push(Action::Open);
    }
    actions.push(Action::OfferLoaded(offer(mode)));
    run(start, actions)
}

fn review(key: &str) -> Action {
    Action::Review {
        idempotency_key: key.into(),
    }
}

#[test]
fn incentives_come_first_when_the_affiliate_offers_them() {
    let state = WidgetState::new(true, true, false);
    assert_eq!(state.stage, Stage::Incentives);
    let state = run(state, [Action::Open]);
    assert_eq!(state.stage, Stage::Incentives, "no skipping the pick");
    let state = state.reduce(Action::PickIncentive("points".into()));
    assert_eq!(state.stage, Stage::Teaser);
    assert_eq!(state.incentive.as_deref(), Some("points"));
}

#[test]
fn without_incentives_the_teaser_comes_first_and_the_frame_fetches_the_offer() {
    assert_eq!(WidgetState::new(false, true, false).stage, Stage::Teaser);
    assert_eq!(
        WidgetState::new(true, true, true).stage,
        Stage::Incentives,
        "the hub's frame offers the pick too"
    );
    assert_eq!(
        WidgetState::new(false, false, true).stage,
        Stage::LoadingOffer,
        "a frame without its teaser goes to the offer"
    );
}

#[test]
fn opening_the_teaser_loads_the_offer_with_the_first_item_chosen() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false);
    assert_eq!(state.stage, Stage::Offer);
    assert_eq!(state.quantities, vec![1, 0]);
    assert_eq!(state.total().map(|t| t.decimal()).as_deref(), Some("49.99"));
}

#[test]
fn a_failed_offer_can_be_retried() {
    let state = run(WidgetState::default(), [Action::Open, Action::OfferFailed]);
    assert_eq!(state.stage, Stage::Failed);
    assert_eq!(state.failure, Some(Failure::Offer));
    let state = state.reduce(Action::Retry);
    assert_eq!(state.stage, Stage::LoadingOffer);
    assert_eq!(state.failure, None);
}

#[test]
fn quantities_are_clamped_to_the_items_maximum_and_sum_into_the_total() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false).reduce(Action::SetQuantity {
        index: 1,
        quantity: 7,
    });
    assert_eq!(state.quantities, vec![1, 3]);
    assert_eq!(
        state.total().map(|t| t.decimal()).as_deref(),
        Some("108.49")
    );
    let same = state.clone().reduce(Action::SetQuantity {
        index: 9,
        quantity: 1,
    });
    assert_eq!(
        same.quantities,
        vec![1, 3],
        "an unknown index changes nothing"
    );
}

#[test]
fn the_reward_and_shipping_price_the_consent_as_the_hub_does() {
    let mut priced = (*offer(HandoffMode::MerchantOfRecord)).clone();
    priced.items[1].shipping = Some("3.00".into());
    priced.incentive = Some(postsale_protocol::AppliedIncentive {
        id: "ten".into(),
        label: "10% off".into(),
        percent_off: 10,
        ..Default::default()
    });
    let state = run(
        WidgetState::new(false, true, false),
        [Action::Open, Action::OfferLoaded(Rc::new(priced))],
    );
    // The care plan alone ships nothing: 49.99 less 5.00 (4.999 rounded).
    assert_eq!(state.total().map(|t| t.decimal()).as_deref(), Some("44.99"));
    let state = state
        .reduce(Action::SetQuantity {
            index: 1,
            quantity: 2,
        })
        .reduce(review("k1"));
    // 88.99 less 8.90 (8.899 rounded), plus the card's 3.00 shipping.
    let quote = state.quote().expect("a quote");
    assert_eq!(quote.discount.decimal(), "8.90");
    assert_eq!(quote.before().decimal(), "91.99");
    let accept = state.accept_request().expect("an accept");
    assert_eq!(accept.consent.amount, "83.09");
}

#[test]
fn nothing_chosen_cannot_go_on_to_consent() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false)
        .reduce(Action::SetQuantity {
            index: 0,
            quantity: 0,
        })
        .reduce(review("k1"));
    assert_eq!(state.stage, Stage::Offer);
    assert_eq!(state.idempotency_key, None);
}

#[test]
fn the_consent_carries_the_exact_amount_items_and_disclosure_hash() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false)
        .reduce(Action::SetQuantity {
            index: 1,
            quantity: 2,
        })
        .reduce(review("k1"));
    assert_eq!(state.stage, Stage::Consent);
    let accept = state.accept_request().expect("an accept");
    assert_eq!(accept.consent.amount, "88.99");
    assert_eq!(accept.consent.action, CONFIRM_ACTION);
    assert_eq!(accept.consent.disclosure_sha256, "ab".repeat(32));
    assert_eq!(accept.payment_reference, None);
    let chosen: Vec<_> = accept
        .items
        .iter()
        .map(|i| (i.sku.as_str(), i.quantity))
        .collect();
    assert_eq!(chosen, vec![("CARE-2Y", 1), ("CARD-128", 2)]);
}

#[test]
fn a_retry_after_an_unreachable_hub_reuses_the_idempotency_key() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false).reduce(review("key-1"));
    let state = run(
        (*state).clone(),
        [
            Action::Consented("cp_1".into()),
            Action::AcceptFailed(Failure::Unreachable),
        ],
    );
    assert_eq!(state.stage, Stage::Failed);
    assert!(Failure::Unreachable.retryable());
    let state = state.reduce(Action::Retry);
    assert_eq!(state.stage, Stage::Processing);
    assert_eq!(state.idempotency_key.as_deref(), Some("key-1"));
    let accept = state.accept_request().expect("an accept");
    assert_eq!(
        accept.consent.proof.as_deref(),
        Some("cp_1"),
        "the retry sends the same proof"
    );
}

#[test]
fn on_the_merchants_page_only_the_consent_frames_proof_confirms() {
    let state = at_offer(HandoffMode::PaymentReference, false).reduce(review("k"));
    let pressed = state.clone().reduce(Action::Confirm(None));
    assert!(
        Rc::ptr_eq(&pressed, &state),
        "a confirm the page could fake changes nothing"
    );
    let state = state.reduce(Action::Consented("cp_9".into()));
    assert_eq!(state.stage, Stage::Processing);
    let accept = state.accept_request().expect("an accept");
    assert_eq!(accept.consent.proof.as_deref(), Some("cp_9"));
}

#[test]
fn inside_the_hub_frame_the_button_confirms_and_no_proof_is_taken() {
    let state = at_offer(HandoffMode::MerchantOfRecord, true).reduce(review("k"));
    let consented = state.clone().reduce(Action::Consented("cp_x".into()));
    assert!(Rc::ptr_eq(&consented, &state));
    let state = state.reduce(Action::Confirm(None));
    assert_eq!(state.stage, Stage::Processing);
    assert_eq!(
        state.accept_request().expect("an accept").consent.proof,
        None
    );
}

#[test]
fn a_new_consent_needs_a_new_proof() {
    let mut state = (*at_offer(HandoffMode::MerchantOfRecord, false).reduce(review("k1"))).clone();
    // A proof left from an earlier consent (the reducer never keeps one past
    // Back, but a new consent must not trust that).
    state.consent_proof = Some("cp_old".into());
    let again = Rc::new(state).reduce(Action::Back).reduce(review("k2"));
    assert_eq!(again.stage, Stage::Consent);
    assert_eq!(again.consent_proof, None);
}

#[test]
fn going_back_from_consent_drops_the_key_so_a_new_consent_gets_a_new_one() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false)
        .reduce(review("key-1"))
        .reduce(Action::Back);
    assert_eq!(state.stage, Stage::Offer);
    assert_eq!(state.idempotency_key, None);
    let state = state.reduce(review("key-2"));
    assert_eq!(state.idempotency_key.as_deref(), Some("key-2"));
}

#[test]
fn an_accepted_order_is_confirmed_with_its_receipt() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false).reduce(review("k"));
    let state = run(
        (*state).clone(),
        [
            Action::Consented("cp_1".into()),
            Action::Accepted(receipt(OrderStatus::Charged)),
        ],
    );
    assert_eq!(state.stage, Stage::Confirmed);
    assert_eq!(
        state.receipt.as_ref().map(|r| r.order_id.as_str()),
        Some("ord_9")
    );
}

#[test]
fn a_declined_card_may_be_replaced_with_another_under_a_new_key() {
    let state = at_offer(HandoffMode::DirectEntry, true).reduce(review("key-1"));
    let state = run(
        (*state).clone(),
        [
            Action::Confirm(None),
            Action::CardAccepted("pm_1".into()),
            Action::AcceptFailed(Failure::Declined),
        ],
    );
    assert_eq!(state.failure, Some(Failure::CardDeclined));
    assert!(Failure::CardDeclined.retryable());
    let state = state.reduce(Action::Retry);
    assert_eq!(state.stage, Stage::Offer);
    assert_eq!(
        state.idempotency_key, None,
        "the declined key is not reused"
    );
    assert_eq!(state.payment_reference, None, "nor the declined card");
    let state = state.reduce(review("key-2"));
    assert_eq!(state.stage, Stage::Consent);
    assert_eq!(state.idempotency_key.as_deref(), Some("key-2"));
}

#[test]
fn a_declined_payment_is_a_failure_without_retry() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false).reduce(review("k"));
    let state = run(
        (*state).clone(),
        [
            Action::Consented("cp_1".into()),
            Action::Accepted(receipt(OrderStatus::Failed)),
        ],
    );
    assert_eq!(state.stage, Stage::Failed);
    assert_eq!(state.failure, Some(Failure::Declined));
    assert!(!Failure::Declined.retryable());
    assert_eq!(state.clone().reduce(Action::Retry).stage, Stage::Failed);
}

#[test]
fn direct_entry_outside_the_frame_is_refused_before_consent() {
    let state = at_offer(HandoffMode::DirectEntry, false).reduce(review("k"));
    assert_eq!(state.failure, Some(Failure::NeedsFrame));
    assert!(!Failure::NeedsFrame.retryable());
}

#[test]
fn direct_entry_in_the_frame_tokenises_the_card_then_accepts() {
    let state = at_offer(HandoffMode::DirectEntry, true).reduce(review("k"));
    assert_eq!(state.stage, Stage::Consent);
    assert!(state.needs_card());
    let state = run(
        (*state).clone(),
        [Action::Confirm(None), Action::CardRejected, Action::Retry],
    );
    assert_eq!(
        state.stage,
        Stage::Consent,
        "a rejected card goes back to the form"
    );
    assert_eq!(state.idempotency_key.as_deref(), Some("k"));
    let state = run(
        (*state).clone(),
        [
            Action::Confirm(None),
            Action::CardAccepted("pm_ref_1".into()),
        ],
    );
    assert_eq!(state.stage, Stage::Processing);
    let accept = state.accept_request().expect("an accept");
    assert_eq!(accept.payment_reference.as_deref(), Some("pm_ref_1"));
}

#[test]
fn declining_closes_and_remembers_it_was_a_decline() {
    let state = run(WidgetState::default(), [Action::Decline]);
    assert_eq!(state.stage, Stage::Closed);
    assert!(state.declined);
}

#[test]
fn closing_is_ignored_while_the_accept_is_in_flight() {
    let state = at_offer(HandoffMode::MerchantOfRecord, false).reduce(review("k"));
    let state = run(
        (*state).clone(),
        [
            Action::Consented("cp_1".into()),
            Action::Close,
            Action::Decline,
        ],
    );
    assert_eq!(state.stage, Stage::Processing);
}

#[test]
fn late_answers_in_the_wrong_stage_change_nothing() {
    let closed = run(WidgetState::default(), [Action::Close]);
    let after = closed
        .clone()
        .reduce(Action::OfferLoaded(offer(HandoffMode::MerchantOfRecord)))
        .reduce(Action::Accepted(receipt(OrderStatus::Charged)));
    assert_eq!(*after, *closed);
}

#[test]
fn closing_twice_stays_closed() {
    let state = run(WidgetState::default(), [Action::Close, Action::Close]);
    assert_eq!(state.stage, Stage::Closed);
    assert!(!state.declined);
}

#[test]
fn the_first_name_fills_the_offer_copy_and_its_absence_leaves_no_placeholder() {
    let mut copy = (*offer(HandoffMode::MerchantOfRecord)).clone();
    copy.headline = "Thanks {{first_name}}!".into();
    copy.body = "{{first_name}}, {{first_name}}".into();
    copy.button = "Grüße {{first_name} {{first_name}}{{first".into();
    let hub = crate::session::Hub {
        base: "https://hub.example".into(),
        origin: "https://hub.example".into(),
    };
    let mut session = crate::session::Session {
        hub,
        opportunity_id: "op_1".into(),
        teaser: String::new(),
        incentives: Vec::new(),
        points_balance: None,
        earlier: Vec::new(),
        downsell: false,
        style: DisplayStyle::default(),
        locale: None,
        lang: "en".into(),
        labels: postsale_protocol::Labels::default(),
        in_frame: false,
        inline: false,
        request: None,
        first_name: Some("Ada".into()),
    };
    let named = session.personalise(copy.clone());
    assert_eq!(named.headline, "Thanks Ada!");
    assert_eq!(named.body, "Ada, Ada");
    assert_eq!(named.button, "Grüße {{first_name} Ada{{first");
    session.first_name = None;
    assert_eq!(session.personalise(copy).headline, "Thanks !");
}

#[test]
fn a_first_name_is_trimmed_and_a_blank_or_oversized_one_left_out() {
    use crate::session::first_name;
    assert_eq!(first_name("  Zoë \n").as_deref(), Some("Zoë"));
    assert_eq!(first_name(" \t "), None);
    assert_eq!(first_name(&"a".repeat(120)).map(|n| n.len()), Some(120));
    assert_eq!(first_name(&"a".repeat(121)), None);
    // 60 two-byte letters fit, 61 do not: the limit counts bytes.
    assert!(first_name(&"é".repeat(60)).is_some());
    assert_eq!(first_name(&"é".repeat(61)), None);
}
