-- Single-use proofs of a confirming click in the hub's consent frame, for
-- offers that charge a payment method the customer already gave
-- (merchant_of_record, payment_reference). Each binds the items, the amount
-- and the disclosure the button showed; an accept claims its proof in the
-- transaction that stores the order. Stored as SHA-256 only.
CREATE TABLE consent_proofs (
    proof_sha256 TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    items_sha256 TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    disclosure_sha256 TEXT NOT NULL,
    -- The frame token (digest prefix) of the consent frame that asked.
    frame TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX consent_proofs_by_opportunity ON consent_proofs (opportunity_id);
