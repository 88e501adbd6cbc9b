//! The offer service: what an open opportunity offers the customer (the
//! upseller's items, the copy rendered from the reason code's template, the
//! affiliate's style, and the disclosure its handoff mode demands), and what
//! a choice of its items costs. The consent frame, the card entry and the
//! accept all check a customer's choice and disclosure here. See
//! `docs/ARCHITECTURE.md`, "One purchase".

use postsale_protocol::{
    ChosenItem, Disclosure, HandoffItem, HandoffMode, Money, Offer, OfferItem, PricedLine, Quote,
    fill_named,
};
use sha2::{Digest, Sha256};

use crate::{
    failure::Failure,
    opportunity::{self, OpenOpportunity, load_open},
    registry::{
        self,
        records::{StyleRecord, TemplateRecord},
    },
    state::AppState,
    template,
};

/// The offer of the open opportunity `id`, counted as viewed. One whose
/// agreement or affiliation ended since the showing is gone: its disclosure
/// would claim a relation that no longer holds.
pub(crate) async fn show(state: &AppState, id: &str) -> Result<Offer, Failure> {
    let open = load_open(state, id).await?;
    let permit = registry::trust::permit(
        &state.db,
        &open.affiliate.id,
        &open.upseller.id,
        open.code.handoff_mode,
    )
    .await?;
    if permit.is_err() {
        return Err(Failure::Gone("this offer is no longer available".into()));
    }
    let offer = render(state, &open).await?;
    opportunity::viewed(state, &open).await?;
    Ok(offer)
}

/// The placeholder the widget replaces with the customer's first name, which
/// the merchant's page gives it and the hub never receives.
const FIRST_NAME: &str = "{{first_name}}";

/// Builds the offer for an open opportunity.
pub(crate) async fn render(state: &AppState, open: &OpenOpportunity) -> Result<Offer, Failure> {
    let affiliate_id = &open.affiliate.id;
    let gone = || Failure::Gone("this offer is no longer available".into());
    let copy = registry::get::<TemplateRecord>(&state.db, affiliate_id, &open.code.template)
        .await?
        .ok_or_else(gone)?;
    let style = registry::get::<StyleRecord>(&state.db, affiliate_id, &open.code.style)
        .await?
        .ok_or_else(gone)?;
    let incentive_label = open.incentive.as_ref().map(|i| i.label.clone());
    let value_of = |name: &str| match name {
        "affiliate" => open.affiliate.name.clone(),
        "upseller" => seller_name(open),
        "points" => points(open).to_string(),
        "incentive" => incentive_label.clone().unwrap_or_default(),
        // The name stays on the customer's device: the widget fills it in.
        "first_name" => FIRST_NAME.into(),
        _ => String::new(),
    };
    // The copy in the customer's language, where the template has it.
    let (headline, body, button) =
        match crate::languages::pick(&open.languages, &copy.lang, &copy.translations) {
            Some(t) => (&t.headline, &t.body, &t.button),
            None => (&copy.headline, &copy.body, &copy.button),
        };
    let items = open
        .items
        .iter()
        .map(|item| OfferItem {
            sku: item.sku.clone(),
            name: item.name.clone(),
            image_url: item.image_url.clone(),
            image_alt: item.image_alt.clone(),
            description: item.description.clone(),
            compare_at_price: item.compare_at_price.clone(),
            unit_price: item.price.clone(),
            max_quantity: item.max_quantity,
            shipping: item.shipping.clone(),
            physical: item.physical,
        })
        .collect();
    Ok(Offer {
        opportunity_id: open.id.clone(),
        headline: template::render(headline, value_of),
        body: template::render(body, value_of),
        button: template::render(button, value_of),
        items,
        currency: open.currency,
        style: style.to_wire(),
        disclosure: disclosure(open),
        points: points(open),
        incentive: open.incentive.clone(),
        // Only where the customer confirms the address: in the hub's frame,
        // with the card.
        expires_at: open.expires_at,
        ship_to: open
            .ship_to
            .clone()
            .filter(|_| open.code.handoff_mode == HandoffMode::DirectEntry),
    })
}

/// The points accepting earns: the reason code's, and the reward's bonus.
pub(crate) fn points(open: &OpenOpportunity) -> u32 {
    let bonus = open.incentive.as_ref().map_or(0, |i| i.bonus_points);
    open.code.points.saturating_add(bonus)
}

/// Under merchant of record the affiliate sells, so the upseller may stay unnamed.
fn seller_name(open: &OpenOpportunity) -> String {
    match open.code.handoff_mode {
        HandoffMode::MerchantOfRecord => open.affiliate.name.clone(),
        _ => open.upseller.name.clone(),
    }
}

/// The text the customer must see before confirming, per handoff mode, in
/// the customer's language.
pub(crate) fn disclosure(open: &OpenOpportunity) -> Disclosure {
    let language = open.language();
    let (affiliate, upseller) = (open.affiliate.name.as_str(), open.upseller.name.as_str());
    let (seller, key) = match open.code.handoff_mode {
        HandoffMode::MerchantOfRecord => (None, "disclosure_merchant_of_record"),
        HandoffMode::PaymentReference => (Some(upseller), "disclosure_payment_reference"),
        HandoffMode::DirectEntry => (Some(upseller), "disclosure_direct_entry"),
    };
    let names = [("affiliate", affiliate), ("upseller", upseller)];
    let text = fill_named(language.word(key), &names);
    // A reward that changes the price is named with it; points spent are
    // named by number: the consent binds them.
    let reward = match &open.incentive {
        Some(reward) if reward.redeem_points > 0 => Some(fill_named(
            language.word("disclosure_points"),
            &[
                ("reward", &reward.label),
                ("points", &reward.redeem_points.to_string()),
            ],
        )),
        Some(reward) if reward.changes_price() => Some(fill_named(
            language.word("disclosure_reward"),
            &[("reward", &reward.label)],
        )),
        _ => None,
    };
    let text = match reward {
        Some(reward) => [text.as_str(), " ", &reward].concat(),
        None => text,
    };
    let text_sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    Disclosure {
        mode: open.code.handoff_mode,
        seller: seller.map(str::to_owned),
        text,
        text_sha256,
    }
}

/// The chosen lines, checked against what was offered, and what they cost
/// with the customer's reward (`postsale_protocol::quote`, the widget's own
/// arithmetic). A choice that leaves nothing to charge is refused.
pub(crate) fn chosen(
    open: &OpenOpportunity,
    choices: &[ChosenItem],
) -> Result<(Vec<HandoffItem>, Quote), Failure> {
    if choices.is_empty() || choices.len() > open.items.len() {
        return Err(Failure::invalid(
            "items",
            "choose at least one of the offered items",
        ));
    }
    let stored = |e: postsale_protocol::MoneyError| Failure::Internal(format!("stored price: {e}"));
    let zero = Money::from_minor(0, open.currency).map_err(stored)?;
    let mut lines: Vec<HandoffItem> = Vec::new();
    let mut priced: Vec<PricedLine> = Vec::new();
    for (i, choice) in choices.iter().enumerate() {
        let field = |name: &str| format!("items[{i}].{name}");
        let item = open
            .items
            .iter()
            .find(|o| o.sku == choice.sku)
            .ok_or_else(|| {
                Failure::invalid(field("sku"), format!("'{}' is not on offer", choice.sku))
            })?;
        if lines.iter().any(|l| l.sku == choice.sku) {
            return Err(Failure::invalid(field("sku"), "is chosen twice"));
        }
        if choice.quantity == 0 || choice.quantity > item.max_quantity {
            return Err(Failure::invalid(
                field("quantity"),
                format!("must be 1 to {}", item.max_quantity),
            ));
        }
        priced.push(PricedLine {
            unit: Money::parse(&item.price, open.currency).map_err(stored)?,
            quantity: choice.quantity,
            shipping: match &item.shipping {
                Some(fee) => Money::parse(fee, open.currency).map_err(stored)?,
                None => zero,
            },
        });
        lines.push(HandoffItem {
            sku: item.sku.clone(),
            name: item.name.clone(),
            quantity: choice.quantity,
            unit_price: item.price.clone(),
        });
    }
    let quote = postsale_protocol::quote(priced, open.currency, open.incentive.as_ref())
        .ok_or_else(|| Failure::invalid("items", "total overflows"))?;
    if quote.total.minor() == 0 {
        return Err(Failure::invalid(
            "items",
            "the reward leaves nothing to charge for these items",
        ));
    }
    Ok((lines, quote))
}
