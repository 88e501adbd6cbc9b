//! Offer selection: from a verified ticket and a checked transaction to the
//! reason code, the upseller's items and whether anything may be shown at all.
//! Every lookup is keyed (reason code, complements index, item), so the cost
//! does not grow with the size of the registry.

use std::sync::Arc;

use postsale_protocol::{HandoffMode, Money, ReasonCode, Transaction};

use crate::{
    db::Db,
    failure::Failure,
    registry::{
        self, Merchant,
        merchant::CustomerData,
        records::{OfferItemRecord, ReasonCodeRecord, ReasonRuleRecord},
    },
};

/// The most items one offer shows.
pub(crate) const MAX_ITEMS: usize = 6;
/// The most lines a transaction may have.
const MAX_LINES: usize = 100;

/// A transaction whose amounts are parsed and add up.
#[derive(Debug, Clone)]
pub(crate) struct Purchase {
    /// `(sku, priority)` in the order selection should follow.
    pub(crate) skus: Vec<String>,
    pub(crate) total: Money,
    /// Where the affiliate ships the order, when it said.
    pub(crate) ship_to: Option<postsale_protocol::Address>,
    /// The promotion the page named, if any (the ticket's comes first).
    pub(crate) promotion_id: Option<String>,
    /// The customer's languages, most preferred first (`languages.rs`).
    pub(crate) languages: Vec<String>,
}

/// What a purchase leaves for its follow-up offers, as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StoredPurchase {
    skus: Vec<String>,
    total: String,
    currency: postsale_protocol::CurrencyCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    promotion_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    languages: Vec<String>,
}

impl Purchase {
    /// What selection needs of it later, as JSON (the address is stored
    /// on its own).
    pub(crate) fn to_json(&self) -> Result<String, Failure> {
        serde_json::to_string(&StoredPurchase {
            skus: self.skus.clone(),
            total: self.total.decimal(),
            currency: self.total.currency(),
            promotion_id: self.promotion_id.clone(),
            languages: self.languages.clone(),
        })
        .map_err(|e| Failure::Internal(e.to_string()))
    }

    /// The purchase [`Self::to_json`] stored, shipped to `ship_to`.
    pub(crate) fn from_json(
        json: &str,
        ship_to: Option<postsale_protocol::Address>,
    ) -> Result<Self, Failure> {
        let bad = |e: String| Failure::Internal(format!("stored purchase: {e}"));
        let stored: StoredPurchase = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            total: Money::parse(&stored.total, stored.currency).map_err(|e| bad(e.to_string()))?,
            skus: stored.skus,
            ship_to,
            promotion_id: stored.promotion_id,
            languages: stored.languages,
        })
    }

    /// The customer's languages of a purchase [`Self::to_json`] stored
    /// (none for a row stored before they were kept).
    pub(crate) fn languages_of(json: Option<&str>) -> Vec<String> {
        #[derive(serde::Deserialize)]
        struct Languages {
            #[serde(default)]
            languages: Vec<String>,
        }
        json.and_then(|json| serde_json::from_str::<Languages>(json).ok())
            .map(|l| l.languages)
            .unwrap_or_default()
    }
}

/// Parses the transaction's amounts and checks that the lines add up to the total.
pub(crate) fn check_transaction(t: &Transaction) -> Result<Purchase, Failure> {
    if t.order_id.is_empty() || t.order_id.len() > 64 {
        return Err(Failure::invalid(
            "transaction.order_id",
            "must be 1 to 64 characters",
        ));
    }
    if let Some(address) = &t.ship_to {
        crate::validate::address("transaction.ship_to", address)?;
    }
    if let Some(promotion) = &t.promotion_id {
        crate::validate::ident("transaction.promotion_id", promotion)?;
    }
    if t.items.is_empty() || t.items.len() > MAX_LINES {
        return Err(Failure::invalid(
            "transaction.items",
            format!("must hold 1 to {MAX_LINES} lines"),
        ));
    }
    let mut sum = Money::from_minor(0, t.currency).map_err(|e| Failure::Internal(e.to_string()))?;
    let mut lines = Vec::with_capacity(t.items.len());
    for (i, item) in t.items.iter().enumerate() {
        let field = |name: &str| format!("transaction.items[{i}].{name}");
        crate::validate::ident(&field("sku"), &item.sku)?;
        if let Some(name) = &item.name {
            crate::validate::text(&field("name"), name, 200)?;
        }
        if !(1..=10_000).contains(&item.quantity) {
            return Err(Failure::invalid(field("quantity"), "must be 1 to 10000"));
        }
        let unit = Money::parse(&item.unit_price, t.currency)
            .map_err(|e| Failure::invalid(field("unit_price"), e))?;
        let line = unit
            .times(item.quantity)
            .ok_or_else(|| Failure::invalid(field("unit_price"), "line total overflows"))?;
        sum = sum
            .plus(&line)
            .ok_or_else(|| Failure::invalid("transaction.items", "the lines' sum overflows"))?;
        lines.push((item.priority.unwrap_or(u32::MAX), i, item.sku.clone()));
    }
    let total =
        Money::parse(&t.total, t.currency).map_err(|e| Failure::invalid("transaction.total", e))?;
    if total != sum {
        return Err(Failure::invalid(
            "transaction.total",
            format!(
                "is {} but the lines add up to {}",
                total.decimal(),
                sum.decimal()
            ),
        ));
    }
    // The affiliate's priorities first (lower first), then the order's own order.
    lines.sort();
    let mut skus: Vec<String> = Vec::with_capacity(lines.len());
    for (_, _, sku) in lines {
        if !skus.contains(&sku) {
            skus.push(sku);
        }
    }
    Ok(Purchase {
        skus,
        total,
        ship_to: t.ship_to.clone(),
        promotion_id: t.promotion_id.clone(),
        languages: Vec::new(),
    })
}

/// Why nothing is shown (answered as 204 with this reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoOffer {
    /// The ticket names no reason code and no rule derives one.
    NoReasonCode,
    /// The reason code is switched off.
    Inactive,
    /// The customer has seen enough offers today.
    FrequencyCap,
    /// No item of the upseller fits (currency, affiliate, promotion).
    NoEligibleItems,
    /// The upseller's agreement (or the corporate affiliation the handoff
    /// mode needs) is not in force.
    NotPermitted,
    /// The reason code names a style its affiliate has deleted.
    Incomplete,
    /// The offer needs customer data the affiliate no longer holds.
    CustomerData,
    /// A chain of follow-up offers ends here: no follow-up is named, or
    /// the order reached its most accepted offers or its most offers.
    ChainEnded,
}

impl NoOffer {
    /// The reason as sent in the `postsale-no-offer` header.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::NoReasonCode => "no_reason_code",
            Self::Inactive => "inactive",
            Self::FrequencyCap => "frequency_cap",
            Self::NoEligibleItems => "no_eligible_items",
            Self::NotPermitted => "not_permitted",
            Self::Incomplete => "incomplete",
            Self::CustomerData => "customer_data",
            Self::ChainEnded => "chain_ended",
        }
    }
}

/// The reason code to use: the ticket's, or the first matching rule's.
pub(crate) async fn reason_code(
    db: &Db,
    affiliate: &Merchant,
    from_ticket: Option<&ReasonCode>,
    purchase: &Purchase,
) -> Result<Result<Arc<ReasonCodeRecord>, NoOffer>, Failure> {
    let code = match from_ticket {
        Some(code) => code.clone(),
        None => {
            // The matching rule of the highest priority (the first by id
            // among equals).
            let rules = registry::list::<ReasonRuleRecord>(db, &affiliate.id).await?;
            match rules
                .iter()
                .filter(|rule| rule_matches(rule, purchase))
                .min_by_key(|r| r.priority)
            {
                Some(rule) => rule.reason_code.clone(),
                None => return Ok(Err(NoOffer::NoReasonCode)),
            }
        }
    };
    let record = registry::get::<ReasonCodeRecord>(db, &affiliate.id, code.as_str())
        .await?
        .ok_or_else(|| {
            Failure::invalid(
                "ticket.reason_code",
                format!("unknown reason code '{code}'"),
            )
        })?;
    if !record.active {
        return Ok(Err(NoOffer::Inactive));
    }
    if record.missing(affiliate).is_some() {
        return Ok(Err(NoOffer::CustomerData));
    }
    let permitted =
        registry::trust::permit_to_show(db, &affiliate.id, &record.upseller, record.handoff_mode)
            .await?;
    if permitted.is_err() {
        return Ok(Err(NoOffer::NotPermitted));
    }
    Ok(Ok(record))
}

fn rule_matches(rule: &ReasonRuleRecord, purchase: &Purchase) -> bool {
    let sku_ok = rule.skus.is_empty() || rule.skus.iter().any(|s| purchase.skus.contains(s));
    let total_ok = match rule.min_total() {
        Some(min) => {
            min.currency() == purchase.total.currency() && purchase.total.minor() >= min.minor()
        }
        None => rule.min_total.is_none(),
    };
    sku_ok && total_ok
}

/// The upseller's items for this purchase. Under a `promotion` (the
/// ticket's, else the page's, else the reason code's) that is exactly the
/// promotion's items; otherwise those complementing the purchased SKUs (in
/// the affiliate's priority order), else the reason code's defaults, and
/// never an item of a promotion. Only those in the order's currency and
/// open to this affiliate, and none `offered` earlier in the order's chain.
pub(crate) async fn items(
    db: &Db,
    affiliate: &Merchant,
    code: &ReasonCodeRecord,
    purchase: &Purchase,
    promotion: Option<&str>,
    offered: &[String],
) -> Result<Vec<Arc<OfferItemRecord>>, Failure> {
    let mut candidates: Vec<String> = Vec::new();
    if let Some(promotion) = promotion {
        candidates = registry::list::<OfferItemRecord>(db, &code.upseller)
            .await?
            .iter()
            .filter(|item| item.promotion_id.as_deref() == Some(promotion))
            .map(|item| item.sku.clone())
            .collect();
    }
    for sku in purchase.skus.iter().filter(|_| promotion.is_none()) {
        for item in registry::complementing(db, &code.upseller, sku)
            .await?
            .iter()
        {
            if !candidates.contains(item) {
                candidates.push(item.clone());
            }
        }
    }
    // What the order's chain offered already is not offered again.
    candidates.retain(|sku| !offered.contains(sku));
    if candidates.is_empty() && promotion.is_none() {
        candidates = code.default_items.clone();
        candidates.retain(|sku| !offered.contains(sku));
    }
    let mut chosen = Vec::new();
    for sku in candidates {
        if chosen.len() == MAX_ITEMS {
            break;
        }
        let Some(item) = registry::get::<OfferItemRecord>(db, &code.upseller, &sku).await? else {
            continue;
        };
        let currency_ok = item.currency == purchase.total.currency();
        let affiliate_ok = item.affiliates.is_empty() || item.affiliates.contains(&affiliate.id);
        let promotion_ok = item.promotion_id.as_deref() == promotion;
        // An item the customer just bought is not offered again.
        let not_bought = !purchase.skus.contains(&item.sku) || code.upseller != affiliate.id;
        // Outside direct_entry the affiliate says where a parcel goes.
        let shippable = !item.physical
            || code.handoff_mode == HandoffMode::DirectEntry
            || affiliate.holds(CustomerData::Shipping);
        if currency_ok && affiliate_ok && promotion_ok && not_bought && shippable {
            chosen.push(item);
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use postsale_protocol::{CurrencyCode, LineItem};

    use super::*;

    fn line(sku: &str, quantity: u32, unit_price: &str, priority: Option<u32>) -> LineItem {
        LineItem {
            sku: sku.into(),
            name: None,
            quantity,
            unit_price: unit_price.into(),
            priority,
        }
    }

    fn transaction(items: Vec<LineItem>, total: &str) -> Transaction {
        Transaction {
            order_id: "A-1".into(),
            items,
            total: total.into(),
            currency: CurrencyCode::parse("USD").expect("USD"),
            ship_to: None,
            promotion_id: None,
        }
    }

    #[test]
    fn lines_must_add_up_to_the_total() {
        let ok = transaction(
            vec![
                line("CAM", 1, "1000.00", None),
                line("BAG", 2, "49.50", None),
            ],
            "1099.00",
        );
        assert!(check_transaction(&ok).is_ok());
        let bad = transaction(vec![line("CAM", 1, "1000.00", None)], "999.99");
        let err = check_transaction(&bad).expect_err("refused");
        assert!(matches!(err, Failure::Invalid { ref field, .. } if field == "transaction.total"));
    }

    #[test]
    fn priorities_order_the_skus() {
        let t = transaction(
            vec![
                line("CAM", 1, "10.00", Some(2)),
                line("LENS", 1, "10.00", Some(1)),
                line("BAG", 1, "10.00", None),
            ],
            "30.00",
        );
        assert_eq!(
            check_transaction(&t).expect("ok").skus,
            ["LENS", "CAM", "BAG"]
        );
    }

    #[test]
    fn overflowing_and_zero_quantities_are_refused() {
        let huge = transaction(
            vec![line("CAM", 10_000, "92233720368547758.07", None)],
            "1.00",
        );
        assert!(
            matches!(check_transaction(&huge), Err(Failure::Invalid { ref field, .. }) if field.ends_with("unit_price"))
        );
        let zero = transaction(vec![line("CAM", 0, "1.00", None)], "0.00");
        assert!(
            matches!(check_transaction(&zero), Err(Failure::Invalid { ref field, .. }) if field.ends_with("quantity"))
        );
    }
}
