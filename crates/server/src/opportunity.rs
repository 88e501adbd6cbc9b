//! The opportunity service: opening one for a purchase the widget reports
//! (one per order: a retry with the same ticket gets the same answer, any
//! other ticket for that order is refused), reading it back, declining it,
//! and loading an open one for the offer, the consent, the card entry and
//! the accept. The handlers in `routes/` parse and answer; the rules are
//! here, the SQL in `store::opportunities`. See `docs/ARCHITECTURE.md`,
//! "One purchase".

use std::sync::Arc;

use postsale_protocol::{
    Address, AppliedIncentive, CurrencyCode, EarlierOrder, Incentive, Labels, Language,
    Opportunity, OpportunityRequest, SignedTicket, TicketClaims,
};

use crate::{
    domain::{EventKind, OpportunityStatus},
    failure::Failure,
    ids::{new_ordered_id, now},
    live_quote,
    registry::{
        self, Merchant, merchant,
        records::{
            IncentiveKind, IncentiveRecord, OfferItemRecord, ReasonCodeRecord, SecretRecord,
            StyleRecord, TemplateRecord,
        },
    },
    selection::{self, NoOffer},
    state::AppState,
    store::{
        self, events,
        opportunities::{self, Ask, NewOpportunity, Opened, OpportunityRow, Stored},
    },
};

/// What reporting a purchase came to.
#[derive(Debug)]
pub(crate) enum Opening {
    /// A new opportunity, its answer serialised once.
    Created(String),
    /// The same ticket again: the answer first given.
    Again(String),
    /// Nothing to show, and why.
    NoOffer(NoOffer),
}

/// Where a purchase is reported from: the page's `Origin` (none from a
/// server) and the browser's `Accept-Language`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reporter<'a> {
    pub(crate) origin: Option<&'a str>,
    pub(crate) accept_language: Option<&'a str>,
}

/// Opens the opportunity `request` reports at `now`, from `reporter`.
pub(crate) async fn open(
    state: &AppState,
    request: &OpportunityRequest,
    reporter: Reporter<'_>,
    now: i64,
) -> Result<Opening, Failure> {
    let origin = reporter.origin;
    let (affiliate, claims) = verify_ticket(state, &request.ticket, now).await?;
    check_origin(origin, &affiliate)?;
    if claims.order_id != request.transaction.order_id {
        return Err(Failure::invalid(
            "transaction.order_id",
            "does not match the ticket's order id",
        ));
    }
    let mut purchase = selection::check_transaction(&request.transaction)?;
    purchase.languages =
        crate::languages::of_request(request.locale.as_deref(), reporter.accept_language)?;
    let incentives = registry::list::<IncentiveRecord>(&state.db, &affiliate.id).await?;
    // The ticket's incentive is the affiliate's own word: it must exist.
    if let Some(signed) = &claims.incentive
        && !incentives.iter().any(|i| &i.id == signed)
    {
        return Err(Failure::invalid(
            "incentive",
            format!("the ticket names '{signed}', which is not an incentive this affiliate offers"),
        ));
    }
    if let Some(signed) = &claims.incentive
        && incentives
            .iter()
            .any(|i| &i.id == signed && i.kind == IncentiveKind::Redeem)
    {
        return Err(Failure::invalid(
            "incentive",
            format!(
                "the ticket names '{signed}', a redemption: only the customer spends their points"
            ),
        ));
    }

    // Which reason code applies, its items and style are read from memory;
    // the store then finds the order's opportunity, counts the customer's
    // showings today and stores the new one, in one unit of work.
    let chosen = selection::reason_code(
        &state.db,
        &affiliate,
        claims.reason_code.as_ref(),
        &purchase,
    )
    .await;
    let mut cap = None;
    // Without a reason code there is nothing to pick for: only the ticket's
    // incentive is recorded.
    let mut incentive = claims.incentive.clone();
    let plan = match chosen {
        Ok(Ok(code)) => {
            cap = Some((code.code.as_str().to_owned(), code.frequency_cap));
            let currency = purchase.total.currency();
            let (choices, points_balance) = choices(
                state,
                &incentives,
                &code,
                currency,
                (&affiliate.id, &claims.customer_token),
            )
            .await?;
            incentive = picked(request, &claims, &choices)?;
            // A pick sent with the purchase again is one the stored
            // opportunity offered, whatever this request's lines derive.
            if let Some(pick) = request.incentive.as_ref()
                && claims.incentive.as_ref() != Some(pick)
                && let Some(found) =
                    opportunities::of_order(&state.db.pool, &affiliate.id, &claims.order_id).await?
            {
                let shown: Opportunity = serde_json::from_str(&found.body)
                    .map_err(|e| Failure::Internal(format!("stored opportunity: {e}")))?;
                if !shown.incentives.iter().any(|i| &i.id == pick) {
                    return Err(Failure::invalid(
                        "incentive",
                        format!("'{pick}' is not an incentive this offer lets the customer choose"),
                    ));
                }
            }
            // The promotion an upseller gave the affiliate: signed, else
            // the page's, else the reason code's.
            let promotion = claims
                .promotion_id
                .as_deref()
                .or(purchase.promotion_id.as_deref())
                .or(code.promotion_id.as_deref());
            let ask = Candidate {
                code: &code,
                purchase: &purchase,
                choices: &choices,
                points_balance,
                promotion,
                offered: &[],
                earlier: &[],
            };
            candidate(state, &affiliate, &ask, now).await
        }
        Ok(Err(why)) => Ok(Err(why)),
        Err(err) => Err(err),
    };
    let (answer, new, why_not) = match plan {
        // The answer is the stored body, serialised once.
        Ok(Ok(new)) => (Some(new.body.clone()), Some(new), None),
        Ok(Err(why)) => (None, None, Some(Ok(why))),
        Err(err) => (None, None, Some(Err(err))),
    };
    let ask = Ask {
        affiliate: affiliate.id.clone(),
        order_id: claims.order_id.clone(),
        nonce: claims.nonce.clone(),
        customer: claims.customer_token.clone(),
        incentive,
        now,
        cap,
        new,
    };
    match opportunities::open(&state.db.store, ask).await? {
        Opened::Stored(found) => {
            // The widget sends the purchase again once the customer picked
            // an incentive: the store recorded the pick on it.
            Ok(Opening::Again(crate::languages::answered(&reuse(
                found, &claims, now,
            )?)?))
        }
        Opened::Capped => Ok(Opening::NoOffer(NoOffer::FrequencyCap)),
        Opened::Created => answer
            .map(|body| {
                let spoken = crate::languages::spoken(&purchase.languages);
                crate::languages::in_language(&body, spoken).map(Opening::Created)
            })
            .ok_or_else(|| Failure::Internal("stored an opportunity without a body".into()))?,
        Opened::Nothing => match why_not {
            Some(Ok(why)) => Ok(Opening::NoOffer(why)),
            Some(Err(err)) => Err(err),
            None => Err(Failure::Conflict(
                "this order already has an opportunity".into(),
            )),
        },
    }
}

/// What an opportunity is made of: the reason code, the purchase, the
/// incentives to pick from and the promotion in force.
#[derive(Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub(crate) code: &'a ReasonCodeRecord,
    pub(crate) purchase: &'a selection::Purchase,
    pub(crate) choices: &'a [&'a IncentiveRecord],
    /// The customer's points, when a redemption is among `choices`.
    pub(crate) points_balance: Option<u64>,
    pub(crate) promotion: Option<&'a str>,
    /// A follow-up: the SKUs offered earlier in the chain, not offered again.
    pub(crate) offered: &'a [String],
    /// A follow-up: the orders placed earlier in the chain.
    pub(crate) earlier: &'a [EarlierOrder],
}

/// The incentives `code` lets the customer pick from that can apply to a
/// purchase in `currency`, a redemption only while the customer (`holder`:
/// affiliate and customer token) holds its points; and the customer's
/// balance, read only when the code offers a redemption.
async fn choices<'a>(
    state: &AppState,
    incentives: &'a [IncentiveRecord],
    code: &ReasonCodeRecord,
    currency: CurrencyCode,
    holder: (&str, &str),
) -> Result<(Vec<&'a IncentiveRecord>, Option<u64>), Failure> {
    let listed: Vec<&IncentiveRecord> = code
        .incentives
        .iter()
        .filter_map(|id| incentives.iter().find(|i| &i.id == id))
        .filter(|i| i.applied(currency).is_some())
        .collect();
    if !listed.iter().any(|i| i.kind == IncentiveKind::Redeem) {
        return Ok((listed, None));
    }
    let balance = store::points::balance(&state.db.store, holder.0, holder.1).await?;
    let held = |i: &&IncentiveRecord| {
        i.kind != IncentiveKind::Redeem || i64::from(i.points.unwrap_or(0)) <= balance
    };
    Ok((
        listed.into_iter().filter(held).collect(),
        u64::try_from(balance).ok(),
    ))
}

/// The incentive the offer is priced with: the ticket's, unless the
/// customer picked one of `choices`. Anything else is refused, whatever the
/// request says: the request is the browser's, the ticket the affiliate's.
fn picked(
    request: &OpportunityRequest,
    claims: &TicketClaims,
    choices: &[&IncentiveRecord],
) -> Result<Option<String>, Failure> {
    match &request.incentive {
        None => Ok(claims.incentive.clone()),
        Some(pick) if claims.incentive.as_ref() == Some(pick) => Ok(Some(pick.clone())),
        Some(pick) if choices.iter().any(|i| &i.id == pick) => Ok(Some(pick.clone())),
        Some(pick) => Err(Failure::invalid(
            "incentive",
            format!("'{pick}' is not an incentive this offer lets the customer choose"),
        )),
    }
}

/// The opportunity `code` would open for `purchase`, or why there is none;
/// read from the registry in memory, nothing stored.
pub(crate) async fn candidate(
    state: &AppState,
    affiliate: &Merchant,
    ask: &Candidate<'_>,
    now: i64,
) -> Result<Result<NewOpportunity, NoOffer>, Failure> {
    let Candidate {
        code,
        purchase,
        choices,
        points_balance,
        promotion,
        offered,
        earlier,
    } = *ask;
    let items = selection::items(&state.db, affiliate, code, purchase, promotion, offered).await?;
    if items.is_empty() {
        return Ok(Err(NoOffer::NoEligibleItems));
    }
    // The upseller may confirm stock and price live, within a budget.
    let Some(upseller) = merchant::by_id(&state.db, &code.upseller).await? else {
        return Ok(Err(NoOffer::NotPermitted));
    };
    let currency = purchase.total.currency();
    let quoted = live_quote::confirm(state, &affiliate.id, &upseller, currency, items).await;
    let items = quoted.items;
    if items.is_empty() {
        return Ok(Err(NoOffer::NoEligibleItems));
    }
    let Some(style) = registry::get::<StyleRecord>(&state.db, &affiliate.id, &code.style).await?
    else {
        return Ok(Err(NoOffer::Incomplete));
    };
    let languages = &purchase.languages;
    let teaser = teaser(state, &affiliate.id, code, languages).await?;
    let opportunity = answer(
        new_ordered_id("opp"),
        code,
        &style,
        teaser,
        (choices, points_balance),
        earlier,
        languages,
        now + i64::from(code.offer_minutes) * 60,
    );
    let skus: Vec<&str> = items.iter().map(|i| i.sku.as_str()).collect();
    let new = NewOpportunity {
        id: opportunity.id.clone(),
        reason_code: code.code.as_str().to_owned(),
        upseller: code.upseller.clone(),
        currency: purchase.total.currency().as_str().to_owned(),
        skus: serde_json::to_string(&skus).map_err(|e| Failure::Internal(e.to_string()))?,
        body: serde_json::to_string(&opportunity).map_err(|e| Failure::Internal(e.to_string()))?,
        expires_at: opportunity.expires_at,
        ship_to: purchase
            .ship_to
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Failure::Internal(e.to_string()))?,
        purchase: purchase.to_json()?,
        quoted: if quoted.prices.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&quoted.prices)
                    .map_err(|e| Failure::Internal(e.to_string()))?,
            )
        },
    };
    Ok(Ok(new))
}

/// The teaser of `code` in the customer's `languages`, where the code has
/// it (its own is in its template's language).
pub(crate) async fn teaser(
    state: &AppState,
    affiliate: &str,
    code: &ReasonCodeRecord,
    languages: &[String],
) -> Result<String, Failure> {
    Ok(
        match registry::get::<TemplateRecord>(&state.db, affiliate, &code.template).await? {
            Some(copy) => crate::languages::pick(languages, &copy.lang, &code.teasers),
            None => None,
        }
        .unwrap_or(&code.teaser)
        .clone(),
    )
}

/// What the widget is answered for opportunity `id` of `code`, in `style`:
/// the rewards to pick from (`choices`, with the customer's points when one
/// spends them), the orders earlier in its chain, the customer's language.
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    id: String,
    code: &ReasonCodeRecord,
    style: &StyleRecord,
    teaser: String,
    (choices, points_balance): (&[&IncentiveRecord], Option<u64>),
    earlier: &[EarlierOrder],
    languages: &[String],
    expires_at: i64,
) -> Opportunity {
    Opportunity {
        id,
        presentation: code.presentation,
        teaser,
        style: style.to_wire(),
        expires_at,
        reason_code: code.code.clone(),
        incentives: choices
            .iter()
            .map(|i| Incentive {
                id: i.id.clone(),
                label: i.label.clone(),
            })
            .collect(),
        points_balance,
        earlier: earlier.to_vec(),
        downsell: code.downsell.is_some(),
        lang: crate::languages::spoken(languages).code().to_owned(),
        // Added as it is answered (`languages::answered`), not stored.
        labels: Labels::default(),
    }
}

/// Parses the ticket, finds the affiliate and its secret by key id, verifies.
async fn verify_ticket(
    state: &AppState,
    raw: &str,
    now: i64,
) -> Result<(Arc<Merchant>, TicketClaims), Failure> {
    // The ticket is the request's credential: one that does not parse is
    // refused as one that does not verify is (401), saying why.
    let ticket =
        SignedTicket::parse(raw).map_err(|e| Failure::Unauthorized(format!("ticket: {e}")))?;
    let affiliate_id = &ticket.unverified_claims().affiliate_id;
    let forged = || Failure::Unauthorized("ticket signature does not verify".into());
    let affiliate = merchant::by_id(&state.db, affiliate_id)
        .await?
        .filter(|m| m.affiliate)
        .ok_or_else(forged)?;
    let secret = registry::get::<SecretRecord>(&state.db, &affiliate.id, ticket.key_id())
        .await?
        .ok_or_else(forged)?;
    // A bad signature reads as an unknown affiliate or key id does: the
    // answer never tells which affiliates and key ids exist.
    let claims = ticket
        .verify(secret.secret.as_bytes(), now)
        .map_err(|e| match e {
            postsale_protocol::TicketError::BadSignature => forged(),
            other => Failure::Unauthorized(format!("ticket: {other}")),
        })?;
    Ok((affiliate, claims))
}

/// A browser request (one with an `Origin`) must come from one of the
/// affiliate's proven origins.
fn check_origin(origin: Option<&str>, affiliate: &Merchant) -> Result<(), Failure> {
    match origin {
        Some(origin) if !affiliate.verified_origins.iter().any(|o| o == origin) => {
            Err(Failure::Forbidden(format!(
                "origin {origin} is not a proven origin of this affiliate"
            )))
        }
        _ => Ok(()),
    }
}

/// The order's stored opportunity (its body as first answered), answered
/// again if the same ticket asks while it is open; a conflict for any other
/// ticket or a closed one.
fn reuse(found: Stored, claims: &TicketClaims, now: i64) -> Result<String, Failure> {
    if found.nonce != claims.nonce {
        return Err(Failure::Conflict(
            "this order already has an opportunity from another ticket".into(),
        ));
    }
    if found.status != OpportunityStatus::Open || found.expires_at <= now {
        return Err(Failure::Conflict(format!(
            "ticket already used: the opportunity is {}",
            found.status
        )));
    }
    Ok(found.body)
}

/// The opportunity `id` as stored; 404 when there is none.
pub(crate) async fn found(state: &AppState, id: &str) -> Result<OpportunityRow, Failure> {
    opportunities::by_id(&state.db.store, id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no opportunity '{id}'")))
}

/// The opportunity `id` as first answered, while it has not expired.
pub(crate) async fn stored(state: &AppState, id: &str) -> Result<Opportunity, Failure> {
    let row = found(state, id).await?;
    if row.expires_at <= now() {
        return Err(Failure::Gone("the opportunity has expired".into()));
    }
    let mut shown: Opportunity = serde_json::from_str(&row.body)
        .map_err(|e| Failure::Internal(format!("stored opportunity: {e}")))?;
    shown.labels = Language::of_tag(&shown.lang).unwrap_or_default().labels();
    Ok(shown)
}

/// Records the customer's pick of `incentive` on the open opportunity `id`,
/// from the hub's frame: one of its reason code's choices, or 422.
pub(crate) async fn pick(state: &AppState, id: &str, incentive: &str) -> Result<(), Failure> {
    let open = load_open(state, id).await?;
    // Only a choice this opportunity offered (a follow-up offers none),
    // and one still offered now (a redemption the customer still holds).
    let shown = stored(state, id).await?;
    let incentives = registry::list::<IncentiveRecord>(&state.db, &open.affiliate.id).await?;
    let holder = (open.affiliate.id.as_str(), open.customer_token.as_str());
    let (choices, _) = choices(state, &incentives, &open.code, open.currency, holder).await?;
    if !shown.incentives.iter().any(|i| i.id == incentive)
        || !choices.iter().any(|i| i.id == incentive)
    {
        return Err(Failure::invalid(
            "incentive",
            format!("'{incentive}' is not an incentive this offer lets the customer choose"),
        ));
    }
    if !opportunities::pick(&state.db.writer, id, incentive, now()).await? {
        return Err(Failure::Conflict(
            "the opportunity is no longer open".into(),
        ));
    }
    Ok(())
}

/// The customer said no. Declining twice is fine; declining an accepted
/// opportunity is a conflict.
pub(crate) async fn decline(state: &AppState, id: &str) -> Result<(), Failure> {
    let row = found(state, id).await?;
    match row.status {
        OpportunityStatus::Declined => return Ok(()),
        OpportunityStatus::Open => {}
        other => return Err(Failure::Conflict(format!("the opportunity is {other}"))),
    }
    let mut tx = state.db.writer.begin().await?;
    if opportunities::decline(&mut tx, id).await? {
        events::recording(
            id,
            &row.affiliate,
            &row.reason_code,
            EventKind::Declined,
            None,
            now(),
        )
        .run(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records that the customer opened `open`'s offer (once, however often).
pub(crate) async fn viewed(state: &AppState, open: &OpenOpportunity) -> Result<(), Failure> {
    events::recording(
        &open.id,
        &open.affiliate.id,
        open.code.code.as_str(),
        EventKind::Viewed,
        None,
        now(),
    )
    .run(&state.db.writer)
    .await?;
    Ok(())
}

/// An open opportunity as stored.
#[derive(Debug)]
pub(crate) struct OpenOpportunity {
    pub(crate) id: String,
    pub(crate) affiliate: Arc<Merchant>,
    pub(crate) upseller: Arc<Merchant>,
    pub(crate) code: Arc<ReasonCodeRecord>,
    pub(crate) currency: CurrencyCode,
    pub(crate) items: Vec<Arc<OfferItemRecord>>,
    /// The thank-you reward the offer is priced with.
    pub(crate) incentive: Option<AppliedIncentive>,
    /// The address the affiliate passed with the purchase.
    pub(crate) ship_to: Option<Address>,
    /// Unix seconds from which the offer is gone (refused at that second).
    pub(crate) expires_at: i64,
    /// The affiliate's order the customer just placed.
    pub(crate) order_id: String,
    pub(crate) ticket_nonce: String,
    pub(crate) customer_token: String,
    /// The customer's languages, most preferred first.
    pub(crate) languages: Vec<String>,
}

impl OpenOpportunity {
    /// The language the hub speaks to the customer.
    pub(crate) fn language(&self) -> Language {
        crate::languages::spoken(&self.languages)
    }
}

/// Loads an opportunity that is still open: 404 unknown, 410 expired, 409 closed.
pub(crate) async fn load_open(state: &AppState, id: &str) -> Result<OpenOpportunity, Failure> {
    let row = found(state, id).await?;
    if row.expires_at <= now() {
        return Err(Failure::Gone("the opportunity has expired".into()));
    }
    if row.status != OpportunityStatus::Open {
        return Err(Failure::Conflict(format!(
            "the opportunity is {}",
            row.status
        )));
    }
    let internal = |what: &str| Failure::Internal(format!("opportunity {id}: {what}"));
    // What its merchants deleted since the showing is no longer on offer.
    let gone = || Failure::Gone("this offer is no longer available".into());
    let (affiliate_id, upseller_id, code_id) = (&row.affiliate, &row.upseller, &row.reason_code);
    let affiliate = merchant::by_id(&state.db, affiliate_id)
        .await?
        .ok_or_else(gone)?;
    let upseller = merchant::by_id(&state.db, upseller_id)
        .await?
        .ok_or_else(gone)?;
    let code = registry::get::<ReasonCodeRecord>(&state.db, affiliate_id, code_id)
        .await?
        .ok_or_else(gone)?;
    let currency = CurrencyCode::parse(&row.currency).map_err(|_| internal("currency"))?;
    let skus: Vec<String> = serde_json::from_str(&row.item_skus).map_err(|_| internal("items"))?;
    // The prices the upseller confirmed live when it was shown.
    let quoted: std::collections::BTreeMap<String, String> = match &row.quoted {
        Some(json) => serde_json::from_str(json).map_err(|_| internal("quoted"))?,
        None => std::collections::BTreeMap::new(),
    };
    let mut items = Vec::with_capacity(skus.len());
    for sku in skus {
        // An item the upseller withdrew since the showing is simply not offered.
        if let Some(item) = registry::get::<OfferItemRecord>(&state.db, upseller_id, &sku).await? {
            items.push(match quoted.get(&sku) {
                Some(price) => Arc::new(OfferItemRecord {
                    price: price.clone(),
                    ..(*item).clone()
                }),
                None => item,
            });
        }
    }
    // The reward the customer was promised must still exist: priced
    // without it, the offer would not be the one they agreed to.
    let incentive = match &row.incentive {
        Some(incentive_id) => {
            registry::get::<IncentiveRecord>(&state.db, affiliate_id, incentive_id)
                .await?
                .ok_or_else(gone)?
                .applied(currency)
        }
        None => None,
    };
    let ship_to = match &row.ship_to {
        Some(json) => Some(serde_json::from_str(json).map_err(|_| internal("ship_to"))?),
        None => None,
    };
    Ok(OpenOpportunity {
        ship_to,
        expires_at: row.expires_at,
        id: id.to_owned(),
        affiliate,
        upseller,
        code,
        currency,
        items,
        incentive,
        languages: selection::Purchase::languages_of(row.purchase.as_deref()),
        order_id: row.order_id,
        ticket_nonce: row.ticket_nonce,
        customer_token: row.customer_token,
    })
}
