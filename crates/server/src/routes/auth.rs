//! Who is calling the admin API: a merchant by its API key, or the hub's
//! operator by the operator key from the settings.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{failure::Failure, ids::sha256_hex, registry::merchant, state::AppState};

/// A request made with a merchant's API key.
#[derive(Debug)]
pub(crate) struct MerchantAuth(pub(crate) merchant::Merchant);

/// A request made with the operator key.
#[derive(Debug)]
pub(crate) struct OperatorAuth;

/// A scrape of `/metrics`: with the metrics token, when the hub has one.
#[derive(Debug)]
pub(crate) struct ScraperAuth;

fn bearer(parts: &Parts) -> Result<&str, Failure> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Failure::Unauthorized("send the key as 'Authorization: Bearer <key>'".into())
        })
}

impl FromRequestParts<AppState> for MerchantAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let key = bearer(parts)?;
        merchant::by_api_key(&state.db, key)
            .await?
            .map(Self)
            .ok_or_else(|| Failure::Unauthorized("unknown API key".into()))
    }
}

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let key = bearer(parts)?;
        // Comparing digests, not keys: how long the comparison takes says
        // nothing about the key itself.
        match &state.operator_key_sha256 {
            Some(expected) if *expected == sha256_hex(key) => Ok(Self),
            Some(_) => Err(Failure::Unauthorized("unknown operator key".into())),
            None => Err(Failure::Forbidden(
                "this hub has no operator key (set POSTSALE_OPERATOR_KEY)".into(),
            )),
        }
    }
}

impl FromRequestParts<AppState> for ScraperAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        match &state.metrics_token_sha256 {
            None => Ok(Self),
            Some(expected) if *expected == sha256_hex(bearer(parts)?) => Ok(Self),
            Some(_) => Err(Failure::Unauthorized("unknown metrics token".into())),
        }
    }
}
