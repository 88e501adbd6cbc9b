//! The console's people: users, their invitations, their signed-in sessions
//! and the failed sign-ins that slow the next ones. Tokens are kept as their
//! SHA-256 only, passwords as their argon2id hash only (see `people`).

use sqlx::{Any, Executor};

use super::{StoreError, new_row};
use crate::domain::Role;

/// A person who signs in to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) id: String,
    /// The merchant whose user it is; none for the operator's people.
    pub(crate) merchant_id: Option<String>,
    /// Lower-cased.
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    /// The argon2id hash, as a PHC string.
    pub(crate) password_hash: String,
    pub(crate) created_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    merchant_id: Option<String>,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(Self {
            role: Role::parse(&row.role)?,
            id: row.id,
            merchant_id: row.merchant_id,
            email: row.email,
            name: row.name,
            password_hash: row.password_hash,
            created_at: row.created_at,
        })
    }
}

/// The rows of `merchant`'s people (bound as `$1`), or of the operator's
/// when there is none (nothing bound).
fn whose(merchant: Option<&str>) -> &'static str {
    match merchant {
        Some(_) => "merchant_id = $1",
        None => "merchant_id IS NULL",
    }
}

const USER_COLUMNS: &str = "id, merchant_id, email, name, role, password_hash, created_at";

/// Stores a new user; false when its e-mail address is someone's already.
pub(crate) async fn insert_user<'c>(
    conn: impl Executor<'c, Database = Any>,
    user: &User,
) -> Result<bool, StoreError> {
    new_row(
        sqlx::query(
            "INSERT INTO users (id, merchant_id, email, name, role, password_hash, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&user.id)
        .bind(user.merchant_id.as_deref())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(conn)
        .await,
    )
}

/// The user with this (lower-cased) e-mail address.
pub(crate) async fn user_by_email(
    pool: &sqlx::AnyPool,
    email: &str,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    row.map(User::try_from).transpose()
}

/// The user with this id, if it is one of `merchant`'s.
pub(crate) async fn user_of(
    pool: &sqlx::AnyPool,
    merchant: &str,
    id: &str,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND merchant_id = $2"
    ))
    .bind(id)
    .bind(merchant)
    .fetch_optional(pool)
    .await?;
    row.map(User::try_from).transpose()
}

/// `merchant`'s users (none: the operator's), oldest first.
pub(crate) async fn users_of(
    pool: &sqlx::AnyPool,
    merchant: Option<&str>,
) -> Result<Vec<User>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {} ORDER BY created_at, id",
        whose(merchant)
    );
    let query = sqlx::query_as(&sql);
    let query = match merchant {
        Some(merchant) => query.bind(merchant),
        None => query,
    };
    let rows: Vec<UserRow> = query.fetch_all(pool).await?;
    rows.into_iter().map(User::try_from).collect()
}

/// Inside the caller's transaction: the number of `merchant`'s users.
pub(crate) async fn count_users(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: &str,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE merchant_id = $1")
            .bind(merchant)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Inside the caller's transaction: the number of `merchant`'s admins.
pub(crate) async fn admins_of(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: &str,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE merchant_id = $1 AND role = $2")
            .bind(merchant)
            .bind(Role::Admin.as_str())
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Inside the caller's transaction: gives a user another role; false when
/// `merchant` has no such user.
pub(crate) async fn set_role(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: &str,
    id: &str,
    role: Role,
) -> Result<bool, StoreError> {
    let changed = sqlx::query("UPDATE users SET role = $3 WHERE merchant_id = $1 AND id = $2")
        .bind(merchant)
        .bind(id)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(changed.rows_affected() > 0)
}

/// Inside the caller's transaction: removes a user of `merchant` (none:
/// the operator's) and ends its sessions; false when there was none.
pub(crate) async fn delete_user(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: Option<&str>,
    id: &str,
) -> Result<bool, StoreError> {
    let deleted = match merchant {
        Some(merchant) => sqlx::query("DELETE FROM users WHERE merchant_id = $1 AND id = $2")
            .bind(merchant)
            .bind(id),
        None => sqlx::query("DELETE FROM users WHERE merchant_id IS NULL AND id = $1").bind(id),
    }
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Inside the caller's transaction: a merchant being deleted takes its
/// people, their sessions and its invitations with it.
pub(crate) async fn delete_merchant_people(
    tx: &mut sqlx::Transaction<'_, Any>,
    merchant: &str,
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM users WHERE merchant_id = $1)",
        "DELETE FROM users WHERE merchant_id = $1",
        "DELETE FROM invitations WHERE merchant_id = $1",
    ] {
        sqlx::query(sql).bind(merchant).execute(&mut **tx).await?;
    }
    Ok(())
}

/// A new password's hash; the user's other sessions end (all but `keep`).
pub(crate) async fn set_password(
    tx: &mut sqlx::Transaction<'_, Any>,
    user: &str,
    hash: &str,
    keep: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1")
        .bind(user)
        .bind(hash)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE console_sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(keep)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An invitation to become a user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Invitation {
    pub(crate) id: String,
    pub(crate) merchant_id: Option<String>,
    pub(crate) email: String,
    pub(crate) role: String,
    /// Who sent it: `user:<id>`, `api_key` or `operator`.
    pub(crate) invited_by: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

const INVITATION_COLUMNS: &str =
    "id, merchant_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

/// Stores an invitation under its token's digest.
pub(crate) async fn insert_invitation(
    pool: &sqlx::AnyPool,
    invitation: &Invitation,
    token_sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO invitations (id, token_sha256, merchant_id, email, role, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&invitation.id)
    .bind(token_sha256)
    .bind(invitation.merchant_id.as_deref())
    .bind(&invitation.email)
    .bind(&invitation.role)
    .bind(&invitation.invited_by)
    .bind(invitation.created_at)
    .bind(invitation.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The invitation whose token has this digest.
pub(crate) async fn invitation_by_digest(
    pool: &sqlx::AnyPool,
    token_sha256: &str,
) -> Result<Option<Invitation>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_sha256 = $1"
    ))
    .bind(token_sha256)
    .fetch_optional(pool)
    .await?)
}

/// `merchant`'s invitations (none: the operator's), newest first.
pub(crate) async fn invitations_of(
    pool: &sqlx::AnyPool,
    merchant: Option<&str>,
) -> Result<Vec<Invitation>, StoreError> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE {} ORDER BY created_at DESC, id DESC",
        whose(merchant)
    );
    let query = sqlx::query_as(&sql);
    let query = match merchant {
        Some(merchant) => query.bind(merchant),
        None => query,
    };
    Ok(query.fetch_all(pool).await?)
}

/// Inside the caller's transaction: takes an invitation, once, while it is
/// open; false when it was used, revoked or has expired meanwhile.
pub(crate) async fn use_invitation(
    tx: &mut sqlx::Transaction<'_, Any>,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let used = sqlx::query(
        "UPDATE invitations SET accepted_at = $2 \
         WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(used.rows_affected() > 0)
}

/// Revokes an open invitation of `merchant` (none: the operator's); false
/// when there is no such open invitation.
pub(crate) async fn revoke_invitation(
    pool: &sqlx::AnyPool,
    merchant: Option<&str>,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let revoked = match merchant {
        Some(merchant) => sqlx::query(
            "UPDATE invitations SET revoked_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(merchant)
        .bind(id)
        .bind(at),
        None => sqlx::query(
            "UPDATE invitations SET revoked_at = $2 \
             WHERE merchant_id IS NULL AND id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(at),
    }
    .execute(pool)
    .await?;
    Ok(revoked.rows_affected() > 0)
}

/// A signed-in browser, with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) created_at: i64,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) user_agent: String,
    pub(crate) user: User,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: String,
    session_created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    user_agent: String,
    #[sqlx(flatten)]
    user: UserRow,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(row: SessionRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.session_id,
            created_at: row.session_created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            user_agent: row.user_agent,
            user: row.user.try_into()?,
        })
    }
}

const SESSION_SELECT: &str = "SELECT s.id AS session_id, s.created_at AS session_created_at, \
     s.last_seen_at, s.expires_at, s.revoked_at, s.user_agent, \
     u.id, u.merchant_id, u.email, u.name, u.role, u.password_hash, u.created_at \
     FROM console_sessions s JOIN users u ON u.id = s.user_id";

/// Stores a new session under its token's digest.
pub(crate) async fn insert_session<'c>(
    conn: impl Executor<'c, Database = Any>,
    session: &Session,
    token_sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO console_sessions (id, token_sha256, user_id, created_at, last_seen_at, expires_at, user_agent) \
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(&session.id)
    .bind(token_sha256)
    .bind(&session.user.id)
    .bind(session.created_at)
    .bind(session.expires_at)
    .bind(&session.user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session whose token has this digest, with its user.
pub(crate) async fn session_by_digest(
    pool: &sqlx::AnyPool,
    token_sha256: &str,
) -> Result<Option<Session>, StoreError> {
    let row: Option<SessionRow> =
        sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.token_sha256 = $1"))
            .bind(token_sha256)
            .fetch_optional(pool)
            .await?;
    row.map(Session::try_from).transpose()
}

/// A user's sessions that have not ended by `at`, newest first.
pub(crate) async fn sessions_of(
    pool: &sqlx::AnyPool,
    user: &str,
    at: i64,
) -> Result<Vec<Session>, StoreError> {
    let rows: Vec<SessionRow> = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
         ORDER BY s.created_at DESC, s.id DESC"
    ))
    .bind(user)
    .bind(at)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Session::try_from).collect()
}

/// Notes that a session was used at `at`.
pub(crate) async fn touch_session(
    pool: &sqlx::AnyPool,
    id: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2",
    )
    .bind(id)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends one of a user's sessions; false when it had none such still open.
pub(crate) async fn revoke_session(
    pool: &sqlx::AnyPool,
    user: &str,
    id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let revoked = sqlx::query(
        "UPDATE console_sessions SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(id)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(revoked.rows_affected() > 0)
}

/// Until when sign-ins for this e-mail address wait, if they do.
pub(crate) async fn locked_until(
    pool: &sqlx::AnyPool,
    email: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT locked_until FROM sign_in_failures WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?,
    )
}

/// Counts one more failed sign-in for this address at `at` (starting
/// over when the last was before `window_start`) and locks it until
/// `lock(count)` seconds after `at`; the count.
pub(crate) async fn record_failure(
    pool: &sqlx::AnyPool,
    email: &str,
    at: i64,
    window_start: i64,
    lock: impl Fn(i64) -> i64,
) -> Result<i64, StoreError> {
    // One statement: failures at the same moment each count.
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (email, failures, last_at, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (email) DO UPDATE SET last_at = $2, failures = CASE \
           WHEN sign_in_failures.last_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END \
         RETURNING failures",
    )
    .bind(email)
    .bind(at)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "UPDATE sign_in_failures SET locked_until = $2 WHERE email = $1 AND locked_until < $2",
    )
    .bind(email)
    .bind(at.saturating_add(lock(count)))
    .execute(pool)
    .await?;
    Ok(count)
}

/// Forgets the failures of an address that signed in.
pub(crate) async fn clear_failures(pool: &sqlx::AnyPool, email: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets what no longer matters by `before`: sessions and invitations
/// that ended, and failures long past. How many rows went.
pub(crate) async fn sweep(writer: &sqlx::AnyPool, before: i64) -> Result<u64, StoreError> {
    let mut swept = 0;
    for sql in [
        "DELETE FROM console_sessions WHERE expires_at < $1 OR revoked_at < $1",
        "DELETE FROM invitations WHERE expires_at < $1",
        "DELETE FROM sign_in_failures WHERE last_at < $1 AND locked_until < $1",
    ] {
        swept += sqlx::query(sql)
            .bind(before)
            .execute(writer)
            .await?
            .rows_affected();
    }
    Ok(swept)
}
