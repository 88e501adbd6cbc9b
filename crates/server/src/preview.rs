//! Previews: one of an affiliate's offers as its customers would see it,
//! shown by the real widget build in the console, without an opportunity.
//! A preview is the reason code with any of its parts (style, template,
//! items, incentives, presentation, language) swapped for another of the
//! merchant's, checked as a reason code's are when saved. Its token is the
//! capability in its address, `/preview/{token}/`, under which the hub
//! answers the widget's calls from the registry as it is at each call:
//! nothing is counted, charged or sent to anyone, and no card is taken.
//! See `docs/ARCHITECTURE.md`, "The console".

use std::sync::Arc;

use postsale_protocol::{
    AcceptResponse, ChosenItem, CurrencyCode, Offer, OrderStatus, PreviewAnswer, PreviewRequest,
};

use crate::{
    failure::Failure,
    ids::{new_secret_hex, now, sha256_hex},
    offer,
    opportunity::{self, OpenOpportunity},
    registry::{
        self, Merchant, merchant,
        records::{
            IncentiveKind, IncentiveRecord, OfferItemRecord, ReasonCodeRecord, StyleRecord,
            TemplateRecord,
        },
    },
    state::AppState,
    store::previews::{self, Preview},
    validate,
};

/// How long a preview's address works.
pub(crate) const PREVIEW_SECS: i64 = 3600;

/// The id the widget is told its preview opportunity has.
pub(crate) const PREVIEW_ID: &str = "opp_preview";

/// Most items one preview shows.
const MAX_ITEMS: usize = 20;

/// Checks what `merchant` asks to preview and stores it under a new token.
pub(crate) async fn create(
    state: &AppState,
    merchant: &Merchant,
    asked: &PreviewRequest,
) -> Result<PreviewAnswer, Failure> {
    let at = now();
    assemble(state, merchant, asked, None, at).await?;
    let token = new_secret_hex();
    let preview = Preview {
        merchant_id: merchant.id.clone(),
        choice: serde_json::to_string(asked).map_err(|e| Failure::Internal(e.to_string()))?,
        incentive: None,
        expires_at: at + PREVIEW_SECS,
    };
    previews::insert(&state.db.writer, &sha256_hex(&token), &preview, at).await?;
    Ok(PreviewAnswer {
        page: format!("/preview/{token}/"),
        expires_at: preview.expires_at,
    })
}

/// A live preview: what it shows, assembled from the registry as it is now.
pub(crate) struct Shown {
    pub(crate) open: OpenOpportunity,
    /// The rewards the customer may pick from.
    pub(crate) choices: Vec<IncentiveRecord>,
    pub(crate) style: Arc<StyleRecord>,
    digest: String,
}

/// Whether `token` is a live preview's, without assembling what it shows.
pub(crate) async fn exists(state: &AppState, token: &str) -> Result<bool, Failure> {
    Ok(previews::live(&state.db.pool, &sha256_hex(token), now())
        .await?
        .is_some())
}

/// The live preview whose token is `token`: 404 for an unknown or ended
/// one, 410 when what it shows was deleted since.
pub(crate) async fn shown(state: &AppState, token: &str) -> Result<Shown, Failure> {
    let digest = sha256_hex(token);
    let at = now();
    let unknown = || Failure::NotFound("no such preview (it may have ended)".into());
    let preview = previews::live(&state.db.pool, &digest, at)
        .await?
        .ok_or_else(unknown)?;
    let merchant = merchant::by_id(&state.db, &preview.merchant_id)
        .await?
        .ok_or_else(unknown)?;
    let asked: PreviewRequest = serde_json::from_str(&preview.choice)
        .map_err(|e| Failure::Internal(format!("stored preview: {e}")))?;
    // Checked when it was made: what no longer checks was changed since.
    let gone = |e| match e {
        Failure::Unknown { .. } | Failure::Invalid { .. } => {
            Failure::Gone("what this preview shows was changed or deleted since".into())
        }
        other => other,
    };
    let (open, choices, style) = assemble(state, &merchant, &asked, preview.incentive, at)
        .await
        .map_err(gone)?;
    Ok(Shown {
        open,
        choices,
        style,
        digest,
    })
}

impl Shown {
    /// The opportunity as the widget is answered it.
    pub(crate) async fn opportunity(&self, state: &AppState) -> Result<String, Failure> {
        let choices: Vec<&IncentiveRecord> = self.choices.iter().collect();
        // A reward that spends points shows as to a customer who holds them.
        let points = choices
            .iter()
            .filter(|i| i.kind == IncentiveKind::Redeem)
            .filter_map(|i| i.points)
            .max()
            .map(u64::from);
        let (code, languages) = (&self.open.code, &self.open.languages);
        let teaser = opportunity::teaser(state, &self.open.affiliate.id, code, languages).await?;
        let answer = opportunity::answer(
            PREVIEW_ID.into(),
            code,
            &self.style,
            teaser,
            (&choices, points),
            &[],
            languages,
            self.open.expires_at,
        );
        let body = serde_json::to_string(&answer).map_err(|e| Failure::Internal(e.to_string()))?;
        crate::languages::in_language(&body, self.open.language())
    }

    /// The offer, as the widget is answered it.
    pub(crate) async fn offer(&self, state: &AppState) -> Result<Offer, Failure> {
        offer::render(state, &self.open).await
    }

    /// Remembers the reward picked (one the preview offers), and prices
    /// this showing with it.
    pub(crate) async fn pick(&mut self, state: &AppState, incentive: &str) -> Result<(), Failure> {
        let Some(chosen) = self.choices.iter().find(|i| i.id == incentive) else {
            return Err(Failure::invalid(
                "incentive",
                format!("'{incentive}' is not an incentive this offer lets the customer choose"),
            ));
        };
        self.open.incentive = chosen.applied(self.open.currency);
        previews::pick(&state.db.writer, &self.digest, incentive).await?;
        Ok(())
    }

    /// The confirmation of an accept of `items`, priced as a real one,
    /// ordering nothing.
    pub(crate) fn accepted(&self, items: &[ChosenItem]) -> Result<AcceptResponse, Failure> {
        let (_, quote) = offer::chosen(&self.open, items)?;
        Ok(AcceptResponse {
            order_id: "preview".into(),
            status: OrderStatus::Charged,
            amount: quote.total.decimal(),
            currency: self.open.currency,
            points: offer::points(&self.open),
            points_balance: None,
            client_secret: None,
        })
    }
}

/// Each id of `asked` in the shape of one, its language a tag.
fn check_shapes(asked: &PreviewRequest) -> Result<(), Failure> {
    for (field, id) in [("style", &asked.style), ("template", &asked.template)] {
        if let Some(id) = id {
            validate::ident(field, id)?;
        }
    }
    for (field, ids) in [("items", &asked.items), ("incentives", &asked.incentives)] {
        let ids = ids.as_deref().unwrap_or_default();
        if ids.len() > MAX_ITEMS {
            return Err(Failure::invalid(field, format!("at most {MAX_ITEMS}")));
        }
        for (i, id) in ids.iter().enumerate() {
            validate::ident(&format!("{field}[{i}]"), id)?;
            if ids[..i].contains(id) {
                return Err(Failure::invalid(format!("{field}[{i}]"), "is named twice"));
            }
        }
    }
    if let Some(lang) = &asked.lang
        && !postsale_protocol::is_language_tag(lang)
    {
        return Err(Failure::invalid(
            "lang",
            "must be a BCP 47 language tag, such as de-CH",
        ));
    }
    Ok(())
}

/// What `asked` shows for `merchant`, checked: each part the merchant's own
/// (the items its reason code's upseller's, offered to it), at least one
/// item, one currency. `picked` is the reward picked so far.
async fn assemble(
    state: &AppState,
    merchant: &Merchant,
    asked: &PreviewRequest,
    picked: Option<String>,
    at: i64,
) -> Result<(OpenOpportunity, Vec<IncentiveRecord>, Arc<StyleRecord>), Failure> {
    let mine = &merchant.id;
    check_shapes(asked)?;
    let code = registry::get::<ReasonCodeRecord>(&state.db, mine, asked.reason_code.as_str())
        .await?
        .ok_or_else(|| {
            Failure::unknown(
                "reason_code",
                format!("you have no reason code '{}'", asked.reason_code),
            )
        })?;
    let mut code = (*code).clone();
    if let Some(style) = &asked.style {
        code.style.clone_from(style);
    }
    if let Some(template) = &asked.template {
        code.template.clone_from(template);
    }
    if let Some(incentives) = &asked.incentives {
        code.incentives.clone_from(incentives);
    }
    if let Some(presentation) = asked.presentation {
        code.presentation = presentation;
    }
    let style = registry::get::<StyleRecord>(&state.db, mine, &code.style)
        .await?
        .ok_or_else(|| Failure::unknown("style", format!("you have no style '{}'", code.style)))?;
    let template = registry::get::<TemplateRecord>(&state.db, mine, &code.template)
        .await?
        .ok_or_else(|| {
            Failure::unknown(
                "template",
                format!("you have no template '{}'", code.template),
            )
        })?;
    let upseller = merchant::by_id(&state.db, &code.upseller)
        .await?
        .ok_or_else(|| {
            Failure::unknown(
                "reason_code",
                format!("its upseller '{}' is gone", code.upseller),
            )
        })?;
    let skus = asked.items.as_ref().unwrap_or(&code.default_items);
    if skus.is_empty() {
        return Err(Failure::invalid(
            "items",
            "name the items to show: the reason code has no default items",
        ));
    }
    let mut items: Vec<Arc<OfferItemRecord>> = Vec::with_capacity(skus.len());
    for (i, sku) in skus.iter().enumerate() {
        let item = registry::get::<OfferItemRecord>(&state.db, &upseller.id, sku)
            .await?
            .filter(|item| item.affiliates.is_empty() || item.affiliates.contains(mine))
            .ok_or_else(|| {
                Failure::unknown(
                    format!("items[{i}]"),
                    format!("{} offers you no item '{sku}'", upseller.name),
                )
            })?;
        if let Some(first) = items.first().filter(|o| o.currency != item.currency) {
            return Err(Failure::invalid(
                format!("items[{i}]"),
                format!(
                    "is priced in {}, the first item in {}",
                    item.currency, first.currency
                ),
            ));
        }
        items.push(item);
    }
    let currency: CurrencyCode = items[0].currency;
    let mut choices = Vec::with_capacity(code.incentives.len());
    for (i, id) in code.incentives.iter().enumerate() {
        let incentive = registry::get::<IncentiveRecord>(&state.db, mine, id)
            .await?
            .ok_or_else(|| {
                Failure::unknown(
                    format!("incentives[{i}]"),
                    format!("you have no incentive '{id}'"),
                )
            })?;
        if incentive.applied(currency).is_none() {
            return Err(Failure::invalid(
                format!("incentives[{i}]"),
                format!("cannot apply to items priced in {currency}"),
            ));
        }
        choices.push((*incentive).clone());
    }
    let incentive = picked
        .and_then(|id| choices.iter().find(|i| i.id == id))
        .and_then(|i| i.applied(currency));
    let languages = vec![asked.lang.clone().unwrap_or_else(|| template.lang.clone())];
    let open = OpenOpportunity {
        id: PREVIEW_ID.into(),
        expires_at: at + i64::from(code.offer_minutes) * 60,
        affiliate: merchant::by_id(&state.db, mine)
            .await?
            .ok_or_else(|| Failure::NotFound("no such merchant".into()))?,
        upseller,
        code: Arc::new(code),
        currency,
        items,
        incentive,
        ship_to: None,
        order_id: "preview".into(),
        ticket_nonce: String::new(),
        customer_token: String::new(),
        languages,
    };
    Ok((open, choices, style))
}
