//! Who may sell for whom. Two facts no merchant sets for itself: a corporate
//! affiliation (proposed by one merchant, accepted by the other, confirmed by
//! the operator), kept here, and an upseller's agreement naming the handoff
//! modes an affiliate may sell its items in (`agreements.rs`). `permit` is
//! the one check of both, made
//! when a reason code is saved, at selection, at accept and again at payment.

use postsale_protocol::HandoffMode;
use serde::Serialize;
use sqlx::Row;

pub(crate) use crate::domain::AffiliationStatus;
use crate::{
    db::Db,
    domain::AgreementStatus,
    failure::Failure,
    ids::{new_id, now},
};

/// A claim that two merchants are one corporate group, and how far it got.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Affiliation {
    pub(crate) id: String,
    /// The merchant that proposed it.
    pub(crate) proposer: String,
    /// The merchant asked to accept it.
    pub(crate) partner: String,
    pub(crate) status: AffiliationStatus,
    pub(crate) proposed_at: i64,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) confirmed_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

const AFFILIATION_COLUMNS: &str =
    "id, proposer_id, partner_id, status, proposed_at, accepted_at, confirmed_at, revoked_at";

fn decode_affiliation(row: &sqlx::any::AnyRow) -> Result<Affiliation, Failure> {
    Ok(Affiliation {
        id: row.try_get("id")?,
        proposer: row.try_get("proposer_id")?,
        partner: row.try_get("partner_id")?,
        status: AffiliationStatus::parse(&row.try_get::<String, _>("status")?)?,
        proposed_at: row.try_get("proposed_at")?,
        accepted_at: row.try_get("accepted_at")?,
        confirmed_at: row.try_get("confirmed_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn pair<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Records `proposer`'s claim to be of one group with `partner`. A live
/// affiliation of the pair (any but revoked) is a conflict.
pub(crate) async fn propose(
    db: &Db,
    proposer: &str,
    partner: &str,
) -> Result<Affiliation, Failure> {
    let (low, high) = pair(proposer, partner);
    let id = new_id("aff");
    let at = now();
    let inserted = sqlx::query(
        "INSERT INTO affiliations (id, proposer_id, partner_id, low_id, high_id, status, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $7, $6)",
    )
    .bind(&id)
    .bind(proposer)
    .bind(partner)
    .bind(low)
    .bind(high)
    .bind(at)
    .bind(AffiliationStatus::Proposed.as_str())
    .execute(&db.writer)
    .await;
    match inserted {
        Err(err) if crate::store::is_unique_violation(&err) => Err(Failure::Conflict(
            "an affiliation with this merchant is already proposed or in force".into(),
        )),
        Err(err) => Err(err.into()),
        Ok(_) => Ok(Affiliation {
            id,
            proposer: proposer.to_owned(),
            partner: partner.to_owned(),
            status: AffiliationStatus::Proposed,
            proposed_at: at,
            accepted_at: None,
            confirmed_at: None,
            revoked_at: None,
        }),
    }
}

/// The affiliations `merchant` is a party of (all of them for `None`, the
/// operator's view), newest first, optionally only those in `status`.
pub(crate) async fn list_affiliations(
    db: &Db,
    merchant: Option<&str>,
    status: Option<AffiliationStatus>,
) -> Result<Vec<Affiliation>, Failure> {
    let rows = sqlx::query(&format!(
        "SELECT {AFFILIATION_COLUMNS} FROM affiliations \
         WHERE ($1 = '' OR proposer_id = $1 OR partner_id = $1) AND ($2 = '' OR status = $2) \
         ORDER BY proposed_at DESC, id LIMIT 500"
    ))
    .bind(merchant.unwrap_or(""))
    .bind(status.map_or("", AffiliationStatus::as_str))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(decode_affiliation).collect()
}

/// One affiliation, seen by a party of it (or by the operator for `None`).
/// Another merchant's affiliation is as missing as one that never was.
pub(crate) async fn affiliation(
    db: &Db,
    id: &str,
    seen_by: Option<&str>,
) -> Result<Affiliation, Failure> {
    let row = sqlx::query(&format!(
        "SELECT {AFFILIATION_COLUMNS} FROM affiliations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let found = row.as_ref().map(decode_affiliation).transpose()?;
    found
        .filter(|a| seen_by.is_none_or(|m| a.proposer == m || a.partner == m))
        .ok_or_else(|| Failure::NotFound(format!("no affiliation '{id}'")))
}

/// Moves an affiliation from `from` to `to` in one conditional update, so
/// that two answers at once cannot both succeed.
async fn advance(
    db: &Db,
    id: &str,
    from: &[AffiliationStatus],
    to: AffiliationStatus,
    by: &str,
) -> Result<(), Failure> {
    let column = match to {
        AffiliationStatus::Accepted => "accepted_at",
        AffiliationStatus::Confirmed => "confirmed_at",
        AffiliationStatus::Revoked => "revoked_at",
        AffiliationStatus::Proposed => {
            return Err(Failure::Internal("an affiliation cannot go back".into()));
        }
    };
    // The statuses it may move from, bound after the four values.
    let allowed = (0..from.len())
        .map(|n| format!("${}", n + 6))
        .collect::<Vec<_>>()
        .join(", ");
    let mut tx = db.writer.begin().await?;
    let sql = format!(
        "UPDATE affiliations SET status = $1, {column} = $2, revoked_by = CASE WHEN $1 = $5 THEN $3 ELSE revoked_by END \
         WHERE id = $4 AND status IN ({allowed})"
    );
    let moved = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(now())
        .bind(by)
        .bind(id)
        .bind(AffiliationStatus::Revoked.as_str());
    let moved = from
        .iter()
        .fold(moved, |query, status| query.bind(status.as_str()))
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() == 1 {
        super::commit(db, tx, None).await
    } else {
        Err(Failure::Conflict(format!(
            "the affiliation cannot become {} from where it stands",
            to.as_str()
        )))
    }
}

/// The partner accepts a proposal made to it (never the proposer).
pub(crate) async fn accept(db: &Db, id: &str, by: &str) -> Result<Affiliation, Failure> {
    let found = affiliation(db, id, Some(by)).await?;
    if found.partner != by {
        return Err(Failure::Forbidden(
            "only the merchant the affiliation was proposed to can accept it".into(),
        ));
    }
    advance(
        db,
        id,
        &[AffiliationStatus::Proposed],
        AffiliationStatus::Accepted,
        by,
    )
    .await?;
    affiliation(db, id, None).await
}

/// The operator confirms an affiliation both merchants accepted.
pub(crate) async fn confirm(db: &Db, id: &str) -> Result<Affiliation, Failure> {
    affiliation(db, id, None).await?;
    advance(
        db,
        id,
        &[AffiliationStatus::Accepted],
        AffiliationStatus::Confirmed,
        "operator",
    )
    .await?;
    affiliation(db, id, None).await
}

/// Either merchant (or the operator, `by` = "operator") ends an affiliation;
/// the next payment between them is refused.
pub(crate) async fn revoke(
    db: &Db,
    id: &str,
    seen_by: Option<&str>,
) -> Result<Affiliation, Failure> {
    affiliation(db, id, seen_by).await?;
    advance(
        db,
        id,
        &[
            AffiliationStatus::Proposed,
            AffiliationStatus::Accepted,
            AffiliationStatus::Confirmed,
        ],
        AffiliationStatus::Revoked,
        seen_by.unwrap_or("operator"),
    )
    .await?;
    affiliation(db, id, None).await
}

/// Whether `a` and `b` are the same merchant or of one confirmed corporate group.
pub(crate) async fn affiliated(db: &Db, a: &str, b: &str) -> Result<bool, Failure> {
    if a == b {
        return Ok(true);
    }
    let (low, high) = pair(a, b);
    let row = sqlx::query(
        "SELECT id FROM affiliations WHERE low_id = $1 AND high_id = $2 AND status = $3",
    )
    .bind(low)
    .bind(high)
    .bind(AffiliationStatus::Confirmed.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

/// Why an affiliate may not sell an upseller's items in a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// The upseller has no active agreement for this affiliate, or it does
    /// not name this handoff mode.
    #[error("the upseller's agreement with this affiliate does not allow {0}")]
    NoAgreement(&'static str),
    /// `payment_reference` needs a confirmed corporate affiliation.
    #[error(
        "payment_reference needs the upseller to be the affiliate itself or of its corporate group, confirmed by the operator; use direct_entry or merchant_of_record"
    )]
    NotAffiliated,
}

/// What lets an affiliate sell an upseller's items in a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Permit {
    /// The two are one merchant or of one confirmed corporate group.
    pub(crate) affiliated: bool,
    /// The affiliate's share of the sale, in basis points.
    pub(crate) commission_bps: u32,
}

/// [`permit`] as this hub last read it: for choosing what to show, where a
/// change reaching this hub a moment late costs nothing. Money moves only
/// after [`permit`] itself, read from the database, as are the addresses
/// the money and the customer's data go to (`merchant::by_id_stored`); the
/// amount is the one the customer consented to, which the accept checks
/// against the offer's prices.
pub(crate) async fn permit_to_show(
    db: &Db,
    affiliate: &str,
    upseller: &str,
    mode: HandoffMode,
) -> Result<Result<Permit, Refusal>, Failure> {
    let kind = match mode {
        HandoffMode::MerchantOfRecord => "permit/merchant_of_record",
        HandoffMode::PaymentReference => "permit/payment_reference",
        HandoffMode::DirectEntry => "permit/direct_entry",
    };
    db.cache
        .get_or_load(
            affiliate,
            kind,
            upseller,
            permit(db, affiliate, upseller, mode),
        )
        .await
        .map(|permit| *permit)
}

/// The one check of who may sell for whom: the upseller's agreement names the
/// mode (an affiliate selling its own items needs none), and
/// `payment_reference` needs a confirmed affiliation.
pub(crate) async fn permit(
    db: &Db,
    affiliate: &str,
    upseller: &str,
    mode: HandoffMode,
) -> Result<Result<Permit, Refusal>, Failure> {
    if affiliate == upseller {
        return Ok(Ok(Permit {
            affiliated: true,
            commission_bps: 0,
        }));
    }
    let terms = super::agreements::agreement(db, upseller, affiliate)
        .await?
        .filter(|a| a.status == AgreementStatus::Active && a.modes.contains(&mode));
    let Some(terms) = terms else {
        return Ok(Err(Refusal::NoAgreement(mode.as_str())));
    };
    let affiliated = affiliated(db, affiliate, upseller).await?;
    if mode == HandoffMode::PaymentReference && !affiliated {
        return Ok(Err(Refusal::NotAffiliated));
    }
    Ok(Ok(Permit {
        affiliated,
        commission_bps: terms.commission_bps,
    }))
}
