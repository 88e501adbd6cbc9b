-- Who may do what is confirmed, not self-declared. A corporate affiliation is
-- one row per pair of merchants, proposed by one, accepted by the other and
-- confirmed by the operator; the self-typed group is gone. An upseller's
-- agreement says which handoff modes an affiliate may sell its items in, and
-- the settlement ledger books who owes whom for each charged order.

ALTER TABLE merchants DROP COLUMN corporate_group;

CREATE TABLE affiliations (
    id TEXT PRIMARY KEY,
    proposer_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    -- The pair in sorted order, so that (a, b) and (b, a) are one pair.
    low_id TEXT NOT NULL,
    high_id TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    accepted_at BIGINT,
    confirmed_at BIGINT,
    revoked_at BIGINT,
    revoked_by TEXT
);
-- At most one live affiliation per pair; revoked ones stay as history.
CREATE UNIQUE INDEX affiliations_live_pair ON affiliations (low_id, high_id) WHERE status <> 'revoked';
CREATE INDEX affiliations_by_status ON affiliations (status, proposed_at);

CREATE TABLE agreements (
    upseller_id TEXT NOT NULL,
    affiliate_id TEXT NOT NULL,
    -- JSON array of the handoff modes the upseller allows.
    modes TEXT NOT NULL,
    -- The affiliate's share of each sale, in basis points of the amount.
    commission_bps BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (upseller_id, affiliate_id)
);
CREATE INDEX agreements_by_affiliate ON agreements (affiliate_id);

CREATE TABLE settlements (
    order_id TEXT PRIMARY KEY,
    -- Who collected the customer's money and owes the other party.
    debtor_id TEXT NOT NULL,
    creditor_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    order_amount_minor BIGINT NOT NULL,
    commission_bps BIGINT NOT NULL,
    owed_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX settlements_by_debtor ON settlements (debtor_id, at);
CREATE INDEX settlements_by_creditor ON settlements (creditor_id, at);

-- The secrets of the hub's frame pages: each load of an opportunity's frame
-- page (served no-store, without CORS) gets a new one; card entry and the
-- accept of a direct_entry offer must carry one, which is how the hub knows
-- they come from inside its own frame. Stored as SHA-256 only.
CREATE TABLE frame_tokens (
    token_sha256 TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX frame_tokens_by_opportunity ON frame_tokens (opportunity_id);

-- Which proof confirmed a consent: the frame token's digest prefix for
-- consents given inside the hub's frame.
ALTER TABLE consent_receipts ADD COLUMN proof TEXT;
