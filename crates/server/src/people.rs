//! The console's people: users who sign in with an e-mail address and a
//! password (argon2id), invited by their merchant's admin (or, for a
//! merchant's first admin and the operator's people, by the operator), with
//! a role; sessions kept in the database, which expire, go idle and can be
//! revoked; failed sign-ins that slow the next ones. API keys stay for
//! machines. See `docs/ARCHITECTURE.md`, "People and sessions".

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use postsale_protocol::{ConsoleSession, ConsoleUser, Invitation};

use crate::{
    db::Db,
    domain::Role,
    failure::Failure,
    ids::{new_ordered_id, new_secret_hex, now, sha256_hex},
    store::people::{self, Invitation as StoredInvitation, Session, User},
    validate,
};

/// A session ends this long after sign-in, however busy.
pub(crate) const SESSION_SECS: i64 = 7 * 24 * 3600;
/// A session unused this long has ended.
pub(crate) const IDLE_SECS: i64 = 8 * 3600;
/// How long an invitation can be taken.
pub(crate) const INVITATION_SECS: i64 = 7 * 24 * 3600;
/// Failed sign-ins for an address before each next one waits.
const FREE_FAILURES: i64 = 5;
/// Failures this far apart start the count over.
const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The longest wait a run of failures earns.
const MAX_LOCK_SECS: i64 = 15 * 60;
/// A password's length, in characters. The upper bound keeps a sign-in's
/// hashing cost bounded.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=256;
/// How often a session's last use is written down.
const TOUCH_SECS: i64 = 60;

/// A person as the console shows them: never the password's hash.
pub(crate) fn user_view(user: &User) -> ConsoleUser {
    ConsoleUser {
        id: user.id.clone(),
        merchant_id: user.merchant_id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str().to_owned(),
        created_at: user.created_at,
    }
}

/// A session as its user sees it.
pub(crate) fn session_view(session: &Session) -> ConsoleSession {
    ConsoleSession {
        id: session.id.clone(),
        created_at: session.created_at,
        last_seen_at: session.last_seen_at,
        expires_at: session.expires_at,
        user_agent: session.user_agent.clone(),
    }
}

/// An invitation as its sender sees it: never its token.
fn invitation_view(invitation: &StoredInvitation) -> Invitation {
    let status = if invitation.accepted_at.is_some() {
        "accepted"
    } else if invitation.revoked_at.is_some() {
        "revoked"
    } else if invitation.expires_at <= now() {
        "expired"
    } else {
        "open"
    };
    Invitation {
        id: invitation.id.clone(),
        email: invitation.email.clone(),
        role: invitation.role.clone(),
        invited_by: invitation.invited_by.clone(),
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
        status: status.to_owned(),
        token: None,
        url: None,
    }
}

/// A session just opened: its token goes into the cookie, and nowhere else.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) token: String,
    pub(crate) session: Session,
}

/// The CSRF token of the session whose cookie holds `token`: a request
/// that changes anything with the cookie must send it in a header, which a
/// page of another site cannot read or set.
pub(crate) fn csrf_token(token: &str) -> String {
    sha256_hex(format!("postsale-csrf:{token}"))
}

/// An e-mail address, trimmed and lower-cased: one `@`, something on each
/// side, no spaces or control characters, at most 254 characters.
pub(crate) fn email(field: &str, value: &str) -> Result<String, Failure> {
    let value = value.trim();
    let shaped = value.chars().count() <= 254
        && value
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && value.matches('@').count() == 1
        && !value.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !shaped {
        return Err(Failure::invalid(field, "must be an e-mail address"));
    }
    Ok(value.to_lowercase())
}

/// A new password: long enough to resist guessing, bounded so that hashing
/// it costs what it should, and not the e-mail address.
fn password_rules(field: &str, password: &str, email: &str) -> Result<(), Failure> {
    let chars = password.chars().count();
    if !PASSWORD_CHARS.contains(&chars) {
        return Err(Failure::invalid(
            field,
            format!(
                "must be {} to {} characters",
                PASSWORD_CHARS.start(),
                PASSWORD_CHARS.end()
            ),
        ));
    }
    if password.trim().to_lowercase() == email {
        return Err(Failure::invalid(field, "must not be the e-mail address"));
    }
    Ok(())
}

/// argon2id with its default cost (19 MiB, two passes), off the async workers.
async fn hash_password(password: String) -> Result<String, Failure> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| Failure::Internal(format!("hashing a password: {err}")))
    })
    .await
    .map_err(|err| Failure::Internal(format!("hashing a password: {err}")))?
}

/// What an unknown address is checked against, so that a sign-in takes as
/// long whether the address has an account or not.
static NOBODY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(new_secret_hex().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// Whether `password` is the one `hash` was made of (none: nobody's).
async fn password_matches(password: String, hash: Option<String>) -> Result<bool, Failure> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| NOBODY.clone());
        let matches = PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        });
        known && matches
    })
    .await
    .map_err(|err| Failure::Internal(format!("checking a password: {err}")))
}

/// How long an address waits after its `failures`-th failure in a row.
fn lock_secs(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES + 1).unwrap_or(u32::MAX);
    2_i64
        .checked_pow(doublings.min(20))
        .unwrap_or(MAX_LOCK_SECS)
        .min(MAX_LOCK_SECS)
}

/// A user agent as kept with a session: what the browser said, cut short.
fn user_agent(value: Option<&str>) -> String {
    value
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// A new session for `user` and its token, to be stored.
fn new_session(user: User, agent: Option<&str>, at: i64) -> Opened {
    Opened {
        token: format!("pss_{}", new_secret_hex()),
        session: Session {
            id: new_ordered_id("ses"),
            created_at: at,
            last_seen_at: at,
            expires_at: at + SESSION_SECS,
            revoked_at: None,
            user_agent: user_agent(agent),
            user,
        },
    }
}

/// Signs a person in: their session, or a refusal that says the same
/// whether the address or the password was wrong. An address that failed
/// too often waits, whoever asks and whatever the password.
pub(crate) async fn sign_in(
    db: &Db,
    email_given: &str,
    password: &str,
    agent: Option<&str>,
) -> Result<Opened, Failure> {
    let email = email("email", email_given)?;
    if password.is_empty() || password.chars().count() > *PASSWORD_CHARS.end() {
        return Err(Failure::invalid(
            "password",
            format!("must be 1 to {} characters", PASSWORD_CHARS.end()),
        ));
    }
    let at = now();
    if let Some(until) = people::locked_until(&db.pool, &email).await?
        && until > at
    {
        return Err(Failure::RateLimited(
            u64::try_from(until - at).unwrap_or(1).max(1),
        ));
    }
    let user = people::user_by_email(&db.pool, &email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = password_matches(password.to_owned(), hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        people::record_failure(&db.writer, &email, at, at - FAILURE_WINDOW_SECS, lock_secs).await?;
        return Err(Failure::Unauthorized(
            "wrong e-mail address or password".into(),
        ));
    };
    people::clear_failures(&db.writer, &email).await?;
    let opened = new_session(user, agent, at);
    people::insert_session(&db.writer, &opened.session, &sha256_hex(&opened.token)).await?;
    Ok(opened)
}

/// The session a cookie's token opens, while it lasts.
pub(crate) async fn session(db: &Db, token: &str) -> Result<Option<Session>, Failure> {
    if token.len() > 100 {
        return Ok(None);
    }
    let Some(session) = people::session_by_digest(&db.pool, &sha256_hex(token)).await? else {
        return Ok(None);
    };
    let at = now();
    let live = session.revoked_at.is_none()
        && session.expires_at > at
        && session.last_seen_at + IDLE_SECS > at;
    if !live {
        return Ok(None);
    }
    if session.last_seen_at + TOUCH_SECS <= at {
        people::touch_session(&db.writer, &session.id, at).await?;
    }
    Ok(Some(session))
}

/// Ends a session of `user`'s.
pub(crate) async fn revoke(db: &Db, user: &str, session: &str) -> Result<(), Failure> {
    if people::revoke_session(&db.writer, user, session, now()).await? {
        Ok(())
    } else {
        Err(Failure::NotFound(format!("no open session '{session}'")))
    }
}

/// `user`'s open sessions.
pub(crate) async fn sessions(db: &Db, user: &str) -> Result<Vec<ConsoleSession>, Failure> {
    Ok(people::sessions_of(&db.pool, user, now())
        .await?
        .iter()
        .map(session_view)
        .collect())
}

/// A new password for the signed-in user, who proves the current one; every
/// other session of theirs ends.
pub(crate) async fn change_password(
    db: &Db,
    session: &Session,
    current: &str,
    new: &str,
) -> Result<(), Failure> {
    let user = &session.user;
    password_rules("new_password", new, &user.email)?;
    if current.chars().count() > *PASSWORD_CHARS.end()
        || !password_matches(current.to_owned(), Some(user.password_hash.clone())).await?
    {
        return Err(Failure::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    let hash = hash_password(new.to_owned()).await?;
    let mut tx = db.writer.begin().await?;
    people::set_password(&mut tx, &user.id, &hash, &session.id, now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Invites `email` to be `role` for `merchant` (none: the operator's
/// people, who are operators). `invited_by` says who asked.
pub(crate) async fn invite(
    db: &Db,
    public_url: &str,
    merchant: Option<&str>,
    email_given: &str,
    role: &str,
    invited_by: String,
) -> Result<Invitation, Failure> {
    let email = email("email", email_given)?;
    let role = match (Role::parse(role), merchant) {
        (Ok(role @ (Role::Admin | Role::Editor | Role::Analyst)), Some(_)) => role,
        (Ok(Role::Operator), None) => Role::Operator,
        (_, Some(_)) => {
            return Err(Failure::invalid("role", "must be admin, editor or analyst"));
        }
        (_, None) => return Err(Failure::invalid("role", "must be operator")),
    };
    if people::user_by_email(&db.pool, &email).await?.is_some() {
        return Err(Failure::conflict(
            "email",
            "is already a user's: one address, one person",
        ));
    }
    let at = now();
    let token = format!("psi_{}", new_secret_hex());
    let invitation = StoredInvitation {
        id: new_ordered_id("inv"),
        merchant_id: merchant.map(str::to_owned),
        email,
        role: role.as_str().to_owned(),
        invited_by,
        created_at: at,
        expires_at: at + INVITATION_SECS,
        accepted_at: None,
        revoked_at: None,
    };
    people::insert_invitation(&db.writer, &invitation, &sha256_hex(&token)).await?;
    // The token and its link are in this answer only.
    Ok(Invitation {
        url: Some(format!(
            "{}/console/#/join/{token}",
            public_url.trim_end_matches('/')
        )),
        token: Some(token),
        ..invitation_view(&invitation)
    })
}

/// `merchant`'s invitations (none: the operator's), newest first.
pub(crate) async fn invitations(
    db: &Db,
    merchant: Option<&str>,
) -> Result<Vec<Invitation>, Failure> {
    Ok(people::invitations_of(&db.pool, merchant)
        .await?
        .iter()
        .map(invitation_view)
        .collect())
}

/// Withdraws an open invitation.
pub(crate) async fn revoke_invitation(
    db: &Db,
    merchant: Option<&str>,
    id: &str,
) -> Result<(), Failure> {
    if people::revoke_invitation(&db.writer, merchant, id, now()).await? {
        Ok(())
    } else {
        Err(Failure::NotFound(format!("no open invitation '{id}'")))
    }
}

/// Takes an invitation: the new user, signed in. The token works once,
/// until it expires or is withdrawn.
pub(crate) async fn join(
    db: &Db,
    token: &str,
    name: &str,
    password: &str,
    agent: Option<&str>,
) -> Result<Opened, Failure> {
    let unusable = || Failure::NotFound("no such invitation, or it was used or withdrawn".into());
    if token.len() > 100 {
        return Err(unusable());
    }
    let invitation = people::invitation_by_digest(&db.pool, &sha256_hex(token))
        .await?
        .ok_or_else(unusable)?;
    let at = now();
    if invitation.accepted_at.is_some() || invitation.revoked_at.is_some() {
        return Err(unusable());
    }
    if invitation.expires_at <= at {
        return Err(Failure::Gone("the invitation has expired".into()));
    }
    validate::text("name", name, 120)?;
    password_rules("password", password, &invitation.email)?;
    let hash = hash_password(password.to_owned()).await?;
    let user = User {
        id: new_ordered_id("usr"),
        merchant_id: invitation.merchant_id.clone(),
        email: invitation.email.clone(),
        name: name.trim().to_owned(),
        role: Role::parse(&invitation.role)?,
        password_hash: hash,
        created_at: at,
    };
    let opened = new_session(user, agent, at);
    let mut tx = db.writer.begin().await?;
    if !people::use_invitation(&mut tx, &invitation.id, at).await? {
        return Err(unusable());
    }
    if !people::insert_user(&mut *tx, &opened.session.user).await? {
        return Err(Failure::conflict(
            "email",
            "is already a user's: one address, one person",
        ));
    }
    people::insert_session(&mut *tx, &opened.session, &sha256_hex(&opened.token)).await?;
    tx.commit().await?;
    Ok(opened)
}

/// A user made without an invitation: the demo's people, whose password the
/// demo prints.
pub(crate) async fn create_user(
    db: &Db,
    merchant: Option<&str>,
    email_given: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), Failure> {
    let user = User {
        id: new_ordered_id("usr"),
        merchant_id: merchant.map(str::to_owned),
        email: email("email", email_given)?,
        name: name.to_owned(),
        role,
        password_hash: hash_password(password.to_owned()).await?,
        created_at: now(),
    };
    if !people::insert_user(&db.writer, &user).await? {
        return Err(Failure::conflict("email", "is already a user's"));
    }
    Ok(())
}

/// `merchant`'s users (none: the operator's).
pub(crate) async fn users(db: &Db, merchant: Option<&str>) -> Result<Vec<ConsoleUser>, Failure> {
    Ok(people::users_of(&db.pool, merchant)
        .await?
        .iter()
        .map(user_view)
        .collect())
}

/// Refused: what would leave a merchant's people without an admin.
fn last_admin() -> Failure {
    Failure::conflict(
        "role",
        "a merchant's users keep at least one admin; make another admin first",
    )
}

/// Gives one of `merchant`'s users another role.
pub(crate) async fn set_role(
    db: &Db,
    merchant: &str,
    id: &str,
    role: &str,
) -> Result<ConsoleUser, Failure> {
    let role = match Role::parse(role) {
        Ok(role @ (Role::Admin | Role::Editor | Role::Analyst)) => role,
        _ => {
            return Err(Failure::invalid("role", "must be admin, editor or analyst"));
        }
    };
    let mut tx = db.writer.begin().await?;
    if !people::set_role(&mut tx, merchant, id, role).await? {
        return Err(Failure::NotFound(format!("no user '{id}'")));
    }
    if people::admins_of(&mut tx, merchant).await? == 0 {
        return Err(last_admin());
    }
    tx.commit().await?;
    people::user_of(&db.writer, merchant, id)
        .await?
        .map(|user| user_view(&user))
        .ok_or_else(|| Failure::NotFound(format!("no user '{id}'")))
}

/// Removes one of `merchant`'s users (none: the operator's) and ends their
/// sessions.
pub(crate) async fn remove(db: &Db, merchant: Option<&str>, id: &str) -> Result<(), Failure> {
    let mut tx = db.writer.begin().await?;
    if !people::delete_user(&mut tx, merchant, id).await? {
        return Err(Failure::NotFound(format!("no user '{id}'")));
    }
    if let Some(merchant) = merchant {
        let left = people::count_users(&mut tx, merchant).await?;
        if left > 0 && people::admins_of(&mut tx, merchant).await? == 0 {
            return Err(last_admin());
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_wait_longer_each_time_up_to_a_quarter_hour() {
        let waits: Vec<i64> = (1..=16).map(lock_secs).collect();
        assert_eq!(&waits[..4], [0, 0, 0, 0]);
        assert_eq!(&waits[4..9], [2, 4, 8, 16, 32]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(lock_secs(15), MAX_LOCK_SECS);
        assert_eq!(lock_secs(i64::MAX), MAX_LOCK_SECS);
    }

    #[test]
    fn addresses_are_one_shape_and_lower_case() {
        assert_eq!(
            email("email", "  Ana@Example.COM ").ok().as_deref(),
            Some("ana@example.com")
        );
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@example",
            "a@b@example.com",
            "ana @example.com",
            "ana@example.com.",
            "ana\u{7}@example.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad:?}");
        }
        assert!(email("email", &format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn a_password_is_long_enough_bounded_and_not_the_address() {
        assert!(password_rules("p", "correct horse battery", "ana@example.com").is_ok());
        assert!(password_rules("p", "short", "ana@example.com").is_err());
        assert!(password_rules("p", &"x".repeat(257), "ana@example.com").is_err());
        assert!(password_rules("p", "Ana@Example.com", "ana@example.com").is_err());
    }

    #[test]
    fn a_hash_checks_its_password_and_no_other() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let hash = hash_password("correct horse battery".into())
                .await
                .expect("hash");
            assert!(hash.starts_with("$argon2id$"));
            assert!(
                password_matches("correct horse battery".into(), Some(hash.clone()))
                    .await
                    .expect("checked")
            );
            assert!(
                !password_matches("correct horse batterY".into(), Some(hash))
                    .await
                    .expect("checked")
            );
            assert!(
                !password_matches(String::new(), None)
                    .await
                    .expect("checked")
            );
        });
    }
}
