-- The audit trail: each change a merchant's person or machine made through
-- the API (never a read), who made it, what it named and how it ended. The
-- body is not kept: it may hold a secret or a customer's data.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_label TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL
);
CREATE INDEX audit_log_by_merchant ON audit_log (merchant_id, at, id);
