-- Origins and callback URLs are used only once proven. An origin is proven
-- by a challenge served under /.well-known/ on it, or approved by the
-- operator; a handoff or webhook URL by answering a signed challenge. What
-- was registered before this migration is unproven until then.

ALTER TABLE merchant_origins ADD COLUMN challenge TEXT;
ALTER TABLE merchant_origins ADD COLUMN verified_at BIGINT;
ALTER TABLE merchant_origins ADD COLUMN verified_by TEXT;

-- The proven origins as one JSON array beside the merchant, so that the
-- merchant's one read has them (CORS, the origin check, frame-ancestors).
ALTER TABLE merchants ADD COLUMN verified_origins TEXT NOT NULL DEFAULT '[]';
ALTER TABLE merchants ADD COLUMN handoff_url_verified_at BIGINT;
ALTER TABLE merchants ADD COLUMN webhook_url_verified_at BIGINT;
