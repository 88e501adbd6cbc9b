//! The accept service: an accept needs an idempotency key (kept as its
//! digest): the same key and body replay the first answer (also while the
//! first is still settling), the same key with another body is refused, and
//! an opportunity is accepted once. The consent receipt is written with the
//! order, before any money moves; then `orders::settle` pays. The HTTP side
//! is `routes::accept`. See `docs/ARCHITECTURE.md`, "One purchase".

use postsale_protocol::{AcceptRequest, HandoffMode, Money};

use crate::{
    consent,
    domain::OpportunityStatus,
    failure::Failure,
    ids::{new_ordered_id, now, sha256_hex},
    offer::{chosen, disclosure},
    opportunity::{OpenOpportunity, load_open},
    orders::{self, Answer, Breakdown, PendingOrder},
    registry::keys::{self, Purpose},
    state::AppState,
    store::{
        self,
        consent::NewReceipt,
        orders::NewOrder,
        plan::{Done, Plan},
    },
};

/// The confirming action the widget reports for its separate confirm button.
const CONFIRM_ACTION: &str = "confirm_button";

/// One accept as asked.
#[derive(Debug)]
pub(crate) struct Asked<'a> {
    /// The digest of its `Idempotency-Key`.
    pub(crate) key: &'a str,
    pub(crate) request: &'a AcceptRequest,
    /// The hub-origin frame's token, when the request carried one.
    pub(crate) frame_token: Option<&'a str>,
    /// Whether the request said it came from inside the hub's frame.
    pub(crate) in_frame: bool,
    /// The browser's `User-Agent`, as sent.
    pub(crate) user_agent: Option<&'a str>,
}

/// Accepts open opportunity `id` as `asked`: the answer to send, a replay's
/// included.
pub(crate) async fn accept(
    state: &AppState,
    id: &str,
    asked: &Asked<'_>,
) -> Result<Answer, Failure> {
    let request = asked.request;
    let key = asked.key;
    let request_sha256 =
        sha256_hex(serde_json::to_vec(request).map_err(|e| Failure::Internal(e.to_string()))?);
    // A replay's answer and the open opportunity are read side by side:
    // most accepts are new, and need both reads.
    let (replayed, open) = tokio::join!(
        replay(state, id, key, &request_sha256),
        load_open(state, id)
    );
    if let Some(answer) = replayed? {
        state.metrics.accept("any", "replayed");
        return Ok(answer);
    }
    let open = match open {
        // Accepted meanwhile by a request with this key: answer as its replay.
        Err(Failure::Conflict(why)) => {
            return replay(state, id, key, &request_sha256)
                .await?
                .ok_or(Failure::Conflict(why));
        }
        other => other?,
    };
    let (items, quote) = chosen(&open, &request.items)?;
    let amount = quote.total;
    check_consent(&open, request, amount)?;
    let proof = confirmed_by(state, &open, asked, amount).await?;
    let ship_to = check_ship_to(&open, request)?;
    let (payment_reference, parties) = check_payment(state, &open, request).await?;

    let order = PendingOrder {
        id: new_ordered_id("ord"),
        opportunity_id: open.id.clone(),
        affiliate_id: open.affiliate.id.clone(),
        upseller_id: open.upseller.id.clone(),
        reason_code: open.code.code.to_string(),
        customer_token: open.customer_token.clone(),
        affiliate_order_id: open.order_id.clone(),
        ticket_nonce: open.ticket_nonce.clone(),
        mode: open.code.handoff_mode,
        items,
        amount,
        breakdown: Breakdown::of(&quote, open.incentive.as_ref().map(|i| i.id.as_str())),
        points: crate::offer::points(&open),
        redeemed_points: open.incentive.as_ref().map_or(0, |i| i.redeem_points),
        ship_to,
        payment_reference,
        resumed: false,
        confirm_attempts: 0,
    };
    let user_agent = asked
        .user_agent
        .map(|s| s.chars().take(200).collect::<String>())
        // Kept with the consent receipt: never one holding a card number.
        .filter(|agent| !postsale_protocol::card_number_in(agent));
    let consent = Confirmation {
        action: &request.consent.action,
        proof: &proof,
        user_agent,
    };
    match store_pending(state, &open, &order, &consent, key, &request_sha256).await {
        Ok(()) => {}
        // Another request with a key got there first: answer as a replay would.
        Err(Failure::Conflict(why)) => {
            return replay(state, id, key, &request_sha256)
                .await?
                .ok_or(Failure::Conflict(why));
        }
        Err(err) => return Err(err),
    }
    let answer = orders::settle(state, &order, Some(parties)).await?;
    state.metrics.accept(
        order.mode.as_str(),
        match answer.status {
            201 => "accepted",
            202 => "pending",
            402 => "declined",
            _ => "failed",
        },
    );
    Ok(answer)
}

/// The answer to replay for this opportunity, if it was accepted before:
/// the stored one, `202` while the payment's outcome is being confirmed, or
/// `409` with `Retry-After` while the first request is still settling.
async fn replay(
    state: &AppState,
    id: &str,
    key: &str,
    request_sha256: &str,
) -> Result<Option<Answer>, Failure> {
    let Some(earlier) = store::accepts::earlier(&state.db.store, id, key).await? else {
        return Ok(None);
    };
    if earlier.request_sha256 != request_sha256 {
        return Err(Failure::invalid(
            "Idempotency-Key",
            "was already used with another request body",
        ));
    }
    if let Some((status, body)) = earlier.response {
        let status = u16::try_from(status).unwrap_or(500);
        return Ok(Some(Answer { status, body }));
    }
    let status = postsale_protocol::OrderStatus::parse(&earlier.order_status);
    if status == Some(postsale_protocol::OrderStatus::RequiresAction) {
        // Sent again once the customer authenticated in the frame: what the
        // processor says now is the answer (the browser's word is not).
        if let Some(order) = crate::reconciler::load_pending(state, &earlier.order_id).await? {
            return orders::settle(state, &order, None).await.map(Some);
        }
        // Settled meanwhile: its answer once stored, else still in flight.
        if let Some(answer) = orders::stored_answer(state, &earlier.order_id).await? {
            return Ok(Some(answer));
        }
    }
    if status == Some(postsale_protocol::OrderStatus::PendingConfirmation) {
        let order_id = &earlier.order_id;
        let amount = orders::amount_of(earlier.amount_minor, &earlier.currency, order_id)?;
        let points = u32::try_from(earlier.points)
            .map_err(|_| Failure::Internal(format!("order {order_id}: stored points")))?;
        return Ok(Some(orders::pending_answer(order_id, amount, points)));
    }
    Err(Failure::InFlight(
        "the first request with this key is still being processed; retry".into(),
    ))
}

/// Where a `direct_entry` order of a physical item ships: the address the
/// customer confirmed, which the accept must then carry. Under the other
/// modes the affiliate says where, and an accept that names an address, or
/// one for nothing shipped, is refused: the hub keeps no address it does
/// not need.
fn check_ship_to(
    open: &OpenOpportunity,
    request: &AcceptRequest,
) -> Result<Option<postsale_protocol::Address>, Failure> {
    let shipped = request.items.iter().any(|chosen| {
        open.items
            .iter()
            .any(|item| item.sku == chosen.sku && item.physical)
    });
    match (&request.ship_to, open.code.handoff_mode, shipped) {
        (None, HandoffMode::DirectEntry, true) => Err(Failure::invalid(
            "ship_to",
            "these items are shipped: say where to",
        )),
        (Some(address), HandoffMode::DirectEntry, true) => {
            crate::validate::address("ship_to", address)?;
            Ok(Some(address.clone()))
        }
        (Some(_), HandoffMode::DirectEntry, false) => Err(Failure::invalid(
            "ship_to",
            "nothing in this order is shipped",
        )),
        (Some(_), _, _) => Err(Failure::invalid(
            "ship_to",
            "the affiliate says where this offer ships",
        )),
        (None, _, _) => Ok(None),
    }
}

/// The consent must name this disclosure, this amount and the confirm action.
fn check_consent(
    open: &OpenOpportunity,
    request: &AcceptRequest,
    amount: Money,
) -> Result<(), Failure> {
    let consent = &request.consent;
    if consent.disclosure_sha256 != disclosure(open).text_sha256 {
        return Err(Failure::invalid(
            "consent.disclosure_sha256",
            "is not the hash of the disclosure shown for this offer",
        ));
    }
    let seen = Money::parse(&consent.amount, open.currency)
        .map_err(|e| Failure::invalid("consent.amount", e))?;
    if seen != amount {
        return Err(Failure::invalid(
            "consent.amount",
            format!(
                "the customer agreed to {} but the items come to {}",
                seen.decimal(),
                amount.decimal()
            ),
        ));
    }
    if consent.action != CONFIRM_ACTION {
        return Err(Failure::invalid(
            "consent.action",
            format!("must be '{CONFIRM_ACTION}', the separate confirming click"),
        ));
    }
    Ok(())
}

/// Who may sell for whom, checked again now from the database (an agreement
/// withdrawn or an affiliation revoked since the showing refuses the accept,
/// storing nothing), and the payment reference rules of the handoff mode.
/// The parties read here are the ones the payment goes to.
async fn check_payment(
    state: &AppState,
    open: &OpenOpportunity,
    request: &AcceptRequest,
) -> Result<(Option<String>, orders::Parties), Failure> {
    let mode = open.code.handoff_mode;
    let parties = orders::parties(&state.db, &open.affiliate.id, &open.upseller.id, mode)
        .await?
        .map_err(|why| Failure::Conflict(format!("this offer can no longer be paid: {why}")))?;
    if mode != HandoffMode::DirectEntry {
        if !parties.affiliate.handoff_url_verified {
            return Err(Failure::Conflict(
                "this offer cannot be paid: the affiliate's handoff URL is not proven".into(),
            ));
        }
        let key = keys::signing(&state.db, &open.affiliate.id, Purpose::HubCalls).await?;
        if key.is_none() {
            return Err(Failure::Conflict(
                "this offer cannot be paid: the affiliate has no active hub key".into(),
            ));
        }
    }
    let reference = match (mode, &request.payment_reference) {
        (HandoffMode::DirectEntry, None) => Err(Failure::invalid(
            "payment_reference",
            "direct_entry needs the card entered in the hub's frame",
        )),
        (HandoffMode::DirectEntry, Some(reference)) => {
            let entered = state
                .gateway
                .entered_for(reference, &open.id)
                .await
                .map_err(|err| Failure::Internal(format!("payment processor: {err}")))?;
            if !entered {
                return Err(Failure::invalid(
                    "payment_reference",
                    "is not a card entered for this opportunity",
                ));
            }
            Ok(Some(reference.clone()))
        }
        (_, Some(_)) => Err(Failure::invalid(
            "payment_reference",
            "is only sent for direct_entry offers",
        )),
        (_, None) => Ok(None),
    }?;
    Ok((reference, parties))
}

/// Claims the opportunity and writes the pending order and its consent
/// receipt in one transaction. A lost race is a `Conflict`.
/// The hub-origin proof that the customer clicked, in one of two forms.
#[derive(Debug)]
enum Clicked {
    /// The accept came from inside the hub's frame (the IFRAME presentation,
    /// or card entry): its token proves it.
    InFrame(String),
    /// The pop-up on the merchant's page: the consent frame's single-use proof.
    ConsentFrame(consent::Proven),
}

impl Clicked {
    fn receipt(&self) -> &str {
        match self {
            Self::InFrame(receipt) => receipt,
            Self::ConsentFrame(proven) => &proven.receipt,
        }
    }
}

/// Which real click inside a hub-origin frame confirmed this accept. A card
/// offer is confirmed inside the card frame and only there; an offer that
/// charges a payment method the customer already gave, inside the hub's
/// frame or by the consent frame's proof. Nothing a script of the merchant's
/// page can send is enough.
async fn confirmed_by(
    state: &AppState,
    open: &OpenOpportunity,
    asked: &Asked<'_>,
    amount: Money,
) -> Result<Clicked, Failure> {
    let request = asked.request;
    if asked.in_frame || open.code.handoff_mode == HandoffMode::DirectEntry {
        return crate::frame_tokens::verify(&state.db, asked.frame_token, &open.id)
            .await
            .map(Clicked::InFrame);
    }
    let Some(proof) = &request.consent.proof else {
        return Err(Failure::Forbidden(
            "the customer confirms this offer in the hub's consent frame; send its consent.proof"
                .into(),
        ));
    };
    consent::check_proof(
        &state.db,
        open,
        proof,
        &request.items,
        amount,
        &request.consent.disclosure_sha256,
    )
    .await
    .map(Clicked::ConsentFrame)
}

/// How the customer confirmed, as the consent receipt records it.
#[derive(Debug)]
struct Confirmation<'a> {
    /// The confirming action the widget reports.
    action: &'a str,
    /// The hub-origin proof that confirmed it.
    proof: &'a Clicked,
    user_agent: Option<String>,
}

async fn store_pending(
    state: &AppState,
    open: &OpenOpportunity,
    order: &PendingOrder,
    consent: &Confirmation<'_>,
    key: &str,
    request_sha256: &str,
) -> Result<(), Failure> {
    let shown = disclosure(open);
    let at = now();
    let items =
        serde_json::to_string(&order.items).map_err(|e| Failure::Internal(e.to_string()))?;
    let ship_to = order
        .ship_to
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    // Claims the consent proof, the accept's key and the opportunity, and
    // writes the pending order and its consent receipt; any refusal rolls
    // all of it back.
    let mut plan = Plan::new();
    if let Clicked::ConsentFrame(proven) = consent.proof {
        plan = plan.or_refuse(
            store::consent::claiming(&proven.proof_sha256, at),
            Refused::ProofUsed,
        );
    }
    plan = plan
        .or_refuse(
            store::accepts::claiming(&open.id, key, request_sha256, &order.id, at),
            Refused::AlreadyAccepted,
        )
        .or_refuse(
            store::opportunities::moving(
                &open.id,
                OpportunityStatus::Open,
                OpportunityStatus::Accepted,
            ),
            Refused::NotOpen,
        );
    if order.redeemed_points > 0 {
        // The points the reward costs are spent now, before any money
        // moves, or the accept is refused and nothing of it stays.
        let holder = store::points::Holder {
            order_id: &order.id,
            affiliate_id: &order.affiliate_id,
            customer_token: &order.customer_token,
        };
        let [spending, entry] = store::points::redeeming(holder, order.redeemed_points, at);
        plan = plan.or_refuse(spending, Refused::TooFewPoints).then(entry);
    }
    let plan = plan
        .then(store::orders::inserting_pending(&NewOrder {
            id: &order.id,
            opportunity_id: &order.opportunity_id,
            affiliate_id: &order.affiliate_id,
            upseller_id: &order.upseller_id,
            reason_code: &order.reason_code,
            customer_token: &order.customer_token,
            mode: order.mode.as_str(),
            items: &items,
            amount_minor: order.amount.minor(),
            discount_minor: order.breakdown.discount_minor,
            shipping_minor: order.breakdown.shipping_minor,
            incentive: order.breakdown.incentive.as_deref(),
            ship_to: ship_to.as_deref(),
            currency: order.amount.currency().as_str(),
            points: order.points,
            redeemed_points: order.redeemed_points,
            payment_reference: order.payment_reference.as_deref(),
            at,
        }))
        .then(store::consent::inserting_receipt(&NewReceipt {
            order_id: &order.id,
            opportunity_id: &open.id,
            disclosure_sha256: &shown.text_sha256,
            disclosure_text: &shown.text,
            items: &items,
            amount_minor: order.amount.minor(),
            currency: order.amount.currency().as_str(),
            action: consent.action,
            proof: consent.proof.receipt(),
            user_agent: consent.user_agent.as_deref(),
            at,
        }));
    match plan.run(&state.db.store).await? {
        Done::All | Done::Stopped => Ok(()),
        Done::Refused(Refused::ProofUsed) => {
            Err(Failure::Forbidden("consent.proof was already used".into()))
        }
        Done::Refused(Refused::AlreadyAccepted) => {
            Err(Failure::Conflict("already accepted".into()))
        }
        Done::Refused(Refused::NotOpen) => Err(Failure::Conflict(
            "the opportunity is no longer open".into(),
        )),
        Done::Refused(Refused::TooFewPoints) => Err(Failure::Conflict(
            "the customer no longer holds the points this reward costs".into(),
        )),
    }
}

/// Why the pending order was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    ProofUsed,
    AlreadyAccepted,
    NotOpen,
    TooFewPoints,
}
