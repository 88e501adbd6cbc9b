//! Settling an accepted order: move the money as the handoff mode says, then
//! in one transaction record the outcome, the loyalty points, the upseller's
//! webhook and the answer the accept's idempotency key will replay. An order
//! left `pending` by a hub that died mid-way is settled again by the
//! reconciler; the gateway's and the affiliate's idempotency on the order id
//! make that second attempt charge nothing new.

use postsale_protocol::{
    AcceptResponse, HandoffItem, HandoffMode, HandoffRequest, HandoffResponse, Money, OrderStatus,
    ValidatorClaims, mint_validator,
};
use serde_json::json;

use crate::{
    db::Db,
    domain::PointsEntryKind as EntryKind,
    domain::{EventKind, OpportunityStatus},
    failure::Failure,
    gateway, handoff,
    ids::{new_id, now},
    registry::{
        Merchant, agreements,
        keys::{self, Purpose},
        merchant,
        trust::{self, Permit},
    },
    settlements,
    state::AppState,
    store::{
        self, events,
        plan::{Done, Plan},
        points,
    },
};

/// How long a minted validator lives.
const VALIDATOR_LIFETIME_SECS: i64 = 5 * 60;

/// An order stored as `pending`, with all settlement needs.
#[derive(Debug, Clone)]
pub(crate) struct PendingOrder {
    pub(crate) id: String,
    pub(crate) opportunity_id: String,
    pub(crate) affiliate_id: String,
    pub(crate) upseller_id: String,
    pub(crate) reason_code: String,
    pub(crate) customer_token: String,
    pub(crate) affiliate_order_id: String,
    pub(crate) ticket_nonce: String,
    pub(crate) mode: HandoffMode,
    pub(crate) items: Vec<HandoffItem>,
    /// What is charged: the items, less the reward's discount, plus shipping.
    pub(crate) amount: Money,
    pub(crate) breakdown: Breakdown,
    /// Points the customer earns when it is paid.
    pub(crate) points: u32,
    /// Points the customer spent on its reward (taken at the accept; given
    /// back if the charge is declined).
    pub(crate) redeemed_points: u32,
    /// `direct_entry`: where the customer had it shipped.
    pub(crate) ship_to: Option<postsale_protocol::Address>,
    pub(crate) payment_reference: Option<String>,
    /// Settled before, by this or another hub, which may have moved money:
    /// ask what became of it first, and only a definitive answer fails it.
    pub(crate) resumed: bool,
    /// How often its outcome was asked about already.
    pub(crate) confirm_attempts: i64,
}

/// How an order's amount came about, beside the items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Breakdown {
    /// Taken off the items by the customer's reward, in minor units.
    pub(crate) discount_minor: i64,
    /// The shipping fee charged, in minor units.
    pub(crate) shipping_minor: i64,
    /// The incentive the order was priced with.
    pub(crate) incentive: Option<String>,
}

impl Breakdown {
    /// The breakdown of `quote`, priced with `incentive`.
    pub(crate) fn of(quote: &postsale_protocol::Quote, incentive: Option<&str>) -> Self {
        Self {
            discount_minor: quote.discount.minor(),
            shipping_minor: quote.shipping_charged().minor(),
            incentive: incentive.map(str::to_owned),
        }
    }

    /// `minor` in the order's currency as a decimal string, when it is not zero.
    fn shown(minor: i64, order: &PendingOrder) -> Option<String> {
        (minor > 0)
            .then(|| Money::from_minor(minor, order.amount.currency()).ok())
            .flatten()
            .map(|m| m.decimal())
    }
}

/// How settlement ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Charged {
        charge_id: String,
        ship_to: Option<serde_json::Value>,
        customer: Option<serde_json::Value>,
    },
    /// Nothing was paid because the hub could not go on (a check, a
    /// connection): definitive only for a first attempt.
    Failed(String),
    /// Whoever moves the money said no for this order: definitive.
    Declined(String),
    /// The money may have moved; nobody said. Asked again later.
    Unknown(String),
    /// The card's issuer asks the customer to authenticate (3-D Secure):
    /// the processor's secret for the payment, for the hub's frame. Nothing
    /// moved yet; asked again when the accept is sent again, or later.
    Authenticate(String),
}

impl Outcome {
    /// The outcome's name, as the metrics count it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Charged { .. } => "charged",
            Self::Failed(_) => "failed",
            Self::Declined(_) => "declined",
            Self::Unknown(_) => "unknown",
            Self::Authenticate(_) => "requires_action",
        }
    }
}

/// The stored answer for the accept: HTTP status and body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// The order's two merchants as stored (where the money and the customer's
/// data go) and who may sell for whom, read from the database, never the
/// cache, once per payment: by the accept right before it writes the
/// pending order, or by [`settle`] when it resumes one.
#[derive(Debug, Clone)]
pub(crate) struct Parties {
    pub(crate) affiliate: Merchant,
    pub(crate) upseller: Merchant,
    pub(crate) permit: Permit,
}

/// The [`Parties`] of a payment, or why the payment cannot go on.
pub(crate) async fn parties(
    db: &Db,
    affiliate: &str,
    upseller: &str,
    mode: HandoffMode,
) -> Result<Result<Parties, String>, Failure> {
    let (affiliate, upseller, permit) = tokio::try_join!(
        merchant::by_id_stored(db, affiliate),
        merchant::by_id_stored(db, upseller),
        trust::permit(db, affiliate, upseller, mode),
    )?;
    let (Some(affiliate), Some(upseller)) = (affiliate, upseller) else {
        return Ok(Err("a merchant of this order no longer exists".into()));
    };
    Ok(match permit {
        Ok(permit) => Ok(Parties {
            affiliate,
            upseller,
            permit,
        }),
        Err(refusal) => Err(refusal.to_string()),
    })
}

/// Moves the money for a pending order and records the outcome. `checked`
/// are the parties the accept read for it; without them (an order resumed
/// later) they are read again now.
pub(crate) async fn settle(
    state: &AppState,
    order: &PendingOrder,
    checked: Option<Parties>,
) -> Result<Answer, Failure> {
    let parties = match checked {
        Some(parties) => Ok(parties),
        None => {
            parties(
                &state.db,
                &order.affiliate_id,
                &order.upseller_id,
                order.mode,
            )
            .await?
        }
    };
    let outcome = match &parties {
        // An agreement withdrawn or an affiliation revoked since the accept
        // stops the money here.
        Err(why) => Outcome::Failed(why.clone()),
        Ok(parties) => pay(state, order, parties).await?,
    };
    let outcome = match outcome {
        // A hub that settled this order before may have moved money: that
        // the hub cannot go on now says nothing about it.
        Outcome::Failed(why) if order.resumed => {
            Outcome::Unknown(format!("{why}; what an earlier attempt did is not known"))
        }
        outcome => outcome,
    };
    state.metrics.charge(order.mode.as_str(), outcome.kind());
    if state.crash_after_charge {
        // Fault injection for the crash test: die between charge and commit.
        tracing::error!(order = %order.id, "crash_after_charge is set: aborting before the commit");
        std::process::abort();
    }
    finish(state, order, outcome, parties.ok().as_ref()).await
}

async fn pay(
    state: &AppState,
    order: &PendingOrder,
    parties: &Parties,
) -> Result<Outcome, Failure> {
    let (affiliate, permit) = (&parties.affiliate, parties.permit);
    if order.mode == HandoffMode::DirectEntry {
        let Some(reference) = &order.payment_reference else {
            return Ok(Outcome::Failed("no card was entered".into()));
        };
        let ship_to = order
            .ship_to
            .as_ref()
            .and_then(|a| serde_json::to_value(a).ok());
        return Ok(charge(state, reference, order, ship_to).await);
    }
    let Some(url) = affiliate
        .handoff_url
        .as_ref()
        .filter(|_| affiliate.handoff_url_verified)
    else {
        return Ok(Outcome::Failed(
            "the affiliate has no proven handoff URL".into(),
        ));
    };
    // The hub's own key for this affiliate: never the affiliate's ticket key.
    let Some(key) = keys::signing(&state.db, &affiliate.id, Purpose::HubCalls).await? else {
        return Ok(Outcome::Failed(
            "the affiliate has no active hub key".into(),
        ));
    };
    let validator = mint_validator(
        &ValidatorClaims {
            opportunity_id: order.opportunity_id.clone(),
            ticket_nonce: order.ticket_nonce.clone(),
            amount_minor: order.amount.minor(),
            currency: order.amount.currency(),
            expires_at: now() + VALIDATOR_LIFETIME_SECS,
            id: new_id("val"),
            customer_sha256: postsale_protocol::customer_digest(&order.customer_token),
        },
        &key.key_id,
        key.secret.expose(),
    );
    let request = HandoffRequest {
        mode: order.mode,
        order_id: order.id.clone(),
        affiliate_order_id: order.affiliate_order_id.clone(),
        customer_token: order.customer_token.clone(),
        validator,
        amount: order.amount.decimal(),
        discount: Breakdown::shown(order.breakdown.discount_minor, order),
        shipping: Breakdown::shown(order.breakdown.shipping_minor, order),
        currency: order.amount.currency(),
        items: order.items.clone(),
        upseller_id: order.upseller_id.clone(),
        upseller_affiliated: permit.affiliated,
    };
    let secret = key.secret.expose();
    let format = affiliate.handoff_format;
    // Sent before without an answer: what the affiliate stored, if it has
    // it; otherwise the same order again, which its idempotency makes safe.
    let stored = if order.resumed {
        handoff::status(
            &state.outbound,
            url,
            (&key.key_id, secret),
            format,
            &order.id,
        )
        .await
        .ok()
        .flatten()
    } else {
        None
    };
    let answer = match stored {
        Some(stored) => Ok(stored),
        None => {
            handoff::call(
                &state.outbound,
                url,
                (&key.key_id, secret),
                format,
                &request,
            )
            .await
        }
    };
    Ok(match (order.mode, answer) {
        (_, Err(err @ handoff::HandoffError::Unknown(_))) => Outcome::Unknown(err.to_string()),
        (_, Err(err)) => Outcome::Failed(err.to_string()),
        // Under merchant_of_record the affiliate's answer for this order is
        // the outcome; under payment_reference it only refuses the record.
        (HandoffMode::MerchantOfRecord, Ok(HandoffResponse::Declined { reason })) => {
            Outcome::Declined(format!("the affiliate declined: {}", told(&reason)))
        }
        (_, Ok(HandoffResponse::Declined { reason })) => {
            Outcome::Failed(format!("the affiliate declined: {}", told(&reason)))
        }
        (HandoffMode::MerchantOfRecord, Ok(HandoffResponse::Charged { charge_id, ship_to })) => {
            // The affiliate charged: the order stands, but an address holding
            // a card number is neither stored nor forwarded.
            let ship_to = ship_to.filter(|a| match a.card_number_field("ship_to") {
                Some(field) => {
                    tracing::warn!(%field, "the affiliate's ship_to holds a card number; dropped");
                    false
                }
                None => true,
            });
            // Its charge id is kept and shown to the merchants: not one
            // that holds a card number.
            let charge_id = if postsale_protocol::card_number_in(&charge_id) {
                tracing::warn!("the affiliate's charge_id holds a card number; withheld");
                "withheld".to_owned()
            } else {
                charge_id.chars().take(255).collect()
            };
            Outcome::Charged {
                charge_id,
                ship_to: ship_to.and_then(|a| serde_json::to_value(a).ok()),
                customer: None,
            }
        }
        (HandoffMode::PaymentReference, Ok(HandoffResponse::Customer { customer })) => {
            // A card number anywhere in the record is refused before any
            // money moves, and named by its field only.
            if let Some(field) = customer.card_number_field() {
                tracing::warn!(%field, "the affiliate's customer record holds a card number; refused");
                return Ok(Outcome::Failed(format!(
                    "the affiliate's answer holds what looks like a card number in {field}; refused"
                )));
            }
            let who = json!({"name": customer.name, "email": customer.email});
            let ship_to = serde_json::to_value(&customer.shipping_address).ok();
            match charge(state, &customer.payment_reference, order, ship_to).await {
                Outcome::Charged {
                    charge_id, ship_to, ..
                } => Outcome::Charged {
                    charge_id,
                    ship_to,
                    customer: Some(who),
                },
                failed => failed,
            }
        }
        (mode, Ok(_)) => Outcome::Failed(format!(
            "the affiliate's answer does not fit {}",
            mode.as_str()
        )),
    })
}

/// The affiliate's words for a refusal as they may be stored and shown to
/// the customer: one line, at most 200 characters, and never a card number.
fn told(reason: &str) -> String {
    let line: String = reason
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if postsale_protocol::card_number_in(&line) {
        tracing::warn!("the affiliate's decline reason holds a card number; withheld");
        "(its reason is withheld: it held what looks like a card number)".to_owned()
    } else {
        line
    }
}

async fn charge(
    state: &AppState,
    reference: &str,
    order: &PendingOrder,
    ship_to: Option<serde_json::Value>,
) -> Outcome {
    let charge = gateway::Charge {
        reference,
        amount: order.amount,
        order_id: &order.id,
        opportunity_id: &order.opportunity_id,
    };
    match gateway::charge_with_timeout(state.gateway.as_ref(), charge).await {
        gateway::ChargeOutcome::Charged(charge_id) => Outcome::Charged {
            charge_id,
            ship_to,
            customer: None,
        },
        gateway::ChargeOutcome::Declined(reason) => {
            Outcome::Declined(format!("declined: {reason}"))
        }
        gateway::ChargeOutcome::Failed(reason) => Outcome::Declined(reason),
        gateway::ChargeOutcome::Unknown => Outcome::Unknown(
            "the payment processor did not answer in time; the charge is being confirmed".into(),
        ),
        gateway::ChargeOutcome::Authenticate(client_secret) => Outcome::Authenticate(client_secret),
    }
}

/// Records the outcome, points, webhook and the idempotent answer, atomically.
async fn finish(
    state: &AppState,
    order: &PendingOrder,
    outcome: Outcome,
    parties: Option<&Parties>,
) -> Result<Answer, Failure> {
    let at = now();
    // Read before the write, which shares the one writer: keep it short.
    let (urls, debt) = if matches!(outcome, Outcome::Charged { .. }) {
        // What the payment went by, or, for an outcome recorded without
        // it, as stored now.
        let (urls, bps) = match parties {
            Some(parties) => (
                (
                    parties.upseller.webhook_url.clone(),
                    parties.affiliate.webhook_url.clone(),
                ),
                parties.permit.commission_bps,
            ),
            None => {
                let url = async |id: &str| -> Result<Option<String>, Failure> {
                    Ok(merchant::by_id_stored(&state.db, id)
                        .await?
                        .and_then(|m| m.webhook_url))
                };
                (
                    (
                        url(&order.upseller_id).await?,
                        url(&order.affiliate_id).await?,
                    ),
                    agreements::commission_bps(&state.db, &order.affiliate_id, &order.upseller_id)
                        .await?,
                )
            }
        };
        let debt = settlements::debt(
            order.mode,
            &order.affiliate_id,
            &order.upseller_id,
            order.amount,
            bps,
        );
        (urls, debt.map(|d| (d, bps)))
    } else {
        ((None, None), None)
    };
    match &outcome {
        Outcome::Unknown(why) => {
            return unconfirmed(state, order, OrderStatus::PendingConfirmation, why, None).await;
        }
        Outcome::Authenticate(secret) => {
            let why = "waiting for the customer to authenticate the payment";
            return unconfirmed(state, order, OrderStatus::RequiresAction, why, Some(secret)).await;
        }
        _ => {}
    }
    let (status, charge_id, failure) = match &outcome {
        Outcome::Charged { charge_id, .. } => (OrderStatus::Charged, Some(charge_id.clone()), None),
        Outcome::Failed(reason)
        | Outcome::Declined(reason)
        | Outcome::Unknown(reason)
        | Outcome::Authenticate(reason) => (OrderStatus::Failed, None, Some(reason.clone())),
    };
    let charged = matches!(outcome, Outcome::Charged { .. });
    // The customer's balance with this order's credit in it (credited in
    // the same write as the outcome; a redemption was taken at the accept).
    let points_balance = if charged {
        crate::store::points::balance(&state.db.store, &order.affiliate_id, &order.customer_token)
            .await?
            .saturating_add(i64::from(order.points))
    } else {
        0
    };
    let webhooks = match &outcome {
        Outcome::Charged {
            ship_to, customer, ..
        } => {
            let heard = Heard {
                ship_to,
                customer,
                debt: debt.as_ref(),
                points_balance,
            };
            charged_webhooks(order, &heard, urls)
        }
        _ => Vec::new(),
    };
    let answer = if charged {
        let response = AcceptResponse {
            order_id: order.id.clone(),
            status,
            amount: order.amount.decimal(),
            currency: order.amount.currency(),
            points: order.points,
            points_balance: u64::try_from(points_balance).ok(),
            client_secret: None,
        };
        Answer {
            status: 201,
            body: serde_json::to_string(&response).map_err(|e| Failure::Internal(e.to_string()))?,
        }
    } else {
        let problem = postsale_protocol::Problem::new(
            "payment-failed",
            "Payment failed",
            402,
            failure.clone().unwrap_or_default(),
        );
        Answer {
            status: 402,
            body: serde_json::to_string(&problem).map_err(|e| Failure::Internal(e.to_string()))?,
        }
    };
    let outcome = Settled {
        at,
        order: order.clone(),
        status,
        charge_id,
        failure,
        charged,
        debt,
        webhooks,
        answer,
    };
    let stored = record(&outcome).run(&state.db.store).await?;
    if stored == Done::Stopped {
        // Settled by someone else (a reconciler on another replica): theirs stands.
        return stored_answer(state, &order.id)
            .await?
            .ok_or_else(|| Failure::Internal("settled order without answer".into()));
    }
    Ok(outcome.answer)
}

/// What a charged order's webhooks tell beside the order.
#[derive(Clone, Copy)]
struct Heard<'a> {
    ship_to: &'a Option<serde_json::Value>,
    customer: &'a Option<serde_json::Value>,
    debt: Option<&'a (settlements::Debt, u32)>,
    /// The customer's points at the affiliate, this order's included.
    points_balance: i64,
}

/// A webhook to queue: its recipient, the URL and the body.
type Webhook = (String, String, serde_json::Value);

/// What a charged order's parties hear, at the webhook URLs `(upseller's,
/// affiliate's)`: the upseller `order.charged` (what to ship, where, and
/// how the money is settled); the affiliate, when it did not sell its own
/// items, `upsell.accepted` (which of its orders and customers it came
/// from, the points earned, and its commission or debt).
fn charged_webhooks(
    order: &PendingOrder,
    heard: &Heard<'_>,
    (upseller_url, affiliate_url): (Option<String>, Option<String>),
) -> Vec<Webhook> {
    let Heard {
        ship_to,
        customer,
        debt,
        points_balance,
    } = *heard;
    // Under merchant_of_record the money sits with the affiliate, which
    // owes the upseller through the settlement ledger.
    let collected_by = match order.mode {
        HandoffMode::MerchantOfRecord => &order.affiliate_id,
        _ => &order.upseller_id,
    };
    let settlement = json!({
        "collected_by": collected_by,
        "debtor": debt.map(|(d, _)| &d.debtor),
        "creditor": debt.map(|(d, _)| &d.creditor),
        "owed": debt.map(|(d, _)| d.owed.decimal()),
        "commission_bps": debt.map_or(0, |(_, bps)| *bps),
    });
    let discount = Breakdown::shown(order.breakdown.discount_minor, order);
    let shipping = Breakdown::shown(order.breakdown.shipping_minor, order);
    let mut webhooks = Vec::new();
    if let Some(url) = upseller_url {
        let body = json!({
            "event": "order.charged",
            "order": {"id": order.id, "items": order.items, "amount": order.amount.decimal(),
                      "discount": discount, "shipping": shipping,
                      "incentive": order.breakdown.incentive,
                      "currency": order.amount.currency(), "affiliate_id": order.affiliate_id,
                      "mode": order.mode, "ship_to": ship_to, "customer": customer,
                      "settlement": settlement},
        });
        webhooks.push((order.upseller_id.clone(), url, body));
    }
    if let Some(url) = affiliate_url.filter(|_| order.affiliate_id != order.upseller_id) {
        let body = json!({
            "event": "upsell.accepted",
            "upsell": {"order_id": order.id, "opportunity_id": order.opportunity_id,
                       "affiliate_order_id": order.affiliate_order_id,
                       "customer_token": order.customer_token, "reason_code": order.reason_code,
                       "upseller_id": order.upseller_id, "mode": order.mode, "items": order.items,
                       "amount": order.amount.decimal(), "discount": discount, "shipping": shipping,
                       "incentive": order.breakdown.incentive,
                       "currency": order.amount.currency(), "points": order.points,
                       "points_balance": points_balance,
                       "settlement": settlement},
        });
        webhooks.push((order.affiliate_id.clone(), url, body));
    }
    webhooks
}

/// A known outcome, as [`record`] writes it.
struct Settled {
    at: i64,
    order: PendingOrder,
    status: OrderStatus,
    charge_id: Option<String>,
    failure: Option<String>,
    charged: bool,
    debt: Option<(settlements::Debt, u32)>,
    /// Who hears of the order, where, and what.
    webhooks: Vec<Webhook>,
    answer: Answer,
}

/// The outcome, its points, settlement, webhook, event and the accept's
/// answer, in one write; it stops before writing anything when another hub
/// settled the order first.
fn record(s: &Settled) -> Plan<std::convert::Infallible> {
    let order = &s.order;
    let holder = points::Holder {
        order_id: &order.id,
        affiliate_id: &order.affiliate_id,
        customer_token: &order.customer_token,
    };
    let mut plan = Plan::new().or_stop(store::orders::recording_outcome(
        &order.id,
        s.status,
        s.charge_id.as_deref(),
        s.failure.as_deref(),
        s.at,
    ));
    if s.charged {
        if order.points > 0 {
            for statement in points::crediting(holder, EntryKind::Earned, order.points, s.at) {
                plan = plan.then(statement);
            }
        }
        if let Some((debt, bps)) = &s.debt {
            plan = plan.then(settlements::booking(
                &order.id,
                order.mode,
                order.amount,
                *bps,
                debt,
            ));
        }
        for (recipient, url, body) in &s.webhooks {
            plan = plan.then(crate::outbox::enqueuing(recipient, &order.id, url, body));
        }
        plan = plan.then(events::recording(
            &order.opportunity_id,
            &order.affiliate_id,
            &order.reason_code,
            EventKind::Accepted,
            Some(order.amount),
            s.at,
        ));
    } else {
        // No money moved: the points spent on the reward come back.
        if order.redeemed_points > 0 {
            for statement in
                points::crediting(holder, EntryKind::Returned, order.redeemed_points, s.at)
            {
                plan = plan.then(statement);
            }
        }
    }
    if !s.charged && order.mode == HandoffMode::DirectEntry {
        // No money moved: the customer may try another card, as a new
        // accept (a new key); this key keeps replaying its own answer.
        plan = plan.then(store::opportunities::moving(
            &order.opportunity_id,
            OpportunityStatus::Accepted,
            OpportunityStatus::Open,
        ));
    }
    plan.then(store::accepts::answering(
        &order.id,
        s.answer.status,
        &s.answer.body,
    ))
}

/// Records that the outcome is not known yet: the order waits in `status`
/// (`pending_confirmation`, or `requires_action` while the customer
/// authenticates) for the reconciler to ask again (sooner at first, then
/// less often), and the accept is answered 202 without storing it, so that
/// a retry of the accept gets the outcome once it is known.
async fn unconfirmed(
    state: &AppState,
    order: &PendingOrder,
    status: OrderStatus,
    why: &str,
    client_secret: Option<&str>,
) -> Result<Answer, Failure> {
    let at = now();
    let attempts = order.confirm_attempts + 1;
    let waiting = store::orders::await_confirmation(
        &state.db.writer,
        &order.id,
        status,
        why,
        attempts,
        at + confirm_backoff_secs(attempts),
        at,
    )
    .await?;
    if !waiting {
        // Settled meanwhile by someone else: theirs stands.
        return stored_answer(state, &order.id)
            .await?
            .ok_or_else(|| Failure::Internal("settled order without answer".into()));
    }
    if client_secret.is_none() {
        tracing::warn!(order = %order.id, attempts, reason = why, "payment outcome unknown; confirming");
    }
    Ok(waiting_answer(
        &order.id,
        order.amount,
        order.points,
        status,
        client_secret,
    ))
}

/// The accept's answer while the outcome is being confirmed.
pub(crate) fn pending_answer(order_id: &str, amount: Money, points: u32) -> Answer {
    waiting_answer(
        order_id,
        amount,
        points,
        OrderStatus::PendingConfirmation,
        None,
    )
}

/// The accept's answer while the order waits in `status`, with the
/// processor's secret when the customer is to authenticate.
fn waiting_answer(
    order_id: &str,
    amount: Money,
    points: u32,
    status: OrderStatus,
    client_secret: Option<&str>,
) -> Answer {
    let response = AcceptResponse {
        order_id: order_id.to_owned(),
        status,
        amount: amount.decimal(),
        currency: amount.currency(),
        points,
        points_balance: None,
        client_secret: client_secret.map(str::to_owned),
    };
    Answer {
        status: 202,
        body: serde_json::to_string(&response).unwrap_or_default(),
    }
}

/// Seconds until the outcome of an order is asked about again: 5 s, then
/// doubling, at most an hour.
pub(crate) fn confirm_backoff_secs(attempts: i64) -> i64 {
    (5_i64 << (attempts - 1).clamp(0, 10)).min(3600)
}

/// An order's amount from its stored minor units and currency code.
pub(crate) fn amount_of(minor: i64, currency: &str, order_id: &str) -> Result<Money, Failure> {
    let stored = |what: &str| Failure::Internal(format!("order {order_id}: stored {what}"));
    let currency =
        postsale_protocol::CurrencyCode::parse(currency).map_err(|_| stored("currency"))?;
    Money::from_minor(minor, currency).map_err(|_| stored("amount"))
}

/// The stored answer of the accept that made an order, once settled.
pub(crate) async fn stored_answer(
    state: &AppState,
    order_id: &str,
) -> Result<Option<Answer>, Failure> {
    Ok(store::accepts::answer_of(&state.db.store, order_id)
        .await?
        .map(|(status, body)| Answer {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }))
}
