-- An outcome the hub does not know yet (the affiliate or the processor may
-- have acted, no answer came back) is an order of its own state,
-- `pending_confirmation`, asked about again with backoff until it is known.
ALTER TABLE orders ADD COLUMN confirm_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN next_check_at BIGINT;

-- Refunds, partial or whole: what was given back so far is kept on the order
-- and moved by one conditional update, so that concurrent refunds cannot
-- give back more than was charged.
ALTER TABLE orders ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;
-- A refund is `pending` from that update until the processor confirmed it
-- (`succeeded`); its webhooks are written then.
CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    refunded_by TEXT NOT NULL,
    status TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX refunds_by_order ON refunds (order_id);
CREATE INDEX refunds_by_status ON refunds (status, at);

-- The sandbox processor refunds in part, once per idempotency key.
ALTER TABLE sandbox_charges ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;
CREATE TABLE sandbox_refunds (
    idempotency_key TEXT PRIMARY KEY,
    charge_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Cards tried on one opportunity: card entry closes after a few.
ALTER TABLE opportunities ADD COLUMN card_attempts BIGINT NOT NULL DEFAULT 0;
