//! The event log behind the statistics: every view, decline and accept,
//! with the amount for accepts. Each kind is stored at most once per
//! opportunity: a customer who opens the offer ten times is one view.

use postsale_protocol::Money;

use super::plan::Statement;
use crate::domain::EventKind;

/// Appends one event at `at`; the same kind for the same opportunity again
/// is not counted again. Run alone or as a statement of a write plan.
pub(crate) fn recording(
    opportunity: &str,
    affiliate: &str,
    reason_code: &str,
    kind: EventKind,
    amount: Option<Money>,
    at: i64,
) -> Statement {
    Statement {
        sql: "INSERT INTO events (id, opportunity_id, affiliate_id, reason_code, kind, amount_minor, currency, at) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        values: vec![
            format!("{kind}:{opportunity}").into(),
            opportunity.into(),
            affiliate.into(),
            reason_code.into(),
            kind.as_str().into(),
            amount.map_or(0, |m| m.minor()).into(),
            amount
                .map_or_else(String::new, |m| m.currency().to_string())
                .into(),
            at.into(),
        ],
    }
}
