-- People who sign in to the console: a merchant's users (admin, editor,
-- analyst) and the operator's (merchant_id NULL, role operator). An
-- e-mail address is one person's, lower-cased; the password is kept as its
-- argon2id hash (PHC string) only.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    merchant_id TEXT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE INDEX users_by_merchant ON users (merchant_id);

-- An invitation to become a user: sent by an admin (or the operator), used
-- once, before it expires. Only the SHA-256 of its token is kept.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    merchant_id TEXT,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX invitations_by_merchant ON invitations (merchant_id);

-- A signed-in browser: the cookie's token is kept as its SHA-256 only. A
-- session ends when it expires, when it is idle too long, or when it is
-- revoked (signed out, revoked from another session, the password changed,
-- the user removed).
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    user_agent TEXT NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

-- Failed sign-ins by e-mail address (known or not, so a lock says nothing
-- about who has an account): after a few, each attempt waits longer.
CREATE TABLE sign_in_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
