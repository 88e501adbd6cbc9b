-- The Stripe gateway's own records of what it made at Stripe: the cards
-- (a Customer and its card, never a number) entered for an opportunity,
-- and the one PaymentIntent of each order, recorded before it is confirmed.
CREATE TABLE stripe_cards (
    reference TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE stripe_intents (
    order_id TEXT PRIMARY KEY,
    intent_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX stripe_intents_by_intent ON stripe_intents (intent_id);

-- Events a payment processor sent, by its id: each is acted on once.
CREATE TABLE processor_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
