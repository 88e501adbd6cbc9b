//! `/v1/console`: people, not keys. Signing in and out, the session and its
//! CSRF token, one's own sessions and password, taking an invitation; a
//! merchant's admin invites people and gives them roles. `/v1/operator`'s
//! people calls sit here too: the operator invites a merchant's first admin
//! and its own people. See `people.rs` for the rules.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use postsale_protocol::{
    ApiKeyInfo, ConsoleSession, ConsoleUser, Invitation, MerchantSummary, SessionAnswer,
};
use serde::Deserialize;

use super::auth::{MerchantCaller, OperatorAuth, SESSION_COOKIE, SignedIn, same_site};
use super::problem::ApiJson;
use crate::{
    failure::Failure,
    people::{self, Opened, session_view, user_view},
    registry::{api_keys, merchant},
    state::AppState,
    store::people::Session,
};

/// An e-mail address and a password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    #[schema(
        max_length = 254,
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@.\\s\\x00-\\x1f\\x7f-\\x9f]$"
    )]
    pub(crate) email: String,
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) password: String,
}

/// An invitation taken: who the new user is and the password they chose.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Join {
    /// The invitation's token.
    #[schema(max_length = 100)]
    pub(crate) token: String,
    /// 1 to 120 characters, not all blank, no control characters but line breaks.
    #[schema(
        max_length = 120,
        pattern = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub(crate) name: String,
    /// 12 to 256 characters, not the e-mail address.
    #[schema(min_length = 12, max_length = 256)]
    pub(crate) password: String,
}

/// A new password, with the current one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    #[schema(max_length = 256)]
    pub(crate) current_password: String,
    #[schema(min_length = 12, max_length = 256)]
    pub(crate) new_password: String,
}

/// Whom to invite to the merchant, as what.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvitationRequest {
    #[schema(
        max_length = 254,
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@.\\s\\x00-\\x1f\\x7f-\\x9f]$"
    )]
    pub(crate) email: String,
    #[schema(pattern = "^(admin|editor|analyst)$")]
    pub(crate) role: String,
}

/// Whom the operator invites to a merchant: its admin unless it says otherwise.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MerchantInvitationRequest {
    #[schema(
        max_length = 254,
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@.\\s\\x00-\\x1f\\x7f-\\x9f]$"
    )]
    pub(crate) email: String,
    /// `admin` when omitted.
    #[serde(default)]
    #[schema(pattern = "^(admin|editor|analyst)$")]
    pub(crate) role: Option<String>,
}

/// Whom the operator invites to its own people.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperatorInvitationRequest {
    #[schema(
        max_length = 254,
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f]*\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@.\\s\\x00-\\x1f\\x7f-\\x9f]$"
    )]
    pub(crate) email: String,
    /// `operator`, the only role the operator's people have.
    #[serde(default)]
    #[schema(pattern = "^operator$")]
    pub(crate) role: Option<String>,
}

/// A new API key's label.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiKeyRequest {
    /// What the key is for, as the merchant's people will read it.
    #[schema(
        max_length = 80,
        pattern = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub(crate) label: String,
}

/// A user's new role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleChange {
    /// `admin`, `editor` or `analyst`.
    #[schema(pattern = "^(admin|editor|analyst)$")]
    pub(crate) role: String,
}

async fn answer(
    state: &AppState,
    session: &Session,
    csrf_token: String,
) -> Result<SessionAnswer, Failure> {
    let merchant = match &session.user.merchant_id {
        Some(id) => merchant::by_id(&state.db, id)
            .await?
            .map(|m| MerchantSummary {
                id: m.id.clone(),
                name: m.name.clone(),
                affiliate: m.affiliate,
                upseller: m.upseller,
            }),
        None => None,
    };
    Ok(SessionAnswer {
        user: user_view(&session.user),
        session: session_view(session),
        csrf_token,
        merchant,
    })
}

/// The cookie that holds a session's token (none: the one that ends it).
fn cookie(token: Option<&str>) -> HeaderValue {
    let value = match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
            people::SESSION_SECS
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// A session just opened, as its answer: the cookie and what the console needs.
async fn opened(state: &AppState, status: StatusCode, opened: Opened) -> Result<Response, Failure> {
    let body = answer(state, &opened.session, people::csrf_token(&opened.token)).await?;
    Ok((
        status,
        [(header::SET_COOKIE, cookie(Some(&opened.token)))],
        Json(body),
    )
        .into_response())
}

/// What only the hub's own pages may ask: checked on the request's head.
#[derive(Debug)]
pub(crate) struct FromConsole;

impl axum::extract::FromRequestParts<AppState> for FromConsole {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        same_site(parts, state).map(|()| Self)
    }
}

/// `POST /v1/console/sign-in`.
#[utoipa::path(post, path = "/v1/console/sign-in", tag = "console", request_body = SignIn,
    responses((status = 200, description = "signed in: the session cookie is set", body = SessionAnswer), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "wrong e-mail address or password", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 429, description = "too many failures for this address: wait", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    _: FromConsole,
    headers: HeaderMap,
    ApiJson(asked): ApiJson<SignIn>,
) -> Result<Response, Failure> {
    let signed = people::sign_in(
        &state.db,
        &asked.email,
        &asked.password,
        user_agent(&headers),
    )
    .await?;
    tracing::info!(user = %signed.session.user.id, "signed in");
    opened(&state, StatusCode::OK, signed).await
}

/// `POST /v1/console/join`: takes an invitation, and signs the new user in.
#[utoipa::path(post, path = "/v1/console/join", tag = "console", request_body = Join,
    responses((status = 201, description = "the new user, signed in", body = SessionAnswer), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "no such open invitation", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "the invitation expired", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn join(
    State(state): State<AppState>,
    _: FromConsole,
    headers: HeaderMap,
    ApiJson(asked): ApiJson<Join>,
) -> Result<Response, Failure> {
    let joined = people::join(
        &state.db,
        &asked.token,
        &asked.name,
        &asked.password,
        user_agent(&headers),
    )
    .await?;
    tracing::info!(user = %joined.session.user.id, "joined");
    opened(&state, StatusCode::CREATED, joined).await
}

/// `GET /v1/console/session`: who is signed in, and the CSRF token.
#[utoipa::path(get, path = "/v1/console/session", tag = "console", security(("session" = [])),
    responses((status = 200, description = "the session", body = SessionAnswer), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn session(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Json<SessionAnswer>, Failure> {
    Ok(Json(
        answer(&state, &signed.session, signed.csrf_token).await?,
    ))
}

/// `POST /v1/console/sign-out`: ends this session.
#[utoipa::path(post, path = "/v1/console/sign-out", tag = "console", security(("session" = [])),
    responses((status = 204, description = "signed out: the cookie is cleared"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    SignedIn { session, .. }: SignedIn,
) -> Result<Response, Failure> {
    people::revoke(&state.db, &session.user.id, &session.id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie(None))]).into_response())
}

/// `GET /v1/console/sessions`: the signed-in user's open sessions.
#[utoipa::path(get, path = "/v1/console/sessions", tag = "console", security(("session" = [])),
    responses((status = 200, description = "open sessions, newest first", body = Vec<ConsoleSession>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn sessions(
    State(state): State<AppState>,
    SignedIn { session, .. }: SignedIn,
) -> Result<Json<Vec<ConsoleSession>>, Failure> {
    Ok(Json(people::sessions(&state.db, &session.user.id).await?))
}

/// `DELETE /v1/console/sessions/{id}`: ends one of one's sessions (another
/// browser's, say).
#[utoipa::path(delete, path = "/v1/console/sessions/{id}", tag = "console", security(("session" = [])),
    params(("id" = String, Path, description = "the session's id")),
    responses((status = 204, description = "ended"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn end_session(
    State(state): State<AppState>,
    SignedIn { session, .. }: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    people::revoke(&state.db, &session.user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/console/password`: a new password; one's other sessions end.
#[utoipa::path(put, path = "/v1/console/password", tag = "console", security(("session" = [])), request_body = PasswordChange,
    responses((status = 204, description = "changed"), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn password(
    State(state): State<AppState>,
    SignedIn { session, .. }: SignedIn,
    ApiJson(asked): ApiJson<PasswordChange>,
) -> Result<StatusCode, Failure> {
    people::change_password(
        &state.db,
        &session,
        &asked.current_password,
        &asked.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/console/users`: the merchant's people.
#[utoipa::path(get, path = "/v1/console/users", tag = "console", security(("api_key" = [])),
    responses((status = 200, description = "the merchant's users, oldest first", body = Vec<ConsoleUser>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn users(
    State(state): State<AppState>,
    caller: MerchantCaller,
) -> Result<Json<Vec<ConsoleUser>>, Failure> {
    Ok(Json(
        people::users(&state.db, Some(&caller.merchant.id)).await?,
    ))
}

/// `PUT /v1/console/users/{id}`: another role (admins only; a merchant's
/// users keep an admin).
#[utoipa::path(put, path = "/v1/console/users/{id}", tag = "console", security(("api_key" = [])), request_body = RoleChange,
    params(("id" = String, Path, description = "the user's id")),
    responses((status = 200, description = "the user", body = ConsoleUser), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %caller.merchant.id, by = %caller.who()))]
pub(crate) async fn set_role(
    State(state): State<AppState>,
    caller: MerchantCaller,
    Path(id): Path<String>,
    ApiJson(asked): ApiJson<RoleChange>,
) -> Result<Json<ConsoleUser>, Failure> {
    Ok(Json(
        people::set_role(&state.db, &caller.merchant.id, &id, &asked.role).await?,
    ))
}

/// `DELETE /v1/console/users/{id}`: removes a user and ends their sessions.
#[utoipa::path(delete, path = "/v1/console/users/{id}", tag = "console", security(("api_key" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses((status = 204, description = "removed"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %caller.merchant.id, by = %caller.who()))]
pub(crate) async fn remove_user(
    State(state): State<AppState>,
    caller: MerchantCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    people::remove(&state.db, Some(&caller.merchant.id), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/console/invitations`.
#[utoipa::path(get, path = "/v1/console/invitations", tag = "console", security(("api_key" = [])),
    responses((status = 200, description = "the merchant's invitations, newest first", body = Vec<Invitation>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn invitations(
    State(state): State<AppState>,
    caller: MerchantCaller,
) -> Result<Json<Vec<Invitation>>, Failure> {
    Ok(Json(
        people::invitations(&state.db, Some(&caller.merchant.id)).await?,
    ))
}

/// `POST /v1/console/invitations`: invites someone to the merchant (admins
/// only); the answer holds the link to send them, this once.
#[utoipa::path(post, path = "/v1/console/invitations", tag = "console", security(("api_key" = [])), request_body = InvitationRequest,
    responses((status = 201, description = "the invitation and its link", body = Invitation), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %caller.merchant.id, by = %caller.who()))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    caller: MerchantCaller,
    ApiJson(asked): ApiJson<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), Failure> {
    let made = people::invite(
        &state.db,
        &state.public_url,
        Some(&caller.merchant.id),
        &asked.email,
        &asked.role,
        caller.who(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `DELETE /v1/console/invitations/{id}`: withdraws an open invitation.
#[utoipa::path(delete, path = "/v1/console/invitations/{id}", tag = "console", security(("api_key" = [])),
    params(("id" = String, Path, description = "the invitation's id")),
    responses((status = 204, description = "withdrawn"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    caller: MerchantCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    people::revoke_invitation(&state.db, Some(&caller.merchant.id), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/operator/merchants/{id}/invitations`: the operator invites a
/// merchant's people (its first admin, to begin with).
#[utoipa::path(post, path = "/v1/operator/merchants/{id}/invitations", tag = "operator", security(("operator_key" = [])), request_body = MerchantInvitationRequest,
    params(("id" = String, Path, description = "merchant id")),
    responses((status = 201, description = "the invitation and its link", body = Invitation), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn invite_to_merchant(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(asked): ApiJson<MerchantInvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), Failure> {
    if merchant::by_id(&state.db, &id).await?.is_none() {
        return Err(Failure::NotFound(format!("no merchant '{id}'")));
    }
    let made = people::invite(
        &state.db,
        &state.public_url,
        Some(&id),
        &asked.email,
        asked.role.as_deref().unwrap_or("admin"),
        "operator".to_owned(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `POST /v1/operator/invitations`: the operator invites one of its own
/// people (an operator).
#[utoipa::path(post, path = "/v1/operator/invitations", tag = "operator", security(("operator_key" = [])), request_body = OperatorInvitationRequest,
    responses((status = 201, description = "the invitation and its link", body = Invitation), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn invite_operator(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiJson(asked): ApiJson<OperatorInvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), Failure> {
    let made = people::invite(
        &state.db,
        &state.public_url,
        None,
        &asked.email,
        asked.role.as_deref().unwrap_or("operator"),
        "operator".to_owned(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `GET /v1/operator/users`: the operator's people.
#[utoipa::path(get, path = "/v1/operator/users", tag = "operator", security(("operator_key" = [])),
    responses((status = 200, description = "the operator's people", body = Vec<ConsoleUser>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn operator_users(
    State(state): State<AppState>,
    _: OperatorAuth,
) -> Result<Json<Vec<ConsoleUser>>, Failure> {
    Ok(Json(people::users(&state.db, None).await?))
}

/// `DELETE /v1/operator/users/{id}`: removes one of the operator's people.
#[utoipa::path(delete, path = "/v1/operator/users/{id}", tag = "operator", security(("operator_key" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses((status = 204, description = "removed"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn remove_operator_user(
    State(state): State<AppState>,
    _: OperatorAuth,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    people::remove(&state.db, None, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/console/api-keys`: the merchant's API keys, without the keys.
#[utoipa::path(get, path = "/v1/console/api-keys", tag = "console", security(("api_key" = [])),
    responses((status = 200, description = "the keys, newest first, revoked ones too", body = Vec<ApiKeyInfo>), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn keys(
    State(state): State<AppState>,
    caller: MerchantCaller,
) -> Result<Json<Vec<ApiKeyInfo>>, Failure> {
    Ok(Json(api_keys::list(&state.db, &caller.merchant.id).await?))
}

/// `POST /v1/console/api-keys`: a new key for a machine (admins only); the
/// key is in this answer only.
#[utoipa::path(post, path = "/v1/console/api-keys", tag = "console", security(("api_key" = [])), request_body = ApiKeyRequest,
    responses((status = 201, description = "the key, shown once", body = ApiKeyInfo), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %caller.merchant.id, by = %caller.who()))]
pub(crate) async fn make_key(
    State(state): State<AppState>,
    caller: MerchantCaller,
    ApiJson(asked): ApiJson<ApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKeyInfo>), Failure> {
    let made = api_keys::create(&state.db, &caller.merchant.id, &asked.label, caller.who()).await?;
    tracing::info!(key = %made.id, "API key made");
    Ok((StatusCode::CREATED, Json(made)))
}

/// `DELETE /v1/console/api-keys/{id}`: revokes a key (admins only); the next
/// request with it is refused.
#[utoipa::path(delete, path = "/v1/console/api-keys/{id}", tag = "console", security(("api_key" = [])),
    params(("id" = String, Path, description = "the key's id")),
    responses((status = 204, description = "revoked"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %caller.merchant.id, by = %caller.who()))]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    caller: MerchantCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    api_keys::revoke(&state.db, &caller.merchant.id, &id).await?;
    tracing::info!(key = %id, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}
