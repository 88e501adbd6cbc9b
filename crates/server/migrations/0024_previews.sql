-- A merchant's preview of one of its offers: what the console's IFRAME of
-- the real widget shows, made without an opportunity. Only the SHA-256 of
-- its token (the capability in the preview's address) is kept; `choice` is
-- the checked request as JSON; `incentive` the reward picked in it.
CREATE TABLE previews (
    token_sha256 TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    choice TEXT NOT NULL,
    incentive TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX previews_by_expiry ON previews (expires_at);
