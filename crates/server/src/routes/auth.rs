//! Who is calling the admin API: a machine with its merchant's API key (or
//! the operator key), or a person signed in to the console, by the session
//! cookie, within what their role allows. A request that changes anything
//! with the cookie also carries the session's CSRF token and comes from
//! the hub's own origin: a page of another site can do neither.

use axum::{
    extract::FromRequestParts,
    http::{Method, header, request::Parts},
};

use crate::{
    domain::{Access, Role},
    failure::Failure,
    ids::sha256_hex,
    people,
    registry::merchant,
    state::AppState,
    store::people::Session,
};

/// The console's session cookie: host-only, sent to the hub alone, never
/// read by a script, never sent by another site's request.
pub(crate) const SESSION_COOKIE: &str = "__Host-postsale-session";

/// The header a cookie-authenticated request that changes anything carries
/// its session's CSRF token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// A request made for a merchant: with its API key, or by one of its
/// users within their role.
#[derive(Debug)]
pub(crate) struct MerchantAuth(pub(crate) merchant::Merchant);

/// [`MerchantAuth`], knowing who asked.
#[derive(Debug)]
pub(crate) struct MerchantCaller {
    pub(crate) merchant: merchant::Merchant,
    /// The signed-in person; none for a machine with the API key.
    pub(crate) session: Option<Session>,
}

impl MerchantCaller {
    /// Who asked, as records of it say.
    pub(crate) fn who(&self) -> String {
        self.session
            .as_ref()
            .map_or_else(|| "api_key".to_owned(), |s| format!("user:{}", s.user.id))
    }
}

/// A request made with the operator key, or by one of the operator's people.
#[derive(Debug)]
pub(crate) struct OperatorAuth;

/// A signed-in person, whatever their role (the console's own calls).
#[derive(Debug)]
pub(crate) struct SignedIn {
    pub(crate) session: Session,
    /// The session's CSRF token, for the answers that show it.
    pub(crate) csrf_token: String,
}

/// The session token in the request's cookies, if any.
pub(crate) fn session_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether the method only reads.
fn reads(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a request the browser says another site made, or whose origin
/// is not the hub's own: a request that changes anything with the cookie,
/// and a sign-in (so that no page signs a visitor in as someone else).
pub(crate) fn same_site(parts: &Parts, state: &AppState) -> Result<(), Failure> {
    // Every value of each header counts: a second one cannot hide the first.
    let values = |name: &str| {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{0}"))
    };
    if values("sec-fetch-site").any(|site| site != "same-origin" && site != "none") {
        return Err(Failure::Forbidden(
            "the console's requests come from the hub's own pages".into(),
        ));
    }
    let own = state.public_url.trim_end_matches('/');
    if values("origin").any(|origin| origin != own) {
        return Err(Failure::Forbidden(
            "the console's requests come from the hub's own origin".into(),
        ));
    }
    Ok(())
}

/// The signed-in session of a request without an `Authorization` header;
/// one that changes anything must prove it comes from the console.
async fn signed_in(parts: &Parts, state: &AppState) -> Result<Session, Failure> {
    let token = session_token(parts).ok_or_else(|| {
        Failure::Unauthorized(
            "sign in to the console, or send a key as 'Authorization: Bearer <key>'".into(),
        )
    })?;
    let session = people::session(&state.db, token)
        .await?
        .ok_or_else(|| Failure::Unauthorized("the session has ended; sign in again".into()))?;
    if !reads(&parts.method) {
        same_site(parts, state)?;
        let mut sent = parts.headers.get_all(CSRF_HEADER).iter();
        let sent = match (sent.next(), sent.next()) {
            (Some(one), None) => one.to_str().unwrap_or_default(),
            _ => "",
        };
        // Digests compared, not tokens: the time taken says nothing of the token.
        if sha256_hex(sent) != sha256_hex(people::csrf_token(token)) {
            return Err(Failure::Forbidden(format!(
                "send the session's CSRF token in {CSRF_HEADER}"
            )));
        }
    }
    Ok(session)
}

/// What a request to the merchant API asks of its caller: reading, setting
/// up offers, or the merchant's people, keys, trust and money.
fn access(method: &Method, path: &str) -> Access {
    // A preview changes nothing the merchant has: whoever may read, may.
    if reads(method) || path == "/v1/console/previews" {
        return Access::Read;
    }
    const MANAGE: [&str; 11] = [
        "/v1/admin/merchant",
        "/v1/admin/keys",
        "/v1/admin/affiliations",
        "/v1/admin/agreements",
        "/v1/admin/customers",
        "/v1/admin/origins",
        "/v1/admin/callbacks",
        "/v1/admin/secrets",
        "/v1/console/users",
        "/v1/console/invitations",
        "/v1/console/api-keys",
    ];
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if MANAGE.iter().any(|prefix| under(prefix)) || path.ends_with("/refund") {
        Access::Manage
    } else {
        Access::Edit
    }
}

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

impl FromRequestParts<AppState> for MerchantCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let needed = access(&parts.method, parts.uri.path());
        let audited = |merchant: &str, actor: String, label: &str| {
            if let (Some(slot), false) = (
                parts.extensions.get::<super::audit::Slot>(),
                needed == Access::Read,
            ) {
                slot.fill(super::audit::Actor {
                    merchant: merchant.to_owned(),
                    actor,
                    label: label.to_owned(),
                });
            }
        };
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let key = bearer(parts)?;
            let merchant = merchant::by_api_key(&state.db, key)
                .await?
                .ok_or_else(|| Failure::Unauthorized("unknown API key".into()))?;
            audited(&merchant.id, "api_key".into(), "API key");
            return Ok(Self {
                merchant,
                session: None,
            });
        }
        let session = signed_in(parts, state).await?;
        let user = &session.user;
        let Some(merchant_id) = user.merchant_id.as_deref() else {
            return Err(Failure::Forbidden(
                "the operator's people use the operator API".into(),
            ));
        };
        if !user.role.allows(needed) {
            return Err(Failure::Forbidden(format!(
                "an {} may not do this; ask an admin of your merchant",
                user.role
            )));
        }
        let merchant = merchant::by_id(&state.db, merchant_id)
            .await?
            .ok_or_else(|| Failure::Unauthorized("the session has ended; sign in again".into()))?;
        audited(&merchant.id, format!("user:{}", user.id), &user.email);
        Ok(Self {
            merchant: (*merchant).clone(),
            session: Some(session),
        })
    }
}

impl FromRequestParts<AppState> for MerchantAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        MerchantCaller::from_request_parts(parts, state)
            .await
            .map(|caller| Self(caller.merchant))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let session = signed_in(parts, state).await?;
        // `signed_in` found the cookie's token.
        let token = session_token(parts).unwrap_or_default();
        Ok(Self {
            session,
            csrf_token: people::csrf_token(token),
        })
    }
}

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        if !parts.headers.contains_key(header::AUTHORIZATION) && session_token(parts).is_some() {
            let session = signed_in(parts, state).await?;
            return match session.user.role {
                Role::Operator => Ok(Self),
                _ => Err(Failure::Forbidden(
                    "only the hub's operator may do this".into(),
                )),
            };
        }
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
