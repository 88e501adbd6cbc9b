//! Who may sell for whom. Two facts no merchant sets for itself: a corporate
//! affiliation (proposed by one merchant, accepted by the other, confirmed by
//! the operator) and an upseller's agreement naming the handoff modes an
//! affiliate may sell its items in. `permit` is the one check of both, made
//! when a reason code is saved, at selection, at accept and again at payment.

use postsale_protocol::HandoffMode;
use serde::Serialize;
use sqlx::Row;

use crate::{
    db::Db,
    error::ApiError,
    ids::{new_id, now},
};

/// Where an affiliation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AffiliationStatus {
    /// One merchant proposed it; the other has not answered.
    Proposed,
    /// Both merchants say so; the operator has not confirmed it yet.
    Accepted,
    /// The operator confirmed it: the two are one corporate group.
    Confirmed,
    /// Withdrawn by either merchant or the operator.
    Revoked,
}

impl AffiliationStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::Confirmed => "confirmed",
            Self::Revoked => "revoked",
        }
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        [
            Self::Proposed,
            Self::Accepted,
            Self::Confirmed,
            Self::Revoked,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| ApiError::Internal(format!("stored affiliation status {raw}")))
    }
}

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

fn decode_affiliation(row: &sqlx::any::AnyRow) -> Result<Affiliation, ApiError> {
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
) -> Result<Affiliation, ApiError> {
    let (low, high) = pair(proposer, partner);
    let id = new_id("aff");
    let at = now();
    let inserted = sqlx::query(
        "INSERT INTO affiliations (id, proposer_id, partner_id, low_id, high_id, status, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, 'proposed', $6)",
    )
    .bind(&id)
    .bind(proposer)
    .bind(partner)
    .bind(low)
    .bind(high)
    .bind(at)
    .execute(&db.writer)
    .await;
    match inserted {
        Err(err) if Db::is_unique_violation(&err) => Err(ApiError::Conflict(
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
) -> Result<Vec<Affiliation>, ApiError> {
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
) -> Result<Affiliation, ApiError> {
    let row = sqlx::query(&format!(
        "SELECT {AFFILIATION_COLUMNS} FROM affiliations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let found = row.as_ref().map(decode_affiliation).transpose()?;
    found
        .filter(|a| seen_by.is_none_or(|m| a.proposer == m || a.partner == m))
        .ok_or_else(|| ApiError::NotFound(format!("no affiliation '{id}'")))
}

/// Moves an affiliation from `from` to `to` in one conditional update, so
/// that two answers at once cannot both succeed.
async fn advance(
    db: &Db,
    id: &str,
    from: &[AffiliationStatus],
    to: AffiliationStatus,
    by: &str,
) -> Result<(), ApiError> {
    let column = match to {
        AffiliationStatus::Accepted => "accepted_at",
        AffiliationStatus::Confirmed => "confirmed_at",
        AffiliationStatus::Revoked => "revoked_at",
        AffiliationStatus::Proposed => {
            return Err(ApiError::Internal("an affiliation cannot go back".into()));
        }
    };
    let allowed = from
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let moved = sqlx::query(&format!(
        "UPDATE affiliations SET status = $1, {column} = $2, revoked_by = CASE WHEN $1 = 'revoked' THEN $3 ELSE revoked_by END \
         WHERE id = $4 AND status IN ({allowed})"
    ))
    .bind(to.as_str())
    .bind(now())
    .bind(by)
    .bind(id)
    .execute(&db.writer)
    .await?;
    if moved.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the affiliation cannot become {} from where it stands",
            to.as_str()
        )))
    }
}

/// The partner accepts a proposal made to it (never the proposer).
pub(crate) async fn accept(db: &Db, id: &str, by: &str) -> Result<Affiliation, ApiError> {
    let found = affiliation(db, id, Some(by)).await?;
    if found.partner != by {
        return Err(ApiError::Forbidden(
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
pub(crate) async fn confirm(db: &Db, id: &str) -> Result<Affiliation, ApiError> {
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
) -> Result<Affiliation, ApiError> {
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
pub(crate) async fn affiliated(db: &Db, a: &str, b: &str) -> Result<bool, ApiError> {
    if a == b {
        return Ok(true);
    }
    let (low, high) = pair(a, b);
    let row = sqlx::query(
        "SELECT id FROM affiliations WHERE low_id = $1 AND high_id = $2 AND status = 'confirmed'",
    )
    .bind(low)
    .bind(high)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}

/// The terms on which an upseller lets one affiliate sell its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Agreement {
    pub(crate) upseller: String,
    pub(crate) affiliate: String,
    /// The handoff modes the affiliate may sell in; `merchant_of_record`
    /// only when the upseller listed it.
    pub(crate) modes: Vec<HandoffMode>,
    /// The affiliate's share of each sale, in basis points (0 to 10000).
    pub(crate) commission_bps: u32,
    /// `active` or `revoked`.
    pub(crate) status: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// What an upseller sends to grant or change an agreement.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreementTerms {
    /// At least one handoff mode.
    pub(crate) modes: Vec<HandoffMode>,
    /// The affiliate's share, in basis points (0 to 10000).
    #[serde(default)]
    pub(crate) commission_bps: u32,
}

impl AgreementTerms {
    /// Field checks.
    pub(crate) fn check(&self) -> Result<(), ApiError> {
        if self.modes.is_empty() {
            return Err(ApiError::invalid("modes", "name at least one handoff mode"));
        }
        for (i, mode) in self.modes.iter().enumerate() {
            if self.modes[..i].contains(mode) {
                return Err(ApiError::invalid(format!("modes[{i}]"), "is listed twice"));
            }
        }
        if self.commission_bps > 10_000 {
            return Err(ApiError::invalid(
                "commission_bps",
                "must be 0 to 10000 (100%)",
            ));
        }
        Ok(())
    }
}

const AGREEMENT_COLUMNS: &str =
    "upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at";

fn decode_agreement(row: &sqlx::any::AnyRow) -> Result<Agreement, ApiError> {
    let modes: String = row.try_get("modes")?;
    let modes: Vec<String> = serde_json::from_str(&modes)
        .map_err(|e| ApiError::Internal(format!("stored agreement modes: {e}")))?;
    Ok(Agreement {
        upseller: row.try_get("upseller_id")?,
        affiliate: row.try_get("affiliate_id")?,
        modes: modes.iter().filter_map(|m| HandoffMode::parse(m)).collect(),
        commission_bps: u32::try_from(row.try_get::<i64, _>("commission_bps")?)
            .map_err(|_| ApiError::Internal("stored commission".into()))?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Grants (or replaces) the upseller's agreement for one affiliate.
pub(crate) async fn grant(
    db: &Db,
    upseller: &str,
    affiliate: &str,
    terms: &AgreementTerms,
) -> Result<Agreement, ApiError> {
    let modes: Vec<&str> = terms.modes.iter().map(HandoffMode::as_str).collect();
    let modes = serde_json::to_string(&modes).map_err(|e| ApiError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO agreements (upseller_id, affiliate_id, modes, commission_bps, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $5) \
         ON CONFLICT (upseller_id, affiliate_id) DO UPDATE SET modes = $3, commission_bps = $4, status = 'active', updated_at = $5",
    )
    .bind(upseller)
    .bind(affiliate)
    .bind(&modes)
    .bind(i64::from(terms.commission_bps))
    .bind(now())
    .execute(&db.writer)
    .await?;
    agreement(db, upseller, affiliate)
        .await?
        .ok_or_else(|| ApiError::Internal("agreement vanished after its write".into()))
}

/// Ends an agreement; it stays readable, revoked. False when there was none.
pub(crate) async fn withdraw(db: &Db, upseller: &str, affiliate: &str) -> Result<bool, ApiError> {
    let moved = sqlx::query(
        "UPDATE agreements SET status = 'revoked', updated_at = $1 WHERE upseller_id = $2 AND affiliate_id = $3 AND status = 'active'",
    )
    .bind(now())
    .bind(upseller)
    .bind(affiliate)
    .execute(&db.writer)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// The agreement between these two, active or not.
pub(crate) async fn agreement(
    db: &Db,
    upseller: &str,
    affiliate: &str,
) -> Result<Option<Agreement>, ApiError> {
    let row = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE upseller_id = $1 AND affiliate_id = $2"
    ))
    .bind(upseller)
    .bind(affiliate)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(decode_agreement).transpose()
}

/// The agreements `merchant` is a party of, as upseller or as affiliate.
pub(crate) async fn agreements_of(db: &Db, merchant: &str) -> Result<Vec<Agreement>, ApiError> {
    let rows = sqlx::query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE upseller_id = $1 OR affiliate_id = $1 \
         ORDER BY upseller_id, affiliate_id LIMIT 500"
    ))
    .bind(merchant)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(decode_agreement).collect()
}

/// The affiliate's commission on the upseller's sales, from their agreement
/// as it stands (withdrawn or not: an order accepted under it keeps its
/// terms); none for a merchant selling its own items.
pub(crate) async fn commission_bps(
    db: &Db,
    affiliate: &str,
    upseller: &str,
) -> Result<u32, ApiError> {
    if affiliate == upseller {
        return Ok(0);
    }
    Ok(agreement(db, upseller, affiliate)
        .await?
        .map_or(0, |a| a.commission_bps))
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

/// The one check of who may sell for whom: the upseller's agreement names the
/// mode (an affiliate selling its own items needs none), and
/// `payment_reference` needs a confirmed affiliation.
pub(crate) async fn permit(
    db: &Db,
    affiliate: &str,
    upseller: &str,
    mode: HandoffMode,
) -> Result<Result<Permit, Refusal>, ApiError> {
    if affiliate == upseller {
        return Ok(Ok(Permit {
            affiliated: true,
            commission_bps: 0,
        }));
    }
    let terms = agreement(db, upseller, affiliate)
        .await?
        .filter(|a| a.status == "active" && a.modes.contains(&mode));
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
