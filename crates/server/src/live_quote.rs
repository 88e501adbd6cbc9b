//! The live quote: while an opportunity opens, the hub may ask the upseller
//! (at its proven `quote_url`, signed with its `webhooks` key, the one it
//! already checks the hub's webhooks with) whether the
//! items about to be shown are in stock and at what price. The question has
//! [`BUDGET`] to be answered; a late, failed, refused or unreadable answer
//! leaves the catalogue as it is, so the page never waits longer than that
//! on an upseller. An answer may take items out (not available) or lower a
//! price; a price above the catalogue's, or one that does not parse, takes
//! the item out as unconfirmed. What was confirmed is stored with the
//! opportunity, so the offer and the accept charge the same price.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use postsale_protocol::{
    CurrencyCode, HANDOFF_KEY_ID_HEADER, Money, QuoteLine, QuoteRequest, QuoteResponse,
    SIGNATURE_HEADER, sign_request,
};
use reqwest::Method;

use crate::{
    ids::now,
    registry::{
        Merchant,
        keys::{self, Purpose},
        records::OfferItemRecord,
    },
    state::AppState,
};

/// How long the hub waits for an upseller's quote.
pub(crate) const BUDGET: Duration = Duration::from_millis(300);

/// What the upseller confirmed: the items still offered and the live prices
/// that replace the catalogue's (by SKU).
#[derive(Debug, Clone, Default)]
pub(crate) struct Quoted {
    pub(crate) items: Vec<Arc<OfferItemRecord>>,
    pub(crate) prices: BTreeMap<String, String>,
}

/// `items` as the upseller confirms them now, or as the catalogue has them
/// when it is not asked (no proven quote URL, no webhooks key) or does not
/// answer in time.
pub(crate) async fn confirm(
    state: &AppState,
    affiliate: &str,
    upseller: &Merchant,
    currency: CurrencyCode,
    items: Vec<Arc<OfferItemRecord>>,
) -> Quoted {
    let catalogue = Quoted {
        items: items.clone(),
        prices: BTreeMap::new(),
    };
    let (Some(url), true) = (&upseller.quote_url, upseller.quote_url_verified) else {
        return catalogue;
    };
    let request = QuoteRequest {
        affiliate_id: affiliate.to_owned(),
        currency,
        items: items
            .iter()
            .map(|item| QuoteLine {
                sku: item.sku.clone(),
                unit_price: item.price.clone(),
            })
            .collect(),
    };
    match tokio::time::timeout(BUDGET, ask(state, &upseller.id, url, &request)).await {
        Ok(Some(answer)) => apply(items, currency, &answer),
        Ok(None) => catalogue,
        Err(_) => {
            tracing::warn!(upseller = %upseller.id, "quote: no answer within the budget");
            state.metrics.quote("late");
            catalogue
        }
    }
}

/// Sends the question; the answer when it is a readable 2xx.
async fn ask(
    state: &AppState,
    upseller: &str,
    url: &str,
    request: &QuoteRequest,
) -> Option<QuoteResponse> {
    let key = match keys::signing(&state.db, upseller, Purpose::Webhooks).await {
        Ok(Some(key)) => key,
        _ => {
            state.metrics.quote("unsigned");
            return None;
        }
    };
    let body = serde_json::to_vec(request).ok()?;
    let signature = sign_request(&body, key.secret.expose(), now());
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        (SIGNATURE_HEADER, signature.as_str()),
        (HANDOFF_KEY_ID_HEADER, key.key_id.as_str()),
    ];
    let answer = state
        .outbound
        .send(Method::POST, url, &headers, Some(body), BUDGET)
        .await;
    match answer {
        Ok(answer) if (200..300).contains(&answer.status) => {
            match serde_json::from_slice(&answer.body) {
                Ok(read) => {
                    state.metrics.quote("answered");
                    Some(read)
                }
                Err(_) => {
                    tracing::warn!(upseller, "quote: an answer that does not read");
                    state.metrics.quote("unreadable");
                    None
                }
            }
        }
        Ok(answer) => {
            tracing::warn!(upseller, status = answer.status, "quote: refused");
            state.metrics.quote("refused");
            None
        }
        Err(failure) => {
            tracing::warn!(upseller, error = %failure, "quote: call failed");
            state.metrics.quote("failed");
            None
        }
    }
}

/// `items` after the upseller's `answer`.
fn apply(
    items: Vec<Arc<OfferItemRecord>>,
    currency: CurrencyCode,
    answer: &QuoteResponse,
) -> Quoted {
    let mut quoted = Quoted::default();
    for item in items {
        let Some(said) = answer.items.iter().find(|said| said.sku == item.sku) else {
            quoted.items.push(item);
            continue;
        };
        if !said.available {
            continue;
        }
        if let Some(live) = &said.unit_price {
            let catalogue = Money::parse(&item.price, currency).ok();
            match (Money::parse(live, currency), catalogue) {
                (Ok(live), Some(catalogue))
                    if live.minor() > 0 && live.minor() <= catalogue.minor() =>
                {
                    if live != catalogue {
                        quoted.prices.insert(item.sku.clone(), live.decimal());
                    }
                }
                // Above the catalogue, zero or unreadable: not confirmed.
                _ => continue,
            }
        }
        quoted.items.push(item);
    }
    quoted
}

#[cfg(test)]
mod tests {
    use postsale_protocol::QuotedItem;

    use super::*;

    fn usd() -> CurrencyCode {
        CurrencyCode::parse("USD").expect("USD")
    }

    fn item(sku: &str, price: &str) -> Arc<OfferItemRecord> {
        let record =
            serde_json::json!({"sku": sku, "name": sku, "price": price, "currency": "USD"});
        Arc::new(serde_json::from_value(record).expect("an item"))
    }

    fn said(sku: &str, available: bool, price: Option<&str>) -> QuotedItem {
        QuotedItem {
            sku: sku.into(),
            available,
            unit_price: price.map(str::to_owned),
        }
    }

    #[test]
    fn an_answer_takes_out_what_is_gone_lowers_prices_and_never_raises_them() {
        let items = vec![
            item("A", "10.00"),
            item("B", "20.00"),
            item("C", "30.00"),
            item("D", "40.00"),
            item("E", "50.00"),
            item("F", "60.00"),
        ];
        let answer = QuoteResponse {
            items: vec![
                said("A", true, Some("8.50")),
                said("B", false, None),
                said("C", true, Some("31.00")),
                said("D", true, Some("forty")),
                said("E", true, Some("50.00")),
                said("X", true, Some("1.00")),
            ],
        };
        let quoted = apply(items, usd(), &answer);
        let skus: Vec<&str> = quoted.items.iter().map(|i| i.sku.as_str()).collect();
        // B is gone; C's higher and D's unreadable prices are not confirmed;
        // F was not answered for and keeps the catalogue's; X was never asked.
        assert_eq!(skus, ["A", "E", "F"]);
        assert_eq!(
            quoted.prices,
            BTreeMap::from([("A".to_owned(), "8.50".to_owned())])
        );
    }
}
