//! Who may sell for whom. Two facts no merchant sets for itself: a corporate
//! affiliation (proposed by one merchant, accepted by the other, confirmed by
//! the operator), kept here, and an upseller's agreement naming the handoff
//! modes an affiliate may sell its items in (`agreements.rs`). `permit` is
//! the one check of both, made
//! when a reason code is saved, at selection, at accept and again at payment.

use postsale_protocol::HandoffMode;
use serde::Serialize;

pub(crate) use crate::domain::AffiliationStatus;
use crate::{
    db::Db,
    domain::AgreementStatus,
    failure::Failure,
    ids::{new_id, now},
    store::affiliations::{self, AffiliationRow},
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

fn decode_affiliation(row: AffiliationRow) -> Result<Affiliation, Failure> {
    Ok(Affiliation {
        status: AffiliationStatus::parse(&row.status)?,
        id: row.id,
        proposer: row.proposer,
        partner: row.partner,
        proposed_at: row.proposed_at,
        accepted_at: row.accepted_at,
        confirmed_at: row.confirmed_at,
        revoked_at: row.revoked_at,
    })
}

/// Records `proposer`'s claim to be of one group with `partner`. A live
/// affiliation of the pair (any but revoked) is a conflict.
pub(crate) async fn propose(
    db: &Db,
    proposer: &str,
    partner: &str,
) -> Result<Affiliation, Failure> {
    let id = new_id("aff");
    let at = now();
    match affiliations::propose(&db.writer, &id, proposer, partner, at).await? {
        false => Err(Failure::Conflict(
            "an affiliation with this merchant is already proposed or in force".into(),
        )),
        true => Ok(Affiliation {
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
    affiliations::list(&db.pool, merchant, status)
        .await?
        .into_iter()
        .map(decode_affiliation)
        .collect()
}

/// One affiliation, seen by a party of it (or by the operator for `None`).
/// Another merchant's affiliation is as missing as one that never was.
pub(crate) async fn affiliation(
    db: &Db,
    id: &str,
    seen_by: Option<&str>,
) -> Result<Affiliation, Failure> {
    let found = affiliations::by_id(&db.pool, id)
        .await?
        .map(decode_affiliation)
        .transpose()?;
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
    let mut tx = db.writer.begin().await?;
    if affiliations::advance(&mut tx, id, from, to, by, now()).await? {
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
    Ok(affiliations::confirmed(&db.store, a, b).await?)
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
