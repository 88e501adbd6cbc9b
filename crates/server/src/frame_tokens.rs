//! The hub frame page's secret. Each load of an opportunity's frame page
//! gets a new random token, written into that page, which is served
//! `no-store` and without CORS, so no script of the merchant's page can read
//! it. Card entry and the accept of a `direct_entry` offer must carry one:
//! that, not an `Origin` header any client can set, is how the hub knows the
//! customer typed and confirmed inside its frame. Only the SHA-256 is stored.

use crate::{
    db::Db,
    failure::Failure,
    ids::{new_secret_hex, now, sha256_hex},
    store::frame_tokens,
};

/// A token lives as long as an opportunity can stay open (30 minutes).
const LIFETIME_SECS: i64 = 30 * 60;

/// Makes and stores a token for one load of `opportunity`'s frame page.
pub(crate) async fn mint(db: &Db, opportunity: &str) -> Result<String, Failure> {
    let token = new_secret_hex();
    let at = now();
    frame_tokens::insert(
        &db.writer,
        &sha256_hex(&token),
        opportunity,
        at,
        at + LIFETIME_SECS,
    )
    .await?;
    Ok(token)
}

/// Checks the frame token a request carried (its `postsale-frame-token`
/// header) for `opportunity`; the proof to record
/// in the consent receipt (a prefix of the token's digest). The refusal is
/// the same for a missing, a forged, an expired and another frame's token.
pub(crate) async fn verify(
    db: &Db,
    token: Option<&str>,
    opportunity: &str,
) -> Result<String, Failure> {
    let refused = || {
        Failure::Forbidden(
            "this must come from inside the hub's frame for this offer (missing or unknown frame token)"
                .into(),
        )
    };
    let token = token
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(refused)?;
    let digest = sha256_hex(token);
    let stored = frame_tokens::by_digest(&db.store, &digest)
        .await?
        .ok_or_else(refused)?;
    if stored.opportunity_id != opportunity || stored.expires_at <= now() {
        return Err(refused());
    }
    Ok(format!("frame:{}", &digest[..16]))
}
