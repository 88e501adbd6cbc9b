//! The sandbox gateway: a processor's test mode, kept in the hub's database as
//! a processor keeps its own records. Test cards and references:
//!
//! | card number        | reference            | behaviour                      |
//! |--------------------|----------------------|--------------------------------|
//! | 4242 4242 4242 4242 | `pm_sandbox_ok`      | succeeds                       |
//! | 4000 0000 0000 0002 | `pm_sandbox_decline` | declined by the issuer         |
//! | 4000 0000 0000 0119 | `pm_sandbox_error`   | processing error               |
//! | 4000 0000 0000 0341 | `pm_sandbox_hang`    | never answers (past timeout)   |
//!
//! Any other number that passes the Luhn check succeeds.

use postsale_protocol::{CardEntry, Money};

use super::{
    CardError, CardForm, CardInput, Charge, ChargeOutcome, EventError, GatewayFuture,
    PaymentGateway, ProcessorEvent, RefundError,
};
use crate::{
    db::Db,
    ids::{new_id, now},
    store::{
        StoreError,
        plan::{Done, Plan},
        sandbox::{self, NewCharge, Refunded},
    },
};

/// The sandbox processor.
#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    db: Db,
}

impl Sandbox {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

fn behaviour_of_card(digits: &str) -> &'static str {
    match digits {
        "4000000000000002" => "decline",
        "4000000000000119" => "error",
        "4000000000000341" => "hang",
        _ => "ok",
    }
}

/// Checks a card and returns its digits and test behaviour.
fn check_card(card: &CardEntry, today: (i64, i64)) -> Result<(String, &'static str), CardError> {
    let digits: String = card
        .card_number
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    // The one rule of what a card number is, the screen's own.
    if !postsale_protocol::is_card_number(&digits) {
        return Err(CardError::Number);
    }
    let (year, month) = today;
    let expiry = (i64::from(card.exp_year), i64::from(card.exp_month));
    if !(1..=12).contains(&card.exp_month) || expiry < (year, month) || card.exp_year > 2100 {
        return Err(CardError::Expiry);
    }
    if !(3..=4).contains(&card.cvc.len()) || !card.cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::Cvc);
    }
    let behaviour = behaviour_of_card(&digits);
    Ok((digits, behaviour))
}

/// The current (year, month) in UTC, from unix seconds (civil-from-days).
fn year_month(unix: i64) -> (i64, i64) {
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

impl PaymentGateway for Sandbox {
    fn card_form(&self) -> CardForm {
        CardForm::Own
    }

    fn tokenize<'a>(
        &'a self,
        card: CardInput<'a>,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<String, CardError>> {
        Box::pin(async move {
            let CardInput::Typed(card) = card else {
                return Err(CardError::OtherForm("typed into the hub's own card form"));
            };
            let (digits, behaviour) = check_card(card, year_month(now()))?;
            let reference = new_id("pm_sbx");
            let last4 = &digits[digits.len() - 4..];
            sandbox::insert_method(
                &self.db.writer,
                &reference,
                opportunity_id,
                last4,
                behaviour,
                now(),
            )
            .await
            .map_err(|_| CardError::Unavailable)?;
            Ok(reference)
        })
    }

    fn entered_for<'a>(
        &'a self,
        reference: &'a str,
        opportunity_id: &'a str,
    ) -> GatewayFuture<'a, Result<bool, CardError>> {
        Box::pin(async move {
            sandbox::method_for(&self.db.store, reference, opportunity_id)
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "sandbox gateway storage failed");
                    CardError::Unavailable
                })
        })
    }

    fn charge<'a>(&'a self, charge: Charge<'a>) -> GatewayFuture<'a, ChargeOutcome> {
        Box::pin(async move {
            match self
                .charge_inner(charge.reference, charge.amount, charge.order_id)
                .await
            {
                Ok(outcome) => outcome,
                // Nothing was recorded, so nothing was charged; the cause is
                // the operator's to read, not the customer's.
                Err(err) => {
                    tracing::error!(error = %err, "sandbox gateway storage failed");
                    ChargeOutcome::Failed("the payment processor failed".into())
                }
            }
        })
    }

    fn refund<'a>(
        &'a self,
        charge_id: &'a str,
        amount: Money,
        idempotency_key: &'a str,
    ) -> GatewayFuture<'a, Result<(), RefundError>> {
        Box::pin(async move {
            self.refund_inner(charge_id, amount, idempotency_key)
                .await
                .unwrap_or_else(|err| {
                    tracing::error!(error = %err, "sandbox gateway storage failed");
                    Err(RefundError::Unknown)
                })
        })
    }

    fn event(&self, _: &str, _: &[u8], _: i64) -> Result<ProcessorEvent, EventError> {
        // The sandbox decides at once: it has nothing to tell later.
        Err(EventError::NotTaken)
    }

    fn order_of<'a>(&'a self, _: &'a str) -> GatewayFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async { Ok(None) })
    }
}
impl Sandbox {
    /// One refund per key; never more than is left of the charge.
    async fn refund_inner(
        &self,
        charge_id: &str,
        amount: Money,
        key: &str,
    ) -> Result<Result<(), RefundError>, StoreError> {
        let refunded = sandbox::refund(
            &self.db.writer,
            charge_id,
            amount.minor(),
            amount.currency().as_str(),
            key,
            now(),
        )
        .await?;
        Ok(match refunded {
            Refunded::Now | Refunded::Before => Ok(()),
            Refunded::Refused => Err(RefundError::Refused),
        })
    }

    async fn charge_inner(
        &self,
        reference: &str,
        amount: Money,
        key: &str,
    ) -> Result<ChargeOutcome, StoreError> {
        // What this key charged before, and how the method behaves, in one read.
        let (previous, stored_behaviour) =
            sandbox::before_charge(&self.db.store, key, reference).await?;
        if let Some(previous) = previous {
            return Ok(charged_before(previous));
        }
        let behaviour = match reference.strip_prefix("pm_sandbox_") {
            Some(b @ ("ok" | "decline" | "error" | "hang")) => b.to_owned(),
            _ => match stored_behaviour {
                Some(behaviour) => behaviour,
                None => return Ok(ChargeOutcome::Declined("unknown payment method".into())),
            },
        };
        let (outcome, detail) = match behaviour.as_str() {
            "ok" => ("charged", new_id("ch_sbx")),
            "decline" => ("declined", "the card was declined".to_owned()),
            "error" => ("failed", "processing error".to_owned()),
            _ => {
                // Hangs like a processor that never answers; the caller's timeout ends it.
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                ("failed", "timeout".to_owned())
            }
        };
        let charge_id = if outcome == "charged" {
            detail.clone()
        } else {
            new_id("ch_sbx")
        };
        let inserted = Plan::<std::convert::Infallible>::new()
            .or_stop(sandbox::inserting_charge(&NewCharge {
                key,
                charge_id: &charge_id,
                reference,
                amount_minor: amount.minor(),
                currency: amount.currency().as_str(),
                outcome,
                at: now(),
            }))
            .run(&self.db.store)
            .await?
            == Done::All;
        if inserted {
            Ok(match outcome {
                "charged" => ChargeOutcome::Charged(charge_id),
                "declined" => ChargeOutcome::Declined(detail),
                _ => ChargeOutcome::Failed(detail),
            })
        } else {
            // The same key charged at the same moment elsewhere: its outcome stands.
            Ok(self
                .previous(key)
                .await?
                .unwrap_or(ChargeOutcome::Failed("conflict".into())))
        }
    }

    async fn previous(&self, key: &str) -> Result<Option<ChargeOutcome>, StoreError> {
        Ok(sandbox::charge(&self.db.store, key)
            .await?
            .map(charged_before))
    }
}

/// The outcome of a stored charge: its id and outcome.
fn charged_before((charge_id, outcome): (String, String)) -> ChargeOutcome {
    match outcome.as_str() {
        "charged" => ChargeOutcome::Charged(charge_id),
        "declined" => ChargeOutcome::Declined("the card was declined".into()),
        _ => ChargeOutcome::Failed("processing error".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: u8, year: u16, cvc: &str) -> CardEntry {
        CardEntry {
            card_number: number.into(),
            exp_month: month,
            exp_year: year,
            cvc: cvc.into(),
        }
    }

    #[test]
    fn test_cards_map_to_their_behaviour() {
        let today = (2026, 11);
        assert_eq!(
            check_card(&card("4242 4242 4242 4242", 12, 2030, "123"), today).map(|c| c.1),
            Ok("ok")
        );
        assert_eq!(
            check_card(&card("4000000000000002", 12, 2030, "123"), today).map(|c| c.1),
            Ok("decline")
        );
        assert_eq!(
            check_card(&card("4000000000000341", 12, 2030, "123"), today).map(|c| c.1),
            Ok("hang")
        );
    }

    #[test]
    fn bad_cards_are_refused() {
        let today = (2026, 11);
        assert_eq!(
            check_card(&card("4242424242424241", 12, 2030, "123"), today),
            Err(CardError::Number)
        );
        assert_eq!(
            check_card(&card("4242", 12, 2030, "123"), today),
            Err(CardError::Number)
        );
        assert_eq!(
            check_card(&card("4242424242424242", 10, 2026, "123"), today),
            Err(CardError::Expiry)
        );
        assert_eq!(
            check_card(&card("4242424242424242", 13, 2030, "123"), today),
            Err(CardError::Expiry)
        );
        assert_eq!(
            check_card(&card("4242424242424242", 12, 2030, "12a"), today),
            Err(CardError::Cvc)
        );
    }

    #[test]
    fn the_calendar_is_right() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(1_795_000_000), (2026, 11));
        assert_eq!(year_month(951_782_400), (2000, 2)); // 2000-02-29
    }
}
