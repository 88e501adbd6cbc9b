//! The consent service: the proof that a customer clicked to confirm an
//! offer that charges a payment method they already gave
//! (`merchant_of_record`, `payment_reference`), made by the hub-origin
//! consent frame and checked by the accept. A proof is single-use and bound
//! to the opportunity, the items, the amount and the disclosure. The frame's
//! page and its HTTP side are `routes::consent`.

use postsale_protocol::{ChosenItem, HandoffMode};
use serde::{Deserialize, Serialize};

use crate::{
    db::Db,
    failure::Failure,
    ids::{new_secret_hex, now, sha256_hex},
    offer::{chosen, disclosure},
    opportunity::{OpenOpportunity, load_open},
    registry::trust,
    state::AppState,
    store,
};

/// How long a proof may wait for its accept.
const PROOF_LIFETIME_SECS: i64 = 10 * 60;

/// What the consent frame asks a proof for.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofRequest {
    /// The items on the button the customer pressed.
    pub(crate) items: Vec<ChosenItem>,
    /// The disclosure shown with them.
    pub(crate) disclosure_sha256: String,
}

/// The open opportunity `id`, if it is confirmed in the consent frame and
/// may still be sold.
pub(crate) async fn open_for_consent(
    state: &AppState,
    id: &str,
) -> Result<OpenOpportunity, Failure> {
    let open = load_open(state, id).await?;
    check_mode(&open)?;
    check_permit(state, &open).await?;
    Ok(open)
}

/// Makes and stores the single-use proof of one confirming click inside
/// `frame` (the frame page's token, checked by the caller) for what
/// `asked` names; answers the proof, shown this once.
pub(crate) async fn prove(
    state: &AppState,
    id: &str,
    frame: &str,
    asked: &ProofRequest,
) -> Result<String, Failure> {
    let open = open_for_consent(state, id).await?;
    let shown = disclosure(&open);
    if asked.disclosure_sha256 != shown.text_sha256 {
        return Err(Failure::invalid(
            "disclosure_sha256",
            "is not the hash of the disclosure shown for this offer",
        ));
    }
    let amount = chosen(&open, &asked.items)?.1.total;
    let proof = format!("cp_{}", new_secret_hex());
    let at = now();
    let digest = sha256_hex(&proof);
    store::consent::insert(
        &state.db.writer,
        &store::consent::NewProof {
            proof_sha256: &digest,
            opportunity_id: &open.id,
            items_sha256: &items_digest(&asked.items),
            amount_minor: amount.minor(),
            currency: amount.currency().as_str(),
            disclosure_sha256: &shown.text_sha256,
            frame,
            created_at: at,
            expires_at: at + PROOF_LIFETIME_SECS,
        },
    )
    .await?;
    Ok(proof)
}

/// The items in one canonical form, to bind a proof to exactly them.
fn items_digest(items: &[ChosenItem]) -> String {
    let canonical: Vec<String> = items
        .iter()
        .map(|i| format!("{}:{}", i.sku, i.quantity))
        .collect();
    sha256_hex(canonical.join(","))
}

/// Only offers that charge a payment method the customer already gave are
/// confirmed here; a card offer is confirmed in the card frame.
fn check_mode(open: &OpenOpportunity) -> Result<(), Failure> {
    if open.code.handoff_mode == HandoffMode::DirectEntry {
        return Err(Failure::Conflict(
            "this offer is confirmed in the hub's card frame".into(),
        ));
    }
    Ok(())
}

async fn check_permit(state: &AppState, open: &OpenOpportunity) -> Result<(), Failure> {
    let permitted = trust::permit(
        &state.db,
        &open.affiliate.id,
        &open.upseller.id,
        open.code.handoff_mode,
    )
    .await?;
    if permitted.is_err() {
        return Err(Failure::Gone("this offer is no longer available".into()));
    }
    Ok(())
}

/// A consent proof an accept brought, checked against what it asks to buy.
#[derive(Debug)]
pub(crate) struct Proven {
    /// The stored proof's key (its digest), claimed when the order is stored.
    pub(crate) proof_sha256: String,
    /// What the consent receipt records.
    pub(crate) receipt: String,
}

/// Checks `proof` for this accept: this opportunity, these items, this
/// amount, this disclosure, unused and in time. The refusal is the same for
/// every way a proof can be wrong.
pub(crate) async fn check_proof(
    db: &Db,
    open: &OpenOpportunity,
    proof: &str,
    items: &[ChosenItem],
    amount: postsale_protocol::Money,
    disclosure_sha256: &str,
) -> Result<Proven, Failure> {
    let refused = || {
        Failure::Forbidden(
            "consent.proof is not a proof of the customer's click for this accept".into(),
        )
    };
    let digest = sha256_hex(proof);
    let stored = store::consent::by_digest(&db.store, &digest)
        .await?
        .ok_or_else(refused)?;
    let matches = stored.opportunity_id == open.id
        && stored.items_sha256 == items_digest(items)
        && stored.amount_minor == amount.minor()
        && stored.currency == amount.currency().as_str()
        && stored.disclosure_sha256 == disclosure_sha256
        && stored.expires_at > now()
        && stored.used_at.is_none();
    if !matches {
        return Err(refused());
    }
    Ok(Proven {
        receipt: format!("consent:{}", &digest[..16]),
        proof_sha256: digest,
    })
}
