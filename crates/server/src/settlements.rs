//! The settlement ledger: for each charged order between two merchants, who
//! holds the customer's money and what they owe the other. Under
//! `merchant_of_record` the affiliate charged, so it owes the upseller the
//! amount less its commission; in the other modes the upseller was paid and
//! owes the affiliate its commission. Booked in the order's settlement
//! transaction, read by both parties.

use postsale_protocol::{CurrencyCode, HandoffMode, Money};
use serde::Serialize;

use crate::{
    db::Db,
    failure::Failure,
    ids::now,
    store::{
        plan::Statement,
        settlements::{self, Booking, Entry},
    },
};

/// One ledger entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Settlement {
    pub(crate) order_id: String,
    /// The merchant holding the money.
    pub(crate) debtor: String,
    /// The merchant it is owed to.
    pub(crate) creditor: String,
    pub(crate) mode: HandoffMode,
    /// What the customer paid, decimal.
    pub(crate) order_amount: String,
    /// The affiliate's commission, in basis points of the order amount.
    pub(crate) commission_bps: u32,
    /// What the debtor owes the creditor, decimal, less the refunded share.
    pub(crate) owed: String,
    /// What was refunded of the order so far, decimal.
    pub(crate) refunded: String,
    pub(crate) currency: CurrencyCode,
    pub(crate) at: i64,
}

/// Who owes whom how much for one order, or nothing (a merchant selling its
/// own items, or a zero commission where the upseller was paid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Debt {
    pub(crate) debtor: String,
    pub(crate) creditor: String,
    pub(crate) owed: Money,
}

/// The debt an order leaves between its affiliate and upseller.
pub(crate) fn debt(
    mode: HandoffMode,
    affiliate: &str,
    upseller: &str,
    amount: Money,
    commission_bps: u32,
) -> Option<Debt> {
    if affiliate == upseller {
        return None;
    }
    let commission_minor =
        i64::try_from(i128::from(amount.minor()) * i128::from(commission_bps.min(10_000)) / 10_000)
            .ok()?;
    let (debtor, creditor, owed_minor) = match mode {
        HandoffMode::MerchantOfRecord => (affiliate, upseller, amount.minor() - commission_minor),
        HandoffMode::PaymentReference | HandoffMode::DirectEntry => {
            (upseller, affiliate, commission_minor)
        }
    };
    if owed_minor == 0 {
        return None;
    }
    Some(Debt {
        debtor: debtor.to_owned(),
        creditor: creditor.to_owned(),
        owed: Money::from_minor(owed_minor, amount.currency()).ok()?,
    })
}

/// Books one order's debt inside the settlement transaction (once per order).
pub(crate) fn booking(
    order_id: &str,
    mode: HandoffMode,
    amount: Money,
    commission_bps: u32,
    debt: &Debt,
) -> Statement {
    settlements::booking(&Booking {
        order_id,
        debtor: &debt.debtor,
        creditor: &debt.creditor,
        mode: mode.as_str(),
        order_amount_minor: amount.minor(),
        commission_bps,
        owed_minor: debt.owed.minor(),
        currency: amount.currency().as_str(),
        at: now(),
    })
}

/// The entries `merchant` owes or is owed, newest first: at most `fetch`
/// of those before `before` (time, order id). What is owed shrinks with
/// what was refunded of the order, in proportion.
pub(crate) async fn of(
    db: &Db,
    merchant: &str,
    before: (i64, &str),
    fetch: i64,
) -> Result<Vec<Settlement>, Failure> {
    settlements::of(&db.pool, merchant, before, fetch)
        .await?
        .into_iter()
        .map(entry)
        .collect()
}

/// A stored entry as the merchants read it.
fn entry(stored: Entry) -> Result<Settlement, Failure> {
    let bad = |what: &str| Failure::Internal(format!("stored settlement {what}"));
    let currency = CurrencyCode::parse(&stored.currency).map_err(|_| bad("currency"))?;
    let decimal = |minor: i64, what: &str| {
        Money::from_minor(minor, currency)
            .map(|m| m.decimal())
            .map_err(|_| bad(what))
    };
    let amount = stored.order_amount_minor;
    let refunded = stored.refunded_minor.clamp(0, amount);
    let owed_now = if amount > 0 {
        i64::try_from(
            i128::from(stored.owed_minor) * i128::from(amount - refunded) / i128::from(amount),
        )
        .map_err(|_| bad("owed"))?
    } else {
        stored.owed_minor
    };
    Ok(Settlement {
        mode: HandoffMode::parse(&stored.mode).ok_or_else(|| bad("mode"))?,
        order_amount: decimal(amount, "order_amount_minor")?,
        commission_bps: u32::try_from(stored.commission_bps).map_err(|_| bad("commission"))?,
        owed: decimal(owed_now, "owed")?,
        refunded: decimal(refunded, "refunded")?,
        currency,
        at: stored.at,
        order_id: stored.order_id,
        debtor: stored.debtor,
        creditor: stored.creditor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, CurrencyCode::parse("USD").expect("USD")).expect("money")
    }

    #[test]
    fn under_merchant_of_record_the_affiliate_owes_the_amount_less_its_commission() {
        let owed = debt(
            HandoffMode::MerchantOfRecord,
            "shop",
            "lens",
            usd(10_000),
            1_500,
        )
        .expect("a debt");
        assert_eq!(owed.debtor, "shop");
        assert_eq!(owed.creditor, "lens");
        assert_eq!(owed.owed, usd(8_500));
    }

    #[test]
    fn where_the_upseller_was_paid_it_owes_the_commission_or_nothing() {
        let owed =
            debt(HandoffMode::DirectEntry, "shop", "trail", usd(9_999), 1_000).expect("a debt");
        assert_eq!(
            (owed.debtor.as_str(), owed.creditor.as_str()),
            ("trail", "shop")
        );
        assert_eq!(owed.owed, usd(999), "rounded down to the cent");
        assert_eq!(
            debt(HandoffMode::PaymentReference, "shop", "lens", usd(9_999), 0),
            None
        );
    }

    #[test]
    fn a_merchant_selling_its_own_items_owes_nobody() {
        assert_eq!(
            debt(HandoffMode::MerchantOfRecord, "shop", "shop", usd(500), 0),
            None
        );
    }
}
