//! Follow-up offers: once the customer accepted an offer, its reason code's
//! `next` offer; once they declined one, its `downsell`. Each is an
//! opportunity of its own for the same order (one step further along the
//! order's chain), with its own disclosure, consent and charge, chosen by
//! the same rules as the first (the code active, the upseller's agreement
//! in force, the customer data held, items by the purchase), leaving out
//! what the chain offered already. A chain ends at `max_accepted` orders
//! (the first code's), at [`MAX_STEPS`] offers, or where a code names no
//! follow-up. Asking twice, or from two hubs at once, stores one follow-up
//! (the order's unique key per step). See `docs/ARCHITECTURE.md`, "One
//! purchase".

use postsale_protocol::{EarlierOrder, Money};

use crate::{
    domain::OpportunityStatus,
    failure::Failure,
    ids::now,
    opportunity::{Candidate, candidate, found},
    registry::{self, merchant, records::ReasonCodeRecord},
    selection::{self, NoOffer, Purchase},
    state::AppState,
    store::{
        self,
        opportunities::{Chain, FollowUp, OpportunityRow},
    },
};

/// The most offers one order's chain shows, the first included.
pub(crate) const MAX_STEPS: i64 = 5;

/// What followed an opportunity.
#[derive(Debug)]
pub(crate) enum Followed {
    /// The follow-up opportunity, its answer serialised once.
    Offer(String),
    /// Nothing follows, and why.
    Nothing(NoOffer),
}

/// The offer that follows opportunity `id`, opened on the first ask: a
/// conflict while `id` is still open, nothing once the chain ends.
pub(crate) async fn next(state: &AppState, id: &str) -> Result<Followed, Failure> {
    if let Some((_, body)) = store::opportunities::followed_by(&state.db.pool, id).await? {
        return Ok(Followed::Offer(crate::languages::answered(&body)?));
    }
    let previous = found(state, id).await?;
    let Some(code) =
        registry::get::<ReasonCodeRecord>(&state.db, &previous.affiliate, &previous.reason_code)
            .await?
    else {
        return Ok(Followed::Nothing(NoOffer::Incomplete));
    };
    let follow = match previous.status {
        OpportunityStatus::Open => {
            return Err(Failure::Conflict(
                "the opportunity is still open: a follow-up comes after an accept or a decline"
                    .into(),
            ));
        }
        OpportunityStatus::Accepted => {
            if !store::opportunities::paid(&state.db.pool, id).await? {
                return Err(Failure::Conflict(
                    "the opportunity's payment is not confirmed: nothing follows it (yet)".into(),
                ));
            }
            code.next.clone()
        }
        OpportunityStatus::Declined => code.downsell.clone(),
    };
    let (Some(follow), Some(stored)) = (follow, previous.purchase.as_deref()) else {
        return Ok(Followed::Nothing(NoOffer::ChainEnded));
    };
    if previous.step + 1 >= MAX_STEPS {
        return Ok(Followed::Nothing(NoOffer::ChainEnded));
    }
    let chain =
        store::opportunities::chain(&state.db.pool, &previous.affiliate, &previous.order_id)
            .await?;
    if chain.placed.len() >= first_code_cap(state, &previous, &chain, &code).await? {
        return Ok(Followed::Nothing(NoOffer::ChainEnded));
    }
    let Some(affiliate) = merchant::by_id(&state.db, &previous.affiliate).await? else {
        return Ok(Followed::Nothing(NoOffer::NotPermitted));
    };
    let ship_to = previous
        .ship_to
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| Failure::Internal(format!("stored ship_to: {e}")))?;
    let purchase = Purchase::from_json(stored, ship_to)?;
    let code = match selection::reason_code(&state.db, &affiliate, Some(&follow), &purchase).await {
        Ok(Ok(code)) if code.presentation == previous_presentation(&previous)? => code,
        Ok(Ok(_)) => return Ok(Followed::Nothing(NoOffer::Incomplete)),
        Ok(Err(why)) => return Ok(Followed::Nothing(why)),
        // The code was deleted since it was named.
        Err(Failure::Invalid { .. }) => return Ok(Followed::Nothing(NoOffer::NoReasonCode)),
        Err(err) => return Err(err),
    };
    let offered = offered_skus(&chain.offered)?;
    let earlier = earlier_orders(&chain.placed, purchase.total)?;
    let at = now();
    let ask = Candidate {
        code: &code,
        purchase: &purchase,
        choices: &[],
        points_balance: None,
        promotion: code.promotion_id.as_deref(),
        offered: &offered,
        earlier: &earlier,
    };
    let new = match candidate(state, &affiliate, &ask, at).await? {
        Ok(new) => new,
        Err(why) => return Ok(Followed::Nothing(why)),
    };
    let follow = FollowUp {
        previous_id: id,
        previous: &previous,
        new: &new,
        now: at,
    };
    match store::opportunities::following(&state.db.writer, &follow).await? {
        Some((_, body)) => Ok(Followed::Offer(crate::languages::answered(&body)?)),
        None => Err(Failure::Internal(
            "stored a follow-up that is not there".into(),
        )),
    }
}

/// The cap on accepted offers of the chain: the first code's.
async fn first_code_cap(
    state: &AppState,
    previous: &OpportunityRow,
    chain: &Chain,
    code: &ReasonCodeRecord,
) -> Result<usize, Failure> {
    let cap = match chain.first_code.as_deref().filter(|_| previous.step > 0) {
        Some(first) => registry::get::<ReasonCodeRecord>(&state.db, &previous.affiliate, first)
            .await?
            .map_or(code.max_accepted, |c| c.max_accepted),
        None => code.max_accepted,
    };
    Ok(usize::try_from(cap).unwrap_or(usize::MAX))
}

/// The presentation the previous opportunity was shown in.
fn previous_presentation(
    previous: &OpportunityRow,
) -> Result<postsale_protocol::Presentation, Failure> {
    let shown: postsale_protocol::Opportunity = serde_json::from_str(&previous.body)
        .map_err(|e| Failure::Internal(format!("stored opportunity: {e}")))?;
    Ok(shown.presentation)
}

/// Every SKU the chain offered, from each step's JSON list.
fn offered_skus(offered: &[String]) -> Result<Vec<String>, Failure> {
    let mut skus = Vec::new();
    for list in offered {
        let step: Vec<String> = serde_json::from_str(list)
            .map_err(|e| Failure::Internal(format!("stored skus: {e}")))?;
        skus.extend(step);
    }
    Ok(skus)
}

/// The orders placed in the chain, in the purchase's currency (`total`'s).
fn earlier_orders(placed: &[(String, i64)], total: Money) -> Result<Vec<EarlierOrder>, Failure> {
    placed
        .iter()
        .map(|(order_id, minor)| {
            let amount = Money::from_minor(*minor, total.currency())
                .map_err(|e| Failure::Internal(format!("order {order_id}: {e}")))?;
            Ok(EarlierOrder {
                order_id: order_id.clone(),
                amount: amount.decimal(),
            })
        })
        .collect()
}
